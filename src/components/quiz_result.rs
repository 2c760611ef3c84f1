//! A submitted attempt: the device's score (when its copy of the campaign can score), passed or
//! not, the review of every question as the campaign's policy allows, and the printable
//! certificate of a passed staff exam. The server's verdict arrives with the sync and shows in
//! the campaign list.

use leptos::prelude::*;
use lianxin_core::quiz::{Audience, ReviewPolicy};

use crate::components::quiz_take::{option_letter, option_text, QuizExplanation};
use crate::errors::fill;
use crate::formatting::local_time;
use crate::i18n::{t, td_string, use_i18n};
use crate::quiz_state::{Kept, Take};

/// The result of `take`, kept as `kept`.
#[component]
pub fn QuizResult(take: Take, kept: Kept, participant: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let score = kept.score.clone();
    let shows_answers = take.campaign.review != ReviewPolicy::AfterClose
        || take.campaign.questions.iter().all(|q| q.key.is_some());
    let passed = score.as_ref().is_some_and(|s| s.passed);
    let summary = score.as_ref().map(|s| {
        fill(
            td_string!(i18n.get_locale(), quiz.score),
            &[
                ("correct", s.correct.to_string()),
                ("total", s.total.to_string()),
                ("percent", s.percent().to_string()),
                ("pass_mark", kept.pass_mark.to_string()),
            ],
        )
    });
    let verdict = score.as_ref().map(|s| {
        if s.passed {
            view! { <p class="notice notice--ok" data-testid="quiz-passed">{t!(i18n, quiz.passed)}</p> }
                .into_any()
        } else {
            view! { <p class="notice notice--warn" data-testid="quiz-failed">{t!(i18n, quiz.failed)}</p> }
                .into_any()
        }
    });
    let review = if shows_answers {
        take.drawn
            .iter()
            .enumerate()
            .filter_map(|(n, d)| {
                let q = take.campaign.question(&d.question_id)?.clone();
                let chosen = take.answers.get(&d.question_id).cloned().unwrap_or_default();
                let mine: Vec<String> = d
                    .order
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| chosen.contains(i))
                    .map(|(pos, i)| format!("{}. {}", option_letter(pos), option_text(i18n.get_locale(), &q, *i)))
                    .collect();
                let right = q.is_correct(&chosen) == Some(true);
                Some(view! {
                    <li class=if right { "quiz-review__item quiz-review__item--right" } else { "quiz-review__item quiz-review__item--wrong" }
                        data-testid="quiz-review-item">
                        <p lang="zh-Hans"><strong>{format!("{}. ", n + 1)}</strong>{q.stem.clone()}</p>
                        <p>{t!(i18n, quiz.your_answer)} " "
                            <span lang="zh-Hans">{if mine.is_empty() { "—".to_owned() } else { mine.join("；") }}</span>
                            " " {if right { t!(i18n, quiz.right).into_any() } else { t!(i18n, quiz.wrong).into_any() }}
                        </p>
                        <QuizExplanation question=q order=d.order.clone() />
                    </li>
                })
            })
            .collect_view()
            .into_any()
    } else {
        view! { <p class="notice" data-testid="quiz-answers-later">{t!(i18n, quiz.answers_after_close)}</p> }
            .into_any()
    };
    let certificate =
        (passed && take.campaign.audience == Audience::Staff && !kept.notebook).then(|| {
            let title = take.campaign.title.clone();
            let who = participant.clone().unwrap_or_default();
            let when = local_time(kept.finished_at);
            let line = score.as_ref().map(|s| {
                fill(
                    td_string!(i18n.get_locale(), quiz.certificate_line),
                    &[
                        ("title", title.clone()),
                        ("percent", s.percent().to_string()),
                        ("date", when.clone()),
                    ],
                )
            });
            view! {
                <section class="quiz-certificate" data-testid="quiz-certificate">
                    <h2>{t!(i18n, quiz.certificate_title)}</h2>
                    <p class="quiz-certificate__who">{who}</p>
                    <p>{line}</p>
                    <button type="button" class="button button--secondary no-print"
                        on:click=|_| { let _ = window().print(); }>
                        {t!(i18n, quiz.print_certificate)}
                    </button>
                </section>
            }
        });
    view! {
        <section class="quiz-result" data-testid="quiz-result">
            <h2>{t!(i18n, quiz.result_title)}</h2>
            {summary.map(|s| view! { <p data-testid="quiz-score">{s}</p> })}
            {verdict}
            <p class="hint">{t!(i18n, quiz.server_checks)}</p>
            {certificate}
            <h3>{t!(i18n, quiz.review_title)}</h3>
            <ol class="quiz-review">{review}</ol>
        </section>
    }
}
