//! `/law`: the offline law reader (issue "quiz campaigns and the law reader").

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};

/// The law reader; for now what it will hold.
#[component]
pub fn Law() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, law.title)) />
        <div class="page" data-testid="page-law">
            <h1>{t!(i18n, law.title)}</h1>
            <p>{t!(i18n, law.explain)}</p>
        </div>
    }
}
