//! `/law` and `/law/xinfang/:article`: the offline law reader of 《信访工作条例》 (issue 10).
//!
//! The official text is not compiled into the app: this page, a wasm module of its own
//! (`lazy_page!`), fetches the Markdown file that `lianxin_core::law` names ([`ASSET_PATH`],
//! precached by the service worker with every file of the build), parses it with
//! [`Regulation::parse`] and folds it for searching ([`LawIndex`]) once per app start. `/law`
//! shows the table of contents and the whole text; `/law/xinfang/34` shows one article with its
//! chapter, the articles before and after it, and a print button. Typing in the search field
//! replaces either with the results, kept in the URL (`?q=`) so that going back from an article
//! returns to them.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;
use lianxin_core::law::{chinese_number, Chapter, LawParseError, Regulation, ASSET_PATH};
use lianxin_core::law_search::{Hit, LawIndex, Query};

use crate::components::law_article::{article_name, copied_message, Copied, LawArticle};
use crate::components::law_results::LawResults;
use crate::components::law_text_size::{self, LawTextSize};
use crate::components::page_title::PageTitle;
use crate::errors::fill;
use crate::i18n::{t, t_string, td_string, use_i18n, Locale};
use crate::routes;

/// The regulation and its search index.
struct LawBook {
    regulation: Regulation,
    index: LawIndex,
}

/// Why the text could not be shown.
#[derive(Debug, Clone)]
enum LoadError {
    /// No answer: offline before the service worker had cached the file.
    Unreachable,
    /// An answer that is not the file.
    Status(u16),
    /// The file is not the regulation in the expected markup.
    Parse(LawParseError),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Unreachable => write!(f, "{ASSET_PATH}: no answer"),
            LoadError::Status(s) => write!(f, "{ASSET_PATH}: HTTP {s}"),
            LoadError::Parse(e) => write!(f, "{ASSET_PATH}: {e}"),
        }
    }
}

thread_local! {
    // Parsed once per app start: moving from article to article reads no file again.
    static BOOK: RefCell<Option<Rc<LawBook>>> = const { RefCell::new(None) };
}

async fn load_book() -> Result<Rc<LawBook>, LoadError> {
    if let Some(book) = BOOK.with_borrow(Clone::clone) {
        return Ok(book);
    }
    let text = fetch_text(ASSET_PATH).await?;
    let regulation = Regulation::parse(&text).map_err(LoadError::Parse)?;
    let index = LawIndex::new(&regulation);
    let book = Rc::new(LawBook { regulation, index });
    BOOK.with_borrow_mut(|b| *b = Some(Rc::clone(&book)));
    Ok(book)
}

async fn fetch_text(url: &str) -> Result<String, LoadError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let answer = JsFuture::from(window().fetch_with_str(url))
        .await
        .map_err(|_| LoadError::Unreachable)?;
    let response: web_sys::Response = answer.dyn_into().map_err(|_| LoadError::Unreachable)?;
    if !response.ok() {
        return Err(LoadError::Status(response.status()));
    }
    let text = response.text().map_err(|_| LoadError::Unreachable)?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|v| v.as_string())
        .ok_or(LoadError::Unreachable)
}

/// `第四章 信访事项的办理`.
fn chapter_heading(chapter: &Chapter) -> String {
    let n = chinese_number(chapter.number).unwrap_or_else(|| chapter.number.to_string());
    format!("第{n}章 {}", chapter.title)
}

/// The articles a chapter holds, in the interface language (第二十五条至第三十七条).
fn article_range(locale: Locale, chapter: &Chapter) -> String {
    let (Some(first), Some(last)) = (chapter.articles.first(), chapter.articles.last()) else {
        return String::new();
    };
    fill(
        td_string!(locale, law.chapter_range),
        &[
            ("first", article_name(locale, first.number)),
            ("last", article_name(locale, last.number)),
        ],
    )
}

/// How long the copy confirmation stays.
const COPIED_SHOWN_MS: u64 = 5000;

