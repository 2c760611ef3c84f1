//! The local record model: drafts, outbox records and their states, receipts with status history,
//! and the metadata a device keeps. Every type here is what a [`crate::Store`] persists, so each is
//! serde-serializable and stable: add optional fields, never rename one (data written by an older
//! app version must still be read by a newer one).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use lianxin_core::protocol::{ApiError, DeviceRole, Receipt, RecordKind, StatusEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A form being edited. Autosave writes it on every edit; nothing about it is sent anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Local id of the draft (v7, so drafts list in creation order).
    pub id: Uuid,
    /// What the draft will become when finalized.
    pub kind: RecordKind,
    /// The form as the UI holds it; becomes the record's payload at finalize.
    pub form: serde_json::Value,
    /// When the draft was started.
    pub created_at: DateTime<Utc>,
    /// Last autosave.
    pub updated_at: DateTime<Utc>,
    /// Set when the server refused the finalized record (`invalid`) and it came back for editing:
    /// the UI shows `problem.message` on `problem.field`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<ApiError>,
    /// The record id it had when it came back from the server. Finalizing again reuses it, so the
    /// outbox entry that showed `needs_edit` is the one that becomes `queued` again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<Uuid>,
    /// How many saves the store has accepted: 1 after the first, one more with each. A save names
    /// the revision it was based on, so the store can tell a save made over an older revision (in
    /// another tab) from one made over the latest, and merge instead of overwriting
    /// ([`crate::plan::plan_save_draft`]). 0: never stored yet, or stored by an app version from
    /// before revisions (its next save is then based on 0, which is what the store holds).
    #[serde(default)]
    pub revision: u64,
}

impl Draft {
    /// A new, empty draft of `kind` with a fresh v7 id.
    pub fn new(kind: RecordKind, form: serde_json::Value) -> Self {
        let now = Utc::now();
        Draft {
            id: Uuid::now_v7(),
            kind,
            form,
            created_at: now,
            updated_at: now,
            problem: None,
            record_id: None,
            revision: 0,
        }
    }
}

/// What is left of a draft that was finalized or deleted: the store refuses every later save of
/// it ([`crate::StoreError::Gone`]), so a tab that still shows it can never bring it back, and it
/// can never be finalized twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftTombstone {
    /// The draft.
    pub draft_id: Uuid,
    /// The outbox record it became, when it was finalized; `None` when it was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<Uuid>,
    /// Its last revision.
    pub revision: u64,
    /// When it went.
    pub at: DateTime<Utc>,
}

impl DraftTombstone {
    /// Whether the draft went to the outbox (else it was deleted).
    pub fn finalized(&self) -> bool {
        self.record_id.is_some()
    }
}

/// What a tab tells the app's other tabs about a draft it saved, finalized or deleted (the
/// browser sends it over a `BroadcastChannel`). Only which draft and which revision: a tab that
/// shows the draft reads the text itself from the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftNotice {
    /// The draft.
    pub draft_id: Uuid,
    /// Its revision now in the store.
    pub revision: u64,
    /// It was finalized or deleted: it is gone from the drafts.
    #[serde(default)]
    pub gone: bool,
}

/// What [`crate::Store::save_draft`] stored: the draft as it is now (with its new revision; the
/// tab shows this and bases its next save on it) and the paths where another tab's text was kept
/// over this save's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftSaved {
    /// The draft as stored.
    pub draft: Draft,
    /// Where this save lost to an earlier one (see [`crate::merge`]).
    pub conflicts: Vec<crate::merge::Conflict>,
}

/// Where a finalized record stands. The life cycle is
/// `queued → sending → sent | needs_edit | quarantined`, with `sending → queued` when a push failed
/// without a protocol answer, and `quarantined → queued` only by an explicit user action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Waiting to be pushed.
    Queued,
    /// In a push whose answer has not been applied yet. Found at start-up, it means the app died
    /// mid-push: it is treated as `queued` (the retry is idempotent by id).
    Sending,
    /// The server acknowledged it (`stored` or `duplicate`); the receipt is kept.
    Sent,
    /// The server refused it as invalid; a draft was restored for editing.
    NeedsEdit,
    /// Refused permanently (a conflict, or a record the server can never accept); kept, shown with
    /// its reason, exportable, never retried automatically.
    Quarantined,
}

impl RecordState {
    /// Every state, in life-cycle order.
    pub const ALL: [RecordState; 5] = [
        RecordState::Queued,
        RecordState::Sending,
        RecordState::Sent,
        RecordState::NeedsEdit,
        RecordState::Quarantined,
    ];

