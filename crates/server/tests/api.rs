//! Handler tests through `router()` with `oneshot`, each run against SQLite and PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{petition, petition_record, post_json, post_raw, record, Backend, Harness};
use lianxin_core::protocol::DeviceRole;
use lianxin_core::status::PetitionStatus;
use lianxin_server::service::status::StatusChange;
use serde_json::{json, Value};
use uuid::Uuid;

on_both_backends!(
    an_enrollment_code_enrolls_exactly_one_device,
    an_unknown_or_expired_enrollment_code_is_refused_with_the_field_named,
    a_valid_petition_is_stored_with_a_registration_number_and_query_code,
    the_petition_list_names_each_stored_petition_once_in_registration_order,
    a_retried_push_gets_duplicate_with_the_original_receipt,
    the_same_record_twice_in_one_push_is_stored_once,
    the_same_id_with_a_different_payload_is_a_conflict_and_nothing_is_overwritten,
    an_invalid_record_names_its_field_and_the_rest_of_the_batch_is_stored,
    an_unknown_kind_is_invalid_but_does_not_sink_the_batch,
    malformed_json_and_wrong_types_get_the_documented_errors,
    a_body_over_two_mebibytes_gets_413_as_json,
    a_batch_over_500_records_gets_400,
    missing_bad_and_revoked_tokens_get_401,
    a_kiosk_can_push_but_never_read_a_petition,
    registration_numbers_are_gap_free_even_when_records_are_refused,
    the_pull_feed_carries_campaigns_without_answers_and_own_status_changes_in_order,
    the_pull_feed_is_paged_with_more,
    a_revoked_device_learns_of_its_revocation_through_pull,
    a_receipt_lookup_shows_progress_without_personal_data,
    receipt_lookups_are_rate_limited_per_address,
    a_quiz_attempt_is_checked_against_its_campaign,
    unknown_api_paths_and_methods_answer_json_errors,
    the_openapi_document_describes_every_endpoint,
);

fn results(body: &Value) -> &Vec<Value> {
    body["results"].as_array().expect("results")
}

async fn an_enrollment_code_enrolls_exactly_one_device(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let code = h.code(DeviceRole::Field).await;
    let req = json!({"code": code.to_lowercase(), "label": "城关镇 平板 3"});
    let (status, body) = h
        .send(post_json("/api/v1/devices/enroll", None, &req))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["role"], "field");
    assert_eq!(body["township"], "城关镇");
    assert_eq!(body["token"].as_str().unwrap().len(), 43);
    let (status, body) = h
        .send(post_json("/api/v1/devices/enroll", None, &req))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "enrollment_code_used");
}

