//! Which addresses are on the public internet, for webhooks in `public` mode: one table of
//! the blocks that are not, taken whole from IANA's special-purpose address registries
//! (IPv4: RFC 6890 and its updates; IPv6: the same, plus multicast), so that a partner's
//! URL can never reach the operator's own network or anything it tunnels to.
//!
//! An IPv6 address that carries an IPv4 address (IPv4-mapped, IPv4-compatible, the NAT64
//! well-known prefix, 6to4) is judged by the IPv4 address inside: the packet ends up there.
//! An IPv6 address outside global unicast (`2000::/3`, the only IPv6 space IANA hands out
//! for the internet) is not public either, whatever the registry says of it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A block of addresses: its first address and prefix length, and what IANA calls it.
struct Block<A> {
    first: A,
    len: u8,
    name: &'static str,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8, name: &'static str) -> Block<Ipv4Addr> {
    Block {
        first: Ipv4Addr::new(a, b, c, d),
        len,
        name,
    }
}

const fn v6(segments: [u16; 8], len: u8, name: &'static str) -> Block<Ipv6Addr> {
    let [a, b, c, d, e, f, g, h] = segments;
    Block {
        first: Ipv6Addr::new(a, b, c, d, e, f, g, h),
        len,
        name,
    }
}

/// IPv4 blocks no webhook may reach. Every entry of the IANA IPv4 Special-Purpose Address
/// Registry is here as its widest block, including the few IANA marks globally reachable
/// (AS112, AMT, the anycast addresses in 192.0.0.0/24): they are services of the network
/// itself, never a partner's receiver.
const V4_NOT_PUBLIC: [Block<Ipv4Addr>; 19] = [
    v4(0, 0, 0, 0, 8, "this network"),
    v4(10, 0, 0, 0, 8, "private use"),
    v4(
        100,
        64,
        0,
        0,
        10,
        "shared address space (carrier-grade NAT)",
    ),
    v4(127, 0, 0, 0, 8, "loopback"),
    v4(169, 254, 0, 0, 16, "link local"),
    v4(172, 16, 0, 0, 12, "private use"),
    v4(192, 0, 0, 0, 24, "IETF protocol assignments"),
    v4(192, 0, 2, 0, 24, "documentation (TEST-NET-1)"),
    v4(192, 31, 196, 0, 24, "AS112-v4"),
    v4(192, 52, 193, 0, 24, "AMT"),
    v4(192, 88, 99, 0, 24, "6to4 relay anycast (deprecated)"),
    v4(192, 168, 0, 0, 16, "private use"),
    v4(192, 175, 48, 0, 24, "direct delegation AS112 service"),
    v4(198, 18, 0, 0, 15, "benchmarking"),
    v4(198, 51, 100, 0, 24, "documentation (TEST-NET-2)"),
    v4(203, 0, 113, 0, 24, "documentation (TEST-NET-3)"),
    v4(224, 0, 0, 0, 4, "multicast"),
    v4(240, 0, 0, 0, 4, "reserved"),
    v4(255, 255, 255, 255, 32, "limited broadcast"),
];

/// IPv6 blocks no webhook may reach: the IANA IPv6 Special-Purpose Address Registry (the
/// IETF's 2001::/23 whole, Teredo included: a tunnel's far end is anyone's guess) and
/// multicast. The blocks that carry an IPv4 address are in [`V6_CARRYING_V4`] instead.
const V6_NOT_PUBLIC: [Block<Ipv6Addr>; 13] = [
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified"),
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"),
    v6(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "local-use IPv4/IPv6 translation",
    ),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only"),
    v6([0x100, 0, 0, 1, 0, 0, 0, 0], 64, "dummy IPv6 prefix"),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF protocol assignments (Teredo included)",
    ),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation"),
    v6(
        [0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0],
        48,
        "direct delegation AS112 service",
    ),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation"),
    v6(
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        "segment routing (SRv6) SIDs",
    ),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique local"),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local unicast"),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast"),
];

