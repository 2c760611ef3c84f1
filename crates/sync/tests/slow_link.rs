//! The engine on a simulated mobile link, with a simulated clock: how long a push takes follows
//! from its size, the link's throughput and its latency, and a push that needs longer than its
//! timeout is given up when the timeout expires. No test here sleeps; the same inputs always give
//! the same pushes.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::time::Duration;

use chrono::Utc;
use lianxin_core::example;
use lianxin_core::protocol::{
    DeviceRole, EnrollRequest, EnrollResponse, Outcome, PullResponse, PushRequest, PushResponse,
    PushResult, Receipt, RecordKind,
};
use lianxin_sync::{
    Draft, Jitter, MemoryStore, NoAnswer, PushProgress, RecordState, Store, SyncEngine, SyncError,
    Timed, Transport, TransportError,
};
use uuid::Uuid;

/// One stretch of the link's life: from `from` on (simulated time), this many bytes per second.
#[derive(Clone, Copy)]
struct Phase {
    from: Duration,
    bytes_per_sec: f64,
}

/// One push as the simulated server saw it.
#[derive(Debug, Clone)]
struct Push {
    records: usize,
    first: Uuid,
    timed_out: bool,
}

/// A server behind a link whose throughput changes over (simulated) time.
struct Sim {
    clock: Cell<Duration>,
    latency: Duration,
    phases: Vec<Phase>,
    /// Times each record was inserted (not answered as a duplicate).
    inserted: RefCell<HashMap<Uuid, u32>>,
    /// Records whose answer reached the device.
    acknowledged: RefCell<HashSet<Uuid>>,
    pushes: RefCell<Vec<Push>>,
    resent_after_ack: Cell<usize>,
}

#[derive(Clone)]
struct SlowLink(Rc<Sim>);

impl SlowLink {
    fn new(latency: Duration, phases: Vec<Phase>) -> Self {
        SlowLink(Rc::new(Sim {
            clock: Cell::new(Duration::ZERO),
            latency,
            phases,
            inserted: RefCell::default(),
            acknowledged: RefCell::default(),
            pushes: RefCell::default(),
            resent_after_ack: Cell::new(0),
        }))
    }

    fn rate_now(&self) -> f64 {
        let now = self.0.clock.get();
        self.0
            .phases
            .iter()
            .rev()
            .find(|p| p.from <= now)
            .map_or(1.0, |p| p.bytes_per_sec)
    }

    fn wait(&self, d: Duration) {
        self.0.clock.set(self.0.clock.get() + d);
    }

    fn pushes(&self) -> Vec<Push> {
        self.0.pushes.borrow().clone()
    }

    /// Stores what is new, answers duplicates with the first receipt.
    fn store(&self, req: &PushRequest) -> PushResponse {
        let mut inserted = self.0.inserted.borrow_mut();
        let results = req
            .records
            .iter()
            .map(|r| {
                let count = inserted.entry(r.id).or_insert(0);
                let outcome = if *count == 0 {
                    *count = 1;
                    Outcome::Stored
                } else {
                    Outcome::Duplicate
                };
                PushResult {
                    id: r.id,
                    outcome,
                    receipt: Some(Receipt {
                        registration_no: Some(format!("CZXF-2026-{}", r.id.simple())),
                        query_code: Some("QC".into()),
                        received_at: example::now(),
                    }),
                    error: None,
                }
            })
            .collect();
        PushResponse {
            results,
            server_time: None,
        }
    }
}

impl Transport for SlowLink {
    async fn enroll(&self, _: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        Ok(EnrollResponse {
            device_id: Uuid::now_v7(),
            token: "tok".into(),
            role: DeviceRole::Field,
            township: "城关镇".into(),
            server_time: None,
        })
    }

    async fn push(&self, _: &str, _: &PushRequest) -> Result<PushResponse, TransportError> {
        unreachable!("the engine pushes through push_within")
    }

    async fn pull(&self, _: &str, cursor: i64) -> Result<PullResponse, TransportError> {
        Ok(PullResponse {
            changes: vec![],
            cursor,
            more: false,
            server_time: None,
        })
    }

