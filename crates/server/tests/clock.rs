//! Tablets with wrong clocks (issue 15), on both databases: a petition pushed by a clock a day
//! ahead or a year behind is stored, not refused, with the reception time, registration year and
//! deadline of the real moment, and the time as the device read it and the offset applied beside
//! it; the correction is flagged when the device knew no offset; a push without a plausible
//! `device_now` stores nothing; every answer carries the server's time.

mod common;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::{petition, post_json, Backend, Harness};
use lianxin_core::clock::{ClockOffset, RecordClock};
use lianxin_core::period::china;
use lianxin_core::protocol::DeviceRole;
use serde_json::{json, Value};
use uuid::Uuid;

on_both_backends!(
    a_petition_from_a_clock_a_day_ahead_is_stored_at_the_real_time_with_both_times_kept,
    a_petition_from_a_clock_a_year_behind_is_numbered_in_the_real_year,
    a_petition_whose_device_knew_no_offset_is_corrected_and_flagged,
    a_reception_time_typed_in_the_future_is_still_a_field_error,
    a_push_without_a_plausible_device_now_stores_nothing_and_the_next_push_works,
    every_answer_carries_the_servers_time,
);

/// What the server stored about a petition's clock: the corrected reception time, the time as
/// the device read it, the offset applied, whether it is uncertain, the registration number and
/// the deadline.
#[derive(Debug)]
struct Stored {
    received_at: DateTime<Utc>,
    device_received_at: DateTime<Utc>,
    offset_ms: i64,
    uncertain: bool,
    registration_no: String,
    deadline: DateTime<Utc>,
}

type Row = (
    DateTime<Utc>,
    DateTime<Utc>,
    i64,
    bool,
    String,
    DateTime<Utc>,
);

const STORED: &str = "SELECT petition_received_at, device_received_at, clock_offset_ms, \
                      clock_uncertain, registration_no, deadline FROM records WHERE id = $1";

async fn stored(url: &str, id: Uuid) -> Stored {
    let row: Row = if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_as(STORED)
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(STORED)
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    Stored {
        received_at: row.0,
        device_received_at: row.1,
        offset_ms: row.2,
        uncertain: row.3,
        registration_no: row.4,
        deadline: row.5,
    }
}

async fn petitions(url: &str) -> i64 {
    let q = "SELECT COUNT(*) FROM records WHERE kind = 'petition'";
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_scalar(q).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_scalar(q).fetch_one(&pool).await.unwrap()
    }
}

/// A tablet whose clock is `ahead` of the server's (negative: behind): it registers a visit
/// received at what its clock says minus `ago`, knowing its offset from an earlier answer (or
/// not), and pushes it. Returns the record id and the push's answer.
async fn push_from_a_wrong_clock(
    h: &Harness,
    token: &str,
    ahead: Duration,
    ago: Duration,
    knew_offset: bool,
) -> (Uuid, StatusCode, Value) {
    let device_now = Utc::now() + ahead;
    let read = device_now - ago;
    let mut payload = petition("张三");
    payload["received_at"] = json!(read.with_timezone(&china()).to_rfc3339());
    let offset = ClockOffset::from_round_trip(device_now, device_now - ahead, device_now);
    let clock = RecordClock::read(read, knew_offset.then_some(offset));
    let id = Uuid::now_v7();
    let body = json!({
        "records": [{"id": id, "kind": "petition", "payload": payload, "clock": clock}],
        "device_now": device_now,
    });
    let (status, answer) = h
        .send(post_json("/api/v1/sync/push", Some(token), &body))
        .await;
    (id, status, answer)
}

/// Whether two times are within a few seconds (the test's own clock runs meanwhile).
fn close(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_seconds().abs() <= 5
}

