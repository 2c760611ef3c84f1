//! The engine against a real lianxin-server started in-process (SQLite in a temporary
//! directory), over real HTTP with reqwest: what the browser does with fetch and IndexedDB, here
//! with MemoryStore.

mod common;

use std::time::Instant;

use chrono::{Duration, Utc};
use common::{captive_portal, HttpTransport, LosingAnswers};
use lianxin_core::example;
use lianxin_core::protocol::{DeviceConfig, DeviceRole, Outcome, RecordKind, SubjectEntry};
use lianxin_core::status::PetitionStatus;
use lianxin_server::testing::TestServer;
use lianxin_sync::model::meta_keys;
use lianxin_sync::store::to_meta;
use lianxin_sync::{
    Draft, FinalizeError, MemoryStore, RecordState, Store, SyncEngine, SyncError, Transport,
};

/// The shared example petition with its own request text.
fn petition(request: &str) -> serde_json::Value {
    let mut p = example::petition_json();
    p["request"] = request.into();
    p
}

async fn enrolled<T: Transport>(server: &TestServer, transport: T) -> SyncEngine<MemoryStore, T> {
    let engine = SyncEngine::new(MemoryStore::new(), transport);
    let code = server.enrollment_code(DeviceRole::Field, "城关镇").await;
    engine
        .enroll(&code, "城关镇 平板 1")
        .await
        .expect("enrollment");
    engine
}

async fn finalize<S: Store, T: Transport>(
    engine: &SyncEngine<S, T>,
    form: serde_json::Value,
) -> uuid::Uuid {
    let d = Draft::new(RecordKind::Petition, form);
    engine.finalize_draft(&d, Utc::now()).await.unwrap().id
}

#[tokio::test]
async fn a_push_whose_answer_was_lost_is_retried_without_storing_anything_twice() {
    let server = TestServer::start().await;
    let transport = LosingAnswers::new(HttpTransport::new(&server.base_url));
    let engine = enrolled(&server, transport.clone()).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(finalize(&engine, petition(&format!("请求依法补偿 {i}"))).await);
    }

    transport.lose_next.set(1);
    let err = engine.sync_once().await.unwrap_err();
    assert!(matches!(err, SyncError::Offline { .. }), "{err:?}");
    assert_eq!(server.petition_count().await, 3, "the server stored them");
    for id in &ids {
        let r = engine.store().get_record(*id).await.unwrap().unwrap();
        assert_eq!(r.state, RecordState::Queued, "not sent without an answer");
    }

    let summary = engine.sync_once().await.unwrap();
    assert_eq!(summary.sent, 3);
    assert_eq!(
        server.petition_count().await,
        3,
        "the retry stored nothing twice"
    );
    let lost = transport.lost.borrow()[0].clone();
    for (id, first) in ids.iter().zip(&lost.results) {
        assert_eq!(first.outcome, Outcome::Stored);
        let r = engine.store().get_record(*id).await.unwrap().unwrap();
        assert_eq!(r.state, RecordState::Sent);
        assert_eq!(
            r.receipt, first.receipt,
            "the retry got the original receipt"
        );
    }
}

#[tokio::test]
async fn the_same_id_with_another_payload_is_quarantined_with_the_servers_reason() {
    let server = TestServer::start().await;
    let engine = enrolled(&server, HttpTransport::new(&server.base_url)).await;
    let id = finalize(&engine, petition("请求依法补偿")).await;
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);

    // A second copy of the device's data (restored from an old backup) holds a different record
    // under the same id.
    let other = SyncEngine::new(MemoryStore::new(), HttpTransport::new(&server.base_url));
    let device = engine.store().device().await.unwrap().unwrap();
    other
        .store()
        .put_meta(meta_keys::DEVICE, to_meta(&device))
        .await
        .unwrap();
    let mut d = Draft::new(RecordKind::Petition, petition("另一个请求"));
    d.record_id = Some(id);
    other.finalize_draft(&d, Utc::now()).await.unwrap();

    let summary = other.sync_once().await.unwrap();
    assert_eq!(summary.quarantined, 1);
    let r = other.store().get_record(id).await.unwrap().unwrap();
    assert_eq!(r.state, RecordState::Quarantined);
    assert!(r.error.is_some(), "the reason is kept");
    assert_eq!(
        server.petition_count().await,
        1,
        "nothing was overwritten or added"
    );
    // Quarantined records are not pushed again by later runs.
    assert_eq!(other.sync_once().await.unwrap().pushed, 0);
}

