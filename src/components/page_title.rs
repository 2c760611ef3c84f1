//! The document title of the current page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{t_string, use_i18n};
use crate::routes::page_title;

/// Sets `<title>` to "page · app", following the language. `page` is the page's translated name.
#[component]
pub fn PageTitle(page: Signal<&'static str>) -> impl IntoView {
    let i18n = use_i18n();
    view! { <Title text=move || page_title(page.get(), t_string!(i18n, app.name))/> }
}
