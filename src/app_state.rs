//! The app's offline store and sync driver, opened once at start-up and shared with every page
//! through a `Copy` context ([`AppState`]). IndexedDB handles are not `Send`, so they live in a
//! local `StoredValue`; what the UI renders (sync status, write errors) lives in signals.
//!
//! Natively (unit tests, clippy) the same API runs on the in-memory store with a transport that
//! never connects, so that the components compile on every target.

use leptos::prelude::*;
use leptos::task::spawn_local;
use lianxin_sync::{sync_status, StoreError, SyncEngine, SyncStatus};

pub use lianxin_browser::SyncEvent;
pub use platform::{
    download, estimate, is_persistent, request_persistent, unsent_export_file, AppStore,
    AppTransport, Autosave, SyncDriver,
};

#[cfg(target_arch = "wasm32")]
mod platform {
    pub use lianxin_browser::{
        download, estimate, is_persistent, request_persistent, unsent_export_file, Autosave,
        FetchTransport as AppTransport, IdbStore as AppStore, SyncDriver,
    };
    use lianxin_sync::SyncEngine;

    /// Opens the IndexedDB store.
    pub async fn open_store() -> Result<AppStore, lianxin_sync::StoreError> {
        AppStore::open().await
    }

    /// The transport to this origin's server.
    pub fn transport() -> AppTransport {
        AppTransport::same_origin()
    }

    /// The sync driver over `engine`. In the release build (`split`), the code of a sync run —
    /// push, pull, the protocol's JSON — is a wasm module of its own, fetched for the first run
    /// of an enrolled device, after the app has painted: starting the app does not wait for it.
    /// A module that cannot be fetched (first visit, connection already gone) makes that run an
    /// offline one, with the same backoff and the same "连不上服务器" in the header.
    pub fn driver(
        engine: SyncEngine<AppStore, AppTransport>,
    ) -> SyncDriver<AppStore, AppTransport> {
        #[cfg(feature = "split")]
        {
            use std::rc::Rc;
            SyncDriver::with_run_once(
                engine,
                Rc::new(|engine| {
                    Box::pin(async move {
                        // A device that may not sync (not enrolled yet, revoked) does not fetch
                        // the engine's code for a run that would stop at once.
                        engine.enrolled_device().await?;
                        match split::sync_once(engine).await {
                            Ok(run) => run.await,
                            Err(_) => Err(engine.unreachable(MODULE_UNAVAILABLE.into()).await),
                        }
                    })
                }),
            )
        }
        #[cfg(not(feature = "split"))]
        {
            SyncDriver::new(engine)
        }
    }

    /// The sync error of a run whose module could not be fetched.
    #[cfg(feature = "split")]
    const MODULE_UNAVAILABLE: &str =
        "同步程序还没有下载到本机，联网后自动重试。(sync module not loaded)";

    #[cfg(feature = "split")]
    mod split {
        use super::{AppStore, AppTransport};
        use leptos::wasm_split::{wasm_split, SplitLoaderError};
        use lianxin_browser::driver::RunFuture;
        use lianxin_sync::SyncEngine;