    /// The spelling used on disk (and as the IndexedDB index key).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Queued => "queued",
            RecordState::Sending => "sending",
            RecordState::Sent => "sent",
            RecordState::NeedsEdit => "needs_edit",
            RecordState::Quarantined => "quarantined",
        }
    }

    /// Whether the record still has to reach the server (what "export unsent" exports).
    pub fn is_unsent(self) -> bool {
        self != RecordState::Sent
    }

    /// Whether a record in this state may move to `next` through [`Transition`]. `sent` is final:
    /// nothing may make an acknowledged record look unacknowledged, or lose its receipt.
    pub fn can_become(self, next: RecordState) -> bool {
        use RecordState::*;
        matches!(
            (self, next),
            (Queued, Sending)
                | (Sending, Sent | NeedsEdit | Quarantined | Queued)
                | (Quarantined, Queued)
        )
    }
}

/// A finalized record in the outbox. Its `id` was chosen at finalize and never changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxRecord {
    /// The id pushed to the server; the idempotency key.
    pub id: Uuid,
    /// What the payload is.
    pub kind: RecordKind,
    /// The record as pushed.
    pub payload: serde_json::Value,
    /// The draft it came from (restored under this id if the server says `invalid`).
    pub draft_id: Uuid,
    /// Where it stands.
    pub state: RecordState,
    /// When it was finalized.
    pub finalized_at: DateTime<Utc>,
    /// Last state change.
    pub updated_at: DateTime<Utc>,
    /// How many pushes carried it.
    #[serde(default)]
    pub attempts: u32,
    /// The server's receipt once `sent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    /// Why it is `needs_edit` or `quarantined`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// The revision its draft had when it was finalized; a draft restored from it (`needs_edit`)
    /// gets the next one, so a save based on the finalized revision merges instead of
    /// overwriting the restored text.
    #[serde(default)]
    pub draft_revision: u64,
}

/// One atomic change of an outbox record's state, as applied by [`crate::Store::transition`].
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// `queued → sending`: it is about to be pushed.
    Sending(Uuid),
    /// `sending → sent`: acknowledged with this receipt.
    Sent {
        /// The record.
        id: Uuid,
        /// The server's receipt (the original one for a `duplicate`).
        receipt: Receipt,
    },
    /// `sending → needs_edit`, and the record's payload comes back as a draft with the error.
    NeedsEdit {
        /// The record.
        id: Uuid,
        /// What the server said is wrong.
        error: ApiError,
    },
    /// `sending → quarantined`.
    Quarantined {
        /// The record.
        id: Uuid,
        /// Why.
        reason: ApiError,
    },
    /// `sending → queued` (a push without protocol answer) or `quarantined → queued` (the user
    /// asked to try again).
    Requeue(Uuid),
}

impl Transition {
    /// The record it applies to.
    pub fn id(&self) -> Uuid {
        match self {
            Transition::Sending(id) | Transition::Requeue(id) => *id,
            Transition::Sent { id, .. }
            | Transition::NeedsEdit { id, .. }
            | Transition::Quarantined { id, .. } => *id,
        }
    }

    /// The state it leads to.
    pub fn target(&self) -> RecordState {
        match self {
            Transition::Sending(_) => RecordState::Sending,
            Transition::Sent { .. } => RecordState::Sent,
            Transition::NeedsEdit { .. } => RecordState::NeedsEdit,
            Transition::Quarantined { .. } => RecordState::Quarantined,
            Transition::Requeue(_) => RecordState::Queued,
        }
    }

    /// Applies it to `record` (which must be the record with [`Transition::id`]), or says why not.
    /// Both stores call this, so the rules live in one place.
    pub fn apply(&self, record: &mut OutboxRecord, now: DateTime<Utc>) -> Result<(), String> {
        let next = self.target();
        if !record.state.can_become(next) {
            return Err(format!(
                "record {} cannot go from {} to {}",
                record.id,
                record.state.as_str(),
                next.as_str()
            ));
        }
        record.state = next;
        record.updated_at = now;
        match self {
            Transition::Sending(_) => record.attempts = record.attempts.saturating_add(1),
            Transition::Sent { receipt, .. } => {
                record.receipt = Some(receipt.clone());
                record.error = None;
            }
            Transition::NeedsEdit { error, .. } => record.error = Some(error.clone()),
            Transition::Quarantined { reason, .. } => record.error = Some(reason.clone()),
            Transition::Requeue(_) => record.error = None,
        }
        Ok(())
    }
}

/// The draft a `needs_edit` record comes back as: its payload as the form, the server's error as
/// the problem, the same draft id and the record id kept for the next finalize.
pub fn draft_from_refused(record: &OutboxRecord, error: &ApiError, now: DateTime<Utc>) -> Draft {
    Draft {
        id: record.draft_id,
        kind: record.kind,
        form: record.payload.clone(),
        created_at: record.finalized_at,
        updated_at: now,
        problem: Some(error.clone()),
        record_id: Some(record.id),
        revision: record.draft_revision + 1,
    }
}

