//! The contract between the sync engine (and the UI) and wherever records live: IndexedDB in the
//! browser (`lianxin-browser`), [`crate::MemoryStore`] in native tests.
//!
//! Every method that changes more than one thing does so atomically: [`Store::finalize`] removes
//! the draft and adds the outbox record together, [`Store::transition`] applies a whole push answer
//! or none of it, [`Store::apply_pull`] stores a pull page together with its cursor. That is what
//! lets the engine promise "never lost, never doubled" across crashes.

use chrono::{DateTime, Utc};
use lianxin_core::protocol::{ChangeBody, DeviceConfig, PullResponse, RecordKind, StatusEvent};
use lianxin_core::quiz::Campaign;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::finalize::Validated;
use crate::model::{
    meta_keys, DeviceInfo, Draft, DraftSaved, DraftTombstone, LocalQuizAttempt, OutboxRecord,
    ReceiptEntry, RecordState, SyncProblem, Transition,
};
use crate::paging::{DraftOrder, DraftState, Page, PageQuery};

/// Why the store refused an operation. None of these is ever swallowed: the UI shows them, in the
/// user's language, from [`StoreError::code`]; the text inside is English detail for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The browser refused the write because the origin's storage is full.
    #[error("storage quota exceeded; nothing was saved: {0}")]
    QuotaExceeded(String),
    /// Any other refusal to write (disk error, private mode, storage cleared under us).
    #[error("the local database refused the write; nothing was saved: {0}")]
    WriteRefused(String),
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The operation would break the record life cycle (e.g. finalize a draft over a sent record).
    #[error("not allowed in the record's life cycle: {0}")]
    InvalidState(String),
    /// The database is closed, e.g. because a newer version of the app opened it in another tab.
    #[error("the local database was closed (a newer version in another tab?); reload: {0}")]
    Closed(String),
    /// Opening or upgrading the database waits for another tab that keeps an old version open.
    #[error("the database upgrade is blocked by another tab of the app: {0}")]
    Blocked(String),
    /// Stored data could not be read back (written by an unknown version, or damaged).
    #[error("stored data could not be decoded: {0}")]
    Corrupt(String),
    /// A save or finalize of a draft that was finalized or deleted (see the tombstone): refused,
    /// so that it never comes back and is never queued twice.
    #[error("draft {} was {}; it cannot be saved or finalized again", .0.draft_id, if .0.finalized() { "finalized" } else { "deleted" })]
    Gone(DraftTombstone),
    /// Anything else the backend reported.
    #[error("local database error: {0}")]
    Other(String),
}

impl StoreError {
    /// A stable code for the UI's locale files: `quota_exceeded`, `write_refused`, `not_found`,
    /// `invalid_state`, `closed`, `blocked`, `corrupt`, `draft_finalized`, `draft_deleted` or
    /// `other`.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::QuotaExceeded(_) => "quota_exceeded",
            StoreError::WriteRefused(_) => "write_refused",
            StoreError::NotFound(_) => "not_found",
            StoreError::InvalidState(_) => "invalid_state",
            StoreError::Closed(_) => "closed",
            StoreError::Blocked(_) => "blocked",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::Gone(t) if t.finalized() => "draft_finalized",
            StoreError::Gone(_) => "draft_deleted",
            StoreError::Other(_) => "other",
        }
    }
}

/// What [`Store::apply_pull`] changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PullApplied {
    /// Campaigns added or replaced.
    pub campaigns: usize,
    /// Status events that were new.
    pub statuses: usize,
    /// The page said this device was revoked.
    pub revoked: bool,
    /// The page brought a configuration newer than the device's, which is now stored.
    pub config: bool,
}

/// The local store. Methods are `async` and not `Send`: IndexedDB handles live on one thread.
/// Implementations are cheap handles (`Clone` shares the same data), so the UI and the engine
/// can each hold one.
#[allow(async_fn_in_trait)]
pub trait Store {
    // ---- drafts --------------------------------------------------------------------------

