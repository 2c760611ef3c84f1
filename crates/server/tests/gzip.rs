//! Compressed bodies from weak mobile links (issue 13): a push may arrive gzipped
//! (`Content-Encoding: gzip`); one that inflates past the limit is refused 413 without being
//! inflated further; a cut-off or corrupt one is refused 400 and stores nothing; a slow upload
//! that keeps moving is served to the end; the pull feed answers compressed.

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{petition_record, Backend, Harness};
use flate2::write::GzEncoder;
use flate2::Compression;
use lianxin_core::protocol::{DeviceRole, MAX_BODY_BYTES};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(
    a_gzipped_push_is_stored_like_a_plain_one,
    a_zip_bomb_is_refused_413_after_the_limit_without_reading_the_rest,
    a_truncated_gzip_body_is_refused_400_and_stores_nothing,
    a_corrupt_gzip_body_is_refused_400_and_stores_nothing,
);

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn gzipped_push(token: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post("/api/v1/sync/push")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(body.into())
        .unwrap()
}

/// A push of `n` different petitions, as JSON text.
fn push_body(n: usize) -> String {
    let records: Vec<_> = (0..n)
        .map(|i| petition_record(&format!("王{i}")).1)
        .collect();
    json!({ "records": records, "device_now": chrono::Utc::now() }).to_string()
}

async fn stored(h: &Harness) -> i64 {
    h.state.db.records.petition_count().await.unwrap()
}

async fn a_gzipped_push_is_stored_like_a_plain_one(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let json = push_body(3);
    let body = gzip(json.as_bytes());
    assert!(
        body.len() < json.len() / 2,
        "{} -> {}",
        json.len(),
        body.len()
    );
    let (status, answer) = h.send(gzipped_push(&dev.token, body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let outcomes: Vec<&str> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["stored", "stored", "stored"]);
    assert_eq!(stored(&h).await, 3);
}

async fn a_zip_bomb_is_refused_413_after_the_limit_without_reading_the_rest(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    // A gzip stream that never ends: each chunk is a mebibyte of zeros, about a kilobyte on the
    // wire. A server that inflated it all would never answer.
    let chunks = Arc::new(AtomicUsize::new(0));
    let counter = chunks.clone();
    let zeros = vec![0u8; 1 << 20];
    let bomb = futures_util::stream::unfold(
        GzEncoder::new(Vec::new(), Compression::fast()),
        move |mut encoder| {
            let zeros = zeros.clone();
            let counter = counter.clone();
            async move {
                encoder.write_all(&zeros).unwrap();
                encoder.flush().unwrap();
                let chunk = std::mem::take(encoder.get_mut());
                counter.fetch_add(1, Ordering::SeqCst);
                Some((Ok::<_, std::io::Error>(chunk), encoder))
            }
        },
    );
    let started = Instant::now();
    let (status, answer) = h
        .send(gzipped_push(&dev.token, Body::from_stream(bomb)))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(answer["error"]["code"], "body_too_large");
    assert!(started.elapsed() < Duration::from_secs(10));
    // It stopped reading at the limit: a few mebibytes inflated, not more.
    let read = chunks.load(Ordering::SeqCst);
    assert!(
        read <= MAX_BODY_BYTES / (1 << 20) + 2,
        "{read} MiB inflated"
    );
    assert_eq!(stored(&h).await, 0);
}

async fn a_truncated_gzip_body_is_refused_400_and_stores_nothing(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let body = gzip(push_body(5).as_bytes());
    let cut = body[..body.len() * 2 / 3].to_vec();
    let (status, answer) = h.send(gzipped_push(&dev.token, cut)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_body");
    assert_eq!(stored(&h).await, 0);
}

async fn a_corrupt_gzip_body_is_refused_400_and_stores_nothing(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let mut body = gzip(push_body(5).as_bytes());
    let middle = body.len() / 2;
    for byte in &mut body[middle..middle + 16] {
        *byte ^= 0x5a;
    }
    let (status, answer) = h.send(gzipped_push(&dev.token, body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(stored(&h).await, 0);
    // Not gzip at all, though it says so.
    let (status, _) = h.send(gzipped_push(&dev.token, push_body(1))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(stored(&h).await, 0);
}

#[tokio::test]
async fn an_encoding_the_server_does_not_read_is_refused_415() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    let dev = h.device(DeviceRole::Field).await;
    let mut req = gzipped_push(&dev.token, push_body(1));
    req.headers_mut()
        .insert(header::CONTENT_ENCODING, "zstd".parse().unwrap());
    let (status, answer) = h.send(req).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
    assert_eq!(stored(&h).await, 0);
}

#[tokio::test]
async fn the_pull_feed_answers_gzipped_when_the_device_asks() {
    let h = Harness::new(Backend::Sqlite).await.unwrap();
    let dev = h.device(DeviceRole::Field).await;
    let req = Request::get("/api/v1/sync/pull?cursor=0")
        .header(header::AUTHORIZATION, format!("Bearer {}", dev.token))
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(h.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
}

/// A push whose gzipped body trickles in over about three seconds (a GPRS link), to a real server
/// over TCP: it is read to the end and stored.
#[tokio::test]
async fn a_slow_but_progressing_upload_is_served_to_the_end() {
    let server = lianxin_server::testing::TestServer::start().await;
    let code = server.enrollment_code(DeviceRole::Field, "城关镇").await;
    let client = reqwest::Client::new();
    let dev: serde_json::Value = client
        .post(format!("{}/api/v1/devices/enroll", server.base_url))
        .json(&json!({"code": code, "label": "平板 1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = dev["token"].as_str().unwrap();
    let body = gzip(push_body(20).as_bytes());

    let addr = server.base_url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let pieces = 30;
    for piece in body.chunks(body.len().div_ceil(pieces)) {
        stream.write_all(piece).await.unwrap();
        stream.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(server.petition_count().await, 20);
    server.stop().await;
}
