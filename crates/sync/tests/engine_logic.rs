//! The engine's rules against a scripted in-memory server, where each failure mode can be forced
//! exactly. The same behaviours against the real server are in `against_server.rs`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use lianxin_core::example;
use lianxin_core::protocol::{
    ApiError, Change, ChangeBody, DeviceConfig, DeviceRole, EnrollRequest, EnrollResponse, Outcome,
    PullResponse, PushRequest, PushResponse, PushResult, Receipt, RecordKind, StatusEvent,
    SubjectEntry,
};
use lianxin_core::status::PetitionStatus;
use lianxin_sync::{
    export_unsent, sync_status, validate_draft, Draft, FinalizeError, Jitter, MemoryStore,
    RecordState, Store, StoreError, SyncEngine, SyncError, Transport, TransportError,
};
use uuid::Uuid;

/// What the fake server does with the next push.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Fault {
    None,
    /// Refuse to connect.
    Offline,
    /// Store the batch, then lose the answer.
    DropAnswer,
    /// Answer with results in the wrong number.
    Truncated,
    /// 401 with our error.
    Unauthorized,
    /// 413 for batches above this many records.
    TooLargeAbove(usize),
}

#[derive(Default)]
struct Fake {
    rows: RefCell<HashMap<Uuid, (serde_json::Value, Receipt)>>,
    faults: RefCell<Vec<Fault>>,
    pushes: Cell<usize>,
    batch_sizes: RefCell<Vec<usize>>,
    feed: RefCell<Vec<Change>>,
    next_no: Cell<u32>,
}

#[derive(Clone, Default)]
struct FakeTransport(std::rc::Rc<Fake>);

impl FakeTransport {
    fn fail_next(&self, f: Fault) {
        self.0.faults.borrow_mut().push(f);
    }
    fn stored(&self) -> usize {
        self.0.rows.borrow().len()
    }
}

impl Transport for FakeTransport {
    async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        if req.code != "GOOD-CODE" {
            return Err(TransportError::Rejected {
                status: 400,
                error: ApiError::new("enrollment_code_invalid", "登记码无效或已过期"),
            });
        }
        Ok(EnrollResponse {
            device_id: Uuid::now_v7(),
            token: "tok".into(),
            role: DeviceRole::Field,
            township: "城关镇".into(),
            server_time: None,
        })
    }

    async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, TransportError> {
        assert_eq!(token, "tok");
        let fault = {
            let mut f = self.0.faults.borrow_mut();
            if f.is_empty() {
                Fault::None
            } else {
                f.remove(0)
            }
        };
        self.0.pushes.set(self.0.pushes.get() + 1);
        // A real request takes time; yielding lets overlapping runs actually overlap.
        tokio::task::yield_now().await;
        self.0.batch_sizes.borrow_mut().push(req.records.len());
        match fault {
            Fault::Offline => return Err(TransportError::Offline("connection refused".into())),
            Fault::Unauthorized => {
                return Err(TransportError::Unauthorized(ApiError::new(
                    "unauthorized",
                    "revoked",
                )))
            }
            Fault::TooLargeAbove(n) if req.records.len() > n => {
                return Err(TransportError::Rejected {
                    status: 413,
                    error: ApiError::new("body_too_large", "请求体超过 2 MiB"),
                })
            }
            _ => {}
        }
        let mut results = Vec::new();
        for r in &req.records {
            let mut rows = self.0.rows.borrow_mut();
            let result = if r.payload.get("request").and_then(|v| v.as_str())
                == Some(SERVER_REFUSES)
            {
                PushResult {
                    id: r.id,
                    outcome: Outcome::Invalid,
                    receipt: None,
                    error: Some(ApiError::new("required", "请填写请求事项").with_field("request")),
                }
            } else if let Some((payload, receipt)) = rows.get(&r.id) {
                if *payload == r.payload {
                    PushResult {
                        id: r.id,
                        outcome: Outcome::Duplicate,
                        receipt: Some(receipt.clone()),
                        error: None,
                    }
                } else {
                    PushResult {
                        id: r.id,
                        outcome: Outcome::Conflict,
                        receipt: None,
                        error: Some(ApiError::new("conflict", "同一编号的记录内容不同")),
                    }
                }
            } else {
                self.0.next_no.set(self.0.next_no.get() + 1);
                let receipt = Receipt {
                    registration_no: Some(format!("CZXF-2026-{:06}", self.0.next_no.get())),
                    query_code: Some("QC".into()),
                    received_at: Utc::now(),
                };
                rows.insert(r.id, (r.payload.clone(), receipt.clone()));
                PushResult {
                    id: r.id,
                    outcome: Outcome::Stored,
                    receipt: Some(receipt),
                    error: None,
                }
            };
            results.push(result);
        }
        match fault {
            Fault::DropAnswer => Err(TransportError::Offline("connection reset".into())),
            Fault::Truncated => {
                results.pop();
                Ok(PushResponse {
                    results,
                    server_time: None,
                })
            }
            _ => Ok(PushResponse {
                results,
                server_time: None,
            }),
        }
    }

    async fn pull(&self, token: &str, cursor: i64) -> Result<PullResponse, TransportError> {
        assert_eq!(token, "tok");
        let feed = self.0.feed.borrow();
        let changes: Vec<Change> = feed
            .iter()
            .filter(|c| c.seq > cursor)
            .take(2)
            .cloned()
            .collect();
        let last = changes.last().map_or(cursor, |c| c.seq);
        let more = feed.iter().any(|c| c.seq > last);
        Ok(PullResponse {
            changes,
            cursor: last,
            more,
            server_time: None,
        })
    }
}