        /// [`SyncEngine::sync_once`], behind the split point: everything only a run reaches
        /// moves into the `sync_engine` module.
        #[wasm_split(sync_engine, fallible, wasm_split_path = ::leptos::wasm_split)]
        pub fn sync_once(
            engine: &SyncEngine<AppStore, AppTransport>,
        ) -> Result<RunFuture<'_>, SplitLoaderError> {
            Ok(Box::pin(engine.sync_once()))
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod platform {
    //! Native stand-ins with the browser adapters' signatures; never run in the browser.
    use std::time::Duration;

    use lianxin_browser::SyncEvent;

    use lianxin_core::protocol::{
        EnrollRequest, EnrollResponse, PullResponse, PushRequest, PushResponse,
    };
    use lianxin_sync::{Draft, Store, StoreError, SyncEngine, Transport, TransportError};

    /// The in-memory store.
    pub type AppStore = lianxin_sync::MemoryStore;

    /// Opens the in-memory store.
    pub async fn open_store() -> Result<AppStore, StoreError> {
        Ok(AppStore::new())
    }

    /// A transport that is always offline.
    #[derive(Debug, Clone, Default)]
    pub struct AppTransport;

    /// The offline transport.
    pub fn transport() -> AppTransport {
        AppTransport
    }

    /// The driver over `engine`.
    pub fn driver(
        engine: SyncEngine<AppStore, AppTransport>,
    ) -> SyncDriver<AppStore, AppTransport> {
        SyncDriver::new(engine)
    }

    impl Transport for AppTransport {
        async fn enroll(&self, _: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
            Err(TransportError::Offline("native".into()))
        }
        async fn push(&self, _: &str, _: &PushRequest) -> Result<PushResponse, TransportError> {
            Err(TransportError::Offline("native".into()))
        }
        async fn pull(&self, _: &str, _: i64) -> Result<PullResponse, TransportError> {
            Err(TransportError::Offline("native".into()))
        }
    }

    /// As `lianxin_browser::SyncDriver`, without triggers.
    pub struct SyncDriver<S, T>(std::rc::Rc<SyncEngine<S, T>>);

    impl<S, T> Clone for SyncDriver<S, T> {
        fn clone(&self) -> Self {
            SyncDriver(self.0.clone())
        }
    }

    impl<S: Store, T: Transport> SyncDriver<S, T> {
        /// Wraps the engine.
        pub fn new(engine: SyncEngine<S, T>) -> Self {
            SyncDriver(std::rc::Rc::new(engine))
        }
        /// The engine.
        pub fn engine(&self) -> &SyncEngine<S, T> {
            &self.0
        }
        /// No events natively.
        pub fn on_event(&self, _f: impl Fn(&SyncEvent) + 'static) {}
        /// No triggers natively.
        pub fn install_triggers(&self) {}
        /// Nothing natively.
        pub fn sync_now(&self) {}
    }

    /// As `lianxin_browser::Autosave`, saving on flush only.
    pub struct Autosave<S> {
        store: S,
        pending: std::cell::RefCell<Option<Draft>>,
        on_saved: Box<dyn Fn(Result<(), StoreError>)>,
    }

    impl<S: Store + Clone + 'static> Autosave<S> {
        /// A saver.
        pub fn new(
            store: S,
            _delay: Duration,
            on_saved: impl Fn(Result<(), StoreError>) + 'static,
        ) -> Self {
            Autosave {
                store,
                pending: Default::default(),
                on_saved: Box::new(on_saved),
            }
        }
        /// Records an edit.
        pub fn edit(&self, draft: Draft) {
            *self.pending.borrow_mut() = Some(draft);
        }
        /// Saves the pending edit.
        pub async fn flush(&self) -> Result<(), StoreError> {
            let d = self.pending.borrow_mut().take();
            match d {
                Some(d) => {
                    let r = self.store.put_draft(&d).await;
                    (self.on_saved)(r.clone());
                    r
                }
                None => Ok(()),
            }
        }
    }

    /// As `lianxin_browser::StorageEstimate`.
    #[derive(Debug, Clone, Copy)]
    pub struct StorageEstimate {
        /// Bytes used.
        pub usage: f64,
        /// Bytes allowed.
        pub quota: f64,
    }

    /// Not natively.
    pub async fn estimate() -> Result<StorageEstimate, String> {
        Err("native".into())
    }
    /// Not natively.
    pub async fn is_persistent() -> Result<bool, String> {
        Err("native".into())
    }
    /// Not natively.
    pub async fn request_persistent() -> Result<bool, String> {
        Err("native".into())
    }

    /// As `lianxin_browser::ExportFile`.
    pub struct ExportFile {
        /// Name.
        pub filename: String,
        /// Records.
        pub records: usize,
    }

    /// Not natively.
    pub async fn unsent_export_file<S: Store + ?Sized>(
        _store: &S,
    ) -> Result<ExportFile, StoreError> {
        Err(StoreError::Other("native".into()))
    }

    /// Not natively.
    pub fn download(_file: &ExportFile) -> Result<(), String> {
        Err("native".into())
    }
}

/// The sync driver over the app's store and transport.
pub type Driver = SyncDriver<AppStore, AppTransport>;

/// Whether the store is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreState {
    /// Opening.
    Opening,
    /// Open and usable.
    Open,
    /// It could not be opened; the message says what to do.
    Failed(StoreError),
}

/// Shared app services (`Copy`; the non-`Send` handles stay in a local `StoredValue`).
#[derive(Clone, Copy)]
pub struct AppState {
    driver: StoredValue<Option<Driver>, LocalStorage>,
    /// Whether the store is open.
    pub store_state: RwSignal<StoreState>,
    /// The latest sync status (None until first read).
    pub status: RwSignal<Option<SyncStatus>>,
    /// Whether a run is in progress.
    pub running: RwSignal<bool>,
    /// The last refused local write (e.g. storage full), shown until a write succeeds.
    pub write_error: RwSignal<Option<String>>,
    /// The last run's error message, if the last run failed.
    pub run_error: RwSignal<Option<String>>,
    /// Bumped whenever the outbox may have changed (pages reload their lists on it).
    pub changes: RwSignal<u64>,
}

impl AppState {
    /// The driver, once the store is open.
    pub fn driver(&self) -> Option<Driver> {
        self.driver.get_value()
    }

