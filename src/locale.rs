//! The interface languages and how the choice is remembered.
//!
//! Translations come from `locales/*.json` through leptos_i18n; this module only holds what the
//! library leaves to us: the order and native names of the languages in the switcher, and the
//! options of the cookie in which leptos_i18n keeps the choice.

use leptos_i18n::context::CookieOptions;
use leptos_use::SameSite;

use crate::i18n::Locale;

/// The languages in the order the switcher offers them.
pub const LANGUAGES: [Locale; 3] = [Locale::zh_Hans, Locale::zh_Hant, Locale::en];

/// How long the language choice is kept: a year, so that a kiosk keeps its language across
/// restarts of the browser (without `Max-Age` the cookie would die with the browser session).
pub const CHOICE_MAX_AGE_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// The name of a language in that language itself, as language pickers show it: a reader who
/// does not understand the current language must still find their own.
pub fn autonym(locale: Locale) -> &'static str {
    match locale {
        Locale::zh_Hans => "简体中文",
        Locale::zh_Hant => "繁體中文",
        Locale::en => "English",
    }
}

/// The cookie in which leptos_i18n remembers the chosen language.
///
/// `default_value` makes 简体中文 the language of a device on which nobody chose one, whatever the
/// browser's own language: these are bureau tablets and public kiosks whose browser settings say
/// nothing about the person in front of them. `SameSite=Strict` and `Path=/` because only this app
/// reads it.
pub fn cookie_options() -> CookieOptions<Locale> {
    CookieOptions::<Locale>::default()
        .max_age(CHOICE_MAX_AGE_MS)
        .path("/")
        .same_site(SameSite::Strict)
        .default_value(Some(Locale::zh_Hans))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use leptos_i18n::Locale as _;

    use super::*;

    #[test]
    fn the_switcher_offers_every_configured_language_once() {
        let offered: HashSet<_> = LANGUAGES.iter().map(|l| l.as_str()).collect();
        let configured: HashSet<_> = Locale::get_all().iter().map(|l| l.as_str()).collect();
        assert_eq!(offered, configured);
        assert_eq!(offered.len(), LANGUAGES.len());
    }

    #[test]
    fn simplified_chinese_is_the_default_language() {
        assert_eq!(Locale::default(), Locale::zh_Hans);
        assert_eq!(LANGUAGES[0], Locale::zh_Hans);
    }

    #[test]
    fn language_tags_are_valid_for_the_html_lang_attribute() {
        // leptos_i18n writes `as_str()` into <html lang>; these are BCP 47 tags screen readers
        // and the browser's font selection understand (zh-Hans vs zh-Hant picks the right glyphs).
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