#[tokio::test]
async fn an_invalid_petition_returns_to_drafts_with_the_fields_message_and_can_be_fixed() {
    let server = TestServer::start().await;
    let engine = enrolled(&server, HttpTransport::new(&server.base_url)).await;
    // What the device can check, it checks before anything is queued.
    let mut bad_phone = petition("请求依法补偿");
    bad_phone["petitioner"]["phone"] = "12345".into();
    let d = Draft::new(RecordKind::Petition, bad_phone);
    match engine.finalize_draft(&d, Utc::now()).await {
        Err(FinalizeError::Invalid(errs)) => {
            assert_eq!(errs[0].field.as_deref(), Some("petitioner.phone"))
        }
        other => panic!("{other:?}"),
    }
    engine.store().delete_draft(d.id).await.unwrap();

    // What only the server knows, it refuses: here a subject the device's configuration still
    // lists and the server's no longer does.
    let mut config = DeviceConfig::builtin();
    config.version = 1;
    config.subjects.push(SubjectEntry {
        code: "mining".into(),
        label: Some("矿产资源".into()),
    });
    engine
        .store()
        .put_meta(meta_keys::CONFIG, to_meta(&config))
        .await
        .unwrap();
    let mut form = petition("请求依法补偿");
    form["subject"] = "mining".into();
    let id = finalize(&engine, form).await;

    let summary = engine.sync_once().await.unwrap();
    assert_eq!(summary.needs_edit, 1);
    assert_eq!(server.petition_count().await, 0);
    assert_eq!(
        engine.store().get_record(id).await.unwrap().unwrap().state,
        RecordState::NeedsEdit
    );
    let drafts = engine.store().list_drafts().await.unwrap();
    assert_eq!(drafts.len(), 1);
    let problem = drafts[0]
        .problem
        .clone()
        .expect("the server's error is on the draft");
    assert_eq!(problem.field.as_deref(), Some("subject"));
    assert!(!problem.message.is_empty());

    let mut fixed = drafts[0].clone();
    fixed.form["subject"] = "land".into();
    assert_eq!(
        engine.finalize_draft(&fixed, Utc::now()).await.unwrap().id,
        id,
        "same record id"
    );
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);
    assert_eq!(server.petition_count().await, 1);
}

#[tokio::test]
async fn a_captive_portals_html_page_counts_as_offline_and_marks_nothing() {
    let server = TestServer::start().await;
    let engine = enrolled(&server, HttpTransport::new(&server.base_url)).await;
    let id = finalize(&engine, petition("请求依法补偿")).await;

    // Same device and data, but the network answers with a Wi-Fi login page.
    let portal = SyncEngine::new(
        engine.store().clone(),
        HttpTransport::new(&captive_portal().await),
    );
    match portal.sync_once().await {
        Err(SyncError::Offline { reason, retry_in }) => {
            assert_eq!(reason.code(), "protocol");
            assert!(reason.to_string().contains("text/html"), "{reason}");
            assert!(retry_in.as_secs_f64() >= 0.8);
        }
        other => panic!("expected offline, got {other:?}"),
    }
    assert_eq!(
        engine.store().get_record(id).await.unwrap().unwrap().state,
        RecordState::Queued
    );
    assert!(matches!(
        portal.enroll("ANY", "x").await,
        Err(SyncError::Offline { .. })
    ));

    // Back on the real network, the record goes through once.
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);
    assert_eq!(server.petition_count().await, 1);
}

#[tokio::test]
async fn status_changes_and_campaigns_arrive_through_the_pull_feed() {
    let server = TestServer::start().await;
    let engine = enrolled(&server, HttpTransport::new(&server.base_url)).await;
    let id = finalize(&engine, petition("请求依法补偿")).await;
    engine.sync_once().await.unwrap();
    let reg_no = engine
        .store()
        .get_record(id)
        .await
        .unwrap()
        .unwrap()
        .receipt
        .unwrap()
        .registration_no
        .expect("petitions get a registration number");

    server.set_status(&reg_no, PetitionStatus::Accepted).await;
    let campaign = serde_json::json!({
        "id": "2026-q4-tiaoli",
        "title": "《信访工作条例》知识竞答",
        "starts_at": Utc::now() - Duration::days(1),
        "ends_at": Utc::now() + Duration::days(30),
        "questions": [{"type": "single", "id": "q1",
                       "stem": "多人采用走访形式提出共同的信访事项的，代表人数不得超过几人？",
                       "options": ["3人", "5人", "7人"], "answer": 1,
                       "explanation": "第二十条第三款。", "article": 20,
                       "quote": "多人采用走访形式提出共同的信访事项的，应当推选代表，代表人数不得超过5人"}]
    });
    server.import_campaign(&campaign.to_string()).await;

    let summary = engine.sync_once().await.unwrap();
    assert!(summary.statuses >= 1, "{summary:?}");
    assert_eq!(summary.campaigns, 1);
    let entry = engine.store().get_receipt(id).await.unwrap().unwrap();
    assert_eq!(entry.current().unwrap().status, PetitionStatus::Accepted);
    let campaigns = engine.store().list_campaigns().await.unwrap();
    assert_eq!(campaigns[0].id, "2026-q4-tiaoli");
    assert!(engine.store().pull_cursor().await.unwrap() > 0);
    // Nothing new on the next run.
    assert_eq!(engine.sync_once().await.unwrap().pulled, 0);
}

