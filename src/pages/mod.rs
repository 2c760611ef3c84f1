//! One module per route. Pages that later issues fill already say, in the current language, what
//! they will hold, so that every route renders something meaningful and accessible today.
//!
//! Every page but home is routed through `lazy_page!`: in the release build its code is a wasm
//! module of its own, fetched when the page is first opened.

pub mod enroll;
pub mod home;
pub mod law;
pub mod not_found;
pub mod paged;
pub mod petition_detail;
pub mod petition_new;
pub mod petitions;
pub mod query;
pub mod quiz;
pub mod record;
pub mod records;
pub mod settings;
pub mod sync;

use leptos::prelude::*;
#[cfg(feature = "split")]
use leptos::wasm_split::wasm_split;
use leptos::wasm_split::SplitLoaderError;
use leptos_router::LazyRoute;

use crate::i18n::{t, use_i18n};

/// Declares the route of a page that is not needed to start the app.
///
/// With the `split` feature (the release build, scripts/build-wasm.mjs), `#[wasm_split]` moves the
/// page's code into a wasm module of its own, fetched when the page is first opened (and
/// precached by the service worker), so the first download is only the frame and the home page.
/// Without it (tests, `cargo check`) the page is built into the one wasm: an unsplit wasm cannot
/// satisfy the split's imports.
///
/// The split is `fallible`: a module that cannot be fetched (first visit, connection gone before
/// the service worker had cached it) shows [`PageLoadFailed`] instead of a panic, which would
/// abort the whole wasm. Leptos's own `#[lazy_route]` panics there, hence this macro.
macro_rules! lazy_page {
    ($route:ident, $file:ident :: $page:ident, $module:ident) => {
        #[doc = concat!("The route of [`", stringify!($file), "::", stringify!($page), "`], loaded on first visit.")]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                let _loading = ModuleLoading::start();
                match $module::load().await {
                    Ok(view) => view,
                    Err(_) => view! { <PageLoadFailed /> }.into_any(),
                }
            }
        }

        mod $module {
            use super::$file::$page;
            use super::*;

            #[cfg(feature = "split")]
            #[wasm_split($module, fallible, wasm_split_path = ::leptos::wasm_split)]
            pub fn load() -> Result<AnyView, SplitLoaderError> {
                Ok(page())
            }

            #[cfg(not(feature = "split"))]
            pub async fn load() -> Result<AnyView, SplitLoaderError> {
                Ok(page())
            }

            fn page() -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(PetitionsRoute, petitions::Petitions, petitions_page);
lazy_page!(
    PetitionNewRoute,
    petition_new::PetitionNew,
    petition_new_page
);
lazy_page!(
    PetitionDetailRoute,
    petition_detail::PetitionDetail,
    petition_detail_page
);
lazy_page!(QuizRoute, quiz::Quiz, quiz_page);
lazy_page!(LawRoute, law::Law, law_page);
lazy_page!(SyncRoute, sync::SyncStatus, sync_page);
lazy_page!(SettingsRoute, settings::Settings, settings_page);
lazy_page!(EnrollRoute, enroll::Enroll, enroll_page);
lazy_page!(RecordsRoute, records::Records, records_page);
// The record page holds the receipt and its QR encoder (`qrcode`): neither is in the first
// download.
lazy_page!(RecordRoute, record::RecordPage, record_page);
lazy_page!(QueryRoute, query::Query, query_page);

/// How many page modules are being fetched right now; the frame shows a progress bar meanwhile.
#[derive(Clone, Copy)]
pub struct ModuleLoading(RwSignal<u32>);

impl ModuleLoading {
    /// Creates the count and provides it to the pages below.
    pub fn provide() -> Self {
        let loading = ModuleLoading(RwSignal::new(0));
        provide_context(loading);
        loading
    }

    /// Whether any page module is on its way.
    pub fn active(self) -> bool {
        self.0.get() > 0
    }

    /// Counts one fetch until the guard is dropped: the module came, failed, or the navigation
    /// was abandoned for another.
    fn start() -> Option<LoadingGuard> {
        let count = use_context::<ModuleLoading>()?.0;
        count.update(|n| *n += 1);
        Some(LoadingGuard(count))
    }
}

/// See [`ModuleLoading::start`].
struct LoadingGuard(RwSignal<u32>);

impl Drop for LoadingGuard {
    fn drop(&mut self) {
        // The page may be gone with its owner by now; then there is nothing left to update.
        self.0.try_update(|n| *n = n.saturating_sub(1));
    }
}

/// Shown in place of a page whose code could not be fetched. Opening the page again retries
/// (a failed fetch is not remembered); reloading does too, and also picks up a newer release.
#[component]
fn PageLoadFailed() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="page" data-testid="page-load-failed">
            <h1>{t!(i18n, page_load_failed.title)}</h1>
            <p role="alert">{t!(i18n, page_load_failed.advice)}</p>
            <button class="button" type="button" on:click=|_| {
                let _ = window().location().reload();
            }>{t!(i18n, page_load_failed.reload)}</button>
        </div>
    }
}
