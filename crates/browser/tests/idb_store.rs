//! IdbStore in headless Chromium: CRUD, finalize atomicity, state transitions, reopen, the upgrade
//! ladder from schema v1 with data in it, another tab's upgrade, and the Web Lock.
//! Each test uses its own database name (all tests share one origin).
#![cfg(target_arch = "wasm32")]

use chrono::Utc;
use lianxin_browser::{with_lock_if_available, IdbStore, SCHEMA_VERSION};
use lianxin_core::example;
use lianxin_core::protocol::{
    ApiError, Change, ChangeBody, DeviceConfig, PullResponse, Receipt, RecordKind, StatusEvent,
    SubjectEntry,
};
use lianxin_core::status::PetitionStatus;
use lianxin_sync::store::to_meta;
use lianxin_sync::{
    export_unsent, validate_draft, Draft, LocalQuizAttempt, RecordState, Store, StoreError,
    Transition, Validated,
};
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

// Another tab running an old build that does not give way on `versionchange`.
#[wasm_bindgen(inline_js = r#"
export function open_stubborn(name) {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(name, 1);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn open_stubborn(name: &str) -> Result<JsValue, JsValue>;
}

wasm_bindgen_test_configure!(run_in_browser);

async fn fresh(name: &str) -> IdbStore {
    IdbStore::delete_database(name).await.unwrap();
    IdbStore::open_with(name, SCHEMA_VERSION, None)
        .await
        .unwrap()
}

/// The shared example petition with its own request text, as a draft.
fn petition(request: &str) -> Draft {
    let mut form = example::petition_json();
    form["request"] = request.into();
    Draft::new(RecordKind::Petition, form)
}

/// A new draft as its first save stores it: at revision 1.
fn as_stored(d: &Draft) -> Draft {
    Draft {
        revision: 1,
        ..d.clone()
    }
}

/// The draft's payload, validated as `SyncEngine::finalize_draft` validates it: the draft as the
/// store holds it after one save.
fn validated(d: &Draft) -> Validated {
    validate_draft(&as_stored(d), &DeviceConfig::builtin(), Utc::now()).unwrap()
}

fn receipt(n: u32) -> Receipt {
    Receipt {
        registration_no: Some(format!("CZXF-2026-{n:06}")),
        query_code: Some("K7M2P9QX".into()),
        received_at: Utc::now(),
    }
}

#[wasm_bindgen_test]
async fn drafts_are_created_updated_listed_and_deleted() {
    let s = fresh("t-crud").await;
    let mut a = petition("修路");
    let b = petition("路灯");
    s.put_draft(&a).await.unwrap();
    s.put_draft(&b).await.unwrap();
    a.form["request"] = "修村道".into();
    a.revision = 1; // based on the revision the first save stored
    s.put_draft(&a).await.unwrap();
    let all = s.list_drafts().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, a.id, "oldest first");
    assert_eq!(
        s.get_draft(a.id).await.unwrap().unwrap().form["request"],
        "修村道"
    );
    s.delete_draft(a.id).await.unwrap();
    assert!(s.get_draft(a.id).await.unwrap().is_none());
    assert_eq!(s.list_drafts().await.unwrap(), vec![as_stored(&b)]);
}

#[wasm_bindgen_test]
async fn finalize_moves_the_draft_into_the_outbox_in_one_step() {
    let s = fresh("t-finalize").await;
    let d = petition("修路");
    s.put_draft(&d).await.unwrap();
    let id = Uuid::now_v7();
    let r = s
        .finalize(d.id, id, validated(&d), Utc::now())
        .await
        .unwrap();
    assert_eq!((r.id, r.state), (id, RecordState::Queued));
    assert!(s.get_draft(d.id).await.unwrap().is_none());
    assert_eq!(
        s.list_outbox(Some(RecordState::Queued)).await.unwrap(),
        vec![r.clone()]
    );

    // A missing draft changes nothing.
    let err = s
        .finalize(Uuid::now_v7(), Uuid::now_v7(), validated(&d), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(s.list_outbox(None).await.unwrap().len(), 1);
}

#[wasm_bindgen_test]
async fn a_refused_finalize_leaves_both_the_draft_and_the_outbox_as_they_were() {
    let s = fresh("t-finalize-refused").await;
    let d = petition("修路");
    s.put_draft(&d).await.unwrap();
    let queued = s
        .finalize(d.id, Uuid::now_v7(), validated(&d), Utc::now())
        .await
        .unwrap();
    // A draft claiming the id of a queued record must not replace it.
    let mut evil = petition("别的");
    evil.record_id = Some(queued.id);
    s.put_draft(&evil).await.unwrap();
    let err = s
        .finalize(evil.id, Uuid::now_v7(), validated(&evil), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidState(_)), "{err:?}");
    assert!(
        s.get_draft(evil.id).await.unwrap().is_some(),
        "the draft is still there"
    );
    assert_eq!(
        s.get_record(queued.id).await.unwrap().unwrap(),
        queued,
        "the record is untouched"
    );
}

