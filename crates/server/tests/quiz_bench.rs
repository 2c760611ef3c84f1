//! The statistics of a campaign with 100,000 counted attempts (BENCHMARKS.md, "Quiz
//! statistics"): the attempts are written straight into the typed tables by SQL (12 townships,
//! 40,000 participants, three missed questions each out of 120), then the statistics are read
//! five times through the service the API and the CLI use, and the median is printed. Ignored
//! by default (it fills a database); `scripts/bench-quiz-stats.sh` runs it on both databases.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, Harness};
use lianxin_core::protocol::DeviceRole;
use sqlx::Connection;

const ATTEMPTS: i64 = 100_000;

/// Fills the tables: `records` rows first (the attempts reference them), then one typed row per
/// attempt and three misses each.
async fn fill(h: &Harness, backend: Backend, device: uuid::Uuid) {
    let columns = "campaign_id, participant, day, township, audience, correct, total, passed, \
                   started_at, finished_at";
    match backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&h.url).await.unwrap();
            let mut tx = c.begin().await.unwrap();
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $2 - 1) \
                 INSERT INTO records (id, device_id, kind, payload, received_at) \
                 SELECT randomblob(16), $1, 'quiz_attempt', '{}', '2026-11-30T10:00:00+00:00' FROM n",
            )
            .bind(device)
            .bind(ATTEMPTS)
            .execute(&mut *tx)
            .await
            .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO quiz_attempts (record_id, {columns}) \
                 SELECT id, 'bench', 'phone:' || (rowid % 40000), \
                 '2026-11-' || printf('%02d', 1 + rowid % 30), '乡镇' || (rowid % 12), \
                 CASE WHEN rowid % 5 = 0 THEN 'staff' ELSE 'public' END, \
                 (rowid * 7) % 11, 10, (rowid * 7) % 11 >= 6, \
                 '2026-11-30T09:55:00+00:00', '2026-11-30T10:00:00+00:00' \
                 FROM records WHERE kind = 'quiz_attempt'"
            )))
            .execute(&mut *tx)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO quiz_misses (record_id, campaign_id, question_id) \
                 SELECT a.record_id, 'bench', 'q' || ((r.rowid * 13 + k.k * 41) % 120) \
                 FROM quiz_attempts a JOIN records r ON r.id = a.record_id, \
                 (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k",
            )
            .execute(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
            sqlx::query("ANALYZE").execute(&mut c).await.unwrap();
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&h.url).await.unwrap();
            let mut tx = c.begin().await.unwrap();
            sqlx::query(
                "INSERT INTO records (id, device_id, kind, payload, received_at) \
                 SELECT md5(i::text)::uuid, $1, 'quiz_attempt', '{}', now() \
                 FROM generate_series(0, $2 - 1) i",
            )
            .bind(device)
            .bind(ATTEMPTS)
            .execute(&mut *tx)
            .await
            .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO quiz_attempts (record_id, {columns}) \
                 SELECT md5(i::text)::uuid, 'bench', 'phone:' || (i % 40000), \
                 '2026-11-' || lpad((1 + i % 30)::text, 2, '0'), '乡镇' || (i % 12), \
                 CASE WHEN i % 5 = 0 THEN 'staff' ELSE 'public' END, \
                 (i * 7) % 11, 10, (i * 7) % 11 >= 6, now(), now() \
                 FROM generate_series(0, {} - 1) i",
                ATTEMPTS
            )))
            .execute(&mut *tx)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO quiz_misses (record_id, campaign_id, question_id) \
                 SELECT md5(i::text)::uuid, 'bench', 'q' || ((i * 13 + k * 41) % 120) \
                 FROM generate_series(0, $1 - 1) i, generate_series(0, 2) k",
            )
            .bind(ATTEMPTS)
            .execute(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
            sqlx::query("ANALYZE").execute(&mut c).await.unwrap();
        }
    }
}

async fn bench(backend: Backend) {
    let Some(h) = Harness::new(backend).await else {
        return;
    };
    let campaign = common::campaign("bench");
    h.state
        .db
        .campaigns
        .import_campaign(&campaign, chrono::Utc::now())
        .await
        .unwrap();
    let device = h.device(DeviceRole::Field).await.device_id;
    let filled = Instant::now();
    fill(&h, backend, device).await;
    let filled = filled.elapsed();
    let mut times: Vec<Duration> = Vec::new();
    let mut stats = None;
    for _ in 0..5 {
        let t = Instant::now();
        stats = lianxin_server::service::campaign_stats(&h.state.db, "bench")
            .await
            .unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    let stats = stats.unwrap();
    assert_eq!(stats.total.attempts, ATTEMPTS);
    assert_eq!(stats.total.participants, 40_000);
    assert_eq!(stats.by_township.len(), 12);
    assert_eq!(stats.distribution.iter().sum::<i64>(), ATTEMPTS);
    println!(
        "quiz stats, {backend:?}, {ATTEMPTS} attempts: median {:.1} ms (min {:.1}, max {:.1}); \
         filled in {:.1} s",
        times[2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[4].as_secs_f64() * 1e3,
        filled.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: scripts/bench-quiz-stats.sh"]
async fn statistics_of_100000_attempts_on_sqlite() {
    bench(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: scripts/bench-quiz-stats.sh"]
async fn statistics_of_100000_attempts_on_postgresql() {
    bench(Backend::Postgres).await;
}
