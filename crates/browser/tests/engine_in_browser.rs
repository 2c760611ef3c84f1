//! The pieces together in headless Chromium: the sync engine over IdbStore, the fetch transport's
//! classification of real browser answers, and the debounced autosave.
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use chrono::Utc;
use lianxin_browser::{with_sync_lock, Autosave, FetchTransport, IdbStore, SCHEMA_VERSION};
use lianxin_core::example;
use lianxin_core::protocol::{
    ApiError, DeviceRole, EnrollRequest, EnrollResponse, Outcome, PullResponse, PushRequest,
    PushResponse, PushResult, Receipt, RecordKind,
};
use lianxin_sync::{
    Draft, FinalizeError, RecordState, Store, SyncEngine, SyncError, Transport, TransportError,
};
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn fresh(name: &str) -> IdbStore {
    IdbStore::delete_database(name).await.unwrap();
    IdbStore::open_with(name, SCHEMA_VERSION, None)
        .await
        .unwrap()
}

/// A fresh store under `name`, a page server, and an engine over both, enrolled through it.
async fn enrolled(name: &str) -> (IdbStore, PageServer, SyncEngine<IdbStore, PageServer>) {
    let store = fresh(name).await;
    let server = PageServer::default();
    let engine = SyncEngine::new(store.clone(), server.clone());
    engine.enroll("CODE", "平板").await.unwrap();
    (store, server, engine)
}

/// A request text the page server refuses as `invalid`: a rule only the server checks.
const SERVER_REFUSES: &str = "服务器不受理的请求";

/// The shared example petition with its own request text, as a draft.
fn petition(request: &str) -> Draft {
    let mut form = example::petition_json();
    form["request"] = request.into();
    Draft::new(RecordKind::Petition, form)
}

/// A server in the page: stores by id, refuses [`SERVER_REFUSES`], can fail the next push.
#[derive(Clone, Default)]
struct PageServer {
    stored: Rc<RefCell<Vec<Uuid>>>,
    offline_next: Rc<Cell<bool>>,
}

impl Transport for PageServer {
    async fn enroll(&self, _req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        Ok(EnrollResponse {
            device_id: Uuid::now_v7(),
            token: "t".into(),
            role: DeviceRole::Field,
            township: "城关镇".into(),
            server_time: None,
        })
    }

    async fn push(&self, _token: &str, req: &PushRequest) -> Result<PushResponse, TransportError> {
        if self.offline_next.replace(false) {
            return Err(TransportError::Offline("no network".into()));
        }
        let results = req
            .records
            .iter()
            .map(|r| {
                if r.payload["request"] == SERVER_REFUSES {
                    return PushResult {
                        id: r.id,
                        outcome: Outcome::Invalid,
                        receipt: None,
                        error: Some(ApiError::new("required", "请填写请求").with_field("request")),
                    };
                }
                let mut stored = self.stored.borrow_mut();
                let outcome = if stored.contains(&r.id) {
                    Outcome::Duplicate
                } else {
                    Outcome::Stored
                };
                stored.push(r.id);
                PushResult {
                    id: r.id,
                    outcome,
                    receipt: Some(Receipt {
                        registration_no: Some(format!("CZXF-2026-{:06}", stored.len())),
                        query_code: Some("QCODE123".into()),
                        received_at: Utc::now(),
                    }),
                    error: None,
                }
            })
            .collect();
        Ok(PushResponse {
            results,
            server_time: None,
        })
    }

    async fn pull(&self, _token: &str, cursor: i64) -> Result<PullResponse, TransportError> {
        Ok(PullResponse {
            changes: vec![],
            cursor,
            more: false,
            server_time: None,
        })
    }
}

#[wasm_bindgen_test]
async fn the_engine_sends_queued_records_from_indexeddb_and_restores_refused_ones_as_drafts() {
    let (store, server, engine) = enrolled("e-engine").await;
    let engine = engine.with_batch_size(2);
    let mut ids = Vec::new();
    for req in ["修路", SERVER_REFUSES, "路灯"] {
        let d = petition(req);
        ids.push(engine.finalize_draft(&d, Utc::now()).await.unwrap().id);
    }

    server.offline_next.set(true);
    assert!(matches!(
        engine.sync_once().await,
        Err(SyncError::Offline { .. })
    ));
    assert_eq!(
        store
            .list_outbox(Some(RecordState::Queued))
            .await
            .unwrap()
            .len(),
        3
    );

    let s = with_sync_lock(|| engine.sync_once())
        .await
        .unwrap()
        .expect("lock was free")
        .unwrap();
    assert_eq!((s.sent, s.needs_edit), (2, 1));
    assert_eq!(
        store.get_record(ids[0]).await.unwrap().unwrap().state,
        RecordState::Sent
    );
    assert_eq!(
        store.get_record(ids[1]).await.unwrap().unwrap().state,
        RecordState::NeedsEdit
    );
    let drafts = store.list_drafts().await.unwrap();
    assert_eq!(
        drafts[0].problem.as_ref().unwrap().field.as_deref(),
        Some("request")
    );
    assert!(store.last_sync_ok().await.unwrap().is_some());
}

