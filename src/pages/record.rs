//! `/records/:id`: one finalized petition of this device, readable and printable with its
//! progress: its written receipt (a provisional slip until the first sync numbers it), its time
//! limits with the days left, the status history the pull feed brought, and, on a field tablet,
//! the petition itself with the form's names for its fields. Opened with `?submitted=1` right after
//! a finalize, it first confirms the submission.
//!
//! On a kiosk (`privacy`) only the record submitted in this tab opens, and then only its receipt
//! and progress (what its holder could look up on `/query` anyway): never the petition's content.

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use lianxin_core::period::HolidayCalendar;
use lianxin_core::petition::{AppealRoute, Category, Channel, Field, Petition, PetitionerKind};
use lianxin_core::protocol::{DeviceConfig, StatusEvent, SubjectEntry};
use lianxin_core::status::PetitionStatus;
use lianxin_sync::{OutboxRecord, ReceiptEntry, RecordState, Store};
use serde_json::Value;
use uuid::Uuid;

use crate::app_state::{use_changes, use_device_role, use_services};
use crate::components::deadline_list::{deadline_rows, handling, DeadlineRow};
use crate::components::page_title::PageTitle;
use crate::components::petition_form::field_label;
use crate::components::receipt_slip::{ReceiptSlip, Slip};
use crate::errors;
use crate::formatting::{china_time, local_time};
use crate::i18n::{t, t_string, td_string, use_i18n, Locale};
use crate::labels;
use crate::privacy::{may_show_record, shows_personal_data, use_session};
use crate::routes::{self, parse_petition_id};

/// The value at a validation path (`petitioner.name`, `representatives[0].phone`) of a payload.
fn value_at<'a>(payload: &'a Value, path: &str) -> Option<&'a Value> {
    let pointer: String = path
        .split('.')
        .flat_map(|part| match part.split_once('[') {
            Some((name, index)) => vec![name.to_owned(), index.trim_end_matches(']').to_owned()],
            None => vec![part.to_owned()],
        })
        .fold(String::new(), |acc, p| acc + "/" + &p);
    payload.pointer(&pointer)
}

