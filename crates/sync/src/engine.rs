//! The sync engine: pushes the outbox in batches, applies the server's per-record answers, pulls the
//! feed, and says when to try again.
//!
//! Its promises, each backed by a test:
//! - a record is marked `sent` only from a well-formed protocol answer that names it; any other
//!   outcome of a push (no network, timeout, dropped answer, captive portal, 5xx) puts the batch
//!   back to `queued`, and the retry is idempotent because the record id never changes;
//! - `sending` found at start-up is recovered as `queued` ([`SyncEngine::start`]);
//! - one run at a time per engine ([`SyncError::Busy`]); across tabs the caller holds a Web Lock
//!   (`lianxin-browser`);
//! - a revoked device stops syncing until it is enrolled again;
//! - pushes are sized by bytes and by the throughput just seen, and given a time that follows
//!   their size ([`crate::link`]); a push that times out is retried smaller at once, down to one
//!   record, and a single record that still times out waits behind the others and gets more time
//!   on each try, so it never holds up the records behind it. Only `queued` records are pushed:
//!   an acknowledged record is never sent again;
//! - every answer that tells the server's time measures the device's clock offset
//!   ([`crate::clock`]); a record is finalized with the offset known then, under an id whose time
//!   is the corrected one, and its push carries that clock and the device's own `device_now`, so
//!   the server corrects its times whatever the tablet's clock says.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lianxin_core::protocol::{
    ApiError, EnrollRequest, Outcome, PushRecord, PushRequest, PushResponse, MAX_BATCH,
    MAX_BODY_BYTES,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::backoff::{backoff_delay, Jitter};
use crate::clock;
use crate::finalize::{validate_draft, FinalizeError};
use crate::link::Link;
use crate::model::{
    meta_keys, DeviceInfo, Draft, OutboxRecord, RecordState, SyncProblem, Transition,
};
use crate::store::{to_meta, Store, StoreError};
use crate::transport::{NoAnswer, Timed, Transport, TransportError};

/// Records per push at most unless told otherwise; the link usually allows fewer
/// ([`crate::link`]).
pub const DEFAULT_BATCH: usize = 100;
/// The most JSON one push carries: the server's limit on a (decompressed) body, less room for
/// the envelope.
pub const MAX_PUSH_BYTES: usize = MAX_BODY_BYTES - 64 * 1024;
/// Pushes in a row that may time out before a run gives up and backs off; enough to halve a
/// batch down to one record and give that record twice and four times the time.
pub const MAX_TIMEOUTS_IN_A_ROW: u32 = 6;
/// Pull pages read in one run at most (a guard against a feed that never ends).
pub const MAX_PULL_PAGES: usize = 1_000;

/// What one sync run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncSummary {
    /// Records carried by pushes that got a protocol answer.
    pub pushed: usize,
    /// Records now `sent`.
    pub sent: usize,
    /// Records back among drafts.
    pub needs_edit: usize,
    /// Records quarantined.
    pub quarantined: usize,
    /// Records put back to `queued`: found `sending` at the start of the run, or carried by a
    /// push that got no protocol answer.
    pub requeued: usize,
    /// Changes read from the pull feed.
    pub pulled: usize,
    /// Campaigns added or replaced.
    pub campaigns: usize,
    /// New status events.
    pub statuses: usize,
}

/// How far the push of a run has come, for "12 of 40 sent". `total` grows when records are
/// finalized during the run (the worker keeps registering while it sends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PushProgress {
    /// Records of this run the server has answered for.
    pub done: usize,
    /// `done` plus the records still queued or on the wire.
    pub total: usize,
    /// Records on the wire now.
    pub sending: usize,
}

type ProgressListener = Rc<dyn Fn(&PushProgress)>;

