//! `/petitions`: the drafts and sent petitions on this device (filled by issue 4's store).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};
use crate::routes;

/// The list of petitions; for now its empty state.
#[component]
pub fn Petitions() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, petitions.title)) />
        <div class="page" data-testid="page-petitions">
            <div class="page__head">
                <h1>{t!(i18n, petitions.title)}</h1>
                <A href=routes::PETITION_NEW attr:class="button button--primary" {..} data-testid="petition-new">
                    {t!(i18n, petitions.new)}
                </A>
            </div>
            <section class="empty" aria-labelledby="petitions-empty">
                <h2 id="petitions-empty">{t!(i18n, petitions.empty_title)}</h2>
                <p>{t!(i18n, petitions.empty)}</p>
            </section>
        </div>
    }
}
