//! Rate limits that work behind a proxy (issue 11, item 5): receipts and enrollment limited per
//! client address, the address taken from the forwarding headers only when a trusted proxy sent
//! them, settings that cannot work refused at start, and an unknown enrollment code refused
//! without a write transaction.

mod common;

use std::time::{Duration, Instant};

use common::{fresh_url, Backend};
use lianxin_core::protocol::DeviceRole;
use lianxin_server::testing::TestServer;
use lianxin_server::Config;
use serde_json::{json, Value};

fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn a_receipt_rate_of_zero_is_refused_at_start_with_the_variable_named() {
    let e = Config::from_vars(vars(&[("LIANXIN_RECEIPT_PER_MINUTE", "0")])).unwrap_err();
    assert_eq!(e.var, "LIANXIN_RECEIPT_PER_MINUTE");
    assert!(e.to_string().contains("greater than 0"), "{e}");
    for bad in ["-1", "abc", "NaN", "inf"] {
        let pairs: &'static [(&str, &str)] =
            Box::leak(Box::new([("LIANXIN_ENROLL_PER_MINUTE", bad)]));
        assert!(Config::from_vars(vars(pairs)).is_err(), "{bad}");
    }
}

#[test]
fn rates_proxies_and_timeouts_are_read_from_the_environment() {
    let c = Config::from_vars(vars(&[
        ("LIANXIN_RECEIPT_PER_MINUTE", "30"),
        ("LIANXIN_RECEIPT_BURST", "5"),
        ("LIANXIN_ENROLL_PER_MINUTE", "6"),
        ("LIANXIN_TRUSTED_PROXIES", "10.0.0.0/8, ::1"),
        ("LIANXIN_HTTPS", "1"),
        ("LIANXIN_HEADER_TIMEOUT_SECS", "7"),
        ("LIANXIN_MAX_CONNECTIONS", "100"),
    ]))
    .unwrap();
    assert_eq!((c.receipt_burst, c.receipt_per_second), (5, 0.5));
    assert_eq!(c.enroll_per_second, 0.1);
    assert_eq!(c.trusted_proxies.len(), 2);
    assert!(c.https);
    assert_eq!(c.limits.header_timeout, Duration::from_secs(7));
    assert_eq!(c.limits.max_connections, 100);
    assert!(Config::from_vars(vars(&[("LIANXIN_TRUSTED_PROXIES", "proxy")])).is_err());
    assert!(Config::from_vars(vars(&[("LIANXIN_MAX_CONNECTIONS", "0")])).is_err());
}

/// A real server (the client address comes from the TCP connection) with small limits.
async fn limited_server(trusted: &str) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let config = Config {
        receipt_burst: 3,
        receipt_per_second: 0.001,
        enroll_burst: 3,
        enroll_per_second: 0.001,
        trusted_proxies: lianxin_server::ratelimit::parse_trusted_proxies(trusted).unwrap(),
        ..common::test_config()
    };
    (TestServer::start_with_config(&url, config).await, dir)
}

async fn lookup(server: &TestServer, forwarded_for: Option<&str>) -> u16 {
    let mut req = reqwest::Client::new().get(format!(
        "{}/api/v1/receipts/ABCD-EFGH-JKLM",
        server.base_url
    ));
    if let Some(f) = forwarded_for {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_from_an_untrusted_peer_do_not_buy_new_buckets() {
    let (server, _dir) = limited_server("").await;
    for i in 0..3 {
        assert_eq!(lookup(&server, Some(&format!("203.0.113.{i}"))).await, 404);
    }
    assert_eq!(lookup(&server, Some("203.0.113.99")).await, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_client_has_its_own_bucket() {
    let (server, _dir) = limited_server("127.0.0.1/32").await;
    for _ in 0..3 {
        assert_eq!(lookup(&server, Some("203.0.113.7")).await, 404);
    }
    assert_eq!(lookup(&server, Some("203.0.113.7")).await, 429);
    // Another person behind the same proxy is not locked out by the first.
    assert_eq!(lookup(&server, Some("203.0.113.8")).await, 404);
    // A client cannot pick a bucket by writing its own header: the proxy appends the real one.
    assert_eq!(
        lookup(&server, Some("198.51.100.1, 203.0.113.7")).await,
        429
    );
    // IPv6 by /64.
    for _ in 0..3 {
        assert_eq!(lookup(&server, Some("2001:db8:1:2::1")).await, 404);
    }
    assert_eq!(lookup(&server, Some("2001:db8:1:2::ffff")).await, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_429_says_when_to_come_back() {
    let (server, _dir) = limited_server("").await;
    for _ in 0..3 {
        lookup(&server, None).await;
    }
    let res = reqwest::get(format!("{}/api/v1/receipts/ABCDEFGHJKLM", server.base_url))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrollment_attempts_are_limited_per_address_too() {
    let (server, _dir) = limited_server("").await;
    let client = reqwest::Client::new();
    let attempt = || async {
        client
            .post(format!("{}/api/v1/devices/enroll", server.base_url))
            .json(&json!({"code": "AAAA-BBBB-CCCC-DDDD", "label": "平板"}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    for _ in 0..3 {
        assert_eq!(attempt().await, 400, "unknown code");
    }
    assert_eq!(attempt().await, 429);
}

/// Holds the database's write lock from outside the server: PostgreSQL's advisory lock that
/// every writer takes, or SQLite's write lock.
async fn hold_write_lock(url: &str) -> Box<dyn std::any::Any + Send> {
    use sqlx::Connection;
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(0x4c58_5752_i64)
            .execute(&mut conn)
            .await
            .unwrap();
        Box::new(conn)
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .unwrap();
        Box::new(conn)
    }
}

async fn an_unknown_code_is_refused_while_the_writers_are_blocked(backend: Backend) {
    let Some((url, _dir)) = fresh_url(backend).await else {
        return;
    };
    let server = TestServer::start_with_config(&url, common::test_config()).await;
    let real = server.enrollment_code(DeviceRole::Field, "城关镇").await;
    let lock = hold_write_lock(&url).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let start = Instant::now();
    let res = client
        .post(format!("{}/api/v1/devices/enroll", server.base_url))
        .json(&json!({"code": "AAAA-BBBB-CCCC-DDDD", "label": "平板"}))
        .send()
        .await
        .expect("answered while the writers wait");
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "enrollment_code_unknown");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    drop(lock);
    // The real code still enrolls once the writers can go on.
    let res = client
        .post(format!("{}/api/v1/devices/enroll", server.base_url))
        .json(&json!({"code": real, "label": "平板"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
}

on_both_backends!(an_unknown_code_is_refused_while_the_writers_are_blocked);
