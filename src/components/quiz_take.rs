//! One question of the quiz being taken, with the progress, the timer, back and forward, the
//! answer and its explanation when the campaign shows it after each question, and
//! 「报告题目错误」. The rules are `quiz_state::Take`'s; this only renders and forwards clicks.

use leptos::prelude::*;
use leptos_router::components::A;
use lianxin_core::quiz::{Question, QuestionType};

use crate::errors::fill;
use crate::i18n::{t, t_string, td_string, use_i18n, Locale};
use crate::quiz_state::Take;
use crate::routes;

/// The label of option `index` (a bank index) of `q`: its text, or 正确/错误 for a true/false
/// question (in the interface language).
pub fn option_text(locale: Locale, q: &Question, index: usize) -> String {
    match q.kind {
        QuestionType::TrueFalse if index == 0 => td_string!(locale, quiz.true_option).to_owned(),
        QuestionType::TrueFalse => td_string!(locale, quiz.false_option).to_owned(),
        _ => q.options.get(index).cloned().unwrap_or_default(),
    }
}

/// A, B, C… for the option shown at `position`.
pub fn option_letter(position: usize) -> char {
    char::from(b'A' + (position % 26) as u8)
}

/// 「《信访工作条例》第20条」, linking to the law reader's article.
#[component]
pub fn ArticleLink(article: u8) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || {
        fill(
            td_string!(i18n.get_locale(), quiz.article),
            &[("n", article.to_string())],
        )
    };
    view! { <A href=routes::law_link(article) attr:data-testid="quiz-article-link">{text}</A> }
}

/// The answer of `q` and why, with its source: shown after each question or at the end.
#[component]
pub fn QuizExplanation(question: Question, order: Vec<usize>) -> impl IntoView {
    let i18n = use_i18n();
    let Some(key) = question.key.clone() else {
        return ().into_any();
    };
    let correct: Vec<String> = order
        .iter()
        .enumerate()
        .filter(|(_, i)| key.correct.contains(i))
        .map(|(pos, i)| {
            let text = option_text(i18n.get_locale(), &question, *i);
            format!("{}. {text}", option_letter(pos))
        })
        .collect();
    view! {
        <div class="quiz-explanation" data-testid="quiz-explanation">
            <p><strong>{t!(i18n, quiz.correct_answer)}</strong> " " <span lang="zh-Hans">{correct.join("；")}</span></p>
            <p lang="zh-Hans">{key.explanation.clone()}</p>
            <blockquote lang="zh-Hans">{key.quote.clone()}</blockquote>
            <p><ArticleLink article=question.article /></p>
        </div>
    }
    .into_any()
}

