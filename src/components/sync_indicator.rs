//! The header's sync indicator.
//!
//! This is the slot the sync engine fills (issue 4: records waiting, last successful sync, a
//! problem if any). Until the engine exists it states the one thing that is true: nothing has been
//! synced. It links to the sync page, where the details will be.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, use_i18n};
use crate::routes;

/// The sync state in the header (`data-testid="sync-indicator"`).
#[component]
pub fn SyncIndicator() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <A href=routes::SYNC attr:class="pill pill--sync" {..} data-testid="sync-indicator" data-state="not-synced">
            <span class="pill__icon" aria-hidden="true"></span>
            <span class="visually-hidden">{t!(i18n, sync_indicator.label)} ": "</span>
            {t!(i18n, sync_indicator.not_synced)}
        </A>
    }
}
