//! What the console and statistics will query is stored as typed, indexed columns of the
//! `petitions` table: township, subject, category, status, deadline and the time of reception.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{petition_record, Backend, Harness};
use lianxin_core::protocol::DeviceRole;
use lianxin_core::status::PetitionStatus;
use lianxin_server::service::status::StatusChange;
use serde_json::json;
use uuid::Uuid;

on_both_backends!(
    a_stored_petition_is_queryable_by_its_typed_columns,
    a_status_change_moves_the_status_and_deadline_columns,
    petitions_stored_before_the_columns_existed_are_backfilled_from_their_payload,
);

/// One `petitions` row: township, subject, category, status, deadline, received_at.
type Columns = (
    String,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

const COLUMNS: &str = "SELECT township, subject, category, status, deadline, received_at \
                       FROM petitions WHERE record_id = $1";

async fn columns(url: &str, id: Uuid) -> Columns {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_as(COLUMNS)
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(COLUMNS)
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
    }
}

/// The example petition's reception time, 2026-11-30T19:00:00+08:00, in UTC.
fn example_received_at() -> DateTime<Utc> {
    lianxin_core::example::petition()
        .received_at
        .with_timezone(&Utc)
}

async fn a_stored_petition_is_queryable_by_its_typed_columns(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let (id, rec) = petition_record("张三");
    let before = lianxin_server::now();
    let (_, body) = h.push(&dev.token, json!([rec])).await;
    assert_eq!(body["results"][0]["outcome"], "stored", "{body}");
    let (township, subject, category, status, deadline, received_at) = columns(&h.url, id).await;
    assert_eq!(township, "城关镇");
    assert_eq!(subject, "land");
    assert_eq!(category, "appeal_request");
    assert_eq!(status, "registered");
    let deadline = deadline.expect("the Art. 22 routing deadline");
    assert!(deadline >= before + Duration::days(15), "{deadline}");
    assert_eq!(received_at, example_received_at());
}

async fn a_status_change_moves_the_status_and_deadline_columns(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let (id, rec) = petition_record("张三");
    let (_, body) = h.push(&dev.token, json!([rec])).await;
    let reg = body["results"][0]["receipt"]["registration_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let at = lianxin_server::now();
    let change = |status| StatusChange {
        registration_no: reg.clone(),
        status,
        department: None,
        note: None,
        art31_item6: true,
        at,
    };
    let event = h
        .state
        .db
        .records
        .set_status(change(PetitionStatus::Accepted))
        .await
        .unwrap()
        .unwrap();
    let (_, _, _, status, deadline, _) = columns(&h.url, id).await;
    assert_eq!(status, "accepted");
    assert_eq!(deadline, Some(at + Duration::days(60)));
    assert_eq!(deadline, event.deadline);
    h.state
        .db
        .records
        .set_status(change(PetitionStatus::Handled))
        .await
        .unwrap()
        .unwrap();
    let (_, _, _, status, deadline, _) = columns(&h.url, id).await;
    assert_eq!(status, "handled");
    assert_eq!(deadline, None, "no deadline runs once handled");
}

async fn petitions_stored_before_the_columns_existed_are_backfilled_from_their_payload(b: Backend) {
    let Some((url, _dir)) = common::fresh_url(b).await else {
        return;
    };
    let record_id = Uuid::now_v7();
    let device_id = Uuid::now_v7();
    let deadline = "2026-12-15T03:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let now = lianxin_server::now();
    let payload = lianxin_core::example::petition_json().to_string();
    // Rows as the server wrote them before: the status on the record, the deadline only in the
    // history.
    use Param::{Id, Text, Time};
    let seed = vec![
        (
            "INSERT INTO devices (id, token_hash, role, township, label, created_at) \
             VALUES ($1, 'hash', 'field', '城关镇', '平板', $2)",
            vec![Id(device_id), Time(now)],
        ),
        (
            "INSERT INTO records (id, device_id, kind, payload, received_at, registration_no, \
             query_code, status) VALUES ($1, $2, 'petition', $3, $4, 'CZXF-2026-000001', \
             'ABCDEFGHJKMN', 'accepted')",
            vec![Id(record_id), Id(device_id), Text(payload), Time(now)],
        ),
        (
            "INSERT INTO records (id, device_id, kind, payload, received_at) \
             VALUES ($1, $2, 'quiz_attempt', '{}', $3)",
            vec![Id(Uuid::now_v7()), Id(device_id), Time(now)],
        ),
        (
            "INSERT INTO status_history (record_id, status, at, deadline) \
             VALUES ($1, 'registered', $2, $2)",
            vec![Id(record_id), Time(now)],
        ),
        (
            "INSERT INTO status_history (record_id, status, at, deadline) \
             VALUES ($1, 'accepted', $2, $3)",
            vec![Id(record_id), Time(now), Time(deadline)],
        ),
    ];
    seed_the_first_schema(&url, seed).await;

    let db = lianxin_server::db::connect(&url).await.unwrap();
    assert_eq!(db.records.petition_count().await.unwrap(), 1);
    let (township, subject, category, status, backfilled, received_at) =
        columns(&url, record_id).await;
    assert_eq!(
        (township.as_str(), subject.as_str(), category.as_str()),
        ("城关镇", "land", "appeal_request")
    );
    assert_eq!(status, "accepted");
    assert_eq!(backfilled, Some(deadline), "the latest step's deadline");
    assert_eq!(received_at, example_received_at());
    let view = db
        .records
        .receipt_by_query_code("ABCDEFGHJKMN")
        .await
        .unwrap()
        .expect("the receipt");
    assert_eq!(view.status, PetitionStatus::Accepted);
    assert_eq!(view.history.len(), 2);
}

/// A value to bind.
enum Param {
    Id(Uuid),
    Text(String),
    Time(DateTime<Utc>),
}

/// Applies the first migration only to `url`, and runs the statements with their parameters.
async fn seed_the_first_schema(url: &str, seed: Vec<(&'static str, Vec<Param>)>) {
    const FIRST: i64 = 20261130000001;
    if url.starts_with("sqlite:") {
        use std::str::FromStr;
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .unwrap()
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        let first = sqlx::migrate!("./migrations/sqlite");
        first.run_to(FIRST, &pool).await.unwrap();
        run(&pool, seed).await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let first = sqlx::migrate!("./migrations/postgres");
        first.run_to(FIRST, &pool).await.unwrap();
        run(&pool, seed).await;
    }
}

/// Runs statements on either database and closes the pool.
async fn run<DB>(pool: &sqlx::Pool<DB>, statements: Vec<(&'static str, Vec<Param>)>)
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    for<'q> Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for (sql, params) in statements {
        let mut q = sqlx::query(sql);
        for p in params {
            q = match p {
                Param::Id(v) => q.bind(v),
                Param::Text(v) => q.bind(v),
                Param::Time(v) => q.bind(v),
            };
        }
        q.execute(pool).await.unwrap();
    }
    pool.close().await;
}
