//! `/records`: the petitions finalized on this device (queued, sent, needing an edit, set aside),
//! newest first, each linking to its record page with the receipt and the progress. A field
//! tablet shows each one's name and registration number; a kiosk shows neutral entries (a state
//! and a time) and links only what its user submitted in this tab (`privacy`).

use leptos::ev;
use leptos::prelude::*;
use leptos_router::components::A;
use lianxin_core::protocol::RecordKind;
use lianxin_sync::paging::{PageQuery, SearchKey};
use lianxin_sync::{Cursor, OutboxRecord, Store};

use super::paged::{near_end, restore_scroll, stored_place, PagedList};
use crate::app_state::{use_changes, use_device_role, use_services};
use crate::components::page_title::PageTitle;
use crate::formatting::local_time;
use crate::i18n::{t, t_string, use_i18n};
use crate::labels;
use crate::petition_draft::preview;
use crate::privacy::{may_show_record, shows_personal_data, use_session};
use crate::routes;

/// Where this tab keeps its place in the list (`paged::Place`).
const PLACE_KEY: &str = "lianxin.records.place";

/// The list of records: one page read through the store's index, the next when the reader nears
/// the end, a search through the index of names, phones and registration numbers (field
/// tablets only), and the reader's place kept for when they come back.
#[component]
pub fn Records() -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let changes = use_changes();
    let role = use_device_role();
    let list = PagedList::<OutboxRecord>::new(PLACE_KEY);
    let place = stored_place(PLACE_KEY);
    let query = RwSignal::new(place.as_ref().map(|p| p.query.clone()).unwrap_or_default());
    // The place to come back to, used by the first read only.
    let coming_back = StoredValue::new(place);
    let searched = StoredValue::new(None::<String>);
    let reader = move || {
        let search = if shows_personal_data(role.role()) {
            SearchKey::new(&query.get_untracked())
        } else {
            None
        };
        move |after: Option<Cursor>, limit: usize| async move {
            let store = services.store()?;
            let page = PageQuery {
                after,
                limit,
                state: None,
                search,
            };
            store.page_outbox(RecordKind::Petition, &page).await.ok()
        }
    };
    Effect::new(move |_| {
        changes.track();
        role.role();
        let q = query.get();
        if !services.is_open() {
            return;
        }
        // A new search starts at the top; any other change (a sync run, an edit elsewhere) reads
        // again as many rows as are shown, so the list does not shrink under the reader.
        let same_search = searched.get_value().as_ref() == Some(&q);
        searched.set_value(Some(q));
        let count = match coming_back.get_value() {
            Some(place) => place.first_read(),
            None if same_search => list.items.with_untracked(Vec::len),
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
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, records.title)) />
        <div class="page" data-testid="page-records">
            <h1>{t!(i18n, records.title)}</h1>
            <p>{t!(i18n, records.explain)}</p>
            <Show when=move || shows_personal_data(role.role())>
                <div class="list-controls" role="search">
                    <div class="field">
                        <label for="records-search">{t!(i18n, records.search)}</label>
                        <input id="records-search" type="search" data-testid="records-search"
                            prop:value=move || query.get()
                            on:input=move |ev| query.set(event_target_value(&ev)) />
                    </div>
                </div>
            </Show>
            {move || {
                if !list.loaded.get() {
                    return ().into_any();
                }
                if list.items.with(Vec::is_empty) {
                    return if query.with(|q| q.trim().is_empty()) {
                        view! { <p class="empty" data-testid="records-empty">{t!(i18n, records.empty)}</p> }.into_any()
                    } else {
                        view! { <p data-testid="records-no-match">{t!(i18n, records.no_match)}</p> }.into_any()
                    };
                }
                (!shows_personal_data(role.role())).then(|| view! {
                    <p class="notice" data-testid="kiosk-note">{t!(i18n, kiosk.list_note)}</p>
                }).into_any()
            }}
            <Show when=move || list.capped.get()>
                <p class="notice" role="status" data-testid="records-capped">{t!(i18n, records.capped)}</p>
            </Show>
            <ul class="list" data-testid="records-list">
                <For each=move || list.items.get() key=|r| (r.id, r.updated_at) let:record>
                    <RecordItem record />
                </For>
            </ul>
            <Show when=move || list.next.with(Option::is_some)>
                <button type="button" class="button" data-testid="records-more" on:click=move |_| list.more(reader())>
                    {t!(i18n, records.more)}
                </button>
            </Show>
        </div>
    }
}

/// One record: its state and time; its name and registration number on a field tablet; a link
/// to its page where `privacy::may_show_record` allows.
#[component]
fn RecordItem(record: OutboxRecord) -> impl IntoView {
    let i18n = use_i18n();
    let role = use_device_role();
    let session = use_session();
    let id = record.id;
    let state = record.state;
    let name = preview(&record.payload).0;
    let number = record
        .receipt
        .as_ref()
        .and_then(|r| r.registration_no.clone());
    let personal = move || shows_personal_data(role.role());
    let allowed = move || {
        session
            .own_records
            .with(|own| may_show_record(role.role(), own, id))
    };
    let title = move || {
        if personal() {
            let name = if name.trim().is_empty() {
                t_string!(i18n, petitions.unnamed).to_string()
            } else {
                name.clone()
            };
            match &number {
                Some(no) => format!("{no} · {name}"),
                None => name,
            }
        } else {
            t_string!(i18n, kiosk.entry).to_string()
        }
    };
    view! {
        <li class="list__item" data-testid="record-item" data-state=state.as_str() data-record-id=id.to_string()>
            {move || {
                let title = title.clone();
                if allowed() {
                    view! { <A href=routes::record(id) attr:class="list__title" {..} data-testid="record-link">{title}</A> }.into_any()
                } else {
                    view! { <span class="list__title">{title}</span> }.into_any()
                }
            }}
            <span class=format!("tag tag--{}", state.as_str())>{move || labels::record_state(i18n.get_locale(), state)}</span>
            <span class="list__meta">{t!(i18n, sync.finalized)} " " {local_time(record.finalized_at)}</span>
        </li>
    }
}
