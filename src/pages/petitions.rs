//! `/petitions`: the drafts on this device, the last changed first. A field tablet shows each
//! one's name and request, searches them by name or phone, filters them by state (draft, needs
//! editing), sorts them by last change or creation (`petition_draft::filter_drafts`), and deletes
//! one after a confirmation; a kiosk shows neutral entries (a time and a state), and links only
//! the draft its user is registering now (`privacy`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use lianxin_sync::{Draft, Store};

use crate::app_state::{use_changes, use_device_role, use_refresh, use_services, use_write_error};
use crate::components::page_title::PageTitle;
use crate::formatting::local_time;
use crate::i18n::{t, t_string, use_i18n};
use crate::petition_draft::{filter_drafts, preview, DraftFilter, DraftOrder};
use crate::privacy::{may_open_draft, shows_personal_data, use_session};
use crate::routes;

/// The list of drafts.
#[component]
pub fn Petitions() -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let changes = use_changes();
    let role = use_device_role();
    let query = RwSignal::new(String::new());
    let filter = RwSignal::new(DraftFilter::default());
    let order = RwSignal::new(DraftOrder::default());
    let deleted = RwSignal::new(false);
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
                } else if shows_personal_data(role.role()) {
                    view! {
                        <ListControls query filter order />
                        {move || {
                            let shown = filter_drafts(list.clone(), &query.get(), filter.get(), order.get());
                            if shown.is_empty() {
                                view! { <p data-testid="drafts-no-match">{t!(i18n, petitions.no_match)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="list">
                                        {shown.into_iter().map(|d| view! { <DraftItem draft=d deleted /> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }
                        }}
                    }
                        .into_any()
                } else {
                    view! {
                        <p class="notice" data-testid="kiosk-note">{t!(i18n, kiosk.list_note)}</p>
                        <ul class="list">
                            {list
                                .into_iter()
                                .map(|d| view! { <NeutralDraftItem draft=d /> })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
            {move || deleted.get().then(|| view! {
                <p role="status" data-testid="draft-deleted">{t!(i18n, petitions.deleted)}</p>
            })}
        </div>
    }
}

/// The field tablet's search, state filter and order.
#[component]
fn ListControls(
    query: RwSignal<String>,
    filter: RwSignal<DraftFilter>,
    order: RwSignal<DraftOrder>,
) -> impl IntoView {
    let i18n = use_i18n();
    let filters = [
        (DraftFilter::All, t_string!(i18n, petitions.filter_all)),
        (DraftFilter::Draft, t_string!(i18n, petitions.filter_draft)),
        (
            DraftFilter::NeedsEdit,
            t_string!(i18n, petitions.filter_needs_edit),
        ),
    ];
    let orders = [
        (DraftOrder::Updated, t_string!(i18n, petitions.sort_updated)),
        (DraftOrder::Created, t_string!(i18n, petitions.sort_created)),
    ];
    view! {
        <div class="list-controls" role="search">
            <div class="field">
                <label for="drafts-search">{t!(i18n, petitions.search)}</label>
                <input id="drafts-search" type="search" data-testid="drafts-search"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="drafts-filter">{t!(i18n, petitions.filter)}</label>
                <select id="drafts-filter" data-testid="drafts-filter"
                    on:change=move |ev| filter.set(DraftFilter::parse(&event_target_value(&ev)))>
                    {filters.into_iter().map(|(f, l)| view! {
                        <option value=f.as_str() selected=move || filter.get() == f>{l}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="drafts-sort">{t!(i18n, petitions.sort)}</label>
                <select id="drafts-sort" data-testid="drafts-sort"
                    on:change=move |ev| order.set(DraftOrder::parse(&event_target_value(&ev)))>
                    {orders.into_iter().map(|(o, l)| view! {
                        <option value=o.as_str() selected=move || order.get() == o>{l}</option>
                    }).collect_view()}
                </select>
            </div>
        </div>
    }
}

/// A draft on a field tablet: its name and request, linked to its form, and a delete button
/// that asks first.
#[component]
fn DraftItem(draft: Draft, deleted: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let refresh = use_refresh();
    let write_error = use_write_error();
    let confirming = RwSignal::new(false);
    let id = draft.id;
    let delete = move |_| {
        let Some(store) = services.store() else {
            return;
        };
        spawn_local(async move {
            let r = store.delete_draft(id).await;
            write_error.note(&r);
            if r.is_ok() {
                // Any tab still showing it stops saving it.
                if let Some(c) = lianxin_browser::DraftChannel::open(|_| {}) {
                    c.announce(&lianxin_sync::DraftNotice {
                        draft_id: id,
                        revision: 0,
                        gone: true,
                    });
                }
                deleted.set(true);
                refresh.run();
            }
        });
    };
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
            {move || if confirming.get() {
                view! {
                    <div class="confirm" role="alertdialog" aria-labelledby=format!("confirm-{id}") data-testid="draft-delete-confirm">
                        <p id=format!("confirm-{id}")>{t!(i18n, petitions.delete_confirm)}</p>
                        <button type="button" class="button button--danger" data-testid="draft-delete-yes" on:click=delete>
                            {t!(i18n, petitions.delete_yes)}
                        </button>
                        " "
                        <button type="button" class="button" data-testid="draft-delete-no" on:click=move |_| confirming.set(false)>
                            {t!(i18n, petitions.delete_no)}
                        </button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="button" data-testid="draft-delete" on:click=move |_| confirming.set(true)>
                        {t!(i18n, petitions.delete)}
                    </button>
                }.into_any()
            }}
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
