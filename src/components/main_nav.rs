//! The main navigation: a row of large links that wraps on narrow screens.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, t_string, use_i18n};
use crate::nav::NavItem;

/// The main navigation landmark. The current section's link gets `aria-current="page"` from the
/// router's `<A>`, which the CSS also uses to highlight it.
#[component]
pub fn MainNav() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="nav" aria-label=move || t_string!(i18n, nav.label)>
            <ul class="nav__list">
                {NavItem::ALL
                    .into_iter()
                    .map(|item| {
                        view! {
                            <li>
                                <A
                                    href=item.path()
                                    exact=item.exact()
                                    attr:class="nav__link"
                                    {..}
                                    data-testid=item.test_id()
                                >
                                    <NavLabel item=item />
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// The translated name of a navigation entry. Translation keys are checked at compile time, so
/// each entry names its key here rather than carrying it as data.
#[component]
fn NavLabel(item: NavItem) -> impl IntoView {
    let i18n = use_i18n();
    match item {
        NavItem::Home => t!(i18n, nav.home).into_any(),
        NavItem::Petitions => t!(i18n, nav.petitions).into_any(),
        NavItem::Records => t!(i18n, nav.records).into_any(),
        NavItem::Query => t!(i18n, nav.query).into_any(),
        NavItem::Quiz => t!(i18n, nav.quiz).into_any(),
        NavItem::Law => t!(i18n, nav.law).into_any(),
        NavItem::Sync => t!(i18n, nav.sync).into_any(),
        NavItem::Settings => t!(i18n, nav.settings).into_any(),
    }
}