async fn enrolled() -> (SyncEngine<MemoryStore, FakeTransport>, FakeTransport) {
    let t = FakeTransport::default();
    let engine = SyncEngine::new(MemoryStore::new(), t.clone()).with_jitter(Jitter::seeded(7));
    engine.enroll("GOOD-CODE", "平板 1").await.unwrap();
    (engine, t)
}

/// A request text the fake server refuses as `invalid`: a rule only the server checks (the
/// device validates everything it knows before a record is queued).
const SERVER_REFUSES: &str = "服务器不受理的请求";

/// The shared example petition with its own request text, as a draft.
fn petition(request: &str) -> Draft {
    let mut form = example::petition_json();
    form["request"] = request.into();
    Draft::new(RecordKind::Petition, form)
}

async fn finalize(engine: &SyncEngine<MemoryStore, FakeTransport>, request: &str) -> Uuid {
    let d = petition(request);
    engine.finalize_draft(&d, Utc::now()).await.unwrap().id
}

#[tokio::test]
async fn queued_records_become_sent_with_their_receipts() {
    let (engine, server) = enrolled().await;
    let a = finalize(&engine, "修路").await;
    let b = finalize(&engine, "路灯").await;
    let s = engine.sync_once().await.unwrap();
    assert_eq!((s.pushed, s.sent), (2, 2));
    assert_eq!(server.stored(), 2);
    for id in [a, b] {
        let r = engine.store().get_record(id).await.unwrap().unwrap();
        assert_eq!(r.state, RecordState::Sent);
        assert!(r
            .receipt
            .unwrap()
            .registration_no
            .unwrap()
            .starts_with("CZXF-2026-"));
        assert!(engine
            .store()
            .get_receipt(id)
            .await
            .unwrap()
            .unwrap()
            .receipt
            .is_some());
    }
    assert!(engine.store().last_sync_ok().await.unwrap().is_some());
}

#[tokio::test]
async fn a_lost_answer_leaves_records_queued_and_the_retry_gets_the_original_receipt() {
    let (engine, server) = enrolled().await;
    let id = finalize(&engine, "修路").await;
    server.fail_next(Fault::DropAnswer);
    let err = engine.sync_once().await.unwrap_err();
    assert!(matches!(err, SyncError::Offline { .. }), "{err:?}");
    let r = engine.store().get_record(id).await.unwrap().unwrap();
    assert_eq!(
        r.state,
        RecordState::Queued,
        "never marked sent without an answer"
    );
    assert_eq!(server.stored(), 1, "the server did store it");

    let s = engine.sync_once().await.unwrap();
    assert_eq!(s.sent, 1);
    assert_eq!(server.stored(), 1, "the retry did not store it twice");
    let receipt = engine
        .store()
        .get_record(id)
        .await
        .unwrap()
        .unwrap()
        .receipt
        .unwrap();
    assert_eq!(receipt.registration_no.as_deref(), Some("CZXF-2026-000001"));
}

