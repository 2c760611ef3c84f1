//! Debounced autosave: every edit schedules a save `delay` later (≤ 300 ms); a newer edit replaces
//! the pending one, so a burst of typing costs one IndexedDB write and the last edit is durable
//! within `delay` plus one transaction. [`Autosave::flush`] saves at once (e.g. on `pagehide`).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use lianxin_sync::{Draft, Store, StoreError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::AUTOSAVE_MAX_DELAY;

type OnSaved = Rc<dyn Fn(Result<(), StoreError>)>;

struct State {
    pending: Option<Draft>,
    timer: Option<i32>,
    callback: Option<Closure<dyn FnMut()>>,
}

/// An autosaver for drafts, bound to one store.
pub struct Autosave<S: Store + Clone + 'static> {
    store: S,
    delay: Duration,
    state: Rc<RefCell<State>>,
    on_saved: OnSaved,
}

impl<S: Store + Clone + 'static> Autosave<S> {
    /// Saves to `store` `delay` after the last edit (clamped to [`AUTOSAVE_MAX_DELAY`]); `on_saved` gets
    /// every outcome, so a refused write (storage full) is shown, never lost silently.
    pub fn new(
        store: S,
        delay: Duration,
        on_saved: impl Fn(Result<(), StoreError>) + 'static,
    ) -> Self {
        Autosave {
            store,
            delay: delay.min(AUTOSAVE_MAX_DELAY),
            state: Rc::new(RefCell::new(State {
                pending: None,
                timer: None,
                callback: None,
            })),
            on_saved: Rc::new(on_saved),
        }
    }

    /// Records an edit; the draft is written after the debounce delay.
    pub fn edit(&self, draft: Draft) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let mut st = self.state.borrow_mut();
        st.pending = Some(draft);
        if let Some(t) = st.timer.take() {
            window.clear_timeout_with_handle(t);
        }
        let store = self.store.clone();
        let state = self.state.clone();
        let on_saved = self.on_saved.clone();
        let cb = Closure::<dyn FnMut()>::new(move || {
            let draft = {
                let mut st = state.borrow_mut();
                st.timer = None;
                st.pending.take()
            };
            if let Some(d) = draft {
                let store = store.clone();
                let on_saved = on_saved.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    on_saved(store.put_draft(&d).await);
                });
            }
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

    /// Writes the pending edit now.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let draft = {
            let mut st = self.state.borrow_mut();
            if let (Some(t), Some(w)) = (st.timer.take(), web_sys::window()) {
                w.clear_timeout_with_handle(t);
            }
            st.pending.take()
        };
        match draft {
            Some(d) => {
                let r = self.store.put_draft(&d).await;
                (self.on_saved)(r.clone());
                r
            }
            None => Ok(()),
        }
    }
}