/// The law reader.
#[component]
pub fn Law() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    // None: the whole text; Some(None): a link to no article; Some(Some(n)): article n.
    let target = Memo::new(move |_| {
        params
            .read()
            .get("article")
            .map(|s| routes::parse_law_article(&s))
    });
    let book = LocalResource::new(load_book);
    let size = RwSignal::new(law_text_size::load());
    let copied = RwSignal::new(None::<Copied>);
    let typed = RwSignal::new(query.read_untracked().get("q").unwrap_or_default());
    let hits: Memo<Option<Vec<Hit>>> = Memo::new(move |_| {
        let query = Query::parse(&typed.get())?;
        let book = book.get()?.ok()?;
        Some(book.index.search(&query))
    });
    let searching = move || typed.with(|q| Query::parse(q).is_some());

    // Keeps the query in the URL, replacing the entry: back from an article returns to the
    // results, and each keystroke is not a step of the history.
    let on_input = move |e: leptos::ev::Event| {
        let value = event_target_value(&e);
        typed.set(value.clone());
        let path = location.pathname.get_untracked();
        let url = if value.trim().is_empty() {
            path
        } else {
            format!("{path}?q={}", js_sys::encode_uri_component(&value))
        };
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    // A link followed from the results (or back and forward) brings its own query, or none.
    Effect::new(move |_| {
        let q = query.read().get("q").unwrap_or_default();
        if q != typed.get_untracked() {
            typed.set(q);
        }
    });
    Effect::new(move |_| {
        if let Some(outcome) = copied.get() {
            set_timeout(
                move || {
                    if copied.get_untracked() == Some(outcome) {
                        copied.set(None);
                    }
                },
                std::time::Duration::from_millis(COPIED_SHOWN_MS),
            );
        }
    });

    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, law.title)) />
        <div class="page law" data-testid="page-law">
            <header class="law__head">
                <h1>{t!(i18n, law.regulation)}</h1>
                <p class="law__issued">{t!(i18n, law.issued)}</p>
            </header>
            <div class="law__tools no-print">
                <form class="law-search" role="search" on:submit=|e| e.prevent_default()>
                    <label for="law-search">{t!(i18n, law.search_label)}</label>
                    <input id="law-search" class="input" type="search" data-testid="law-search"
                        autocomplete="off" spellcheck="false" aria-describedby="law-search-hint"
                        aria-controls="law-body"
                        prop:value=move || typed.get() on:input=on_input />
                    <p class="field__hint" id="law-search-hint">{t!(i18n, law.search_hint)}</p>
                </form>
                <LawTextSize size />
            </div>
            <p class="law-toast no-print" role="status" data-testid="law-copied">
                {move || copied.get().map(|c| copied_message(i18n.get_locale(), c))}
            </p>
            <div class="law__body" id="law-body" data-text-size=move || size.get().step().to_string()>
                <LawResults query=typed.into() hits=hits.into() />
                // Kept while searching, only hidden: clearing the field shows it again at once,
                // where the reader was.
                <div hidden=searching>
                    <LawContent book target copied />
                </div>
            </div>
        </div>
    }
}

/// The whole text or one article, once the text is there.
#[component]
fn LawContent(
    book: LocalResource<Result<Rc<LawBook>, LoadError>>,
    target: Memo<Option<Option<u8>>>,
    copied: RwSignal<Option<Copied>>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        match book.get() {
            None => {
                view! { <p role="status" data-testid="law-loading">{t!(i18n, law.loading)}</p> }
                    .into_any()
            }
            Some(Err(e)) => view! {
                <div class="notice notice--error" role="alert" data-testid="law-load-failed">
                    <p>{t!(i18n, law.load_failed)}</p>
                    // The English detail, for whoever supports the device.
                    <p class="mono" lang="en">{e.to_string()}</p>
                </div>
            }
            .into_any(),
            Some(Ok(book)) => match target.get() {
                None => view! { <FullText book copied /> }.into_any(),
                Some(Some(n)) if book.regulation.article(n).is_some() => {
                    view! { <ArticlePage book number=n copied /> }.into_any()
                }
                Some(_) => {
                    let count = book.regulation.articles().count().to_string();
                    view! {
                <div class="notice" role="alert" data-testid="law-no-article">
                    <p>{move || fill(t_string!(i18n, law.no_article), &[("count", count.clone())])}</p>
                    <p><A href=routes::LAW>{t!(i18n, law.full_text)}</A></p>
                </div>
                }
                .into_any()
                }
            },
        }
    }
}

