//! `/petitions/new`: creates a draft with the defaults and opens its form.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use lianxin_core::protocol::RecordKind;
use lianxin_sync::{Draft, Store};

use crate::app_state::{use_app_state, StoreState};
use crate::components::page_title::PageTitle;
use crate::i18n::{t, t_string, use_i18n};
use crate::petition_form::PetitionForm;
use crate::routes;

/// A new petition: once the store is open and the device enrolled, a draft is created and the
/// form opens; otherwise it says what is missing.
#[component]
pub fn PetitionNew() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app_state();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let started = StoredValue::new(false);
    Effect::new(move |_| {
        if app.store_state.get() != StoreState::Open || started.get_value() {
            return;
        }
        let Some(status) = app.status.get() else {
            return;
        };
        if !status.enrolled {
            return;
        }
        started.set_value(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let Some(store) = app.store() else { return };
            let township = store
                .device()
                .await
                .ok()
                .flatten()
                .map(|d| d.township)
                .unwrap_or_default();
            let form = PetitionForm::new_default(chrono::Local::now().fixed_offset(), &township);
            let draft = Draft::new(RecordKind::Petition, form.to_json());
            let r = store.put_draft(&draft).await;
            app.note_write(&r);
            match r {
                Ok(()) => navigate(
                    &routes::petition(draft.id),
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                ),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    });
    let not_enrolled = move || app.status.with(|s| s.as_ref().is_some_and(|s| !s.enrolled));
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, petition_new.title)) />
        <div class="page" data-testid="page-petition-new">
            <h1>{t!(i18n, petition_new.title)}</h1>
            {move || {
                if let StoreState::Failed(e) = app.store_state.get() {
                    view! { <p class="notice notice--error" role="alert">{e.to_string()}</p> }.into_any()
                } else if let Some(e) = error.get() {
                    view! { <p class="notice notice--error" role="alert">{e}</p> }.into_any()
                } else if not_enrolled() {
                    view! {
                        <p class="notice" data-testid="enroll-prompt">
                            {t!(i18n, petition_new.enroll_first)} " "
                            <A href=routes::ENROLL>{t!(i18n, home.enroll_link)}</A>
                        </p>
                    }
                        .into_any()
                } else {
                    view! { <p role="status">{t!(i18n, petition_new.creating)}</p> }.into_any()
                }
            }}
            <p>
                <A href=routes::PETITIONS attr:class="back-link">{t!(i18n, petition_new.back)}</A>
            </p>
        </div>
    }
}
