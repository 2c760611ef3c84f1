//! Every error the UI shows, in the user's language: validation and server errors
//! ([`ApiError`]) by their code, field and params; local storage refusals by
//! [`StoreError::code`]; sync problems by their code. The libraries return codes and English
//! messages; the sentences live in the locale files (`errors.*`, `store_errors.*`,
//! `sync_errors.*`, with `{name}` placeholders filled from the params here), and a code this
//! version does not know falls back to the English message.
//!
//! Plain functions of a [`Locale`], tested natively.

use std::collections::BTreeMap;

use lianxin_core::petition::Field;
use lianxin_core::protocol::ApiError;
use lianxin_sync::{StoreError, SyncError, SyncProblem};

use crate::i18n::{td_string, Locale};

/// Every [`ApiError`] code with a sentence of its own: lianxin-core's validation, and the
/// server's answers (crates/server/src/error.rs, api.rs, auth.rs, service/).
pub const API_CODES: &[&str] = &[
    "required",
    "too_long",
    "id_number_format",
    "id_number_birthdate",
    "id_number_checksum",
    "phone_format",
    "visitors_min",
    "visitors_max",
    "visitors_format",
    "representatives_not_collective",
    "representatives_too_many",
    "representatives_not_visit",
    "appeal_route_not_appeal",
    "document_format",
    "department_accused",
    "department_unknown",
    "subject_unknown",
    "received_at_future",
    "device_now_missing",
    "device_now_implausible",
    "received_at_format",
    "invalid_choice",
    "forbidden_character",
    "unauthorized",
    "forbidden",
    "device_revoked",
    "not_found",
    "method_not_allowed",
    "bad_request",
    "body_too_large",
    "unsupported_media_type",
    "internal",
    "storage_unavailable",
    "invalid_body",
    "invalid_json",
    "invalid_field",
    "invalid_label",
    "enrollment_code_unknown",
    "enrollment_code_used",
    "enrollment_code_expired",
    "batch_too_large",
    "invalid_cursor",
    "rate_limited",
    "invalid_id",
    "conflict",
    "unknown_kind",
    "invalid",
    "campaign_unknown",
    "duplicate_answer",
    "finished_before_start",
    "finished_at_future",
    "too_many",
    "campaign_mismatch",
    "question_unknown",
    "question_foreign",
    "choice_out_of_range",
    "too_many_choices",
    "campaign_not_open",
    "campaign_closed",
    "duration_impossible",
    "time_limit_exceeded",
    "participant_required",
    "consent_missing",
    "score_mismatch",
    "daily_limit_reached",
    "campaign_without_keys",
];

/// Every [`StoreError::code`].
pub const STORE_CODES: &[&str] = &[
    "quota_exceeded",
    "write_refused",
    "not_found",
    "invalid_state",
    "closed",
    "blocked",
    "corrupt",
    "draft_finalized",
    "draft_deleted",
    "other",
];

/// Every [`SyncError::code`] that is not a store's.
pub const SYNC_CODES: &[&str] = &[
    "busy",
    "not_enrolled",
    "revoked",
    "rejected",
    "offline",
    "timeout",
    "server_error",
    "protocol",
    "engine_unavailable",
];