    /// Saves a draft, in one transaction, as [`crate::plan::plan_save_draft`] decides:
    /// `draft.revision` is the revision the edits were based on and `base` the form at that
    /// revision. A save based on an older revision than the stored one is merged path by path,
    /// never written over it; one of a finalized or deleted draft is refused
    /// ([`StoreError::Gone`]). Returns the draft as stored (its new revision) and the paths where
    /// another save's text was kept over this one's.
    async fn save_draft(
        &self,
        draft: &Draft,
        base: Option<&serde_json::Value>,
    ) -> Result<DraftSaved, StoreError>;
    /// [`Store::save_draft`] without a base: creates a new draft, or replaces the stored one when
    /// `draft.revision` is the stored revision; any other difference keeps the stored text.
    async fn put_draft(&self, draft: &Draft) -> Result<(), StoreError> {
        self.save_draft(draft, None).await.map(drop)
    }
    /// One draft.
    async fn get_draft(&self, id: Uuid) -> Result<Option<Draft>, StoreError>;
    /// What is left of a finalized or deleted draft, if it is one.
    async fn draft_tombstone(&self, id: Uuid) -> Result<Option<DraftTombstone>, StoreError>;
    /// Every draft, oldest first.
    async fn list_drafts(&self) -> Result<Vec<Draft>, StoreError>;
    /// One page of the drafts list, in `order` (newest first), optionally only one state and
    /// only what a search finds ([`crate::paging`] decides the order, the cursor and the
    /// matching; IndexedDB reads the page through its indexes).
    async fn page_drafts(
        &self,
        order: DraftOrder,
        query: &PageQuery<DraftState>,
    ) -> Result<Page<Draft>, StoreError>;
    /// Removes a draft (discarded by the user) and keeps its tombstone, so that no tab still
    /// showing it saves it back ([`crate::plan::plan_delete_draft`]). Removing a missing draft is
    /// not an error.
    async fn delete_draft(&self, id: Uuid) -> Result<(), StoreError>;

    /// Moves a draft into the outbox in ONE atomic step: afterwards either the draft exists and no
    /// outbox record was added, or the draft is gone and the record is `queued` with `payload`.
    /// The record id is `new_id` unless the draft came back from the server, in which case it
    /// keeps its old id ([`crate::plan::plan_finalize`] decides). Only a payload that
    /// [`crate::finalize::validate_draft`] made from this draft is accepted, so nothing
    /// unvalidated is ever queued; the UI calls [`crate::SyncEngine::finalize_draft`].
    async fn finalize(
        &self,
        draft_id: Uuid,
        new_id: Uuid,
        payload: Validated,
        now: DateTime<Utc>,
    ) -> Result<OutboxRecord, StoreError>;

    // ---- outbox --------------------------------------------------------------------------

