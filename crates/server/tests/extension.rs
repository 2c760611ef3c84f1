//! 《信访工作条例》 Art. 34's extension of an Art. 31 item 6 matter's 60-day handling limit, end to
//! end on both databases: recorded in the history with its days, reason and new deadline, refused
//! as the article requires, and carried to the petition's device by the pull feed and to the
//! petitioner by the receipt lookup.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::{petition_record, Backend, Harness};
use lianxin_core::protocol::DeviceRole;
use lianxin_core::status::PetitionStatus;
use lianxin_server::service::status::{Extension, StatusChange};
use lianxin_server::service::{extend_handling, set_status};
use serde_json::json;

on_both_backends!(
    an_extension_is_recorded_and_reaches_the_device_and_the_receipt_with_its_new_deadline,
    an_extension_is_refused_unless_article_34_allows_it,
);

/// A moment given in China time.
fn cst(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    lianxin_core::period::china()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// Pushes the example petition from a new field device; its token, registration number and
/// query code.
async fn registered(h: &Harness) -> (String, String, String) {
    let dev = h.device(DeviceRole::Field).await;
    let (_, rec) = petition_record("张三");
    let (_, body) = h.push(&dev.token, json!([rec])).await;
    let receipt = &body["results"][0]["receipt"];
    (
        dev.token,
        receipt["registration_no"].as_str().unwrap().to_owned(),
        receipt["query_code"].as_str().unwrap().to_owned(),
    )
}

/// Accepts the petition on Tuesday 2026-12-01 10:00 China time, as an Art. 31 item 6 matter or
/// not.
async fn accept(h: &Harness, reg: &str, art31_item6: bool) {
    let change = StatusChange {
        registration_no: reg.to_owned(),
        status: PetitionStatus::Accepted,
        department: None,
        note: None,
        art31_item6,
        at: cst(2026, 12, 1, 10),
    };
    set_status(&h.state.db, change).await.unwrap().unwrap();
}

fn extension(reg: &str, days: u32, reason: &str) -> Extension {
    Extension {
        registration_no: reg.to_owned(),
        days,
        reason: reason.to_owned(),
        at: cst(2027, 1, 20, 9),
    }
}

async fn an_extension_is_recorded_and_reaches_the_device_and_the_receipt_with_its_new_deadline(
    b: Backend,
) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let (token, reg, code) = registered(&h).await;
    accept(&h, &reg, true).await;
    let event = extend_handling(&h.state.db, extension(&reg, 20, "需补充调查取证"))
        .await
        .unwrap()
        .unwrap();
    // Art. 34: 60 days from acceptance plus the 20 granted: 12-01 + 80 = Friday 2027-02-19 (2027
    // has no holiday notice in the calendar yet, so Monday to Friday are working days), to 24:00
    // China time.
    assert_eq!(event.deadline, Some(cst(2027, 2, 20, 0)));

    let (_, feed) = h.get("/api/v1/sync/pull?cursor=0", Some(&token)).await;
    let statuses: Vec<_> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "petition_status")
        .collect();
    let last = &statuses.last().expect("status changes in the feed")["event"];
    assert_eq!(last["status"], "accepted", "{feed}");
    assert_eq!(last["extension_days"], 20);
    assert_eq!(last["note"], "需补充调查取证");
    assert_eq!(last["deadline"], json!(cst(2027, 2, 20, 0)));

    let (_, view) = h.get(&format!("/api/v1/receipts/{code}"), None).await;
    let history = view["history"].as_array().unwrap();
    assert_eq!(
        history.last().unwrap(),
        last,
        "the stored entry reads back the same"
    );
    assert!(
        history[..history.len() - 1]
            .iter()
            .all(|e| e.get("extension_days").is_none()),
        "{view}"
    );
}

async fn an_extension_is_refused_unless_article_34_allows_it(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let refusal = |ext| {
        let db = &h.state.db;
        async move { extend_handling(db, ext).await.unwrap().unwrap_err().code() }
    };
    let (_, reg, _) = registered(&h).await;
    assert_eq!(
        refusal(extension(&reg, 20, "x")).await,
        "extension_not_allowed",
        "not accepted yet"
    );
    accept(&h, &reg, true).await;
    assert_eq!(
        refusal(extension(&reg, 20, " ")).await,
        "extension_reason_missing"
    );
    extend_handling(&h.state.db, extension(&reg, 20, "需现场勘验"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        refusal(extension(&reg, 11, "x")).await,
        "extension_too_long",
        "20 + 11 days"
    );
    assert!(extend_handling(&h.state.db, extension(&reg, 10, "x"))
        .await
        .unwrap()
        .is_ok());

    let (_, other, _) = registered(&h).await;
    accept(&h, &other, false).await;
    assert_eq!(
        refusal(extension(&other, 20, "x")).await,
        "extension_not_art31_item6"
    );
    assert_eq!(
        refusal(extension("CZXF-2026-999999", 20, "x")).await,
        "not_found"
    );
}
