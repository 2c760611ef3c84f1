//! The interface languages, and how the choice is remembered and shown to the browser.
//!
//! The texts come from `locales/*.json` through [`crate::i18n`]. This module holds the rest: the
//! order and native names of the languages in the switcher, the language a device starts in,
//! keeping the user's choice in localStorage, and `<html lang>`.
//!
//! Why localStorage and not a cookie: a cookie would travel to the server with every request for
//! nothing (and leptos_i18n's, which the app used before, parsed expiry dates with the `time`
//! crate, about 40 kB of wasm for one stored word).

use crate::i18n::{I18nContext, Locale};
use leptos::prelude::*;

/// The languages in the order the switcher offers them.
pub const LANGUAGES: [Locale; 3] = [Locale::zh_Hans, Locale::zh_Hant, Locale::en];

/// The localStorage key of the chosen language.
pub const STORAGE_KEY: &str = "lianxin.locale";

/// The name of a language in that language itself, as language pickers show it: a reader who
/// does not understand the current language must still find their own.
pub fn autonym(locale: Locale) -> &'static str {
    match locale {
        Locale::zh_Hans => "简体中文",
        Locale::zh_Hant => "繁體中文",
        Locale::en => "English",
    }
}

/// The language to start in, from what localStorage holds under [`STORAGE_KEY`].
///
/// Without a valid stored choice it is 简体中文, whatever the browser's own language: these are
/// bureau tablets and public kiosks whose browser settings say nothing about the person in front
/// of them.
pub fn initial_locale(stored: Option<&str>) -> Locale {
    stored
        .and_then(|tag| tag.parse::<Locale>().ok())
        .unwrap_or_default()
}

fn local_storage() -> Option<web_sys::Storage> {
    // Storage can be disabled or unavailable (some private modes); the app then simply starts in
    // the default language every time.
    window().local_storage().ok().flatten()
}

/// The language this device starts in (see [`initial_locale`]).
pub fn load_choice() -> Locale {
    let stored = local_storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    initial_locale(stored.as_deref())
}

/// Keeps the current language in localStorage and in `<html lang>`, from now on.
///
/// `lang` is what screen readers use to pick a voice and what browsers use to pick CJK glyphs
/// (简 and 繁 forms of the same character differ), so it must follow every switch.
pub fn follow_locale(i18n: I18nContext) {
    Effect::new(move |_| {
        let tag = i18n.get_locale().as_str();
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", tag);
        }
        if let Some(storage) = local_storage() {
            // A full or refused storage only costs remembering the language.
            let _ = storage.set_item(STORAGE_KEY, tag);
        }
    });
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_switcher_offers_every_configured_language_once() {
        let offered: HashSet<_> = LANGUAGES.iter().map(|l| l.as_str()).collect();
        let configured: HashSet<_> = Locale::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(offered, configured);
        assert_eq!(offered.len(), LANGUAGES.len());
    }

    #[test]
    fn a_device_where_nobody_chose_starts_in_simplified_chinese() {
        assert_eq!(initial_locale(None), Locale::zh_Hans);
        assert_eq!(LANGUAGES[0], Locale::zh_Hans);
    }

    #[test]
    fn a_stored_choice_is_used() {
        assert_eq!(initial_locale(Some("zh-Hant")), Locale::zh_Hant);
        assert_eq!(initial_locale(Some("en")), Locale::en);
    }

    #[test]
    fn a_stored_value_that_is_no_language_of_ours_falls_back_to_the_default() {
        assert_eq!(initial_locale(Some("fr")), Locale::zh_Hans);
        assert_eq!(initial_locale(Some("")), Locale::zh_Hans);
    }

    #[test]
    fn what_is_stored_reads_back_as_the_same_language() {
        for locale in LANGUAGES {
            assert_eq!(initial_locale(Some(locale.as_str())), locale);
        }
    }

    #[test]
    fn language_tags_are_valid_for_the_html_lang_attribute() {
        // BCP 47 tags that screen readers and font selection understand (zh-Hans vs zh-Hant
        // picks the right glyphs).
        let tags: Vec<_> = LANGUAGES.iter().map(|l| l.as_str()).collect();
        assert_eq!(tags, ["zh-Hans", "zh-Hant", "en"]);
    }

    #[test]
    fn every_language_is_named_in_itself() {
        assert_eq!(autonym(Locale::zh_Hans), "简体中文");
        assert_eq!(autonym(Locale::zh_Hant), "繁體中文");
        assert_eq!(autonym(Locale::en), "English");
    }
}
