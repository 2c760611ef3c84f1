//! Service worker registration and the "新版本可用 — 重新加载" flow.
//!
//! A new release's worker installs in the background and then *waits*: `sw.js` never calls
//! `skipWaiting()` by itself, because swapping the worker under a page that is half-way through a
//! petition form would mix two versions of the app. Instead the page shows a banner; the user's
//! click posts `{type: "SKIP_WAITING"}` to the waiting worker, which activates, takes control
//! (`controllerchange`), and only then does the page reload into the new version.
//!
//! [`UpdateState::on`] is that flow as a plain state machine, tested below; the rest of the module
//! wires it to the browser. Registration happens only in release builds (`trunk build --release`),
//! so that `trunk serve` during development never serves stale cached files.

use std::time::Duration;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RegistrationOptions, ServiceWorkerRegistration, ServiceWorkerState};

/// Where the worker is served; generated at build time by `scripts/gen-sw.mjs`.
pub const SERVICE_WORKER_URL: &str = "/sw.js";

/// The message `sw.js` answers with `skipWaiting()`.
pub const SKIP_WAITING: &str = "SKIP_WAITING";

/// How often a long-running page (a kiosk is never reloaded) asks whether a new release exists.
const UPDATE_CHECK_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Where the page stands with respect to a new release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UpdateState {
    /// Nothing newer is known.
    #[default]
    Current,
    /// A new worker is installed and waiting: the banner is shown.
    Waiting,
    /// The user asked for the new version; waiting for the new worker to take control.
    Applying,
    /// The page is reloading; nothing more is to be done.
    Reloading,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateEvent {
    /// A new worker finished installing while an older one controls the page.
    WorkerWaiting,
    /// The user pressed "重新加载". `waiting_worker` tells whether a waiting worker is still there
    /// (another tab may already have activated it).
    ReloadClicked {
        /// Whether `registration.waiting` is set.
        waiting_worker: bool,
    },
    /// `navigator.serviceWorker.controller` changed.
    ControllerChanged,
}

/// What the page must do in response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateAction {
    /// Nothing.
    None,
    /// Post [`SKIP_WAITING`] to the waiting worker.
    PostSkipWaiting,
    /// Reload the page.
    Reload,
}

impl UpdateState {
    /// The state after `event`, and what to do about it.
    pub fn on(self, event: UpdateEvent) -> (UpdateState, UpdateAction) {
        use UpdateAction as A;
        use UpdateEvent as E;
        use UpdateState as S;
        match (self, event) {
            // Once reloading, repeated events (two controllerchange, a double click) do nothing.
            (S::Reloading, _) => (S::Reloading, A::None),
            (S::Current | S::Waiting, E::WorkerWaiting) => (S::Waiting, A::None),
            (S::Applying, E::WorkerWaiting) => (S::Applying, A::None),
            (
                S::Waiting,
                E::ReloadClicked {
                    waiting_worker: true,
                },
            ) => (S::Applying, A::PostSkipWaiting),
            // Another tab already activated the new worker: it controls us too, just reload.
            (
                S::Waiting,
                E::ReloadClicked {
                    waiting_worker: false,
                },
            ) => (S::Reloading, A::Reload),
            (S::Current | S::Applying, E::ReloadClicked { .. }) => (self, A::None),
            (S::Applying, E::ControllerChanged) => (S::Reloading, A::Reload),
            // The first worker of a fresh install claims the page: no new version, no reload.
            // Or another tab applied the update: keep the banner and let the user choose when.
            (S::Current | S::Waiting, E::ControllerChanged) => (self, A::None),
        }
    }

    /// Whether the update banner is shown.
    pub fn banner_visible(self) -> bool {
        matches!(self, UpdateState::Waiting | UpdateState::Applying)
    }

    /// The value of the banner's `data-state` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateState::Current => "current",
            UpdateState::Waiting => "waiting",
            UpdateState::Applying => "applying",
            UpdateState::Reloading => "reloading",
        }
    }
}

