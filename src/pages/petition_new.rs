//! `/petitions/new`: creates a draft with the defaults and opens its form. A draft nobody typed
//! into is deleted when its form is left (`petition_draft::is_untouched`, in `petition_detail`),
//! so a tap on 新建登记 leaves no empty draft behind.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use lianxin_core::petition::PetitionDraft;
use lianxin_core::protocol::RecordKind;
use lianxin_sync::{Draft, Store, StoreError};

use crate::app_state::{use_services, use_sync_state, use_write_error, StoreState};
use crate::components::page_title::PageTitle;
use crate::errors;
use crate::i18n::{t, t_string, use_i18n};
use crate::privacy::use_session;
use crate::routes;

/// A new petition: once the store is open and the device enrolled, a draft is created and the
/// form opens; otherwise it says what is missing. The draft is this tab's own (`privacy`), the
/// one a kiosk user may open.
#[component]
pub fn PetitionNew() -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let sync = use_sync_state();
    let write_error = use_write_error();
    let session = use_session();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<StoreError>);
    let started = StoredValue::new(false);
    Effect::new(move |_| {
        if !services.is_open() || started.get_value() {
            return;
        }
        if !sync.status.with(|s| s.as_ref().is_some_and(|s| s.enrolled)) {
            return;
        }
        started.set_value(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let Some(store) = services.store() else {
                return;
            };
            let township = store
                .device()
                .await
                .ok()
                .flatten()
                .map(|d| d.township)
                .unwrap_or_default();
            let form = PetitionDraft::new(chrono::Local::now().fixed_offset(), &township);
            let draft = Draft::new(RecordKind::Petition, form.to_json());
            let r = store.put_draft(&draft).await;
            write_error.note(&r);
            match r {
                Ok(()) => {
                    session.own_draft.set(Some(draft.id));
                    navigate(
                        &routes::petition(draft.id),
                        NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    )
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, petition_new.title)) />
        <div class="page" data-testid="page-petition-new">
            <h1>{t!(i18n, petition_new.title)}</h1>
            {move || {
                let failed = match services.state.get() {
                    StoreState::Failed(e) => Some(e),
                    _ => error.get(),
                };
                if let Some(e) = failed {
                    view! { <p class="notice notice--error" role="alert">{errors::store_error(i18n.get_locale(), &e)}</p> }.into_any()
                } else if sync.not_enrolled() {
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
