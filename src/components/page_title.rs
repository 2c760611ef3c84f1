//! The document title of the current page.

use leptos::prelude::*;

use crate::i18n::{t_string, use_i18n};
use crate::routes::page_title;

/// Sets `<title>` to "page · app", following the language. `page` is the page's translated name.
///
/// A plain effect rather than leptos_meta's `<Title>`: the app sets nothing else in `<head>`,
/// and this keeps leptos_meta out of the wasm.
#[component]
pub fn PageTitle(page: Signal<&'static str>) -> impl IntoView {
    let i18n = use_i18n();
    Effect::new(move |_| {
        document().set_title(&page_title(page.get(), t_string!(i18n, app.name)));
    });
}
