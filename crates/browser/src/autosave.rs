//! Debounced autosave: every edit schedules a save `delay` later (≤ 300 ms); a newer edit replaces
//! the pending one, so a burst of typing costs one IndexedDB write and the last edit is durable
//! within `delay` plus one transaction. [`Autosave::flush`] saves at once (e.g. on `pagehide`).
//!
//! The saver keeps the stored draft its edits are based on (its revision and form) and sends both
//! with every save, so the store can merge a save made while another tab saved
//! ([`lianxin_sync::Store::save_draft`]). Saves of one tab never overlap: an edit that comes while
//! one is being written is written after it, based on its result. Once the store says the draft
//! was finalized or deleted ([`StoreError::Gone`]) the saver stops: nothing more is written.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use lianxin_sync::{Draft, DraftSaved, Store, StoreError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::AUTOSAVE_MAX_DELAY;

/// Hears each save: the draft as it was sent, and what the store made of it.
type OnSaved = Rc<dyn Fn(&Draft, Result<DraftSaved, StoreError>)>;

struct State {
    pending: Option<Draft>,
    base: Draft,
    in_flight: bool,
    stopped: bool,
    timer: Option<i32>,
    callback: Option<Closure<dyn FnMut()>>,
}

/// An autosaver for one draft, bound to one store.
pub struct Autosave<S: Store + Clone + 'static> {
    store: S,
    delay: Duration,
    state: Rc<RefCell<State>>,
    on_saved: OnSaved,
}

impl<S: Store + Clone + 'static> Autosave<S> {
    /// Saves to `store` `delay` after the last edit (clamped to [`AUTOSAVE_MAX_DELAY`]), based on
    /// `base`, the draft as the page read it from the store. `on_saved` gets every outcome with
    /// the draft it concerns, so a refused write (storage full) is shown, never lost silently,
    /// and a merge with another tab's save is shown too.
    pub fn new(
        store: S,
        delay: Duration,
        base: Draft,
        on_saved: impl Fn(&Draft, Result<DraftSaved, StoreError>) + 'static,
    ) -> Self {
        Autosave {
            store,
            delay: delay.min(AUTOSAVE_MAX_DELAY),
            state: Rc::new(RefCell::new(State {
                pending: None,
                base,
                in_flight: false,
                stopped: false,
                timer: None,
                callback: None,
            })),
            on_saved: Rc::new(on_saved),
        }
    }

    /// Records an edit (the draft's form as typed); it is written after the debounce delay.
    pub fn edit(&self, draft: Draft) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let mut st = self.state.borrow_mut();
        if st.stopped {
            return;
        }
        st.pending = Some(draft);
        if let Some(t) = st.timer.take() {
            window.clear_timeout_with_handle(t);
        }
        let store = self.store.clone();
        let state = self.state.clone();
        let on_saved = self.on_saved.clone();
        let cb = Closure::<dyn FnMut()>::new(move || {
            state.borrow_mut().timer = None;
            let (store, state, on_saved) = (store.clone(), state.clone(), on_saved.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = write_pending(&store, &state, &on_saved).await;
            });
        });
        st.timer = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                cb.as_ref().unchecked_ref(),
                self.delay.as_millis() as i32,
            )
            .ok();
        st.callback = Some(cb);
    }

    /// Whether an edit waits to be written.
    pub fn is_pending(&self) -> bool {
        self.state.borrow().pending.is_some()
    }

    /// Whether the store refused the draft as finalized or deleted: nothing more is written.
    pub fn is_stopped(&self) -> bool {
        self.state.borrow().stopped
    }

    /// The stored draft the next save is based on.
    pub fn base(&self) -> Draft {
        self.state.borrow().base.clone()
    }

    /// Another tab saved `stored`, and this tab now shows it: later saves are based on it. An
    /// older revision than the one known changes nothing.
    pub fn rebase(&self, stored: Draft) {
        let mut st = self.state.borrow_mut();
        if stored.revision > st.base.revision {
            st.base = stored;
        }
    }

    /// Stops saving (the page learnt that the draft was finalized or deleted).
    pub fn stop(&self) {
        let mut st = self.state.borrow_mut();
        st.stopped = true;
        st.pending = None;
        if let (Some(t), Some(w)) = (st.timer.take(), web_sys::window()) {
            w.clear_timeout_with_handle(t);
        }
    }

    /// Writes the pending edit now (after the save in flight, if one is).
    pub async fn flush(&self) -> Result<(), StoreError> {
        {
            let mut st = self.state.borrow_mut();
            if let (Some(t), Some(w)) = (st.timer.take(), web_sys::window()) {
                w.clear_timeout_with_handle(t);
            }
        }
        write_pending(&self.store, &self.state, &self.on_saved).await
    }
}

/// Writes the pending edit, then any that came while it was written, one save at a time, each
/// based on the result of the one before.
async fn write_pending<S: Store>(
    store: &S,
    state: &Rc<RefCell<State>>,
    on_saved: &OnSaved,
) -> Result<(), StoreError> {
    loop {
        let (draft, base) = {
            let mut st = state.borrow_mut();
            if st.in_flight || st.stopped {
                // The save in flight writes this edit when it is done.
                return Ok(());
            }
            let Some(mut draft) = st.pending.take() else {
                return Ok(());
            };
            draft.revision = st.base.revision;
            st.in_flight = true;
            (draft, st.base.form.clone())
        };
        let result = store.save_draft(&draft, Some(&base)).await;
        {
            let mut st = state.borrow_mut();
            st.in_flight = false;
            match &result {
                Ok(saved) if saved.draft.revision >= st.base.revision => {
                    st.base = saved.draft.clone();
                }
                Ok(_) => {}
                Err(StoreError::Gone(_)) => {
                    st.stopped = true;
                    st.pending = None;
                }
                Err(_) => {}
            }
        }
        let outcome = result.as_ref().map(drop).map_err(Clone::clone);
        on_saved(&draft, result);
        outcome?;
        // An edit whose timer fired during the save is written now; one still waiting for its
        // timer is written by it.
        let again = {
            let st = state.borrow();
            st.pending.is_some() && st.timer.is_none()
        };
        if !again {
            return Ok(());
        }
    }
}
