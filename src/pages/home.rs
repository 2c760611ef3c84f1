//! `/`: what the app is for, and the ways into it.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::app_state::use_sync_state;
use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};
use crate::routes;

/// The home page.
#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync_state();
    let not_enrolled = move || sync.not_enrolled();
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, home.title)) />
        <div class="page" data-testid="page-home">
            <h1>{t!(i18n, home.title)}</h1>
            <p class="lead">{t!(i18n, home.intro)}</p>
            <ul class="cards">
                <li class="card">
                    <A href=routes::PETITION_NEW attr:class="card__link">
                        <span class="card__title">{t!(i18n, home.new_petition)}</span>
                        <span class="card__desc">{t!(i18n, home.new_petition_desc)}</span>
                    </A>
                </li>
                <li class="card">
                    <A href=routes::PETITIONS attr:class="card__link">
                        <span class="card__title">{t!(i18n, home.drafts)}</span>
                        <span class="card__desc">{t!(i18n, home.drafts_desc)}</span>
                    </A>
                </li>
                <li class="card">
                    <A href=routes::QUIZ attr:class="card__link">
                        <span class="card__title">{t!(i18n, home.quiz)}</span>
                        <span class="card__desc">{t!(i18n, home.quiz_desc)}</span>
                    </A>
                </li>
                <li class="card">
                    <A href=routes::LAW attr:class="card__link">
                        <span class="card__title">{t!(i18n, home.law)}</span>
                        <span class="card__desc">{t!(i18n, home.law_desc)}</span>
                    </A>
                </li>
            </ul>
            // After the cards, not above them: whether the device is enrolled is known only once
            // the local store has answered, and a notice appearing above the cards then would
            // push them down under the user's finger (Lighthouse counted CLS 0.054 for it).
            <Show when=not_enrolled>
                <p class="notice" data-testid="enroll-prompt">
                    {t!(i18n, home.enroll_prompt)} " "
                    <A href=routes::ENROLL>{t!(i18n, home.enroll_link)}</A>
                </p>
            </Show>
        </div>
    }
}