#[wasm_bindgen_test]
async fn push_outcomes_move_records_through_their_states_with_receipts_and_drafts() {
    let s = fresh("t-transitions").await;
    let mut ids = Vec::new();
    for req in ["一", "二", "三"] {
        let d = petition(req);
        s.put_draft(&d).await.unwrap();
        ids.push(
            s.finalize(d.id, Uuid::now_v7(), validated(&d), Utc::now())
                .await
                .unwrap()
                .id,
        );
    }
    let sending: Vec<_> = ids.iter().map(|&id| Transition::Sending(id)).collect();
    s.transition(&sending, Utc::now()).await.unwrap();
    assert_eq!(
        s.list_outbox(Some(RecordState::Sending))
            .await
            .unwrap()
            .len(),
        3
    );

    let err = ApiError::new("phone_invalid", "电话号码格式不正确").with_field("petitioner.phone");
    s.transition(
        &[
            Transition::Sent {
                id: ids[0],
                receipt: receipt(1),
            },
            Transition::NeedsEdit {
                id: ids[1],
                error: err.clone(),
            },
            Transition::Quarantined {
                id: ids[2],
                reason: ApiError::new("conflict", "内容不同"),
            },
        ],
        Utc::now(),
    )
    .await
    .unwrap();
    let sent = s.get_record(ids[0]).await.unwrap().unwrap();
    assert_eq!(sent.state, RecordState::Sent);
    assert_eq!(sent.attempts, 1);
    let entry = s.get_receipt(ids[0]).await.unwrap().unwrap();
    assert_eq!(entry.registration_no.as_deref(), Some("CZXF-2026-000001"));
    assert_eq!(
        s.get_record(ids[1]).await.unwrap().unwrap().state,
        RecordState::NeedsEdit
    );
    let drafts = s.list_drafts().await.unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].problem, Some(err));
    assert_eq!(drafts[0].record_id, Some(ids[1]));
    assert_eq!(
        s.get_record(ids[2]).await.unwrap().unwrap().state,
        RecordState::Quarantined
    );
    assert_eq!(export_unsent(&s).await.unwrap().records.len(), 2);
}

#[wasm_bindgen_test]
async fn one_forbidden_transition_rolls_back_the_whole_batch() {
    let s = fresh("t-rollback").await;
    let mut ids = Vec::new();
    for req in ["一", "二"] {
        let d = petition(req);
        s.put_draft(&d).await.unwrap();
        ids.push(
            s.finalize(d.id, Uuid::now_v7(), validated(&d), Utc::now())
                .await
                .unwrap()
                .id,
        );
    }
    // ids[1] is still queued, so marking it sent is forbidden; ids[0]'s change must not stick.
    let err = s
        .transition(
            &[
                Transition::Sending(ids[0]),
                Transition::Sent {
                    id: ids[1],
                    receipt: receipt(2),
                },
            ],
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidState(_)), "{err:?}");
    for id in ids {
        assert_eq!(
            s.get_record(id).await.unwrap().unwrap().state,
            RecordState::Queued
        );
    }
}

