//! `/settings`: the interface language, and later the device's own settings.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::language_switcher::LanguageSwitcher;
use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};
use crate::routes;

/// Settings.
#[component]
pub fn Settings() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, settings.title)) />
        <div class="page" data-testid="page-settings">
            <h1>{t!(i18n, settings.title)}</h1>
            <section class="panel" aria-labelledby="settings-language">
                <h2 id="settings-language">{t!(i18n, settings.language_section)}</h2>
                <p>{t!(i18n, settings.language_explain)}</p>
                <LanguageSwitcher id="settings-language-select" />
            </section>
            <section class="panel" aria-labelledby="settings-device">
                <h2 id="settings-device">{t!(i18n, settings.device_section)}</h2>
                <p>{t!(i18n, settings.device_explain)}</p>
                <p>
                    <A href=routes::ENROLL attr:class="button">{t!(i18n, settings.enroll_link)}</A>
                </p>
            </section>
        </div>
    }
}