/// One field's value as a person reads it in `locale`: names for codes, China time for the
/// reception time, "yes" for a set flag; `None` for what is empty or unset (not shown).
fn value_text(locale: Locale, field: Field, v: &Value) -> Option<String> {
    let s = v.as_str().map(str::trim);
    let named = |name: Option<&'static str>| name.map(str::to_owned).or(s.map(str::to_owned));
    let text = match (field, v) {
        (_, Value::Null) => return None,
        (_, Value::Bool(false)) => return None,
        (_, Value::Bool(true)) => td_string!(locale, record.yes).to_owned(),
        (_, Value::Number(n)) => n.to_string(),
        (Field::Channel, _) => named(
            s.and_then(|s| s.parse::<Channel>().ok())
                .map(|c| labels::channel(locale, c)),
        )?,
        (Field::PetitionerKind, _) => named(
            s.and_then(|s| s.parse::<PetitionerKind>().ok())
                .map(|k| labels::petitioner_kind(locale, k)),
        )?,
        (Field::Category, _) => named(
            s.and_then(|s| s.parse::<Category>().ok())
                .map(|c| labels::category(locale, c)),
        )?,
        (Field::AppealRoute, _) => named(
            s.and_then(|s| s.parse::<AppealRoute>().ok())
                .map(|r| labels::appeal_route(locale, r)),
        )?,
        (Field::Subject, _) => labels::subject(
            locale,
            &SubjectEntry {
                code: s?.to_owned(),
                label: None,
            },
        ),
        (Field::ReceivedAt, _) => s.and_then(china_time).or(s.map(str::to_owned))?,
        (_, Value::String(_)) => s?.to_owned(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// What the record page shows of a petition's payload: (the form's name of the field, its value),
/// in form order, the representatives after the field that lists them; empty fields left out.
pub fn petition_rows(locale: Locale, payload: &Value) -> Vec<(String, String)> {
    let kind = value_at(payload, &Field::PetitionerKind.path())
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let mut rows = Vec::new();
    for field in Field::all() {
        if field == Field::Representatives {
            let count = value_at(payload, "representatives")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            for i in 0..count {
                for f in Field::representative(i) {
                    if let Some(text) =
                        value_at(payload, &f.path()).and_then(|v| value_text(locale, f, v))
                    {
                        rows.push((field_label(locale, f, PetitionerKind::Person), text));
                    }
                }
            }
            continue;
        }
        if let Some(text) =
            value_at(payload, &field.path()).and_then(|v| value_text(locale, field, v))
        {
            rows.push((field_label(locale, field, kind), text));
        }
    }
    rows
}

/// The receipt slip of a record, with its limits at `now`.
pub fn slip_of(
    record: &OutboxRecord,
    receipt: Option<&ReceiptEntry>,
    now: chrono::DateTime<Utc>,
    calendar: &HolidayCalendar,
) -> Slip {
    let history = receipt.map_or(&[][..], |r| r.history.as_slice());
    let petition: Option<Petition> = serde_json::from_value(record.payload.clone()).ok();
    let server_receipt = record
        .receipt
        .as_ref()
        .or_else(|| receipt.and_then(|r| r.receipt.as_ref()));
    let registration_no = server_receipt
        .and_then(|r| r.registration_no.clone())
        .or_else(|| receipt.and_then(|r| r.registration_no.clone()));
    let rows: Vec<DeadlineRow> = petition
        .as_ref()
        .map(|p| deadline_rows(p, history, now, calendar))
        .unwrap_or_default();
    let handling_to_come = petition.as_ref().is_some_and(|p| {
        handling(p, history).art31_item6
            && !history.iter().any(|e| e.status == PetitionStatus::Accepted)
    });
    Slip {
        record_id: record.id,
        registration_no,
        query_code: server_receipt.and_then(|r| r.query_code.clone()),
        received_at: record
            .payload
            .get("received_at")
            .and_then(Value::as_str)
            .map(str::to_owned),
        rows,
        handling_to_come,
    }
}

/// The record page.
#[component]
pub fn RecordPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|s| parse_petition_id(&s));
    let submitted = move || query.read().get(routes::SUBMITTED).is_some();
    view! {
        <PageTitle page=Signal::derive(move || t_string!(i18n, record.title)) />
        <div class="page" data-testid="page-record">
            <h1 class="no-print">{t!(i18n, record.title)}</h1>
            {move || submitted().then(|| view! {
                <div class="notice notice--ok no-print" role="status" data-testid="record-submitted">
                    <p><strong>{t!(i18n, record.submitted_title)}</strong></p>
                    <p>{t!(i18n, record.submitted_text)}</p>
                </div>
            })}
            {move || match id() {
                Some(id) => view! { <RecordGate id /> }.into_any(),
                None => view! { <p class="notice">{t!(i18n, record.invalid_id)}</p> }.into_any(),
            }}
            <p class="no-print">
                <A href=routes::RECORDS attr:class="back-link">{t!(i18n, record.back)}</A>
            </p>
        </div>
    }
}

/// Opens the record only where `privacy::may_show_record` allows, and reads nothing before.
#[component]
fn RecordGate(id: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let role = use_device_role();
    let session = use_session();
    let allowed = Memo::new(move |_| {
        session
            .own_records
            .with(|own| may_show_record(role.role(), own, id))
    });
    view! {
        {move || {
            if allowed.get() {
                view! { <RecordLoader id /> }.into_any()
            } else if role.known() {
                view! { <p class="notice" data-testid="kiosk-hidden">{t!(i18n, kiosk.hidden)}</p> }.into_any()
            } else {
                view! { <p role="status">{t!(i18n, record.loading)}</p> }.into_any()
            }
        }}
    }
}

#[component]
fn RecordLoader(id: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let changes = use_changes();
    let loaded = LocalResource::new(move || {
        changes.track();
        services.state.track();
        async move {
            let store = services.store()?;
            let record = store.get_record(id).await;
            let receipt = store.get_receipt(id).await.ok().flatten();
            // Time limits count by the holiday calendar the server published, if any.
            let config = store
                .device_config()
                .await
                .unwrap_or_else(|_| DeviceConfig::builtin());
            Some((record, receipt, config))
        }
    });
    view! {
        {move || match loaded.get() {
            None | Some(None) => view! { <p role="status">{t!(i18n, record.loading)}</p> }.into_any(),
            Some(Some((Ok(Some(record)), receipt, config))) => view! { <RecordView record receipt config /> }.into_any(),
            // A receipt's link opened on a device that never held the record (another tablet's
            // receipt, a kiosk after the privacy wipe): say where the petition can be found.
            Some(Some((Ok(None), _, _))) => view! {
                <div class="notice" data-testid="record-not-found">
                    <p>{t!(i18n, record.not_found)}</p>
                    <p>{t!(i18n, record.not_found_next)}</p>
                    <p class="actions">
                        <A href=routes::QUERY attr:class="button">{t!(i18n, record.lookup_by_code)}</A>
                    </p>
                </div>
            }.into_any(),
            Some(Some((Err(e), _, _))) => view! {
                <p class="notice notice--error" role="alert">{move || errors::store_error(i18n.get_locale(), &e)}</p>
            }.into_any(),
        }}
    }
}

#[component]
fn RecordView(
    record: OutboxRecord,
    receipt: Option<ReceiptEntry>,
    config: DeviceConfig,
) -> impl IntoView {
    let i18n = use_i18n();
    let role = use_device_role();
    let slip = slip_of(&record, receipt.as_ref(), Utc::now(), config.holidays());
    let history = receipt.map(|r| r.history).unwrap_or_default();
    let state = record.state;
    let payload = record.payload.clone();
    let draft_id = record.draft_id;
    let personal = move || shows_personal_data(role.role());
    view! {
        <dl class="facts no-print" data-testid="record-state" data-state=state.as_str()>
            <dt>{t!(i18n, record.state)}</dt>
            <dd><span class=format!("tag tag--{}", state.as_str())>{move || labels::record_state(i18n.get_locale(), state)}</span></dd>
            <dt>{t!(i18n, record.finalized)}</dt>
            <dd>{local_time(record.finalized_at)}</dd>
        </dl>
        <Show when=move || state == RecordState::NeedsEdit && personal()>
            <p class="no-print"><A href=routes::petition(draft_id) attr:class="button">{t!(i18n, sync.edit)}</A></p>
        </Show>
        <ReceiptSlip slip />
        <section class="section no-print" aria-labelledby="history-title">
            <h2 id="history-title">{t!(i18n, record.history_title)}</h2>
            <StatusHistory history />
        </section>
        <Show when=personal>
            <section class="section no-print" aria-labelledby="petition-title" data-testid="record-petition">
                <h2 id="petition-title">{t!(i18n, record.petition_title)}</h2>
                <dl class="facts facts--wide">
                    {let payload = payload.clone();
                    move || petition_rows(i18n.get_locale(), &payload).into_iter().map(|(label, value)| view! {
                        <dt>{label}</dt>
                        <dd class="prewrap">{value}</dd>
                    }).collect_view()}
                </dl>
            </section>
        </Show>
    }
}

/// The status changes of a petition, oldest first, without personal data (the record page and
/// `/query` both show them).
#[component]
pub fn StatusHistory(history: Vec<StatusEvent>) -> impl IntoView {
    let i18n = use_i18n();
    if history.is_empty() {
        return view! { <p data-testid="history-empty">{t!(i18n, record.history_empty)}</p> }
            .into_any();
    }
    view! {
        <ol class="history" data-testid="status-history">
            {history.into_iter().map(|e| view! {
                <li data-testid="history-entry" data-status=e.status.as_str()>
                    <strong>{let e = e.clone(); move || history_step(i18n.get_locale(), &e)}</strong>
                    " · " <span>{local_time(e.at)}</span>
                    {let e = e.clone(); e.note.is_some().then(|| view! {
                        <span>" · " {move || history_note(i18n.get_locale(), &e)}</span>
                    })}
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}

/// What a history entry did, in `locale`: its status, or for an Art. 34 extension (which leaves
/// the status `accepted`) the days the handling limit grew by.
fn history_step(locale: Locale, e: &StatusEvent) -> String {
    match e.extension_days {
        Some(days) => errors::fill(
            td_string!(locale, record.history_extension),
            &[("days", days.to_string())],
        ),
        None => labels::status(locale, e.status).to_string(),
    }
}

/// An entry's note, in `locale`; an extension's is the reason the petitioner is told (Art. 34
/// 「告知信访人延期理由」) and says so.
fn history_note(locale: Locale, e: &StatusEvent) -> String {
    let note = e.note.clone().unwrap_or_default();
    if e.extension_days.is_some() {
        errors::fill(
            td_string!(locale, record.history_extension_reason),
            &[("reason", note)],
        )
    } else {
        note
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use lianxin_core::example;
    use lianxin_core::protocol::{Receipt, RecordKind};

    fn record(payload: Value) -> OutboxRecord {
        let at = example::now();
        OutboxRecord {
            id: Uuid::parse_str("0193a5c2-7b1e-7cc0-8f00-5a1d2e3f4a5b").unwrap(),
            kind: RecordKind::Petition,
            payload,
            draft_id: Uuid::nil(),
            state: RecordState::Queued,
            finalized_at: at,
            updated_at: at,
            attempts: 0,
            receipt: None,
            error: None,
            draft_revision: 0,
        }
    }

    #[test]
    fn a_petition_reads_with_the_forms_names_and_the_values_names() {
        let rows = petition_rows(Locale::en, &example::petition_json());
        let get = |label: &str| {
            rows.iter()
                .find(|(l, _)| l == label)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            get("How it reached us").or(get("Channel")),
            Some("In person"),
            "{rows:?}"
        );
        assert_eq!(get("Name"), Some("张三"), "{rows:?}");
        assert_eq!(get("Request"), Some("请求依法补偿"), "{rows:?}");
        // Wire codes are named, times are China time, unset flags are left out.
        assert!(
            rows.iter()
                .all(|(_, v)| v != "appeal_request" && v != "visit"),
            "{rows:?}"
        );
        assert!(
            rows.iter().any(|(_, v)| v == "2026-11-30 19:00"),
            "{rows:?}"
        );
        assert!(rows.iter().all(|(l, _)| !l.is_empty()));
        assert!(!rows.iter().any(|(_, v)| v.is_empty()));
    }

    #[test]
    fn english_rows_have_no_chinese_but_the_users_input() {
        let json = example::petition_json();
        let input: Vec<String> = [
            "张三",
            "城关镇人民路1号",
            "城关镇",
            "请求依法补偿",
            "2025年征地未补偿",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for (label, value) in petition_rows(Locale::en, &json) {
            assert!(
                label
                    .chars()
                    .all(|c| c.is_ascii() || !('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{label}"
            );
            if !input.contains(&value) {
                assert!(
                    value
                        .chars()
                        .all(|c| !('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{label}: {value}"
                );
            }
        }
    }

    #[test]
    fn representatives_follow_with_their_numbered_names() {
        let mut json = example::petition_json();
        json["visitors"] = 3.into();
        json["representatives"] = serde_json::json!([{ "name": "李四", "phone": "13900001111" }]);
        let rows = petition_rows(Locale::zh_Hans, &json);
        assert!(
            rows.iter().any(|(l, v)| l.contains('1') && v == "李四"),
            "{rows:?}"
        );
        assert!(rows.iter().any(|(_, v)| v == "13900001111"), "{rows:?}");
    }

    #[test]
    fn value_paths_reach_nested_and_listed_fields() {
        let json = serde_json::json!({"petitioner": {"name": "王五"}, "representatives": [{"phone": "1"}]});
        assert_eq!(
            value_at(&json, "petitioner.name"),
            Some(&Value::from("王五"))
        );
        assert_eq!(
            value_at(&json, "representatives[0].phone"),
            Some(&Value::from("1"))
        );
        assert_eq!(value_at(&json, "representatives[1].phone"), None);
    }

    #[test]
    fn an_unsent_record_has_a_provisional_slip_with_the_limits_from_its_receipt_time() {
        let r = record(example::petition_json());
        let slip = slip_of(&r, None, example::now(), &HolidayCalendar::builtin());
        assert!(slip.provisional());
        assert_eq!(slip.query_code, None);
        assert_eq!(
            slip.received_at.as_deref(),
            Some("2026-11-30T19:00:00+08:00")
        );
        let limits: Vec<_> = slip.rows.iter().map(|r| r.limit).collect();
        use lianxin_core::deadlines::Limit;
        assert_eq!(limits, [Limit::Route, Limit::WrittenNotice]);
        assert!(
            slip.handling_to_come,
            "the example goes the opinion-letter route"
        );
    }

    #[test]
    fn an_extension_in_the_history_reads_as_its_days_under_article_34_with_its_reason() {
        let extension = StatusEvent {
            status: PetitionStatus::Accepted,
            at: Utc.with_ymd_and_hms(2027, 1, 20, 1, 0, 0).unwrap(),
            department: None,
            note: Some("需补充调查取证".into()),
            deadline: None,
            extension_days: Some(20),
        };
        assert_eq!(
            history_step(Locale::zh_Hans, &extension),
            "延长办理期限 20 日（第三十四条）"
        );
        assert_eq!(
            history_step(Locale::zh_Hant, &extension),
            "延長辦理期限 20 日（第三十四條）"
        );
        assert_eq!(
            history_step(Locale::en, &extension),
            "Handling time limit extended by 20 days (Art. 34)"
        );
        assert_eq!(
            history_note(Locale::zh_Hans, &extension),
            "延期理由：需补充调查取证"
        );
        let acceptance = StatusEvent {
            extension_days: None,
            note: Some("转县自然资源局".into()),
            ..extension
        };
        assert_eq!(
            history_step(Locale::zh_Hans, &acceptance),
            labels::status(Locale::zh_Hans, PetitionStatus::Accepted)
        );
        assert_eq!(history_note(Locale::en, &acceptance), "转县自然资源局");
    }

    #[test]
    fn a_sent_record_has_its_number_and_query_code_and_the_pulled_history() {
        let mut r = record(example::petition_json());
        r.state = RecordState::Sent;
        r.receipt = Some(Receipt {
            registration_no: Some("CZXF-2026-000007".into()),
            query_code: Some("ABCDEFGHJKMN".into()),
            received_at: example::now(),
        });
        let mut entry = ReceiptEntry::empty(r.id);
        let accepted = StatusEvent {
            status: PetitionStatus::Accepted,
            at: Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap(),
            department: None,
            note: None,
            deadline: None,
            extension_days: None,
        };
        entry.add_status("CZXF-2026-000007", &accepted);
        let slip = slip_of(
            &r,
            Some(&entry),
            example::now(),
            &HolidayCalendar::builtin(),
        );
        assert!(!slip.provisional());
        assert_eq!(slip.registration_no.as_deref(), Some("CZXF-2026-000007"));
        assert_eq!(slip.query_code.as_deref(), Some("ABCDEFGHJKMN"));
        assert!(!slip.handling_to_come);
        assert!(slip
            .rows
            .iter()
            .any(|r| r.limit == lianxin_core::deadlines::Limit::Handling));
    }
}