#[wasm_bindgen_test]
async fn everything_survives_closing_and_reopening_the_database() {
    let name = "t-reopen";
    let s = fresh(name).await;
    let d = petition("修路");
    let kept = petition("未完成");
    s.put_draft(&d).await.unwrap();
    s.put_draft(&kept).await.unwrap();
    let r = s
        .finalize(d.id, Uuid::now_v7(), validated(&d), Utc::now())
        .await
        .unwrap();
    s.transition(&[Transition::Sending(r.id)], Utc::now())
        .await
        .unwrap();
    s.put_meta("pull_cursor", to_meta(&42i64)).await.unwrap();
    s.close();
    assert!(matches!(s.list_drafts().await, Err(StoreError::Closed(_))));

    let s = IdbStore::open_with(name, SCHEMA_VERSION, None)
        .await
        .unwrap();
    assert_eq!(s.list_drafts().await.unwrap(), vec![as_stored(&kept)]);
    assert_eq!(s.pull_cursor().await.unwrap(), 42);
    // The crash-recovery rule at start-up: sending → queued.
    assert_eq!(s.recover_sending(Utc::now()).await.unwrap(), 1);
    assert_eq!(
        s.get_record(r.id).await.unwrap().unwrap().state,
        RecordState::Queued
    );
}

#[wasm_bindgen_test]
async fn a_database_written_at_schema_v1_is_read_after_upgrading_to_the_current_schema() {
    let name = "t-upgrade";
    IdbStore::delete_database(name).await.unwrap();
    // The app as first released: only the v1 step of the ladder runs.
    let v1 = IdbStore::open_with(name, 1, None).await.unwrap();
    assert_eq!(v1.version(), 1);
    let draft = petition("旧版本的草稿");
    v1.put_draft(&draft).await.unwrap();
    let queued = petition("旧版本排队");
    v1.put_draft(&queued).await.unwrap();
    let q = v1
        .finalize(queued.id, Uuid::now_v7(), validated(&queued), Utc::now())
        .await
        .unwrap();
    let sent = petition("旧版本已发送");
    v1.put_draft(&sent).await.unwrap();
    let s1 = v1
        .finalize(sent.id, Uuid::now_v7(), validated(&sent), Utc::now())
        .await
        .unwrap();
    v1.transition(&[Transition::Sending(s1.id)], Utc::now())
        .await
        .unwrap();
    v1.transition(
        &[Transition::Sent {
            id: s1.id,
            receipt: receipt(9),
        }],
        Utc::now(),
    )
    .await
    .unwrap();
    // v1 has no state index: the filtered listing works by scanning.
    assert_eq!(
        v1.list_outbox(Some(RecordState::Queued)).await.unwrap(),
        vec![q.clone()]
    );
    v1.close();

    // The new app version opens it: the ladder runs v1 → v2 over the data.
    let v2 = IdbStore::open_with(name, SCHEMA_VERSION, None)
        .await
        .unwrap();
    assert_eq!(v2.version(), SCHEMA_VERSION);
    assert_eq!(v2.list_drafts().await.unwrap(), vec![as_stored(&draft)]);
    // Served by the new by_state index, built from the v1 records.
    assert_eq!(
        v2.list_outbox(Some(RecordState::Queued)).await.unwrap(),
        vec![q]
    );
    assert_eq!(
        v2.list_outbox(Some(RecordState::Sent)).await.unwrap()[0].id,
        s1.id
    );
    assert!(v2
        .get_receipt(s1.id)
        .await
        .unwrap()
        .unwrap()
        .receipt
        .is_some());
    // And the store v2 added works.
    let attempt = LocalQuizAttempt {
        id: Uuid::now_v7(),
        campaign_id: "2026-q4".into(),
        attempt: serde_json::json!({"answers": [1, 0, 2]}),
        saved_at: Utc::now(),
    };
    v2.put_quiz_attempt(&attempt).await.unwrap();
    assert_eq!(v2.list_quiz_attempts().await.unwrap(), vec![attempt]);
}

#[wasm_bindgen_test]
async fn an_old_tab_closes_its_connection_so_a_newer_version_can_upgrade() {
    let name = "t-versionchange";
    IdbStore::delete_database(name).await.unwrap();
    let old_tab = IdbStore::open_with(name, 1, None).await.unwrap();
    let blocked = std::rc::Rc::new(std::cell::Cell::new(false));
    let flag = blocked.clone();
    let new_tab = IdbStore::open_with(name, SCHEMA_VERSION, Some(Box::new(move || flag.set(true))))
        .await
        .unwrap();
    assert_eq!(new_tab.version(), SCHEMA_VERSION);
    assert!(old_tab.is_closed(), "the old connection gave way");
    assert!(!blocked.get(), "so the upgrade was never blocked");
    let err = old_tab.list_drafts().await.unwrap_err();
    assert_eq!(err.code(), "closed", "the old tab is told to reload: {err}");
}

