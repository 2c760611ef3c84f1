//! The server is authoritative over quiz attempts (issue 10): it draws again from the attempt's
//! seed, checks the answers against its own copy of the campaign, scores them itself, and refuses
//! with a reason on the record an attempt outside the window, over the daily limit, with a
//! foreign question, an impossible duration or a forged score. Each test runs on SQLite and
//! PostgreSQL.

mod common;

use common::{record, Backend, Harness};
use lianxin_core::protocol::DeviceRole;
use lianxin_core::quiz::{Campaign, Question, QuestionType, Quota};
use serde_json::{json, Value};
use uuid::Uuid;

on_both_backends!(
    the_server_scores_an_attempt_itself_and_refuses_a_forged_score,
    an_answer_to_a_question_outside_the_seeds_draw_is_refused_as_foreign,
    an_attempt_finished_after_the_campaign_closed_is_refused_with_the_reason,
    attempts_over_the_daily_limit_are_refused_but_a_retried_one_is_still_a_duplicate,
    an_impossible_duration_is_refused,
    a_nul_in_the_campaign_id_is_an_invalid_record_not_a_server_error,
    the_practice_campaign_is_known_without_an_import,
);

/// A campaign of six questions, two per chapter of chapters 1–3, drawing one of each chapter.
fn campaign() -> Campaign {
    let mut c = common::campaign("2026-q4");
    let template = c.questions[0].clone();
    c.questions = (1..=3u8)
        .flat_map(|chapter| {
            let template = template.clone();
            (0..2).map(move |i| Question {
                id: format!("c{chapter}-{i}"),
                chapter,
                ..template.clone()
            })
        })
        .collect();
    c.quotas = (1..=3).map(|chapter| Quota { chapter, count: 1 }).collect();
    c
}

/// A fresh server on backend `b` holding campaign `c`, and a kiosk's token.
async fn on(b: Backend, c: &Campaign) -> Option<(Harness, String)> {
    let h = Harness::new(b).await?;
    h.state
        .db
        .campaigns
        .import_campaign(c, chrono::Utc::now())
        .await
        .unwrap();
    let token = h.device(DeviceRole::Kiosk).await.token;
    Some((h, token))
}

/// An attempt with seed `seed` answering its whole draw, each answer right or wrong, finished on
/// 30 November 2026 at `minute` past 10:00 UTC, five minutes after it started.
fn attempt(c: &Campaign, seed: u32, right: bool, minute: u32) -> Value {
    let answers: Vec<Value> = c
        .draw(seed)
        .iter()
        .map(|d| {
            let correct = c
                .question(&d.question_id)
                .unwrap()
                .key
                .clone()
                .unwrap()
                .correct;
            let choice = if right {
                correct[0]
            } else {
                (correct[0] + 1) % 3
            };
            json!({"question_id": d.question_id, "choices": [choice]})
        })
        .collect();
    json!({
        "campaign_id": c.id,
        "seed": seed,
        "answers": answers,
        "started_at": format!("2026-11-30T09:{minute:02}:00Z"),
        "finished_at": format!("2026-11-30T10:{minute:02}:00Z"),
        "township": "城关镇",
    })
}

async fn push(h: &Harness, token: &str, payloads: &[(Uuid, Value)]) -> Vec<Value> {
    let records: Vec<Value> = payloads
        .iter()
        .map(|(id, p)| record(*id, "quiz_attempt", p.clone()))
        .collect();
    let (status, body) = h.push(token, json!(records)).await;
    assert_eq!(status, 200, "{body}");
    body["results"].as_array().unwrap().clone()
}

fn code(result: &Value) -> &str {
    result["error"]["code"]
        .as_str()
        .unwrap_or(result["outcome"].as_str().unwrap())
}

async fn the_server_scores_an_attempt_itself_and_refuses_a_forged_score(b: Backend) {
    let c = campaign();
    let Some((h, token)) = on(b, &c).await else {
        return;
    };
    let mut honest = attempt(&c, 7, false, 1);
    honest["score"] = json!({"correct": 0, "total": 3});
    let mut forged = attempt(&c, 8, false, 2);
    forged["score"] = json!({"correct": 3, "total": 3});
    let r = push(
        &h,
        &token,
        &[(Uuid::now_v7(), honest), (Uuid::now_v7(), forged)],
    )
    .await;
    assert_eq!(code(&r[0]), "stored");
    assert_eq!(code(&r[1]), "score_mismatch");
    assert_eq!(r[1]["outcome"], "invalid");
}