#[tokio::test]
async fn an_answer_that_does_not_match_the_request_marks_nothing() {
    let (engine, server) = enrolled().await;
    let a = finalize(&engine, "一").await;
    let b = finalize(&engine, "二").await;
    server.fail_next(Fault::Truncated);
    assert!(matches!(
        engine.sync_once().await,
        Err(SyncError::Offline { .. })
    ));
    for id in [a, b] {
        assert_eq!(
            engine.store().get_record(id).await.unwrap().unwrap().state,
            RecordState::Queued
        );
    }
}

#[tokio::test]
async fn an_invalid_record_goes_back_to_drafts_with_the_fields_message_and_keeps_its_id() {
    let (engine, _server) = enrolled().await;
    let id = finalize(&engine, SERVER_REFUSES).await;
    let s = engine.sync_once().await.unwrap();
    assert_eq!(s.needs_edit, 1);
    let r = engine.store().get_record(id).await.unwrap().unwrap();
    assert_eq!(r.state, RecordState::NeedsEdit);
    let drafts = engine.store().list_drafts().await.unwrap();
    assert_eq!(drafts.len(), 1);
    let problem = drafts[0].problem.clone().unwrap();
    assert_eq!(problem.field.as_deref(), Some("request"));
    assert_eq!(problem.message, "请填写请求事项");

    // The user fixes it and finalizes again: same record id, now stored.
    let mut d = drafts[0].clone();
    d.form["request"] = "修路".into();
    let again = engine.finalize_draft(&d, Utc::now()).await.unwrap();
    assert_eq!(again.id, id);
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);
}

#[tokio::test]
async fn a_conflict_is_quarantined_and_not_retried_until_the_user_asks() {
    let (engine, server) = enrolled().await;
    let id = finalize(&engine, "修路").await;
    // Someone else's record with the same id and another payload is already on the server.
    server.0.rows.borrow_mut().insert(
        id,
        (
            serde_json::json!({"request": "别的"}),
            Receipt {
                registration_no: None,
                query_code: None,
                received_at: Utc::now(),
            },
        ),
    );
    let s = engine.sync_once().await.unwrap();
    assert_eq!(s.quarantined, 1);
    let r = engine.store().get_record(id).await.unwrap().unwrap();
    assert_eq!(r.state, RecordState::Quarantined);
    assert_eq!(r.error.unwrap().code, "conflict");

    let pushes = server.0.pushes.get();
    engine.sync_once().await.unwrap();
    assert_eq!(
        server.0.pushes.get(),
        pushes,
        "a quarantined record is never pushed automatically"
    );
    let export = export_unsent(engine.store()).await.unwrap();
    assert_eq!(export.records.len(), 1, "but it is exported");

    engine.retry_quarantined(id).await.unwrap();
    assert_eq!(
        engine.store().get_record(id).await.unwrap().unwrap().state,
        RecordState::Queued
    );
}

#[tokio::test]
async fn offline_runs_back_off_exponentially_and_a_good_run_resets_the_backoff() {
    let (engine, server) = enrolled().await;
    finalize(&engine, "修路").await;
    let mut delays = Vec::new();
    for _ in 0..4 {
        server.fail_next(Fault::Offline);
        match engine.sync_once().await {
            Err(SyncError::Offline { retry_in, .. }) => delays.push(retry_in),
            other => panic!("{other:?}"),
        }
    }
    for (i, d) in delays.iter().enumerate() {
        let nominal = Duration::from_secs(1 << i).as_secs_f64();
        assert!(d.as_secs_f64() >= nominal * 0.8 && d.as_secs_f64() <= nominal * 1.2 + 1e-9);
    }
    let problem = engine.store().last_error().await.unwrap().unwrap();
    assert_eq!(
        (problem.kind.as_str(), problem.code.as_str()),
        ("offline", "offline")
    );
    assert_eq!(problem.params["retry_in_secs"], delays[3].as_secs());
    engine.sync_once().await.unwrap();
    assert_eq!(engine.consecutive_failures(), 0);
    assert!(engine.store().last_error().await.unwrap().is_none());
}

