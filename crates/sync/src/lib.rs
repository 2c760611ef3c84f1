//! The client side of Lianxin's offline-first sync: the life cycle of a local record
//! (draft → queued → sending → sent | needs_edit | quarantined), the [`Store`] contract that keeps
//! records across reloads and crashes, the [`Transport`] contract that reaches the server, the
//! [`SyncEngine`] that moves records between them exactly once, and the backoff policy.
//!
//! Plain Rust on top of `lianxin-core`: it compiles natively (where [`MemoryStore`] and a reqwest
//! transport in the tests run it against a real in-process server) and to wasm32 (where
//! `lianxin-browser` supplies IndexedDB, fetch and Web Locks). It must not depend on web-sys,
//! reqwest, tokio or any UI crate; those belong to the adapters and to dev-dependencies.
//!
//! For the UI, the calls are:
//! - autosave: [`Store::save_draft`] (debounced; merges a save based on an older revision, refuses
//!   one of a finalized or deleted draft), [`Store::list_drafts`], [`Store::delete_draft`];
//! - finalize: [`SyncEngine::finalize_draft`] (saves, validates against [`Store::device_config`],
//!   queues in one atomic step, or [`FinalizeError::Invalid`]), then trigger a run;
//! - errors: every error has a stable `code()` ([`StoreError::code`], [`SyncError::code`],
//!   [`NoAnswer::code`]) that the UI's locale files translate; Display is English, for logs;
//! - sync: [`SyncEngine::start`] once at start-up, [`SyncEngine::sync_once`] on every trigger,
//!   [`SyncError::retry_in`] for the timer;
//! - the indicator and the sync page: [`sync_status`], [`Store::list_outbox`],
//!   [`Store::get_receipt`], [`SyncEngine::retry_quarantined`];
//! - export: [`export_unsent_json`]; enrollment: [`SyncEngine::enroll`].

pub mod backoff;
pub mod clock;
pub mod engine;
pub mod finalize;
pub mod link;
pub mod memory;
pub mod merge;
pub mod model;
pub mod paging;
pub mod plan;
pub mod store;
pub mod transport;

pub use backoff::{backoff_delay, Jitter};
pub use engine::{PushProgress, SyncEngine, SyncError, SyncSummary};
pub use finalize::{validate_draft, FinalizeError, Validated};
pub use link::Link;
pub use memory::MemoryStore;
pub use merge::Conflict;
pub use model::{
    DeviceInfo, Draft, DraftNotice, DraftSaved, DraftTombstone, LocalQuizAttempt, OutboxRecord,
    ReceiptEntry, RecordState, SyncProblem, Transition,
};
pub use paging::{Cursor, DraftOrder, DraftState, Page, PageQuery, SearchKey};
pub use plan::TransitionPlan;
pub use store::{
    export_unsent, export_unsent_json, sync_status, PullApplied, Store, StoreError, SyncStatus,
    UnsentExport,
};
pub use transport::{decode_response, NoAnswer, Timed, Transport, TransportError};