#[tokio::test]
async fn a_revoked_device_stops_syncing_and_keeps_its_records() {
    let server = TestServer::start().await;
    let engine = enrolled(&server, HttpTransport::new(&server.base_url)).await;
    let device = engine.store().device().await.unwrap().unwrap();
    server.revoke_device(device.device_id).await;
    let id = finalize(&engine, petition("请求依法补偿")).await;

    let err = engine.sync_once().await.unwrap_err();
    assert!(matches!(err, SyncError::Revoked(_)), "{err:?}");
    assert!(engine.store().is_revoked().await.unwrap());
    assert_eq!(
        engine.store().get_record(id).await.unwrap().unwrap().state,
        RecordState::Queued
    );
    assert_eq!(server.petition_count().await, 0);
    assert!(matches!(
        engine.sync_once().await,
        Err(SyncError::Revoked(_))
    ));

    // A new enrollment brings the device back, and the kept record goes out.
    let code = server.enrollment_code(DeviceRole::Field, "城关镇").await;
    engine.enroll(&code, "城关镇 平板 1").await.unwrap();
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);
    assert_eq!(server.petition_count().await, 1);
}

#[tokio::test]
async fn a_thousand_queued_petitions_are_all_stored_exactly_once() {
    let server = TestServer::start().await;
    let engine = enrolled(&server, HttpTransport::new(&server.base_url)).await;
    let n = 1_000;
    for i in 0..n {
        finalize(&engine, petition(&format!("请求依法补偿 第{i}件"))).await;
    }
    let t0 = Instant::now();
    let summary = engine.sync_once().await.unwrap();
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(summary.sent, n);
    assert_eq!(server.petition_count().await, n as i64);
    eprintln!(
        "BENCH sync of {n} queued petitions to an in-process server (batches of 100): {secs:.2} s, {:.0} records/s",
        n as f64 / secs
    );
}

#[tokio::test]
async fn a_batch_the_server_half_stored_before_dying_is_completed_once_on_retry() {
    let server = TestServer::start().await;
    let http = HttpTransport::new(&server.base_url);
    let engine = enrolled(&server, http.clone()).await;
    for i in 0..20 {
        finalize(&engine, petition(&format!("请求依法补偿 第{i}件"))).await;
    }
    // What the server committed of the batch before it was killed: the first 7 records, pushed
    // behind the engine's back (it never saw an answer).
    let token = engine.store().device().await.unwrap().unwrap().token;
    let queued = engine
        .store()
        .list_outbox(Some(RecordState::Queued))
        .await
        .unwrap();
    let partial = lianxin_core::protocol::PushRequest {
        records: queued[..7]
            .iter()
            .map(|r| lianxin_core::protocol::PushRecord {
                id: r.id,
                kind: r.kind,
                payload: r.payload.clone(),
                clock: None,
            })
            .collect(),
        device_now: Some(chrono::Utc::now()),
    };
    let first = http.push(&token, &partial).await.unwrap();
    assert_eq!(server.petition_count().await, 7);

    let summary = engine.sync_once().await.unwrap();
    assert_eq!(summary.sent, 20);
    assert_eq!(server.petition_count().await, 20, "none lost, none doubled");
    for (r, answer) in queued[..7].iter().zip(&first.results) {
        let now = engine.store().get_record(r.id).await.unwrap().unwrap();
        assert_eq!(
            now.receipt, answer.receipt,
            "the half-stored ones got their first receipt"
        );
    }
    let mut numbers: Vec<String> = Vec::new();
    for r in engine.store().list_outbox(None).await.unwrap() {
        numbers.push(r.receipt.unwrap().registration_no.unwrap());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        20,
        "every record has its own registration number"
    );
}

#[tokio::test]
async fn records_queued_while_the_server_is_down_arrive_once_after_it_restarts() {
    let dir = std::env::temp_dir().join(format!("lianxin-sync-restart-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("lianxin.db").display());
    let server = TestServer::start_with_url(&url).await;
    let engine = enrolled(&server, HttpTransport::new(&server.base_url)).await;
    let store = engine.store().clone();
    for i in 0..5 {
        finalize(&engine, petition(&format!("请求 {i}"))).await;
    }
    assert_eq!(engine.sync_once().await.unwrap().sent, 5);
    server.stop().await;

    for i in 5..12 {
        finalize(&engine, petition(&format!("请求 {i}"))).await;
    }
    let err = engine.sync_once().await.unwrap_err();
    assert!(matches!(err, SyncError::Offline { .. }), "{err:?}");
    assert_eq!(
        store
            .list_outbox(Some(RecordState::Queued))
            .await
            .unwrap()
            .len(),
        7
    );

    // Same database, a new server (on whatever port it gets).
    let server = TestServer::start_with_url(&url).await;
    let engine = SyncEngine::new(store.clone(), HttpTransport::new(&server.base_url));
    assert_eq!(engine.sync_once().await.unwrap().sent, 7);
    assert_eq!(server.petition_count().await, 12);
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