/// IPv6 blocks that carry an IPv4 address, and the bit where its 32 bits begin.
const V6_CARRYING_V4: [(Block<Ipv6Addr>, u32); 4] = [
    (v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, "IPv4-mapped"), 96),
    (
        v6([0, 0, 0, 0, 0, 0, 0, 0], 96, "IPv4-compatible (deprecated)"),
        96,
    ),
    (
        v6(
            [0x64, 0xff9b, 0, 0, 0, 0, 0, 0],
            96,
            "IPv4/IPv6 translation (NAT64)",
        ),
        96,
    ),
    (v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4"), 16),
];

/// Global unicast, `2000::/3`: the IPv6 space allocated for the internet.
const V6_GLOBAL_UNICAST: Block<Ipv6Addr> = v6([0x2000, 0, 0, 0, 0, 0, 0, 0], 3, "global unicast");

impl Block<Ipv4Addr> {
    fn contains(&self, ip: Ipv4Addr) -> bool {
        same_prefix(
            u128::from(ip.to_bits()) << 96,
            u128::from(self.first.to_bits()) << 96,
            self.len,
        )
    }
}

impl Block<Ipv6Addr> {
    fn contains(&self, ip: Ipv6Addr) -> bool {
        same_prefix(ip.to_bits(), self.first.to_bits(), self.len)
    }
}

/// Whether `a` and `b` agree in their first `len` bits.
fn same_prefix(a: u128, b: u128, len: u8) -> bool {
    match u32::from(len) {
        0 => true,
        len => (a ^ b) >> (128 - len.min(128)) == 0,
    }
}

/// Why `ip` is not on the public internet (the name of its block), or `None` if it is.
pub fn not_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => V4_NOT_PUBLIC
            .iter()
            .find(|block| block.contains(ip))
            .map(|block| block.name),
        IpAddr::V6(ip) => {
            if let Some(block) = V6_NOT_PUBLIC.iter().find(|block| block.contains(ip)) {
                return Some(block.name);
            }
            if let Some((_, at)) = V6_CARRYING_V4.iter().find(|(block, _)| block.contains(ip)) {
                // The 32 bits from `at` on: the cast keeps exactly those.
                let inside = Ipv4Addr::from_bits((ip.to_bits() >> (96 - at)) as u32);
                return not_public(IpAddr::V4(inside));
            }
            if !V6_GLOBAL_UNICAST.contains(ip) {
                return Some("not global unicast (outside 2000::/3)");
            }
            None
        }
    }
}

