//! "新版本可用 — 重新加载": shown while a new release's service worker waits.

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::update::{use_update, UpdateState};

/// The update banner (`data-testid="update-banner"`, button `data-testid="update-reload"`).
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let i18n = use_i18n();
    let update = use_update();
    view! {
        <Show when=move || update.state().banner_visible()>
            <div class="update-banner" role="status" data-testid="update-banner" data-state=move || update.state().as_str()>
                <p class="update-banner__text">{t!(i18n, update.available)}</p>
                <button
                    type="button"
                    class="button button--primary"
                    data-testid="update-reload"
                    disabled=move || update.state() == UpdateState::Applying
                    on:click=move |_| update.apply()
                >
                    {t!(i18n, update.reload)}
                </button>
            </div>
        </Show>
    }
}