#[wasm_bindgen_test]
async fn an_upgrade_blocked_by_a_tab_that_does_not_give_way_is_reported_and_completes_after_it_closes(
) {
    let name = "t-blocked";
    IdbStore::delete_database(name).await.unwrap();
    IdbStore::open_with(name, 1, None).await.unwrap().close();
    let stubborn = open_stubborn(name).await.unwrap();
    let reported = std::rc::Rc::new(std::cell::Cell::new(false));
    let flag = reported.clone();
    let on_blocked: lianxin_browser::idb::OnBlocked = Box::new(move || {
        flag.set(true);
        // The user closes the old tab.
        let close = js_sys::Reflect::get(&stubborn, &"close".into()).unwrap();
        js_sys::Function::from(close).call0(&stubborn).unwrap();
    });
    let s = IdbStore::open_with(name, SCHEMA_VERSION, Some(on_blocked))
        .await
        .unwrap();
    assert!(
        reported.get(),
        "the UI was told that another tab blocks the upgrade"
    );
    assert_eq!(s.version(), SCHEMA_VERSION);
}

#[wasm_bindgen_test]
fn a_quota_error_from_indexeddb_is_reported_as_storage_full() {
    let e = web_sys::DomException::new_with_message_and_name("disk full", "QuotaExceededError")
        .unwrap();
    let err = lianxin_browser::idb::map_idb_error(&indexed_db_futures::error::Error::from(
        JsValue::from(e),
    ));
    assert!(matches!(err, StoreError::QuotaExceeded(_)), "{err:?}");
    assert_eq!(err.code(), "quota_exceeded");
}

#[wasm_bindgen_test]
async fn pulled_changes_and_the_cursor_are_stored_together_and_reapplying_is_harmless() {
    let s = fresh("t-pull").await;
    let record_id = Uuid::now_v7();
    let ev = StatusEvent {
        status: PetitionStatus::Accepted,
        at: Utc::now(),
        department: Some("县交通运输局".into()),
        note: None,
        deadline: None,
        extension_days: None,
    };
    let page = PullResponse {
        changes: vec![
            Change {
                seq: 3,
                body: ChangeBody::PetitionStatus {
                    record_id,
                    registration_no: "CZXF-2026-000003".into(),
                    event: ev.clone(),
                },
            },
            Change {
                seq: 4,
                body: ChangeBody::Campaign {
                    campaign: lianxin_core::quiz::Campaign {
                        id: "2026-q4".into(),
                        title: "条例知识竞答".into(),
                        starts_at: Utc::now(),
                        ends_at: Utc::now(),
                        questions: vec![],
                        ..Default::default()
                    },
                },
            },
        ],
        cursor: 4,
        more: false,
        server_time: None,
    };
    let a = s.apply_pull(&page).await.unwrap();
    assert_eq!((a.campaigns, a.statuses, a.revoked), (1, 1, false));
    let again = s.apply_pull(&page).await.unwrap();
    assert_eq!(again.statuses, 0, "the same page twice adds no history");
    assert_eq!(s.pull_cursor().await.unwrap(), 4);
    assert_eq!(
        s.get_receipt(record_id).await.unwrap().unwrap().history,
        vec![ev]
    );
    assert_eq!(s.list_campaigns().await.unwrap().len(), 1);

    let revoke = PullResponse {
        changes: vec![Change {
            seq: 5,
            body: ChangeBody::DeviceRevoked {},
        }],
        cursor: 5,
        more: false,
        server_time: None,
    };
    assert!(s.apply_pull(&revoke).await.unwrap().revoked);
    assert!(s.is_revoked().await.unwrap());
}

