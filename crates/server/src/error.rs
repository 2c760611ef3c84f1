//! The one error type of the HTTP layer and the JSON body extractor that produces it.
//!
//! Every error leaves the server as `{"error": {"code", "message", "field"?, "params"?}}` with a
//! fitting status: handler errors through [`AppError`], and anything produced outside a handler
//! (axum's own 405, a body limit, a panic) through [`json_errors`], which rewrites non-JSON error
//! responses. A client therefore needs exactly one error parser. The `message` is English, for
//! logs and for clients that do not know the `code`; the app says it in the user's language from
//! the code, the field and the params.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use lianxin_core::protocol::{ApiError, ErrorBody};
use serde::de::DeserializeOwned;

use crate::db::DbError;

/// An error answer: a status and the protocol's [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// The body's error.
    pub error: ApiError,
}

impl AppError {
    /// Any status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        AppError {
            status,
            error: ApiError::new(code, message),
        }
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.error.field = Some(field.into());
        self
    }

    /// Adds a value the UI needs to say what is wrong in its own words (a limit, a count).
    pub fn with_param(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.error = self.error.with_param(key, value);
        self
    }

    /// 400 with a code.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 with a protocol error a rule produced.
    pub fn bad_request_with(error: ApiError) -> Self {
        AppError {
            status: StatusCode::BAD_REQUEST,
            error,
        }
    }

    /// 401: no usable token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: the device's role may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    /// The fallback error for a bare status (used by [`json_errors`]).
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => {
                Self::new(status, "method_not_allowed", "method not allowed")
            }
            StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
            StatusCode::REQUEST_TIMEOUT => request_timeout(),
            StatusCode::RANGE_NOT_SATISFIABLE => Self::new(
                status,
                "range_not_satisfiable",
                "the requested range lies outside the file",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => unsupported_media_type(),
            s if s.is_server_error() => internal(),
            s => Self::new(
                s,
                "bad_request",
                s.canonical_reason().unwrap_or("request refused").to_owned(),
            ),
        }
    }
}

fn body_too_large() -> AppError {
    let max = lianxin_core::protocol::MAX_BODY_BYTES;
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!(
            "request body over {} MiB; push in smaller batches",
            max / (1024 * 1024)
        ),
    )
    .with_param("max_bytes", max)
}

fn request_timeout() -> AppError {
    AppError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        "the request did not arrive in time; send it again",
    )
}

/// 429 with `Retry-After`: the client's address has used its requests for now.
pub fn rate_limited(wait: std::time::Duration) -> Response {
    let retry_after = wait.as_secs().max(1);
    let mut res = AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many requests from this address; try again later",
    )
    .with_param("retry_after_seconds", retry_after)
    .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    res
}

/// Whether `E` is somewhere in the chain of causes of a body error: the body timeout's error
/// (the client stopped sending), or a length limit's (the wire limit, whose error reaches the
/// extractor wrapped, so axum does not recognise it as its own 413).
fn caused_by<E: std::error::Error + 'static>(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(e) = cause {
        if e.is::<E>() {
            return true;
        }
        cause = e.source();
    }
    false
}

fn unsupported_media_type() -> AppError {
    AppError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "the request body must be JSON (Content-Type: application/json)",
    )
}

/// 500 without details: those go to the log, not to the client.
pub fn internal() -> AppError {
    AppError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; retry later (the records stay on the device)",
    )
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        tracing::error!(error = %e, "storage failure");
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "storage unavailable; retry later (the records stay on the device)",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(ErrorBody { error: self.error })).into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

/// A JSON body parsed with the offending field's path in the error, and every failure mapped to
/// the protocol's error body (axum's own `Json` answers plain text).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || m.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(unsupported_media_type());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE
                || caused_by::<http_body_util::LengthLimitError>(&rejection)
            {
                body_too_large()
            } else if caused_by::<tower_http::timeout::TimeoutError>(&rejection) {
                request_timeout()
            } else {
                AppError::bad_request("invalid_body", "could not read the request body")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON, naming the field at fault for wrong types and missing fields.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(path_error)
}

/// Like [`parse_json`] for an already parsed value (a pushed record's payload), without
/// printing and re-reading it.
pub fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(path_error)
}

fn path_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    let field = (path != ".").then_some(path);
    let err = match inner.classify() {
        serde_json::error::Category::Data => {
            AppError::bad_request("invalid_field", format!("invalid value: {inner}"))
        }
        _ => AppError::bad_request("invalid_json", format!("malformed JSON: {inner}")),
    };
    match field {
        Some(f) => err.with_field(f),
        None => err,
    }
}

/// Middleware: turns any error response that is not already JSON (axum's 405, tower-http's 413,
/// a missing static file) into the protocol's JSON error body with the same status.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let fresh = AppError::from_status(status).into_response();
    // Keep headers such as Allow (405) and Retry-After (429); replace the body's own.
    parts.headers.remove(header::CONTENT_LENGTH);
    for (k, v) in fresh.headers() {
        parts.headers.insert(k, v.clone());
    }
    Response::from_parts(parts, fresh.into_body())
}

/// The body of a panic answer (tower-http's CatchPanicLayer).
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("handler panicked");
    internal().into_response()
}