/// The update flow as provided to components.
#[derive(Debug, Clone, Copy)]
pub struct UpdateContext {
    state: ReadSignal<UpdateState>,
    set_state: WriteSignal<UpdateState>,
    // A JS object, not `Send`: kept in the local arena.
    registration: StoredValue<Option<ServiceWorkerRegistration>, LocalStorage>,
}

impl UpdateContext {
    /// The current state, tracked.
    pub fn state(self) -> UpdateState {
        self.state.get()
    }

    /// The user pressed "重新加载".
    pub fn apply(self) {
        let waiting_worker = self
            .registration
            .try_with_value(|r| r.as_ref().and_then(|r| r.waiting()).is_some())
            .unwrap_or(false);
        self.dispatch(UpdateEvent::ReloadClicked { waiting_worker });
    }

    fn dispatch(self, event: UpdateEvent) {
        let Some(state) = self.state.try_get_untracked() else {
            return;
        };
        let (next, action) = state.on(event);
        self.set_state.set(next);
        match action {
            UpdateAction::None => {}
            UpdateAction::PostSkipWaiting => self.post_skip_waiting(),
            UpdateAction::Reload => {
                if let Err(err) = window().location().reload() {
                    leptos::logging::warn!("reload failed: {err:?}");
                }
            }
        }
    }

    fn post_skip_waiting(self) {
        let waiting = self
            .registration
            .try_with_value(|r| r.as_ref().and_then(|r| r.waiting()))
            .flatten();
        let Some(worker) = waiting else { return };
        let message = js_sys::Object::new();
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&message, &"type".into(), &SKIP_WAITING.into());
        if let Err(err) = worker.post_message(&message) {
            leptos::logging::warn!("could not message the waiting service worker: {err:?}");
        }
    }
}

/// Creates the update state, provides it as context and, in release builds, registers the
/// service worker.
pub fn provide_update_state() -> UpdateContext {
    let (state, set_state) = signal(UpdateState::Current);
    let ctx = UpdateContext {
        state,
        set_state,
        registration: StoredValue::new_local(None),
    };
    provide_context(ctx);
    if cfg!(not(debug_assertions)) {
        register_service_worker(ctx);
    }
    ctx
}

/// The update flow provided by [`provide_update_state`].
pub fn use_update() -> UpdateContext {
    expect_context::<UpdateContext>()
}

fn register_service_worker(ctx: UpdateContext) {
    let navigator = window().navigator();
    // `navigator.serviceWorker` is undefined outside secure contexts (plain http on another host
    // than localhost); the app then simply runs without offline support.
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return;
    }
    let container = navigator.service_worker();

    // These listeners live as long as the page: the app is mounted once and never unmounted, so
    // handing the closures to the JS garbage collector with `forget` leaks nothing.
    let on_controller_change = Closure::<dyn Fn()>::new(move || {
        ctx.dispatch(UpdateEvent::ControllerChanged);
    });
    let _ = container.add_event_listener_with_callback(
        "controllerchange",
        on_controller_change.as_ref().unchecked_ref(),
    );
    on_controller_change.forget();

    let options = RegistrationOptions::new();
    options.set_scope("/");
    let registering = container.register_with_options(SERVICE_WORKER_URL, &options);

    leptos::task::spawn_local(async move {
        match JsFuture::from(registering).await {
            // A registration that is not an object comes only from a stand-in `register` (test
            // harnesses that block workers resolve it with `undefined`): nothing to watch then.
            Ok(registration) if !registration.is_object() => {
                leptos::logging::warn!("service worker registration returned {registration:?}");
            }
            Ok(registration) => {
                let registration: ServiceWorkerRegistration = registration.unchecked_into();
                ctx.registration.set_value(Some(registration.clone()));
                watch_for_waiting_worker(ctx, registration.clone());
                check_for_updates_periodically(registration);
            }
            Err(err) => leptos::logging::warn!("service worker registration failed: {err:?}"),
        }
    });
}

