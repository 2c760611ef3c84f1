//! Rate limits per client address, for the endpoints anyone can call without a token: the
//! receipt lookup (so that query codes cannot be enumerated) and enrollment (so that a flood of
//! guessed codes cannot take the writer from the devices that push).
//!
//! Three decisions live here, each in plain Rust:
//! - **who the client is** ([`client_ip`]): the TCP peer, unless the peer is one of the configured
//!   trusted proxies (`LIANXIN_TRUSTED_PROXIES`), in which case the address the proxies recorded
//!   in `Forwarded` or `X-Forwarded-For`, read from the right, skipping the trusted hops. A header
//!   from anyone else is ignored: a client cannot pick its own bucket.
//! - **which bucket** ([`ClientKey`]): an IPv4 address, or the /64 of an IPv6 address (one
//!   subscriber gets a whole /64, so a bucket per /128 would give one person 2^64 buckets).
//! - **how many buckets** ([`RateLimiter`]): the GCRA buckets of `governor` in its sharded map
//!   (no lock across all clients), idle buckets dropped every [`HOUSEKEEPING_EVERY`] checks, and
//!   at most `cap` buckets: past it, addresses not yet known share one overflow bucket, so
//!   memory stays bounded however many addresses an attacker has.
//!
//! The buckets are per process: behind a load balancer over N servers a client gets up to N
//! times the configured rate (README, "Operations").

use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::nanos::Nanos;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::state::StateStore;
use governor::Quota;
use ipnet::IpNet;

use crate::AppState;

/// Idle buckets are dropped once every this many checks.
pub const HOUSEKEEPING_EVERY: u32 = 1024;

/// The default bound on the number of buckets of one limiter.
pub const DEFAULT_MAX_BUCKETS: usize = 100_000;

/// A rate: `burst` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Requests allowed at once.
    pub burst: u32,
    /// Refill per second.
    pub per_second: f64,
}

impl Rate {
    /// governor's quota for this rate. A burst of 0 counts as 1; a rate that is not positive
    /// never refills (the burst is all there is) — `Config::from_env` refuses both before they
    /// get here, so only a `Config` built in code can ask for them.
    pub fn quota(self) -> Quota {
        const NEVER: Duration = Duration::from_secs(365 * 24 * 3600);
        let period = if self.per_second.is_finite() && self.per_second > 0.0 {
            Duration::from_secs_f64(1.0 / self.per_second).clamp(Duration::from_micros(1), NEVER)
        } else {
            NEVER
        };
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(period)
            .expect("the period is at least 1 µs")
            .allow_burst(burst)
    }
}

/// The bucket an address falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// An IPv4 address (IPv4-mapped IPv6 addresses included).
    V4(u32),
    /// The first 64 bits of an IPv6 address.
    V6(u64),
    /// Every address first seen while the map is full.
    Overflow,
}

