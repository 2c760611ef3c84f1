//! `/quiz`: legal-awareness quiz campaigns (issue "quiz campaigns").

use leptos::prelude::*;

use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};

/// The quiz campaigns; for now what the page will hold and its empty state.
#[component]
pub fn Quiz() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, quiz.title)) />
        <div class="page" data-testid="page-quiz">
            <h1>{t!(i18n, quiz.title)}</h1>
            <p>{t!(i18n, quiz.explain)}</p>
            <p class="empty">{t!(i18n, quiz.empty)}</p>
        </div>
    }
}