#[tokio::test]
async fn a_run_whose_code_could_not_be_fetched_counts_as_offline_and_backs_off_like_one() {
    let (engine, _server) = enrolled().await;
    let first = engine.unreachable("同步程序未能下载".into()).await;
    let second = engine.unreachable("同步程序未能下载".into()).await;
    let (Some(a), Some(b)) = (first.retry_in(), second.retry_in()) else {
        panic!("{first:?} {second:?}");
    };
    assert!(b > a, "the second try waits longer: {a:?} then {b:?}");
    assert_eq!(engine.consecutive_failures(), 2);
    let problem = engine.store().last_error().await.unwrap().unwrap();
    assert_eq!(problem.kind, "offline");
    assert_eq!(problem.code, "engine_unavailable");
    assert!(problem.message.contains("同步程序未能下载"), "{problem:?}");
    // Once the code is there, a good run clears all of it.
    engine.sync_once().await.unwrap();
    assert_eq!(engine.consecutive_failures(), 0);
    assert!(engine.store().last_error().await.unwrap().is_none());
}

#[tokio::test]
async fn a_batch_too_large_for_the_server_is_split_until_it_fits() {
    let (engine, server) = enrolled().await;
    let engine = SyncEngine::new(engine.store().clone(), server.clone()).with_batch_size(8);
    for i in 0..8 {
        finalize(&engine, &format!("事项 {i}")).await;
    }
    server.fail_next(Fault::TooLargeAbove(3));
    server.fail_next(Fault::TooLargeAbove(3));
    let s = engine.sync_once().await.unwrap();
    assert_eq!(s.sent, 8);
    assert_eq!(server.stored(), 8);
    assert_eq!(*server.0.batch_sizes.borrow(), [8, 4, 2, 2, 2, 2]);
}

#[tokio::test]
async fn records_are_pushed_in_batches_no_larger_than_the_batch_size() {
    let (engine, server) = enrolled().await;
    let engine = SyncEngine::new(engine.store().clone(), server.clone()).with_batch_size(3);
    for i in 0..7 {
        finalize(&engine, &format!("事项 {i}")).await;
    }
    assert_eq!(engine.sync_once().await.unwrap().sent, 7);
    assert_eq!(*server.0.batch_sizes.borrow(), [3, 3, 1]);
}

#[tokio::test]
async fn a_record_left_sending_by_a_crash_is_sent_after_restart() {
    let (engine, server) = enrolled().await;
    let id = finalize(&engine, "修路").await;
    engine
        .store()
        .transition(&[lianxin_sync::Transition::Sending(id)], Utc::now())
        .await
        .unwrap();
    // "Restart": a new engine on the same store.
    let engine = SyncEngine::new(engine.store().clone(), server.clone());
    assert_eq!(engine.start().await.unwrap(), 1);
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);
}

#[tokio::test]
async fn a_run_requeues_records_a_previous_run_left_sending_even_without_start() {
    let (engine, server) = enrolled().await;
    let id = finalize(&engine, "修路").await;
    engine
        .store()
        .transition(&[lianxin_sync::Transition::Sending(id)], Utc::now())
        .await
        .unwrap();
    let s = engine.sync_once().await.unwrap();
    assert_eq!((s.requeued, s.sent), (1, 1));
    assert_eq!(server.stored(), 1);
}

#[tokio::test]
async fn an_unauthorized_push_stops_syncing_until_the_device_is_enrolled_again() {
    let (engine, server) = enrolled().await;
    let id = finalize(&engine, "修路").await;
    server.fail_next(Fault::Unauthorized);
    assert!(matches!(
        engine.sync_once().await,
        Err(SyncError::Revoked(_))
    ));
    assert_eq!(
        engine.store().get_record(id).await.unwrap().unwrap().state,
        RecordState::Queued
    );
    let pushes = server.0.pushes.get();
    assert!(matches!(
        engine.sync_once().await,
        Err(SyncError::Revoked(_))
    ));
    assert_eq!(
        server.0.pushes.get(),
        pushes,
        "a revoked device does not even try"
    );
    assert!(sync_status(engine.store()).await.unwrap().revoked);

    engine.enroll("GOOD-CODE", "平板 1").await.unwrap();
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);
}