#[wasm_bindgen_test]
async fn the_sync_lock_admits_one_holder_at_a_time() {
    let outer = with_lock_if_available("t-lock", || async {
        // While held, a second request (another tab, or a second trigger here) is turned away.
        with_lock_if_available("t-lock", || async { 1 })
            .await
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(outer, Some(None));
    // Released afterwards.
    assert_eq!(
        with_lock_if_available("t-lock", || async { 2 })
            .await
            .unwrap(),
        Some(2)
    );
}

fn config_page(seq: i64, version: i64, codes: &[&str]) -> PullResponse {
    PullResponse {
        changes: vec![
            Change {
                seq,
                body: ChangeBody::Config {
                    config: DeviceConfig {
                        version,
                        subjects: codes
                            .iter()
                            .map(|c| SubjectEntry {
                                code: (*c).to_owned(),
                                label: None,
                            })
                            .collect(),
                        ..DeviceConfig::default()
                    },
                },
            },
            // A change a newer server sends that this version does not know.
            Change {
                seq: seq + 1,
                body: ChangeBody::Unknown,
            },
        ],
        cursor: seq + 1,
        more: false,
        server_time: None,
    }
}

#[wasm_bindgen_test]
async fn the_newest_config_is_kept_and_an_older_one_never_replaces_it() {
    let name = "t-config";
    let s = fresh(name).await;
    assert_eq!(s.device_config().await.unwrap(), DeviceConfig::builtin());
    assert!(
        s.apply_pull(&config_page(1, 2, &["land", "mining"]))
            .await
            .unwrap()
            .config
    );
    assert!(
        !s.apply_pull(&config_page(3, 1, &["land"]))
            .await
            .unwrap()
            .config
    );
    assert_eq!(
        s.pull_cursor().await.unwrap(),
        4,
        "the cursor moves past every change"
    );
    s.close();

    let s = IdbStore::open_with(name, SCHEMA_VERSION, None)
        .await
        .unwrap();
    let config = s.device_config().await.unwrap();
    assert_eq!(config.version, 2);
    assert_eq!(config.subject_codes(), ["land", "mining"]);
    assert!(
        s.apply_pull(&config_page(5, 3, &["land"]))
            .await
            .unwrap()
            .config
    );
    assert_eq!(s.device_config().await.unwrap().version, 3);
}

#[wasm_bindgen_test]
async fn a_payload_validated_from_another_draft_is_refused_and_nothing_moves() {
    let s = fresh("t-finalize-other").await;
    let d = petition("修路");
    let other = petition("路灯");
    s.put_draft(&d).await.unwrap();
    let err = s
        .finalize(d.id, Uuid::now_v7(), validated(&other), Utc::now())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_state", "{err}");
    assert!(s.get_draft(d.id).await.unwrap().is_some());
    assert!(s.list_outbox(None).await.unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn recovery_after_a_crash_requeues_only_the_records_left_sending() {
    let s = fresh("t-recover").await;
    let mut ids = Vec::new();
    for req in ["一", "二", "三"] {
        let d = petition(req);
        s.put_draft(&d).await.unwrap();
        let r = s
            .finalize(d.id, Uuid::now_v7(), validated(&d), Utc::now())
            .await
            .unwrap();
        ids.push(r.id);
    }
    s.transition(
        &[Transition::Sending(ids[0]), Transition::Sending(ids[1])],
        Utc::now(),
    )
    .await
    .unwrap();
    s.transition(
        &[Transition::Sent {
            id: ids[1],
            receipt: receipt(1),
        }],
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(s.recover_sending(Utc::now()).await.unwrap(), 1);
    let states: Vec<RecordState> = s
        .list_outbox(None)
        .await
        .unwrap()
        .iter()
        .map(|r| r.state)
        .collect();
    assert_eq!(
        states,
        [RecordState::Queued, RecordState::Sent, RecordState::Queued]
    );
    assert_eq!(s.get_record(ids[0]).await.unwrap().unwrap().attempts, 1);
    assert_eq!(s.recover_sending(Utc::now()).await.unwrap(), 0);
}

// ---- one draft in two tabs (issue 14) ----------------------------------------------------

/// An empty petition form, stored as /petitions/new stores it; returns it as stored.
async fn empty_draft(s: &IdbStore) -> Draft {
    let mut form = example::petition_json();
    for key in ["request", "facts", "reasons"] {
        form[key] = "".into();
    }
    form["petitioner"]["name"] = "".into();
    form["petitioner"]["address"] = "".into();
    let d = Draft::new(RecordKind::Petition, form);
    s.save_draft(&d, None).await.unwrap().draft
}

/// A tab's autosave: its form as typed, based on `base` (the stored draft it last saw).
async fn save_over(
    s: &IdbStore,
    base: &Draft,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<lianxin_sync::DraftSaved, StoreError> {
    let mut mine = base.clone();
    edit(&mut mine.form);
    s.save_draft(&mine, Some(&base.form)).await
}

#[wasm_bindgen_test]
async fn a_save_over_an_older_revision_merges_field_by_field_and_keeps_both_tabs_text() {
    let s = fresh("t-two-tabs-merge").await;
    let first = empty_draft(&s).await;
    assert_eq!(first.revision, 1);
    // Tab A: the name and the request.
    let a = save_over(&s, &first, |f| {
        f["petitioner"]["name"] = "张三".into();
        f["request"] = "请求维修小区道路".into();
    })
    .await
    .unwrap()
    .draft;
    assert_eq!(a.revision, 2);
    // Tab B opens it and types the facts.
    let b = save_over(&s, &a, |f| f["facts"] = "小区道路破损已半年".into())
        .await
        .unwrap();
    assert_eq!(b.draft.revision, 3);
    // Tab A, still on revision 2, types the address.
    let merged = save_over(&s, &a, |f| {
        f["petitioner"]["name"] = "张三".into();
        f["request"] = "请求维修小区道路".into();
        f["petitioner"]["address"] = "城关镇人民路1号".into();
    })
    .await
    .unwrap();
    assert!(merged.conflicts.is_empty(), "{:?}", merged.conflicts);
    assert_eq!(merged.draft.revision, 4);
    let stored = s.get_draft(first.id).await.unwrap().unwrap();
    assert_eq!(stored, merged.draft);
    assert_eq!(stored.form["facts"], "小区道路破损已半年");
    assert_eq!(stored.form["petitioner"]["address"], "城关镇人民路1号");
    assert_eq!(stored.form["petitioner"]["name"], "张三");
}

#[wasm_bindgen_test]
async fn the_same_field_saved_from_two_tabs_keeps_the_stored_text_and_reports_the_other() {
    let s = fresh("t-two-tabs-conflict").await;
    let first = empty_draft(&s).await;
    save_over(&s, &first, |f| f["request"] = "修路".into())
        .await
        .unwrap();
    let lost = save_over(&s, &first, |f| f["request"] = "修桥".into())
        .await
        .unwrap();
    assert_eq!(lost.conflicts.len(), 1);
    assert_eq!(lost.conflicts[0].path, "request");
    assert_eq!(lost.conflicts[0].mine, Some("修桥".into()));
    assert_eq!(
        s.get_draft(first.id).await.unwrap().unwrap().form["request"],
        "修路"
    );
}

#[wasm_bindgen_test]
async fn a_finalized_draft_is_never_saved_back_nor_finalized_twice() {
    let s = fresh("t-two-tabs-finalized").await;
    let d = petition("修路");
    let stored = s.save_draft(&d, None).await.unwrap().draft;
    let payload = validate_draft(&stored, &DeviceConfig::builtin(), Utc::now()).unwrap();
    let record = s
        .finalize(d.id, Uuid::now_v7(), payload.clone(), Utc::now())
        .await
        .unwrap();
    // The other tab still shows it and its autosave fires.
    match save_over(&s, &stored, |f| f["facts"] = "继续输入".into()).await {
        Err(StoreError::Gone(t)) => assert_eq!(t.record_id, Some(record.id)),
        other => panic!("{other:?}"),
    }
    assert!(s.get_draft(d.id).await.unwrap().is_none());
    assert!(s.list_drafts().await.unwrap().is_empty());
    let err = s
        .finalize(d.id, Uuid::now_v7(), payload, Utc::now())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "draft_finalized", "{err}");
    assert_eq!(s.list_outbox(None).await.unwrap(), vec![record]);
}

#[wasm_bindgen_test]
async fn a_deleted_draft_is_never_saved_back() {
    let s = fresh("t-two-tabs-deleted").await;
    let first = empty_draft(&s).await;
    s.delete_draft(first.id).await.unwrap();
    let err = save_over(&s, &first, |f| f["facts"] = "事实".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "draft_deleted", "{err}");
    assert!(s.get_draft(first.id).await.unwrap().is_none());
    assert!(s.draft_tombstone(first.id).await.unwrap().is_some());
}
