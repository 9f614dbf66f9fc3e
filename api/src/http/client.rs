//! Who the client is, as limits count it. Behind a load balancer every request comes from
//! the balancer, so the address it saw is taken from the one forwarding header the
//! balancers write (`FORWARDED_HEADER`: `X-Forwarded-For` by default, or `Forwarded`),
//! but only when the request arrives from a proxy we trust (`TRUSTED_PROXIES`): anyone
//! else could write any address there. Walking from the right, the first address that is
//! not a trusted proxy is the client; an entry that is no address ends the walk (the
//! client is then unknown). An IPv6 client is counted by its /64, which one household or
//! office gets whole.

use std::net::{IpAddr, Ipv6Addr};

use actix_web::HttpRequest;
use actix_web::http::header;
use ipnet::IpNet;

use crate::config::ForwardedHeader;

/// The proxies whose forwarding header is believed, and which header that is.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// `TRUSTED_PROXIES`: CIDR blocks (`10.0.0.0/8`) or single addresses.
    pub fn parse(list: &[String], header: ForwardedHeader) -> anyhow::Result<TrustedProxies> {
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
            .map(|nets| TrustedProxies { nets, header })
    }

    fn trusts(&self, ip: &IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the TCP peer, or, from a trusted proxy, the right-most
    /// forwarded address that is not a trusted proxy (`None` in `forwarded` is an entry
    /// that is no address: the client is unknown).
    pub fn client(&self, peer: Option<IpAddr>, forwarded: &[Option<IpAddr>]) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(&peer) {
            return Some(peer);
        }
        for entry in forwarded.iter().rev() {
            match entry {
                Some(ip) if self.trusts(ip) => continue,
                Some(ip) => return Some(*ip),
                None => return None,
            }
        }
        Some(peer)
    }
}

/// The entries of the forwarding header `header`, oldest first (`None`: not an address).
fn forwarded_for(req: &HttpRequest, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    match header {
        ForwardedHeader::Forwarded => req
            .headers()
            .get_all(header::FORWARDED)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    name.eq_ignore_ascii_case("for").then_some(value)
                })
            })
            .map(|value| address(value.trim_matches('"')))
            .collect(),
        ForwardedHeader::XForwardedFor => req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|value| address(value.trim()))
            .collect(),
    }
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

/// The client's address as the trusted proxies saw it, or the peer's.
pub fn client_address(req: &HttpRequest) -> Option<IpAddr> {
    let trusted = req
        .app_data::<actix_web::web::Data<TrustedProxies>>()
        .map(|t| t.get_ref().clone())
        .unwrap_or_default();
    let peer = req.peer_addr().map(|a| a.ip());
    trusted.client(peer, &forwarded_for(req, trusted.header))
}

/// The client's address, as rate limits count it.
pub fn client_key(req: &HttpRequest) -> String {
    client_address(req).map_or_else(|| "unknown".to_owned(), limit_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusted(list: &[&str]) -> TrustedProxies {
        let list: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        TrustedProxies::parse(&list, ForwardedHeader::XForwardedFor).unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(Some(ip("198.51.100.7")), &[Some(ip("203.0.113.1"))]),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn from_a_trusted_proxy_the_right_most_untrusted_address_is_the_client() {
        let proxies = trusted(&["10.0.0.0/8", "192.0.2.10"]);
        // The client wrote a fake address first; the balancers appended the real one.
        let forwarded = [
            Some(ip("6.6.6.6")),
            Some(ip("203.0.113.9")),
            Some(ip("10.1.2.3")),
        ];
        assert_eq!(
            proxies.client(Some(ip("192.0.2.10")), &forwarded),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn an_entry_that_is_no_address_ends_the_walk_and_the_client_is_unknown() {
        let proxies = trusted(&["10.0.0.0/8"]);
        let forwarded = [Some(ip("6.6.6.6")), None, Some(ip("10.1.2.3"))];
        assert_eq!(proxies.client(Some(ip("10.0.0.5")), &forwarded), None);
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
        let err = TrustedProxies::parse(&["10.0.0.0/33".to_owned()], ForwardedHeader::Forwarded)
            .unwrap_err();
        assert!(err.to_string().contains("TRUSTED_PROXIES"));
    }
}
