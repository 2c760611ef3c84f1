//! More than one server (issue 11, item 10): two servers, each with its own connection pool and
//! its own push writer, on one PostgreSQL database, pushed to at once by many devices, with the
//! same batches re-pushed through the other server as a device behind a load balancer would.
//! Every record is stored once and the registration numbers stay unique and gap-free, because
//! every writer of either process takes the same advisory lock. (SQLite is one process by
//! design: its file has one writer.)

mod common;

use std::collections::BTreeSet;

use lianxin_core::protocol::{DeviceRole, EnrollResponse};
use lianxin_server::testing::{fresh_postgres_database, postgres_test_url, TestServer};
use serde_json::{json, Value};

const DEVICES_PER_SERVER: usize = 4;
const BATCHES: usize = 5;
const BATCH: usize = 10;

async fn enroll(client: &reqwest::Client, server: &TestServer, label: &str) -> EnrollResponse {
    let code = server.enrollment_code(DeviceRole::Field, "城关镇").await;
    let res = client
        .post(format!("{}/api/v1/devices/enroll", server.base_url))
        .json(&json!({"code": code, "label": label}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    res.json().await.unwrap()
}

async fn push(client: &reqwest::Client, base: &str, token: &str, records: &[Value]) -> Value {
    let res = client
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(token)
        .json(&json!({ "records": records, "device_now": chrono::Utc::now() }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgres_number_every_petition_once_and_without_gaps() {
    let Some(cluster) = postgres_test_url() else {
        return;
    };
    let url = fresh_postgres_database(&cluster).await;
    let a = TestServer::start_with_url(&url).await;
    let b = TestServer::start_with_url(&url).await;
    let client = reqwest::Client::new();

    let mut devices = Vec::new();
    for i in 0..DEVICES_PER_SERVER {
        devices.push((enroll(&client, &a, &format!("a{i}")).await, &a, &b));
        devices.push((enroll(&client, &b, &format!("b{i}")).await, &b, &a));
    }

    let mut tasks = Vec::new();
    for (device, home, other) in &devices {
        let client = client.clone();
        let token = device.token.clone();
        let (home, other) = (home.base_url.clone(), other.base_url.clone());
        tasks.push(tokio::spawn(async move {
            let mut stored = 0;
            for batch in 0..BATCHES {
                let records: Vec<Value> = (0..BATCH)
                    .map(|n| common::petition_record(&format!("张{batch}{n}")).1)
                    .collect();
                // The same batch through both servers at once: one stores it, the other finds it.
                let (first, second) = tokio::join!(
                    push(&client, &home, &token, &records),
                    push(&client, &other, &token, &records)
                );
                for (x, y) in first["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .zip(second["results"].as_array().unwrap())
                {
                    let outcomes = [x["outcome"].as_str(), y["outcome"].as_str()];
                    assert!(
                        outcomes == [Some("stored"), Some("duplicate")]
                            || outcomes == [Some("duplicate"), Some("stored")],
                        "{outcomes:?}"
                    );
                    assert_eq!(x["receipt"], y["receipt"], "one receipt, whoever answered");
                    stored += 1;
                }
            }
            stored
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 2 * DEVICES_PER_SERVER * BATCHES * BATCH);

    let list = a.db.records.petition_list().await.unwrap();
    assert_eq!(list.len(), total, "every record stored once");
    let ids: BTreeSet<_> = list.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), total);
    let mut numbers: Vec<u64> = list
        .iter()
        .map(|p| {
            p.registration_no
                .rsplit('-')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=total as u64).collect::<Vec<_>>(),
        "unique and gap-free"
    );
}