    /// Outbox records, oldest finalized first, optionally only those in `state`.
    async fn list_outbox(
        &self,
        state: Option<RecordState>,
    ) -> Result<Vec<OutboxRecord>, StoreError>;
    /// One page of the records list: outbox records of `kind`, finalized last first, optionally
    /// only one state and only what a search finds (name, phone, registration number).
    async fn page_outbox(
        &self,
        kind: RecordKind,
        query: &PageQuery<RecordState>,
    ) -> Result<Page<OutboxRecord>, StoreError>;
    /// How many outbox records are in `state`. The header's indicator asks after every change;
    /// IndexedDB answers it from its state index without reading a single record.
    async fn count_outbox(&self, state: RecordState) -> Result<usize, StoreError> {
        Ok(self.list_outbox(Some(state)).await?.len())
    }
    /// One outbox record.
    async fn get_record(&self, id: Uuid) -> Result<Option<OutboxRecord>, StoreError>;
    /// Applies every transition or none (one push answer is one call). A `Sent` transition also
    /// writes the receipt; a `NeedsEdit` transition also restores the record as a draft.
    async fn transition(
        &self,
        changes: &[Transition],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Every `sending` record back to `queued` ([`crate::plan::plan_recover_sending`]); called once at start-up, because a record found
    /// `sending` then belonged to a push whose answer never arrived. Returns how many.
    async fn recover_sending(&self, now: DateTime<Utc>) -> Result<usize, StoreError>;

    // ---- what the server sent ------------------------------------------------------------

    /// The receipt and status history of a record.
    async fn get_receipt(&self, record_id: Uuid) -> Result<Option<ReceiptEntry>, StoreError>;
    /// Every quiz campaign received.
    async fn list_campaigns(&self) -> Result<Vec<Campaign>, StoreError>;
    /// Applies one page of the pull feed and stores its cursor, atomically (see [`plan_pull`]).
    async fn apply_pull(&self, page: &PullResponse) -> Result<PullApplied, StoreError>;

    // ---- quiz attempts kept on the device -----------------------------------------------

    /// Saves a local quiz attempt.
    async fn put_quiz_attempt(&self, attempt: &LocalQuizAttempt) -> Result<(), StoreError>;
    /// Every local quiz attempt, oldest first.
    async fn list_quiz_attempts(&self) -> Result<Vec<LocalQuizAttempt>, StoreError>;

    // ---- metadata ------------------------------------------------------------------------

    /// A metadata value (see [`meta_keys`]).
    async fn get_meta(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError>;
    /// Sets a metadata value.
    async fn put_meta(&self, key: &str, value: serde_json::Value) -> Result<(), StoreError>;
    /// Removes a metadata value.
    async fn delete_meta(&self, key: &str) -> Result<(), StoreError>;

    // ---- typed metadata (provided) -------------------------------------------------------

    /// The enrolled device, if any.
    async fn device(&self) -> Result<Option<DeviceInfo>, StoreError> {
        get_typed(self, meta_keys::DEVICE).await
    }
    /// The pull cursor (0 before the first pull).
    async fn pull_cursor(&self) -> Result<i64, StoreError> {
        Ok(get_typed(self, meta_keys::PULL_CURSOR).await?.unwrap_or(0))
    }
    /// When the last sync run finished without a problem.
    async fn last_sync_ok(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        get_typed(self, meta_keys::LAST_SYNC_OK).await
    }
    /// The problem of the last failed sync run.
    async fn last_error(&self) -> Result<Option<SyncProblem>, StoreError> {
        get_typed(self, meta_keys::LAST_ERROR).await
    }
    /// Whether the server revoked this device.
    async fn is_revoked(&self) -> Result<bool, StoreError> {
        Ok(get_typed(self, meta_keys::REVOKED).await?.unwrap_or(false))
    }
    /// The configuration drafts are validated against: the newest the pull feed brought, or the
    /// one built into the app before the first arrives.
    async fn device_config(&self) -> Result<DeviceConfig, StoreError> {
        Ok(get_typed(self, meta_keys::CONFIG)
            .await?
            .unwrap_or_else(DeviceConfig::builtin))
    }
}

async fn get_typed<S: Store + ?Sized, T: DeserializeOwned>(
    store: &S,
    key: &str,
) -> Result<Option<T>, StoreError> {
    match store.get_meta(key).await? {
        None => Ok(None),
        Some(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("meta {key}: {e}"))),
    }
}

/// Serializes a value for [`Store::put_meta`].
pub fn to_meta<T: Serialize>(value: &T) -> serde_json::Value {
    // Our meta types (numbers, strings, plain structs) always serialize.
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// What one pull page asks a store to write, in order. Both stores apply it the same way.
#[derive(Debug, Default)]
pub struct PullPlan<'a> {
    /// Campaigns to put (each replaces its stored copy).
    pub campaigns: Vec<&'a Campaign>,
    /// Status events: record, registration number, event.
    pub statuses: Vec<(Uuid, &'a str, &'a StatusEvent)>,
    /// The device was revoked.
    pub revoked: bool,
    /// The newest configuration on the page; store it only if [`PullPlan::config_to_store`]
    /// says so.
    pub config: Option<&'a DeviceConfig>,
    /// The cursor to store.
    pub cursor: i64,
}

impl<'a> PullPlan<'a> {
    /// The configuration to write, given the one the store holds: the page's, when the store has
    /// none yet or the page's version is higher. A device never goes back to an older version
    /// (a feed re-read after a crash, an old change replayed).
    pub fn config_to_store(&self, stored: Option<&DeviceConfig>) -> Option<&'a DeviceConfig> {
        self.config
            .filter(|new| stored.is_none_or(|old| new.version > old.version))
    }
}

