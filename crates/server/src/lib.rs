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
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub mod api;
pub mod auth;
pub mod db;
pub mod error;
pub mod ratelimit;
pub mod service;
pub mod serving;
pub mod static_files;
pub mod testing;

use db::Db;
use error::AppError;
use ratelimit::{Rate, RateLimiter};
use static_files::StaticSite;

pub use service::campaign::CampaignFile;
pub use service::create_enrollment_code;

/// Server settings, from the environment in production and set directly in tests.
#[derive(Debug, Clone)]
pub struct Config {
    /// Prefix of registration numbers (`LIANXIN_REGISTRATION_PREFIX`, default `CZXF`).
    pub registration_prefix: String,
    /// Allowed subjects (`LIANXIN_SUBJECTS`: comma-separated codes, each optionally
    /// `code=label`; default the built-in list). Devices get them through the pull feed.
    pub subjects: Vec<SubjectEntry>,
    /// The holiday calendar devices count time limits by (`LIANXIN_HOLIDAYS`: the path of a JSON
    /// file in the format of `crates/core/data/holidays.json`); `None`: the one built into the
    /// app. Devices get it through the pull feed, so a new year's notice needs no app update.
    pub holidays: Option<lianxin_core::period::HolidayCalendar>,
    /// Where the built PWA is (`LIANXIN_STATIC_DIR`, default `dist`).
    pub static_dir: PathBuf,
    /// How long an enrollment code stays valid.
    pub enrollment_ttl: chrono::Duration,
    /// Receipt lookups: burst per client address…
    pub receipt_burst: u32,
    /// …and refill per second.
    pub receipt_per_second: f64,
    /// Enrollment attempts: burst per client address…
    pub enroll_burst: u32,
    /// …and refill per second.
    pub enroll_per_second: f64,
    /// Reverse proxies whose `Forwarded`/`X-Forwarded-For` name the client
    /// (`LIANXIN_TRUSTED_PROXIES`); empty: the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Served over HTTPS by a proxy in front (`LIANXIN_HTTPS=1`): answers carry HSTS.
    pub https: bool,
    /// Timeouts and the connection bound of [`serve`].
    pub limits: serving::Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            registration_prefix: "CZXF".into(),
            subjects: DeviceConfig::builtin().subjects,
            holidays: None,
            static_dir: PathBuf::from("dist"),
            enrollment_ttl: chrono::Duration::days(7),
            receipt_burst: 10,
            receipt_per_second: 0.2,
            // A county enrolls a room of tablets at a training session, all behind one address.
            enroll_burst: 30,
            enroll_per_second: 0.5,
            trusted_proxies: Vec::new(),
            https: false,
            limits: serving::Limits::default(),
        }
    }
}

/// A setting in the environment that cannot be used; the server refuses to start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {problem} (got {value:?})")]
pub struct ConfigError {
    /// The variable.
    pub var: &'static str,
    /// Its value.
    pub value: String,
    /// What is wrong with it.
    pub problem: String,
}

impl Config {
    /// Defaults overridden by `LIANXIN_*` variables (see README, "Configuration").
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Defaults overridden by the variables `var` finds; a value that is set but unusable is an
    /// error, never a silent default.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut c = Config::default();
        let positive = |name: &'static str, per: f64| -> Result<Option<f64>, ConfigError> {
            let Some(v) = var(name) else { return Ok(None) };
            match v.trim().parse::<f64>() {
                Ok(n) if n.is_finite() && n > 0.0 => Ok(Some(n / per)),
                _ => Err(ConfigError {
                    var: name,
                    value: v,
                    problem: "must be a number greater than 0".into(),
                }),
            }
        };
        let whole = |name: &'static str, min: u64| -> Result<Option<u64>, ConfigError> {
            let Some(v) = var(name) else { return Ok(None) };
            match v.trim().parse::<u64>() {
                Ok(n) if n >= min => Ok(Some(n)),
                _ => Err(ConfigError {
                    var: name,
                    value: v,
                    problem: format!("must be a whole number of at least {min}"),
                }),
            }
        };
        let clamp_u32 = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        if let Some(n) = whole("LIANXIN_RECEIPT_BURST", 1)? {
            c.receipt_burst = clamp_u32(n);
        }
        if let Some(n) = positive("LIANXIN_RECEIPT_PER_MINUTE", 60.0)? {
            c.receipt_per_second = n;
        }
        if let Some(n) = whole("LIANXIN_ENROLL_BURST", 1)? {
            c.enroll_burst = clamp_u32(n);
        }
        if let Some(n) = positive("LIANXIN_ENROLL_PER_MINUTE", 60.0)? {
            c.enroll_per_second = n;
        }
        if let Some(v) = var("LIANXIN_TRUSTED_PROXIES") {
            c.trusted_proxies =
                ratelimit::parse_trusted_proxies(&v).map_err(|problem| ConfigError {
                    var: "LIANXIN_TRUSTED_PROXIES",
                    value: v.clone(),
                    problem,
                })?;
        }
        if let Some(v) = var("LIANXIN_HTTPS") {
            c.https = match v.trim() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" | "" => false,
                _ => {
                    return Err(ConfigError {
                        var: "LIANXIN_HTTPS",
                        value: v,
                        problem: "must be 1 or 0".into(),
                    })
                }
            };
        }
        let secs = Duration::from_secs;
        if let Some(n) = whole("LIANXIN_HEADER_TIMEOUT_SECS", 1)? {
            c.limits.header_timeout = secs(n);
        }
        if let Some(n) = whole("LIANXIN_BODY_TIMEOUT_SECS", 1)? {
            c.limits.body_timeout = secs(n);
        }
        if let Some(n) = whole("LIANXIN_REQUEST_TIMEOUT_SECS", 1)? {
            c.limits.request_timeout = secs(n);
        }
        if let Some(n) = whole("LIANXIN_MAX_CONNECTIONS", 1)? {
            c.limits.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(p) = var("LIANXIN_REGISTRATION_PREFIX") {
            if !p.trim().is_empty() {
                c.registration_prefix = p.trim().to_owned();
            }
        }
        if let Some(list) =
            var("LIANXIN_SUBJECTS").and_then(|s| service::config::parse_subjects(&s))
        {
            c.subjects = list;
        }
        if let Some(path) = var("LIANXIN_HOLIDAYS") {
            c.holidays =
                Some(
                    service::config::read_holidays(&path).map_err(|problem| ConfigError {
                        var: "LIANXIN_HOLIDAYS",
                        value: path.clone(),
                        problem,
                    })?,
                );
        }
        if let Some(d) = var("LIANXIN_STATIC_DIR") {
            c.static_dir = PathBuf::from(d);
        }
        Ok(c)
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
    /// Enrollment limiter.
    pub enroll_limiter: Arc<RateLimiter>,
    /// The static site.
    pub site: Arc<StaticSite>,
}

