//! `/query`: a citizen types the query code printed on the receipt (or scans its QR code, which
//! opens `/query?code=…`) and sees the registration number, the status and its history, never
//! any personal data (the server's `GET /api/v1/receipts/{code}` has none). It is online only:
//! offline it says so instead of trying, and an unknown code, too many lookups (429) or an
//! unreachable server each get a sentence in the user's language.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use lianxin_core::protocol::{ErrorBody, ReceiptView};

use crate::components::page_title::PageTitle;
use crate::connectivity::{use_connectivity, Connectivity};
use crate::errors::fill;
use crate::formatting::local_time;
use crate::i18n::{t, t_string, td_string, use_i18n, Locale};
use crate::labels;
use crate::pages::record::StatusHistory;

/// Length of a query code (`lianxin-server`'s `numbering::QUERY_CODE_LEN`).
pub const CODE_LEN: usize = 12;

/// Why a typed code cannot be a query code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    /// Nothing typed.
    Empty,
    /// Not 12 characters once spaces and dashes are gone, or a character no code has.
    Malformed,
}

/// A typed query code as the server spells it: spaces and dashes dropped, upper case, and the
/// letters Crockford's base 32 reads as digits (`O` → 0, `I`/`L` → 1) mapped, so a code copied by
/// hand from paper still works. `U` never occurs in a code.
pub fn normalize_code(input: &str) -> Result<String, CodeProblem> {
    let mut code = String::new();
    for c in input.chars() {
        match c.to_ascii_uppercase() {
            ' ' | '-' | '\u{3000}' | '\t' => {}
            'O' => code.push('0'),
            'I' | 'L' => code.push('1'),
            c @ ('0'..='9' | 'A'..='Z') if c != 'U' => code.push(c),
            _ => return Err(CodeProblem::Malformed),
        }
    }
    match code.len() {
        0 => Err(CodeProblem::Empty),
        CODE_LEN => Ok(code),
        _ => Err(CodeProblem::Malformed),
    }
}

/// What a lookup came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The petition's progress.
    Found(ReceiptView),
    /// No petition has this code.
    NotFound,
    /// Too many lookups from this address; try again after this many seconds (if said).
    RateLimited(Option<u64>),
    /// No answer at all: no network, or the server cannot be reached.
    Unreachable,
    /// An answer that is not the lookup's (a server error, a captive portal's page).
    Failed,
}

impl Lookup {
    /// The `data-kind` of its message (CSS and tests).
    fn kind(&self) -> &'static str {
        match self {
            Lookup::Found(_) => "found",
            Lookup::NotFound => "not_found",
            Lookup::RateLimited(_) => "rate_limited",
            Lookup::Unreachable => "unreachable",
            Lookup::Failed => "failed",
        }
    }
}

/// Reads the server's answer: its HTTP status, `Retry-After` header and body.
pub fn lookup_of(status: u16, retry_after: Option<&str>, body: &str) -> Lookup {
    match status {
        200 => serde_json::from_str(body).map_or(Lookup::Failed, Lookup::Found),
        404 => match serde_json::from_str::<ErrorBody>(body) {
            Ok(_) => Lookup::NotFound,
            Err(_) => Lookup::Failed,
        },
        429 => {
            let from_body = serde_json::from_str::<ErrorBody>(body).ok().and_then(|b| {
                b.error
                    .params
                    .get("retry_after_seconds")
                    .and_then(serde_json::Value::as_u64)
            });
            let header = retry_after.and_then(|s| s.trim().parse().ok());
            Lookup::RateLimited(header.or(from_body))
        }
        _ => Lookup::Failed,
    }
}

/// The sentence for a lookup that found nothing.
pub fn lookup_message(locale: Locale, lookup: &Lookup) -> String {
    match lookup {
        Lookup::Found(_) => String::new(),
        Lookup::NotFound => td_string!(locale, query.not_found).to_owned(),
        Lookup::RateLimited(Some(s)) => fill(
            td_string!(locale, query.rate_limited_wait),
            &[("minutes", s.div_ceil(60).max(1).to_string())],
        ),
        Lookup::RateLimited(None) => td_string!(locale, query.rate_limited).to_owned(),
        Lookup::Unreachable => td_string!(locale, query.unreachable).to_owned(),
        Lookup::Failed => td_string!(locale, query.failed).to_owned(),
    }
}

