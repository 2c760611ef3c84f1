//! `/petitions/new`: the registration form (issue "petition registration").

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};
use crate::routes;

/// A new petition; for now what the form will hold.
#[component]
pub fn PetitionNew() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, petition_new.title)) />
        <div class="page" data-testid="page-petition-new">
            <h1>{t!(i18n, petition_new.title)}</h1>
            <p>{t!(i18n, petition_new.explain)}</p>
            <p>
                <A href=routes::PETITIONS attr:class="back-link">{t!(i18n, petition_new.back)}</A>
            </p>
        </div>
    }
}
