//! `/petitions/:id`: the registration form of one draft. Every edit is autosaved (debounced,
//! ≤ 300 ms) and flushed when the page is hidden; "提交到发件箱" validates with the server's rules
//! and moves the draft into the outbox in one transaction.

use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use lianxin_core::petition::{default_subject_codes, DEFAULT_SUBJECTS};
use lianxin_core::protocol::ApiError;
use lianxin_sync::{Draft, Store};
use uuid::Uuid;

use crate::app_state::{use_app_state, AppStore, Autosave};
use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};
use crate::petition_form::{error_for, general_errors, Field, PetitionForm, RepForm};
use crate::routes::{self, parse_petition_id};

/// What the autosave status shows (`data-state`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum SaveState {
    Saved,
    Saving,
    Error(String),
}

/// The form's shared handles.
#[derive(Clone, Copy)]
struct FormCtx {
    form: RwSignal<PetitionForm>,
    errors: RwSignal<Vec<ApiError>>,
    draft: StoredValue<Option<Draft>, LocalStorage>,
    autosave: StoredValue<Option<Rc<Autosave<AppStore>>>, LocalStorage>,
    save_state: RwSignal<SaveState>,
}

impl FormCtx {
    fn edited(&self) {
        let Some(mut draft) = self.draft.get_value() else {
            return;
        };
        draft.form = self.form.with_untracked(PetitionForm::to_json);
        draft.updated_at = chrono::Utc::now();
        self.draft.set_value(Some(draft.clone()));
        if let Some(a) = self.autosave.get_value() {
            self.save_state.set(SaveState::Saving);
            a.edit(draft);
        }
    }

    fn set(&self, field: Field, value: String) {
        self.form.update(|f| f.set(field, value));
        self.edited();
    }

    fn error(&self, field: Field) -> Option<String> {
        let path = field.path();
        self.errors.with(|e| error_for(e, &path))
    }
}

/// One draft's form, or a message when the link holds no draft.
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
                Some(id) => view! { <DraftLoader id /> }.into_any(),
                None => view! { <p class="notice">{t!(i18n, petition_detail.invalid_id)}</p> }.into_any(),
            }}
            <p>
                <A href=routes::PETITIONS attr:class="back-link">{t!(i18n, petition_detail.back)}</A>
            </p>
        </div>
    }
}

#[component]
fn DraftLoader(id: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app_state();
    let draft = LocalResource::new(move || {
        app.store_state.track();
        async move {
            let store = app.store()?;
            Some(store.get_draft(id).await)
        }
    });
    view! {
        <dl class="facts">
            <dt>{t!(i18n, petition_detail.id_label)}</dt>
            <dd class="mono" data-testid="petition-id">{id.to_string()}</dd>
        </dl>
        {move || match draft.get() {
            None | Some(None) => view! { <p role="status">{t!(i18n, petition_detail.loading)}</p> }.into_any(),
            Some(Some(Ok(Some(d)))) => view! { <PetitionFormView draft=d /> }.into_any(),
            Some(Some(Ok(None))) => view! {
                <p class="notice">{t!(i18n, petition_detail.not_a_draft)} " "
                    <A href=routes::SYNC>{t!(i18n, petition_detail.to_sync)}</A>
                </p>
            }.into_any(),
            Some(Some(Err(e))) => view! { <p class="notice notice--error" role="alert">{e.to_string()}</p> }.into_any(),
        }}
    }
}

