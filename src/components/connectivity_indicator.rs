//! The header's network indicator: a word and a shape, never colour alone.

use leptos::prelude::*;

use crate::connectivity::{use_connectivity, Connectivity};
use crate::i18n::{t, t_string, use_i18n};

/// Shows 在线 / 离线. `role="status"` makes screen readers announce a change politely; the
/// `data-state` attribute (`online` / `offline`) is what the CSS and end-to-end tests read.
#[component]
pub fn ConnectivityIndicator() -> impl IntoView {
    let i18n = use_i18n();
    let connectivity = use_connectivity();
    let offline = move || connectivity.get() == Connectivity::Offline;
    view! {
        <span
            class="pill pill--connectivity"
            role="status"
            data-testid="connectivity"
            data-state=move || connectivity.get().as_str()
            title=move || offline().then(|| t_string!(i18n, connectivity.offline_hint))
        >
            <span class="pill__icon" aria-hidden="true"></span>
            {move || {
                if offline() {
                    t!(i18n, connectivity.offline).into_any()
                } else {
                    t!(i18n, connectivity.online).into_any()
                }
            }}
        </span>
    }
}