/// Asks the server.
async fn fetch_lookup(code: &str) -> Lookup {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let url = format!("/api/v1/receipts/{code}");
    let Ok(answer) = JsFuture::from(window().fetch_with_str(&url)).await else {
        return Lookup::Unreachable;
    };
    let Ok(response) = answer.dyn_into::<web_sys::Response>() else {
        return Lookup::Failed;
    };
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let body = match response.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()),
        Err(_) => None,
    };
    let Some(body) = body else {
        return Lookup::Unreachable;
    };
    lookup_of(response.status(), retry_after.as_deref(), &body)
}

/// The lookup page.
#[component]
pub fn Query() -> impl IntoView {
    let i18n = use_i18n();
    let connectivity = use_connectivity();
    let query = use_query_map();
    let offline = move || connectivity.get() == Connectivity::Offline;
    let code = RwSignal::new(query.read_untracked().get("code").unwrap_or_default());
    let problem = RwSignal::new(None::<CodeProblem>);
    let result = RwSignal::new(None::<Lookup>);
    let busy = RwSignal::new(false);

    let look_up = move || {
        if busy.get_untracked() || offline() {
            return;
        }
        match normalize_code(&code.get_untracked()) {
            Err(p) => {
                problem.set(Some(p));
                result.set(None);
            }
            Ok(normal) => {
                problem.set(None);
                code.set(normal.clone());
                busy.set(true);
                spawn_local(async move {
                    let lookup = fetch_lookup(&normal).await;
                    busy.set(false);
                    result.set(Some(lookup));
                });
            }
        }
    };
    // A scanned receipt opens `/query?code=…`: look it up at once.
    if !code.get_untracked().is_empty() && !offline() {
        look_up();
    }
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        look_up();
    };

    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, query.title)) />
        <div class="page" data-testid="page-query">
            <h1>{t!(i18n, query.title)}</h1>
            <p>{t!(i18n, query.explain)}</p>
            <Show when=offline>
                <p class="notice notice--error" role="status" data-testid="query-offline">{t!(i18n, query.offline)}</p>
            </Show>
            <form class="form query-form" on:submit=submit novalidate>
                <div class="field">
                    <label for="query-code">{t!(i18n, query.code)}</label>
                    <input id="query-code" class="input mono" type="text" data-testid="query-code-input"
                        autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20"
                        aria-describedby="query-code-hint query-code-error"
                        aria-invalid=move || problem.get().is_some().then_some("true")
                        prop:value=move || code.get()
                        on:input=move |e| code.set(event_target_value(&e)) />
                    <p class="field__hint" id="query-code-hint">{t!(i18n, query.code_hint)}</p>
                    {move || problem.get().map(|p| view! {
                        <p class="field__error" id="query-code-error" role="alert" data-testid="query-code-error">
                            {match p {
                                CodeProblem::Empty => t!(i18n, query.code_empty).into_any(),
                                CodeProblem::Malformed => t!(i18n, query.code_malformed).into_any(),
                            }}
                        </p>
                    })}
                </div>
                <button type="submit" class="button button--primary" data-testid="query-submit"
                    disabled=move || busy.get() || offline()>
                    {move || if busy.get() { t!(i18n, query.checking).into_any() } else { t!(i18n, query.submit).into_any() }}
                </button>
            </form>
            <div aria-live="polite">
                {move || result.get().map(|lookup| match lookup {
                    Lookup::Found(view) => view! { <QueryResult view /> }.into_any(),
                    other => {
                        let kind = other.kind();
                        view! {
                        <p class="notice notice--error" data-testid="query-error" data-kind=kind role="alert">
                            {move || lookup_message(i18n.get_locale(), &other)}
                        </p>
                    }.into_any()
                    }
                })}
            </div>
        </div>
    }
}

