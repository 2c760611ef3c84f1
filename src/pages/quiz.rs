//! `/quiz`: legal-awareness quizzes, offline. The campaigns pulled from the server and the
//! practice campaign over the bundled question bank (fetched at run time from
//! `lianxin_core::bank::ASSET_PATH` with the regulation's text, both precached by the service
//! worker, so neither is compiled into the app), the attempt in progress (resumed after a
//! reload from the store's metadata), the result of a submitted attempt, the attempts kept on
//! this device with the server's verdict, and the wrong-answer notebook (错题本).
//!
//! A submitted attempt is finalized like any record (a `quiz_attempt` draft → the outbox → the
//! push); what the device keeps of it for the notebook is a `LocalQuizAttempt`.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use lianxin_core::bank::Bank;
use lianxin_core::law::Regulation;
use lianxin_core::protocol::RecordKind;
use lianxin_core::quiz::{Campaign, Participant};
use lianxin_sync::{Draft, LocalQuizAttempt, OutboxRecord, RecordState, Store};
use uuid::Uuid;

use crate::app_state::{use_changes, use_refresh, use_services};
use crate::components::page_title::PageTitle;
use crate::components::quiz_result::QuizResult;
use crate::components::quiz_take::QuizTake;
use crate::errors::{self, fill};
use crate::formatting::local_time;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::labels;
use crate::quiz_state::{may_start, notebook, Kept, Take, IN_PROGRESS_KEY};

thread_local! {
    // Built once per app start from the two fetched files.
    static PRACTICE: RefCell<Option<Rc<Campaign>>> = const { RefCell::new(None) };
}

/// The practice campaign over the bundled bank, built from the bank and the regulation's text
/// (for the chapters of the articles cited), fetched once.
async fn practice() -> Option<Rc<Campaign>> {
    if let Some(c) = PRACTICE.with_borrow(Clone::clone) {
        return Some(c);
    }
    let bank = Bank::parse(&fetch_text(lianxin_core::bank::ASSET_PATH).await?).ok()?;
    let law = Regulation::parse(&fetch_text(lianxin_core::law::ASSET_PATH).await?).ok()?;
    let campaign = Rc::new(Campaign::practice(&bank, &law));
    PRACTICE.with_borrow_mut(|p| *p = Some(Rc::clone(&campaign)));
    Some(campaign)
}

