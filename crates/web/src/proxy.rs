//! Who is asking, behind a reverse proxy. The peer of a connection is the
//! proxy, so limits and the audit log would see one address for everyone.
//! With `--trusted-proxies` the client's address is read from
//! `X-Forwarded-For`, but only on connections from those proxies: from
//! anyone else the header is a claim anyone can make, and is ignored.
use std::net::IpAddr;
use std::str::FromStr;

/// A block of addresses: `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCidr(String);

impl std::fmt::Display for BadCidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}' is not an address block: write it as 10.0.0.0/8, 192.168.1.10 or 2001:db8::/32", self.0)
    }
}

impl std::error::Error for BadCidr {}

impl FromStr for Cidr {
    type Err = BadCidr;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadCidr(text.to_string());
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().map_err(|_| bad())?;
        let most = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.parse::<u8>().ok().filter(|p| *p <= most).ok_or_else(bad)?,
            None => most,
        };
        Ok(Self { network, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, canonical(address)) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:10.0.0.1`) is the
/// IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy,
/// the nearest address in `X-Forwarded-For` that is not one of the trusted
/// proxies (each proxy appends the address it was reached from, so the
/// rightmost untrusted one is the first that no trusted proxy vouches for).
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[Cidr],
) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |address: IpAddr| trusted.iter().any(|block| block.contains(address));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.rev().flat_map(|header| header.split(',').rev()) {
        let Ok(address) = hop.trim().parse::<IpAddr>() else {
            // Not an address (garbage, or a port we do not expect): stop at
            // the last one that was.
            break;
        };
        client = canonical(address);
        if !is_trusted(client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn blocks(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|b| b.parse().unwrap()).collect()
    }

    #[test]
    fn blocks_parse_and_contain_what_they_should() {
        let private: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(private.contains(ip("10.200.3.4")) && !private.contains(ip("11.0.0.1")));
        assert!(private.contains(ip("::ffff:10.0.0.9")), "an IPv4 address through an IPv6 socket");
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")) && !v6.contains(ip("2001:db9::1")) && !v6.contains(ip("10.0.0.1")));
        let everyone: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(everyone.contains(ip("203.0.113.9")));
        for bad in ["10.0.0.0/33", "ten", "10.0.0.0/", "::/129", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let trusted = blocks(&["10.0.0.0/8"]);
        let visitor = ip("203.0.113.9");
        // Straight from the internet: the header is a claim, ignored.
        assert_eq!(client_address(visitor, ["198.51.100.1"].into_iter(), &trusted), visitor);
        // Through the proxy: the address it was reached from.
        assert_eq!(client_address(ip("10.0.0.2"), ["203.0.113.9"].into_iter(), &trusted), visitor);
        // A visitor who sends their own header through the proxy cannot choose:
        // the proxy appended the real address last.
        assert_eq!(client_address(ip("10.0.0.2"), ["198.51.100.1, 203.0.113.9"].into_iter(), &trusted), visitor);
        // Two trusted proxies in a row, and the header split over two lines.
        assert_eq!(client_address(ip("10.0.0.2"), ["203.0.113.9", "10.0.0.7"].into_iter(), &trusted), visitor);
        // No header, or nothing usable in it: the proxy itself.
        assert_eq!(client_address(ip("10.0.0.2"), std::iter::empty(), &trusted), ip("10.0.0.2"));
        assert_eq!(client_address(ip("10.0.0.2"), ["unknown"].into_iter(), &trusted), ip("10.0.0.2"));
        // Nothing trusted (the default): the peer, whatever the header says.
        assert_eq!(client_address(ip("10.0.0.2"), ["203.0.113.9"].into_iter(), &[]), ip("10.0.0.2"));
    }
}
