//! The interface texts: which language is current, and the text of a key in it.
//!
//! The texts come from `locales/*.json` through `build.rs`: every key is a constant with an index
//! and the default language's text, and each other language has a table of texts by index. The
//! default language is compiled in, each text next to the code that shows it (so a page's texts
//! are in its own wasm module). In the release build (the `split` feature) the other languages'
//! tables are not compiled in: each is a file of its own
//! (`/locales/<tag>-<hash>.json`, precached by the service worker like every file of the build),
//! fetched when a device starts in that language (before the app mounts, behind the boot shell)
//! or switches to it ([`I18nContext::set_locale`] switches once the texts are there). So the first
//! download carries one language's sentences instead of three. Other builds (tests, `cargo check`,
//! the debug build) compile every table in.
//!
//! Why not leptos_i18n, which the app used before: it compiles every language into the main
//! module, and its own lazy loading (`dynamic_load`) makes every `t_string!`/`td_string!` an
//! `async` value (more than 200 call sites here, many in plain functions) and fetches through a
//! server-function client. The call sites keep its macros' shape: `t!(i18n, home.intro)` for a
//! view that follows the language, `t_string!(i18n, key)` for the text now, `td_string!(locale,
//! key)` for the text in a given language.

use leptos::prelude::*;

include!(concat!(env!("OUT_DIR"), "/i18n.rs"));

/// A text of the locale files (`keys::home::intro`): its index into the other languages' tables,
/// and the default language's text itself. That one is not in a table: used where the key is
/// used, it travels with the code that shows it, so a page's texts are in the page's wasm module
/// rather than in the first download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key(u16, &'static str);

/// The text of `key` in `locale`. A language whose file has not arrived (it never is asked for
/// before [`load`] succeeded) shows the default language's text instead of nothing.
pub fn text(locale: Locale, key: Key) -> &'static str {
    match table(locale) {
        Some(texts) => texts[usize::from(key.0)],
        None => key.1,
    }
}

/// The table of a language other than the default, if on hand.
#[cfg(not(feature = "split"))]
fn table(locale: Locale) -> Option<&'static [&'static str]> {
    match locale {
        Locale::zh_Hans => None,
        Locale::zh_Hant => Some(&TEXTS_ZH_HANT),
        Locale::en => Some(&TEXTS_EN),
    }
}

/// Whether the texts of `locale` are on hand, so it can be shown at once.
pub fn is_loaded(locale: Locale) -> bool {
    locale == Locale::default() || table(locale).is_some()
}

/// Makes the texts of `locale` available: at once when they are compiled in or were fetched
/// before, else by fetching its file. An error leaves the language unavailable (the caller stays
/// in the current one).
pub async fn load(locale: Locale) -> Result<(), LoadError> {
    if is_loaded(locale) {
        return Ok(());
    }
    fetched::load(locale).await
}

/// Why a language's texts could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The file could not be fetched (offline before the service worker had it, or a server
    /// error), with the browser's reason.
    Fetch(String),
    /// The file is not this build's: not an array of strings, or not one per key.
    Malformed,
}

/// The table of a language other than the default, once fetched.
#[cfg(feature = "split")]
fn table(locale: Locale) -> Option<&'static [&'static str]> {
    fetched::get(locale)
}

#[cfg(not(feature = "split"))]
mod fetched {
    use super::{LoadError, Locale};

    pub async fn load(_: Locale) -> Result<(), LoadError> {
        // Every table is compiled in: `is_loaded` already said yes.
        Ok(())
    }
}

#[cfg(feature = "split")]
mod fetched {
    //! The other languages' tables, fetched once each and kept for the life of the page.

    use std::sync::OnceLock;

    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    use super::{LoadError, Locale, KEY_COUNT, URL_EN, URL_ZH_HANT};

    type Table = OnceLock<Box<[&'static str]>>;
    static ZH_HANT: Table = OnceLock::new();
    static EN: Table = OnceLock::new();

    fn slot(locale: Locale) -> Option<(&'static Table, &'static str)> {
        match locale {
            Locale::zh_Hans => None,
            Locale::zh_Hant => Some((&ZH_HANT, URL_ZH_HANT)),
            Locale::en => Some((&EN, URL_EN)),
        }
    }

    pub fn get(locale: Locale) -> Option<&'static [&'static str]> {
        slot(locale)
            .and_then(|(table, _)| table.get())
            .map(|t| &**t)
    }