/// Whether `ip` is an address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    not_public(ip).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// The first, a middle and the last address of `cidr`.
    fn first_middle_last(cidr: &str) -> [IpAddr; 3] {
        match cidr.parse::<ipnet::IpNet>().unwrap() {
            ipnet::IpNet::V4(net) => {
                let (first, last) = (net.network().to_bits(), net.broadcast().to_bits());
                [first, first + (last - first) / 2, last]
                    .map(|b| IpAddr::V4(Ipv4Addr::from_bits(b)))
            }
            ipnet::IpNet::V6(net) => {
                let (first, last) = (net.network().to_bits(), net.broadcast().to_bits());
                [first, first + (last - first) / 2, last]
                    .map(|b| IpAddr::V6(Ipv6Addr::from_bits(b)))
            }
        }
    }

    #[rstest]
    // IPv4 Special-Purpose Address Registry
    #[case::this_network("0.0.0.0/8")]
    #[case::private_10("10.0.0.0/8")]
    #[case::shared_address_space("100.64.0.0/10")]
    #[case::loopback_v4("127.0.0.0/8")]
    #[case::link_local_v4("169.254.0.0/16")]
    #[case::private_172("172.16.0.0/12")]
    #[case::ietf_protocol_assignments_v4("192.0.0.0/24")]
    #[case::test_net_1("192.0.2.0/24")]
    #[case::as112_v4("192.31.196.0/24")]
    #[case::amt("192.52.193.0/24")]
    #[case::six_to_four_relay_anycast("192.88.99.0/24")]
    #[case::private_192("192.168.0.0/16")]
    #[case::as112_direct_delegation_v4("192.175.48.0/24")]
    #[case::benchmarking_v4("198.18.0.0/15")]
    #[case::test_net_2("198.51.100.0/24")]
    #[case::test_net_3("203.0.113.0/24")]
    #[case::multicast_v4("224.0.0.0/4")]
    #[case::reserved_v4("240.0.0.0/4")]
    #[case::limited_broadcast("255.255.255.255/32")]
    // IPv6 Special-Purpose Address Registry, and multicast
    #[case::unspecified("::/128")]
    #[case::loopback_v6("::1/128")]
    #[case::local_use_translation("64:ff9b:1::/48")]
    #[case::discard_only("100::/64")]
    #[case::dummy_prefix("100:0:0:1::/64")]
    #[case::ietf_protocol_assignments_v6("2001::/23")]
    #[case::teredo("2001::/32")]
    #[case::benchmarking_v6("2001:2::/48")]
    #[case::documentation_v6("2001:db8::/32")]
    #[case::as112_direct_delegation_v6("2620:4f:8000::/48")]
    #[case::documentation_3fff("3fff::/20")]
    #[case::srv6_sids("5f00::/16")]
    #[case::unique_local("fc00::/7")]
    #[case::link_local_v6("fe80::/10")]
    #[case::multicast_v6("ff00::/8")]
    // Outside global unicast
    #[case::site_local_deprecated("fec0::/10")]
    #[case::reserved_by_the_ietf("4000::/3")]
    fn no_address_of_a_special_purpose_block_is_public(#[case] cidr: &str) {
        for ip in first_middle_last(cidr) {
            assert!(!is_public(ip), "{ip} in {cidr}");
        }
    }

    #[rstest]
    #[case::mapped_private("::ffff:10.0.0.1", false)]
    #[case::mapped_loopback("::ffff:127.0.0.1", false)]
    #[case::mapped_metadata("::ffff:169.254.169.254", false)]
    #[case::mapped_public("::ffff:93.184.216.34", true)]
    #[case::compatible_private("::10.0.0.1", false)]
    #[case::compatible_loopback("::127.0.0.1", false)]
    #[case::compatible_public("::93.184.216.34", true)]
    #[case::nat64_private("64:ff9b::10.0.0.1", false)]
    #[case::nat64_metadata("64:ff9b::169.254.169.254", false)]
    #[case::nat64_public("64:ff9b::93.184.216.34", true)]
    #[case::six_to_four_private("2002:a00:1::1", false)]
    #[case::six_to_four_loopback("2002:7f00:1::", false)]
    #[case::six_to_four_public("2002:5db8:d822::1", true)]
    fn an_ipv6_address_carrying_an_ipv4_one_is_judged_by_it(
        #[case] ip: &str,
        #[case] public: bool,
    ) {
        assert_eq!(is_public(ip.parse().unwrap()), public, "{ip}");
    }

    #[rstest]
    #[case("93.184.216.34")]
    #[case("1.1.1.1")]
    #[case("8.8.8.8")]
    #[case("11.0.0.0")]
    #[case("100.63.255.255")]
    #[case("100.128.0.0")]
    #[case("172.32.0.0")]
    #[case("192.0.1.255")]
    #[case("198.20.0.0")]
    #[case("223.255.255.255")]
    #[case("2606:4700::1111")]
    #[case("2a00:1450:4001:80b::200e")]
    #[case("2001:200::1")]
    fn addresses_beside_the_blocks_are_public(#[case] ip: &str) {
        assert!(is_public(ip.parse().unwrap()), "{ip}");
    }

    #[test]
    fn a_refused_address_is_named_by_its_block() {
        assert_eq!(
            not_public("2001:0:4136:e378:8000:63bf:3fff:fdd2".parse().unwrap()),
            Some("IETF protocol assignments (Teredo included)")
        );
        assert_eq!(
            not_public("64:ff9b::a9fe:a9fe".parse().unwrap()),
            Some("link local")
        );
    }
}