fn api_template(locale: Locale, code: &str, on_select: bool) -> Option<&'static str> {
    Some(match code {
        "required" if on_select => td_string!(locale, errors.required_choice),
        "required" => td_string!(locale, errors.required),
        "too_long" => td_string!(locale, errors.too_long),
        "id_number_format" => td_string!(locale, errors.id_number_format),
        "id_number_birthdate" => td_string!(locale, errors.id_number_birthdate),
        "id_number_checksum" => td_string!(locale, errors.id_number_checksum),
        "phone_format" => td_string!(locale, errors.phone_format),
        "visitors_min" => td_string!(locale, errors.visitors_min),
        "visitors_max" => td_string!(locale, errors.visitors_max),
        "visitors_format" => td_string!(locale, errors.visitors_format),
        "representatives_not_collective" => {
            td_string!(locale, errors.representatives_not_collective)
        }
        "representatives_too_many" => td_string!(locale, errors.representatives_too_many),
        "representatives_not_visit" => td_string!(locale, errors.representatives_not_visit),
        "appeal_route_not_appeal" => td_string!(locale, errors.appeal_route_not_appeal),
        "document_format" => td_string!(locale, errors.document_format),
        "department_accused" => td_string!(locale, errors.department_accused),
        "department_unknown" => td_string!(locale, errors.department_unknown),
        "subject_unknown" => td_string!(locale, errors.subject_unknown),
        "received_at_future" => td_string!(locale, errors.received_at_future),
        "device_now_missing" => td_string!(locale, errors.device_now_missing),
        "device_now_implausible" => td_string!(locale, errors.device_now_implausible),
        "received_at_format" => td_string!(locale, errors.received_at_format),
        "invalid_choice" => td_string!(locale, errors.invalid_choice),
        "forbidden_character" => td_string!(locale, errors.forbidden_character),
        "unauthorized" => td_string!(locale, errors.unauthorized),
        "forbidden" => td_string!(locale, errors.forbidden),
        "device_revoked" => td_string!(locale, errors.device_revoked),
        "not_found" => td_string!(locale, errors.not_found),
        "method_not_allowed" => td_string!(locale, errors.method_not_allowed),
        "bad_request" => td_string!(locale, errors.bad_request),
        "body_too_large" => td_string!(locale, errors.body_too_large),
        "unsupported_media_type" => td_string!(locale, errors.unsupported_media_type),
        "internal" => td_string!(locale, errors.internal),
        "storage_unavailable" => td_string!(locale, errors.storage_unavailable),
        "invalid_body" => td_string!(locale, errors.invalid_body),
        "invalid_json" => td_string!(locale, errors.invalid_json),
        "invalid_field" => td_string!(locale, errors.invalid_field),
        "invalid_label" => td_string!(locale, errors.invalid_label),
        "enrollment_code_unknown" => td_string!(locale, errors.enrollment_code_unknown),
        "enrollment_code_used" => td_string!(locale, errors.enrollment_code_used),
        "enrollment_code_expired" => td_string!(locale, errors.enrollment_code_expired),
        "batch_too_large" => td_string!(locale, errors.batch_too_large),
        "invalid_cursor" => td_string!(locale, errors.invalid_cursor),
        "rate_limited" => td_string!(locale, errors.rate_limited),
        "invalid_id" => td_string!(locale, errors.invalid_id),
        "conflict" => td_string!(locale, errors.conflict),
        "unknown_kind" => td_string!(locale, errors.unknown_kind),
        "invalid" => td_string!(locale, errors.invalid),
        "campaign_unknown" => td_string!(locale, errors.campaign_unknown),
        "duplicate_answer" => td_string!(locale, errors.duplicate_answer),
        "finished_before_start" => td_string!(locale, errors.finished_before_start),
        "finished_at_future" => td_string!(locale, errors.finished_at_future),
        "too_many" => td_string!(locale, errors.too_many),
        "campaign_mismatch" => td_string!(locale, errors.campaign_mismatch),
        "question_unknown" => td_string!(locale, errors.question_unknown),
        "question_foreign" => td_string!(locale, errors.question_foreign),
        "choice_out_of_range" => td_string!(locale, errors.choice_out_of_range),
        "too_many_choices" => td_string!(locale, errors.too_many_choices),
        "campaign_not_open" => td_string!(locale, errors.campaign_not_open),
        "campaign_closed" => td_string!(locale, errors.campaign_closed),
        "duration_impossible" => td_string!(locale, errors.duration_impossible),
        "time_limit_exceeded" => td_string!(locale, errors.time_limit_exceeded),
        "participant_required" => td_string!(locale, errors.participant_required),
        "consent_missing" => td_string!(locale, errors.consent_missing),
        "score_mismatch" => td_string!(locale, errors.score_mismatch),
        "daily_limit_reached" => td_string!(locale, errors.daily_limit_reached),
        "campaign_without_keys" => td_string!(locale, errors.campaign_without_keys),
        _ => return None,
    })
}

fn store_template(locale: Locale, code: &str) -> Option<&'static str> {
    Some(match code {
        "quota_exceeded" => td_string!(locale, store_errors.quota_exceeded),
        "write_refused" => td_string!(locale, store_errors.write_refused),
        "not_found" => td_string!(locale, store_errors.not_found),
        "invalid_state" => td_string!(locale, store_errors.invalid_state),
        "closed" => td_string!(locale, store_errors.closed),
        "blocked" => td_string!(locale, store_errors.blocked),
        "corrupt" => td_string!(locale, store_errors.corrupt),
        "draft_finalized" => td_string!(locale, store_errors.draft_finalized),
        "draft_deleted" => td_string!(locale, store_errors.draft_deleted),
        "other" => td_string!(locale, store_errors.other),
        _ => return None,
    })
}

