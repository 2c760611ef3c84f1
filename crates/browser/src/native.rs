//! What the crate offers on native targets, so that the app's native builds (its unit tests,
//! clippy) compile against the same names and signatures as in the browser, without copies of
//! them in the app: [`IdbStore`] is the in-memory store, [`FetchTransport`] never reaches a
//! server, the [`SyncDriver`] has no triggers, [`Autosave`] writes only when flushed, and the
//! storage and export helpers answer "not available". Nothing here ever runs in a browser.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use lianxin_core::protocol::{
    EnrollRequest, EnrollResponse, PullResponse, PushRequest, PushResponse,
};
use lianxin_sync::{Draft, DraftSaved, Store, StoreError, SyncEngine, Transport, TransportError};

use crate::SyncEvent;

/// The in-memory store stands in for IndexedDB.
pub type IdbStore = lianxin_sync::MemoryStore;

/// The transport, natively one that is always offline.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

impl FetchTransport {
    /// As in the browser; natively it reaches nothing.
    pub fn same_origin() -> Self {
        FetchTransport
    }
}

impl Transport for FetchTransport {
    async fn enroll(&self, _: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        Err(TransportError::Offline("no network natively".into()))
    }
    async fn push(&self, _: &str, _: &PushRequest) -> Result<PushResponse, TransportError> {
        Err(TransportError::Offline("no network natively".into()))
    }
    async fn pull(&self, _: &str, _: i64) -> Result<PullResponse, TransportError> {
        Err(TransportError::Offline("no network natively".into()))
    }
}

/// The browser's `SyncDriver` API without triggers: nothing runs by itself.
pub struct SyncDriver<S, T>(Rc<SyncEngine<S, T>>);

impl<S, T> Clone for SyncDriver<S, T> {
    fn clone(&self) -> Self {
        SyncDriver(self.0.clone())
    }
}

impl<S: Store + 'static, T: Transport + 'static> SyncDriver<S, T> {
    /// Wraps an engine.
    pub fn new(engine: SyncEngine<S, T>) -> Self {
        SyncDriver(Rc::new(engine))
    }

    /// The engine (enroll, finalize, retry_quarantined) and through it the store.
    pub fn engine(&self) -> &SyncEngine<S, T> {
        &self.0
    }

    /// No runs natively, so no events.
    pub fn on_event(&self, _f: impl Fn(&SyncEvent) + 'static) {}

    /// No triggers natively.
    pub fn install_triggers(&self) {}

    /// Nothing runs natively.
    pub fn sync_now(&self) {}

    /// Nothing to stop natively.
    pub fn stop(&self) {}
}

/// The browser's `Autosave` API; natively an edit is written only by [`Autosave::flush`].
pub struct Autosave<S: Store + Clone + 'static> {
    store: S,
    pending: RefCell<Option<Draft>>,
    base: RefCell<Draft>,
    stopped: std::cell::Cell<bool>,
    on_saved: OnSaved,
}

/// Hears each save: the draft as it was sent, and what the store made of it.
type OnSaved = Box<dyn Fn(&Draft, Result<DraftSaved, StoreError>)>;

impl<S: Store + Clone + 'static> Autosave<S> {
    /// A saver to `store`, based on `base`; `on_saved` hears every outcome.
    pub fn new(
        store: S,
        _delay: Duration,
        base: Draft,
        on_saved: impl Fn(&Draft, Result<DraftSaved, StoreError>) + 'static,
    ) -> Self {
        Autosave {
            store,
            pending: RefCell::new(None),
            base: RefCell::new(base),
            stopped: std::cell::Cell::new(false),
            on_saved: Box::new(on_saved),
        }
    }

    /// Records an edit.
    pub fn edit(&self, draft: Draft) {
        if !self.stopped.get() {
            *self.pending.borrow_mut() = Some(draft);
        }
    }

    /// Whether an edit waits to be written.
    pub fn is_pending(&self) -> bool {
        self.pending.borrow().is_some()
    }

    /// Whether the store refused the draft as finalized or deleted.
    pub fn is_stopped(&self) -> bool {
        self.stopped.get()
    }

    /// The stored draft the next save is based on.
    pub fn base(&self) -> Draft {
        self.base.borrow().clone()
    }

    /// Later saves are based on `stored`, when it is newer.
    pub fn rebase(&self, stored: Draft) {
        if stored.revision > self.base.borrow().revision {
            *self.base.borrow_mut() = stored;
        }
    }

    /// Stops saving.
    pub fn stop(&self) {
        self.stopped.set(true);
        self.pending.borrow_mut().take();
    }

    /// Writes the pending edit now.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let Some(mut draft) = self.pending.borrow_mut().take() else {
            return Ok(());
        };
        let base = self.base();
        draft.revision = base.revision;
        let result = self.store.save_draft(&draft, Some(&base.form)).await;
        match &result {
            Ok(saved) => self.rebase(saved.draft.clone()),
            Err(StoreError::Gone(_)) => self.stop(),
            Err(_) => {}
        }
        let outcome = result.as_ref().map(drop).map_err(Clone::clone);
        (self.on_saved)(&draft, result);
        outcome
    }
}

/// The browser's drafts channel; natively there are no other tabs to tell.
pub struct DraftChannel;

impl DraftChannel {
    /// Natively there is no channel.
    pub fn open(_on_notice: impl Fn(lianxin_sync::DraftNotice) + 'static) -> Option<DraftChannel> {
        None
    }

    /// Tells nobody.
    pub fn announce(&self, _notice: &lianxin_sync::DraftNotice) {}
}

/// The browser's storage estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageEstimate {
    /// Bytes used.
    pub usage: f64,
    /// Bytes the origin may use.
    pub quota: f64,
}

/// No storage estimate natively.
pub async fn estimate() -> Result<StorageEstimate, String> {
    Err(NATIVE.into())
}

/// No persistent storage natively.
pub async fn is_persistent() -> Result<bool, String> {
    Err(NATIVE.into())
}

/// No persistent storage natively.
pub async fn request_persistent() -> Result<bool, String> {
    Err(NATIVE.into())
}

/// The "export unsent records" file, without its Blob natively.
pub struct ExportFile {
    /// The suggested file name.
    pub filename: String,
    /// How many records it holds.
    pub records: usize,
}

/// No export file natively.
pub async fn unsent_export_file<S: Store + ?Sized>(_store: &S) -> Result<ExportFile, StoreError> {
    Err(StoreError::Other(NATIVE.into()))
}

/// No downloads natively.
pub fn download(_file: &ExportFile) -> Result<(), String> {
    Err(NATIVE.into())
}

const NATIVE: &str = "not available outside the browser";