/// Splits a pull page into what to write. Changes are applied in feed order; a later version of
/// the same campaign on one page wins, and of several configurations the highest version. A
/// change this version does not know is skipped; the cursor still moves past it.
pub fn plan_pull(page: &PullResponse) -> PullPlan<'_> {
    let mut plan = PullPlan {
        cursor: page.cursor,
        ..PullPlan::default()
    };
    for change in &page.changes {
        match &change.body {
            ChangeBody::Campaign { campaign } => {
                plan.campaigns.retain(|c| c.id != campaign.id);
                plan.campaigns.push(campaign);
            }
            ChangeBody::PetitionStatus {
                record_id,
                registration_no,
                event,
            } => {
                plan.statuses.push((*record_id, registration_no, event));
            }
            ChangeBody::DeviceRevoked {} => plan.revoked = true,
            ChangeBody::Config { config } => {
                if plan.config.is_none_or(|c| config.version > c.version) {
                    plan.config = Some(config);
                }
            }
            ChangeBody::Unknown => {}
        }
    }
    plan
}

/// The header's sync indicator, read from a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// Whether the device is enrolled.
    pub enrolled: bool,
    /// Whether the server revoked it.
    pub revoked: bool,
    /// Records waiting to be sent (`queued` or `sending`).
    pub waiting: usize,
    /// Records back among drafts for editing.
    pub needs_edit: usize,
    /// Records kept aside.
    pub quarantined: usize,
    /// Records acknowledged.
    pub sent: usize,
    /// Last sync without a problem.
    pub last_sync_ok: Option<DateTime<Utc>>,
    /// The last problem, if the last run had one.
    pub last_error: Option<SyncProblem>,
}

/// Reads the indicator's numbers: counts, never the records themselves (a tablet keeps thousands
/// of sent ones).
pub async fn sync_status<S: Store + ?Sized>(store: &S) -> Result<SyncStatus, StoreError> {
    Ok(SyncStatus {
        enrolled: store.device().await?.is_some(),
        revoked: store.is_revoked().await?,
        waiting: store.count_outbox(RecordState::Queued).await?
            + store.count_outbox(RecordState::Sending).await?,
        needs_edit: store.count_outbox(RecordState::NeedsEdit).await?,
        quarantined: store.count_outbox(RecordState::Quarantined).await?,
        sent: store.count_outbox(RecordState::Sent).await?,
        last_sync_ok: store.last_sync_ok().await?,
        last_error: store.last_error().await?,
    })
}

/// The file an administrator receives when a device can no longer reach the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnsentExport {
    /// Always `lianxin-unsent-v1`.
    pub format: String,
    /// When it was exported.
    pub exported_at: DateTime<Utc>,
    /// The device, if enrolled (without its token).
    pub device_id: Option<Uuid>,
    /// The device's township.
    pub township: Option<String>,
    /// Every record not acknowledged by the server, with its state and reason.
    pub records: Vec<OutboxRecord>,
}

/// Name of the export format.
pub const EXPORT_FORMAT: &str = "lianxin-unsent-v1";

/// Collects every unsent record (queued, sending, needs_edit, quarantined) for export. The token
/// is never exported.
pub async fn export_unsent<S: Store + ?Sized>(store: &S) -> Result<UnsentExport, StoreError> {
    let device = store.device().await?;
    let records = store
        .list_outbox(None)
        .await?
        .into_iter()
        .filter(|r| r.state.is_unsent())
        .collect();
    Ok(UnsentExport {
        format: EXPORT_FORMAT.to_owned(),
        exported_at: Utc::now(),
        device_id: device.as_ref().map(|d| d.device_id),
        township: device.map(|d| d.township),
        records,
    })
}

/// [`export_unsent`] as pretty JSON, ready for a download.
pub async fn export_unsent_json<S: Store + ?Sized>(store: &S) -> Result<String, StoreError> {
    let export = export_unsent(store).await?;
    serde_json::to_string_pretty(&export).map_err(|e| StoreError::Other(e.to_string()))
}
