//! The inputs of a petition draft's form, each bound to one [`Field`]: its value, its label, its
//! validation errors in the user's language, and its ids, which all derive from the field
//! (`f-<key>`, `data-testid="field-<key>"`, the error's `data-testid="error-<path>"`).

use leptos::ev;
use leptos::prelude::*;
use lianxin_core::petition::{Field, PetitionDraft};
use lianxin_core::protocol::ApiError;

use crate::errors;
use crate::i18n::use_i18n;

/// What the inputs share: the draft as typed, the errors to show on it, and a count of edits the
/// page autosaves on.
#[derive(Clone, Copy)]
pub struct FormCtx {
    /// The draft as typed.
    pub draft: RwSignal<PetitionDraft>,
    /// The errors of the last finalize (or the server's refusal), each on its field.
    pub errors: RwSignal<Vec<ApiError>>,
    /// Bumped on every edit that changed the draft.
    pub edits: RwSignal<u64>,
}

impl FormCtx {
    /// A form over `draft`, showing `errors`.
    pub fn new(draft: PetitionDraft, errors: Vec<ApiError>) -> Self {
        FormCtx {
            draft: RwSignal::new(draft),
            errors: RwSignal::new(errors),
            edits: RwSignal::new(0),
        }
    }

    /// Changes the draft with `f`; when it says something changed, counts an edit.
    pub fn edit(&self, f: impl FnOnce(&mut PetitionDraft) -> bool) {
        let mut changed = false;
        self.draft.maybe_update(|d| {
            changed = f(d);
            changed
        });
        if changed {
            self.edits.update(|n| *n += 1);
        }
    }

    /// Sets what the input of `field` holds.
    pub fn set(&self, field: Field, value: String) {
        self.edit(|d| d.set(field, value));
    }

    fn is_invalid(&self, field: Field) -> bool {
        let path = field.path();
        self.errors
            .with(|es| es.iter().any(|e| e.field.as_deref() == Some(path.as_str())))
    }
}

/// The input's `id`.
pub fn dom_id(field: Field) -> String {
    format!("f-{}", field.key())
}

/// The `id` of the element holding the field's errors (for `aria-describedby`).
pub fn error_dom_id(field: Field) -> String {
    format!("e-{}", field.key())
}

/// The input's `data-testid`.
pub fn test_id(field: Field) -> String {
    format!("field-{}", field.key())
}

/// The field's errors, in the user's language, under its input.
#[component]
fn FieldError(ctx: FormCtx, field: Field, label: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let path = field.path();
    let text = {
        let path = path.clone();
        move || {
            let locale = i18n.get_locale();
            let label = label.get();
            ctx.errors.with(|es| {
                es.iter()
                    .filter(|e| e.field.as_deref() == Some(path.as_str()))
                    .map(|e| errors::api_error(locale, e, Some(&label)))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        }
    };
    view! {
        <p class="field__error" id=error_dom_id(field) data-testid=format!("error-{path}")
            hidden=move || !ctx.is_invalid(field)>
            {text}
        </p>
    }
}

/// A text input, or a textarea when `multiline`.
#[component]
pub fn TextField(
    ctx: FormCtx,
    field: Field,
    label: Signal<String>,
    #[prop(optional)] multiline: bool,
    #[prop(optional)] required: bool,
    #[prop(optional)] input_type: Option<&'static str>,
) -> impl IntoView {
    let invalid = move || ctx.is_invalid(field).then_some("true");
    let value = move || ctx.draft.with(|d| d.get(field));
    let on_input = move |ev: ev::Event| ctx.set(field, event_target_value(&ev));
    let control = if multiline {
        view! {
            <textarea id=dom_id(field) data-testid=test_id(field) rows="4" required=required
                aria-invalid=invalid aria-describedby=error_dom_id(field)
                prop:value=value on:input=on_input></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=dom_id(field) data-testid=test_id(field) type=input_type.unwrap_or("text")
                required=required aria-invalid=invalid aria-describedby=error_dom_id(field)
                prop:value=value on:input=on_input />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=dom_id(field)>{label}{required.then_some(" *")}</label>
            {control}
            <FieldError ctx field label />
        </div>
    }
}

/// A select of `options` (value, name). A value the draft holds that is not among them (a
/// subject the device's configuration no longer lists) is offered as itself, so the select
/// shows what is stored rather than silently another option.
#[component]
pub fn SelectField(
    ctx: FormCtx,
    field: Field,
    label: Signal<String>,
    options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let invalid = move || ctx.is_invalid(field).then_some("true");
    view! {
        <div class="field">
            <label for=dom_id(field)>{label}</label>
            <select id=dom_id(field) data-testid=test_id(field)
                aria-invalid=invalid aria-describedby=error_dom_id(field)
                on:change=move |ev| ctx.set(field, event_target_value(&ev))>
                {move || {
                    let current = ctx.draft.with_untracked(|d| d.get(field));
                    let mut options = options.get();
                    if !options.iter().any(|(v, _)| *v == current) {
                        options.push((current.clone(), current.clone()));
                    }
                    options.into_iter().map(|(v, l)| {
                        let selected = v == current;
                        view! { <option value=v selected=selected>{l}</option> }
                    }).collect_view()
                }}
            </select>
            <FieldError ctx field label />
        </div>
    }
}

/// A checkbox; the draft holds `"true"` or `"false"`.
#[component]
pub fn CheckField(ctx: FormCtx, field: Field, label: Signal<String>) -> impl IntoView {
    view! {
        <div class="field field--check">
            <input type="checkbox" id=dom_id(field) data-testid=test_id(field)
                aria-describedby=error_dom_id(field)
                prop:checked=move || ctx.draft.with(|d| d.get(field) == "true")
                on:change=move |ev| ctx.set(field, event_target_checked(&ev).to_string()) />
            <label for=dom_id(field)>{label}</label>
            <FieldError ctx field label />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_test_ids_derive_from_the_fields_key() {
        assert_eq!(test_id(Field::Name), "field-name");
        assert_eq!(test_id(Field::IdNumber), "field-id-number");
        assert_eq!(test_id(Field::PetitionerKind), "field-petitioner-kind");
        assert_eq!(test_id(Field::RepName(0)), "field-rep-0-name");
        assert_eq!(test_id(Field::Enterprise), "field-enterprise");
        assert_eq!(dom_id(Field::IdNumber), "f-id-number");
        assert_eq!(error_dom_id(Field::RepPhone(2)), "e-rep-2-phone");
    }
}