/// A petition's progress: number, status, history; nothing personal (the server sends none).
#[component]
fn QueryResult(view: ReceiptView) -> impl IntoView {
    let i18n = use_i18n();
    let status = view.status;
    view! {
        <section class="section" aria-labelledby="query-result-title" data-testid="query-result">
            <h2 id="query-result-title">{t!(i18n, query.result_title)}</h2>
            <dl class="facts">
                <dt>{t!(i18n, receipt.registration_no)}</dt>
                <dd class="mono" data-testid="query-registration-no">{view.registration_no.clone()}</dd>
                <dt>{t!(i18n, query.status)}</dt>
                <dd data-testid="query-status" data-status=status.as_str()>{move || labels::status(i18n.get_locale(), status)}</dd>
                <dt>{t!(i18n, query.received)}</dt>
                <dd>{local_time(view.received_at)}</dd>
            </dl>
            <h3>{t!(i18n, record.history_title)}</h3>
            <StatusHistory history=view.history.clone() />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianxin_core::status::PetitionStatus;

    #[test]
    fn a_code_is_read_as_the_server_spells_it() {
        assert_eq!(normalize_code("abcd-efgh-jkmn"), Ok("ABCDEFGHJKMN".into()));
        assert_eq!(
            normalize_code(" ABCD EFGH JKMN "),
            Ok("ABCDEFGHJKMN".into())
        );
        assert_eq!(
            normalize_code("ABCD\u{3000}EFGH\u{3000}JKMN"),
            Ok("ABCDEFGHJKMN".into())
        );
    }

    #[test]
    fn letters_read_as_digits_are_mapped() {
        assert_eq!(normalize_code("O0I1L1ABCDEF"), Ok("001111ABCDEF".into()));
    }

    #[test]
    fn empty_short_long_and_foreign_codes_are_refused() {
        assert_eq!(normalize_code("  - "), Err(CodeProblem::Empty));
        assert_eq!(normalize_code("ABCDEFGHJKM"), Err(CodeProblem::Malformed));
        assert_eq!(normalize_code("ABCDEFGHJKMNP"), Err(CodeProblem::Malformed));
        assert_eq!(normalize_code("ABCDEFGHJKMU"), Err(CodeProblem::Malformed));
        assert_eq!(normalize_code("ABCDEFGHJK/N"), Err(CodeProblem::Malformed));
        assert_eq!(
            normalize_code("查询码ABCDEFGHJ"),
            Err(CodeProblem::Malformed)
        );
    }

    #[test]
    fn the_servers_answers_are_read() {
        let view = r#"{"registration_no":"CZXF-2026-000001","status":"registered","received_at":"2026-11-30T12:00:00Z","history":[]}"#;
        match lookup_of(200, None, view) {
            Lookup::Found(v) => {
                assert_eq!(v.registration_no, "CZXF-2026-000001");
                assert_eq!(v.status, PetitionStatus::Registered);
            }
            other => panic!("{other:?}"),
        }
        let not_found = r#"{"error":{"code":"not_found","message":"no such receipt"}}"#;
        assert_eq!(lookup_of(404, None, not_found), Lookup::NotFound);
        let limited = r#"{"error":{"code":"rate_limited","message":"slow down","params":{"retry_after_seconds":90}}}"#;
        assert_eq!(
            lookup_of(429, Some("30"), limited),
            Lookup::RateLimited(Some(30))
        );
        assert_eq!(lookup_of(429, None, limited), Lookup::RateLimited(Some(90)));
        assert_eq!(lookup_of(429, None, ""), Lookup::RateLimited(None));
        // A captive portal's page, or a proxy's 404, is not the lookup's answer.
        assert_eq!(lookup_of(200, None, "<html>login</html>"), Lookup::Failed);
        assert_eq!(lookup_of(404, None, "<html>"), Lookup::Failed);
        assert_eq!(lookup_of(503, None, ""), Lookup::Failed);
    }

    #[test]
    fn every_failure_is_said_in_the_users_language() {
        for lookup in [
            Lookup::NotFound,
            Lookup::RateLimited(Some(90)),
            Lookup::RateLimited(None),
            Lookup::Unreachable,
            Lookup::Failed,
        ] {
            let en = lookup_message(Locale::en, &lookup);
            assert!(!en.is_empty());
            assert!(
                en.chars().all(|c| !('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{en}"
            );
            assert!(!lookup_message(Locale::zh_Hans, &lookup).is_empty());
            assert!(!lookup_message(Locale::zh_Hant, &lookup).is_empty());
        }
        assert!(lookup_message(Locale::en, &Lookup::RateLimited(Some(90))).contains('2'));
    }
}