impl ClientKey {
    /// The bucket of `ip`.
    pub fn of(ip: IpAddr) -> ClientKey {
        match ip {
            IpAddr::V4(v4) => ClientKey::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey::V4(u32::from(v4)),
                None => ClientKey::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// governor's sharded map with a bound: a key not yet in a full map is measured in the overflow
/// bucket instead of getting one of its own.
#[derive(Debug, Default)]
struct CappedStore {
    map: DashMapStateStore<ClientKey>,
    cap: usize,
}

impl StateStore for CappedStore {
    type Key = ClientKey;

    fn measure_and_replace<T, F, E>(&self, key: &ClientKey, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        // DashMap::len sums the shards' lengths (a few dozen), it does not walk the entries.
        if self.map.len() >= self.cap && !self.map.contains_key(key) {
            return self.map.measure_and_replace(&ClientKey::Overflow, f);
        }
        self.map.measure_and_replace(key, f)
    }
}

impl ShrinkableKeyedStateStore<ClientKey> for CappedStore {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&self.map, drop_below);
    }

    fn shrink_to_fit(&self) {
        ShrinkableKeyedStateStore::shrink_to_fit(&self.map);
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// One limit (receipts, enrollment) over every client address.
#[derive(Debug)]
pub struct RateLimiter {
    buckets: governor::RateLimiter<ClientKey, CappedStore, DefaultClock>,
    checks: AtomicU32,
}

impl RateLimiter {
    /// A limiter with the given rate and at most [`DEFAULT_MAX_BUCKETS`] buckets.
    pub fn new(rate: Rate) -> Self {
        Self::with_max_buckets(rate, DEFAULT_MAX_BUCKETS)
    }

    /// A limiter with the given rate and at most `cap` buckets (+1, the overflow bucket).
    pub fn with_max_buckets(rate: Rate, cap: usize) -> Self {
        let store = CappedStore {
            map: DashMapStateStore::default(),
            cap,
        };
        RateLimiter {
            buckets: governor::RateLimiter::new(rate.quota(), store, DefaultClock::default()),
            checks: AtomicU32::new(0),
        }
    }

    /// Takes one token from the bucket of `ip`, or says how long to wait for one.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % HOUSEKEEPING_EVERY
            == HOUSEKEEPING_EVERY - 1
        {
            // A bucket that has filled up again is the same as no bucket: drop it.
            self.buckets.retain_recent();
            self.buckets.shrink_to_fit();
        }
        self.buckets
            .check_key(&ClientKey::of(ip))
            .map_err(|not_until| not_until.wait_time_from(self.buckets.clock().now()))
    }

    /// How many buckets are held now.
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }
}

/// Parses `LIANXIN_TRUSTED_PROXIES`: comma- or space-separated CIDRs or single addresses.
pub fn parse_trusted_proxies(s: &str) -> Result<Vec<IpNet>, String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<IpNet>()
                .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{p:?} is neither an address nor a CIDR"))
        })
        .collect()
}

/// The client's address: `peer`, or, when `peer` is a trusted proxy, the nearest address in
/// the forwarding chain that is not a trusted proxy (`Forwarded` if present, else
/// `X-Forwarded-For`). Each proxy appends the address it got the request from, so only the
/// entries on the right, written by our own proxies, can be believed; the leftmost ones are
/// whatever the client sent. An entry that is not an address (`unknown`, an obfuscated name)
/// stops the walk at the proxy that wrote it.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&unmap(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    let chain = forwarded_chain(headers);
    let mut client = peer;
    for entry in chain.iter().rev() {
        match entry {
            Some(ip) if is_trusted(ip) => client = *ip,
            Some(ip) => return *ip,
            None => return client,
        }
    }
    client
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is (a dual-stack socket reports those).
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The `for=` addresses of every `Forwarded` header, left to right; without one, the entries of
/// every `X-Forwarded-For`. `None` for an entry that is not an address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<Option<IpAddr>> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_node(v.trim().trim_matches('"')))
            })
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().ok())
        .flat_map(|v| v.unwrap_or("?").split(','))
        .map(|e| parse_node(e.trim()))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.parse::<IpAddr>().ok().or_else(|| {
        let (host, port) = node.rsplit_once(':')?;
        port.parse::<u16>().ok()?;
        host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
    })
}

