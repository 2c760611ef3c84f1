//! The interface language picker.

use leptos::prelude::*;

use crate::i18n::{t, t_string, use_i18n, Locale};
use crate::locale::{autonym, LANGUAGES};

/// A labelled `<select>` of the interface languages, each named in itself. The choice applies at
/// once and is remembered on this device (see [`crate::locale::follow_locale`]).
///
/// `compact` hides the label visually (it stays for screen readers), for the header.
#[component]
pub fn LanguageSwitcher(
    /// The `id` of the `<select>`, unique on the page.
    id: &'static str,
    /// Whether to hide the label visually.
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev| {
        if let Ok(locale) = event_target_value(&ev).parse::<Locale>() {
            i18n.set_locale(locale);
        }
    };
    view! {
        <span class="language">
            <label for=id class:visually-hidden=compact class="language__label">
                {t!(i18n, language.label)}
            </label>
            <select
                id=id
                class="language__select"
                data-testid=id
                title=move || t_string!(i18n, language.choose)
                on:change=on_change
                prop:value=move || i18n.get_locale().as_str()
            >
                {LANGUAGES
                    .into_iter()
                    .map(|locale| {
                        view! {
                            <option value=locale.as_str() lang=locale.as_str()>
                                {autonym(locale)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </span>
    }
}
