//! `/petitions/:id`: one petition record, by the UUID the device gave it.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};
use crate::routes::{self, parse_petition_id};

/// One petition; for now its id, or a message when the link holds no valid id.
#[component]
pub fn PetitionDetail() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| parse_petition_id(&s));
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, petition_detail.title)) />
        <div class="page" data-testid="page-petition-detail">
            <h1>{t!(i18n, petition_detail.title)}</h1>
            {move || match id() {
                Some(id) => {
                    view! {
                        <dl class="facts">
                            <dt>{t!(i18n, petition_detail.id_label)}</dt>
                            <dd class="mono" data-testid="petition-id">{id.to_string()}</dd>
                        </dl>
                        <p>{t!(i18n, petition_detail.explain)}</p>
                    }
                        .into_any()
                }
                None => view! { <p class="notice">{t!(i18n, petition_detail.invalid_id)}</p> }.into_any(),
            }}
            <p>
                <A href=routes::PETITIONS attr:class="back-link">{t!(i18n, petition_detail.back)}</A>
            </p>
        </div>
    }
}
