//! `/petitions/:id`: the registration form of one draft. Every edit is autosaved (debounced,
//! ≤ 300 ms) and flushed when the page is hidden; "提交到发件箱" hands the draft to
//! [`lianxin_sync::SyncEngine::finalize_draft`], which saves, validates with the server's rules
//! against the device's newest configuration, and queues it in one step; a refusal comes back as
//! errors on their fields. On a kiosk only the draft being registered in this tab opens
//! (`privacy`).
//!
//! The same draft may be open in another tab (or the installed app's window). Each save says
//! which revision it was based on, and the store merges it with the other tab's (issue 14); the
//! tabs tell each other of every save over a `BroadcastChannel` ([`DraftChannel`]) and show the
//! other's text at once, keeping what this tab typed since. A field both tabs changed keeps the
//! text saved first, and the tab that lost shows its own text to copy. A draft finalized or
//! deleted elsewhere is said to be so, with a link to its record, and no longer saved.
//!
//! A finalize the rules refuse shows an error summary at the top of the form (focused and
//! announced), each entry a link to its field's input. On a field tablet the first press of
//! 提交 first checks this device's other drafts and outbox for the same person within 90 days
//! (`petition_draft::repeats`); a match is warned of, citing Art. 19 para. 3, and the second press
//! (or 仍然提交) finalizes: staff decide. A draft created by 新建登记 and never edited is deleted
//! when its page is left (`petition_draft::is_untouched`), so a tap leaves no empty draft behind.

use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use lianxin_browser::DraftChannel;
use lianxin_core::petition::{Field, PetitionDraft, PetitionerKind};
use lianxin_core::protocol::{DeviceConfig, SubjectEntry};
use lianxin_core::repeat::RepeatReason;
use lianxin_sync::finalize::FinalizeError;
use lianxin_sync::merge::{self, Conflict};
use lianxin_sync::{Draft, DraftNotice, DraftSaved, DraftTombstone, Store, StoreError};
use uuid::Uuid;

use crate::app_state::{
    use_device_role, use_refresh, use_services, use_write_error, AppStore, Autosave,
};
use crate::components::form_field::{dom_id, FormCtx};
use crate::components::page_title::PageTitle;
use crate::components::petition_form::{field_label, PetitionFields};
use crate::errors;
use crate::formatting::local_time;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::petition_draft::{self, is_untouched, summary, Earlier, Repeat};
use crate::privacy::{may_open_draft, shows_personal_data, use_session};
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
    // Whether this page edited the draft; one it never edited, still as 新建登记 created it
    // (also in the store: no other tab saved it), goes when the page is left. A reload does not
    // leave it: the page is not disposed then.
    let touched = StoredValue::new(false);
    let services = use_services();
    let refresh = use_refresh();
    on_cleanup(move || {
        if touched.try_get_value().unwrap_or(true) {
            return;
        }
        let Some(store) = services.store() else {
            return;
        };
        spawn_local(async move {
            if let Ok(Some(d)) = store.get_draft(id).await {
                if is_untouched(&d) && store.delete_draft(id).await.is_ok() {
                    refresh.run();
                }
            }
        });
    });
    view! {
        {move || {
            if allowed.get() {
                view! { <DraftLoader id touched /> }.into_any()
            } else if role.known() {
                view! { <p class="notice" data-testid="kiosk-hidden">{t!(i18n, kiosk.hidden)}</p> }.into_any()
            } else {
                view! { <p role="status">{t!(i18n, petition_detail.loading)}</p> }.into_any()
            }
        }}
    }
}