    pub async fn load(locale: Locale) -> Result<(), LoadError> {
        let Some((table, url)) = slot(locale) else {
            return Ok(());
        };
        let texts = fetch_array(url).await?;
        if texts.len() != KEY_COUNT {
            return Err(LoadError::Malformed);
        }
        // Kept for the life of the page: at most one table per language, each loaded once.
        let texts: Box<[&'static str]> = texts.into_iter().map(|s| &*s.leak()).collect();
        // A second load that raced this one keeps the first table; they are the same file.
        let _ = table.set(texts);
        Ok(())
    }

    async fn fetch_array(url: &str) -> Result<Vec<String>, LoadError> {
        let fail = |e: wasm_bindgen::JsValue| LoadError::Fetch(format!("{e:?}"));
        let window = web_sys::window().ok_or(LoadError::Fetch("no window".into()))?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
            .await
            .map_err(fail)?
            .unchecked_into();
        if !response.ok() {
            return Err(LoadError::Fetch(format!("HTTP {}", response.status())));
        }
        let json = JsFuture::from(response.json().map_err(fail)?)
            .await
            .map_err(|_| LoadError::Malformed)?;
        let array: js_sys::Array = json.dyn_into().map_err(|_| LoadError::Malformed)?;
        array
            .iter()
            .map(|v| v.as_string().ok_or(LoadError::Malformed))
            .collect()
    }
}

/// The current language, shared by the whole app ([`provide_i18n`], [`use_i18n`]).
#[derive(Clone, Copy)]
pub struct I18nContext {
    locale: RwSignal<Locale>,
}

impl I18nContext {
    /// The current language (tracked: a view or effect reading it follows every switch).
    pub fn get_locale(self) -> Locale {
        self.locale.get()
    }

    /// The current language, without tracking.
    pub fn get_locale_untracked(self) -> Locale {
        self.locale.get_untracked()
    }

    /// Switches to `locale` once its texts are on hand: at once when they are, else after its
    /// file has been fetched (from the service worker's cache when offline), so the page never
    /// shows a mix of two languages. If it cannot be fetched the language stays as it was.
    pub fn set_locale(self, locale: Locale) {
        if is_loaded(locale) {
            self.locale.set(locale);
            return;
        }
        leptos::task::spawn_local(async move {
            match load(locale).await {
                Ok(()) => self.locale.set(locale),
                Err(e) => leptos::logging::warn!(
                    "the texts of {} could not be loaded: {e:?}",
                    locale.as_str()
                ),
            }
        });
    }

    /// The text of `key` in the current language (tracked).
    pub fn text(self, key: Key) -> &'static str {
        text(self.get_locale(), key)
    }
}

/// Provides the app's language context, starting in `initial` if its texts are on hand (see
/// [`load`]) and in the default language otherwise.
pub fn provide_i18n(initial: Locale) -> I18nContext {
    let start = if is_loaded(initial) {
        initial
    } else {
        Locale::default()
    };
    let context = I18nContext {
        locale: RwSignal::new(start),
    };
    provide_context(context);
    context
}

/// The app's language context.
///
/// # Panics
/// Outside the app (no [`provide_i18n`] above).
pub fn use_i18n() -> I18nContext {
    expect_context()
}

/// A view of the text of a key that follows the current language: `t!(i18n, home.intro)`.
macro_rules! t {
    ($i18n:expr, $($key:ident).+) => {{
        let i18n: $crate::i18n::I18nContext = $i18n;
        move || i18n.text($crate::i18n::keys::$($key)::+)
    }};
}
pub(crate) use t;

/// The text of a key in the current language, now (tracked): `t_string!(i18n, nav.label)`.
macro_rules! t_string {
    ($i18n:expr, $($key:ident).+) => {
        $crate::i18n::I18nContext::text($i18n, $crate::i18n::keys::$($key)::+)
    };
}
pub(crate) use t_string;

/// The text of a key in a given language: `td_string!(locale, errors.required)`.
macro_rules! td_string {
    ($locale:expr, $($key:ident).+) => {
        $crate::i18n::text($locale, $crate::i18n::keys::$($key)::+)
    };
}
pub(crate) use td_string;

#[cfg(test)]
mod tests {
    use super::*;

    fn locale_file(locale: Locale) -> serde_json::Value {
        let path = format!(
            "{}/locales/{}.json",
            env!("CARGO_MANIFEST_DIR"),
            locale.as_str()
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn a_key_reads_the_text_of_its_path_in_every_language() {
        for locale in Locale::ALL {
            let file = locale_file(locale);
            assert_eq!(td_string!(locale, home.intro), file["home"]["intro"]);
            assert_eq!(td_string!(locale, nav.settings), file["nav"]["settings"]);
            assert_eq!(td_string!(locale, skip_to_content), file["skip_to_content"]);
        }
    }

    #[test]
    fn every_other_language_has_a_text_for_every_key() {
        for locale in &Locale::ALL[1..] {
            let table = table(*locale).unwrap();
            assert_eq!(table.len(), KEY_COUNT);
            assert!(table.iter().all(|t| !t.is_empty()), "{locale:?}");
        }
        assert!(Locale::ALL.iter().all(|l| is_loaded(*l)), "all compiled in");
    }

    #[test]
    fn languages_read_back_from_their_tags() {
        for locale in Locale::ALL {
            assert_eq!(locale.as_str().parse::<Locale>(), Ok(locale));
        }
        assert_eq!(Locale::default(), Locale::zh_Hans);
        assert!("fr".parse::<Locale>().is_err());
    }
}