/// Reports [`UpdateEvent::WorkerWaiting`] for a worker that was already waiting when the page
/// loaded, and for each one that finishes installing later.
fn watch_for_waiting_worker(ctx: UpdateContext, registration: ServiceWorkerRegistration) {
    // Without a controller this is the very first install: there is no older version to replace.
    let controlled = || window().navigator().service_worker().controller().is_some();

    if registration.waiting().is_some() && controlled() {
        ctx.dispatch(UpdateEvent::WorkerWaiting);
    }

    let reg = registration.clone();
    let on_update_found = Closure::<dyn Fn()>::new(move || {
        let Some(installing) = reg.installing() else {
            return;
        };
        let worker = installing.clone();
        let on_state_change = Closure::<dyn Fn()>::new(move || {
            if worker.state() == ServiceWorkerState::Installed && controlled() {
                ctx.dispatch(UpdateEvent::WorkerWaiting);
            }
        });
        installing.set_onstatechange(Some(on_state_change.as_ref().unchecked_ref()));
        on_state_change.forget();
    });
    registration.set_onupdatefound(Some(on_update_found.as_ref().unchecked_ref()));
    on_update_found.forget();
}

/// Browsers look for a new `sw.js` on navigations, but a kiosk or a tablet may keep one page open
/// for days; so ask again every hour and whenever the network comes back.
fn check_for_updates_periodically(registration: ServiceWorkerRegistration) {
    let check = move || {
        if let Ok(promise) = registration.update() {
            // A failed check (offline, server down) is retried at the next occasion.
            leptos::task::spawn_local(async move {
                let _ = JsFuture::from(promise).await;
            });
        }
    };
    let on_online = check.clone();
    let handle = window_event_listener(ev::online, move |_| on_online());
    // The listener lives as long as the page, like the ones above.
    std::mem::forget(handle);
    set_interval(check, UPDATE_CHECK_INTERVAL);
}

#[cfg(test)]
mod tests {
    use super::UpdateAction as A;
    use super::UpdateEvent as E;
    use super::UpdateState as S;

    const CLICK: E = E::ReloadClicked {
        waiting_worker: true,
    };

    #[test]
    fn a_waiting_worker_shows_the_banner() {
        let (state, action) = S::Current.on(E::WorkerWaiting);
        assert_eq!((state, action), (S::Waiting, A::None));
        assert!(state.banner_visible());
    }

    #[test]
    fn the_banner_is_hidden_while_nothing_is_waiting() {
        assert!(!S::Current.banner_visible());
        assert!(!S::Reloading.banner_visible());
    }

    #[test]
    fn clicking_reload_asks_the_waiting_worker_to_skip_waiting_without_reloading_yet() {
        assert_eq!(S::Waiting.on(CLICK), (S::Applying, A::PostSkipWaiting));
    }

    #[test]
    fn the_page_reloads_once_the_new_worker_controls_it() {
        let (state, _) = S::Waiting.on(CLICK);
        assert_eq!(state.on(E::ControllerChanged), (S::Reloading, A::Reload));
    }

    #[test]
    fn the_first_install_claiming_the_page_does_not_reload_it() {
        assert_eq!(S::Current.on(E::ControllerChanged), (S::Current, A::None));
    }

    #[test]
    fn an_update_applied_in_another_tab_keeps_the_banner_until_the_user_chooses() {
        assert_eq!(S::Waiting.on(E::ControllerChanged), (S::Waiting, A::None));
    }

    #[test]
    fn clicking_reload_after_another_tab_activated_the_worker_just_reloads() {
        let click = E::ReloadClicked {
            waiting_worker: false,
        };
        assert_eq!(S::Waiting.on(click), (S::Reloading, A::Reload));
    }

    #[test]
    fn a_double_click_posts_skip_waiting_only_once() {
        let (state, _) = S::Waiting.on(CLICK);
        assert_eq!(state.on(CLICK), (S::Applying, A::None));
    }

    #[test]
    fn a_second_controller_change_does_not_reload_twice() {
        assert_eq!(
            S::Reloading.on(E::ControllerChanged),
            (S::Reloading, A::None)
        );
    }

    #[test]
    fn a_click_without_a_banner_does_nothing() {
        assert_eq!(S::Current.on(CLICK), (S::Current, A::None));
    }
}
