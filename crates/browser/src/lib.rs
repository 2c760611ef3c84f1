//! The browser side of Lianxin's offline store and sync: [`IdbStore`] (the `lianxin-sync` `Store`
//! on IndexedDB, with a versioned schema and an upgrade ladder), [`FetchTransport`] (the
//! `Transport` over `fetch`), the Web Locks single-flight guard across tabs ([`with_sync_lock`]),
//! `navigator.storage` helpers, a debounced [`Autosave`], the [`SyncDriver`] that runs the engine
//! on the page's triggers, and the "export unsent records" download.
//!
//! Everything here is wasm32-only; natively [`native`] offers stand-ins under the same names
//! (the in-memory store, an offline transport), so the app's native build needs no copies. It
//! must not depend on Leptos or any UI crate (it is tested with wasm-bindgen-test in headless
//! Chromium without the UI), nor on the server.
//!
//! What the UI does with it, once per page:
//! ```ignore
//! let store = IdbStore::open().await?;                 // keep it (StoredValue::new_local)
//! let _ = request_persistent().await;
//! let sync = SyncDriver::new(SyncEngine::new(store.clone(), FetchTransport::same_origin()));
//! sync.on_event(move |e| set_sync_state(e.clone()));    // header indicator, sync page
//! sync.install_triggers();                             // app start, `online`, timer + backoff
//! // after a finalize and on "立即同步":
//! sync.sync_now();
//! ```
//! (Without the driver: `with_sync_lock(|| engine.sync_once()).await`, `Ok(None)` meaning that
//! another tab is syncing.)

use std::time::Duration;

pub use lianxin_sync::DraftNotice;
use lianxin_sync::{PushProgress, SyncError, SyncSummary};

/// The longest autosave debounce the issue allows: an edit must be durable within 300 ms.
pub const AUTOSAVE_MAX_DELAY: Duration = Duration::from_millis(300);

/// The autosave debounce the app uses. The IndexedDB write after it takes 4–17 ms
/// (BENCHMARKS.md), so the debounce itself stays well below [`AUTOSAVE_MAX_DELAY`]. Defined
/// outside the wasm-only [`autosave`] module so that the app's native build sees it too.
pub const AUTOSAVE_DELAY: Duration = Duration::from_millis(250);

/// What the UI hears about the [`SyncDriver`]'s runs. Plain data, defined outside the wasm-only
/// `driver` module so that the app's native build (its unit tests) uses this same type.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// A run started (show a spinner).
    Started,
    /// A run finished; `next_in` is when the driver will try again by itself, if it will.
    Finished {
        /// The run's outcome.
        result: Result<SyncSummary, SyncError>,
        /// The next automatic run.
        next_in: Option<Duration>,
    },
    /// Another tab holds the sync lock; this tab did nothing.
    Skipped,
    /// A push of the run in progress started or was answered ("12 of 40 sent").
    Progress(PushProgress),
}

#[cfg(target_arch = "wasm32")]
pub mod autosave;
#[cfg(target_arch = "wasm32")]
pub mod broadcast;
#[cfg(target_arch = "wasm32")]
pub mod compress;
#[cfg(target_arch = "wasm32")]
pub mod driver;
#[cfg(target_arch = "wasm32")]
pub mod export;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
#[cfg(target_arch = "wasm32")]
pub mod idb;
#[cfg(target_arch = "wasm32")]
pub mod locks;
#[cfg(target_arch = "wasm32")]
pub mod storage;

#[cfg(target_arch = "wasm32")]
pub use autosave::Autosave;
#[cfg(target_arch = "wasm32")]
pub use broadcast::DraftChannel;
#[cfg(target_arch = "wasm32")]
pub use driver::SyncDriver;
#[cfg(target_arch = "wasm32")]
pub use export::{download, unsent_export_file, ExportFile};
#[cfg(target_arch = "wasm32")]
pub use fetch::FetchTransport;
#[cfg(target_arch = "wasm32")]
pub use idb::{IdbStore, DB_NAME, SCHEMA_VERSION};
#[cfg(target_arch = "wasm32")]
pub use locks::{with_lock_if_available, with_sync_lock, LockError, SYNC_LOCK};
#[cfg(target_arch = "wasm32")]
pub use storage::{estimate, is_persistent, request_persistent, StorageEstimate};

#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(not(target_arch = "wasm32"))]
pub use native::{
    download, estimate, is_persistent, request_persistent, unsent_export_file, Autosave,
    DraftChannel, ExportFile, FetchTransport, IdbStore, StorageEstimate, SyncDriver,
};