#[wasm_bindgen_test]
async fn an_html_answer_from_the_page_origin_is_offline_not_a_protocol_answer() {
    // The test runner's own web server plays the captive portal: it does not speak the protocol.
    let t = FetchTransport::same_origin();
    let r = t.push("token", &PushRequest::default()).await;
    assert!(matches!(r, Err(TransportError::Offline(_))), "{r:?}");
    let r = t.pull("token", 0).await;
    assert!(matches!(r, Err(TransportError::Offline(_))), "{r:?}");
    match r {
        Err(TransportError::Offline(why)) => assert_eq!(why.code(), "protocol"),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_refused_connection_is_offline() {
    let t = FetchTransport::with_base("http://127.0.0.1:9").with_timeout(Duration::from_secs(5));
    let r = t
        .enroll(&EnrollRequest {
            code: "x".into(),
            label: "y".into(),
        })
        .await;
    assert!(matches!(r, Err(TransportError::Offline(_))), "{r:?}");
    match r {
        Err(TransportError::Offline(why)) => assert_eq!(why.code(), "offline"),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn autosave_writes_a_burst_of_edits_once_and_flush_writes_at_once() {
    let store = fresh("e-autosave").await;
    let saves = Rc::new(Cell::new(0));
    let counter = saves.clone();
    let mut d = petition("");
    let auto = Autosave::new(
        store.clone(),
        Duration::from_millis(100),
        d.clone(),
        move |_, r| {
            r.unwrap();
            counter.set(counter.get() + 1);
        },
    );
    for text in ["修", "修路", "修村路"] {
        d.form["request"] = text.into();
        auto.edit(d.clone());
    }
    assert!(auto.is_pending());
    sleep(250).await;
    assert_eq!(saves.get(), 1, "one write for the burst");
    assert_eq!(
        store.get_draft(d.id).await.unwrap().unwrap().form["request"],
        "修村路"
    );

    d.form["request"] = "修村道".into();
    auto.edit(d.clone());
    auto.flush().await.unwrap();
    assert!(!auto.is_pending());
    assert_eq!(
        store.get_draft(d.id).await.unwrap().unwrap().form["request"],
        "修村道"
    );
    sleep(150).await;
    assert_eq!(
        saves.get(),
        2,
        "the flushed edit is not written again by the timer"
    );
}

/// Polls `cond` for up to 10 s (a loaded CI machine is slow, an instant fake is not the point).
async fn wait_for(cond: impl Fn() -> bool, what: &str) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        sleep(50).await;
    }
    panic!("timed out: {what}");
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_driver_reports_runs_and_schedules_the_backoff_after_an_offline_run() {
    use lianxin_browser::{SyncDriver, SyncEvent};
    let (store, server, engine) = enrolled("e-driver").await;
    let id = engine
        .finalize_draft(&petition("修路"), Utc::now())
        .await
        .unwrap()
        .id;

    let driver = SyncDriver::new(engine).with_period(Duration::from_secs(60));
    let events: Rc<RefCell<Vec<SyncEvent>>> = Rc::default();
    let log = events.clone();
    driver.on_event(move |e| log.borrow_mut().push(e.clone()));

    server.offline_next.set(true);
    driver.run().await;
    match events.borrow().last().unwrap() {
        SyncEvent::Finished {
            result: Err(SyncError::Offline { .. }),
            next_in: Some(d),
        } => {
            assert!(
                d.as_millis() >= 800 && d.as_millis() <= 1200,
                "first retry ≈ 1 s: {d:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    // The scheduled retry (about 1 s later) sends the record without anyone asking.
    sleep(1_600).await;
    assert_eq!(
        store.get_record(id).await.unwrap().unwrap().state,
        RecordState::Sent
    );
    let finished: Vec<_> = events
        .borrow()
        .iter()
        .filter(|e| matches!(e, SyncEvent::Finished { .. }))
        .cloned()
        .collect();
    assert_eq!(finished.len(), 2);
    assert!(matches!(
        &finished[1],
        SyncEvent::Finished { result: Ok(s), next_in: Some(p) } if s.sent == 1 && p.as_secs() == 60
    ));
    driver.stop();
}

#[wasm_bindgen_test]
async fn the_driver_runs_at_start_and_again_when_the_browser_comes_online() {
    use lianxin_browser::SyncDriver;
    let (_store, server, engine) = enrolled("e-triggers").await;
    engine
        .finalize_draft(&petition("修路"), Utc::now())
        .await
        .unwrap();

    let driver = SyncDriver::new(engine).with_period(Duration::from_secs(600));
    driver.install_triggers();
    wait_for(
        || server.stored.borrow().len() == 1,
        "the app-start run sends the queued record",
    )
    .await;

    driver
        .engine()
        .finalize_draft(&petition("路灯"), Utc::now())
        .await
        .unwrap();
    let online = web_sys::Event::new("online").unwrap();
    web_sys::window().unwrap().dispatch_event(&online).unwrap();
    wait_for(
        || server.stored.borrow().len() == 2,
        "the online event triggers a run",
    )
    .await;
    driver.stop();
}

#[wasm_bindgen_test]
async fn triggers_while_a_run_is_still_fetching_its_code_make_one_follow_up_run_not_a_second_run() {
    use lianxin_browser::{SyncDriver, SyncEvent};
    let (_store, _server, engine) = enrolled("e-in-flight").await;

    // As the PWA's release build does: each run first waits for the engine's code (a wasm
    // module on the wire), and only then does the engine count as running.
    let runs = Rc::new(Cell::new(0));
    let counted = runs.clone();
    let driver = SyncDriver::with_run_once(
        engine,
        Rc::new(move |engine| {
            counted.set(counted.get() + 1);
            Box::pin(async move {
                sleep(300).await;
                engine.sync_once().await
            })
        }),
    )
    .with_period(Duration::from_secs(600));
    let events: Rc<RefCell<Vec<SyncEvent>>> = Rc::default();
    let log = events.clone();
    driver.on_event(move |e| log.borrow_mut().push(e.clone()));

    driver.sync_now();
    sleep(50).await;
    // The online event, an enrollment, a finalize: all while the first run is fetching.
    driver.sync_now();
    driver.sync_now();
    driver.sync_now();
    wait_for(
        || runs.get() == 2 && events.borrow().len() == 4,
        "the follow-up run ends",
    )
    .await;
    sleep(400).await;

    assert_eq!(
        runs.get(),
        2,
        "one run, then one follow-up for all three triggers"
    );
    let kinds: Vec<&str> = events
        .borrow()
        .iter()
        .map(|e| match e {
            SyncEvent::Started => "started",
            SyncEvent::Finished { result: Ok(_), .. } => "ok",
            SyncEvent::Finished { result: Err(_), .. } => "error",
            SyncEvent::Skipped => "skipped",
            SyncEvent::Progress(_) => "progress",
        })
        .collect();
    assert_eq!(kinds, ["started", "ok", "started", "ok"]);
    driver.stop();
}

#[wasm_bindgen_test]
async fn the_unsent_export_is_a_json_file_with_every_unsent_record_and_no_token() {
    let (store, _server, engine) = enrolled("e-export").await;
    for req in ["修路", "路灯"] {
        engine
            .finalize_draft(&petition(req), Utc::now())
            .await
            .unwrap();
    }
    let file = lianxin_browser::unsent_export_file(&store).await.unwrap();
    assert_eq!(file.records, 2);
    assert!(file.filename.starts_with("lianxin-unsent-") && file.filename.ends_with(".json"));
    assert!(file.blob.type_().starts_with("application/json"));
    let text = wasm_bindgen_futures::JsFuture::from(file.blob.text())
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text.as_string().unwrap()).unwrap();
    assert_eq!(json["format"], "lianxin-unsent-v1");
    assert_eq!(json["records"].as_array().unwrap().len(), 2);
    assert!(
        !text.as_string().unwrap().contains("\"token\""),
        "the token is never exported"
    );
}

#[wasm_bindgen_test]
async fn a_slow_server_is_a_timeout_not_a_lost_network() {
    // The test runner's own server answers quickly, but never before a timer of zero fires.
    let t = FetchTransport::same_origin().with_timeout(Duration::ZERO);
    let r = t.pull("token", 0).await;
    match r {
        Err(TransportError::Offline(why)) => assert_eq!(why.code(), "timeout", "{why}"),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn finalize_refuses_an_invalid_draft_in_indexeddb_and_keeps_its_text() {
    let (store, _server, engine) = enrolled("e-finalize-invalid").await;
    let mut d = petition("");
    d.form["petitioner"]["name"] = "".into();
    match engine.finalize_draft(&d, Utc::now()).await {
        Err(FinalizeError::Invalid(errs)) => {
            let fields: Vec<_> = errs.iter().filter_map(|e| e.field.as_deref()).collect();
            assert!(fields.contains(&"request"), "{errs:?}");
            assert!(fields.contains(&"petitioner.name"), "{errs:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.get_draft(d.id).await.unwrap().map(|s| s.form),
        Some(d.form.clone())
    );
    assert!(store.list_outbox(None).await.unwrap().is_empty());

    d.revision = 1; // the tab's edits are based on the revision the first finalize saved
    d.form["request"] = "请求依法补偿".into();
    d.form["petitioner"]["name"] = "张三".into();
    let r = engine.finalize_draft(&d, Utc::now()).await.unwrap();
    assert_eq!(r.payload, example::petition_json());
    assert!(store.get_draft(d.id).await.unwrap().is_none());
}
