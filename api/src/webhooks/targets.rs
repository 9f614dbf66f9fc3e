//! Where a webhook may go. `public`: `https` to public addresses only, so a partner's URL
//! can never reach the operator's own network (SSRF); `loopback`: 127.0.0.0/8 and ::1
//! only, `http` allowed, so nothing the demo, a test or a contract check sends leaves the
//! machine. Checked when an endpoint is created or changed, and again on every delivery by
//! the client's own name resolution (a name that later resolves elsewhere is refused).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use reqwest::Url;

use super::addresses::not_public;

/// How long resolving an endpoint's host name may take.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(2);

pub use crate::config::WebhookTargets;

/// Why a URL may not receive webhooks (the message tells the admin).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refused(why: impl Into<String>) -> Refused {
    Refused(why.into())
}

/// Checks `url` against `targets`: its form, scheme and every address its host resolves to
/// (when an endpoint is saved).
pub async fn check(url: &str, targets: WebhookTargets) -> Result<Url, Refused> {
    let (parsed, host) = written(url, targets)?;
    if let Host::Name(name) = host {
        let found = resolve(&name).await?;
        allowed(&found.iter().map(|a| a.ip()).collect::<Vec<_>>(), targets)?;
    }
    Ok(parsed)
}

/// Checks what `url` says itself: its form, scheme, and an address written in it. A host
/// name is left to the delivery client, whose resolver ([`Guarded`]) checks every address
/// it finds as it connects, so a delivery looks each name up once.
pub fn check_written(url: &str, targets: WebhookTargets) -> Result<Url, Refused> {
    written(url, targets).map(|(parsed, _)| parsed)
}

/// The URL and its host, if its form, scheme and any address written in it are allowed.
fn written(url: &str, targets: WebhookTargets) -> Result<(Url, Host), Refused> {
    let parsed = Url::parse(url).map_err(|e| refused(format!("not a URL: {e}")))?;
    let scheme_ok = match targets {
        WebhookTargets::Public => parsed.scheme() == "https",
        WebhookTargets::Loopback => matches!(parsed.scheme(), "http" | "https"),
    };
    if !scheme_ok {
        return Err(refused(match targets {
            WebhookTargets::Public => "webhook URLs must use https",
            WebhookTargets::Loopback => "webhook URLs must use http or https",
        }));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refused(
            "a webhook URL may not carry a user name or password",
        ));
    }
    if parsed.fragment().is_some() {
        return Err(refused("a webhook URL has no fragment (#…)"));
    }
    let host = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => Host::Address(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Host::Address(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => Host::Name(name.to_owned()),
        None => return Err(refused("a webhook URL needs a host")),
    };
    match &host {
        Host::Address(ip) => allowed(&[*ip], targets)?,
        // On loopback only this machine's own name can qualify: nothing else is looked up.
        Host::Name(name) if targets == WebhookTargets::Loopback && name != "localhost" => {
            return Err(refused(format!(
                "{name} is not a loopback address (this server sends webhooks to loopback only)"
            )));
        }
        Host::Name(_) => {}
    }
    Ok((parsed, host))
}

enum Host {
    Address(IpAddr),
    Name(String),
}

/// The addresses of `name`, within [`RESOLVE_TIMEOUT`].
async fn resolve(name: &str) -> Result<Vec<SocketAddr>, Refused> {
    let lookup = tokio::net::lookup_host((name, 0));
    match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
        Ok(Ok(found)) => {
            let found: Vec<SocketAddr> = found.collect();
            if found.is_empty() {
                Err(refused(format!("{name} has no address")))
            } else {
                Ok(found)
            }
        }
        Ok(Err(_)) => Err(refused(format!("{name} does not resolve"))),
        Err(_) => Err(refused(format!("{name} did not resolve in time"))),
    }
}

/// Refuses unless every address is one `targets` allows.
fn allowed(addresses: &[IpAddr], targets: WebhookTargets) -> Result<(), Refused> {
    for ip in addresses {
        match targets {
            WebhookTargets::Loopback if !ip.is_loopback() => {
                return Err(refused(format!(
                    "{ip} is not a loopback address (this server sends webhooks to loopback only)"
                )));
            }
            WebhookTargets::Loopback => {}
            WebhookTargets::Public => {
                if let Some(block) = not_public(*ip) {
                    return Err(refused(format!("{ip} is not a public address ({block})")));
                }
            }
        }
    }
    Ok(())
}

/// The delivery client's name resolution: a host name that resolves to any address the
/// targets do not allow is refused before a connection is made.
pub struct Guarded(pub WebhookTargets);

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let targets = self.0;
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let found = resolve(&name).await?;
            let ips: Vec<IpAddr> = found.iter().map(|a| a.ip()).collect();
            allowed(&ips, targets)?;
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn public_mode_refuses_what_could_reach_inside_without_connecting() {
        for url in [
            "http://127.0.0.1/hook",
            "https://169.254.169.254/latest",
            "https://10.0.0.1/hook",
            "https://localhost/hook",
            "ftp://example.com/hook",
            "https://user:pw@93.184.216.34/",
            "not a url",
        ] {
            assert!(check(url, WebhookTargets::Public).await.is_err(), "{url}");
        }
        assert!(
            check("https://93.184.216.34/hook", WebhookTargets::Public)
                .await
                .is_ok()
        );
    }

    #[test]
    fn public_mode_refuses_an_inside_address_tunnelled_in_ipv6() {
        for url in [
            "https://[64:ff9b::a9fe:a9fe]/latest",
            "https://[2002:a00:1::1]/hook",
            "https://[::10.0.0.1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",
            "https://[64:ff9b:1::a00:1]/hook",
        ] {
            let refused = check_written(url, WebhookTargets::Public).unwrap_err();
            assert!(
                refused.0.contains("is not a public address"),
                "{url}: {refused}"
            );
        }
        assert!(check_written("https://[64:ff9b::5db8:d822]/hook", WebhookTargets::Public).is_ok());
    }

    #[test]
    fn at_delivery_what_the_url_says_is_checked_and_names_are_left_to_the_resolver() {
        assert!(check_written("https://10.0.0.1/hook", WebhookTargets::Public).is_err());
        assert!(check_written("http://93.184.216.34/hook", WebhookTargets::Public).is_err());
        assert!(check_written("https://hooks.partner.example/in", WebhookTargets::Public).is_ok());
        assert!(check_written("http://hooks.partner.example/", WebhookTargets::Loopback).is_err());
        assert!(check_written("http://127.0.0.1:9/hook", WebhookTargets::Loopback).is_ok());
    }

    #[tokio::test]
    async fn loopback_mode_allows_only_this_machine() {
        assert!(
            check("http://127.0.0.1:9/hook", WebhookTargets::Loopback)
                .await
                .is_ok()
        );
        assert!(
            check("http://[::1]:9/hook", WebhookTargets::Loopback)
                .await
                .is_ok()
        );
        for url in [
            "http://93.184.216.34/",
            "https://10.0.0.1/",
            "file:///etc/passwd",
        ] {
            assert!(check(url, WebhookTargets::Loopback).await.is_err(), "{url}");
        }
    }
}