/// The question shown, its options and the controls.
#[component]
pub fn QuizTake(
    /// The attempt (saved by the page after every change).
    take: RwSignal<Option<Take>>,
    /// Seconds left, when the campaign has a time limit.
    seconds_left: Signal<Option<i64>>,
    /// Submits the attempt.
    on_submit: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let flag_open = RwSignal::new(false);
    let flag_text = RwSignal::new(String::new());
    let current = move || {
        take.with(|t| {
            let t = t.as_ref()?;
            let (q, d) = t.current()?;
            Some((q.clone(), d.order.clone(), t.position, t.len()))
        })
    };
    let update = move |f: &dyn Fn(&mut Take)| {
        take.update(|t| {
            if let Some(t) = t.as_mut() {
                f(t)
            }
        })
    };
    let progress = move || {
        take.with(|t| {
            t.as_ref().map(|t| {
                fill(
                    td_string!(i18n.get_locale(), quiz.progress),
                    &[
                        ("n", (t.position + 1).to_string()),
                        ("total", t.len().to_string()),
                        ("answered", t.answered().to_string()),
                    ],
                )
            })
        })
    };
    let timer = move || {
        seconds_left.get().map(|s| {
            let text = fill(
                td_string!(i18n.get_locale(), quiz.time_left),
                &[("time", format!("{}:{:02}", s / 60, s % 60))],
            );
            view! { <p class="quiz-timer" role="timer" data-testid="quiz-timer">{text}</p> }
        })
    };
    let question = move || {
        let (q, order, position, total) = current()?;
        let multiple = q.kind == QuestionType::Multiple;
        let revealed = take.with(|t| t.as_ref().is_some_and(Take::is_revealed));
        let reveals_each = take.with(|t| t.as_ref().is_some_and(Take::reveals_each));
        let chosen = take.with(|t| t.as_ref().map(|t| t.chosen().to_vec()).unwrap_or_default());
        let kind = match q.kind {
            QuestionType::Single => t_string!(i18n, quiz.kind_single),
            QuestionType::Multiple => t_string!(i18n, quiz.kind_multiple),
            QuestionType::TrueFalse => t_string!(i18n, quiz.kind_true_false),
        };
        let options = order
            .iter()
            .enumerate()
            .map(|(pos, &index)| {
                let pressed = chosen.contains(&index);
                let right = revealed
                    && q.key.as_ref().is_some_and(|k| k.correct.contains(&index));
                let class = match (pressed, right, revealed) {
                    (_, true, _) => "quiz-option quiz-option--right",
                    (true, false, true) => "quiz-option quiz-option--wrong",
                    (true, _, _) => "quiz-option quiz-option--chosen",
                    _ => "quiz-option",
                };
                let text = option_text(i18n.get_locale(), &q, index);
                view! {
                    <li>
                        <button type="button" class=class aria-pressed=pressed.to_string()
                            disabled=revealed
                            data-testid=format!("quiz-option-{pos}")
                            on:click=move |_| update(&|t| t.choose(index))>
                            <span class="quiz-option__letter">{option_letter(pos).to_string()}</span>
                            <span lang="zh-Hans">{text}</span>
                        </button>
                    </li>
                }
            })
            .collect_view();
        let explanation = revealed.then(|| {
            view! { <QuizExplanation question=q.clone() order=order.clone() /> }
        });
        let last = position + 1 == total;
        Some(view! {
            <section class="quiz-question" data-testid="quiz-question" data-question-id=q.id.clone()>
                <p class="quiz-question__kind">{kind}
                    {multiple.then(|| view! { " " <span>{t!(i18n, quiz.multiple_rule)}</span> })}
                </p>
                <h2 lang="zh-Hans" data-testid="quiz-stem">{q.stem.clone()}</h2>
                <ol class="quiz-options">{options}</ol>
                {(reveals_each && !revealed).then(|| view! {
                    <button type="button" class="button" data-testid="quiz-check"
                        disabled=move || take.with(|t| t.as_ref().is_none_or(|t| t.chosen().is_empty()))
                        on:click=move |_| update(&|t| t.reveal())>
                        {t!(i18n, quiz.check)}
                    </button>
                })}
                {explanation}
                <nav class="quiz-nav">
                    <button type="button" class="button button--secondary" data-testid="quiz-back"
                        disabled=position == 0 on:click=move |_| update(&|t| t.back())>
                        {t!(i18n, quiz.back)}
                    </button>
                    {if last {
                        view! {
                            <button type="button" class="button" data-testid="quiz-submit"
                                on:click=move |_| on_submit.run(())>
                                {t!(i18n, quiz.submit)}
                            </button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="button" data-testid="quiz-next"
                                on:click=move |_| update(&|t| t.next())>
                                {t!(i18n, quiz.next)}
                            </button>
                        }.into_any()
                    }}
                </nav>
            </section>
        })
    };
    let flag = move || {
        let flagged = take.with(|t| {
            t.as_ref().and_then(|t| {
                let id = &t.drawn.get(t.position)?.question_id;
                t.flags.get(id).cloned()
            })
        });
        if flag_open.get() {
            view! {
                <form class="quiz-flag" data-testid="quiz-flag-form" on:submit=move |ev| {
                    ev.prevent_default();
                    let text = flag_text.get_untracked();
                    update(&|t| t.flag(&text));
                    flag_open.set(false);
                }>
                    <label for="quiz-flag-comment">{t!(i18n, quiz.flag_comment)}</label>
                    <textarea id="quiz-flag-comment" data-testid="quiz-flag-comment" maxlength="500"
                        prop:value=move || flag_text.get()
                        on:input=move |ev| flag_text.set(event_target_value(&ev))></textarea>
                    <button type="submit" class="button button--secondary">{t!(i18n, quiz.flag_send)}</button>
                </form>
            }
            .into_any()
        } else {
            view! {
                <p class="quiz-flag">
                    {flagged.map(|_| view! { <span data-testid="quiz-flagged">{t!(i18n, quiz.flagged)}</span> " " })}
                    <button type="button" class="link-button" data-testid="quiz-flag"
                        on:click=move |_| {
                            flag_text.set(String::new());
                            flag_open.set(true);
                        }>
                        {t!(i18n, quiz.flag)}
                    </button>
                </p>
            }
            .into_any()
        }
    };
    view! {
        <div class="quiz-take" data-testid="quiz-take">
            <p class="quiz-progress" data-testid="quiz-progress" aria-live="polite">{progress}</p>
            {timer}
            {question}
            {flag}
        </div>
    }
}
