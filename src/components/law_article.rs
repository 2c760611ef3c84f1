//! One article of the regulation as the law reader shows it: its heading, its paragraphs in the
//! original Chinese, and 「复制本条」, which puts the article on the clipboard with its citation
//! (「《信访工作条例》第三十四条：…」).

use leptos::prelude::*;
use leptos_router::components::A;
use lianxin_core::law::{chinese_number, Article};

use crate::errors::fill;
use crate::i18n::{t, t_string, td_string, use_i18n, Locale};
use crate::routes;

/// `第三十四条`: an article's heading as the regulation writes it, whatever the interface
/// language (the text is Chinese).
pub fn heading(number: u8) -> String {
    chinese_number(number).map_or_else(|| number.to_string(), |n| format!("第{n}条"))
}

/// An article named in the interface language: 第三十四条, or Art. 34 in English.
pub fn article_name(locale: Locale, number: u8) -> String {
    let n = if locale == Locale::en {
        number.to_string()
    } else {
        chinese_number(number).unwrap_or_else(|| number.to_string())
    };
    fill(td_string!(locale, law.article), &[("article", n)])
}

/// What 「复制本条」 puts on the clipboard: `《title》第三十四条：` and the article's paragraphs,
/// one per line, as a citation is pasted into a document or a message.
pub fn citation(title: &str, article: &Article) -> String {
    format!(
        "《{title}》{}：{}",
        heading(article.number),
        article.paragraphs.join("\n")
    )
}

/// What became of the last copy, for the page's confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copied {
    /// Article n is on the clipboard.
    Done(u8),
    /// The browser refused (no clipboard API, no permission): the text can still be selected.
    Failed(u8),
}

/// The sentence that confirms `copied`, in `locale`.
pub fn copied_message(locale: Locale, copied: Copied) -> String {
    match copied {
        Copied::Done(n) => fill(
            td_string!(locale, law.copied),
            &[("article", article_name(locale, n))],
        ),
        Copied::Failed(n) => fill(
            td_string!(locale, law.copy_failed),
            &[("article", article_name(locale, n))],
        ),
    }
}

/// Puts `text` on the clipboard and says whether the browser took it. The Clipboard API is
/// reached by name (as in the petition page), which needs no further web-sys features; it is
/// only there in a secure context, and `writeText` may be refused without a user gesture.
async fn write_clipboard(text: &str) -> bool {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    let navigator = window().navigator();
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")) else {
        return false;
    };
    let Ok(write) = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText")) else {
        return false;
    };
    let Some(write) = write.dyn_ref::<js_sys::Function>() else {
        return false;
    };
    let Ok(promise) = write.call1(&clipboard, &JsValue::from_str(text)) else {
        return false;
    };
    match promise.dyn_into::<js_sys::Promise>() {
        Ok(promise) => JsFuture::from(promise).await.is_ok(),
        Err(_) => false,
    }
}

/// One article. `title` is the regulation's (for the citation); `copied` is the page's
/// confirmation; `link` adds 「本条链接」 (the full text lists every article; an article's own
/// page needs no link to itself).
#[component]
pub fn LawArticle(
    title: String,
    article: Article,
    copied: RwSignal<Option<Copied>>,
    #[prop(optional)] link: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let number = article.number;
    let heading_id = format!("art-{number}-h");
    let labelled_by = heading_id.clone();
    let text = citation(&title, &article);
    let copy = move |_| {
        let text = text.clone();
        leptos::task::spawn_local(async move {
            let outcome = if write_clipboard(&text).await {
                Copied::Done(number)
            } else {
                Copied::Failed(number)
            };
            copied.set(Some(outcome));
        });
    };
    view! {
        <article class="law-article" id=format!("art-{number}") aria-labelledby=labelled_by
            data-testid=format!("law-article-{number}")>
            <h3 class="law-article__heading" id=heading_id lang="zh-Hans" tabindex="-1">
                {heading(number)}
            </h3>
            <div class="law-article__text" lang="zh-Hans">
                {article.paragraphs.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
            </div>
            <p class="law-article__actions no-print">
                <button type="button" class="button" data-testid=format!("law-copy-{number}")
                    aria-label=move || fill(t_string!(i18n, law.copy_article), &[("article", article_name(i18n.get_locale(), number))])
                    on:click=copy>
                    {t!(i18n, law.copy)}
                </button>
                {link.then(|| view! {
                    <A href=routes::law_link(number) attr:class="law-article__link"
                        attr:data-testid=format!("law-link-{number}")>
                        {move || fill(t_string!(i18n, law.link), &[("article", article_name(i18n.get_locale(), number))])}
                    </A>
                })}
            </p>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_is_copied_with_its_citation() {
        let article = Article {
            number: 34,
            paragraphs: vec![
                "对本条例第三十一条第六项规定的信访事项应当自受理之日起60日内办结。".into(),
            ],
        };
        assert_eq!(
            citation("信访工作条例", &article),
            "《信访工作条例》第三十四条：对本条例第三十一条第六项规定的信访事项应当自受理之日起60日内办结。"
        );
    }

    #[test]
    fn the_paragraphs_of_a_cited_article_stay_on_their_own_lines() {
        let article = Article {
            number: 5,
            paragraphs: vec![
                "信访工作应当遵循下列原则：".into(),
                "（一）坚持党的全面领导。".into(),
            ],
        };
        assert_eq!(
            citation("信访工作条例", &article),
            "《信访工作条例》第五条：信访工作应当遵循下列原则：\n（一）坚持党的全面领导。"
        );
    }

    #[test]
    fn an_article_is_named_in_the_interface_language() {
        assert_eq!(heading(10), "第十条");
        assert_eq!(article_name(Locale::zh_Hans, 34), "第三十四条");
        assert_eq!(article_name(Locale::zh_Hant, 34), "第三十四條");
        assert_eq!(article_name(Locale::en, 34), "Art. 34");
    }
}
