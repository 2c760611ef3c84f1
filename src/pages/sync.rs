//! `/sync`: every outbox record and its state, "立即同步", retrying quarantined records, exporting
//! unsent records, and the health of the device's storage.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use lianxin_sync::{OutboxRecord, RecordState, Store};

use crate::app_state::{
    download, estimate, human_bytes, is_persistent, local_time, unsent_export_file, use_app_state,
};
use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};
use crate::routes;

/// The sync status page.
#[component]
pub fn SyncStatus() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app_state();
    let records = LocalResource::new(move || {
        app.changes.track();
        app.store_state.track();
        async move {
            let store = app.store()?;
            let mut list = store.list_outbox(None).await.ok()?;
            list.reverse();
            Some(list)
        }
    });
    let storage = LocalResource::new(move || {
        app.changes.track();
        async move { (estimate().await.ok(), is_persistent().await.ok()) }
    });
    let message = RwSignal::new(None::<String>);

    let export = move |_| {
        let Some(store) = app.store() else { return };
        spawn_local(async move {
            match unsent_export_file(&store).await {
                Ok(file) => match download(&file) {
                    Ok(()) => message.set(Some(format!(
                        "{} {} ({})",
                        t_string!(i18n, sync.exported),
                        file.records,
                        file.filename
                    ))),
                    Err(e) => message.set(Some(format!("{e:?}"))),
                },
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };

    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, sync.title)) />
        <div class="page" data-testid="page-sync">
            <div class="page__head">
                <h1>{t!(i18n, sync.title)}</h1>
                <button type="button" class="button button--primary" data-testid="sync-now"
                    disabled=move || app.running.get() || app.store_state.get() != crate::app_state::StoreState::Open
                    on:click=move |_| app.sync_now()>
                    {move || if app.running.get() { t!(i18n, sync.running).into_any() } else { t!(i18n, sync.now).into_any() }}
                </button>
            </div>
            <dl class="facts" data-testid="sync-summary">
                <dt>{t!(i18n, sync.last_ok)}</dt>
                <dd data-testid="last-sync">{move || app.status.with(|s| s.as_ref().and_then(|s| s.last_sync_ok).map(local_time))
                    .unwrap_or_else(|| t_string!(i18n, sync.never).to_string())}</dd>
            </dl>
            {move || app.status.with(|s| s.as_ref().is_some_and(|s| s.revoked)).then(|| view! {
                <p class="notice notice--error" role="alert">{t!(i18n, sync.revoked)} " " <A href=routes::ENROLL>{t!(i18n, home.enroll_link)}</A></p>
            })}
            {move || app.status.with(|s| s.as_ref().is_some_and(|s| !s.enrolled)).then(|| view! {
                <p class="notice">{t!(i18n, home.enroll_prompt)} " " <A href=routes::ENROLL>{t!(i18n, home.enroll_link)}</A></p>
            })}
            {move || app.run_error.get().map(|e| view! { <p class="notice" role="status" data-testid="sync-error">{e}</p> })}
            {move || {
                let list = records.get().flatten().unwrap_or_default();
                if list.is_empty() {
                    view! { <p class="empty">{t!(i18n, sync.empty)}</p> }.into_any()
                } else {
                    view! {
                        <ul class="list">
                            {list.into_iter().map(|r| view! { <OutboxRow record=r /> }).collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
            <section class="section" aria-labelledby="export-title">
                <h2 id="export-title">{t!(i18n, sync.export_title)}</h2>
                <p>{t!(i18n, sync.export_explain)}</p>
                <button type="button" class="button" data-testid="export-unsent" on:click=export>
                    {t!(i18n, sync.export)}
                </button>
                {move || message.get().map(|m| view! { <p role="status" data-testid="export-message">{m}</p> })}
            </section>
            <section class="section" aria-labelledby="storage-title">
                <h2 id="storage-title">{t!(i18n, sync.storage_title)}</h2>
                {move || app.write_error.get().map(|e| view! {
                    <p class="notice notice--error" role="alert" data-testid="storage-error">{e}</p>
                })}
                <dl class="facts" data-testid="storage-usage">
                    {move || {
                        let (est, persistent) = storage.get().unwrap_or((None, None));
                        view! {
                            <dt>{t!(i18n, sync.storage_used)}</dt>
                            <dd>{match est {
                                Some(e) => format!("{} / {}", human_bytes(e.usage), human_bytes(e.quota)),
                                None => t_string!(i18n, sync.unknown).to_string(),
                            }}</dd>
                            <dt>{t!(i18n, sync.storage_persistent)}</dt>
                            <dd data-testid="storage-persistent">{match persistent {
                                Some(true) => t_string!(i18n, sync.persistent_yes).to_string(),
                                Some(false) => t_string!(i18n, sync.persistent_no).to_string(),
                                None => t_string!(i18n, sync.unknown).to_string(),
                            }}</dd>
                        }
                    }}
                </dl>
            </section>
        </div>
    }
}

#[component]
fn OutboxRow(record: OutboxRecord) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app_state();
    let state = record.state;
    let id = record.id;
    let label = move || match state {
        RecordState::Queued => t_string!(i18n, sync.state_queued),
        RecordState::Sending => t_string!(i18n, sync.state_sending),
        RecordState::Sent => t_string!(i18n, sync.state_sent),
        RecordState::NeedsEdit => t_string!(i18n, sync.state_needs_edit),
        RecordState::Quarantined => t_string!(i18n, sync.state_quarantined),
    };
    let name = crate::petition_form::preview(&record.payload).0;
    let receipt = record.receipt.clone();
    let reason = record.error.clone().map(|e| e.message);
    let retry = move |_| {
        let Some(driver) = app.driver() else { return };
        spawn_local(async move {
            let r = driver.engine().retry_quarantined(id).await;
            app.note_write(&r);
            app.refresh();
            if r.is_ok() {
                driver.sync_now();
            }
        });
    };
    view! {
        <li class="list__item" data-testid="outbox-item" data-state=state.as_str() data-record-id=id.to_string()>
            <span class="list__title">{name}</span>
            <span class=format!("tag tag--{}", state.as_str())>{label}</span>
            <span class="list__meta">{t!(i18n, sync.finalized)} " " {local_time(record.finalized_at)}</span>
            {receipt.map(|r| view! {
                <dl class="facts">
                    <dt>{t!(i18n, sync.receipt_no)}</dt>
                    <dd class="mono" data-testid="receipt-no">{r.registration_no.unwrap_or_default()}</dd>
                    <dt>{t!(i18n, sync.query_code)}</dt>
                    <dd class="mono" data-testid="query-code">{r.query_code.unwrap_or_default()}</dd>
                </dl>
            })}
            {reason.map(|m| view! { <p class="list__desc" data-testid="outbox-reason">{m}</p> })}
            {(state == RecordState::NeedsEdit).then(|| view! {
                <A href=routes::petition(record.draft_id) attr:class="button">{t!(i18n, sync.edit)}</A>
            })}
            {(state == RecordState::Quarantined).then(|| view! {
                <button type="button" class="button" data-testid="retry" on:click=retry>{t!(i18n, sync.retry)}</button>
            })}
        </li>
    }
}