async fn a_petition_from_a_clock_a_day_ahead_is_stored_at_the_real_time_with_both_times_kept(
    b: Backend,
) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let day = Duration::days(1);
    let (id, status, body) =
        push_from_a_wrong_clock(&h, &dev.token, day, Duration::hours(1), true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["outcome"], "stored", "{body}");
    let s = stored(&h.url, id).await;
    let real = Utc::now() - Duration::hours(1);
    assert!(close(s.received_at, real), "{s:?}");
    assert_eq!(s.device_received_at - s.received_at, day);
    assert_eq!(s.offset_ms, -day.num_milliseconds());
    assert!(!s.uncertain);
    // Art. 22: the routing deadline runs from the real reception, not the tablet's tomorrow.
    let expected = lianxin_core::deadlines::Limit::Route.ends(
        s.received_at,
        0,
        lianxin_core::period::HolidayCalendar::shared(),
    );
    assert_eq!(s.deadline, expected.ends_at);
}

async fn a_petition_from_a_clock_a_year_behind_is_numbered_in_the_real_year(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let year = Duration::days(366);
    let (id, status, body) =
        push_from_a_wrong_clock(&h, &dev.token, -year, Duration::minutes(5), true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["outcome"], "stored", "{body}");
    let s = stored(&h.url, id).await;
    assert!(
        close(s.received_at, Utc::now() - Duration::minutes(5)),
        "{s:?}"
    );
    let real_year = lianxin_core::period::china_date(s.received_at)
        .format("%Y")
        .to_string();
    assert!(
        s.registration_no.contains(&format!("-{real_year}-")),
        "{} is not numbered in {real_year}",
        s.registration_no
    );
    assert_eq!(s.received_at - s.device_received_at, year);
}

async fn a_petition_whose_device_knew_no_offset_is_corrected_and_flagged(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let (id, _, body) =
        push_from_a_wrong_clock(&h, &dev.token, Duration::hours(3), Duration::zero(), false).await;
    assert_eq!(body["results"][0]["outcome"], "stored", "{body}");
    let s = stored(&h.url, id).await;
    assert!(s.uncertain);
    assert!(close(s.received_at, Utc::now()), "{s:?}");
}

async fn a_reception_time_typed_in_the_future_is_still_a_field_error(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    // A letter's arrival typed as three days from now on a tablet whose clock is right.
    let (_, status, body) =
        push_from_a_wrong_clock(&h, &dev.token, Duration::zero(), -Duration::days(3), true).await;
    assert_eq!(status, StatusCode::OK);
    let result = &body["results"][0];
    assert_eq!(result["outcome"], "invalid", "{body}");
    assert_eq!(result["error"]["code"], "received_at_future");
    assert_eq!(result["error"]["field"], "received_at");
    assert_eq!(petitions(&h.url).await, 0);
}

async fn a_push_without_a_plausible_device_now_stores_nothing_and_the_next_push_works(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let records = json!([
        {"id": Uuid::now_v7(), "kind": "petition", "payload": petition("张三")},
        {"id": Uuid::now_v7(), "kind": "petition", "payload": petition("李四")},
    ]);
    for (device_now, code) in [
        (Value::Null, "device_now_missing"),
        (json!("2019-12-31T23:59:59Z"), "device_now_implausible"),
        (json!("2100-01-01T00:00:00Z"), "device_now_implausible"),
    ] {
        let mut body = json!({ "records": records });
        if !device_now.is_null() {
            body["device_now"] = device_now;
        }
        let (status, answer) = h
            .send(post_json("/api/v1/sync/push", Some(&dev.token), &body))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["error"]["code"], code);
        assert_eq!(answer["error"]["field"], "device_now");
        assert_eq!(petitions(&h.url).await, 0, "nothing of the batch is stored");
    }
    let (status, answer) = h.push(&dev.token, records).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["outcome"], "stored");
    assert_eq!(answer["results"][1]["outcome"], "stored");
    assert_eq!(petitions(&h.url).await, 2);
}

async fn every_answer_carries_the_servers_time(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let enrolled = dev.server_time.expect("enrollment answer has server_time");
    assert!(close(enrolled, Utc::now()));
    let (_, pushed) = h.push(&dev.token, json!([])).await;
    let pushed: DateTime<Utc> = serde_json::from_value(pushed["server_time"].clone()).unwrap();
    assert!(close(pushed, Utc::now()));
    let (_, pulled) = h.get("/api/v1/sync/pull", Some(&dev.token)).await;
    let pulled: DateTime<Utc> = serde_json::from_value(pulled["server_time"].clone()).unwrap();
    assert!(close(pulled, Utc::now()));
}
