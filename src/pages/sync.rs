//! `/sync`: every outbox record and its state (issue 4 fills it).

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};

/// The sync status page; for now what it will hold and its empty state.
#[component]
pub fn SyncStatus() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, sync.title)) />
        <div class="page" data-testid="page-sync">
            <h1>{t!(i18n, sync.title)}</h1>
            <p>{t!(i18n, sync.explain)}</p>
            <p class="empty">{t!(i18n, sync.empty)}</p>
        </div>
    }
}
