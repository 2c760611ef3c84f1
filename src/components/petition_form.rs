//! The petition registration form's inputs: one widget per [`Field`], with its name in the
//! user's language ([`field_label`], from the locale files' `field.*`) and the options of its
//! select from the wire enum itself (`labels::options`) or, for the subject, from the device's
//! newest configuration. Adding a field to the petition takes lianxin-core (the field and the
//! draft), this file (its input and its name) and the three locale files.

use leptos::prelude::*;
use leptos_router::components::A;
use lianxin_core::petition::{
    guidance, AppealRoute, Category, Channel, Field, Guidance, PetitionerKind,
};
use lianxin_core::protocol::{DeviceConfig, SubjectEntry};
use lianxin_sync::Store;

use crate::app_state::use_services;
use crate::components::form_field::{
    dom_id, error_dom_id, test_id, CheckField, FormCtx, SelectField, TextField,
};
use crate::components::law_article::article_name;
use crate::errors::fill;
use crate::formatting::{china_input, china_time, from_china_input};
use crate::i18n::{t, td_string, use_i18n, Locale};
use crate::labels;
use crate::routes;

/// The name of `field` in `locale`, as its input's label and in its error messages. The
/// petitioner's name is a person's 姓名 or an organization's 名称.
pub fn field_label(locale: Locale, field: Field, kind: PetitionerKind) -> String {
    let name = match field {
        Field::Channel => td_string!(locale, field.channel),
        Field::PetitionerKind => td_string!(locale, field.petitioner_kind),
        Field::Name if kind.is_organization() => td_string!(locale, field.name_organization),
        Field::Name => td_string!(locale, field.name_person),
        Field::Document => td_string!(locale, field.document),
        Field::IdentityUnclear => td_string!(locale, field.identity_unclear),
        Field::OralRecordConfirmed => td_string!(locale, field.oral_record_confirmed),
        Field::AppealRoute => td_string!(locale, field.appeal_route),
        Field::Respondent => td_string!(locale, field.respondent),
        Field::Urgent => td_string!(locale, field.urgent),
        Field::Department => td_string!(locale, field.department),
        Field::IdNumber => td_string!(locale, field.id_number),
        Field::Phone => td_string!(locale, field.phone),
        Field::Address => td_string!(locale, field.address),
        Field::Visitors => td_string!(locale, field.visitors),
        Field::Representatives => td_string!(locale, field.representatives),
        Field::Category => td_string!(locale, field.category),
        Field::Subject => td_string!(locale, field.subject),
        Field::Township => td_string!(locale, field.township),
        Field::Request => td_string!(locale, field.request),
        Field::Facts => td_string!(locale, field.facts),
        Field::Reasons => td_string!(locale, field.reasons),
        Field::Enterprise => td_string!(locale, field.enterprise),
        Field::ReceivedAt => td_string!(locale, field.received_at),
        Field::RepName(i) | Field::RepIdNumber(i) | Field::RepPhone(i) => {
            let own = match field {
                Field::RepName(_) => Field::Name,
                Field::RepIdNumber(_) => Field::IdNumber,
                _ => Field::Phone,
            };
            return fill(
                td_string!(locale, field.representative),
                &[
                    ("n", (i + 1).to_string()),
                    ("field", field_label(locale, own, PetitionerKind::Person)),
                ],
            );
        }
    };
    name.to_owned()
}

/// The petitioner's kind as the draft holds it (a person until it says otherwise).
fn kind_of(ctx: FormCtx) -> PetitionerKind {
    ctx.draft.with(|d| d.petitioner_kind())
}

/// The articles a guidance cites (as its text does), each linked to the law reader.
fn guidance_articles(g: Guidance) -> &'static [u8] {
    match g {
        Guidance::LitigationVisit => &[20, 22, 28],
        Guidance::LitigationWritten => &[22],
        Guidance::Accusation => &[22, 30],
    }
}

