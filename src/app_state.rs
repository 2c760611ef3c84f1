//! The app's offline store and sync driver, opened once at start-up, and what the UI shows of
//! them, as small typed contexts that each page takes only when it needs them:
//!
//! - [`Services`]: the store and the sync driver, and whether the store is open;
//! - [`SyncState`]: the sync status (counts, last success, last problem) and whether a run is on;
//! - [`DeviceRoleState`]: whether this device is a field tablet or a kiosk (see `privacy`);
//! - [`WriteError`]: the last refused local write (storage full), shown until a write succeeds;
//! - [`Changes`]: bumped whenever lists may have changed, so pages reload them;
//! - [`Refresh`]: re-reads the above after a local change or a sync run.
//!
//! IndexedDB handles are not `Send`, so the driver lives in a local `StoredValue`. The store,
//! transport, driver and autosave are lianxin-browser's on every target: natively (unit tests,
//! clippy) it offers the in-memory store and a transport that never connects under the same names.

use leptos::prelude::*;
use leptos::task::spawn_local;
use lianxin_core::protocol::DeviceRole;
use lianxin_sync::{sync_status, Store, StoreError, SyncEngine, SyncStatus};

pub use lianxin_browser::{
    download, estimate, is_persistent, request_persistent, unsent_export_file, Autosave,
    FetchTransport as AppTransport, IdbStore as AppStore, SyncDriver, SyncEvent,
};

/// The sync driver over the app's store and transport.
pub type Driver = SyncDriver<AppStore, AppTransport>;

/// Whether the store is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreState {
    /// Opening.
    Opening,
    /// Open and usable.
    Open,
    /// It could not be opened.
    Failed(StoreError),
}

/// The store and the sync driver (a context).
#[derive(Clone, Copy)]
pub struct Services {
    driver: StoredValue<Option<Driver>, LocalStorage>,
    /// Whether the store is open.
    pub state: RwSignal<StoreState>,
}

impl Services {
    /// The driver, once the store is open.
    pub fn driver(&self) -> Option<Driver> {
        self.driver.get_value()
    }

    /// The store, once open.
    pub fn store(&self) -> Option<AppStore> {
        self.driver().map(|d| d.engine().store().clone())
    }

    /// Whether the store is open (tracked).
    pub fn is_open(&self) -> bool {
        self.state.with(|s| *s == StoreState::Open)
    }

    /// Starts a sync run now (after a finalize, "立即同步").
    pub fn sync_now(&self) {
        if let Some(d) = self.driver() {
            d.sync_now();
        }
    }
}

/// What the header and the sync page show of sync (a context).
#[derive(Clone, Copy)]
pub struct SyncState {
    /// The latest sync status (None until first read).
    pub status: RwSignal<Option<SyncStatus>>,
    /// Whether a run is in progress.
    pub running: RwSignal<bool>,
    /// How far the push of the run in progress has come (None between runs).
    pub progress: RwSignal<Option<lianxin_sync::PushProgress>>,
}

impl SyncState {
    /// Whether the device is known not to be enrolled (tracked).
    pub fn not_enrolled(&self) -> bool {
        self.status
            .with(|s| s.as_ref().is_some_and(|s| !s.enrolled))
    }
}

/// The device's role (a context): `None` until the store has been read, then the enrolled
/// device's role, if any.
#[derive(Clone, Copy)]
pub struct DeviceRoleState(RwSignal<Option<Option<DeviceRole>>>);

impl DeviceRoleState {
    /// Whether the store has been read (tracked).
    pub fn known(&self) -> bool {
        self.0.with(Option::is_some)
    }

    /// The enrolled device's role (tracked); `None` while unknown or not enrolled.
    pub fn role(&self) -> Option<DeviceRole> {
        self.0.get().flatten()
    }
}

/// The last refused local write (autosave, finalize), shown until a write succeeds (a context).
/// A refusal is shown, never swallowed.
#[derive(Clone, Copy)]
pub struct WriteError(RwSignal<Option<StoreError>>);

impl WriteError {
    /// The refusal, if the last write was refused (tracked).
    pub fn get(&self) -> Option<StoreError> {
        self.0.get()
    }

    /// Whether the last write was refused (tracked).
    pub fn is_set(&self) -> bool {
        self.0.with(Option::is_some)
    }

    /// Records the outcome of a local write.
    pub fn note(&self, result: &Result<(), StoreError>) {
        match result {
            Ok(()) => {
                if self.0.with_untracked(Option::is_some) {
                    self.0.set(None);
                }
            }
            Err(e) => self.0.set(Some(e.clone())),
        }
    }
}

/// Bumped whenever the drafts or the outbox may have changed (a context).
#[derive(Clone, Copy)]
pub struct Changes(RwSignal<u64>);

impl Changes {
    /// Makes the caller re-run on the next change.
    pub fn track(&self) {
        self.0.track();
    }
}

/// Re-reads the sync status and the device's role, and tells pages that lists may have changed
/// (a context). Called after every local change and every sync run.
#[derive(Clone, Copy)]
pub struct Refresh {
    services: Services,
    sync: SyncState,
    role: DeviceRoleState,
    write: WriteError,
    changes: Changes,
}