    async fn push_within(
        &self,
        _: &str,
        req: &PushRequest,
        timeout: Duration,
    ) -> Timed<Result<PushResponse, TransportError>> {
        {
            let acked = self.0.acknowledged.borrow();
            let resent = req.records.iter().filter(|r| acked.contains(&r.id)).count();
            self.0
                .resent_after_ack
                .set(self.0.resent_after_ack.get() + resent);
        }
        let body = serde_json::to_vec(req).unwrap().len() as f64;
        let upload = self.0.latency + Duration::from_secs_f64(body / self.rate_now());
        // The answer is small; it costs one more latency.
        let total = upload + self.0.latency;
        let timed_out = total > timeout;
        self.0.pushes.borrow_mut().push(Push {
            records: req.records.len(),
            first: req.records[0].id,
            timed_out,
        });
        if timed_out {
            // A body that arrived whole is stored even though its answer comes too late.
            if upload <= timeout {
                self.store(req);
            }
            self.wait(timeout);
            return Timed {
                result: Err(TransportError::Offline(NoAnswer::Timeout)),
                elapsed: Some(timeout),
            };
        }
        let answer = self.store(req);
        self.0
            .acknowledged
            .borrow_mut()
            .extend(req.records.iter().map(|r| r.id));
        self.wait(total);
        Timed {
            result: Ok(answer),
            elapsed: Some(total),
        }
    }
}

/// `n` petitions that differ from each other, finalized and queued.
async fn queue_petitions(engine: &SyncEngine<MemoryStore, SlowLink>, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let mut form = example::petition_json();
        form["request"] = format!(
            "请求第 {i} 号：{}",
            "依法处理村道修缮资金的使用问题。".repeat(3)
        )
        .into();
        form["facts"] = format!(
            "事实 {i}：{}",
            "村民反映道路多年未修，雨天无法通行。".repeat(12)
        )
        .into();
        let draft = Draft::new(RecordKind::Petition, form);
        ids.push(engine.finalize_draft(&draft, Utc::now()).await.unwrap().id);
    }
    ids
}

/// Runs until nothing is queued, waiting out each backoff on the simulated clock.
async fn sync_to_the_end(engine: &SyncEngine<MemoryStore, SlowLink>, link: &SlowLink) {
    for _ in 0..50 {
        match engine.sync_once().await {
            Ok(_) => return,
            Err(SyncError::Offline { retry_in, .. }) => link.wait(retry_in),
            Err(e) => panic!("{e:?}"),
        }
    }
    panic!("still not done after 50 runs: {:?}", link.pushes());
}

async fn engine_on(link: &SlowLink) -> SyncEngine<MemoryStore, SlowLink> {
    let engine = SyncEngine::new(MemoryStore::new(), link.clone()).with_jitter(Jitter::seeded(7));
    engine.enroll("GOOD-CODE", "平板 1").await.unwrap();
    engine
}

async fn every_record_is_sent_and_stored_exactly_once(
    engine: &SyncEngine<MemoryStore, SlowLink>,
    link: &SlowLink,
    ids: &[Uuid],
) {
    let outbox = engine.store().list_outbox(None).await.unwrap();
    assert_eq!(outbox.len(), ids.len());
    assert!(outbox.iter().all(|r| r.state == RecordState::Sent));
    let inserted = link.0.inserted.borrow();
    assert_eq!(inserted.len(), ids.len());
    assert!(ids.iter().all(|id| inserted.get(id) == Some(&1)));
    assert_eq!(
        link.0.resent_after_ack.get(),
        0,
        "an acknowledged record was sent again"
    );
}

const GPRS_UP: f64 = 5_000.0; // 40 kbit/s
const SECOND: Duration = Duration::from_secs(1);

#[tokio::test]
async fn on_gprs_the_pushes_grow_from_a_few_records_and_all_arrive_without_a_timeout() {
    let link = SlowLink::new(
        Duration::from_millis(800),
        vec![Phase {
            from: Duration::ZERO,
            bytes_per_sec: GPRS_UP,
        }],
    );
    let engine = engine_on(&link).await;
    let ids = queue_petitions(&engine, 100).await;
    sync_to_the_end(&engine, &link).await;

    let pushes = link.pushes();
    assert!(pushes.iter().all(|p| !p.timed_out), "{pushes:?}");
    assert!(
        pushes[0].records < 20,
        "an unknown link starts small: {pushes:?}"
    );
    assert!(
        pushes[1].records > pushes[0].records,
        "and grows: {pushes:?}"
    );
    every_record_is_sent_and_stored_exactly_once(&engine, &link, &ids).await;
}

