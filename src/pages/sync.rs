//! `/sync`: every outbox record and its state, "立即同步", retrying quarantined records, exporting
//! unsent records, and the health of the device's storage. On a kiosk a record shows only its
//! state and time; the receipt only for what this tab's user submitted; and no export, which
//! would hand out every record's content (`privacy`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use lianxin_sync::{OutboxRecord, RecordState, Store};

use crate::app_state::{
    download, estimate, is_persistent, unsent_export_file, use_changes, use_device_role,
    use_refresh, use_services, use_sync_state, use_write_error,
};
use crate::components::clock_notice::ClockNotice;
use crate::components::page_title::PageTitle;
use crate::errors;
use crate::formatting::{human_bytes, local_time};
use crate::i18n::{t, t_string, use_i18n};
use crate::labels;
use crate::petition_draft::preview;
use crate::privacy::{may_show_record, shows_personal_data, use_session};
use crate::routes;

/// The sync status page.
#[component]
pub fn SyncStatus() -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let sync = use_sync_state();
    let changes = use_changes();
    let write_error = use_write_error();
    let role = use_device_role();
    let records = LocalResource::new(move || {
        changes.track();
        services.state.track();
        async move {
            let store = services.store()?;
            let mut list = store.list_outbox(None).await.ok()?;
            list.reverse();
            Some(list)
        }
    });
    let storage = LocalResource::new(move || {
        changes.track();
        async move { (estimate().await.ok(), is_persistent().await.ok()) }
    });
    let message = RwSignal::new(None::<String>);

    let export = move |_| {
        let Some(store) = services.store() else {
            return;
        };
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
                Err(e) => message.set(Some(errors::store_error(i18n.get_locale(), &e))),
            }
        });
    };

    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, sync.title)) />
        <div class="page" data-testid="page-sync">
            <div class="page__head">
                <h1>{t!(i18n, sync.title)}</h1>
                <button type="button" class="button button--primary" data-testid="sync-now"
                    disabled=move || sync.running.get() || !services.is_open()
                    on:click=move |_| services.sync_now()>
                    {move || if sync.running.get() { t!(i18n, sync.running).into_any() } else { t!(i18n, sync.now).into_any() }}
                </button>
            </div>
            <dl class="facts" data-testid="sync-summary">
                <dt>{t!(i18n, sync.last_ok)}</dt>
                <dd data-testid="last-sync">{move || sync.status.with(|s| s.as_ref().and_then(|s| s.last_sync_ok).map(local_time))
                    .unwrap_or_else(|| t_string!(i18n, sync.never).to_string())}</dd>
            </dl>
            <SyncProgress />
            <ClockNotice kiosk_too=true />
            {move || sync.status.with(|s| s.as_ref().is_some_and(|s| s.revoked)).then(|| view! {
                <p class="notice notice--error" role="alert">{t!(i18n, sync.revoked)} " " <A href=routes::ENROLL>{t!(i18n, home.enroll_link)}</A></p>
            })}
            {move || sync.not_enrolled().then(|| view! {
                <p class="notice">{t!(i18n, home.enroll_prompt)} " " <A href=routes::ENROLL>{t!(i18n, home.enroll_link)}</A></p>
            })}
            {move || {
                let locale = i18n.get_locale();
                sync.status.with(|s| s.as_ref().and_then(|s| s.last_error.as_ref()).map(|p| errors::sync_problem(locale, p)))
                    .map(|e| view! { <p class="notice" role="status" data-testid="sync-error">{e}</p> })
            }}
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
            <Show when=move || shows_personal_data(role.role())>
                <section class="section" aria-labelledby="export-title">
                    <h2 id="export-title">{t!(i18n, sync.export_title)}</h2>
                    <p>{t!(i18n, sync.export_explain)}</p>
                    <button type="button" class="button" data-testid="export-unsent" on:click=export>
                        {t!(i18n, sync.export)}
                    </button>
                    {move || message.get().map(|m| view! { <p role="status" data-testid="export-message">{m}</p> })}
                </section>
            </Show>
            <section class="section" aria-labelledby="storage-title">
                <h2 id="storage-title">{t!(i18n, sync.storage_title)}</h2>
                {move || write_error.get().map(|e| view! {
                    <p class="notice notice--error" role="alert" data-testid="storage-error">{errors::store_error(i18n.get_locale(), &e)}</p>
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

/// While a run pushes: "12 of 40 sent", and that the rest follows by itself; between runs, what
/// is still to send (after an interruption, the worker sees what is left and that it will go).
#[component]
fn SyncProgress() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync_state();
    let sending = move || sync.progress.get().filter(|p| p.total > 0);
    let left = move || {
        let waiting = sync.status.with(|s| s.as_ref().map_or(0, |s| s.waiting));
        (!sync.running.get() && waiting > 0).then_some(waiting)
    };
    view! {
        {move || sending().map(|p| {
            let text = errors::fill(
                t_string!(i18n, sync.progress),
                &[("done", p.done.to_string()), ("total", p.total.to_string())],
            );
            view! {
                <div class="notice" role="status" data-testid="sync-progress"
                    data-done=p.done data-total=p.total>
                    <progress max=p.total value=p.done></progress>
                    <p>{text}</p>
                    <p>{t!(i18n, sync.progress_note)}</p>
                </div>
            }
        })}
        {move || left().map(|n| view! {
            <p class="notice" role="status" data-testid="sync-left" data-count=n>
                {errors::fill(t_string!(i18n, sync.left), &[("count", n.to_string())])}
            </p>
        })}
    }
}

/// One outbox record: its state and time; on a field tablet also the petitioner's name, and the
/// receipt or the refusal wherever `privacy::may_show_record` allows.
#[component]
fn OutboxRow(record: OutboxRecord) -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let refresh = use_refresh();
    let write_error = use_write_error();
    let role = use_device_role();
    let session = use_session();
    let state = record.state;
    let id = record.id;
    let personal = move || shows_personal_data(role.role());
    let details = move || {
        session
            .own_records
            .with(|own| may_show_record(role.role(), own, id))
    };
    let name = preview(&record.payload).0;
    let title = move || {
        if personal() {
            name.clone()
        } else {
            t_string!(i18n, kiosk.entry).to_string()
        }
    };
    let receipt = record.receipt.clone();
    let reason = record.error.clone();
    let retry = move |_| {
        let Some(driver) = services.driver() else {
            return;
        };
        spawn_local(async move {
            let r = driver.engine().retry_quarantined(id).await;
            write_error.note(&r);
            refresh.run();
            if r.is_ok() {
                driver.sync_now();
            }
        });
    };
    view! {
        <li class="list__item" data-testid="outbox-item" data-state=state.as_str() data-record-id=id.to_string()>
            <span class="list__title">{title}</span>
            <span class=format!("tag tag--{}", state.as_str())>{move || labels::record_state(i18n.get_locale(), state)}</span>
            <span class="list__meta">{t!(i18n, sync.finalized)} " " {local_time(record.finalized_at)}</span>
            <Show when=details>
                <A href=routes::record(id) {..} data-testid="outbox-record-link">{t!(i18n, petition_detail.to_record)}</A>
            </Show>
            {move || details().then(|| receipt.clone()).flatten().map(|r| view! {
                <dl class="facts">
                    <dt>{t!(i18n, sync.receipt_no)}</dt>
                    <dd class="mono" data-testid="receipt-no">{r.registration_no.unwrap_or_default()}</dd>
                    <dt>{t!(i18n, sync.query_code)}</dt>
                    <dd class="mono" data-testid="query-code">{r.query_code.unwrap_or_default()}</dd>
                </dl>
            })}
            {move || details().then(|| reason.clone()).flatten().map(|e| view! {
                <p class="list__desc" data-testid="outbox-reason">{move || outbox_reason(i18n.get_locale(), &e)}</p>
            })}
            <Show when=move || state == RecordState::NeedsEdit && personal()>
                <A href=routes::petition(record.draft_id) attr:class="button">{t!(i18n, sync.edit)}</A>
            </Show>
            {(state == RecordState::Quarantined).then(|| view! {
                <button type="button" class="button" data-testid="retry" on:click=retry>{t!(i18n, sync.retry)}</button>
            })}
        </li>
    }
}

/// Why the server refused a record, with its field named as the form names it.
fn outbox_reason(locale: crate::i18n::Locale, e: &lianxin_core::protocol::ApiError) -> String {
    let label = e
        .field
        .as_deref()
        .and_then(lianxin_core::petition::Field::from_path)
        .map(|f| {
            crate::components::petition_form::field_label(
                locale,
                f,
                lianxin_core::petition::PetitionerKind::Person,
            )
        });
    errors::api_error(locale, e, label.as_deref())
}
