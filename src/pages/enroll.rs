//! `/enroll`: registering this device with its single-use code (issue 4 fills it).

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};

/// Device enrollment; for now what it will ask for.
#[component]
pub fn Enroll() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, enroll.title)) />
        <div class="page" data-testid="page-enroll">
            <h1>{t!(i18n, enroll.title)}</h1>
            <p>{t!(i18n, enroll.explain)}</p>
        </div>
    }
}