async fn an_unknown_or_expired_enrollment_code_is_refused_with_the_field_named(b: Backend) {
    let config = lianxin_server::Config {
        enrollment_ttl: chrono::Duration::seconds(-1),
        ..common::test_config()
    };
    let Some(h) = Harness::with_config(b, config).await else {
        return;
    };
    let (status, body) = h
        .send(post_json(
            "/api/v1/devices/enroll",
            None,
            &json!({"code": "NOPE-NOPE", "label": "x"}),
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "enrollment_code_unknown");
    assert_eq!(body["error"]["field"], "code");
    let code = h.code(DeviceRole::Field).await;
    let (_, body) = h
        .send(post_json(
            "/api/v1/devices/enroll",
            None,
            &json!({"code": code, "label": "x"}),
        ))
        .await;
    assert_eq!(body["error"]["code"], "enrollment_code_expired");
}

async fn a_valid_petition_is_stored_with_a_registration_number_and_query_code(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let (id, rec) = petition_record("张三");
    let (status, body) = h.push(&dev.token, json!([rec])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r = &results(&body)[0];
    assert_eq!(r["id"], json!(id));
    assert_eq!(r["outcome"], "stored");
    let reg = r["receipt"]["registration_no"].as_str().unwrap();
    // Numbered in the year the petition was received in (the example's 2026-11-30), whenever it
    // reached the server.
    assert_eq!(reg, "CZXF-2026-000001");
    let code = r["receipt"]["query_code"].as_str().unwrap();
    assert!(code.len() >= 8 && code.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(r["receipt"]["received_at"].is_string());
    assert_eq!(h.state.db.records.petition_count().await.unwrap(), 1);
}

async fn the_petition_list_names_each_stored_petition_once_in_registration_order(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    assert!(h.state.db.records.petition_list().await.unwrap().is_empty());
    let dev = h.device(DeviceRole::Field).await;
    let (id1, rec1) = petition_record("张三");
    let (id2, rec2) = petition_record("李四");
    let (status, body) = h.push(&dev.token, json!([rec1.clone(), rec2])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A retry of the first is a duplicate, not a second row.
    let (status, body) = h.push(&dev.token, json!([rec1])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list = h.state.db.records.petition_list().await.unwrap();
    let ids: Vec<Uuid> = list.iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![id1, id2]);
    assert!(list[0].registration_no.ends_with("-000001"), "{list:?}");
    assert!(list[1].registration_no.ends_with("-000002"), "{list:?}");
    assert_eq!(h.state.db.records.petition_count().await.unwrap(), 2);
}

async fn a_retried_push_gets_duplicate_with_the_original_receipt(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let (id, rec) = petition_record("张三");
    let (_, first) = h.push(&dev.token, json!([rec])).await;
    // The same record again, its keys in another order: the canonical payload is equal.
    let mut reordered = serde_json::Map::new();
    let payload = petition("张三");
    let mut keys: Vec<_> = payload.as_object().unwrap().keys().cloned().collect();
    keys.reverse();
    for k in keys {
        reordered.insert(k.clone(), payload[&k].clone());
    }
    let (_, second) = h
        .push(
            &dev.token,
            json!([record(id, "petition", Value::Object(reordered))]),
        )
        .await;
    assert_eq!(results(&second)[0]["outcome"], "duplicate");
    assert_eq!(
        results(&second)[0]["receipt"],
        results(&first)[0]["receipt"]
    );
    assert_eq!(h.state.db.records.petition_count().await.unwrap(), 1);
}

async fn the_same_record_twice_in_one_push_is_stored_once(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let (id, rec) = petition_record("张三");
    let (_, body) = h
        .push(
            &dev.token,
            json!([rec.clone(), rec, record(id, "petition", petition("李四"))]),
        )
        .await;
    let r = results(&body);
    assert_eq!(r[0]["outcome"], "stored");
    assert_eq!(r[1]["outcome"], "duplicate");
    assert_eq!(r[1]["receipt"], r[0]["receipt"]);
    assert_eq!(r[2]["outcome"], "conflict");
    assert_eq!(h.state.db.records.petition_count().await.unwrap(), 1);
    // The registration counter moved by one only.
    let (_, body) = h.push(&dev.token, json!([petition_record("王五").1])).await;
    assert!(results(&body)[0]["receipt"]["registration_no"]
        .as_str()
        .unwrap()
        .ends_with("-000002"));
}

async fn the_same_id_with_a_different_payload_is_a_conflict_and_nothing_is_overwritten(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let (id, rec) = petition_record("张三");
    let (_, first) = h.push(&dev.token, json!([rec])).await;
    let (_, second) = h
        .push(
            &dev.token,
            json!([record(id, "petition", petition("李四"))]),
        )
        .await;
    let r = &results(&second)[0];
    assert_eq!(r["outcome"], "conflict");
    assert_eq!(r["error"]["code"], "conflict");
    assert!(r.get("receipt").is_none());
    // Another device reusing the id does not learn the first receipt either.
    let other = h.device(DeviceRole::Field).await;
    let (_, third) = h
        .push(
            &other.token,
            json!([record(id, "petition", petition("张三"))]),
        )
        .await;
    assert_eq!(results(&third)[0]["outcome"], "conflict");
    let code = results(&first)[0]["receipt"]["query_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, view) = h.get(&format!("/api/v1/receipts/{code}"), None).await;
    assert_eq!(
        view["registration_no"],
        results(&first)[0]["receipt"]["registration_no"]
    );
}

async fn an_invalid_record_names_its_field_and_the_rest_of_the_batch_is_stored(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let mut bad = petition("王五");
    bad["petitioner"]["id_number"] = json!("110105194912310021");
    // One visitor choosing a representative: Art. 20 para. 3 asks 「多人」 for that.
    let mut collective = petition("赵六");
    collective["visitors"] = json!(1);
    collective["representatives"] = json!([{"name": "甲", "phone": "13912345678"}]);
    let (_, ok) = petition_record("张三");
    let (status, body) = h
        .push(
            &dev.token,
            json!([
                record(Uuid::now_v7(), "petition", bad),
                ok,
                record(Uuid::now_v7(), "petition", collective)
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let r = results(&body);
    assert_eq!(r[0]["outcome"], "invalid");
    assert_eq!(r[0]["error"]["code"], "id_number_checksum");
    assert_eq!(r[0]["error"]["field"], "petitioner.id_number");
    // The app words it from the code; the message, for logs, still names the check digit.
    assert!(r[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("check digit"));
    assert_eq!(r[1]["outcome"], "stored");
    assert_eq!(r[2]["error"]["field"], "representatives");
    assert_eq!(h.state.db.records.petition_count().await.unwrap(), 1);
}

async fn an_unknown_kind_is_invalid_but_does_not_sink_the_batch(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let (_, ok) = petition_record("张三");
    let mut wrong_type = petition("李四");
    wrong_type["visitors"] = json!("three");
    let (_, body) = h
        .push(
            &dev.token,
            json!([
                record(Uuid::now_v7(), "selfie", json!({})),
                ok,
                record(Uuid::now_v7(), "petition", wrong_type)
            ]),
        )
        .await;
    let r = results(&body);
    assert_eq!(r[0]["outcome"], "invalid");
    assert_eq!(r[0]["error"]["code"], "unknown_kind");
    assert_eq!(r[0]["error"]["field"], "kind");
    assert_eq!(r[1]["outcome"], "stored");
    assert_eq!(r[2]["outcome"], "invalid");
    assert_eq!(r[2]["error"]["field"], "visitors");
}

async fn malformed_json_and_wrong_types_get_the_documented_errors(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let (status, body) = h
        .send(post_raw(
            "/api/v1/sync/push",
            Some(&dev.token),
            "{\"records\": [",
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_json");
    let (status, body) = h
        .send(post_raw(
            "/api/v1/sync/push",
            Some(&dev.token),
            r#"{"records":[{"id":"not-a-uuid","kind":"petition","payload":{}}]}"#,
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_field");
    assert_eq!(body["error"]["field"], "records[0].id");
    let (status, body) = h
        .send(post_raw(
            "/api/v1/sync/push",
            Some(&dev.token),
            r#"{"records": 5}"#,
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "records");
    let req = Request::post("/api/v1/sync/push")
        .header(header::AUTHORIZATION, format!("Bearer {}", dev.token))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let (status, body) = h.send(req).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body["error"]["code"], "unsupported_media_type");
}

async fn a_body_over_two_mebibytes_gets_413_as_json(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let big = format!(
        "{{\"records\":[],\"pad\":\"{}\"}}",
        "x".repeat(2 * 1024 * 1024 + 1)
    );
    let (status, body) = h
        .send(post_raw("/api/v1/sync/push", Some(&dev.token), big))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "body_too_large");
}

async fn a_batch_over_500_records_gets_400(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let records: Vec<Value> = (0..501)
        .map(|_| record(Uuid::now_v7(), "quiz_attempt", json!({})))
        .collect();
    let (status, body) = h.push(&dev.token, json!(records)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "batch_too_large");
}

async fn missing_bad_and_revoked_tokens_get_401(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let (status, body) = h
        .send(post_json(
            "/api/v1/sync/push",
            None,
            &json!({"records": []}),
        ))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = h.push("not-a-token", json!([])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let dev = h.device(DeviceRole::Field).await;
    assert!(h
        .state
        .db
        .devices
        .revoke_device(dev.device_id, chrono::Utc::now())
        .await
        .unwrap());
    let (status, body) = h.push(&dev.token, json!([])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "device_revoked");
}

async fn a_kiosk_can_push_but_never_read_a_petition(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let kiosk = h.device(DeviceRole::Kiosk).await;
    let (id, rec) = petition_record("张三");
    let (_, body) = h.push(&kiosk.token, json!([rec])).await;
    assert_eq!(results(&body)[0]["outcome"], "stored");
    let reg = results(&body)[0]["receipt"]["registration_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = h
        .get(&format!("/api/v1/petitions/{id}"), Some(&kiosk.token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "forbidden");
    set(&h, &reg, PetitionStatus::Accepted).await;
    let (_, feed) = h.get("/api/v1/sync/pull", Some(&kiosk.token)).await;
    assert!(
        feed["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["type"] != "petition_status"),
        "{feed}"
    );
    // A field tablet reads its own petition, not another device's.
    let field = h.device(DeviceRole::Field).await;
    let (status, _) = h
        .get(&format!("/api/v1/petitions/{id}"), Some(&field.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn set(h: &Harness, reg: &str, status: PetitionStatus) {
    h.state
        .db
        .records
        .set_status(StatusChange {
            registration_no: reg.to_owned(),
            status,
            department: Some("县自然资源局".into()),
            note: None,
            art31_item6: true,
            at: chrono::Utc::now(),
        })
        .await
        .unwrap()
        .unwrap();
}

async fn registration_numbers_are_gap_free_even_when_records_are_refused(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let mut numbers = Vec::new();
    for round in 0..3 {
        let mut recs = Vec::new();
        for i in 0..4 {
            let mut p = petition(&format!("人{round}{i}"));
            if i % 2 == 1 {
                p["request"] = json!("");
            }
            recs.push(record(Uuid::now_v7(), "petition", p));
        }
        let (_, body) = h.push(&dev.token, json!(recs)).await;
        for r in results(&body) {
            if let Some(n) = r["receipt"]["registration_no"].as_str() {
                numbers.push(n.rsplit('-').next().unwrap().parse::<u32>().unwrap());
            }
        }
    }
    assert_eq!(numbers, (1..=6).collect::<Vec<_>>());
}

async fn the_pull_feed_carries_campaigns_without_answers_and_own_status_changes_in_order(
    b: Backend,
) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let other = h.device(DeviceRole::Field).await;
    let campaign = common::campaign("2026-q4");
    h.state
        .db
        .campaigns
        .import_campaign(&campaign, chrono::Utc::now())
        .await
        .unwrap();
    let (id, rec) = petition_record("张三");
    let (_, body) = h.push(&dev.token, json!([rec])).await;
    let reg = results(&body)[0]["receipt"]["registration_no"]
        .as_str()
        .unwrap()
        .to_owned();
    set(&h, &reg, PetitionStatus::Accepted).await;

    let (status, feed) = h.get("/api/v1/sync/pull?cursor=0", Some(&dev.token)).await;
    assert_eq!(status, StatusCode::OK);
    let changes = feed["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{feed}");
    assert_eq!(changes[0]["type"], "campaign");
    assert!(changes[0]["campaign"]["questions"][0].get("key").is_none());
    assert_eq!(changes[1]["type"], "petition_status");
    assert_eq!(changes[1]["record_id"], json!(id));
    assert_eq!(changes[1]["event"]["status"], "accepted");
    assert!(
        changes[1]["event"]["deadline"].is_string(),
        "Art. 34 deadline"
    );
    assert!(changes[0]["seq"].as_i64() < changes[1]["seq"].as_i64());
    assert_eq!(feed["cursor"], changes[1]["seq"]);
    assert_eq!(feed["more"], false);

    let (_, again) = h
        .get(
            &format!("/api/v1/sync/pull?cursor={}", feed["cursor"]),
            Some(&dev.token),
        )
        .await;
    assert_eq!(again["changes"], json!([]));
    assert_eq!(again["cursor"], feed["cursor"]);
    // Another device sees the campaign but not this device's petition.
    let (_, theirs) = h.get("/api/v1/sync/pull", Some(&other.token)).await;
    assert_eq!(theirs["changes"].as_array().unwrap().len(), 1);
    let (status, body) = h.get("/api/v1/sync/pull?cursor=-3", Some(&dev.token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "cursor");
}

async fn the_pull_feed_is_paged_with_more(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let page = lianxin_core::protocol::PULL_PAGE;
    for i in 0..page + 5 {
        let campaign = common::campaign(&format!("c{i}"));
        h.state
            .db
            .campaigns
            .import_campaign(&campaign, chrono::Utc::now())
            .await
            .unwrap();
    }
    let (_, first) = h.get("/api/v1/sync/pull", Some(&dev.token)).await;
    assert_eq!(first["changes"].as_array().unwrap().len(), page);
    assert_eq!(first["more"], true);
    let (_, second) = h
        .get(
            &format!("/api/v1/sync/pull?cursor={}", first["cursor"]),
            Some(&dev.token),
        )
        .await;
    assert_eq!(second["changes"].as_array().unwrap().len(), 5);
    assert_eq!(second["more"], false);
}

async fn a_revoked_device_learns_of_its_revocation_through_pull(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    h.state
        .db
        .devices
        .revoke_device(dev.device_id, chrono::Utc::now())
        .await
        .unwrap();
    let (status, feed) = h.get("/api/v1/sync/pull", Some(&dev.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(feed["changes"][0]["type"], "device_revoked");
    assert_eq!(feed["more"], false);
}

async fn a_receipt_lookup_shows_progress_without_personal_data(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    let (_, rec) = petition_record("张三丰");
    let (_, body) = h.push(&dev.token, json!([rec])).await;
    let receipt = &results(&body)[0]["receipt"];
    let code = receipt["query_code"].as_str().unwrap().to_lowercase();
    set(
        &h,
        receipt["registration_no"].as_str().unwrap(),
        PetitionStatus::Forwarded,
    )
    .await;
    let (status, view) = h.get(&format!("/api/v1/receipts/{code}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["registration_no"], receipt["registration_no"]);
    assert_eq!(view["status"], "forwarded");
    assert_eq!(view["history"].as_array().unwrap().len(), 2);
    assert_eq!(view["history"][0]["status"], "registered");
    let text = view.to_string();
    for personal in ["张三丰", "11010519491231002X", "13812345678", "人民路"] {
        assert!(!text.contains(personal), "{personal} leaked");
    }
    let (status, body) = h.get("/api/v1/receipts/ZZZZZZZZZZZZ", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

async fn receipt_lookups_are_rate_limited_per_address(b: Backend) {
    let config = lianxin_server::Config {
        receipt_burst: 3,
        receipt_per_second: 0.01,
        ..common::test_config()
    };
    let Some(h) = Harness::with_config(b, config).await else {
        return;
    };
    for _ in 0..3 {
        let (status, _) = h.get("/api/v1/receipts/AAAAAAAAAAAA", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, body) = h.get("/api/v1/receipts/AAAAAAAAAAAA", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limited");
}

async fn a_quiz_attempt_is_checked_against_its_campaign(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Kiosk).await;
    let campaign = common::campaign("2026-q4");
    h.state
        .db
        .campaigns
        .import_campaign(&campaign, chrono::Utc::now())
        .await
        .unwrap();
    let attempt = |campaign: &str, choice: u32| {
        json!({
            "campaign_id": campaign,
            "seed": 1,
            "answers": [{"question_id": "q20", "choices": [choice]}],
            "started_at": "2026-11-30T01:00:00Z",
            "finished_at": "2026-11-30T01:03:00Z",
            "township": "城关镇"
        })
    };
    let (_, body) = h
        .push(
            &dev.token,
            json!([
                record(Uuid::now_v7(), "quiz_attempt", attempt("2026-q4", 1)),
                record(Uuid::now_v7(), "quiz_attempt", attempt("2026-q4", 7)),
                record(Uuid::now_v7(), "quiz_attempt", attempt("nope", 1)),
            ]),
        )
        .await;
    let r = results(&body);
    assert_eq!(r[0]["outcome"], "stored");
    assert!(r[0]["receipt"].get("registration_no").is_none());
    assert_eq!(r[1]["error"]["field"], "answers[0].choices");
    assert_eq!(r[2]["error"]["code"], "campaign_unknown");
}

async fn unknown_api_paths_and_methods_answer_json_errors(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let (status, body) = h.get("/api/v2/whatever", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let req = Request::delete("/api/v1/sync/push")
        .body(Body::empty())
        .unwrap();
    let (status, body) = h.send(req).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let (status, body) = h.get("/api/v1/petitions/not-a-uuid", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

async fn the_openapi_document_describes_every_endpoint(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let (status, doc) = h.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/devices/enroll",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/receipts/{query_code}",
        "/api/v1/petitions/{record_id}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"].get("Petition").is_some());
    assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
}