/// What the device knows about a record after it was sent: its receipt and every status change the
/// pull feed brought.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptEntry {
    /// The record.
    pub record_id: Uuid,
    /// The registration number (from the receipt or from a status change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_no: Option<String>,
    /// The receipt, once the push answer was applied (a status change can arrive first when a
    /// push answer was lost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    /// Status history, oldest first, without duplicates.
    #[serde(default)]
    pub history: Vec<StatusEvent>,
}

impl ReceiptEntry {
    /// An entry with nothing known yet.
    pub fn empty(record_id: Uuid) -> Self {
        ReceiptEntry {
            record_id,
            registration_no: None,
            receipt: None,
            history: Vec::new(),
        }
    }

    /// Records the receipt of a push answer.
    pub fn set_receipt(&mut self, receipt: &Receipt) {
        if self.registration_no.is_none() {
            self.registration_no.clone_from(&receipt.registration_no);
        }
        self.receipt = Some(receipt.clone());
    }

    /// Adds a status event from the pull feed. Applying the same event twice (a page re-read
    /// after a crash) changes nothing; the history stays sorted by time.
    pub fn add_status(&mut self, registration_no: &str, event: &StatusEvent) -> bool {
        if self.registration_no.is_none() {
            self.registration_no = Some(registration_no.to_owned());
        }
        if self.history.contains(event) {
            return false;
        }
        let at = self.history.partition_point(|e| e.at <= event.at);
        self.history.insert(at, event.clone());
        true
    }

    /// The latest status, if any.
    pub fn current(&self) -> Option<&StatusEvent> {
        self.history.last()
    }
}

/// A quiz attempt kept on the device (for the wrong-answer notebook), whether or not it was pushed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalQuizAttempt {
    /// Local id (also `QuizAttempt::local_id` when pushed).
    pub id: Uuid,
    /// The campaign.
    pub campaign_id: String,
    /// The attempt as the UI keeps it (answers, what was right when the server said so).
    pub attempt: serde_json::Value,
    /// When it was saved.
    pub saved_at: DateTime<Utc>,
}

/// The device's identity after enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The server's id for this device.
    pub device_id: Uuid,
    /// The bearer token.
    pub token: String,
    /// Field tablet or kiosk.
    pub role: DeviceRole,
    /// The device's township.
    pub township: String,
    /// The label given at enrollment.
    pub label: String,
    /// When it was enrolled.
    pub enrolled_at: DateTime<Utc>,
}

/// The last problem a sync run met, for the header's indicator and the sync page. The UI shows
/// it in the user's language from `code` and `params`; `message` is English, for logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredSyncProblem")]
pub struct SyncProblem {
    /// When.
    pub at: DateTime<Utc>,
    /// The family: `offline`, `revoked`, `rejected`, `storage`, `not_enrolled`, `busy`.
    pub kind: String,
    /// What exactly, as [`crate::SyncError::code`] says it (e.g. `timeout`, `quota_exceeded`).
    pub code: String,
    /// The values the translated message needs (e.g. `status` of a `server_error`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, serde_json::Value>,
    /// English, for logs and bug reports; never shown as the UI's text.
    pub message: String,
}

/// [`SyncProblem`] as stored, by this version or by one before codes existed.
#[derive(Deserialize)]
struct StoredSyncProblem {
    at: DateTime<Utc>,
    kind: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    params: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    message: String,
}

impl From<StoredSyncProblem> for SyncProblem {
    fn from(p: StoredSyncProblem) -> Self {
        // A problem stored before codes existed is known by its kind, which is also a code.
        let code = if p.code.is_empty() {
            p.kind.clone()
        } else {
            p.code
        };
        SyncProblem {
            at: p.at,
            kind: p.kind,
            code,
            params: p.params,
            message: p.message,
        }
    }
}

/// Keys of the `meta` store.
pub mod meta_keys {
    /// [`super::DeviceInfo`].
    pub const DEVICE: &str = "device";
    /// The pull cursor (`i64`).
    pub const PULL_CURSOR: &str = "pull_cursor";
    /// When the last sync run finished without a problem.
    pub const LAST_SYNC_OK: &str = "last_sync_ok";
    /// [`super::SyncProblem`] of the last failed run, removed by a good one.
    pub const LAST_ERROR: &str = "last_error";
    /// `true` once the server said the device is revoked; cleared by a new enrollment.
    pub const REVOKED: &str = "revoked";
    /// The newest [`lianxin_core::protocol::DeviceConfig`] the pull feed brought.
    pub const CONFIG: &str = "config";
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use lianxin_core::status::PetitionStatus;

