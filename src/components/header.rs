//! The banner at the top of every page: the app's name, the main navigation, and the status
//! of the device (network, sync, language), and on a field tablet whose clock is wrong, the
//! notice that says so.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::clock_notice::ClockNotice;
use crate::components::connectivity_indicator::ConnectivityIndicator;
use crate::components::language_switcher::LanguageSwitcher;
use crate::components::main_nav::MainNav;
use crate::components::sync_indicator::SyncIndicator;
use crate::i18n::{t, use_i18n};
use crate::routes;

/// The page header (`role="banner"` through `<header>` at the top level).
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="header">
            <div class="header__bar">
                <A href=routes::HOME exact=true attr:class="header__brand" {..} data-testid="brand">
                    <img class="header__logo" src="/favicon.svg" alt="" width="32" height="32" />
                    <span>{t!(i18n, app.name)}</span>
                </A>
                <div class="header__status">
                    <ConnectivityIndicator />
                    <SyncIndicator />
                    <LanguageSwitcher id="header-language" compact=true />
                </div>
            </div>
            <MainNav />
            <ClockNotice />
        </header>
    }
}
