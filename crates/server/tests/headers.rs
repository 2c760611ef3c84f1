//! Operations (issue 11, item 9) as a client sees them: the security headers of every answer,
//! HSTS only when the deployment says it is served over HTTPS, a client's request id echoed
//! only when it is a plain token, and `/healthz` answering from the database and the writer.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Backend, Harness};
use http_body_util::BodyExt;
use lianxin_server::Config;
use tower::ServiceExt;

async fn answer(h: &Harness, req: Request<Body>) -> axum::response::Response {
    h.router.clone().oneshot(req).await.unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let Some(h) = Harness::new(backend).await else {
        return;
    };
    for path in [
        "/healthz",
        "/api/openapi.json",
        "/api/nope",
        "/petitions/new",
    ] {
        let res = answer(&h, get(path)).await;
        let hv = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(hv("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(hv("cross-origin-opener-policy"), "same-origin", "{path}");
        assert!(hv("permissions-policy").contains("camera=()"), "{path}");
        assert!(
            hv("permissions-policy").contains("geolocation=()"),
            "{path}"
        );
        assert_eq!(hv("x-content-type-options"), "nosniff", "{path}");
        assert!(
            res.headers().get("strict-transport-security").is_none(),
            "no HSTS unless served over HTTPS: {path}"
        );
    }
}

async fn hsts_is_sent_when_the_deployment_is_served_over_https(backend: Backend) {
    let config = Config {
        https: true,
        ..common::test_config()
    };
    let Some(h) = Harness::with_config(backend, config).await else {
        return;
    };
    let res = answer(&h, get("/healthz")).await;
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

async fn a_plain_request_id_is_echoed_and_any_other_is_replaced(backend: Backend) {
    let Some(h) = Harness::new(backend).await else {
        return;
    };
    let with_id = |id: &str| {
        Request::get("/healthz")
            .header("x-request-id", id)
            .body(Body::empty())
            .unwrap()
    };
    let res = answer(&h, with_id("tablet-7:req.42_a")).await;
    assert_eq!(res.headers()["x-request-id"], "tablet-7:req.42_a");
    for hostile in [
        "a b",
        "x\u{7f}",
        "id=1\" status=500",
        "\u{202e}evil",
        &"a".repeat(65),
    ] {
        let Ok(value) = axum::http::HeaderValue::from_str(hostile) else {
            continue; // not even a header value: the HTTP layer refuses it before us
        };
        let mut req = get("/healthz");
        req.headers_mut().insert("x-request-id", value);
        let res = answer(&h, req).await;
        let echoed = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(echoed, hostile);
        assert!(
            uuid::Uuid::parse_str(&echoed).is_ok(),
            "replaced by a fresh id: {echoed}"
        );
    }
    // Two ids at once: neither is believed.
    let req = Request::get("/healthz")
        .header("x-request-id", "one")
        .header("x-request-id", "two")
        .body(Body::empty())
        .unwrap();
    let res = answer(&h, req).await;
    let ids: Vec<_> = res.headers().get_all("x-request-id").iter().collect();
    assert_eq!(ids.len(), 1);
    assert!(uuid::Uuid::parse_str(ids[0].to_str().unwrap()).is_ok());
}

async fn healthz_answers_ok_with_the_database_and_the_writer_up(backend: Backend) {
    let Some(h) = Harness::new(backend).await else {
        return;
    };
    assert!(h.state.db.health.writer_running());
    let res = answer(&h, get("/healthz")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["status"], "ok");
}

on_both_backends!(
    every_answer_carries_the_security_headers,
    hsts_is_sent_when_the_deployment_is_served_over_https,
    a_plain_request_id_is_echoed_and_any_other_is_replaced,
    healthz_answers_ok_with_the_database_and_the_writer_up,
);