/// The client's address as [`client_ip`] decides it (0.0.0.0 when the router runs without a
/// connection, as in `oneshot` tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn rate(burst: u32, per_second: f64) -> Rate {
        Rate { burst, per_second }
    }

    #[test]
    fn a_burst_is_allowed_and_then_refused_per_address() {
        let l = RateLimiter::new(rate(3, 0.001));
        let (a, b) = (ip("127.0.0.1"), ip("127.0.0.2"));
        assert!(l.check(a).is_ok() && l.check(a).is_ok() && l.check(a).is_ok());
        let wait = l.check(a).unwrap_err();
        assert!(
            wait > Duration::from_secs(900),
            "refill is 1 per 1000 s: {wait:?}"
        );
        assert!(l.check(b).is_ok(), "another address has its own bucket");
    }

    #[test]
    fn addresses_of_one_ipv6_64_share_a_bucket_and_other_64s_do_not() {
        let l = RateLimiter::new(rate(2, 0.001));
        assert!(l.check(ip("2001:db8:1:2::1")).is_ok());
        assert!(l.check(ip("2001:db8:1:2:ffff::9")).is_ok());
        assert!(l.check(ip("2001:db8:1:2:abcd::1")).is_err());
        assert!(l.check(ip("2001:db8:1:3::1")).is_ok());
        assert_eq!(
            ClientKey::of(ip("::ffff:192.0.2.1")),
            ClientKey::of(ip("192.0.2.1"))
        );
    }

    #[test]
    fn past_the_cap_new_addresses_share_the_overflow_bucket_and_known_ones_keep_theirs() {
        let l = RateLimiter::with_max_buckets(rate(1, 0.001), 2);
        assert!(l.check(ip("10.0.0.1")).is_ok());
        assert!(l.check(ip("10.0.0.2")).is_ok());
        assert!(
            l.check(ip("10.0.0.3")).is_ok(),
            "the overflow bucket's first token"
        );
        assert!(
            l.check(ip("10.0.0.4")).is_err(),
            "shares the overflow bucket"
        );
        assert!(l.check(ip("10.0.0.1")).is_err(), "its own bucket, empty");
        assert_eq!(l.buckets(), 3);
        for i in 0..10_000u32 {
            let _ = l.check(IpAddr::V4(Ipv4Addr::from(0x0b00_0000 + i)));
        }
        assert!(l.buckets() <= 3, "bounded: {}", l.buckets());
    }

    #[test]
    fn idle_buckets_are_dropped_by_housekeeping() {
        let l = RateLimiter::new(rate(1, 1_000_000.0));
        for i in 0..(2 * HOUSEKEEPING_EVERY) {
            let _ = l.check(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)));
            std::thread::sleep(Duration::from_micros(2));
        }
        assert!(
            l.buckets() < HOUSEKEEPING_EVERY as usize,
            "buckets that refilled are forgotten: {}",
            l.buckets()
        );
    }

    #[test]
    fn a_zero_rate_never_refills_and_a_zero_burst_allows_one() {
        let l = RateLimiter::new(rate(0, 0.0));
        assert!(l.check(ip("10.0.0.1")).is_ok());
        assert!(l.check(ip("10.0.0.1")).is_err());
    }

    #[test]
    fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.9"),
        ]);
        assert_eq!(client_ip(ip("198.51.100.7"), &h, &[]), ip("198.51.100.7"));
        let trusted = parse_trusted_proxies("10.0.0.0/8").unwrap();
        assert_eq!(
            client_ip(ip("198.51.100.7"), &h, &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_rightmost_untrusted_hop() {
        let trusted = parse_trusted_proxies("10.0.0.0/8, 192.168.1.1").unwrap();
        // The client claims 1.2.3.4; our proxies appended what they saw.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.1.1.1")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("203.0.113.9"));
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            client_ip(ip("192.168.1.1"), &h, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_its_forms_are_understood() {
        let trusted = parse_trusted_proxies("10.0.0.1").unwrap();
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.1"),
            (
                "forwarded",
                "for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\"",
            ),
        ]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &h, &trusted),
            ip("2001:db8:cafe::17")
        );
        let h = headers(&[("forwarded", "for=192.0.2.60:8080")]);
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted), ip("192.0.2.60"));
    }

    #[test]
    fn an_entry_that_is_no_address_stops_at_the_proxy_that_wrote_it() {
        let trusted = parse_trusted_proxies("10.0.0.0/8").unwrap();
        let h = headers(&[("forwarded", "for=unknown, for=10.2.2.2")]);
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted), ip("10.2.2.2"));
        let h = HeaderMap::new();
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.1"));
    }

    #[test]
    fn trusted_proxies_are_cidrs_or_addresses_and_anything_else_is_refused() {
        assert_eq!(
            parse_trusted_proxies("10.0.0.0/8,::1 fd00::/8")
                .unwrap()
                .len(),
            3
        );
        assert!(parse_trusted_proxies("").unwrap().is_empty());
        assert!(parse_trusted_proxies("10.0.0.0/33").is_err());
        assert!(parse_trusted_proxies("proxy.local").is_err());
    }
}