#[component]
fn DraftLoader(id: Uuid, touched: StoredValue<bool>) -> impl IntoView {
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
            Some(Some((Ok(Some(d)), config))) => view! { <PetitionFormView draft=d subjects=config.subjects touched /> }.into_any(),
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
fn PetitionFormView(
    draft: Draft,
    subjects: Vec<SubjectEntry>,
    touched: StoredValue<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let role = use_device_role();
    let services = use_services();
    let refresh = use_refresh();
    let write_error = use_write_error();
    let session = use_session();
    let navigate = use_navigate();
    let id = draft.id;
    let ctx = FormCtx::new(
        PetitionDraft::from_json(&draft.form),
        draft.problem.clone().into_iter().collect(),
    );
    let record = StoredValue::new_local(draft.clone());
    let save_state = RwSignal::new(SaveState::Saved);
    // What another tab did that this one must say: a field both changed (with this tab's text),
    // the draft changed before this tab's finalize, or the draft is gone (finalized or deleted).
    let conflicts = RwSignal::new(Vec::<Conflict>::new());
    let changed = RwSignal::new(false);
    let gone = RwSignal::new(None::<DraftTombstone>);
    let channel = StoredValue::new_local(None::<Rc<DraftChannel>>);
    let announce = move |notice: DraftNotice| {
        if let Some(Some(c)) = channel.try_get_value() {
            c.announce(&notice);
        }
    };

    let autosave = StoredValue::new_local(None::<Rc<Autosave<AppStore>>>);
    // Shows `stored` (another tab's save, or this tab's merged with one): what this tab typed
    // since `base` stays, everything else becomes the stored text. The cursor stays where it is:
    // an input whose text does not change is not touched.
    let adopt = move |base: &serde_json::Value, stored: Draft| {
        let Some(Some(a)) = autosave.try_get_value() else {
            return;
        };
        a.rebase(stored.clone());
        let Some(local) = ctx.draft.try_with_untracked(PetitionDraft::to_json) else {
            return;
        };
        let shown = merge::rebase(base, &stored.form, &local);
        if shown != local {
            ctx.draft.set(PetitionDraft::from_json(&shown));
        }
        record.update_value(|r| {
            r.revision = stored.revision;
            r.form = shown.clone();
        });
        if shown != stored.form {
            // This tab's own edits still wait to be written, now based on the stored revision.
            let mut d = record.get_value();
            d.updated_at = chrono::Utc::now();
            a.edit(d);
        }
    };
    let went = move |t: DraftTombstone| {
        if let Some(Some(a)) = autosave.try_get_value() {
            a.stop();
        }
        save_state.set(SaveState::Saved);
        gone.set(Some(t));
    };
    autosave.set_value(services.store().map(|store| {
        Rc::new(Autosave::new(
            store,
            lianxin_browser::AUTOSAVE_DELAY,
            draft,
            move |sent: &Draft, r: Result<DraftSaved, StoreError>| match r {
                Ok(saved) => {
                    write_error.note(&Ok(()));
                    save_state.set(SaveState::Saved);
                    if saved.draft.revision > sent.revision {
                        announce(DraftNotice {
                            draft_id: saved.draft.id,
                            revision: saved.draft.revision,
                            gone: false,
                        });
                    }
                    if !saved.conflicts.is_empty() {
                        conflicts.update(|c| c.extend(saved.conflicts.iter().cloned()));
                    }
                    if saved.draft.form != sent.form {
                        adopt(&sent.form, saved.draft);
                    }
                }
                Err(StoreError::Gone(t)) => went(t),
                Err(e) => {
                    write_error.note(&Err(e.clone()));
                    save_state.set(SaveState::Error(e));
                }
            },
        ))
    }));
    // Another tab saved this draft: show its text; it finalized or deleted it: say so.
    let store = services.store();
    channel.set_value(
        DraftChannel::open(move |notice: DraftNotice| {
            let (Some(store), Some(Some(a))) = (store.clone(), autosave.try_get_value()) else {
                return;
            };
            if notice.draft_id != id || (!notice.gone && notice.revision <= a.base().revision) {
                return;
            }
            spawn_local(async move {
                match store.get_draft(id).await {
                    Ok(Some(stored)) if stored.revision > a.base().revision => {
                        adopt(&a.base().form, stored)
                    }
                    Ok(Some(_)) | Err(_) => {}
                    Ok(None) => {
                        if let Ok(Some(t)) = store.draft_tombstone(id).await {
                            went(t);
                        }
                    }
                }
            });
        })
        .map(Rc::new),
    );

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
            touched.try_set_value(true);
            let d = current();
            if let Some(a) = autosave.get_value() {
                if !a.is_stopped() {
                    save_state.set(SaveState::Saving);
                    a.edit(d);
                }
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
    // The repeat check's finding, and whether staff have seen it (the next press finalizes).
    let repeats = RwSignal::new(Vec::<Repeat>::new());
    let repeats_seen = StoredValue::new(false);
    let finalize = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || gone.get_untracked().is_some() {
            return;
        }
        let Some(driver) = services.driver() else {
            return;
        };
        busy.set(true);
        changed.set(false);
        let navigate = navigate.clone();
        spawn_local(async move {
            // A pending autosave is written first, so that it cannot land after the draft has
            // left for the outbox and bring it back.
            let Some(a) = autosave.get_value() else {
                busy.set(false);
                return;
            };
            let _ = a.flush().await;
            let base = a.base();
            let mut draft = current();
            draft.revision = base.revision;
            // The repeat check, on a field tablet only (a kiosk shows no one's data): once.
            if shows_personal_data(role.role()) && !repeats_seen.get_value() {
                if let Some(store) = services.store() {
                    let found = match (store.list_drafts().await, store.list_outbox(None).await) {
                        (Ok(drafts), Ok(outbox)) => petition_draft::repeats(
                            id,
                            &PetitionDraft::from_json(&draft.form),
                            &drafts,
                            &outbox,
                            chrono::Utc::now(),
                        ),
                        // A list that cannot be read does not stop the registration.
                        _ => Vec::new(),
                    };
                    if !found.is_empty() {
                        repeats_seen.set_value(true);
                        repeats.set(found);
                        busy.set(false);
                        request_animation_frame(|| focus_by_id(REPEAT_ID));
                        return;
                    }
                }
            }
            let result = driver
                .engine()
                .finalize_draft(&draft, chrono::Utc::now())
                .await;
            busy.set(false);
            match result {
                Ok(queued) => {
                    a.stop();
                    announce(DraftNotice {
                        draft_id: id,
                        revision: base.revision,
                        gone: true,
                    });
                    write_error.note(&Ok(()));
                    session.submitted(queued.id);
                    refresh.run();
                    driver.sync_now();
                    navigate(&routes::record_submitted(queued.id), Default::default());
                }
                Err(FinalizeError::Invalid(errs)) => {
                    ctx.errors.set(errs);
                    // After the summary has been rendered; its links lead to each input.
                    request_animation_frame(|| focus_by_id(SUMMARY_ID));
                }
                Err(FinalizeError::Changed(saved)) => {
                    adopt(&base.form, saved.draft);
                    changed.set(true);
                }
                Err(FinalizeError::Store(StoreError::Gone(t))) => went(t),
                Err(FinalizeError::Store(e)) => {
                    write_error.note(&Err(e.clone()));
                    save_state.set(SaveState::Error(e));
                }
            }
        });
    };

    // Every error of the last finalize, in the user's language, with the input it links to.
    let summary_entries = move || {
        let locale = i18n.get_locale();
        ctx.errors.with(|es| {
            ctx.draft.with(|d| {
                let kind: PetitionerKind = d.petitioner.kind.parse().unwrap_or_default();
                summary(es, d)
                    .into_iter()
                    .map(|(input, e)| {
                        let label = e
                            .field
                            .as_deref()
                            .and_then(Field::from_path)
                            .map(|f| field_label(locale, f, kind));
                        (input, errors::api_error(locale, e, label.as_deref()))
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    let label_of = move |path: &str| {
        let locale = i18n.get_locale();
        let kind: PetitionerKind = ctx
            .draft
            .with(|d| d.petitioner.kind.parse().unwrap_or_default());
        Field::from_path(path).map_or_else(|| path.to_owned(), |f| field_label(locale, f, kind))
    };

    view! {
        {move || gone.get().map(|t| view! {
            <p class="notice" role="alert" data-testid="draft-gone"
                data-state=if t.finalized() { "finalized" } else { "deleted" }>
                {if t.finalized() { t!(i18n, petition_detail.finalized).into_any() } else { t!(i18n, petition_detail.deleted).into_any() }}
                " " {t!(i18n, petition_detail.stopped)} " "
                {t.record_id.map(|r| view! {
                    <A href=routes::SYNC attr:data-testid="draft-gone-record" attr:data-record-id=r.to_string()>
                        {t!(i18n, petition_detail.to_record)}
                    </A>
                })}
            </p>
        })}
        {move || changed.get().then(|| view! {
            <p class="notice" role="alert" data-testid="draft-changed">{t!(i18n, petition_detail.changed)}</p>
        })}
        {move || {
            let cs = conflicts.get();
            (!cs.is_empty()).then(|| view! {
                <div class="notice" role="alert" data-testid="draft-conflicts">
                    {cs.into_iter().map(|c| {
                        let mine = c.mine.as_ref().map(text_of).unwrap_or_default();
                        let sentence = errors::fill(
                            td_string!(i18n.get_locale(), petition_detail.conflict),
                            &[("field", label_of(&c.path))],
                        );
                        let copied = RwSignal::new(false);
                        let to_copy = mine.clone();
                        view! {
                            <div class="conflict" data-testid="draft-conflict" data-path=c.path.clone()>
                                <p>{sentence}</p>
                                <textarea readonly rows="3" data-testid="conflict-mine" prop:value=mine></textarea>
                                <button type="button" class="button" data-testid="conflict-copy"
                                    on:click=move |_| { copy_text(&to_copy); copied.set(true); }>
                                    {move || if copied.get() { t!(i18n, petition_detail.copied).into_any() } else { t!(i18n, petition_detail.copy).into_any() }}
                                </button>
                            </div>
                        }
                    }).collect_view()}
                    <button type="button" class="button" data-testid="conflicts-dismiss" on:click=move |_| conflicts.set(Vec::new())>
                        {t!(i18n, petition_detail.dismiss)}
                    </button>
                </div>
            })
        }}
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
                let found = repeats.get();
                (!found.is_empty()).then(|| view! {
                    <RepeatWarning found />
                })
            }}
            {move || {
                let entries = summary_entries();
                (!entries.is_empty()).then(|| view! {
                    <div class="notice notice--error error-summary" role="alert" tabindex="-1"
                        id=SUMMARY_ID data-testid="error-summary">
                        <p><strong>{t!(i18n, form.error_summary)}</strong></p>
                        <ul>
                            {entries.into_iter().map(|(input, m)| match input {
                                Some(f) => {
                                    let target = dom_id(f);
                                    view! {
                                        <li data-testid="error-summary-item">
                                            <a href=format!("#{target}") data-field=f.key()
                                                on:click=move |ev| { ev.prevent_default(); focus_by_id(&target); }>
                                                {m}
                                            </a>
                                        </li>
                                    }.into_any()
                                }
                                None => view! { <li data-testid="error-summary-item">{m}</li> }.into_any(),
                            }).collect_view()}
                        </ul>
                    </div>
                })
            }}
            // A draft that is gone is shown, but can no longer be edited or submitted.
            <fieldset class="form__fields" disabled=move || gone.get().is_some()>
                <PetitionFields ctx subjects=Signal::stored(subjects) />
                <button type="submit" class="button button--primary" data-testid="finalize" disabled=move || busy.get()>
                    {t!(i18n, form.finalize)}
                </button>
            </fieldset>
        </form>
    }
}

/// A conflicting value as text to copy: a string as it is, anything else as JSON.
fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Puts `text` on the clipboard (`navigator.clipboard.writeText`), where the browser allows it;
/// the text stays selectable in its box either way.
fn copy_text(text: &str) {
    use wasm_bindgen::{JsCast, JsValue};
    let navigator = window().navigator();
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")) else {
        return;
    };
    if let Ok(write) = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText")) {
        if let Some(write) = write.dyn_ref::<js_sys::Function>() {
            let _ = write.call1(&clipboard, &JsValue::from_str(text));
        }
    }
}

/// The error summary's `id`.
const SUMMARY_ID: &str = "error-summary";
/// The repeat warning's `id`.
const REPEAT_ID: &str = "repeat-warning";

/// Moves the focus to the element `id` (the summary, the warning, or an input of the summary's
/// links), which scrolls it into view.
fn focus_by_id(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document().get_element_by_id(id) {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

/// The repeat check's warning (field tablets only): the earlier petitions of what looks like the
/// same person, each linked, the rule of Art. 19 para. 3, and that the 90 days are local
/// practice; 仍然提交 finalizes.
#[component]
fn RepeatWarning(found: Vec<Repeat>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="notice notice--warn" role="alert" tabindex="-1" id=REPEAT_ID data-testid="repeat-warning">
            <p><strong>{t!(i18n, repeat.title)}</strong></p>
            <p>{t!(i18n, repeat.intro)}</p>
            <ul>
                {found.into_iter().map(|r| {
                    let (href, kind, id) = match r.earlier {
                        Earlier::Draft(id) => (routes::petition(id), t!(i18n, repeat.draft).into_any(), id),
                        Earlier::Record(id) => (routes::record(id), t!(i18n, repeat.record).into_any(), id),
                    };
                    let reason = match r.reason {
                        RepeatReason::SameIdNumber => t!(i18n, repeat.same_id_number).into_any(),
                        RepeatReason::SameNameAndPhone => t!(i18n, repeat.same_name_and_phone).into_any(),
                    };
                    let name = if r.name.trim().is_empty() {
                        t!(i18n, petitions.unnamed).into_any()
                    } else {
                        r.name.into_any()
                    };
                    view! {
                        <li data-testid="repeat-item" data-id=id.to_string()>
                            <A href=href>{kind} ": " {name}</A>
                            " · " {reason} " · "
                            <time datetime=r.at.to_rfc3339()>{local_time(r.at)}</time>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="law-quote">{t!(i18n, repeat.law)}</p>
            <p>{t!(i18n, repeat.practice)}</p>
            <button type="submit" class="button" data-testid="repeat-submit">{t!(i18n, repeat.submit_anyway)}</button>
        </div>
    }
}