impl AppState {
    /// State over an open database.
    pub fn new(db: Db, config: Config) -> Self {
        let site = Arc::new(StaticSite::load(&config.static_dir));
        let limiter = Arc::new(RateLimiter::new(Rate {
            burst: config.receipt_burst,
            per_second: config.receipt_per_second,
        }));
        let enroll_limiter = Arc::new(RateLimiter::new(Rate {
            burst: config.enroll_burst,
            per_second: config.enroll_per_second,
        }));
        AppState {
            db,
            config: Arc::new(config),
            limiter,
            enroll_limiter,
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
        .route(
            "/api/v1/campaigns/{campaign_id}/stats",
            get(api::campaign_stats),
        )
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
    let limits = state.config.limits;
    // HSTS only when a proxy in front serves HTTPS: sent over plain HTTP on a LAN it would be
    // ignored, and a wrong one would lock browsers out of the address for a year.
    let hsts = state
        .config
        .https
        .then(|| HeaderValue::from_static("max-age=31536000"));

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
                // A body that stops arriving (a pause longer than the body timeout between two
                // chunks) fails as it is read: 408, see `error::ApiJson`.
                .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
                .layer(MapRequestBodyLayer::new(Body::new))
                .layer(RequestBodyLimitLayer::new(
                    MAX_BODY_BYTES + WIRE_SLACK_BYTES,
                ))
                .layer(MapRequestBodyLayer::new(Body::new))
                .layer(RequestDecompressionLayer::new())
                .layer(MapRequestBodyLayer::new(Body::new)),
        )
        // The whole request, body trickled in included, within the request timeout; inside
        // `json_errors`, so the 408 gets the protocol's JSON body. A push cut off here may still
        // be committed: the device's retry is then answered `duplicate` with the receipt.
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
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
        // The app uses no camera, microphone, location, payment or device APIs: nothing injected
        // into it may either.
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        ))
        // No other origin's window keeps a handle on ours (a petitioner's record on screen).
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &axum::response::Response| hsts.clone(),
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
        // A client's own request id is logged and echoed only if it is a plain token; any other
        // is dropped here and replaced by a fresh one (it could forge log lines or carry data).
        .layer(axum::middleware::map_request(drop_unsafe_request_id))
        .with_state(state)
}

/// The `Permissions-Policy` of every answer.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), \
     usb=(), serial=(), bluetooth=(), hid=(), midi=(), display-capture=()";

/// Whether a client-supplied request id may be logged: 1 to 64 of `A-Z a-z 0-9 - _ . :`.
pub fn is_safe_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

async fn drop_unsafe_request_id(mut req: axum::extract::Request) -> axum::extract::Request {
    let ids = req.headers().get_all("x-request-id");
    let mut ids = ids.iter();
    let safe = match (ids.next(), ids.next()) {
        (Some(id), None) => is_safe_request_id(id.as_bytes()),
        (None, _) => true,
        (Some(_), Some(_)) => false,
    };
    if !safe {
        req.headers_mut().remove("x-request-id");
    }
    req
}

pub use serving::serve;

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
