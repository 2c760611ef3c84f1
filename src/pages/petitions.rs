//! `/petitions`: the drafts on this device, newest first. A field tablet shows each one's name
//! and request; a kiosk shows neutral entries (a time and a state), and links only the draft its
//! user is registering now (`privacy`).

use leptos::prelude::*;
use leptos_router::components::A;
use lianxin_sync::{Draft, Store};

use crate::app_state::{use_changes, use_device_role, use_services};
use crate::components::page_title::PageTitle;
use crate::formatting::local_time;
use crate::i18n::{t, t_string, use_i18n};
use crate::petition_draft::preview;
use crate::privacy::{may_open_draft, shows_personal_data, use_session};
use crate::routes;

/// The list of drafts.
#[component]
pub fn Petitions() -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let changes = use_changes();
    let role = use_device_role();
    let drafts = LocalResource::new(move || {
        changes.track();
        services.state.track();
        async move {
            let store = services.store()?;
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
                    let personal = shows_personal_data(role.role());
                    view! {
                        {(!personal).then(|| view! { <p class="notice" data-testid="kiosk-note">{t!(i18n, kiosk.list_note)}</p> })}
                        <ul class="list">
                            {list
                                .into_iter()
                                .map(|d| if personal {
                                    view! { <DraftItem draft=d /> }.into_any()
                                } else {
                                    view! { <NeutralDraftItem draft=d /> }.into_any()
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

/// A draft on a field tablet: its name and request, linked to its form.
#[component]
fn DraftItem(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let id = draft.id;
    let (name, request) = preview(&draft.form);
    let name = if name.trim().is_empty() {
        t_string!(i18n, petitions.unnamed).to_string()
    } else {
        name
    };
    view! {
        <li class="list__item" data-testid="draft-item" data-draft-id=id.to_string()>
            <A href=routes::petition(id) attr:class="list__link">
                <span class="list__title">{name}</span>
                <span class="list__desc">{request}</span>
                <DraftMeta draft=draft.clone() />
            </A>
        </li>
    }
}

/// A draft on a kiosk: when it was last changed and whether it needs editing, nothing of its
/// content; linked only if it is the one this tab's user is registering.
#[component]
fn NeutralDraftItem(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let role = use_device_role();
    let session = use_session();
    let id = draft.id;
    let own = move || may_open_draft(role.role(), session.own_draft.get(), id);
    let meta = draft.clone();
    view! {
        <li class="list__item" data-testid="draft-item" data-draft-id=id.to_string()>
            <span class="list__title">{t!(i18n, kiosk.entry)}</span>
            <DraftMeta draft=meta />
            <Show when=own>
                <A href=routes::petition(id) attr:class="button">{t!(i18n, kiosk.resume)}</A>
            </Show>
        </li>
    }
}

/// When a draft was last changed, and whether it came back for editing.
#[component]
fn DraftMeta(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class="list__meta">
            {t!(i18n, petitions.updated)} " "
            <time datetime=draft.updated_at.to_rfc3339()>{local_time(draft.updated_at)}</time>
            {draft.problem.is_some().then(|| view! {
                " · " <strong class="tag tag--warn">{t!(i18n, petitions.needs_edit)}</strong>
            })}
        </span>
    }
}