async fn an_answer_to_a_question_outside_the_seeds_draw_is_refused_as_foreign(b: Backend) {
    let c = campaign();
    let Some((h, token)) = on(b, &c).await else {
        return;
    };
    let mut a = attempt(&c, 7, true, 1);
    let drawn: Vec<String> = c.draw(7).into_iter().map(|d| d.question_id).collect();
    let other = c.questions.iter().find(|q| !drawn.contains(&q.id)).unwrap();
    a["answers"][0]["question_id"] = json!(other.id);
    let r = push(&h, &token, &[(Uuid::now_v7(), a)]).await;
    assert_eq!(code(&r[0]), "question_foreign");
    assert_eq!(r[0]["error"]["field"], "answers[0].question_id");
}

async fn an_attempt_finished_after_the_campaign_closed_is_refused_with_the_reason(b: Backend) {
    let mut c = campaign();
    c.ends_at = "2026-11-15T00:00:00Z".parse().unwrap();
    let Some((h, token)) = on(b, &c).await else {
        return;
    };
    let r = push(&h, &token, &[(Uuid::now_v7(), attempt(&c, 7, true, 1))]).await;
    assert_eq!(code(&r[0]), "campaign_closed");
    assert_eq!(
        r[0]["error"]["params"]["ends_at"],
        json!(c.ends_at.to_rfc3339())
    );
}

async fn attempts_over_the_daily_limit_are_refused_but_a_retried_one_is_still_a_duplicate(
    b: Backend,
) {
    let mut c = campaign();
    c.attempts_per_day = Some(2);
    let Some((h, token)) = on(b, &c).await else {
        return;
    };
    let first = (Uuid::now_v7(), attempt(&c, 1, true, 1));
    let second = (Uuid::now_v7(), attempt(&c, 2, true, 2));
    let third = (Uuid::now_v7(), attempt(&c, 3, true, 3));
    let r = push(&h, &token, &[first.clone(), second, third]).await;
    let codes: Vec<&str> = r.iter().map(code).collect();
    assert_eq!(codes, ["stored", "stored", "daily_limit_reached"]);
    assert_eq!(r[2]["error"]["params"]["limit"], 2);

    let fourth = (Uuid::now_v7(), attempt(&c, 4, true, 4));
    let r = push(&h, &token, &[first, fourth]).await;
    let codes: Vec<&str> = r.iter().map(code).collect();
    assert_eq!(codes, ["duplicate", "daily_limit_reached"]);
}

async fn an_impossible_duration_is_refused(b: Backend) {
    let c = campaign();
    let Some((h, token)) = on(b, &c).await else {
        return;
    };
    let mut a = attempt(&c, 7, true, 1);
    a["started_at"] = json!("2026-11-30T10:00:59Z");
    let r = push(&h, &token, &[(Uuid::now_v7(), a)]).await;
    assert_eq!(code(&r[0]), "duration_impossible");
}

async fn a_nul_in_the_campaign_id_is_an_invalid_record_not_a_server_error(b: Backend) {
    let c = campaign();
    let Some((h, token)) = on(b, &c).await else {
        return;
    };
    let mut a = attempt(&c, 7, true, 1);
    a["campaign_id"] = json!("2026\u{0}q4");
    let r = push(&h, &token, &[(Uuid::now_v7(), a)]).await;
    assert_eq!(code(&r[0]), "forbidden_character");
    assert_eq!(r[0]["error"]["field"], "campaign_id");
}

async fn the_practice_campaign_is_known_without_an_import(b: Backend) {
    let c = campaign();
    let Some((h, token)) = on(b, &c).await else {
        return;
    };
    let practice = lianxin_server::service::campaign::builtin("practice-xinfang-2022")
        .expect("the bundled bank's practice campaign");
    assert!(practice
        .questions
        .iter()
        .any(|q| q.kind == QuestionType::TrueFalse));
    let mut a = attempt(practice, 99, true, 1);
    a["started_at"] = json!("2026-11-30T09:00:00Z");
    let r = push(&h, &token, &[(Uuid::now_v7(), a)]).await;
    assert_eq!(code(&r[0]), "stored", "{:?}", r[0]);
}
