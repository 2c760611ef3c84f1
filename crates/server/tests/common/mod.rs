//! Shared helpers for the server's integration tests: fixtures and a backend switch so that the
//! same tests run against SQLite and (when `LIANXIN_TEST_POSTGRES_URL` is set) PostgreSQL.
#![allow(dead_code)] // each test binary uses a different subset

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use lianxin_core::protocol::{DeviceRole, EnrollResponse};
use lianxin_server::{AppState, Config};
use serde_json::{json, Value};
use tower::ServiceExt;
use uuid::Uuid;

/// Where a test's database lives.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database URL for the backend, or None (with a skip line) for PostgreSQL without a
/// cluster. The TempDir must outlive the database.
pub async fn fresh_url(backend: Backend) -> Option<(String, Option<tempfile::TempDir>)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("t.db").display());
            Some((url, Some(dir)))
        }
        Backend::Postgres => {
            let cluster = lianxin_server::testing::postgres_test_url()?;
            Some((
                lianxin_server::testing::fresh_postgres_database(&cluster).await,
                None,
            ))
        }
    }
}

/// Generates `sqlite` and `postgres` variants of an async test taking a [`Backend`].
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name($crate::common::Backend::Sqlite).await }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name($crate::common::Backend::Postgres).await }
            )*
        }
    };
}

/// A router over a fresh database, driven with `oneshot`.
pub struct Harness {
    pub state: AppState,
    pub router: Router,
    /// The database's URL, for tests that look at the tables themselves.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Harness {
    pub async fn new(backend: Backend) -> Option<Harness> {
        Self::with_config(backend, test_config()).await
    }

    pub async fn with_config(backend: Backend, config: Config) -> Option<Harness> {
        let (url, dir) = fresh_url(backend).await?;
        let db = lianxin_server::db::connect(&url).await.unwrap();
        let state = AppState::new(db, config);
        let router = lianxin_server::router(state.clone());
        Some(Harness {
            state,
            router,
            url,
            _dir: dir,
        })
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON ({status}): {}", String::from_utf8_lossy(&bytes)));
        (status, v)
    }

    pub async fn code(&self, role: DeviceRole) -> String {
        lianxin_server::create_enrollment_code(&self.state.db, &self.state.config, role, "城关镇")
            .await
            .unwrap()
    }

    /// Enrolls a device and returns its answer (token included).
    pub async fn device(&self, role: DeviceRole) -> EnrollResponse {
        let code = self.code(role).await;
        let (status, body) = self
            .send(post_json(
                "/api/v1/devices/enroll",
                None,
                &json!({"code": code, "label": "平板 1"}),
            ))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        serde_json::from_value(body).unwrap()
    }

    pub async fn push(&self, token: &str, records: Value) -> (StatusCode, Value) {
        self.send(post_json(
            "/api/v1/sync/push",
            Some(token),
            &json!({ "records": records, "device_now": chrono::Utc::now() }),
        ))
        .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut req = Request::get(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }
}

pub fn test_config() -> Config {
    Config {
        static_dir: std::env::temp_dir().join("lianxin-no-static-dir"),
        receipt_burst: 1000,
        receipt_per_second: 100.0,
        ..Config::default()
    }
}

pub fn post_json(path: &str, token: Option<&str>, body: &Value) -> Request<Body> {
    post_raw(path, token, body.to_string())
}

pub fn post_raw(path: &str, token: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    req.body(body.into()).unwrap()
}

/// A valid petition payload: lianxin-core's example, petitioned by `name`.
pub fn petition(name: &str) -> Value {
    let mut p = lianxin_core::example::petition_json();
    p["petitioner"]["name"] = json!(name);
    p
}

pub fn record(id: Uuid, kind: &str, payload: Value) -> Value {
    json!({"id": id, "kind": kind, "payload": payload})
}

pub fn petition_record(name: &str) -> (Uuid, Value) {
    let id = Uuid::now_v7();
    (id, record(id, "petition", petition(name)))
}

/// A campaign file with one embedded bank question (`q20`, Art. 20 para. 3), open through
/// November and December 2026, showing answers only after it closes.
pub fn campaign_file(id: &str) -> String {
    json!({
        "id": id,
        "title": "信访工作条例知识竞答",
        "starts_at": "2026-11-01T00:00:00Z",
        "ends_at": "2026-12-31T00:00:00Z",
        "review": "after_close",
        "pass_mark": 60,
        "questions": [{
            "type": "single", "id": "q20",
            "stem": "多人采用走访形式提出共同的信访事项的，代表人数不得超过几人？",
            "options": ["3人", "5人", "7人"], "answer": 1,
            "explanation": "第二十条第三款。", "article": 20,
            "quote": "多人采用走访形式提出共同的信访事项的，应当推选代表，代表人数不得超过5人"
        }]
    })
    .to_string()
}

/// The campaign of [`campaign_file`], as the server keeps it (with its answers).
pub fn campaign(id: &str) -> lianxin_core::quiz::Campaign {
    lianxin_server::service::campaign::read_campaign_file("c.json", &campaign_file(id), |_| {
        Err("no bank".into())
    })
    .unwrap()
}
