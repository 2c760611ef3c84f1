//! Ingest benchmark client (issue 3): N valid petitions in batches of B from C concurrent
//! clients against a running server; prints records/s and p50/p99 batch latency.
//!
//!   bench_ingest <base-url> <enrollment-code> [total=10000] [batch=100] [clients=10]
//!
//! Driven by scripts/bench-ingest.sh, which also starts the server and reads its peak RSS.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn petition(n: usize) -> Value {
    let mut p = lianxin_core::example::petition_json();
    p["petitioner"]["name"] = json!(format!("测试{n}"));
    p
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .expect("base url")
        .trim_end_matches('/')
        .to_owned();
    let code = args.get(2).expect("enrollment code").clone();
    let total: usize = args.get(3).map_or(10_000, |s| s.parse().unwrap());
    let batch: usize = args.get(4).map_or(100, |s| s.parse().unwrap());
    let clients: usize = args.get(5).map_or(10, |s| s.parse().unwrap());

    let http = reqwest::Client::new();
    let enrolled: Value = http
        .post(format!("{base}/api/v1/devices/enroll"))
        .json(&json!({"code": code, "label": "bench"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = enrolled["token"].as_str().expect("token").to_owned();

    let batches = total / batch;
    // Bodies are built before the clock starts: we measure the server, not JSON building.
    let bodies: Vec<String> = (0..batches)
        .map(|b| {
            let records: Vec<Value> = (0..batch)
                .map(|i| json!({"id": uuid::Uuid::now_v7(), "kind": "petition", "payload": petition(b * batch + i)}))
                .collect();
            json!({ "records": records }).to_string()
        })
        .collect();
    let mut per_client: Vec<Vec<String>> = vec![Vec::new(); clients];
    for (i, body) in bodies.into_iter().enumerate() {
        per_client[i % clients].push(body);
    }

    let start = Instant::now();
    let mut tasks = Vec::new();
    for bodies in per_client {
        let http = http.clone();
        let token = token.clone();
        let url = format!("{base}/api/v1/sync/push");
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut stored = 0usize;
            for body in bodies {
                let t = Instant::now();
                let res = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
                let v: Value = res.json().await.unwrap();
                latencies.push(t.elapsed());
                stored += v["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["outcome"] == "stored")
                    .count();
            }
            (latencies, stored)
        }));
    }
    let mut latencies = Vec::new();
    let mut stored = 0;
    for t in tasks {
        let (l, s) = t.await.unwrap();
        latencies.extend(l);
        stored += s;
    }
    let elapsed = start.elapsed();
    latencies.sort();
    assert_eq!(stored, batches * batch, "every record must be stored");
    println!(
        "records={stored} batch={batch} clients={clients} elapsed_s={:.3} records_per_s={:.0} p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
        elapsed.as_secs_f64(),
        stored as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().unwrap().as_secs_f64() * 1000.0,
    );
}
