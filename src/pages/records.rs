//! `/records`: the petitions finalized on this device (queued, sent, needing an edit, set aside),
//! newest first, each linking to its record page with the receipt and the progress. A field
//! tablet shows each one's name and registration number; a kiosk shows neutral entries (a state
//! and a time) and links only what its user submitted in this tab (`privacy`).

use leptos::prelude::*;
use leptos_router::components::A;
use lianxin_core::protocol::RecordKind;
use lianxin_sync::{OutboxRecord, Store};

use crate::app_state::{use_changes, use_device_role, use_services};
use crate::components::page_title::PageTitle;
use crate::formatting::local_time;
use crate::i18n::{t, t_string, use_i18n};
use crate::labels;
use crate::petition_draft::preview;
use crate::privacy::{may_show_record, shows_personal_data, use_session};
use crate::routes;

/// The petitions of an outbox, newest first.
pub fn newest_petitions_first(mut records: Vec<OutboxRecord>) -> Vec<OutboxRecord> {
    records.retain(|r| r.kind == RecordKind::Petition);
    records.sort_by_key(|r| std::cmp::Reverse(r.finalized_at));
    records
}

/// The list of records.
#[component]
pub fn Records() -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let changes = use_changes();
    let role = use_device_role();
    let records = LocalResource::new(move || {
        changes.track();
        services.state.track();
        async move {
            let store = services.store()?;
            store
                .list_outbox(None)
                .await
                .ok()
                .map(newest_petitions_first)
        }
    });
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, records.title)) />
        <div class="page" data-testid="page-records">
            <h1>{t!(i18n, records.title)}</h1>
            <p>{t!(i18n, records.explain)}</p>
            {move || {
                let list = records.get().flatten().unwrap_or_default();
                if list.is_empty() {
                    view! { <p class="empty" data-testid="records-empty">{t!(i18n, records.empty)}</p> }.into_any()
                } else {
                    view! {
                        {(!shows_personal_data(role.role())).then(|| view! {
                            <p class="notice" data-testid="kiosk-note">{t!(i18n, kiosk.list_note)}</p>
                        })}
                        <ul class="list">
                            {list.into_iter().map(|r| view! { <RecordItem record=r /> }).collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use lianxin_core::example;
    use lianxin_sync::RecordState;
    use uuid::Uuid;

    fn record(kind: RecordKind, minutes: i64) -> OutboxRecord {
        let at = example::now() + Duration::minutes(minutes);
        OutboxRecord {
            id: Uuid::now_v7(),
            kind,
            payload: example::petition_json(),
            draft_id: Uuid::now_v7(),
            state: RecordState::Sent,
            finalized_at: at,
            updated_at: at,
            attempts: 1,
            receipt: None,
            error: None,
            draft_revision: 0,
        }
    }

    #[test]
    fn petitions_are_listed_newest_first_without_quiz_attempts() {
        let list = vec![
            record(RecordKind::Petition, 0),
            record(RecordKind::QuizAttempt, 5),
            record(RecordKind::Petition, 10),
        ];
        let newest = list[2].id;
        let oldest = list[0].id;
        let out = newest_petitions_first(list);
        assert_eq!(
            out.iter().map(|r| r.id).collect::<Vec<_>>(),
            [newest, oldest]
        );
    }
}
