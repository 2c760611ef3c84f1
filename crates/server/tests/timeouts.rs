//! Slow and idle clients (issue 11, item 1), over raw TCP against a real server on 127.0.0.1:
//! headers that never end, a body that stops, a body that trickles, and more idle connections
//! than the server takes, while `/healthz` keeps answering.

mod common;

use std::time::{Duration, Instant};

use lianxin_server::serving::Limits;
use lianxin_server::testing::TestServer;
use lianxin_server::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A server with short timeouts, over a fresh SQLite file (kept alive by the returned dir).
async fn server(limits: Limits) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let config = Config {
        limits,
        ..common::test_config()
    };
    (TestServer::start_with_config(&url, config).await, dir)
}

fn short() -> Limits {
    Limits {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(3),
        max_connections: 64,
    }
}

fn addr(s: &TestServer) -> String {
    s.base_url.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (or `within` passes): what it sent, and how
/// long it took.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, Duration) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = within.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "the connection was still open after {within:?}; got {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), start.elapsed())
}

/// One GET over a new connection; the status code.
async fn get_status(address: &str, path: &str) -> Option<u16> {
    let mut s = tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(address))
        .await
        .ok()?
        .ok()?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut buf))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&buf);
    text.split(' ').nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_that_never_end_are_cut_off_after_the_header_timeout() {
    let (server, _dir) = server(short()).await;
    let mut s = TcpStream::connect(addr(&server)).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        .await
        .unwrap();
    let (_, took) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let (server, _dir) = server(short()).await;
    let mut s = TcpStream::connect(addr(&server)).await.unwrap();
    let (sent, took) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
    assert!(
        sent.is_empty() || sent.starts_with("HTTP/1.1 408"),
        "{sent}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_is_answered_408_in_json() {
    let (server, _dir) = server(short()).await;
    let mut s = TcpStream::connect(addr(&server)).await.unwrap();
    s.write_all(
        b"POST /api/v1/devices/enroll HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"code\":",
    )
    .await
    .unwrap();
    let (answer, took) = read_until_closed(&mut s, Duration::from_secs(6)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    assert!(took < Duration::from_secs(4), "answered after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_trickles_in_is_cut_off_by_the_request_timeout() {
    let (server, _dir) = server(Limits {
        body_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(2),
        ..short()
    })
    .await;
    let mut s = TcpStream::connect(addr(&server)).await.unwrap();
    s.write_all(
        b"POST /api/v1/devices/enroll HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
          Content-Length: 1000\r\n\r\n",
    )
    .await
    .unwrap();
    let start = Instant::now();
    let (mut reader, mut writer) = s.into_split();
    let trickle = tokio::spawn(async move {
        // One byte every 300 ms: never a pause long enough for the body timeout.
        for _ in 0..40 {
            if writer.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(6), reader.read(&mut buf)).await
    {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        if answer.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    trickle.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_slot_held_by_idle_sockets_healthz_still_answers_and_other_paths_say_busy() {
    let (server, _dir) = server(Limits {
        header_timeout: Duration::from_secs(30),
        max_connections: 8,
        ..short()
    })
    .await;
    let address = addr(&server);
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(&address).await.unwrap());
    }
    // Let the server accept them all before the probes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    assert_eq!(get_status(&address, "/healthz").await, Some(200));
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(get_status(&address, "/api/openapi.json").await, Some(503));
    drop(idle);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        get_status(&address, "/api/openapi.json").await,
        Some(200),
        "slots come back when the idle sockets go"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_idle_connections_do_not_stop_healthz() {
    let (server, _dir) = server(Limits {
        header_timeout: Duration::from_secs(30),
        ..Limits::default()
    })
    .await;
    // This process holds both ends of every connection.
    let _ = lianxin_server::serving::raise_open_files_limit();
    let address = addr(&server);
    let mut idle = Vec::new();
    for _ in 0..1000 {
        match TcpStream::connect(&address).await {
            Ok(s) => idle.push(s),
            Err(e) => panic!("connection {} refused: {e}", idle.len()),
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..20 {
        let start = Instant::now();
        assert_eq!(get_status(&address, "/healthz").await, Some(200));
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
    }
    drop(idle);
}