/// The table of contents and every chapter with its articles.
#[component]
fn FullText(book: Rc<LawBook>, copied: RwSignal<Option<Copied>>) -> impl IntoView {
    let i18n = use_i18n();
    let title = book.regulation.title.clone();
    let toc = book
        .regulation
        .chapters
        .iter()
        .map(|c| {
            let heading = chapter_heading(c);
            let chapter = c.clone();
            view! {
                <li>
                    <a href=format!("#chapter-{}", c.number) lang="zh-Hans">{heading}</a>
                    " "
                    <span class="law-toc__range">{move || article_range(i18n.get_locale(), &chapter)}</span>
                </li>
            }
        })
        .collect_view();
    let chapters = book
        .regulation
        .chapters
        .iter()
        .map(|c| {
            let id = format!("chapter-{}", c.number);
            let heading_id = format!("{id}-h");
            let labelled_by = heading_id.clone();
            view! {
                <section class="law-chapter" id=id aria-labelledby=labelled_by>
                    <h2 id=heading_id lang="zh-Hans">{chapter_heading(c)}</h2>
                    {c.articles.iter().map(|a| view! {
                        <LawArticle title=title.clone() article=a.clone() copied link=true />
                    }).collect_view()}
                </section>
            }
        })
        .collect_view();
    view! {
        <nav class="law-toc no-print" aria-labelledby="law-toc-h" data-testid="law-toc">
            <h2 id="law-toc-h">{t!(i18n, law.contents)}</h2>
            <ol>{toc}</ol>
        </nav>
        <div data-testid="law-full-text">{chapters}</div>
    }
}

/// One article with its chapter, the way to the articles around it, and printing.
#[component]
fn ArticlePage(book: Rc<LawBook>, number: u8, copied: RwSignal<Option<Copied>>) -> impl IntoView {
    let i18n = use_i18n();
    let regulation = &book.regulation;
    let article = regulation.article(number).cloned();
    let chapter = regulation.chapter_of(number).map(chapter_heading);
    let previous = number
        .checked_sub(1)
        .filter(|n| regulation.article(*n).is_some());
    let next = number
        .checked_add(1)
        .filter(|n| regulation.article(*n).is_some());
    let pager = move |n: Option<u8>, rel: &'static str| {
        n.map(|n| {
            let label = move || {
                let key = if rel == "prev" {
                    t_string!(i18n, law.previous)
                } else {
                    t_string!(i18n, law.next)
                };
                fill(key, &[("article", article_name(i18n.get_locale(), n))])
            };
            view! {
                <A href=routes::law_link(n) attr:rel=rel attr:class="button"
                    attr:data-testid=format!("law-{rel}")>{label}</A>
            }
        })
    };
    view! {
        <nav class="law-crumbs no-print" aria-label=move || t_string!(i18n, law.breadcrumb)>
            <A href=routes::LAW>{t!(i18n, law.full_text)}</A>
        </nav>
        <section class="law-chapter">
            <h2 lang="zh-Hans">
                <span class="law-chapter__regulation">"《" {regulation.title.clone()} "》"</span>
                " " {chapter}
            </h2>
            {article.map(|article| view! {
                <LawArticle title=book.regulation.title.clone() article copied />
            })}
        </section>
        <nav class="law-pager no-print" aria-label=move || t_string!(i18n, law.pager)>
            {pager(previous, "prev")}
            <button type="button" class="button" data-testid="law-print"
                on:click=|_| { let _ = window().print(); }>
                {t!(i18n, law.print)}
            </button>
            {pager(next, "next")}
        </nav>
    }
}

// Native only: the bundled text is not in the wasm (lianxin_core::law).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_chapter_is_headed_as_the_regulation_heads_it() {
        let chapter = Regulation::bundled().chapter_of(34).unwrap();
        assert_eq!(chapter_heading(chapter), "第四章 信访事项的办理");
    }

    #[test]
    fn the_contents_give_each_chapters_articles_in_the_interface_language() {
        let chapter = Regulation::bundled().chapter_of(1).unwrap();
        assert_eq!(article_range(Locale::zh_Hans, chapter), "第一条至第六条");
        assert_eq!(article_range(Locale::en, chapter), "Art. 1 – Art. 6");
    }
}
