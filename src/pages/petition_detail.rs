//! `/petitions/:id`: the registration form of one draft. Every edit is autosaved (debounced,
//! ≤ 300 ms) and flushed when the page is hidden; "提交到发件箱" hands the draft to
//! [`lianxin_sync::SyncEngine::finalize_draft`], which saves, validates with the server's rules
//! against the device's newest configuration, and queues it in one step; a refusal comes back as
//! errors on their fields. On a kiosk only the draft being registered in this tab opens
//! (`privacy`).

use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use lianxin_core::petition::{Field, PetitionDraft, PetitionerKind};
use lianxin_core::protocol::{DeviceConfig, SubjectEntry};
use lianxin_sync::finalize::FinalizeError;
use lianxin_sync::{Draft, Store, StoreError};
use uuid::Uuid;

use crate::app_state::{use_device_role, use_refresh, use_services, use_write_error, Autosave};
use crate::components::form_field::FormCtx;
use crate::components::page_title::PageTitle;
use crate::components::petition_form::{field_label, PetitionFields};
use crate::errors;
use crate::i18n::{t, t_string, use_i18n};
use crate::petition_draft::general_errors;
use crate::privacy::{may_open_draft, use_session};
use crate::routes::{self, parse_petition_id};

/// What the autosave status shows (`data-state`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum SaveState {
    Saved,
    Saving,
    Error(StoreError),
}

/// One draft's form, or a message when the link holds no draft (or one a kiosk may not open).
#[component]
pub fn PetitionDetail() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| parse_petition_id(&s));
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, petition_detail.title)) />
        <div class="page" data-testid="page-petition-detail">
            <h1>{t!(i18n, petition_detail.title)}</h1>
            {move || match id() {
                Some(id) => view! { <DraftGate id /> }.into_any(),
                None => view! { <p class="notice">{t!(i18n, petition_detail.invalid_id)}</p> }.into_any(),
            }}
            <p>
                <A href=routes::PETITIONS attr:class="back-link">{t!(i18n, petition_detail.back)}</A>
            </p>
        </div>
    }
}

/// Opens the draft only where `privacy::may_open_draft` allows, and reads nothing of it before.
#[component]
fn DraftGate(id: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let role = use_device_role();
    let session = use_session();
    let allowed = Memo::new(move |_| may_open_draft(role.role(), session.own_draft.get(), id));
    view! {
        {move || {
            if allowed.get() {
                view! { <DraftLoader id /> }.into_any()
            } else if role.known() {
                view! { <p class="notice" data-testid="kiosk-hidden">{t!(i18n, kiosk.hidden)}</p> }.into_any()
            } else {
                view! { <p role="status">{t!(i18n, petition_detail.loading)}</p> }.into_any()
            }
        }}
    }
}

#[component]
fn DraftLoader(id: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let loaded = LocalResource::new(move || {
        services.state.track();
        async move {
            let store = services.store()?;
            let draft = store.get_draft(id).await;
            // The device's newest subject list; the built-in one if it cannot be read.
            let config = store
                .device_config()
                .await
                .unwrap_or_else(|_| DeviceConfig::builtin());
            Some((draft, config))
        }
    });
    view! {
        <dl class="facts">
            <dt>{t!(i18n, petition_detail.id_label)}</dt>
            <dd class="mono" data-testid="petition-id">{id.to_string()}</dd>
        </dl>
        {move || match loaded.get() {
            None | Some(None) => view! { <p role="status">{t!(i18n, petition_detail.loading)}</p> }.into_any(),
            Some(Some((Ok(Some(d)), config))) => view! { <PetitionFormView draft=d subjects=config.subjects /> }.into_any(),
            Some(Some((Ok(None), _))) => view! {
                <p class="notice">{t!(i18n, petition_detail.not_a_draft)} " "
                    <A href=routes::SYNC>{t!(i18n, petition_detail.to_sync)}</A>
                </p>
            }.into_any(),
            Some(Some((Err(e), _))) => view! {
                <p class="notice notice--error" role="alert">{move || errors::store_error(i18n.get_locale(), &e)}</p>
            }.into_any(),
        }}
    }
}