#[tokio::test]
async fn pulled_status_changes_and_campaigns_are_applied_page_by_page_and_the_cursor_is_kept() {
    let (engine, server) = enrolled().await;
    let id = finalize(&engine, "修路").await;
    let ev = |status| StatusEvent {
        status,
        at: Utc::now(),
        department: None,
        note: None,
        deadline: None,
        extension_days: None,
    };
    let campaign = lianxin_core::quiz::Campaign {
        id: "2026-q4".into(),
        title: "条例知识竞答".into(),
        starts_at: Utc::now(),
        ends_at: Utc::now(),
        questions: vec![],
        ..Default::default()
    };
    *server.0.feed.borrow_mut() = vec![
        Change {
            seq: 1,
            body: ChangeBody::Campaign { campaign },
        },
        Change {
            seq: 2,
            body: ChangeBody::PetitionStatus {
                record_id: id,
                registration_no: "CZXF-2026-000001".into(),
                event: ev(PetitionStatus::Registered),
            },
        },
        Change {
            seq: 5,
            body: ChangeBody::PetitionStatus {
                record_id: id,
                registration_no: "CZXF-2026-000001".into(),
                event: ev(PetitionStatus::Accepted),
            },
        },
    ];
    let s = engine.sync_once().await.unwrap();
    assert_eq!((s.pulled, s.campaigns, s.statuses), (3, 1, 2));
    assert_eq!(engine.store().pull_cursor().await.unwrap(), 5);
    let entry = engine.store().get_receipt(id).await.unwrap().unwrap();
    assert_eq!(entry.current().unwrap().status, PetitionStatus::Accepted);
    assert_eq!(engine.store().list_campaigns().await.unwrap().len(), 1);
    // Nothing new: a second run pulls nothing.
    assert_eq!(engine.sync_once().await.unwrap().pulled, 0);
}

#[tokio::test]
async fn a_revocation_in_the_feed_stops_the_device() {
    let (engine, server) = enrolled().await;
    *server.0.feed.borrow_mut() = vec![Change {
        seq: 1,
        body: ChangeBody::DeviceRevoked {},
    }];
    assert!(matches!(
        engine.sync_once().await,
        Err(SyncError::Revoked(_))
    ));
    assert!(engine.store().is_revoked().await.unwrap());
    finalize(&engine, "修路").await;
    assert!(matches!(
        engine.sync_once().await,
        Err(SyncError::Revoked(_))
    ));
    assert_eq!(server.stored(), 0);
}

