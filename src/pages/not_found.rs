//! Any path no route matches.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};
use crate::routes;

/// The not-found page. The server answers unknown paths with `index.html` and 200 (so that deep
/// links work), which makes this page the only place a wrong address is reported.
#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, not_found.title)) />
        <div class="page" data-testid="page-not-found">
            <h1>{t!(i18n, not_found.title)}</h1>
            <p>{t!(i18n, not_found.explain)}</p>
            <p>
                <A href=routes::HOME attr:class="button button--primary">{t!(i18n, not_found.home)}</A>
            </p>
        </div>
    }
}