#[component]
fn PetitionFormView(draft: Draft, subjects: Vec<SubjectEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let refresh = use_refresh();
    let write_error = use_write_error();
    let session = use_session();
    let navigate = use_navigate();
    let ctx = FormCtx::new(
        PetitionDraft::from_json(&draft.form),
        draft.problem.clone().into_iter().collect(),
    );
    let record = StoredValue::new_local(draft);
    let save_state = RwSignal::new(SaveState::Saved);
    let autosave = StoredValue::new_local(services.store().map(|store| {
        Rc::new(Autosave::new(
            store,
            lianxin_browser::AUTOSAVE_DELAY,
            move |r| {
                write_error.note(&r);
                save_state.set(match r {
                    Ok(()) => SaveState::Saved,
                    Err(e) => SaveState::Error(e),
                });
            },
        ))
    }));
    // The draft record as of the last edit: the form's JSON, stamped now.
    let current = move || {
        let mut d = record.get_value();
        d.form = ctx.draft.with_untracked(PetitionDraft::to_json);
        d.updated_at = chrono::Utc::now();
        record.set_value(d.clone());
        d
    };
    Effect::watch(
        move || ctx.edits.get(),
        move |_, _, _| {
            let d = current();
            if let Some(a) = autosave.get_value() {
                save_state.set(SaveState::Saving);
                a.edit(d);
            }
        },
        false,
    );
    // try_: the cleanup may run while this owner's values are being disposed.
    let flush = move || {
        if let Some(Some(a)) = autosave.try_get_value() {
            spawn_local(async move {
                let _ = a.flush().await;
            });
        }
    };
    let pagehide = window_event_listener(ev::pagehide, move |_| flush());
    on_cleanup(move || {
        pagehide.remove();
        flush();
    });

    let busy = RwSignal::new(false);
    let finalize = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(driver) = services.driver() else {
            return;
        };
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            // A pending autosave is written first, so that it cannot land after the draft has
            // left for the outbox and bring it back.
            if let Some(a) = autosave.get_value() {
                let _ = a.flush().await;
            }
            let result = driver
                .engine()
                .finalize_draft(&current(), chrono::Utc::now())
                .await;
            busy.set(false);
            match result {
                Ok(queued) => {
                    write_error.note(&Ok(()));
                    session.submitted(queued.id);
                    refresh.run();
                    driver.sync_now();
                    navigate(routes::SYNC, Default::default());
                }
                Err(FinalizeError::Invalid(errs)) => {
                    ctx.errors.set(errs);
                    // After the errors have been rendered, so that the input is marked invalid.
                    request_animation_frame(focus_first_invalid);
                }
                Err(FinalizeError::Store(e)) => {
                    write_error.note(&Err(e.clone()));
                    save_state.set(SaveState::Error(e));
                }
            }
        });
    };

    let general = move || {
        let locale = i18n.get_locale();
        ctx.errors.with(|es| {
            ctx.draft.with(|d| {
                let kind: PetitionerKind = d.petitioner.kind.parse().unwrap_or_default();
                general_errors(es, d)
                    .into_iter()
                    .map(|e| {
                        let label = e
                            .field
                            .as_deref()
                            .and_then(Field::from_path)
                            .map(|f| field_label(locale, f, kind));
                        errors::api_error(locale, e, label.as_deref())
                    })
                    .collect::<Vec<_>>()
            })
        })
    };

    view! {
        <form class="form petition-form" on:submit=finalize novalidate>
            <p class="autosave" data-testid="autosave-status" role="status"
                data-state=move || match save_state.get() { SaveState::Saved => "saved", SaveState::Saving => "saving", SaveState::Error(_) => "error" }>
                {move || match save_state.get() {
                    SaveState::Saved => t!(i18n, form.saved).into_any(),
                    SaveState::Saving => t!(i18n, form.saving).into_any(),
                    SaveState::Error(e) => view! { {t!(i18n, form.save_failed)} " " {errors::store_error(i18n.get_locale(), &e)} }.into_any(),
                }}
            </p>
            {move || {
                let g = general();
                (!g.is_empty()).then(|| view! {
                    <div class="notice notice--error" role="alert" data-testid="form-errors">
                        <ul>{g.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
            <PetitionFields ctx subjects=Signal::stored(subjects) />
            <button type="submit" class="button button--primary" data-testid="finalize" disabled=move || busy.get()>
                {t!(i18n, form.finalize)}
            </button>
        </form>
    }
}

fn focus_first_invalid() {
    if let Ok(Some(el)) = document().query_selector("[aria-invalid=true]") {
        use wasm_bindgen::JsCast;
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}