#[tokio::test]
async fn a_device_without_enrollment_does_not_sync_and_a_bad_code_is_refused_clearly() {
    let t = FakeTransport::default();
    let engine = SyncEngine::new(MemoryStore::new(), t);
    assert!(matches!(
        engine.sync_once().await,
        Err(SyncError::NotEnrolled)
    ));
    match engine.enroll("WRONG", "x").await {
        Err(SyncError::Rejected(e)) => assert_eq!(e.code, "enrollment_code_invalid"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_storage_failure_is_reported_and_nothing_is_lost() {
    let (engine, server) = enrolled().await;
    let id = finalize(&engine, "修路").await;
    engine
        .store()
        .set_write_failure(Some(StoreError::QuotaExceeded("disk full".into())));
    let err = engine.sync_once().await.unwrap_err();
    assert!(
        matches!(err, SyncError::Store(StoreError::QuotaExceeded(_))),
        "{err:?}"
    );
    assert_eq!(err.code(), "quota_exceeded");
    assert_eq!(
        server.stored(),
        0,
        "nothing was pushed before the store could mark it"
    );
    engine.store().set_write_failure(None);
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);
    assert_eq!(
        engine.store().get_record(id).await.unwrap().unwrap().state,
        RecordState::Sent
    );
}

#[tokio::test]
async fn two_overlapping_runs_of_one_engine_never_push_twice_at_once() {
    let (engine, _server) = enrolled().await;
    finalize(&engine, "修路").await;
    let (a, b) = tokio::join!(engine.sync_once(), engine.sync_once());
    // The push yields, so the second run starts while the first is in flight: it must refuse.
    assert!(a.is_ok(), "{a:?}");
    assert!(matches!(b, Err(SyncError::Busy)), "{b:?}");
    assert!(!engine.is_running());
}

#[tokio::test]
async fn finalize_is_all_or_nothing_when_the_store_refuses() {
    let store = MemoryStore::new();
    let d = petition("修路");
    store.put_draft(&d).await.unwrap();
    let stored = store.get_draft(d.id).await.unwrap().unwrap();
    let payload = validate_draft(&stored, &DeviceConfig::builtin(), Utc::now()).unwrap();
    store.set_write_failure(Some(StoreError::WriteRefused("io".into())));
    assert!(store
        .finalize(d.id, Uuid::now_v7(), payload, Utc::now())
        .await
        .is_err());
    store.set_write_failure(None);
    assert!(store.get_draft(d.id).await.unwrap().is_some());
    assert!(store.list_outbox(None).await.unwrap().is_empty());
}

fn config(version: i64, codes: &[&str]) -> DeviceConfig {
    DeviceConfig {
        version,
        subjects: codes
            .iter()
            .map(|c| SubjectEntry {
                code: (*c).to_owned(),
                label: None,
            })
            .collect(),
        ..DeviceConfig::default()
    }
}

fn config_change(seq: i64, config: DeviceConfig) -> Change {
    Change {
        seq,
        body: ChangeBody::Config { config },
    }
}

#[tokio::test]
async fn an_invalid_draft_is_refused_at_finalize_and_its_latest_text_is_still_saved() {
    let (engine, server) = enrolled().await;
    let mut d = petition("");
    d.form["petitioner"]["phone"] = "12345".into();
    match engine.finalize_draft(&d, Utc::now()).await {
        Err(FinalizeError::Invalid(errs)) => {
            let fields: Vec<_> = errs.iter().filter_map(|e| e.field.as_deref()).collect();
            assert!(fields.contains(&"request"), "{errs:?}");
            assert!(fields.contains(&"petitioner.phone"), "{errs:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        engine
            .store()
            .get_draft(d.id)
            .await
            .unwrap()
            .map(|s| s.form),
        Some(d.form),
        "the tab's text is saved as typed"
    );
    assert!(engine.store().list_outbox(None).await.unwrap().is_empty());
    engine.sync_once().await.unwrap();
    assert_eq!(
        server.0.pushes.get(),
        0,
        "nothing invalid reaches the server"
    );
}

#[tokio::test]
async fn a_finalize_the_store_refuses_reports_the_stores_code() {
    let (engine, _server) = enrolled().await;
    engine
        .store()
        .set_write_failure(Some(StoreError::QuotaExceeded("disk full".into())));
    let err = engine
        .finalize_draft(&petition("修路"), Utc::now())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "quota_exceeded", "{err:?}");
}

#[tokio::test]
async fn the_device_validates_against_the_newest_config_the_feed_brought_and_never_goes_back() {
    let (engine, server) = enrolled().await;
    assert_eq!(
        engine.store().device_config().await.unwrap(),
        DeviceConfig::builtin(),
        "the built-in list before the first config arrives"
    );
    let mut mining = petition("开采");
    mining.form["subject"] = "mining".into();
    assert!(matches!(
        engine.finalize_draft(&mining, Utc::now()).await,
        Err(FinalizeError::Invalid(_))
    ));

    *server.0.feed.borrow_mut() = vec![
        config_change(1, config(2, &["land", "mining"])),
        // An older version later in the feed (a replay) does not win.
        config_change(2, config(1, &["land"])),
    ];
    engine.sync_once().await.unwrap();
    assert_eq!(engine.store().device_config().await.unwrap().version, 2);
    let queued = engine.finalize_draft(&mining, Utc::now()).await.unwrap();
    assert_eq!(queued.payload["subject"], "mining");

    // A later page with an older version changes nothing; a newer one replaces it.
    server
        .0
        .feed
        .borrow_mut()
        .push(config_change(3, config(1, &["land"])));
    engine.sync_once().await.unwrap();
    assert_eq!(engine.store().device_config().await.unwrap().version, 2);
    server
        .0
        .feed
        .borrow_mut()
        .push(config_change(4, config(3, &["land"])));
    engine.sync_once().await.unwrap();
    assert_eq!(
        engine.store().device_config().await.unwrap(),
        config(3, &["land"])
    );
}

#[tokio::test]
async fn a_pull_page_reports_whether_it_stored_a_config() {
    let store = MemoryStore::new();
    let page = |seq, version| PullResponse {
        changes: vec![config_change(seq, config(version, &["land"]))],
        cursor: seq,
        more: false,
        server_time: None,
    };
    assert!(store.apply_pull(&page(1, 5)).await.unwrap().config);
    assert!(!store.apply_pull(&page(2, 5)).await.unwrap().config);
    assert!(!store.apply_pull(&page(3, 4)).await.unwrap().config);
    assert_eq!(store.device_config().await.unwrap().version, 5);
    assert_eq!(store.pull_cursor().await.unwrap(), 3);
}

#[tokio::test]
async fn a_change_this_version_does_not_know_is_skipped_and_the_cursor_moves_past_it() {
    let (engine, server) = enrolled().await;
    *server.0.feed.borrow_mut() = vec![
        Change {
            seq: 1,
            body: ChangeBody::Unknown,
        },
        config_change(2, config(1, &["land"])),
    ];
    let s = engine.sync_once().await.unwrap();
    assert_eq!(s.pulled, 2);
    assert_eq!(engine.store().pull_cursor().await.unwrap(), 2);
    assert_eq!(engine.store().device_config().await.unwrap().version, 1);
}

#[tokio::test]
async fn every_problem_a_run_stores_has_a_code_and_english_text() {
    let (engine, server) = enrolled().await;
    finalize(&engine, "修路").await;
    server.fail_next(Fault::Unauthorized);
    let err = engine.sync_once().await.unwrap_err();
    let problem = engine.store().last_error().await.unwrap().unwrap();
    assert_eq!(
        (problem.kind.as_str(), problem.code.as_str()),
        ("revoked", "revoked")
    );
    assert_eq!(problem.message, err.to_string());
    assert!(problem.message.is_ascii(), "{}", problem.message);

    let t = FakeTransport::default();
    let fresh = SyncEngine::new(MemoryStore::new(), t);
    let err = fresh.enroll("WRONG", "x").await.unwrap_err();
    assert_eq!(err.code(), "rejected");
    assert_eq!(err.params()["error"], "enrollment_code_invalid");
}

#[tokio::test]
async fn a_draft_finalized_in_one_tab_cannot_be_finalized_again_from_another() {
    let (engine, server) = enrolled().await;
    let d = petition("修路");
    engine.store().put_draft(&d).await.unwrap();
    let tab_b = engine.store().get_draft(d.id).await.unwrap().unwrap();
    let first = engine.finalize_draft(&tab_b, Utc::now()).await.unwrap();
    // Tab B still shows the draft and presses finalize too.
    match engine.finalize_draft(&tab_b, Utc::now()).await {
        Err(FinalizeError::Store(StoreError::Gone(t))) => assert_eq!(t.record_id, Some(first.id)),
        other => panic!("{other:?}"),
    }
    assert!(engine.store().get_draft(d.id).await.unwrap().is_none());
    engine.sync_once().await.unwrap();
    assert_eq!(server.stored(), 1, "registered once");
}

#[tokio::test]
async fn a_finalize_over_text_another_tab_saved_queues_nothing_and_shows_that_text() {
    let (engine, _server) = enrolled().await;
    let d = petition("修路");
    engine.store().put_draft(&d).await.unwrap();
    let tab_a = engine.store().get_draft(d.id).await.unwrap().unwrap();
    let mut tab_b = tab_a.clone();
    tab_b.form["facts"] = "B 的事实".into();
    engine.store().put_draft(&tab_b).await.unwrap();
    match engine.finalize_draft(&tab_a, Utc::now()).await {
        Err(FinalizeError::Changed(saved)) => {
            assert_eq!(saved.draft.form["facts"], "B 的事实");
            assert_eq!(FinalizeError::Changed(saved).code(), "changed");
        }
        other => panic!("{other:?}"),
    }
    assert!(engine.store().list_outbox(None).await.unwrap().is_empty());
}