/// Why a sync run stopped. The UI shows it from [`SyncError::code`] and [`SyncError::params`];
/// the Display text is English, for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// Another run of this engine is in progress; this one did nothing.
    #[error("a sync run is already in progress")]
    Busy,
    /// The device has no token yet.
    #[error("the device is not enrolled")]
    NotEnrolled,
    /// The server revoked the device (pull feed) or refused its token (401/403); English detail.
    #[error("the device was revoked: {0}")]
    Revoked(String),
    /// No protocol answer; nothing was marked. Retry after `retry_in` (or on the `online` event).
    #[error("no protocol answer: {reason}")]
    Offline {
        /// What happened.
        reason: NoAnswer,
        /// The backoff delay for the next automatic try.
        retry_in: Duration,
    },
    /// The server refused a request that is not about one record (e.g. a bad enrollment code).
    #[error("the server refused the request: {} ({})", .0.message, .0.code)]
    Rejected(ApiError),
    /// The local store failed (e.g. storage full); see [`StoreError::code`].
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// [`SyncProblem::kind`] of a run that could not reach the server (no network, server down, a
/// captive portal or proxy answering instead of it).
pub const OFFLINE_KIND: &str = "offline";

impl SyncError {
    /// The indicator's kind string for [`SyncProblem::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            SyncError::Busy => "busy",
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::Revoked(_) => "revoked",
            SyncError::Offline { .. } => OFFLINE_KIND,
            SyncError::Rejected(_) => "rejected",
            SyncError::Store(_) => "storage",
        }
    }

    /// A stable code for the UI's locale files: `busy`, `not_enrolled`, `revoked`, `rejected`,
    /// the [`NoAnswer::code`] of an offline run (`offline`, `timeout`, `server_error`, `protocol`,
    /// `engine_unavailable`), or the [`StoreError::code`] of a store failure.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Busy => "busy",
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::Revoked(_) => "revoked",
            SyncError::Offline { reason, .. } => reason.code(),
            SyncError::Rejected(_) => "rejected",
            SyncError::Store(e) => e.code(),
        }
    }

    /// The values the translated message needs: `status` of `server_error` and `protocol`;
    /// for `rejected`, the server's own error code as `error` (and its field as `field`, and its
    /// params); `retry_in_secs` of every offline code.
    pub fn params(&self) -> BTreeMap<String, serde_json::Value> {
        match self {
            SyncError::Offline { reason, retry_in } => {
                let mut params = reason.params();
                params.insert("retry_in_secs".into(), retry_in.as_secs().into());
                params
            }
            SyncError::Rejected(e) => {
                let mut params = e.params.clone();
                params.insert("error".into(), e.code.clone().into());
                if let Some(field) = &e.field {
                    params.insert("field".into(), field.clone().into());
                }
                params
            }
            _ => BTreeMap::new(),
        }
    }

    /// What the store keeps of this error for the indicator and the sync page.
    pub fn problem(&self, at: DateTime<Utc>) -> SyncProblem {
        SyncProblem {
            at,
            kind: self.kind().to_owned(),
            code: self.code().to_owned(),
            params: self.params(),
            message: self.to_string(),
        }
    }

    /// When to try automatically again, if at all (revoked and not-enrolled devices wait for the
    /// user).
    pub fn retry_in(&self) -> Option<Duration> {
        match self {
            SyncError::Offline { retry_in, .. } => Some(*retry_in),
            _ => None,
        }
    }
}

/// Resets the in-progress flag however a run ends.
struct RunGuard<'a>(&'a Cell<bool>);

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// The engine. It owns a store handle and a transport; both are cheap clones in practice.
pub struct SyncEngine<S, T> {
    store: S,
    transport: T,
    running: Cell<bool>,
    failures: Cell<u32>,
    jitter: RefCell<Jitter>,
    link: RefCell<Link>,
    /// Records that timed out when pushed alone, and how many times the usual time their next
    /// push gets (2, 4, …); cleared when the server answers for them.
    patience: RefCell<HashMap<Uuid, u32>>,
    progress: RefCell<Option<ProgressListener>>,
    /// The device's clock (the system clock; a test sets a wrong one).
    device_clock: fn() -> DateTime<Utc>,
}

