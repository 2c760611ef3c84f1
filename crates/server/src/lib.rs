//! Lianxin's central sync endpoint: protocol v1 over axum, storage through sqlx (SQLite by
//! default, PostgreSQL when the URL says so), device enrollment and tokens, and the static
//! serving of the built PWA.
//!
//! This crate owns everything server-side and nothing the PWA needs: the wasm client depends on
//! `lianxin-core` only and must never depend on this crate. It depends on `lianxin-core` for the
//! wire types and for validation, which therefore runs identically on both sides.
//!
//! Layers: [`api`] (HTTP handlers) and `main.rs` (the command line) call [`service`], where the
//! rules are, in plain Rust; [`service`] stores through the repositories of [`db`], whose SQL is
//! written once for both databases.
//!
//! Entry points: [`router`] (what tests call with `oneshot`), [`serve`] (a real server on a given
//! listener with a shutdown future), and [`testing::TestServer`] for other crates' tests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::routing::{any, get, post};
use axum::Router;
use chrono::Utc;
use lianxin_core::protocol::{DeviceConfig, SubjectEntry, MAX_BODY_BYTES};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;

/// How far the wire limit lies above the inflated one (see the layers in [`router`]).
const WIRE_SLACK_BYTES: usize = 64 * 1024;
use tower_http::map_request_body::MapRequestBodyLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub mod api;
pub mod auth;
pub mod db;
pub mod error;
pub mod ratelimit;
pub mod service;
pub mod static_files;
pub mod testing;

use db::Db;
use error::AppError;
use ratelimit::RateLimiter;
use static_files::StaticSite;

pub use service::campaign::{AnsweredQuestion, CampaignFile};
pub use service::create_enrollment_code;

/// Server settings, from the environment in production and set directly in tests.
#[derive(Debug, Clone)]
pub struct Config {
    /// Prefix of registration numbers (`LIANXIN_REGISTRATION_PREFIX`, default `CZXF`).
    pub registration_prefix: String,
    /// Allowed subjects (`LIANXIN_SUBJECTS`: comma-separated codes, each optionally
    /// `code=label`; default the built-in list). Devices get them through the pull feed.
    pub subjects: Vec<SubjectEntry>,
    /// Where the built PWA is (`LIANXIN_STATIC_DIR`, default `dist`).
    pub static_dir: PathBuf,
    /// How long an enrollment code stays valid.
    pub enrollment_ttl: chrono::Duration,
    /// Receipt lookups: burst per client address…
    pub receipt_burst: u32,
    /// …and refill per second.
    pub receipt_per_second: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            registration_prefix: "CZXF".into(),
            subjects: DeviceConfig::builtin().subjects,
            static_dir: PathBuf::from("dist"),
            enrollment_ttl: chrono::Duration::days(7),
            receipt_burst: 10,
            receipt_per_second: 0.2,
        }
    }
}

impl Config {
    /// Defaults overridden by `LIANXIN_*` variables.
    pub fn from_env() -> Self {
        let mut c = Config::default();
        if let Ok(p) = std::env::var("LIANXIN_REGISTRATION_PREFIX") {
            if !p.trim().is_empty() {
                c.registration_prefix = p.trim().to_owned();
            }
        }
        if let Some(list) = std::env::var("LIANXIN_SUBJECTS")
            .ok()
            .and_then(|s| service::config::parse_subjects(&s))
        {
            c.subjects = list;
        }
        // Receipt lookups per client address: burst and refill per minute.
        if let Some(n) = std::env::var("LIANXIN_RECEIPT_BURST")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            c.receipt_burst = n;
        }
        if let Some(n) = std::env::var("LIANXIN_RECEIPT_PER_MINUTE")
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
        {
            c.receipt_per_second = n / 60.0;
        }
        if let Ok(d) = std::env::var("LIANXIN_STATIC_DIR") {
            c.static_dir = PathBuf::from(d);
        }
        c
    }
}

/// The server's clock, truncated to microseconds: PostgreSQL keeps no more, and a receipt sent
/// as "stored" must equal the one later sent as "duplicate".
pub fn now() -> chrono::DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}

/// The default database URL.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/lianxin.db";

/// `LIANXIN_DATABASE_URL` or the default.
pub fn database_url_from_env() -> String {
    std::env::var("LIANXIN_DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned())
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The repositories.
    pub db: Db,
    /// Settings.
    pub config: Arc<Config>,
    /// Receipt lookup limiter.
    pub limiter: Arc<RateLimiter>,
    /// The static site.
    pub site: Arc<StaticSite>,
}

impl AppState {
    /// State over an open database.
    pub fn new(db: Db, config: Config) -> Self {
        let site = Arc::new(StaticSite::load(&config.static_dir));
        let limiter = Arc::new(RateLimiter::new(
            config.receipt_burst,
            config.receipt_per_second,
        ));
        AppState {
            db,
            config: Arc::new(config),
            limiter,
            site,
        }
    }
}

async fn api_not_found() -> AppError {
    AppError::not_found()
}

/// The whole HTTP surface: `/api/…`, `/healthz`, and the PWA.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/v1/devices/enroll", post(api::enroll))
        .route("/api/v1/sync/push", post(api::push))
        .route("/api/v1/sync/pull", get(api::pull))
        .route("/api/v1/receipts/{query_code}", get(api::receipt))
        .route("/api/v1/petitions/{record_id}", get(api::petition))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        // API answers are per device and often personal: never cache them anywhere.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    let site = state.site.clone();
    let csp = site.csp.clone();
    let x_request_id = HeaderName::from_static("x-request-id");

    Router::new()
        .route("/healthz", get(api::healthz))
        .merge(api)
        .fallback(move |req: axum::extract::Request| {
            let site = site.clone();
            async move { site.serve(req).await }
        })
        // Bodies may come gzipped (`Content-Encoding: gzip`: the PWA compresses its pushes for weak
        // mobile links). Outermost, the body as it crosses the wire is limited; then it is
        // inflated as it is read; and the handlers' extractors limit what they read of the
        // inflated body (DefaultBodyLimit), so a small body that inflates past the limit (a zip
        // bomb) is refused 413 after at most MAX_BODY_BYTES of output, with no more in memory.
        // A cut-off or corrupt gzip body fails while it is read: 400, nothing stored. Another
        // encoding is answered 415. The wire limit sits a little above the inflated one, so that
        // a plain body over the limit meets axum's own limit first, which axum recognises and
        // answers 413 (the outer limit's error reaches the extractor boxed, as an unknown body
        // error, which would be a 400).
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            ServiceBuilder::new()
                .layer(RequestBodyLimitLayer::new(
                    MAX_BODY_BYTES + WIRE_SLACK_BYTES,
                ))
                .layer(MapRequestBodyLayer::new(Body::new))
                .layer(RequestDecompressionLayer::new())
                .layer(MapRequestBodyLayer::new(Body::new)),
        )
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(CompressionLayer::new())
        .layer(
            // Logged: method, the route template (never the concrete path, which can hold a query
            // code), status and latency. Never headers or bodies: they carry tokens and personal data.
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let route = req
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or("static", |m| m.as_str())
                        .to_owned();
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-")
                        .to_owned();
                    tracing::info_span!("request", method = %req.method(), route, request_id = id)
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}

/// Runs the server on `listener` until `shutdown` resolves, then drains open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// How long graceful shutdown waits for open requests in tests.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