impl Refresh {
    /// Re-reads in the background.
    pub fn run(&self) {
        let me = *self;
        spawn_local(async move {
            if let Some(store) = me.services.store() {
                match sync_status(&store).await {
                    Ok(s) => me.sync.status.set(Some(s)),
                    Err(e) => me.write.note(&Err(e)),
                }
                if let Ok(device) = store.device().await {
                    let role = Some(device.map(|d| d.role));
                    if me.role.0.get_untracked() != role {
                        me.role.0.set(role);
                    }
                }
            }
            me.changes.0.update(|n| *n += 1);
        });
    }
}

/// Opens the store, starts the sync driver and provides every context above to the tree.
pub fn provide_app_state() {
    let services = Services {
        driver: StoredValue::new_local(None),
        state: RwSignal::new(StoreState::Opening),
    };
    let sync = SyncState {
        status: RwSignal::new(None),
        running: RwSignal::new(false),
        progress: RwSignal::new(None),
    };
    let refresh = Refresh {
        services,
        sync,
        role: DeviceRoleState(RwSignal::new(None)),
        write: WriteError(RwSignal::new(None)),
        changes: Changes(RwSignal::new(0)),
    };
    provide_context(services);
    provide_context(sync);
    provide_context(refresh.role);
    provide_context(refresh.write);
    provide_context(refresh.changes);
    provide_context(refresh);
    spawn_local(async move {
        match open_store().await {
            Ok(store) => {
                let driver = driver(SyncEngine::new(store, AppTransport::same_origin()));
                driver.on_event(move |e| {
                    match e {
                        SyncEvent::Progress(p) => sync.progress.set(Some(*p)),
                        e => {
                            sync.running.set(matches!(e, SyncEvent::Started));
                            sync.progress.set(None);
                        }
                    }
                    refresh.run();
                });
                services.driver.set_value(Some(driver.clone()));
                services.state.set(StoreState::Open);
                refresh.run();
                driver.install_triggers();
                let _ = request_persistent().await;
            }
            Err(e) => services.state.set(StoreState::Failed(e)),
        }
    });
}

/// The [`Services`] context.
pub fn use_services() -> Services {
    expect_context()
}

/// The [`SyncState`] context.
pub fn use_sync_state() -> SyncState {
    expect_context()
}

/// The [`DeviceRoleState`] context.
pub fn use_device_role() -> DeviceRoleState {
    expect_context()
}

/// The [`WriteError`] context.
pub fn use_write_error() -> WriteError {
    expect_context()
}

/// The [`Changes`] context.
pub fn use_changes() -> Changes {
    expect_context()
}

/// The [`Refresh`] context.
pub fn use_refresh() -> Refresh {
    expect_context()
}

/// Opens IndexedDB in the browser; natively, lianxin-browser's stand-in is the in-memory store.
async fn open_store() -> Result<AppStore, StoreError> {
    #[cfg(target_arch = "wasm32")]
    {
        AppStore::open().await
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Ok(AppStore::new())
    }
}

/// The sync driver over `engine`. In the release build (`split`), the code of a sync run — push,
/// pull, the protocol's JSON — is a wasm module of its own, fetched for the first run of an
/// enrolled device, after the app has painted: starting the app does not wait for it. A module
/// that cannot be fetched (first visit, connection already gone) makes that run an offline one,
/// with the same backoff and the same "连不上服务器" in the header.
fn driver(engine: SyncEngine<AppStore, AppTransport>) -> Driver {
    #[cfg(all(target_arch = "wasm32", feature = "split"))]
    {
        use std::rc::Rc;
        SyncDriver::with_run_once(
            engine,
            Rc::new(|engine| {
                Box::pin(async move {
                    // A device that may not sync (not enrolled yet, revoked) does not fetch the
                    // engine's code for a run that would stop at once.
                    engine.enrolled_device().await?;
                    match split::sync_once(engine).await {
                        Ok(run) => run.await,
                        Err(_) => Err(engine.unreachable("sync module not loaded".into()).await),
                    }
                })
            }),
        )
    }
    #[cfg(not(all(target_arch = "wasm32", feature = "split")))]
    {
        SyncDriver::new(engine)
    }
}

#[cfg(all(target_arch = "wasm32", feature = "split"))]
mod split {
    use super::{AppStore, AppTransport};
    use leptos::wasm_split::{wasm_split, SplitLoaderError};
    use lianxin_browser::driver::RunFuture;
    use lianxin_sync::SyncEngine;

    /// [`SyncEngine::sync_once`], behind the split point: everything only a run reaches moves
    /// into the `sync_engine` module.
    #[wasm_split(sync_engine, fallible, wasm_split_path = ::leptos::wasm_split)]
    pub fn sync_once(
        engine: &SyncEngine<AppStore, AppTransport>,
    ) -> Result<RunFuture<'_>, SplitLoaderError> {
        Ok(Box::pin(engine.sync_once()))
    }
}