    fn record(state: RecordState) -> OutboxRecord {
        let now = Utc::now();
        OutboxRecord {
            id: Uuid::now_v7(),
            kind: RecordKind::Petition,
            payload: lianxin_core::example::petition_json(),
            draft_id: Uuid::now_v7(),
            state,
            finalized_at: now,
            updated_at: now,
            attempts: 0,
            receipt: None,
            error: None,
            draft_revision: 0,
        }
    }

    fn receipt() -> Receipt {
        Receipt {
            registration_no: Some("CZXF-2026-000001".into()),
            query_code: Some("ABCD2345".into()),
            received_at: Utc::now(),
        }
    }

    #[test]
    fn a_sent_record_can_never_change_state_again() {
        for next in RecordState::ALL {
            assert!(
                !RecordState::Sent.can_become(next),
                "sent → {next:?} must be refused"
            );
        }
    }

    #[test]
    fn only_a_record_being_sent_can_be_marked_sent() {
        let mut queued = record(RecordState::Queued);
        let rc = receipt();
        let t = Transition::Sent {
            id: queued.id,
            receipt: rc.clone(),
        };
        assert!(t.apply(&mut queued, Utc::now()).is_err());
        assert_eq!(queued.state, RecordState::Queued);
        assert!(queued.receipt.is_none());

        let mut sending = record(RecordState::Sending);
        t.apply(&mut sending, Utc::now()).unwrap();
        assert_eq!(sending.state, RecordState::Sent);
        assert_eq!(sending.receipt, Some(rc));
    }

    #[test]
    fn marking_a_record_sending_counts_an_attempt() {
        let mut r = record(RecordState::Queued);
        Transition::Sending(r.id).apply(&mut r, Utc::now()).unwrap();
        Transition::Requeue(r.id).apply(&mut r, Utc::now()).unwrap();
        Transition::Sending(r.id).apply(&mut r, Utc::now()).unwrap();
        assert_eq!(r.attempts, 2);
    }

    #[test]
    fn a_quarantined_record_is_requeued_only_by_an_explicit_requeue() {
        let mut r = record(RecordState::Quarantined);
        assert!(Transition::Sending(r.id).apply(&mut r, Utc::now()).is_err());
        Transition::Requeue(r.id).apply(&mut r, Utc::now()).unwrap();
        assert_eq!(r.state, RecordState::Queued);
    }

    #[test]
    fn a_refused_record_comes_back_as_its_draft_with_the_field_error_and_keeps_its_id() {
        let r = record(RecordState::NeedsEdit);
        let err = ApiError::new("phone_format", "bad phone").with_field("petitioner.phone");
        let d = draft_from_refused(&r, &err, Utc::now());
        assert_eq!(d.id, r.draft_id);
        assert_eq!(d.form, r.payload);
        assert_eq!(
            d.record_id,
            Some(r.id),
            "the retry must reuse the id the server saw"
        );
        assert_eq!(
            d.problem.as_ref().and_then(|p| p.field.as_deref()),
            Some("petitioner.phone")
        );
    }

    #[test]
    fn a_sync_problem_stored_before_codes_existed_still_reads_with_its_kind_as_code() {
        let old = serde_json::json!({"at": "2026-11-30T12:00:00Z", "kind": "offline",
                                     "message": "无法连接服务器"});
        let p: SyncProblem = serde_json::from_value(old).unwrap();
        assert_eq!((p.kind.as_str(), p.code.as_str()), ("offline", "offline"));
        assert!(p.params.is_empty());
        let back: SyncProblem = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn a_status_event_applied_twice_is_kept_once_and_history_stays_in_time_order() {
        let at = |h| Utc.with_ymd_and_hms(2026, 11, 30, h, 0, 0).unwrap();
        let ev = |status, h| StatusEvent {
            status,
            at: at(h),
            department: None,
            note: None,
            deadline: None,
            extension_days: None,
        };
        let mut e = ReceiptEntry::empty(Uuid::now_v7());
        assert!(e.add_status("CZXF-2026-000001", &ev(PetitionStatus::Accepted, 10)));
        assert!(!e.add_status("CZXF-2026-000001", &ev(PetitionStatus::Accepted, 10)));
        assert!(e.add_status("CZXF-2026-000001", &ev(PetitionStatus::Registered, 9)));
        assert_eq!(e.history.len(), 2);
        assert_eq!(e.current().unwrap().status, PetitionStatus::Accepted);
        assert_eq!(e.registration_no.as_deref(), Some("CZXF-2026-000001"));
    }

    #[test]
    fn record_states_are_spelled_in_snake_case_on_disk() {
        for s in RecordState::ALL {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
    }
}
