//! [`SyncDriver`]: the sync engine wired to the page's triggers, so the UI only calls
//! [`SyncDriver::sync_now`] (after a finalize, on "立即同步") and listens for [`SyncEvent`]s.
//!
//! - every run holds the cross-tab Web Lock ([`crate::with_sync_lock`]); a tab that finds it
//!   taken skips ([`SyncEvent::Skipped`]), because the other tab pushes the same outbox;
//! - a trigger during a run is not lost: one more run follows the current one;
//! - after a run that reached no server the next try is scheduled by the engine's backoff
//!   (1 s doubling to 5 min, with jitter); after a good run, by the periodic interval; revoked or
//!   not enrolled devices wait for the user; `sync_now` cancels a pending backoff;
//! - [`SyncDriver::install_triggers`] adds the app-start run, the `online` event and the timer;
//! - while a run pushes, [`SyncEvent::Progress`] says how many of how many records are sent.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use lianxin_sync::{Store, SyncEngine, SyncError, SyncSummary, Transport};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::locks::with_sync_lock;
use crate::SyncEvent;

/// Default time between runs while everything works (new campaigns and statuses arrive by pull).
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(5 * 60);

type Listener = Box<dyn Fn(&SyncEvent)>;

/// What one run returns: [`SyncEngine::sync_once`]'s result.
pub type RunFuture<'a> = Pin<Box<dyn Future<Output = Result<SyncSummary, SyncError>> + 'a>>;

/// How the driver performs one run. [`SyncDriver::new`] calls [`SyncEngine::sync_once`]; the PWA's
/// release build passes one to [`SyncDriver::with_run_once`] that first fetches the engine's code,
/// which it keeps out of the wasm the app starts with (src/app_state.rs).
pub type RunOnce<S, T> = Rc<dyn for<'a> Fn(&'a SyncEngine<S, T>) -> RunFuture<'a>>;

struct Inner<S, T> {
    engine: SyncEngine<S, T>,
    run_once: RunOnce<S, T>,
    /// How many `run`s are under way in this tab. A run counts from its first step, which may be
    /// fetching the engine's code, before the engine itself counts as running.
    in_flight: Cell<u32>,
    period: Duration,
    /// Shared with the engine's progress callback, which must not hold the driver itself.
    listeners: Rc<RefCell<Vec<Listener>>>,
    timer: Cell<Option<i32>>,
    again: Cell<bool>,
    timer_cb: RefCell<Option<Closure<dyn FnMut()>>>,
    online_cb: RefCell<Option<Closure<dyn FnMut()>>>,
}

/// The engine plus its triggers. Cheap to clone (shared).
pub struct SyncDriver<S, T> {
    inner: Rc<Inner<S, T>>,
}

impl<S, T> Clone for SyncDriver<S, T> {
    fn clone(&self) -> Self {
        SyncDriver {
            inner: self.inner.clone(),
        }
    }
}

impl<S: Store + 'static, T: Transport + 'static> SyncDriver<S, T> {
    /// Wraps an engine; nothing runs until [`Self::sync_now`] or [`Self::install_triggers`].
    pub fn new(engine: SyncEngine<S, T>) -> Self {
        Self::with_run_once(engine, Rc::new(|engine| Box::pin(engine.sync_once())))
    }

    /// As [`SyncDriver::new`], with every run performed by `run_once` instead of
    /// [`SyncEngine::sync_once`] itself.
    pub fn with_run_once(engine: SyncEngine<S, T>, run_once: RunOnce<S, T>) -> Self {
        let listeners: Rc<RefCell<Vec<Listener>>> = Rc::default();
        let progress = listeners.clone();
        engine.on_progress(move |p| {
            for l in progress.borrow().iter() {
                l(&SyncEvent::Progress(*p));
            }
        });
        SyncDriver {
            inner: Rc::new(Inner {
                engine,
                run_once,
                in_flight: Cell::new(0),
                period: DEFAULT_PERIOD,
                listeners,
                timer: Cell::new(None),
                again: Cell::new(false),
                timer_cb: RefCell::default(),
                online_cb: RefCell::default(),
            }),
        }
    }

    /// Sets the periodic interval (before sharing the driver).
    pub fn with_period(mut self, period: Duration) -> Self {
        if let Some(inner) = Rc::get_mut(&mut self.inner) {
            inner.period = period;
        }
        self
    }

