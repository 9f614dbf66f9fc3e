//! Who the client is, as limits count it. Behind a load balancer every request comes from
//! the balancer, so the address it saw is taken from `X-Forwarded-For` or `Forwarded`,
//! but only when the request arrives from a proxy we trust (`TRUSTED_PROXIES`): anyone
//! else could write any address there. The right-most address that is not a trusted
//! proxy is the client. An IPv6 client is counted by its /64, which one household or
//! office gets whole.

use std::net::{IpAddr, Ipv6Addr};

use actix_web::HttpRequest;
use actix_web::http::header;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// `TRUSTED_PROXIES`: CIDR blocks (`10.0.0.0/8`) or single addresses.
    pub fn parse(list: &[String]) -> anyhow::Result<TrustedProxies> {
        list.iter()
            .map(|item| item.trim())
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "TRUSTED_PROXIES: {item:?} is not an address or CIDR block like 10.0.0.0/8"
                        )
                    })
            })
            .collect::<anyhow::Result<_>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: &IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the TCP peer, or, from a trusted proxy, the right-most
    /// forwarded address that is not a trusted proxy.
    pub fn client(&self, peer: Option<IpAddr>, forwarded: &[IpAddr]) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(&peer) {
            return Some(peer);
        }
        Some(
            forwarded
                .iter()
                .rev()
                .find(|ip| !self.trusts(ip))
                .copied()
                .unwrap_or(peer),
        )
    }
}

/// The addresses a request was forwarded for, oldest first: `Forwarded` (RFC 7239)
/// when present, else `X-Forwarded-For`. Entries that are not addresses (`unknown`,
/// obfuscated names) are left out.
fn forwarded_for(req: &HttpRequest) -> Vec<IpAddr> {
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all(header::FORWARDED)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .flat_map(|element| element.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            name.eq_ignore_ascii_case("for").then_some(value)
        })
        .filter_map(|value| address(value.trim_matches('"')))
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    req.headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|value| address(value.trim()))
        .collect()
}

/// An address as forwarding headers write it: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`
/// or `[2001:db8::1]:4711`.
fn address(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    text.rsplit_once(':')?.0.parse().ok()
}

/// How limits name a client: its IPv4 address, or its IPv6 /64.
pub fn limit_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
    }
}

/// The client's address, as rate limits count it.
pub fn client_key(req: &HttpRequest) -> String {
    let trusted = req
        .app_data::<actix_web::web::Data<TrustedProxies>>()
        .map(|t| t.get_ref().clone())
        .unwrap_or_default();
    let peer = req.peer_addr().map(|a| a.ip());
    trusted
        .client(peer, &forwarded_for(req))
        .map_or_else(|| "unknown".to_owned(), limit_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusted(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(Some(ip("198.51.100.7")), &[ip("203.0.113.1")]),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn from_a_trusted_proxy_the_right_most_untrusted_address_is_the_client() {
        let proxies = trusted(&["10.0.0.0/8", "192.0.2.10"]);
        // The client wrote a fake address first; the balancers appended the real one.
        let forwarded = [ip("6.6.6.6"), ip("203.0.113.9"), ip("10.1.2.3")];
        assert_eq!(
            proxies.client(Some(ip("192.0.2.10")), &forwarded),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn a_trusted_proxy_that_forwards_nothing_is_itself_the_client() {
        let proxies = trusted(&["10.0.0.0/8"]);
        assert_eq!(
            proxies.client(Some(ip("10.0.0.5")), &[]),
            Some(ip("10.0.0.5"))
        );
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(limit_key(ip("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
        assert_eq!(limit_key(ip("192.0.2.1")), "192.0.2.1");
    }

    #[test]
    fn forwarded_addresses_are_read_with_ports_and_brackets() {
        assert_eq!(address("192.0.2.1:4711"), Some(ip("192.0.2.1")));
        assert_eq!(address("[2001:db8::1]:4711"), Some(ip("2001:db8::1")));
        assert_eq!(address("[2001:db8::1]"), Some(ip("2001:db8::1")));
        assert_eq!(address("unknown"), None);
    }

    #[test]
    fn a_wrong_trusted_proxy_is_a_clear_error() {
        let err = TrustedProxies::parse(&["10.0.0.0/33".to_owned()]).unwrap_err();
        assert!(err.to_string().contains("TRUSTED_PROXIES"));
    }
}