fn sync_template(locale: Locale, code: &str) -> Option<&'static str> {
    Some(match code {
        "busy" => td_string!(locale, sync_errors.busy),
        "not_enrolled" => td_string!(locale, sync_errors.not_enrolled),
        "revoked" => td_string!(locale, sync_errors.revoked),
        "rejected" => td_string!(locale, sync_errors.rejected),
        "offline" => td_string!(locale, sync_errors.offline),
        "timeout" => td_string!(locale, sync_errors.timeout),
        "server_error" => td_string!(locale, sync_errors.server_error),
        "protocol" => td_string!(locale, sync_errors.protocol),
        "engine_unavailable" => td_string!(locale, sync_errors.engine_unavailable),
        _ => return None,
    })
}

/// Fills a template's `{name}` placeholders; one without a value stays as written.
pub fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// A param as text: a string as is, anything else as JSON.
fn param_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn values(params: &BTreeMap<String, serde_json::Value>) -> Vec<(&str, String)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), param_text(v)))
        .collect()
}

/// An [`ApiError`] in `locale`. `field_label` is the name of its field as the form shows it
/// (the form knows whether 姓名 is a person's or an organization's 名称); without one the
/// field's path stands in. A code without a sentence falls back to the English message.
pub fn api_error(locale: Locale, e: &ApiError, field_label: Option<&str>) -> String {
    let field = e.field.as_deref().and_then(Field::from_path);
    let on_select = matches!(
        field,
        Some(Field::Channel | Field::PetitionerKind | Field::Category | Field::Subject)
    );
    let Some(template) = api_template(locale, &e.code, on_select) else {
        return e.message.clone();
    };
    let mut v = values(&e.params);
    let label = field_label
        .map(str::to_owned)
        .or_else(|| e.field.clone())
        .unwrap_or_default();
    v.push(("field", label));
    fill(template, &v)
}

/// A refused local write in `locale`.
pub fn store_error(locale: Locale, e: &StoreError) -> String {
    store_template(locale, e.code())
        .map(str::to_owned)
        .unwrap_or_else(|| e.to_string())
}

/// A sync problem in `locale`, from its code and params. A server refusal (`rejected`) is told by
/// the server's own code, which the params carry as `error`.
pub fn sync_code(
    locale: Locale,
    code: &str,
    params: &BTreeMap<String, serde_json::Value>,
    message: &str,
) -> String {
    if code == "rejected" {
        if let Some(inner) = params.get("error").and_then(|v| v.as_str()) {
            let mut e = ApiError::new(inner, message);
            e.field = params
                .get("field")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            e.params = params.clone();
            if api_template(locale, inner, false).is_some() {
                return api_error(locale, &e, None);
            }
        }
    }
    match sync_template(locale, code).or_else(|| store_template(locale, code)) {
        Some(template) => fill(template, &values(params)),
        None => message.to_owned(),
    }
}

/// A failed sync run or enrollment in `locale`.
pub fn sync_error(locale: Locale, e: &SyncError) -> String {
    sync_code(locale, e.code(), &e.params(), &e.to_string())
}