    /// The engine (enroll, finalize, retry_quarantined) and through it the store.
    pub fn engine(&self) -> &SyncEngine<S, T> {
        &self.inner.engine
    }

    /// Calls `f` on every event.
    pub fn on_event(&self, f: impl Fn(&SyncEvent) + 'static) {
        self.inner.listeners.borrow_mut().push(Box::new(f));
    }

    /// App start: recovers records left `sending`, runs once, and from then on runs on every
    /// `online` event and on the timer.
    pub fn install_triggers(&self) {
        if let Some(window) = web_sys::window() {
            let me = self.clone();
            let cb = Closure::<dyn FnMut()>::new(move || me.sync_now());
            let _ = window.add_event_listener_with_callback("online", cb.as_ref().unchecked_ref());
            *self.inner.online_cb.borrow_mut() = Some(cb);
        }
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // A failure here is reported by the run that follows (same store).
            let _ = me.inner.engine.start().await;
            me.run().await;
        });
    }

    /// Runs as soon as possible: now, or right after the run in progress. Cancels a pending
    /// backoff ("立即同步").
    pub fn sync_now(&self) {
        self.cancel_timer();
        if self.inner.in_flight.get() > 0 || self.inner.engine.is_running() {
            self.inner.again.set(true);
            return;
        }
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move { me.run().await });
    }

    /// One run under the cross-tab lock, then the follow-up runs it asked for; the events say how
    /// it went. Awaitable for callers that want to wait (tests, "export after sync").
    pub async fn run(&self) {
        let _in_flight = InFlight::enter(&self.inner.in_flight);
        loop {
            self.inner.again.set(false);
            self.emit(&SyncEvent::Started);
            let engine = &self.inner.engine;
            let run_once = &self.inner.run_once;
            match with_sync_lock(|| run_once(engine)).await {
                Ok(Some(result)) => self.finish(result),
                Ok(None) => {
                    // The other tab's run covers this one; look again after the period.
                    self.schedule(self.inner.period);
                    self.emit(&SyncEvent::Skipped);
                }
                // No Web Locks (very old browser): the in-engine guard and `in_flight` still
                // keep this tab to one run at a time.
                Err(_) => self.finish(run_once(engine).await),
            }
            if !self.inner.again.get() {
                return;
            }
            self.cancel_timer();
        }
    }

    /// Schedules the next run as the result says (the period after a good run, the backoff
    /// after an offline one, none when the user must act) and reports it.
    fn finish(&self, result: Result<SyncSummary, SyncError>) {
        let next_in = match &result {
            Ok(_) => Some(self.inner.period),
            Err(e) => e.retry_in(),
        };
        if let Some(d) = next_in {
            self.schedule(d);
        }
        self.emit(&SyncEvent::Finished { result, next_in });
    }

    fn emit(&self, event: &SyncEvent) {
        for l in self.inner.listeners.borrow().iter() {
            l(event);
        }
    }

    fn cancel_timer(&self) {
        if let (Some(t), Some(w)) = (self.inner.timer.take(), web_sys::window()) {
            w.clear_timeout_with_handle(t);
        }
    }

    fn schedule(&self, delay: Duration) {
        self.cancel_timer();
        let Some(window) = web_sys::window() else {
            return;
        };
        let me = self.clone();
        let cb = Closure::<dyn FnMut()>::new(move || {
            me.inner.timer.set(None);
            me.sync_now();
        });
        let ms = delay.as_millis().min(i32::MAX as u128) as i32;
        if let Ok(t) = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(cb.as_ref().unchecked_ref(), ms)
        {
            self.inner.timer.set(Some(t));
        }
        *self.inner.timer_cb.borrow_mut() = Some(cb);
    }

    /// Stops the timer and the `online` listener (page teardown, tests).
    pub fn stop(&self) {
        self.cancel_timer();
        if let (Some(cb), Some(w)) = (self.inner.online_cb.borrow_mut().take(), web_sys::window()) {
            let _ = w.remove_event_listener_with_callback("online", cb.as_ref().unchecked_ref());
        }
        self.inner.timer_cb.borrow_mut().take();
    }
}

/// Counts a `run` in [`Inner::in_flight`] for as long as it lasts, however it ends.
struct InFlight<'a>(&'a Cell<u32>);

impl<'a> InFlight<'a> {
    fn enter(count: &'a Cell<u32>) -> Self {
        count.set(count.get() + 1);
        InFlight(count)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}