    /// The store, once open.
    pub fn store(&self) -> Option<AppStore> {
        self.driver().map(|d| d.engine().store().clone())
    }

    /// Re-reads the sync status and tells pages that lists may have changed.
    pub fn refresh(&self) {
        let me = *self;
        spawn_local(async move {
            if let Some(store) = me.store() {
                match sync_status(&store).await {
                    Ok(s) => me.status.set(Some(s)),
                    Err(e) => me.write_error.set(Some(e.to_string())),
                }
            }
            me.changes.update(|n| *n += 1);
        });
    }

    /// Records the outcome of a local write (autosave, finalize): a refusal is shown, never
    /// swallowed.
    pub fn note_write(&self, result: &Result<(), StoreError>) {
        match result {
            Ok(()) => {
                if self.write_error.with_untracked(Option::is_some) {
                    self.write_error.set(None);
                }
            }
            Err(e) => self.write_error.set(Some(e.to_string())),
        }
    }

    /// Starts a sync run now (after a finalize, "立即同步").
    pub fn sync_now(&self) {
        if let Some(d) = self.driver() {
            d.sync_now();
        }
    }
}

/// Opens the store, starts the sync driver and provides [`AppState`] to the tree.
pub fn provide_app_state() -> AppState {
    let state = AppState {
        driver: StoredValue::new_local(None),
        store_state: RwSignal::new(StoreState::Opening),
        status: RwSignal::new(None),
        running: RwSignal::new(false),
        write_error: RwSignal::new(None),
        run_error: RwSignal::new(None),
        changes: RwSignal::new(0),
    };
    provide_context(state);
    spawn_local(async move {
        match platform::open_store().await {
            Ok(store) => {
                let driver = platform::driver(SyncEngine::new(store, platform::transport()));
                driver.on_event(move |e| {
                    match e {
                        SyncEvent::Started => state.running.set(true),
                        SyncEvent::Finished { result, .. } => {
                            state.running.set(false);
                            state
                                .run_error
                                .set(result.as_ref().err().map(ToString::to_string));
                        }
                        SyncEvent::Skipped => state.running.set(false),
                    }
                    state.refresh();
                });
                state.driver.set_value(Some(driver.clone()));
                state.store_state.set(StoreState::Open);
                state.refresh();
                driver.install_triggers();
                let _ = request_persistent().await;
            }
            Err(e) => state.store_state.set(StoreState::Failed(e)),
        }
    });
    state
}

/// The [`AppState`] provided by [`provide_app_state`].
pub fn use_app_state() -> AppState {
    expect_context::<AppState>()
}

/// A time for people: local date and time to the minute.
pub fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // Written out rather than `format("%Y-%m-%d %H:%M")`: chrono's strftime interpreter is about
    // 10 kB of wasm that nothing else in the app needs.
    let t = t.with_timezone(&chrono::Local);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// Bytes for people (KB/MB/GB).
pub fn human_bytes(b: f64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = b.max(0.0);
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    // Rounded in integers: float formatting (`{:.1}`) alone costs about 10 kB of wasm.
    if u == 0 {
        format!("{} {}", v.round() as u64, UNITS[u])
    } else {
        let tenths = (v * 10.0).round() as u64;
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn bytes_read_in_the_largest_unit() {
        assert_eq!(human_bytes(512.0), "512 B");
        assert_eq!(human_bytes(1536.0), "1.5 KB");
        assert_eq!(human_bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GB");
        assert_eq!(human_bytes(1023.96 * 1024.0), "1024.0 KB");
        assert_eq!(human_bytes(-5.0), "0 B");
    }

    #[test]
    fn local_time_reads_as_date_and_minutes() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:59Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let shown = super::local_time(t);
        let expected = t
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M")
            .to_string();
        assert_eq!(shown, expected);
    }
}