async fn fetch_text(url: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let answer = JsFuture::from(window().fetch_with_str(url)).await.ok()?;
    let response: web_sys::Response = answer.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
enum Screen {
    /// Reading the store.
    Loading,
    /// The campaigns, the kept attempts and the notebook.
    List,
    /// Asking for the participant's details before starting.
    Details(Campaign),
    /// Taking an attempt (in `take`).
    Taking,
    /// The result of the attempt just submitted.
    Done(Box<Take>, Box<Kept>, Option<String>),
}

/// A kept attempt with the state of its record, if it was pushed.
#[derive(Debug, Clone, PartialEq)]
struct KeptRow {
    id: Uuid,
    kept: Kept,
    record: Option<OutboxRecord>,
}

/// The quiz page.
#[component]
pub fn Quiz() -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let changes = use_changes();
    let refresh = use_refresh();
    let screen = RwSignal::new(Screen::Loading);
    let campaigns = RwSignal::new(Vec::<Campaign>::new());
    let practice_missing = RwSignal::new(false);
    let rows = RwSignal::new(Vec::<KeptRow>::new());
    let take = RwSignal::new(None::<Take>);
    let participant = RwSignal::new(None::<Participant>);
    let error = RwSignal::new(None::<String>);
    let now = RwSignal::new(Utc::now());

    // The store's lists, again after every sync (a verdict may have come back).
    Effect::new(move |_| {
        changes.track();
        if !services.is_open() {
            return;
        }
        spawn_local(async move {
            let Some(store) = services.store() else {
                return;
            };
            let mut list = store.list_campaigns().await.unwrap_or_default();
            match practice().await {
                Some(p) if !list.iter().any(|c| c.id == p.id) => list.insert(0, (*p).clone()),
                Some(_) => {}
                None => practice_missing.set(true),
            }
            campaigns.set(list);
            let outbox: Vec<OutboxRecord> = store
                .list_outbox(None)
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.kind == RecordKind::QuizAttempt)
                .collect();
            let kept: Vec<KeptRow> = store
                .list_quiz_attempts()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter_map(|a| {
                    let kept: Kept = serde_json::from_value(a.attempt).ok()?;
                    let record = outbox
                        .iter()
                        .find(|r| r.payload["local_id"] == serde_json::json!(a.id))
                        .cloned();
                    Some(KeptRow {
                        id: a.id,
                        kept,
                        record,
                    })
                })
                .collect();
            rows.set(kept);
            if screen.get_untracked() == Screen::Loading {
                let resumed = store
                    .get_meta(IN_PROGRESS_KEY)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|v| serde_json::from_value::<Take>(v).ok());
                let resuming = resumed.is_some();
                take.set(resumed);
                screen.set(if resuming {
                    Screen::Taking
                } else {
                    Screen::List
                });
            }
        });
    });

    // The attempt in progress is saved after every step, so a reload resumes it.
    Effect::new(move |_| {
        let Some(t) = take.get() else { return };
        let Some(store) = services.store() else {
            return;
        };
        let Ok(value) = serde_json::to_value(&t) else {
            return;
        };
        spawn_local(async move {
            let _ = store.put_meta(IN_PROGRESS_KEY, value).await;
        });
    });

    // The timer's clock: a tick a second while an attempt with a time limit is on.
    let handle = set_interval_with_handle(
        move || {
            if take.with_untracked(|t| {
                t.as_ref()
                    .is_some_and(|t| t.campaign.time_limit_secs.is_some())
            }) {
                now.set(Utc::now());
            }
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    let seconds_left = Signal::derive(move || {
        let now = now.get();
        take.with(|t| t.as_ref().and_then(|t| t.seconds_left(now)))
    });

    let start = move |campaign: Campaign| {
        error.set(None);
        if campaign.consent.is_some() && participant.get_untracked().is_none() {
            screen.set(Screen::Details(campaign));
            return;
        }
        let seed = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
        take.set(Some(Take::start(
            &campaign,
            seed,
            Utc::now(),
            Uuid::now_v7(),
        )));
        screen.set(Screen::Taking);
    };
    let practise_notebook = move |campaign: Campaign, ids: BTreeSet<String>| {
        let seed = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
        take.set(Some(Take::notebook(
            &campaign,
            &ids,
            seed,
            Utc::now(),
            Uuid::now_v7(),
        )));
        screen.set(Screen::Taking);
    };

    let submit = Callback::new(move |()| {
        let Some(t) = take.get_untracked() else {
            return;
        };
        let Some(driver) = services.driver() else {
            error.set(Some(t_string!(i18n, quiz.store_unavailable).to_string()));
            return;
        };
        spawn_local(async move {
            let store = driver.engine().store().clone();
            let at = Utc::now();
            let township = store
                .device()
                .await
                .ok()
                .flatten()
                .map(|d| d.township)
                .unwrap_or_default();
            let who = participant.get_untracked();
            let name = who.as_ref().map(|p| p.name.clone());
            let kept = Kept::of(&t, at);
            if !t.notebook {
                let attempt = t.finish(at, &township, who);
                let Ok(form) = serde_json::to_value(&attempt) else {
                    return;
                };
                let draft = Draft::new(RecordKind::QuizAttempt, form);
                if let Err(e) = driver.engine().finalize_draft(&draft, at).await {
                    error.set(Some(e.to_string()));
                    return;
                }
            }
            let local = LocalQuizAttempt {
                id: t.local_id,
                campaign_id: t.campaign.id.clone(),
                attempt: serde_json::to_value(&kept).unwrap_or_default(),
                saved_at: at,
            };
            if let Err(e) = store.put_quiz_attempt(&local).await {
                error.set(Some(errors::store_error(i18n.get_locale(), &e)));
                return;
            }
            let _ = store.delete_meta(IN_PROGRESS_KEY).await;
            take.set(None);
            participant.set(None);
            screen.set(Screen::Done(Box::new(t), Box::new(kept), name));
            refresh.run();
            driver.sync_now();
        });
    });

    // Time is up: the attempt is submitted as it stands.
    Effect::new(move |_| {
        if seconds_left.get() == Some(0) && screen.get_untracked() == Screen::Taking {
            submit.run(());
        }
    });

    let abandon = move |_| {
        take.set(None);
        if let Some(store) = services.store() {
            spawn_local(async move {
                let _ = store.delete_meta(IN_PROGRESS_KEY).await;
            });
        }
        screen.set(Screen::List);
    };

    let list = move || {
        let at = Utc::now();
        let kept: Vec<Kept> = rows.with(|r| r.iter().map(|r| r.kept.clone()).collect());
        let items = campaigns
            .get()
            .into_iter()
            .map(|c| {
                let open = c.is_open(at);
                let startable = may_start(&c, &kept, at);
                let missed = notebook(&kept, &c.id);
                let facts = fill(
                    td_string!(i18n.get_locale(), quiz.campaign_facts),
                    &[
                        ("count", c.questions_per_attempt().to_string()),
                        ("pass_mark", c.pass_mark.to_string()),
                        ("until", local_time(c.ends_at)),
                    ],
                );
                let limit = c.time_limit_secs.map(|s| {
                    fill(
                        td_string!(i18n.get_locale(), quiz.time_limit),
                        &[("minutes", s.div_ceil(60).to_string())],
                    )
                });
                let per_day = c.attempts_per_day.map(|n| {
                    fill(
                        td_string!(i18n.get_locale(), quiz.per_day),
                        &[("n", n.to_string())],
                    )
                });
                let (for_start, for_notebook) = (c.clone(), c.clone());
                let notebook_size = missed.len();
                view! {
                    <li class="card quiz-campaign" data-testid="quiz-campaign" data-campaign-id=c.id.clone()>
                        <h2 lang="zh-Hans">{c.title.clone()}</h2>
                        {(!c.description.is_empty()).then(|| view! { <p lang="zh-Hans">{c.description.clone()}</p> })}
                        <p>{facts}</p>
                        {limit.map(|l| view! { <p>{l}</p> })}
                        {per_day.map(|l| view! { <p>{l}</p> })}
                        {(!open).then(|| view! { <p class="notice">{t!(i18n, quiz.closed)}</p> })}
                        {(open && !startable).then(|| view! { <p class="notice">{t!(i18n, quiz.limit_reached)}</p> })}
                        <button type="button" class="button" data-testid="quiz-start"
                            disabled=!startable on:click=move |_| start(for_start.clone())>
                            {t!(i18n, quiz.start)}
                        </button>
                        {(notebook_size > 0).then(|| view! {
                            <p class="quiz-notebook" data-testid="quiz-notebook">
                                {fill(td_string!(i18n.get_locale(), quiz.notebook), &[("n", notebook_size.to_string())])}
                                " "
                                <button type="button" class="button button--secondary" data-testid="quiz-practise-notebook"
                                    on:click=move |_| practise_notebook(for_notebook.clone(), missed.clone())>
                                    {t!(i18n, quiz.practise_notebook)}
                                </button>
                            </p>
                        })}
                    </li>
                }
            })
            .collect_view();
        let kept_rows = rows
            .get()
            .into_iter()
            .rev()
            .filter(|r| !r.kept.notebook)
            .map(|r| {
                let score = r.kept.score.as_ref().map(|s| {
                    fill(
                        td_string!(i18n.get_locale(), quiz.score_short),
                        &[("correct", s.correct.to_string()), ("total", s.total.to_string())],
                    )
                });
                let state = r.record.as_ref().map(|rec| labels::record_state(i18n.get_locale(), rec.state));
                let reason = r.record.as_ref().and_then(|rec| {
                    let refused = matches!(rec.state, RecordState::NeedsEdit | RecordState::Quarantined);
                    let e = rec.error.as_ref().filter(|_| refused)?;
                    Some(errors::api_error(i18n.get_locale(), e, None))
                });
                view! {
                    <li data-testid="quiz-kept" data-attempt-id=r.id.to_string()>
                        <span lang="zh-Hans">{r.kept.title.clone()}</span> " · "
                        {local_time(r.kept.finished_at)}
                        {score.map(|s| view! { " · " <span>{s}</span> })}
                        {state.map(|s| view! { " · " <span data-testid="quiz-kept-state">{s}</span> })}
                        {reason.map(|s| view! { <p class="field-error" data-testid="quiz-kept-reason">{s}</p> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            {move || practice_missing.get().then(|| view! { <p class="notice">{t!(i18n, quiz.practice_unavailable)}</p> })}
            <ul class="cards quiz-campaigns" data-testid="quiz-campaigns">{items}</ul>
            <h2>{t!(i18n, quiz.kept_title)}</h2>
            <p class="hint">{t!(i18n, quiz.multiple_rule_long)}</p>
            <ul class="quiz-kept" data-testid="quiz-kept-list">{kept_rows}</ul>
        }
    };

    let details = move |campaign: Campaign| {
        let name = RwSignal::new(String::new());
        let phone = RwSignal::new(String::new());
        let township = RwSignal::new(String::new());
        let consented = RwSignal::new(false);
        let consent = campaign.consent.clone().unwrap_or_default();
        let go = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let p = Participant {
                name: name.get_untracked().trim().to_owned(),
                phone: phone.get_untracked().trim().to_owned(),
                township: township.get_untracked().trim().to_owned(),
                consented: consented.get_untracked(),
            };
            if p.name.is_empty() || p.phone.is_empty() || !p.consented {
                error.set(Some(t_string!(i18n, quiz.details_required).to_string()));
                return;
            }
            participant.set(Some(p));
            start(campaign.clone());
        };
        view! {
            <form class="form quiz-details" data-testid="quiz-details" on:submit=go>
                <p lang="zh-Hans">{consent}</p>
                <label>{t!(i18n, quiz.details_name)}
                    <input type="text" maxlength="100" on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                <label>{t!(i18n, quiz.details_phone)}
                    <input type="tel" maxlength="20" on:input=move |ev| phone.set(event_target_value(&ev)) /></label>
                <label>{t!(i18n, quiz.details_township)}
                    <input type="text" maxlength="50" on:input=move |ev| township.set(event_target_value(&ev)) /></label>
                <label><input type="checkbox" on:change=move |ev| consented.set(event_target_checked(&ev)) />
                    {t!(i18n, quiz.details_consent)}</label>
                <button type="submit" class="button">{t!(i18n, quiz.start)}</button>
            </form>
        }
    };

    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, quiz.title)) />
        <div class="page" data-testid="page-quiz">
            <h1>{t!(i18n, quiz.title)}</h1>
            {move || error.get().map(|e| view! { <p class="notice notice--warn" role="alert">{e}</p> })}
            {move || match screen.get() {
                Screen::Loading => view! { <p>{t!(i18n, quiz.loading)}</p> }.into_any(),
                Screen::List => list().into_any(),
                Screen::Details(c) => details(c).into_any(),
                Screen::Taking => view! {
                    <QuizTake take=take seconds_left=seconds_left on_submit=submit />
                    <p><button type="button" class="link-button" data-testid="quiz-abandon" on:click=abandon>
                        {t!(i18n, quiz.abandon)}
                    </button></p>
                }.into_any(),
                Screen::Done(t, k, who) => view! {
                    <QuizResult take=*t kept=*k participant=who />
                    <p><button type="button" class="button button--secondary" data-testid="quiz-to-list"
                        on:click=move |_| screen.set(Screen::List)>
                        {t!(i18n, quiz.to_list)}
                    </button></p>
                }.into_any(),
            }}
        </div>
    }
}