/// The guidance of lianxin-core's [`guidance`] in `locale`.
fn guidance_text(locale: Locale, g: Guidance) -> &'static str {
    match g {
        Guidance::LitigationVisit => td_string!(locale, form.guidance_litigation_visit),
        Guidance::LitigationWritten => td_string!(locale, form.guidance_litigation_written),
        Guidance::Accusation => td_string!(locale, form.guidance_accusation),
    }
}

/// The one-line explanation of a kind of matter.
fn category_hint(locale: Locale, c: Category) -> &'static str {
    match c {
        Category::Suggestion => td_string!(locale, form.category_hint_suggestion),
        Category::Accusation => td_string!(locale, form.category_hint_accusation),
        Category::AppealRequest => td_string!(locale, form.category_hint_appeal_request),
    }
}

/// The inputs of the form, in two groups: the petitioner (and representatives of a collective
/// visit), and the matter. `subjects` is the device's newest subject list.
#[component]
pub fn PetitionFields(ctx: FormCtx, subjects: Signal<Vec<SubjectEntry>>) -> impl IntoView {
    let i18n = use_i18n();
    let label = move |field: Field| {
        Signal::derive(move || field_label(i18n.get_locale(), field, kind_of(ctx)))
    };
    let collective = move || ctx.draft.with(|d| d.is_collective());
    let reps = move || ctx.draft.with(|d| d.representatives.len());
    let subject_options = Signal::derive(move || {
        let locale = i18n.get_locale();
        let mut o = vec![(String::new(), td_string!(locale, form.choose).to_owned())];
        o.extend(subjects.with(|s| {
            s.iter()
                .map(|e| (e.code.clone(), labels::subject(locale, e)))
                .collect::<Vec<_>>()
        }));
        o
    });
    let asks = move |field: Field| ctx.draft.with(|d| d.asks_for(field));
    // The departments and routing table of the device's newest configuration (the built-in ones
    // until the first pull brings the deployment's).
    let services = use_services();
    let config = LocalResource::new(move || async move {
        match services.store() {
            Some(store) => store.device_config().await.unwrap_or_default(),
            None => DeviceConfig::builtin(),
        }
    });
    let config = move || config.get().unwrap_or_default();
    let department_options = Signal::derive(move || {
        let locale = i18n.get_locale();
        let mut o = vec![(
            String::new(),
            td_string!(locale, form.department_none).to_owned(),
        )];
        o.extend(
            config()
                .departments()
                .iter()
                .map(|d| (d.code.clone(), labels::department(locale, d))),
        );
        o
    });
    // Keystroke cost (issue 16): the suggestion depends on five fields only, so it is computed
    // (and the configuration cloned) when one of them changes, not on every key in the facts.
    let routed = Memo::new(move |_| {
        ctx.draft.with(|d| {
            (
                d.subject.clone(),
                d.township.clone(),
                d.category(),
                d.respondent.clone(),
                d.department.clone(),
            )
        })
    });
    let suggestion = Memo::new(move |_| {
        let c = config();
        routed.with(|(subject, township, category, respondent, department)| {
            c.suggest_department(subject, township, *category, respondent)
                .filter(|code| department != code)
                .and_then(|code| c.departments().iter().find(|d| d.code == code).cloned())
        })
    });
    let suggestion = move || suggestion.get();
    // Likewise the guidance notes: their views are built again only when the guidance changes.
    let guidances = Memo::new(move |_| {
        ctx.draft
            .with(|d| guidance(d.channel(), d.category(), &d.subject))
    });
    let route_options = Signal::derive(move || {
        let locale = i18n.get_locale();
        let mut o = vec![(String::new(), td_string!(locale, form.choose).to_owned())];
        o.extend(labels::options::<AppealRoute>(locale, labels::appeal_route));
        o
    });
    let guidance_notes = move || {
        let locale = i18n.get_locale();
        guidances.with(|gs| {
            gs.iter()
                .copied()
                .map(|g| {
                    let name: &'static str = g.into();
                    let test_id = format!("guidance-{name}");
                    let links = guidance_articles(g).iter().map(|&n| view! {
                        " " <A href=routes::law_link(n) attr:data-testid=format!("guidance-law-{n}")>
                            {article_name(locale, n)}
                        </A>
                    }).collect_view();
                    view! {
                        <p class="notice notice--info" data-testid=test_id>
                            {guidance_text(locale, g)} " " {td_string!(locale, law.read_articles)} {links}
                        </p>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <fieldset class="form__group">
            <legend>{t!(i18n, form.petitioner)}</legend>
            <SelectField ctx field=Field::Channel label=label(Field::Channel)
                options=Signal::derive(move || labels::options::<Channel>(i18n.get_locale(), labels::channel)) />
            <SelectField ctx field=Field::PetitionerKind label=label(Field::PetitionerKind)
                options=Signal::derive(move || labels::options::<PetitionerKind>(i18n.get_locale(), labels::petitioner_kind)) />
            <TextField ctx field=Field::Name required=true label=label(Field::Name) />
            <Show when=move || asks(Field::IdNumber)>
                <TextField ctx field=Field::IdNumber label=label(Field::IdNumber) />
            </Show>
            <Show when=move || asks(Field::Document)>
                <p class="field__hint">{t!(i18n, form.document_hint)}</p>
                <TextField ctx field=Field::Document label=label(Field::Document) />
            </Show>
            <TextField ctx field=Field::Phone input_type="tel" label=label(Field::Phone) />
            <TextField ctx field=Field::Address required=true label=label(Field::Address) />
            <CheckField ctx field=Field::IdentityUnclear label=label(Field::IdentityUnclear) />
            <Show when=move || ctx.draft.with(|d| d.identity_unclear)>
                <p class="field__hint" data-testid="identity-unclear-hint">{t!(i18n, form.identity_unclear_hint)}</p>
            </Show>
            <TextField ctx field=Field::Visitors input_type="number" required=true label=label(Field::Visitors) />
            <Show when=move || asks(Field::ReceivedAt)>
                <ReceivedAtField ctx label=label(Field::ReceivedAt) />
            </Show>
        </fieldset>
        <Show when=collective>
            <fieldset class="form__group" data-testid="representatives">
                <legend>{t!(i18n, form.representatives)}</legend>
                <p class="field__hint">{t!(i18n, form.representatives_hint)}</p>
                {move || (0..reps()).map(|i| view! {
                    <div class="rep">
                        <TextField ctx field=Field::RepName(i) required=true label=label(Field::RepName(i)) />
                        <TextField ctx field=Field::RepIdNumber(i) label=label(Field::RepIdNumber(i)) />
                        <TextField ctx field=Field::RepPhone(i) input_type="tel" required=true label=label(Field::RepPhone(i)) />
                        <button type="button" class="button" data-testid=format!("rep-remove-{i}")
                            on:click=move |_| ctx.edit(|d| d.remove_representative(i))>
                            {t!(i18n, form.remove_representative)}
                        </button>
                    </div>
                }).collect_view()}
                <button type="button" class="button" data-testid="rep-add"
                    disabled=move || !ctx.draft.with(|d| d.can_add_representative())
                    on:click=move |_| ctx.edit(|d| d.add_representative())>
                    {t!(i18n, form.add_representative)}
                </button>
            </fieldset>
        </Show>
        <fieldset class="form__group">
            <legend>{t!(i18n, form.matter)}</legend>
            <SelectField ctx field=Field::Category label=label(Field::Category)
                options=Signal::derive(move || labels::options::<Category>(i18n.get_locale(), labels::category)) />
            <p class="field__hint" data-testid="category-hint">
                {move || category_hint(i18n.get_locale(), ctx.draft.with(|d| d.category()))}
            </p>
            <Show when=move || asks(Field::AppealRoute)>
                <SelectField ctx field=Field::AppealRoute label=label(Field::AppealRoute) options=route_options />
            </Show>
            <SelectField ctx field=Field::Subject label=label(Field::Subject) options=subject_options />
            {guidance_notes}
            <TextField ctx field=Field::Township label=label(Field::Township) />
            <TextField ctx field=Field::Respondent label=label(Field::Respondent) />
            <SelectField ctx field=Field::Department label=label(Field::Department) options=department_options />
            {move || suggestion().map(|d| {
                let locale = i18n.get_locale();
                let name = labels::department(locale, &d);
                let code = d.code.clone();
                view! {
                    <p class="field__hint" data-testid="department-suggestion">
                        {fill(td_string!(locale, form.department_suggestion), &[("department", name)])} " "
                        <button type="button" class="button" data-testid="department-use-suggestion"
                            on:click=move |_| ctx.set(Field::Department, code.clone())>
                            {td_string!(locale, form.department_use_suggestion)}
                        </button>
                    </p>
                }
            })}
            <TextField ctx field=Field::Request multiline=true required=true label=label(Field::Request) />
            <TextField ctx field=Field::Facts multiline=true required=true label=label(Field::Facts) />
            <TextField ctx field=Field::Reasons multiline=true label=label(Field::Reasons) />
            <Show when=move || asks(Field::OralRecordConfirmed)>
                <p class="field__hint">{t!(i18n, form.oral_hint)}</p>
                <CheckField ctx field=Field::OralRecordConfirmed label=label(Field::OralRecordConfirmed) />
            </Show>
            <CheckField ctx field=Field::Urgent label=label(Field::Urgent) />
            <Show when=move || ctx.draft.with(|d| d.urgent)>
                <p class="field__hint">{t!(i18n, form.urgent_hint)}</p>
            </Show>
            <CheckField ctx field=Field::Enterprise label=label(Field::Enterprise) />
            <Show when=move || !asks(Field::ReceivedAt)>
                <p class="field__hint" data-testid="received-at-text">
                    {t!(i18n, form.received_at)} " "
                    <span class="mono">{move || ctx.draft.with(|d| china_time(&d.received_at).unwrap_or_default())}</span>
                </p>
            </Show>
        </fieldset>
    }
}

/// A letter's reception time: the day and time it arrived, typed in China time and never later
/// than now (the same check as the server's, shown on the field).
#[component]
fn ReceivedAtField(ctx: FormCtx, label: Signal<String>) -> impl IntoView {
    let field = Field::ReceivedAt;
    view! {
        <div class="field">
            <label for=dom_id(field)>{label}</label>
            <input type="datetime-local" id=dom_id(field) data-testid=test_id(field)
                aria-describedby=error_dom_id(field)
                prop:value=move || ctx.draft.with(|d| china_input(&d.received_at).unwrap_or_default())
                on:change=move |ev| {
                    if let Some(v) = from_china_input(&event_target_value(&ev)) {
                        ctx.set(field, v);
                    }
                } />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::LANGUAGES;
    use lianxin_core::status::IntoEnumIterator;

    #[test]
    fn every_field_has_a_name_in_every_language_and_english_has_no_chinese() {
        let chinese = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let fields = Field::all().chain(Field::representative(0));
        for field in fields {
            for locale in LANGUAGES {
                for kind in PetitionerKind::iter() {
                    let name = field_label(locale, field, kind);
                    assert!(!name.trim().is_empty(), "{field:?}");
                    assert_eq!(chinese(&name), locale != Locale::en, "{field:?}: {name}");
                }
            }
        }
    }

    #[test]
    fn the_name_is_a_persons_or_an_organizations_and_representatives_are_numbered() {
        let l = Locale::zh_Hans;
        assert_eq!(field_label(l, Field::Name, PetitionerKind::Person), "姓名");
        assert_eq!(
            field_label(l, Field::Name, PetitionerKind::Organization),
            "名称"
        );
        assert_eq!(
            field_label(l, Field::RepPhone(1), PetitionerKind::Organization),
            "代表2联系电话"
        );
        assert_eq!(
            field_label(Locale::en, Field::RepName(0), PetitionerKind::Person),
            "Representative 1: Name"
        );
    }
}
