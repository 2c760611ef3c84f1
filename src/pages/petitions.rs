//! `/petitions`: the drafts on this device, the last changed first. A field tablet shows each
//! one's name and request, searches them by name or phone, filters them by state (draft, needs
//! editing), sorts them by last change or creation (read a page at a time through the store's
//! indexes, `lianxin_sync::paging`; `paged` loads more on scroll and keeps the place), and deletes
//! one after a confirmation; a kiosk shows neutral entries (a time and a state), and links only
//! the draft its user is registering now (`privacy`).

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use lianxin_sync::paging::{self, DraftState, PageQuery, SearchKey};
use lianxin_sync::{Cursor, Draft, Store};

use super::paged::{near_end, restore_scroll, stored_place, PagedList};
use crate::app_state::{use_changes, use_device_role, use_refresh, use_services, use_write_error};
use crate::components::page_title::PageTitle;
use crate::formatting::local_time;
use crate::i18n::{t, t_string, use_i18n};
use crate::petition_draft::{preview, DraftFilter, DraftOrder};
use crate::privacy::{may_open_draft, shows_personal_data, use_session};
use crate::routes;

/// Where this tab keeps its place in the list (`paged::Place`).
const PLACE_KEY: &str = "lianxin.drafts.place";

/// The store's reading of the list's state filter.
fn state_of(filter: DraftFilter) -> Option<DraftState> {
    match filter {
        DraftFilter::All => None,
        DraftFilter::Draft => Some(DraftState::Draft),
        DraftFilter::NeedsEdit => Some(DraftState::NeedsEdit),
    }
}

/// The store's reading of the list's order.
fn order_of(order: DraftOrder) -> paging::DraftOrder {
    match order {
        DraftOrder::Updated => paging::DraftOrder::Updated,
        DraftOrder::Created => paging::DraftOrder::Created,
    }
}

/// The list of drafts, read a page at a time through the store's indexes in the order shown
/// (see `records::Records`, which reads the same way).
#[component]
pub fn Petitions() -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let changes = use_changes();
    let role = use_device_role();
    let list = PagedList::<Draft>::new(PLACE_KEY);
    let place = stored_place(PLACE_KEY);
    let query = RwSignal::new(place.as_ref().map(|p| p.query.clone()).unwrap_or_default());
    let filter = RwSignal::new(DraftFilter::default());
    let order = RwSignal::new(DraftOrder::default());
    let deleted = RwSignal::new(false);
    let coming_back = StoredValue::new(place);
    let shown_for = StoredValue::new(None::<(String, DraftFilter, DraftOrder)>);
    let reader = move || {
        let personal = shows_personal_data(role.role());
        let search = personal
            .then(|| SearchKey::new(&query.get_untracked()))
            .flatten();
        let state = personal.then(|| state_of(filter.get_untracked())).flatten();
        let order = order_of(order.get_untracked());
        move |after: Option<Cursor>, limit: usize| async move {
            let store = services.store()?;
            let page = PageQuery {
                after,
                limit,
                state,
                search,
            };
            store.page_drafts(order, &page).await.ok()
        }
    };
    Effect::new(move |_| {
        changes.track();
        role.role();
        let shown = (query.get(), filter.get(), order.get());
        if !services.is_open() {
            return;
        }
        // A new search, filter or order starts at the top; any other change reads again as many
        // rows as are shown.
        let same = shown_for.get_value().as_ref() == Some(&shown);
        shown_for.set_value(Some(shown));
        let count = match coming_back.get_value() {
            Some(place) => place.first_read(),
            None if same => list.items.with_untracked(Vec::len),
            None => 0,
        };
        list.reload(count, reader());
    });
    Effect::new(move |_| {
        if list.loaded.get() {
            if let Some(place) = coming_back.try_update_value(Option::take).flatten() {
                restore_scroll(place.y);
            }
        }
    });
    let scroll = window_event_listener(ev::scroll, move |_| {
        if near_end() {
            list.more(reader());
        }
        list.keep_place(query.get_untracked());
    });
    on_cleanup(move || scroll.remove());
    let searching =
        move || !query.with(|q| q.trim().is_empty()) || filter.get() != DraftFilter::All;
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
                if !list.loaded.get() {
                    return ().into_any();
                }
                let empty = list.items.with(Vec::is_empty);
                if empty && !searching() {
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
                        {empty.then(|| view! { <p data-testid="drafts-no-match">{t!(i18n, petitions.no_match)}</p> })}
                    }
                        .into_any()
                } else {
                    view! { <p class="notice" data-testid="kiosk-note">{t!(i18n, kiosk.list_note)}</p> }.into_any()
                }
            }}
            <Show when=move || list.capped.get()>
                <p class="notice" role="status" data-testid="drafts-capped">{t!(i18n, petitions.capped)}</p>
            </Show>
            <ul class="list" data-testid="drafts-list">
                <For each=move || list.items.get() key=|d| (d.id, d.revision, d.updated_at) let:draft>
                    // Reactive: rows restored before the device's role is read must turn into
                    // the field tablet's rows once it is known.
                    {move || {
                        let draft = draft.clone();
                        if shows_personal_data(role.role()) {
                            view! { <DraftItem draft deleted /> }.into_any()
                        } else {
                            view! { <NeutralDraftItem draft /> }.into_any()
                        }
                    }}
                </For>
            </ul>
            <Show when=move || list.next.with(Option::is_some)>
                <button type="button" class="button" data-testid="drafts-more" on:click=move |_| list.more(reader())>
                    {t!(i18n, petitions.more)}
                </button>
            </Show>
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
