//! The law reader's search results: how many articles hold the query (announced to screen
//! readers as it changes), then each article's number and a snippet with the matches marked,
//! linked to the article. The search itself is `lianxin_core::law_search`.

use leptos::prelude::*;
use leptos_router::components::A;
use lianxin_core::law_search::{Hit, Snippet};

use crate::components::law_article::heading;
use crate::errors::fill;
use crate::i18n::{t_string, use_i18n};
use crate::routes;

/// The results for `query` (as typed); `hits` is `None` while there is no query.
#[component]
pub fn LawResults(query: Signal<String>, hits: Signal<Option<Vec<Hit>>>) -> impl IntoView {
    let i18n = use_i18n();
    let count = move || {
        hits.with(|h| {
            h.as_ref().map(|h| match h.len() {
                0 => fill(
                    t_string!(i18n, law.no_results),
                    &[("query", query.get().trim().to_owned())],
                ),
                n => fill(t_string!(i18n, law.results), &[("n", n.to_string())]),
            })
        })
    };
    view! {
        // Always in the page, so that the count is announced each time it changes.
        <p class="law-results__count" role="status" aria-live="polite" data-testid="law-results-count">
            {count}
        </p>
        {move || hits.get().filter(|h| !h.is_empty()).map(|hits| view! {
            <ol class="law-results" data-testid="law-results" aria-label=move || t_string!(i18n, law.results_label)>
                {hits.into_iter().map(|hit| view! { <LawResult hit /> }).collect_view()}
            </ol>
        })}
    }
}

#[component]
fn LawResult(hit: Hit) -> impl IntoView {
    let i18n = use_i18n();
    let number = hit.article;
    view! {
        <li class="law-result" data-testid=format!("law-result-{number}")>
            <A href=routes::law_link(number) attr:class="law-result__link">
                <span class="law-result__article" lang="zh-Hans">{heading(number)}</span>
            </A>
            " "
            <span class="law-result__count">
                {move || fill(t_string!(i18n, law.match_count), &[("n", hit.matches.to_string())])}
            </span>
            <SnippetText snippet=hit.snippet />
        </li>
    }
}

/// A snippet with its matches in `<mark>`, and an ellipsis where the paragraph goes on.
#[component]
fn SnippetText(snippet: Snippet) -> impl IntoView {
    view! {
        <p class="law-result__snippet" lang="zh-Hans">
            {snippet.cut_before.then_some("…")}
            {snippet.parts.into_iter().map(|part| {
                if part.matched {
                    view! { <mark data-testid="law-mark">{part.text}</mark> }.into_any()
                } else {
                    part.text.into_any()
                }
            }).collect_view()}
            {snippet.cut_after.then_some("…")}
        </p>
    }
}
