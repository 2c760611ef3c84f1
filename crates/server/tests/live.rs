//! A real server on an ephemeral loopback port against a real database (SQLite file, or
//! PostgreSQL when `LIANXIN_TEST_POSTGRES_URL` is set), driven over HTTP.

mod common;

use std::io::Write;

use common::{petition_record, Backend};
use lianxin_core::protocol::{DeviceRole, EnrollResponse, PushResponse};
use lianxin_core::status::PetitionStatus;
use lianxin_server::testing::TestServer;
use serde_json::{json, Value};

on_both_backends!(
    the_same_push_sent_twice_concurrently_stores_exactly_one_record,
    a_push_whose_response_is_lost_is_retried_and_gets_the_same_receipt,
    a_status_set_by_staff_reaches_the_device_through_pull,
);

async fn start(b: Backend) -> Option<TestServer> {
    match b {
        Backend::Sqlite => Some(TestServer::start().await),
        Backend::Postgres => {
            let cluster = lianxin_server::testing::postgres_test_url()?;
            let url = lianxin_server::testing::fresh_postgres_database(&cluster).await;
            Some(TestServer::start_with_url(&url).await)
        }
    }
}

async fn enroll(server: &TestServer, client: &reqwest::Client, role: DeviceRole) -> EnrollResponse {
    let code = server.enrollment_code(role, "城关镇").await;
    let res = client
        .post(format!("{}/api/v1/devices/enroll", server.base_url))
        .json(&json!({"code": code, "label": "测试平板"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn push(
    server: &TestServer,
    client: &reqwest::Client,
    token: &str,
    records: &Value,
) -> PushResponse {
    let res = client
        .post(format!("{}/api/v1/sync/push", server.base_url))
        .bearer_auth(token)
        .json(&json!({ "records": records, "device_now": chrono::Utc::now() }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn the_same_push_sent_twice_concurrently_stores_exactly_one_record(b: Backend) {
    let Some(server) = start(b).await else { return };
    let client = reqwest::Client::new();
    let dev = enroll(&server, &client, DeviceRole::Field).await;
    for round in 0..5 {
        let records: Vec<Value> = (0..20)
            .map(|i| petition_record(&format!("人{round}-{i}")).1)
            .collect();
        let records = json!(records);
        let (a, b) = tokio::join!(
            push(&server, &client, &dev.token, &records),
            push(&server, &client, &dev.token, &records)
        );
        for (ra, rb) in a.results.iter().zip(&b.results) {
            let outcomes = [ra.outcome, rb.outcome];
            use lianxin_core::protocol::Outcome::*;
            assert!(
                outcomes == [Stored, Duplicate] || outcomes == [Duplicate, Stored],
                "{outcomes:?}"
            );
            assert_eq!(ra.receipt, rb.receipt);
        }
    }
    assert_eq!(server.petition_count().await, 100);
    server.stop().await;
}

async fn a_push_whose_response_is_lost_is_retried_and_gets_the_same_receipt(b: Backend) {
    let Some(server) = start(b).await else { return };
    let client = reqwest::Client::new();
    let dev = enroll(&server, &client, DeviceRole::Field).await;
    let (_, rec) = petition_record("张三");
    let records = json!([rec]);
    // Send the request on a raw connection and hang up without reading the answer.
    let body = json!({ "records": records, "device_now": chrono::Utc::now() }).to_string();
    let addr = server.base_url.trim_start_matches("http://").to_owned();
    let token = dev.token.clone();
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        s.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
    })
    .await
    .unwrap();
    let retry = push(&server, &client, &dev.token, &records).await;
    let again = push(&server, &client, &dev.token, &records).await;
    use lianxin_core::protocol::Outcome::*;
    // The lost push was stored (then the retry is a duplicate), or it was abandoned as a whole
    // (then the retry stores it): never two records, never a different receipt later.
    assert!(matches!(retry.results[0].outcome, Stored | Duplicate));
    assert_eq!(again.results[0].outcome, Duplicate);
    assert_eq!(again.results[0].receipt, retry.results[0].receipt);
    assert_eq!(server.petition_count().await, 1);
    server.stop().await;
}

async fn a_status_set_by_staff_reaches_the_device_through_pull(b: Backend) {
    let Some(server) = start(b).await else { return };
    let client = reqwest::Client::new();
    let dev = enroll(&server, &client, DeviceRole::Field).await;
    let (id, rec) = petition_record("张三");
    let res = push(&server, &client, &dev.token, &json!([rec])).await;
    let reg = res.results[0]
        .receipt
        .as_ref()
        .unwrap()
        .registration_no
        .clone()
        .unwrap();
    server.set_status(&reg, PetitionStatus::Forwarded).await;
    let feed: Value = client
        .get(format!("{}/api/v1/sync/pull?cursor=0", server.base_url))
        .bearer_auth(&dev.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(feed["changes"][0]["record_id"], json!(id));
    assert_eq!(feed["changes"][0]["event"]["status"], "forwarded");
    server.revoke_device(dev.device_id).await;
    let res = client
        .post(format!("{}/api/v1/sync/push", server.base_url))
        .bearer_auth(&dev.token)
        .json(&json!({"records": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    server.stop().await;
}

#[test]
fn the_cli_enrolls_imports_a_campaign_and_refuses_a_bad_status_step() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let bin = env!("CARGO_BIN_EXE_lianxin-server");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .env("LIANXIN_DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&["enroll", "--role", "kiosk", "--township", "城关镇"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code = String::from_utf8(out.stdout).unwrap();
    assert_eq!(code.trim().len(), 19, "{code}");

    let file = dir.path().join("c.json");
    std::fs::write(&file, common::campaign_file("2026-q4")).unwrap();
    let out = run(&["campaign", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(&["petition", "set-status", "CZXF-2026-000001", "closed"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CZXF-2026-000001"));
    let out = run(&["petition", "set-status", "CZXF-2026-000001", "done"]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn a_test_server_works_on_the_default_current_thread_test_runtime() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let dev = enroll(&server, &client, DeviceRole::Kiosk).await;
    let (_, rec) = petition_record("张三");
    let res = push(&server, &client, &dev.token, &json!([rec])).await;
    assert_eq!(
        res.results[0].outcome,
        lianxin_core::protocol::Outcome::Stored
    );
    assert_eq!(server.petition_count().await, 1);
    let health = client
        .get(format!("{}/healthz", server.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    server.stop().await;
}
