//! What the console and statistics will query is stored as typed, indexed columns of a petition's
//! row in `records`: township, subject, category, status, deadline and the time of reception
//! (`petition_received_at`); the other kinds of record leave them NULL.

mod common;

use chrono::{DateTime, TimeZone, Utc};
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

/// A record's query columns: township, subject, category, status, deadline, petition_received_at
/// (all NULL for a record that is not a petition).
type Columns = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

const COLUMNS: &str = "SELECT township, subject, category, status, deadline, petition_received_at \
                       FROM records WHERE id = $1";

/// The columns of a petition, which are all set but the deadline.
fn petition_columns(
    c: Columns,
) -> (
    String,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
) {
    let (township, subject, category, status, deadline, received_at) = c;
    (
        township.expect("township"),
        subject.expect("subject"),
        category.expect("category"),
        status.expect("status"),
        deadline,
        received_at.expect("petition_received_at"),
    )
}

/// A moment given in China time.
fn cst(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    lianxin_core::period::china()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

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
    let (_, body) = h.push(&dev.token, json!([rec])).await;
    assert_eq!(body["results"][0]["outcome"], "stored", "{body}");
    let (township, subject, category, status, deadline, received_at) =
        petition_columns(columns(&h.url, id).await);
    assert_eq!(township, "城关镇");
    assert_eq!(subject, "land");
    assert_eq!(category, "appeal_request");
    assert_eq!(status, "registered");
    assert_eq!(received_at, example_received_at());
    // Art. 22 para. 1: routed within 15 days of receipt — the payload's 2026-11-30 19:00 China
    // time, whenever the tablet synced. 民法典 Art. 201: the day of receipt does not count, so the
    // last day is Tuesday 12-15; Art. 203: the period ends at 24:00 China time of that day.
    assert_eq!(deadline, Some(cst(2026, 12, 16, 0)));
    // The history's first entry says the same: registered on receipt, with that deadline.
    let view = h
        .state
        .db
        .records
        .petition_of_device(dev.device_id, id)
        .await
        .unwrap()
        .expect("its own petition");
    assert_eq!(view.history[0].at, example_received_at());
    assert_eq!(view.history[0].deadline, deadline);
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
    // Accepted on Tuesday 2026-12-01 at 10:00 China time.
    let at = cst(2026, 12, 1, 10);
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
    let (_, _, _, status, deadline, _) = petition_columns(columns(&h.url, id).await);
    assert_eq!(status, "accepted");
    // Art. 34: an Art. 31(6) matter is handled within 60 days of acceptance: 12-01 + 60 = Saturday
    // 2027-01-30, a rest day, so (民法典 Art. 203) Monday 2027-02-01, to 24:00 China time. (2027 has
    // no holiday notice in the calendar yet: Monday to Friday are counted as working days.)
    assert_eq!(deadline, Some(cst(2027, 2, 2, 0)));
    assert_eq!(deadline, event.deadline);
    h.state
        .db
        .records
        .set_status(change(PetitionStatus::Handled))
        .await
        .unwrap()
        .unwrap();
    let (_, _, _, status, deadline, _) = petition_columns(columns(&h.url, id).await);
    assert_eq!(status, "handled");
    assert_eq!(deadline, None, "no deadline runs once handled");
}

async fn petitions_stored_before_the_columns_existed_are_backfilled_from_their_payload(b: Backend) {
    let Some((url, _dir)) = common::fresh_url(b).await else {
        return;
    };
    let record_id = Uuid::now_v7();
    let attempt_id = Uuid::now_v7();
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
            vec![Id(attempt_id), Id(device_id), Time(now)],
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
        petition_columns(columns(&url, record_id).await);
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
    assert_eq!(
        columns(&url, attempt_id).await,
        (None, None, None, None, None, None),
        "a quiz attempt has no query columns"
    );
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
