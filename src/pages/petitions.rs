//! `/petitions`: the drafts on this device, newest first.

use leptos::prelude::*;
use leptos_router::components::A;
use lianxin_sync::Store;

use crate::app_state::{local_time, use_app_state};
use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};
use crate::petition_form::preview;
use crate::routes;

/// The list of drafts.
#[component]
pub fn Petitions() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app_state();
    let drafts = LocalResource::new(move || {
        app.changes.track();
        app.store_state.track();
        async move {
            let store = app.store()?;
            let mut list = store.list_drafts().await.ok()?;
            list.sort_by_key(|d| std::cmp::Reverse(d.updated_at));
            Some(list)
        }
    });
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, petitions.title)) />
        <div class="page" data-testid="page-petitions">
            <div class="page__head">
                <h1>{t!(i18n, petitions.title)}</h1>
                <A href=routes::PETITION_NEW attr:class="button button--primary" {..} data-testid="petition-new">
                    {t!(i18n, petitions.new)}
                </A>
            </div>
            {move || {
                let list = drafts.get().flatten().unwrap_or_default();
                if list.is_empty() {
                    view! {
                        <section class="empty" aria-labelledby="petitions-empty">
                            <h2 id="petitions-empty">{t!(i18n, petitions.empty_title)}</h2>
                            <p>{t!(i18n, petitions.empty)}</p>
                        </section>
                    }
                        .into_any()
                } else {
                    view! {
                        <ul class="list">
                            {list
                                .into_iter()
                                .map(|d| {
                                    let (name, request) = preview(&d.form);
                                    let name = if name.trim().is_empty() {
                                        t_string!(i18n, petitions.unnamed).to_string()
                                    } else {
                                        name
                                    };
                                    view! {
                                        <li class="list__item" data-testid="draft-item" data-draft-id=d.id.to_string()>
                                            <A href=routes::petition(d.id) attr:class="list__link">
                                                <span class="list__title">{name}</span>
                                                <span class="list__desc">{request}</span>
                                                <span class="list__meta">
                                                    {t!(i18n, petitions.updated)} " "
                                                    <time datetime=d.updated_at.to_rfc3339()>{local_time(d.updated_at)}</time>
                                                    {d.problem.is_some().then(|| view! {
                                                        " · " <strong class="tag tag--warn">{t!(i18n, petitions.needs_edit)}</strong>
                                                    })}
                                                </span>
                                            </A>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