#[component]
fn PetitionFormView(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app_state();
    let navigate = use_navigate();
    let initial_errors = draft.problem.clone().map(|p| vec![p]).unwrap_or_default();
    let ctx = FormCtx {
        form: RwSignal::new(PetitionForm::from_json(&draft.form)),
        errors: RwSignal::new(initial_errors),
        draft: StoredValue::new_local(Some(draft.clone())),
        autosave: StoredValue::new_local(None),
        save_state: RwSignal::new(SaveState::Saved),
    };
    if let Some(store) = app.store() {
        let save_state = ctx.save_state;
        let a = Autosave::new(store, lianxin_browser::AUTOSAVE_DELAY, move |r| {
            app.note_write(&r);
            save_state.set(match r {
                Ok(()) => SaveState::Saved,
                Err(e) => SaveState::Error(e.to_string()),
            });
        });
        ctx.autosave.set_value(Some(Rc::new(a)));
    }
    // try_: the cleanup may run while this owner's values are being disposed.
    let flush = move || {
        if let Some(Some(a)) = ctx.autosave.try_get_value() {
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
        let form = ctx.form.get_untracked();
        if let Err(errs) = form.validate(&default_subject_codes(), chrono::Utc::now()) {
            ctx.errors.set(errs);
            focus_first_invalid();
            return;
        }
        ctx.errors.set(Vec::new());
        let (Some(driver), Some(draft)) = (app.driver(), ctx.draft.get_value()) else {
            return;
        };
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            if let Some(a) = ctx.autosave.get_value() {
                let _ = a.flush().await;
            }
            let store = driver.engine().store().clone();
            let mut saved = draft.clone();
            saved.form = form.to_json();
            let r = store.put_draft(&saved).await;
            app.note_write(&r);
            let result = match r {
                Ok(()) => driver.engine().finalize(saved.id).await.map(|_| ()),
                Err(e) => Err(e),
            };
            busy.set(false);
            match result {
                Ok(()) => {
                    app.refresh();
                    driver.sync_now();
                    navigate(routes::SYNC, Default::default());
                }
                Err(e) => {
                    app.note_write(&Err(e.clone()));
                    ctx.errors.set(vec![ApiError::new("store", e.to_string())]);
                }
            }
        });
    };

    let general = move || ctx.errors.with(|e| ctx.form.with(|f| general_errors(e, f)));
    let collective = move || ctx.form.with(PetitionForm::is_collective);
    let reps = move || ctx.form.with(|f| f.representatives.len());

    view! {
        <form class="form petition-form" on:submit=finalize novalidate>
            <p class="autosave" data-testid="autosave-status" role="status"
                data-state=move || match ctx.save_state.get() { SaveState::Saved => "saved", SaveState::Saving => "saving", SaveState::Error(_) => "error" }>
                {move || match ctx.save_state.get() {
                    SaveState::Saved => t!(i18n, form.saved).into_any(),
                    SaveState::Saving => t!(i18n, form.saving).into_any(),
                    SaveState::Error(e) => view! { {t!(i18n, form.save_failed)} " " {e} }.into_any(),
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
            <fieldset class="form__group">
                <legend>{t!(i18n, form.petitioner)}</legend>
                <SelectField ctx field=Field::Channel label=Signal::derive(move || t_string!(i18n, form.channel).to_string())
                    options=Signal::derive(move || vec![
                        ("visit".to_string(), t_string!(i18n, form.channel_visit).to_string()),
                        ("letter".to_string(), t_string!(i18n, form.channel_letter).to_string()),
                        ("phone".to_string(), t_string!(i18n, form.channel_phone).to_string()),
                        ("fax".to_string(), t_string!(i18n, form.channel_fax).to_string()),
                        ("online".to_string(), t_string!(i18n, form.channel_online).to_string()),
                    ]) />
                <SelectField ctx field=Field::PetitionerKind label=Signal::derive(move || t_string!(i18n, form.petitioner_kind).to_string())
                    options=Signal::derive(move || vec![
                        ("person".to_string(), t_string!(i18n, form.kind_person).to_string()),
                        ("organization".to_string(), t_string!(i18n, form.kind_organization).to_string()),
                    ]) />
                <TextField ctx field=Field::Name required=true label=Signal::derive(move || t_string!(i18n, form.name).to_string()) />
                <TextField ctx field=Field::IdNumber label=Signal::derive(move || t_string!(i18n, form.id_number).to_string()) />
                <TextField ctx field=Field::Phone input_type="tel" label=Signal::derive(move || t_string!(i18n, form.phone).to_string()) />
                <TextField ctx field=Field::Address required=true label=Signal::derive(move || t_string!(i18n, form.address).to_string()) />
                <TextField ctx field=Field::Visitors input_type="number" required=true label=Signal::derive(move || t_string!(i18n, form.visitors).to_string()) />
            </fieldset>
            <Show when=collective>
                <fieldset class="form__group" data-testid="representatives">
                    <legend>{t!(i18n, form.representatives)}</legend>
                    <p class="field__hint">{t!(i18n, form.representatives_hint)}</p>
                    {move || (0..reps()).map(|i| view! {
                        <div class="rep">
                            <TextField ctx field=Field::RepName(i) required=true label=Signal::derive(move || format!("{} {} · {}", t_string!(i18n, form.representative), i + 1, t_string!(i18n, form.name)))/>
                            <TextField ctx field=Field::RepIdNumber(i) label=Signal::derive(move || format!("{} {} · {}", t_string!(i18n, form.representative), i + 1, t_string!(i18n, form.id_number)))/>
                            <TextField ctx field=Field::RepPhone(i) input_type="tel" label=Signal::derive(move || format!("{} {} · {}", t_string!(i18n, form.representative), i + 1, t_string!(i18n, form.phone)))/>
                            <button type="button" class="button" data-testid=format!("rep-remove-{i}") on:click=move |_| {
                                ctx.form.update(|f| { if i < f.representatives.len() { f.representatives.remove(i); } });
                                ctx.edited();
                            }>{t!(i18n, form.remove_representative)}</button>
                        </div>
                    }).collect_view()}
                    <button type="button" class="button" data-testid="rep-add"
                        disabled=move || !ctx.form.with(PetitionForm::can_add_representative)
                        on:click=move |_| {
                            ctx.form.update(|f| if f.can_add_representative() { f.representatives.push(RepForm::default()) });
                            ctx.edited();
                        }>{t!(i18n, form.add_representative)}</button>
                </fieldset>
            </Show>
            <fieldset class="form__group">
                <legend>{t!(i18n, form.matter)}</legend>
                <SelectField ctx field=Field::Category label=Signal::derive(move || t_string!(i18n, form.category).to_string())
                    options=Signal::derive(move || vec![
                        ("suggestion".to_string(), t_string!(i18n, form.category_suggestion).to_string()),
                        ("accusation".to_string(), t_string!(i18n, form.category_accusation).to_string()),
                        ("appeal_request".to_string(), t_string!(i18n, form.category_appeal_request).to_string()),
                    ]) />
                <SelectField ctx field=Field::Subject label=Signal::derive(move || t_string!(i18n, form.subject).to_string())
                    options=Signal::derive(move || {
                        let mut o = vec![(String::new(), t_string!(i18n, form.choose).to_string())];
                        o.extend(DEFAULT_SUBJECTS.iter().map(|(c, l)| ((*c).to_string(), (*l).to_string())));
                        o
                    }) />
                <TextField ctx field=Field::Township label=Signal::derive(move || t_string!(i18n, form.township).to_string()) />
                <TextField ctx field=Field::Request multiline=true required=true label=Signal::derive(move || t_string!(i18n, form.request).to_string()) />
                <TextField ctx field=Field::Facts multiline=true required=true label=Signal::derive(move || t_string!(i18n, form.facts).to_string()) />
                <TextField ctx field=Field::Reasons multiline=true label=Signal::derive(move || t_string!(i18n, form.reasons).to_string()) />
                <div class="field field--check">
                    <input type="checkbox" id="f-enterprise" data-testid="field-enterprise"
                        prop:checked=move || ctx.form.with(|f| f.enterprise)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            ctx.form.update(|f| f.enterprise = on);
                            ctx.edited();
                        } />
                    <label for="f-enterprise">{t!(i18n, form.enterprise)}</label>
                </div>
                <p class="field__hint">{t!(i18n, form.received_at)} " " <span class="mono">{move || ctx.form.with(|f| f.received_at.clone())}</span></p>
            </fieldset>
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

#[component]
fn FieldError(ctx: FormCtx, field: Field) -> impl IntoView {
    view! {
        <p class="field__error" id=field.error_dom_id() data-testid=format!("error-{}", field.path())
            hidden=move || ctx.error(field).is_none()>
            {move || ctx.error(field)}
        </p>
    }
}

#[component]
fn TextField(
    ctx: FormCtx,
    field: Field,
    label: Signal<String>,
    #[prop(optional)] multiline: bool,
    #[prop(optional)] required: bool,
    #[prop(optional)] input_type: Option<&'static str>,
) -> impl IntoView {
    let invalid = move || ctx.error(field).is_some().then_some("true");
    let value = move || ctx.form.with(|f| f.get(field));
    let on_input = move |ev: ev::Event| ctx.set(field, event_target_value(&ev));
    let control = if multiline {
        view! {
            <textarea id=field.dom_id() data-testid=field.test_id() rows="4" required=required
                aria-invalid=invalid aria-describedby=field.error_dom_id()
                prop:value=value on:input=on_input></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=field.dom_id() data-testid=field.test_id() type=input_type.unwrap_or("text") required=required
                aria-invalid=invalid aria-describedby=field.error_dom_id()
                prop:value=value on:input=on_input />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=field.dom_id()>{label}{required.then_some(" *")}</label>
            {control}
            <FieldError ctx field />
        </div>
    }
}

#[component]
fn SelectField(
    ctx: FormCtx,
    field: Field,
    label: Signal<String>,
    options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let invalid = move || ctx.error(field).is_some().then_some("true");
    view! {
        <div class="field">
            <label for=field.dom_id()>{label}</label>
            <select id=field.dom_id() data-testid=field.test_id()
                aria-invalid=invalid aria-describedby=field.error_dom_id()
                on:change=move |ev| ctx.set(field, event_target_value(&ev))>
                {move || {
                    let current = ctx.form.with_untracked(|f| f.get(field));
                    options.get().into_iter().map(|(v, l)| {
                        let selected = v == current;
                        view! { <option value=v selected=selected>{l}</option> }
                    }).collect_view()
                }}
            </select>
            <FieldError ctx field />
        </div>
    }
}
