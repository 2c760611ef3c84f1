//! Tablets with wrong clocks (issue 15), end to end with the real engine and a real in-process
//! server: the device learns its offset from the server's answers, finalizes records with it
//! (under ids of the corrected time), and the server stores the real reception time and numbers
//! the petition in the real year, whatever the tablet's clock says; and the holiday calendar the
//! server publishes (issue 9) changes the deadlines the device computes.

mod common;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use common::HttpTransport;
use lianxin_core::deadlines::{deadlines, Handling, Limit};
use lianxin_core::example;
use lianxin_core::period::{china, china_date, HolidayCalendar};
use lianxin_core::protocol::{DeviceRole, RecordKind};
use lianxin_server::testing::TestServer;
use lianxin_sync::clock::known_offset;
use lianxin_sync::{Draft, MemoryStore, Store, SyncEngine};
use uuid::Uuid;

fn a_day_ahead() -> DateTime<Utc> {
    Utc::now() + Duration::days(1)
}

fn a_year_behind() -> DateTime<Utc> {
    Utc::now() - Duration::days(365)
}

/// A tablet whose clock is `clock`, enrolled with the server.
async fn tablet(
    server: &TestServer,
    store: MemoryStore,
    clock: fn() -> DateTime<Utc>,
) -> SyncEngine<MemoryStore, HttpTransport> {
    let engine =
        SyncEngine::new(store, HttpTransport::new(&server.base_url)).with_device_clock(clock);
    let code = server.enrollment_code(DeviceRole::Field, "城关镇").await;
    engine
        .enroll(&code, "城关镇 平板 1")
        .await
        .expect("enrollment");
    engine
}

/// A visit registered now by the tablet's clock `clock`: the form takes its reception time from
/// that clock, and so does the finalize.
async fn register(
    engine: &SyncEngine<MemoryStore, HttpTransport>,
    clock: fn() -> DateTime<Utc>,
) -> Uuid {
    let mut form = example::petition_json();
    form["received_at"] = clock().with_timezone(&china()).to_rfc3339().into();
    let draft = Draft::new(RecordKind::Petition, form);
    engine.finalize_draft(&draft, clock()).await.unwrap().id
}

/// When the server says the petition was received (its registration step).
async fn received_on_the_server(
    server: &TestServer,
    engine: &SyncEngine<MemoryStore, HttpTransport>,
    id: Uuid,
) -> DateTime<Utc> {
    let device = engine.store().device().await.unwrap().unwrap();
    let view = server
        .db
        .records
        .petition_of_device(device.device_id, id)
        .await
        .unwrap()
        .expect("stored");
    view.history[0].at
}

fn close(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_seconds().abs() <= 5
}

#[tokio::test]
async fn a_tablet_a_day_ahead_learns_its_offset_at_enrollment_and_its_petition_is_stored_at_the_real_time(
) {
    let server = TestServer::start().await;
    let engine = tablet(&server, MemoryStore::new(), a_day_ahead).await;
    let offset = known_offset(engine.store())
        .await
        .unwrap()
        .expect("measured at enrollment");
    assert!((offset.offset() + Duration::days(1)).num_seconds().abs() <= 5);

    let id = register(&engine, a_day_ahead).await;
    // The id's time is the real one, not tomorrow.
    let (secs, _) = id.get_timestamp().unwrap().to_unix();
    assert!((secs as i64 - Utc::now().timestamp()).abs() <= 5);

    let summary = engine.sync_once().await.unwrap();
    assert_eq!(
        (summary.sent, summary.needs_edit),
        (1, 0),
        "stored, not refused"
    );
    assert!(close(
        received_on_the_server(&server, &engine, id).await,
        Utc::now()
    ));
}

#[tokio::test]
async fn a_tablet_a_year_behind_gets_a_registration_number_of_the_real_year() {
    let server = TestServer::start().await;
    let engine = tablet(&server, MemoryStore::new(), a_year_behind).await;
    let id = register(&engine, a_year_behind).await;
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);
    let receipt = engine
        .store()
        .get_receipt(id)
        .await
        .unwrap()
        .expect("receipt");
    let year = china_date(Utc::now()).year();
    let no = receipt.registration_no.expect("a number");
    assert!(no.contains(&format!("-{year}-")), "{no}");
    assert!(close(
        received_on_the_server(&server, &engine, id).await,
        Utc::now()
    ));
}

#[tokio::test]
async fn a_clock_fixed_between_registration_and_sync_keeps_the_time_it_was_registered_at() {
    let server = TestServer::start().await;
    let store = MemoryStore::new();
    let ahead = tablet(&server, store.clone(), a_day_ahead).await;
    let id = register(&ahead, a_day_ahead).await;
    let registered = Utc::now();
    // Someone sets the clock right before the tablet is back online.
    let fixed = SyncEngine::new(store, HttpTransport::new(&server.base_url));
    assert_eq!(fixed.sync_once().await.unwrap().sent, 1);
    assert!(close(
        received_on_the_server(&server, &fixed, id).await,
        registered
    ));
    let offset = known_offset(fixed.store()).await.unwrap().unwrap();
    assert!(
        offset.offset().num_seconds().abs() <= 5,
        "the new setting is learnt"
    );
}

#[tokio::test]
async fn a_holiday_calendar_from_the_feed_changes_a_deadline_the_device_computes() {
    // A notice (made up for the test) that makes Tuesday 15 December 2026 a day off.
    let calendar: HolidayCalendar = serde_json::from_value(serde_json::json!({
        "years": [{"year": 2026, "source": "test notice", "holidays": [["2026-12-15", "2026-12-15"]],
                   "working_days": []}]
    }))
    .unwrap();
    let path = std::env::temp_dir().join(format!("lianxin-clock-{}.db", Uuid::now_v7()));
    let url = format!("sqlite://{}", path.display());
    let config = lianxin_server::Config {
        holidays: Some(calendar.clone()),
        ..lianxin_server::Config::default()
    };
    let server = TestServer::start_with_config(&url, config).await;
    server.publish_config().await.expect("published");
    let engine = tablet(&server, MemoryStore::new(), Utc::now).await;
    engine.sync_once().await.unwrap();
    let config = engine.store().device_config().await.unwrap();
    assert_eq!(config.holidays.as_ref(), Some(&calendar));

    // Received Monday 30 November 2026: routed within 15 days, the last day Tuesday 15
    // December by the bundled calendar, Wednesday 16 December by the published one.
    let h = Handling {
        received_at: china()
            .with_ymd_and_hms(2026, 11, 30, 19, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
        identity_unclear: false,
        art31_item6: false,
        history: &[],
    };
    let last_day = |calendar: &HolidayCalendar| {
        deadlines(&h, calendar)
            .into_iter()
            .find(|d| d.limit == Limit::Route)
            .unwrap()
            .end
            .last_day
    };
    assert_eq!(
        last_day(HolidayCalendar::shared()).to_string(),
        "2026-12-15"
    );
    assert_eq!(last_day(config.holidays()).to_string(), "2026-12-16");
    server.stop().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