impl<S: Store, T: Transport> SyncEngine<S, T> {
    /// An engine with batches of [`DEFAULT_BATCH`].
    pub fn new(store: S, transport: T) -> Self {
        SyncEngine {
            store,
            transport,
            running: Cell::new(false),
            failures: Cell::new(0),
            jitter: RefCell::new(Jitter::from_entropy()),
            link: RefCell::new(Link::new(DEFAULT_BATCH, MAX_PUSH_BYTES)),
            patience: RefCell::default(),
            progress: RefCell::default(),
            device_clock: Utc::now,
        }
    }

    /// Reads the device's clock from `clock` instead of the system's (tests of wrong clocks).
    pub fn with_device_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.device_clock = clock;
        self
    }

    /// The device's clock now, as wrong as it is.
    fn device_now(&self) -> DateTime<Utc> {
        (self.device_clock)()
    }

    /// Sets the most records a push carries (clamped to `1..=MAX_BATCH`).
    pub fn with_batch_size(self, n: usize) -> Self {
        *self.link.borrow_mut() = Link::new(n.clamp(1, MAX_BATCH), MAX_PUSH_BYTES);
        self
    }

    /// Sets what the engine knows about the link (tests start from a given picture).
    pub fn with_link(self, link: Link) -> Self {
        *self.link.borrow_mut() = link;
        self
    }

    /// What the engine knows about the link now.
    pub fn link(&self) -> Link {
        self.link.borrow().clone()
    }

    /// Calls `f` whenever a push starts or is answered (the sync page's "12 of 40 sent").
    pub fn on_progress(&self, f: impl Fn(&PushProgress) + 'static) {
        *self.progress.borrow_mut() = Some(Rc::new(f));
    }

    fn report(&self, progress: PushProgress) {
        let listener = self.progress.borrow().clone();
        if let Some(f) = listener {
            f(&progress);
        }
    }

    /// Sets the jitter source (tests pin it).
    pub fn with_jitter(self, jitter: Jitter) -> Self {
        *self.jitter.borrow_mut() = jitter;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Whether a run is in progress.
    pub fn is_running(&self) -> bool {
        self.running.get()
    }

    /// Consecutive runs that reached no server.
    pub fn consecutive_failures(&self) -> u32 {
        self.failures.get()
    }

    /// Records left `sending` by a crash or a closed tab go back to `queued`; returns how many.
    /// Every run does this first as well (under the run's single-flight guarantee), so calling it
    /// at start-up only makes the sync page right before the first run.
    pub async fn start(&self) -> Result<usize, StoreError> {
        self.store.recover_sending(Utc::now()).await
    }

    /// Enrolls the device with a code an administrator printed, and stores its identity. A new
    /// enrollment clears a revocation and restarts the pull feed (the feed is per device).
    pub async fn enroll(&self, code: &str, label: &str) -> Result<DeviceInfo, SyncError> {
        let req = EnrollRequest {
            code: code.trim().to_owned(),
            label: label.trim().to_owned(),
        };
        let sent = self.device_now();
        let resp = self.transport.enroll(&req).await.map_err(|e| match e {
            TransportError::Offline(reason) => SyncError::Offline {
                reason,
                retry_in: Duration::ZERO,
            },
            TransportError::Unauthorized(error) | TransportError::Rejected { error, .. } => {
                SyncError::Rejected(error)
            }
        })?;
        let offset = clock::measure(sent, resp.server_time, self.device_now());
        let device = DeviceInfo {
            device_id: resp.device_id,
            token: resp.token,
            role: resp.role,
            township: resp.township,
            label: req.label,
            enrolled_at: Utc::now(),
        };
        self.store
            .put_meta(meta_keys::DEVICE, to_meta(&device))
            .await?;
        self.store
            .put_meta(meta_keys::PULL_CURSOR, to_meta(&0i64))
            .await?;
        self.store.delete_meta(meta_keys::REVOKED).await?;
        self.store.delete_meta(meta_keys::LAST_ERROR).await?;
        clock::remember(&self.store, offset).await?;
        self.failures.set(0);
        Ok(device)
    }

    /// Finalize, the whole workflow the form's button starts: saves `draft` based on its
    /// `revision` (the tab's latest text is saved even when it does not validate; a finalized or
    /// deleted draft is refused, so nothing is queued twice), validates the draft as stored against
    /// the device's newest configuration at `now`, and moves that revision into the outbox in one
    /// atomic step with a fresh v7 id. When another tab saved other text since the tab's revision,
    /// nothing is queued ([`FinalizeError::Changed`]). Then the page triggers a sync run. `now` is
    /// the device's clock: the record keeps it with the offset known now ([`crate::clock`]), and
    /// its id's time is the corrected one.
    pub async fn finalize_draft(
        &self,
        draft: &Draft,
        now: DateTime<Utc>,
    ) -> Result<OutboxRecord, FinalizeError> {
        let saved = self.store.save_draft(draft, None).await?;
        if saved.draft.form != draft.form {
            return Err(FinalizeError::Changed(Box::new(saved)));
        }
        let config = self.store.device_config().await?;
        let payload = validate_draft(&saved.draft, &config, now).map_err(FinalizeError::Invalid)?;
        let offset = clock::known_offset(&self.store).await?;
        let new_id = clock::record_id(now, offset.as_ref());
        let record = self.store.finalize(draft.id, new_id, payload, now).await?;
        // Kept beside the record rather than in it: a crash in between only costs the offset (the
        // server then measures its own, and flags the record).
        let read = lianxin_core::clock::RecordClock::read(now, offset);
        clock::keep_record_clock(&self.store, record.id, &read).await?;
        Ok(record)
    }

    /// Puts a quarantined record back in the queue: the user's explicit "try again".
    pub async fn retry_quarantined(&self, id: Uuid) -> Result<(), StoreError> {
        self.store
            .transition(&[Transition::Requeue(id)], Utc::now())
            .await
    }

    /// One full run: push every queued record, then pull the feed to its end. On success the
    /// store's `last_sync_ok` is set; on failure `last_error` holds the problem, and for
    /// [`SyncError::Offline`] the engine's backoff says when to try again.
    pub async fn sync_once(&self) -> Result<SyncSummary, SyncError> {
        if self.running.replace(true) {
            return Err(SyncError::Busy);
        }
        let _guard = RunGuard(&self.running);
        let mut summary = SyncSummary::default();
        let result = self.run(&mut summary).await;
        self.record_outcome(&result).await;
        result.map(|()| summary)
    }

    /// A run that could not start because the code that runs it is not on this device yet and
    /// could not be fetched (the PWA keeps the engine in a wasm module of its own, loaded on the
    /// first run): counted, backed off and recorded exactly like a run that reached no server,
    /// which is what it amounts to.
    pub async fn unreachable(&self, message: String) -> SyncError {
        let error = self.offline(NoAnswer::EngineUnavailable(message));
        self.record_outcome(&Err(error.clone())).await;
        error
    }

    /// Notes how a run ended in the store: `last_sync_ok` after a good run, `last_error` after a
    /// failed one (which the sync page and the header's indicator show).
    async fn record_outcome(&self, result: &Result<(), SyncError>) {
        match result {
            Ok(()) => {
                self.failures.set(0);
                // The run succeeded; failing to note that is not worth failing the run over.
                let _ = self
                    .store
                    .put_meta(meta_keys::LAST_SYNC_OK, to_meta(&Utc::now()))
                    .await;
                let _ = self.store.delete_meta(meta_keys::LAST_ERROR).await;
            }
            Err(e) => {
                let problem = e.problem(Utc::now());
                let _ = self
                    .store
                    .put_meta(meta_keys::LAST_ERROR, to_meta(&problem))
                    .await;
            }
        }
    }

    fn offline(&self, reason: NoAnswer) -> SyncError {
        let n = self.failures.get().saturating_add(1);
        self.failures.set(n);
        let r = self.jitter.borrow_mut().next_f64();
        SyncError::Offline {
            reason,
            retry_in: backoff_delay(n, r),
        }
    }

    async fn revoked(&self, message: String) -> SyncError {
        if let Err(e) = self
            .store
            .put_meta(meta_keys::REVOKED, serde_json::Value::Bool(true))
            .await
        {
            return e.into();
        }
        SyncError::Revoked(message)
    }

    /// The device's identity, if it may sync: [`SyncError::NotEnrolled`] before an enrollment,
    /// [`SyncError::Revoked`] after a revocation. Every run starts here; a caller may ask first,
    /// as the PWA does before it fetches the engine's code for a run that could do nothing.
    pub async fn enrolled_device(&self) -> Result<DeviceInfo, SyncError> {
        let Some(device) = self.store.device().await? else {
            return Err(SyncError::NotEnrolled);
        };
        if self.store.is_revoked().await? {
            return Err(SyncError::Revoked(
                "the revocation is stored on this device".into(),
            ));
        }
        Ok(device)
    }

    async fn run(&self, summary: &mut SyncSummary) -> Result<(), SyncError> {
        let device = self.enrolled_device().await?;
        // A run holds the only right to push (the in-engine guard here, the Web Lock across
        // tabs), so a record still `sending` now belongs to a push whose answer will never be
        // applied (a crash, a closed tab): it is queued again, and the retry is idempotent.
        summary.requeued += self.store.recover_sending(Utc::now()).await?;
        self.push_all(&device.token, summary).await?;
        self.pull_all(&device.token, summary).await
    }

    async fn push_all(&self, token: &str, summary: &mut SyncSummary) -> Result<(), SyncError> {
        self.link.borrow_mut().start_run();
        let mut done = 0;
        let mut timeouts_in_a_row = 0;
        // JSON size of each record, computed once per run.
        let mut sizes: HashMap<Uuid, usize> = HashMap::new();
        loop {
            // Read again before every push: records finalized meanwhile join this run.
            let queued = self.store.list_outbox(Some(RecordState::Queued)).await?;
            if queued.is_empty() {
                return Ok(());
            }
            let total = done + queued.len();
            let (batch, json_bytes, patience) = self.next_batch(queued, &mut sizes);
            let ids: Vec<Uuid> = batch.iter().map(|r| r.id).collect();
            let marks: Vec<Transition> = ids.iter().map(|&id| Transition::Sending(id)).collect();
            self.store.transition(&marks, Utc::now()).await?;
            self.report(PushProgress {
                done,
                total,
                sending: ids.len(),
            });

            let mut records = Vec::with_capacity(batch.len());
            for r in batch {
                records.push(PushRecord {
                    id: r.id,
                    kind: r.kind,
                    clock: clock::record_clock(&self.store, r.id).await?,
                    payload: r.payload,
                });
            }
            let sent = self.device_now();
            let req = PushRequest {
                records,
                device_now: Some(sent),
            };
            let timeout = self.link.borrow().timeout_for(json_bytes, patience);
            let Timed { result, elapsed } = self.transport.push_within(token, &req, timeout).await;
            let server_time = result.as_ref().ok().and_then(|r| r.server_time);
            clock::remember(
                &self.store,
                clock::measure(sent, server_time, self.device_now()),
            )
            .await?;
            let answer = result
                .map_err(PushFailure::Transport)
                .and_then(|resp| plan_outcomes(&ids, resp).map_err(PushFailure::Malformed))
                .and_then(|t| {
                    crate::plan::check_receipts(&req.records, &t)
                        .map_err(PushFailure::Malformed)?;
                    Ok(t)
                });
            let requeue: Vec<Transition> = ids.iter().map(|&id| Transition::Requeue(id)).collect();
            match answer {
                Ok(transitions) => {
                    self.link
                        .borrow_mut()
                        .answered(ids.len(), json_bytes, elapsed);
                    timeouts_in_a_row = 0;
                    {
                        let mut patience = self.patience.borrow_mut();
                        for id in &ids {
                            patience.remove(id);
                        }
                    }
                    summary.pushed += ids.len();
                    for t in &transitions {
                        match t.target() {
                            RecordState::Sent => summary.sent += 1,
                            RecordState::NeedsEdit => summary.needs_edit += 1,
                            RecordState::Quarantined => summary.quarantined += 1,
                            _ => {}
                        }
                    }
                    self.store.transition(&transitions, Utc::now()).await?;
                    for t in &transitions {
                        if let Transition::Sent { id, .. } = t {
                            clock::forget_record_clock(&self.store, *id).await?;
                        }
                    }
                    done += ids.len();
                    self.report(PushProgress {
                        done,
                        total,
                        sending: 0,
                    });
                }
                Err(PushFailure::Transport(TransportError::Offline(NoAnswer::Timeout))) => {
                    // The link is slower than the engine thought, or stalled. Nothing was
                    // acknowledged (the server may have stored some: their retry is answered
                    // `duplicate`). Retry at once, smaller; a record that timed out alone goes
                    // behind the others and gets more time.
                    self.store.transition(&requeue, Utc::now()).await?;
                    summary.requeued += ids.len();
                    self.link.borrow_mut().timed_out(
                        ids.len(),
                        json_bytes,
                        elapsed.unwrap_or(timeout),
                    );
                    if let [id] = ids[..] {
                        let mut patience = self.patience.borrow_mut();
                        let p = patience.entry(id).or_insert(1);
                        *p = p.saturating_mul(2);
                    }
                    timeouts_in_a_row += 1;
                    if timeouts_in_a_row >= MAX_TIMEOUTS_IN_A_ROW {
                        return Err(self.offline(NoAnswer::Timeout));
                    }
                }
                Err(PushFailure::Transport(TransportError::Rejected { status, error }))
                    if is_too_large(status, &error) =>
                {
                    if ids.len() == 1 {
                        // One record the server can never take as it is (over 2 MiB): it is
                        // set aside with the reason instead of blocking the queue.
                        let t = Transition::Quarantined {
                            id: ids[0],
                            reason: error,
                        };
                        self.store.transition(&[t], Utc::now()).await?;
                        summary.quarantined += 1;
                        done += 1;
                    } else {
                        // The batch as a whole was too large: retry it smaller.
                        self.store.transition(&requeue, Utc::now()).await?;
                        self.link.borrow_mut().too_large(ids.len());
                    }
                }
                Err(failure) => {
                    // No protocol answer for this batch: nothing was acknowledged, so every
                    // record goes back to the queue untouched, and the run ends.
                    self.store.transition(&requeue, Utc::now()).await?;
                    summary.requeued += ids.len();
                    return Err(match failure {
                        // A refusal of the request itself says nothing about the records: keep
                        // them queued and show the problem.
                        PushFailure::Transport(TransportError::Rejected { error, .. }) => {
                            SyncError::Rejected(error)
                        }
                        PushFailure::Transport(TransportError::Unauthorized(error)) => {
                            self.revoked(error.message).await
                        }
                        PushFailure::Transport(TransportError::Offline(reason)) => {
                            self.offline(reason)
                        }
                        // A well-formed answer to another question: as good as none.
                        PushFailure::Malformed(detail) => self.offline(NoAnswer::Protocol {
                            status: 200,
                            detail,
                        }),
                    });
                }
            }
        }
    }

    /// The next push: queued records in order, those that timed out alone last, as many as the
    /// link allows in bytes and records (always at least one). A record that timed out alone
    /// goes alone again, with its patience; returns the batch, its JSON size and the patience.
    fn next_batch(
        &self,
        queued: Vec<OutboxRecord>,
        sizes: &mut HashMap<Uuid, usize>,
    ) -> (Vec<OutboxRecord>, usize, u32) {
        let patience = self.patience.borrow();
        let (max_bytes, max_records) = {
            let link = self.link.borrow();
            (link.batch_bytes(), link.batch_records())
        };
        let (fresh, patient): (Vec<_>, Vec<_>) = queued
            .into_iter()
            .partition(|r| !patience.contains_key(&r.id));
        let mut batch = Vec::new();
        let mut bytes = 0;
        for r in fresh {
            let size = *sizes
                .entry(r.id)
                .or_insert_with(|| serde_json::to_vec(&r.payload).map_or(0, |v| v.len()));
            if !batch.is_empty() && (bytes + size > max_bytes || batch.len() >= max_records) {
                break;
            }
            bytes += size;
            batch.push(r);
        }
        if !batch.is_empty() {
            return (batch, bytes, 1);
        }
        let r = patient
            .into_iter()
            .next()
            .expect("a non-empty queue has a fresh or a patient record");
        let size = serde_json::to_vec(&r.payload).map_or(0, |v| v.len());
        let p = patience.get(&r.id).copied().unwrap_or(1);
        (vec![r], size, p)
    }

    async fn pull_all(&self, token: &str, summary: &mut SyncSummary) -> Result<(), SyncError> {
        let mut cursor = self.store.pull_cursor().await?;
        for _ in 0..MAX_PULL_PAGES {
            let sent = self.device_now();
            let page = match self.transport.pull(token, cursor).await {
                Ok(page) => {
                    let offset = clock::measure(sent, page.server_time, self.device_now());
                    clock::remember(&self.store, offset).await?;
                    page
                }
                Err(TransportError::Offline(reason)) => return Err(self.offline(reason)),
                Err(TransportError::Unauthorized(error)) => {
                    return Err(self.revoked(error.message).await)
                }
                Err(TransportError::Rejected { error, .. }) => {
                    return Err(SyncError::Rejected(error))
                }
            };
            let applied = self.store.apply_pull(&page).await?;
            summary.pulled += page.changes.len();
            summary.campaigns += applied.campaigns;
            summary.statuses += applied.statuses;
            if applied.revoked {
                return Err(SyncError::Revoked(
                    "the pull feed says this device was revoked".into(),
                ));
            }
            // A feed that says "more" without moving forward would loop forever.
            if !page.more || page.cursor <= cursor {
                return Ok(());
            }
            cursor = page.cursor;
        }
        Ok(())
    }
}

