//! `/enroll`: registering this device with its single-use code.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use lianxin_sync::{DeviceInfo, SyncError};

use crate::app_state::{use_refresh, use_services};
use crate::components::page_title::PageTitle;
use crate::errors;
use crate::i18n::{t, t_string, use_i18n};
use crate::labels;
use crate::routes;

/// Device enrollment: code and label, then the role and township the server gave.
#[component]
pub fn Enroll() -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let refresh = use_refresh();
    let code = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<DeviceInfo>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(driver) = services.driver() else {
            error.set(Some(t_string!(i18n, enroll.store_unavailable).to_string()));
            return;
        };
        let (c, l) = (code.get_untracked(), label.get_untracked());
        if c.trim().is_empty() {
            error.set(Some(t_string!(i18n, enroll.code_required).to_string()));
            return;
        }
        if l.trim().is_empty() {
            error.set(Some(t_string!(i18n, enroll.label_required).to_string()));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = driver.engine().enroll(c.trim(), l.trim()).await;
            busy.set(false);
            match result {
                Ok(info) => {
                    done.set(Some(info));
                    refresh.run();
                    driver.sync_now();
                }
                Err(e) => {
                    let msg = match &e {
                        SyncError::Offline { .. } => t_string!(i18n, enroll.offline).to_string(),
                        // The server's code says which: unknown, used or expired code, ...
                        other => errors::sync_error(i18n.get_locale(), other),
                    };
                    error.set(Some(msg));
                }
            }
        });
    };

    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, enroll.title)) />
        <div class="page" data-testid="page-enroll">
            <h1>{t!(i18n, enroll.title)}</h1>
            <p>{t!(i18n, enroll.explain)}</p>
            {move || match done.get() {
                Some(info) => {
                    let role = info.role;
                    view! {
                        <section class="notice notice--ok" data-testid="enroll-done" role="status">
                            <h2>{t!(i18n, enroll.done_title)}</h2>
                            <dl class="facts">
                                <dt>{t!(i18n, enroll.role)}</dt>
                                <dd data-testid="enroll-role">{move || labels::role(i18n.get_locale(), role)}</dd>
                                <dt>{t!(i18n, enroll.township)}</dt>
                                <dd data-testid="enroll-township">{info.township.clone()}</dd>
                            </dl>
                            <p>
                                <A href=routes::PETITION_NEW attr:class="button button--primary">
                                    {t!(i18n, enroll.next)}
                                </A>
                            </p>
                        </section>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <form class="form" on:submit=submit novalidate>
                            <div class="field">
                                <label for="enroll-code">{t!(i18n, enroll.code)}</label>
                                <input
                                    id="enroll-code"
                                    data-testid="enroll-code"
                                    autocomplete="off"
                                    autocapitalize="characters"
                                    required
                                    aria-describedby="enroll-error"
                                    prop:value=move || code.get()
                                    on:input=move |ev| code.set(event_target_value(&ev))
                                />
                            </div>
                            <div class="field">
                                <label for="enroll-label">{t!(i18n, enroll.label)}</label>
                                <input
                                    id="enroll-label"
                                    data-testid="enroll-label"
                                    autocomplete="off"
                                    prop:value=move || label.get()
                                    on:input=move |ev| label.set(event_target_value(&ev))
                                />
                            </div>
                            <p id="enroll-error" class="field__error" data-testid="enroll-error" role="alert" hidden=move || error.with(Option::is_none)>
                                {move || error.get()}
                            </p>
                            <button type="submit" class="button button--primary" data-testid="enroll-submit" disabled=move || busy.get()>
                                {move || if busy.get() { t!(i18n, enroll.submitting).into_any() } else { t!(i18n, enroll.submit).into_any() }}
                            </button>
                        </form>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
