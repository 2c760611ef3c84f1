//! Lianxin (连心) — the offline-first PWA for petition (信访) intake and legal-awareness (普法)
//! quizzes, rendered client-side by Leptos and built to wasm32 by Trunk.
//!
//! This crate is the UI frame: the router and its pages, the header with connectivity and sync
//! state, translations, and the service worker's update banner. Domain rules live in
//! `lianxin-core`; the offline store and sync engine in `lianxin-sync` and `lianxin-browser`.
//! Logic that can be tested without a browser is kept out of the components, in plain modules
//! (`connectivity`, `locale`, `nav`, `update`, `routes`, `errors`, `labels`, `petition_draft`,
//! `privacy`, `formatting`), each with its own unit tests. Every error, state and name the UI
//! shows comes from the locale files: `errors` turns codes into sentences, `labels` wire names
//! into names.

pub mod app_state;
pub mod components;
pub mod connectivity;
pub mod errors;
pub mod formatting;
pub mod i18n;
pub mod labels;
pub mod locale;
pub mod nav;
pub mod pages;
pub mod petition_draft;
pub mod privacy;
pub mod quiz_state;
pub mod routes;
pub mod update;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use leptos_router::Lazy;
use wasm_bindgen::JsCast;

use crate::components::header::Header;
use crate::components::update_banner::UpdateBanner;
use crate::i18n::{t, t_string, use_i18n};
use crate::pages::{home::Home, not_found::NotFound};

/// The whole application: translations, router, header, and one page per route.
#[component]
pub fn App() -> impl IntoView {
    remove_boot_shell();
    // The remembered language if its texts are on hand (main.rs fetches them before mounting);
    // `locale::follow_locale` keeps the choice and `<html lang>` in step from then on.
    i18n::provide_i18n(locale::load_choice());
    view! {
        <Router>
            <Shell />
        </Router>
    }
}

/// Removes index.html's boot shell (`#boot`), painted while the wasm was loading. The shell is a
/// fixed, opaque layer (style/main.css), so the app mounts underneath it unseen; it is taken away
/// two frames later, once the app has been painted: nothing flashes and nothing shifts. (Taken
/// away at once, the browser also dropped its early paint from Largest Contentful Paint.)
fn remove_boot_shell() {
    request_animation_frame(|| {
        request_animation_frame(|| {
            if let Some(boot) = document().get_element_by_id("boot") {
                boot.remove();
            }
        })
    });
}

/// The frame around every page. Its root carries `data-testid="app-ready"`: it exists only once
/// the wasm has started and rendered, which is what the end-to-end "the app boots" test waits for.
///
/// While a page's wasm module is being fetched ([`pages::ModuleLoading`]) a thin bar at the top
/// says that the tap was heard: instant once the module is on the device, but on a first visit
/// over a slow line it can take a second. It shows after 150 ms (style/main.css), so instant
/// navigations show nothing.
#[component]
fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    locale::follow_locale(i18n);
    connectivity::provide_connectivity();
    update::provide_update_state();
    app_state::provide_app_state();
    privacy::Session::provide();
    let services = app_state::use_services();
    let write_error = app_state::use_write_error();
    let loading = pages::ModuleLoading::provide();
    focus_main_after_navigation();

    view! {
        <div class="app" data-testid="app-ready">
            // The router takes the click for itself and the browser never moves the focus to the
            // fragment's target: the link does it (issue 9).
            <a class="skip-link" href="#main" on:click=skip_to_main>
                {t!(i18n, skip_to_content)}
            </a>
            <Header />
            <UpdateBanner />
            {move || match services.state.get() {
                app_state::StoreState::Failed(e) => {
                    let advice = match e {
                        lianxin_sync::StoreError::Blocked(_) => t!(i18n, store.blocked).into_any(),
                        lianxin_sync::StoreError::Closed(_) => t!(i18n, store.closed).into_any(),
                        _ => t!(i18n, store.failed).into_any(),
                    };
                    Some(view! {
                        <div class="banner banner--error" role="alert" data-testid="store-error">
                            <p>{advice}</p>
                            // The English detail, for whoever supports the device.
                            <p class="mono" lang="en">{e.to_string()}</p>
                        </div>
                    })
                }
                _ => None,
            }}
            {move || write_error.get().map(|e| view! {
                <div class="banner banner--error" role="alert" data-testid="write-error">
                    <p>{errors::store_error(i18n.get_locale(), &e)}</p>
                </div>
            })}
            <Show when=move || loading.active()>
                <div
                    class="routing-bar"
                    role="progressbar"
                    aria-label=move || t_string!(i18n, routing)
                    data-testid="routing"
                ></div>
            </Show>
            <main
                id="main"
                class="main"
                tabindex="-1"
                aria-busy=move || loading.active().then_some("true")
            >
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/petitions") view={Lazy::<pages::PetitionsRoute>::new()} />
                    <Route path=path!("/petitions/new") view={Lazy::<pages::PetitionNewRoute>::new()} />
                    <Route path=path!("/petitions/:id") view={Lazy::<pages::PetitionDetailRoute>::new()} />
                    <Route path=path!("/quiz") view={Lazy::<pages::QuizRoute>::new()} />
                    <Route path=path!("/law") view={Lazy::<pages::LawRoute>::new()} />
                    <Route path=path!("/law/xinfang/:article") view={Lazy::<pages::LawRoute>::new()} />
                    <Route path=path!("/sync") view={Lazy::<pages::SyncRoute>::new()} />
                    <Route path=path!("/settings") view={Lazy::<pages::SettingsRoute>::new()} />
                    <Route path=path!("/enroll") view={Lazy::<pages::EnrollRoute>::new()} />
                    <Route path=path!("/records") view={Lazy::<pages::RecordsRoute>::new()} />
                    <Route path=path!("/records/:id") view={Lazy::<pages::RecordRoute>::new()} />
                    <Route path=path!("/query") view={Lazy::<pages::QueryRoute>::new()} />
                </Routes>
            </main>
        </div>
    }
}

/// After a client-side navigation, moves keyboard focus to the top of `<main>`: otherwise focus
/// stays on the link just used, and a screen reader announces nothing of the new page. Not on
/// the first render, where the browser's own focus handling applies.
/// The skip link: moves the focus (and the view) to the main content.
fn skip_to_main(ev: leptos::ev::MouseEvent) {
    ev.prevent_default();
    if let Some(main) = document().get_element_by_id("main") {
        if let Ok(main) = main.dyn_into::<web_sys::HtmlElement>() {
            let _ = main.focus();
        }
    }
}

fn focus_main_after_navigation() {
    let location = use_location();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|p| p != path) {
            if let Some(main) = document().get_element_by_id("main") {
                if let Ok(main) = main.dyn_into::<web_sys::HtmlElement>() {
                    let _ = main.focus();
                }
            }
        }
        path
    });
}