/// Whether a refused push was refused for its size (413, or 400 `batch_too_large`).
fn is_too_large(status: u16, error: &ApiError) -> bool {
    status == 413 || error.code == "batch_too_large" || error.code == "body_too_large"
}

enum PushFailure {
    Transport(TransportError),
    Malformed(String),
}

/// Turns a push answer into transitions, or says why the answer is not a well-formed answer to
/// this request (then nothing is marked): one result per record, same ids in the same order, a
/// receipt on every `stored`/`duplicate`.
pub fn plan_outcomes(ids: &[Uuid], resp: PushResponse) -> Result<Vec<Transition>, String> {
    if resp.results.len() != ids.len() {
        return Err(format!(
            "push answer has {} results for {} records",
            resp.results.len(),
            ids.len()
        ));
    }
    let mut out = Vec::with_capacity(ids.len());
    for (id, result) in ids.iter().zip(resp.results) {
        if result.id != *id {
            return Err(format!(
                "push answer names {} where {} was expected",
                result.id, id
            ));
        }
        let t = match result.outcome {
            Outcome::Stored | Outcome::Duplicate => match result.receipt {
                Some(receipt) => Transition::Sent { id: *id, receipt },
                None => return Err(format!("push answer for {id} has no receipt")),
            },
            Outcome::Invalid => Transition::NeedsEdit {
                id: *id,
                error: result.error.unwrap_or_else(|| {
                    ApiError::new("invalid", "the server found the record invalid")
                }),
            },
            Outcome::Conflict => Transition::Quarantined {
                id: *id,
                reason: result.error.unwrap_or_else(|| {
                    ApiError::new(
                        "conflict",
                        "the server holds another record under the same id",
                    )
                }),
            },
        };
        out.push(t);
    }
    Ok(out)
}