#[tokio::test]
async fn the_batch_shrinks_after_a_timeout_grows_again_on_a_fast_link_and_every_record_is_stored_once(
) {
    // GPRS, then a signal so weak that almost nothing moves for ten minutes, then 3G.
    let link = SlowLink::new(
        Duration::from_millis(800),
        vec![
            Phase {
                from: Duration::ZERO,
                bytes_per_sec: GPRS_UP,
            },
            Phase {
                from: 30 * SECOND,
                bytes_per_sec: 40.0,
            },
            Phase {
                from: 600 * SECOND,
                bytes_per_sec: 31_000.0,
            },
        ],
    );
    let engine = engine_on(&link).await;
    let ids = queue_petitions(&engine, 200).await;
    sync_to_the_end(&engine, &link).await;

    let pushes = link.pushes();
    let first_timeout = pushes
        .iter()
        .position(|p| p.timed_out)
        .expect("the weak signal times a push out");
    let after: Vec<usize> = pushes[first_timeout..].iter().map(|p| p.records).collect();
    assert!(
        after[1] < after[0],
        "the push after a timeout is smaller: {after:?}"
    );
    assert!(
        after.contains(&1),
        "the weak signal brings the push down to a single record: {after:?}"
    );
    // Once the link is fast again, the pushes grow.
    let last_timeout = pushes.iter().rposition(|p| p.timed_out).unwrap();
    let recovered: Vec<usize> = pushes[last_timeout + 1..]
        .iter()
        .map(|p| p.records)
        .collect();
    assert!(
        recovered.windows(2).any(|w| w[1] > w[0]),
        "pushes grow again on a fast link: {recovered:?}"
    );
    assert!(recovered.iter().max().unwrap() > &after[0]);
    every_record_is_sent_and_stored_exactly_once(&engine, &link, &ids).await;
}

#[tokio::test]
async fn a_record_that_times_out_alone_waits_behind_the_others_and_gets_more_time() {
    // A weak link (250 B/s) and, first in the queue, one petition with the longest facts allowed
    // (30 kB): it alone needs two minutes, more than an unknown link's first push is given.
    let link = SlowLink::new(
        Duration::from_millis(800),
        vec![Phase {
            from: Duration::ZERO,
            bytes_per_sec: 250.0,
        }],
    );
    let engine = engine_on(&link).await;
    let mut form = example::petition_json();
    form["facts"] = "村民反映道路多年未修，雨天无法通行，".repeat(550).into();
    let heavy = Draft::new(RecordKind::Petition, form);
    let heavy = engine.finalize_draft(&heavy, Utc::now()).await.unwrap().id;
    let mut ids = queue_petitions(&engine, 6).await;
    ids.push(heavy);
    let seen = Rc::new(RefCell::new(Vec::<PushProgress>::new()));
    let log = seen.clone();
    engine.on_progress(move |p| log.borrow_mut().push(*p));
    sync_to_the_end(&engine, &link).await;

    let pushes = link.pushes();
    assert_eq!(
        (pushes[0].first, pushes[0].timed_out),
        (heavy, true),
        "{pushes:?}"
    );
    let last = pushes.last().unwrap();
    assert_eq!(
        (last.first, last.records, last.timed_out),
        (heavy, 1, false),
        "{pushes:?}"
    );
    assert!(
        pushes[1..pushes.len() - 1].iter().all(|p| p.first != heavy),
        "the others go first: {pushes:?}"
    );
    every_record_is_sent_and_stored_exactly_once(&engine, &link, &ids).await;
    // The progress a person sees ends with everything done, and never counts backwards.
    let seen = seen.borrow();
    assert_eq!(seen.last().map(|p| (p.done, p.total)), Some((7, 7)));
    assert!(seen.windows(2).all(|w| w[1].done >= w[0].done));
}

#[tokio::test]
async fn a_run_that_only_times_out_ends_with_a_timeout_and_a_backoff_and_marks_nothing() {
    let link = SlowLink::new(
        Duration::from_millis(800),
        vec![Phase {
            from: Duration::ZERO,
            bytes_per_sec: 1.0,
        }],
    );
    let engine = engine_on(&link).await;
    queue_petitions(&engine, 10).await;
    let err = engine.sync_once().await.unwrap_err();
    assert_eq!(err.code(), "timeout");
    assert!(err.retry_in().is_some());
    assert_eq!(
        link.pushes().len(),
        lianxin_sync::engine::MAX_TIMEOUTS_IN_A_ROW as usize
    );
    let queued = engine
        .store()
        .list_outbox(Some(RecordState::Queued))
        .await
        .unwrap();
    assert_eq!(queued.len(), 10, "nothing is lost or marked");
}