/// The last problem of a sync run, as stored, in `locale`.
pub fn sync_problem(locale: Locale, p: &SyncProblem) -> String {
    sync_code(locale, &p.code, &p.params, &p.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::petition_form::field_label;
    use crate::locale::LANGUAGES;
    use lianxin_core::petition::{PetitionDraft, PetitionerKind};

    const LOCALE_FILES: [(Locale, &str); 3] = [
        (Locale::zh_Hans, include_str!("../locales/zh-Hans.json")),
        (Locale::zh_Hant, include_str!("../locales/zh-Hant.json")),
        (Locale::en, include_str!("../locales/en.json")),
    ];

    fn section(file: &str, name: &str) -> serde_json::Map<String, serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(file).unwrap();
        v[name].as_object().cloned().unwrap_or_default()
    }

    fn is_chinese(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// leptos_i18n only warns about a key missing in one locale (and shows the default
    /// locale's text there), so each locale file is checked for every code itself.
    #[test]
    fn every_code_has_a_sentence_in_all_three_locale_files() {
        for (locale, file) in LOCALE_FILES {
            for (name, codes) in [
                ("errors", API_CODES),
                ("store_errors", STORE_CODES),
                ("sync_errors", SYNC_CODES),
            ] {
                let keys = section(file, name);
                for code in codes {
                    let text = keys.get(*code).and_then(|v| v.as_str());
                    assert!(text.is_some(), "{locale:?}: {name}.{code} is missing");
                    assert_eq!(
                        is_chinese(text.unwrap()),
                        locale != Locale::en,
                        "{name}.{code}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_listed_code_is_looked_up_and_no_sentence_is_unused() {
        for locale in LANGUAGES {
            for code in API_CODES {
                assert!(api_template(locale, code, false).is_some(), "{code}");
            }
            for code in STORE_CODES {
                assert!(store_template(locale, code).is_some(), "{code}");
            }
            for code in SYNC_CODES {
                assert!(sync_template(locale, code).is_some(), "{code}");
            }
        }
        let (_, file) = LOCALE_FILES[0];
        let listed = |codes: &[&str], extra: &[&str], name: &str| {
            for key in section(file, name).keys() {
                assert!(
                    codes.contains(&key.as_str()) || extra.contains(&key.as_str()),
                    "{name}.{key} is never looked up"
                );
            }
        };
        listed(API_CODES, &["required_choice"], "errors");
        listed(STORE_CODES, &[], "store_errors");
        listed(SYNC_CODES, &[], "sync_errors");
    }

    fn first_error(draft: &PetitionDraft, path: &str) -> ApiError {
        let now = lianxin_core::example::now();
        let errs = draft
            .validate(&lianxin_core::petition::default_subject_codes(), now)
            .unwrap_err();
        errs.into_iter()
            .find(|e| e.field.as_deref() == Some(path))
            .unwrap_or_else(|| panic!("no error on {path}"))
    }

    fn shown(locale: Locale, e: &ApiError, kind: PetitionerKind) -> String {
        let field = e.field.as_deref().and_then(Field::from_path).unwrap();
        api_error(locale, e, Some(&field_label(locale, field, kind)))
    }

    #[test]
    fn a_missing_name_reads_as_a_sentence_in_the_users_language() {
        let draft = PetitionDraft::from_json(&lianxin_core::example::petition_json());
        let mut d = draft.clone();
        d.set(Field::Name, String::new());
        let e = first_error(&d, "petitioner.name");
        assert_eq!(e.code, "required");
        assert_eq!(
            shown(Locale::zh_Hans, &e, PetitionerKind::Person),
            "请填写姓名"
        );
        assert_eq!(
            shown(Locale::zh_Hans, &e, PetitionerKind::Organization),
            "请填写名称"
        );
        assert_eq!(
            shown(Locale::zh_Hant, &e, PetitionerKind::Person),
            "請填寫姓名"
        );
        assert!(!is_chinese(&shown(Locale::en, &e, PetitionerKind::Person)));
    }

    #[test]
    fn a_too_long_request_says_the_limit_and_the_length() {
        let mut d = PetitionDraft::from_json(&lianxin_core::example::petition_json());
        d.set(Field::Request, "请".repeat(2003));
        let e = first_error(&d, "request");
        assert_eq!(
            shown(Locale::zh_Hans, &e, PetitionerKind::Person),
            "请求不能超过2000个字（现为2003个字）"
        );
        assert_eq!(
            shown(Locale::en, &e, PetitionerKind::Person),
            "Request: at most 2000 characters (now 2003)."
        );
    }

    #[test]
    fn a_required_select_asks_to_choose() {
        let e = ApiError::new("required", "choose a subject").with_field("subject");
        assert_eq!(
            api_error(Locale::zh_Hans, &e, Some("事项分类")),
            "请选择事项分类"
        );
    }

    #[test]
    fn server_refusals_of_an_enrollment_read_in_the_users_language() {
        let e = ApiError::new("enrollment_code_used", "登记码已被使用").with_field("code");
        assert_eq!(
            api_error(Locale::en, &e, None),
            "This enrollment code was already used; ask an administrator for a new one."
        );
        let rejected = SyncError::Rejected(e);
        assert!(sync_error(Locale::zh_Hans, &rejected).starts_with("激活码已被使用"));
    }

    #[test]
    fn an_unknown_code_falls_back_to_the_english_message() {
        let e = ApiError::new("brand_new", "something new went wrong");
        assert_eq!(
            api_error(Locale::zh_Hans, &e, None),
            "something new went wrong"
        );
        let params = BTreeMap::new();
        assert_eq!(
            sync_code(Locale::en, "odd", &params, "odd thing"),
            "odd thing"
        );
    }

    #[test]
    fn store_and_sync_problems_are_told_by_code_with_their_params() {
        let full = StoreError::QuotaExceeded("QuotaExceededError".into());
        assert!(store_error(Locale::zh_Hans, &full).starts_with("设备存储空间已满"));
        assert!(!is_chinese(&store_error(Locale::en, &full)));
        let params = BTreeMap::from([("status".to_owned(), serde_json::json!(502))]);
        assert_eq!(
            sync_code(Locale::en, "server_error", &params, "HTTP 502"),
            "The server is failing (HTTP 502); retrying automatically."
        );
        assert!(sync_code(Locale::zh_Hans, "quota_exceeded", &params, "x").starts_with("设备存储"));
    }
}
