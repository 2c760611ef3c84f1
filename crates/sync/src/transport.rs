//! How the engine talks to the server, and the one place that decides what an HTTP answer means.
//!
//! Implementations (fetch in `lianxin-browser`, reqwest in this crate's tests) only move bytes;
//! they hand status, content type and body to [`decode_response`], so the browser and the tests
//! classify a captive portal, a 502 or a revoked token identically.

use std::collections::BTreeMap;
use std::time::Duration;

use lianxin_core::protocol::{
    ApiError, EnrollRequest, EnrollResponse, ErrorBody, PullResponse, PushRequest, PushResponse,
};
use serde::de::DeserializeOwned;

/// Why a request did not produce a protocol answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No usable answer: no network, refused or dropped connection, timeout, a 5xx (502/504 from
    /// a proxy included), 408/429, or a body that is not our protocol (a captive portal's 200 HTML
    /// page). Transient: retried with backoff, nothing is marked. [`NoAnswer`] says which.
    #[error("no protocol answer: {0}")]
    Offline(NoAnswer),
    /// 401 or 403 with our JSON error whose code is [`REVOKED_CODE`]: the server revoked this
    /// device. Syncing stops until the device is enrolled again. Only this explicit answer
    /// revokes: a device stopped by anything less (a proxy's 401, a token the server does not
    /// know after a restore) would hold its records until someone typed a new code.
    #[error("unauthorized: {} ({})", .0.message, .0.code)]
    Unauthorized(ApiError),
    /// Another 4xx with our JSON error (400, 404, 409, 413; 403 `forbidden`: the device's role
    /// may not do this, e.g. a kiosk reading petitions; 401 `unauthorized`: the server does not
    /// know the token): this request will not succeed as it is, the records stay queued and the
    /// problem is shown, but the device is not revoked.
    #[error("refused by the server: HTTP {status}, {} ({})", .error.message, .error.code)]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The server's error.
        error: ApiError,
    },
}

/// Why no protocol answer came, as a stable code the UI translates ([`NoAnswer::code`]). The
/// text inside is English detail for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoAnswer {
    /// The request reached no server: no network, DNS failure, refused or reset connection.
    /// Code `offline`.
    #[error("network: {0}")]
    Network(String),
    /// Nothing answered within the transport's timeout. Code `timeout`.
    #[error("no answer within the timeout")]
    Timeout,
    /// The server, or a proxy in front of it, is failing or busy: 5xx, 408, 425, 429. Code
    /// `server_error`, param `status`.
    #[error("HTTP {status}: {detail}")]
    ServerError {
        /// HTTP status.
        status: u16,
        /// What the body said, shortened.
        detail: String,
    },
    /// Something answered, but not in our protocol: a captive portal's 200 HTML login page, a
    /// firewall's 403 page, JSON that is not the expected answer, an answer that does not match
    /// the request. Code `protocol`, param `status`.
    #[error("HTTP {status}, not a protocol answer: {detail}")]
    Protocol {
        /// HTTP status (200 for a well-formed answer to the wrong question).
        status: u16,
        /// What was wrong, shortened.
        detail: String,
    },
    /// The code that runs a sync is not on this device and could not be fetched (the PWA loads
    /// the engine as a wasm module of its own on the first run). Code `engine_unavailable`.
    #[error("the sync engine's code could not be fetched: {0}")]
    EngineUnavailable(String),
}

impl NoAnswer {
    /// `offline`, `timeout`, `server_error`, `protocol` or `engine_unavailable`.
    pub fn code(&self) -> &'static str {
        match self {
            NoAnswer::Network(_) => "offline",
            NoAnswer::Timeout => "timeout",
            NoAnswer::ServerError { .. } => "server_error",
            NoAnswer::Protocol { .. } => "protocol",
            NoAnswer::EngineUnavailable(_) => "engine_unavailable",
        }
    }

    /// The values the translated message needs: `status` for `server_error` and `protocol`.
    pub fn params(&self) -> BTreeMap<String, serde_json::Value> {
        let mut params = BTreeMap::new();
        if let NoAnswer::ServerError { status, .. } | NoAnswer::Protocol { status, .. } = self {
            params.insert("status".to_owned(), (*status).into());
        }
        params
    }
}

/// Detail of a network failure; lets a transport write `TransportError::Offline(text.into())`.
impl From<String> for NoAnswer {
    fn from(detail: String) -> Self {
        NoAnswer::Network(detail)
    }
}

impl From<&str> for NoAnswer {
    fn from(detail: &str) -> Self {
        NoAnswer::Network(detail.to_owned())
    }
}

impl TransportError {
    /// Whether retrying the same request later can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, TransportError::Offline(_))
    }
}

/// The server, as the engine sees it. `token` is the device's bearer token.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// `POST /api/v1/devices/enroll`, expecting `201`.
    async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError>;
    /// `POST /api/v1/sync/push`, expecting `200`.
    async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, TransportError>;
    /// `GET /api/v1/sync/pull?cursor=<cursor>`, expecting `200`.
    async fn pull(&self, token: &str, cursor: i64) -> Result<PullResponse, TransportError>;

    /// A push given up after `timeout` ([`NoAnswer::Timeout`]), reporting how long it took. The
    /// engine sizes its batches and timeouts from these measurements (`crate::link`); it has no
    /// clock of its own, since wasm32 has no `Instant`. The default has no timer and measures
    /// nothing: the engine then only grows its batches, as if every push were quick.
    async fn push_within(
        &self,
        token: &str,
        req: &PushRequest,
        timeout: Duration,
    ) -> Timed<Result<PushResponse, TransportError>> {
        let _ = timeout;
        Timed {
            result: self.push(token, req).await,
            elapsed: None,
        }
    }
}

/// A result and how long it took to get it, if the transport could tell.
#[derive(Debug, Clone, PartialEq)]
pub struct Timed<T> {
    /// What came back.
    pub result: T,
    /// From the start of the request to the result (to the abort, for a timeout).
    pub elapsed: Option<Duration>,
}

/// The error code with which the server says a device was revoked (401 on every endpoint but
/// the pull feed, which answers it with a `device_revoked` change).
pub const REVOKED_CODE: &str = "device_revoked";

/// Path of the enrollment endpoint.
pub const ENROLL_PATH: &str = "/api/v1/devices/enroll";
/// Path of the push endpoint.
pub const PUSH_PATH: &str = "/api/v1/sync/push";
/// Path of the pull endpoint (add `?cursor=<n>`).
pub const PULL_PATH: &str = "/api/v1/sync/pull";

fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

fn snippet(body: &str) -> String {
    let s: String = body.chars().take(80).collect();
    s.replace(['\n', '\r'], " ")
}

/// Decides what an HTTP answer means. Only `expected` status with a JSON content type and a body
/// that parses as `T` is a protocol answer; our JSON error on a 4xx is a refusal; everything else
/// (an HTML login page with 200, a proxy's 502, a 403 page of a firewall) is [`TransportError::Offline`].
pub fn decode_response<T: DeserializeOwned>(
    expected: u16,
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Result<T, TransportError> {
    let json = is_json(content_type);
    if status == expected {
        if !json {
            return Err(not_protocol(
                status,
                format!(
                    "{} instead of the protocol's JSON (captive portal?): {}",
                    content_type.unwrap_or("no content type"),
                    snippet(body)
                ),
            ));
        }
        // `from_slice`, like the store: one JSON parser instance per type in the wasm, not two.
        return serde_json::from_slice(body.as_bytes())
            .map_err(|e| not_protocol(status, format!("the body is not the answer: {e}")));
    }
    // Our server's errors are always `{"error": {...}}` JSON; anything else came from something
    // between us and it, and says nothing about our request.
    let api_error = if json {
        serde_json::from_slice::<ErrorBody>(body.as_bytes()).ok()
    } else {
        None
    };
    match (status, api_error) {
        (401 | 403, Some(e)) if e.error.code == REVOKED_CODE => {
            Err(TransportError::Unauthorized(e.error))
        }
        (408 | 425 | 429, _) | (500..=599, _) => {
            Err(TransportError::Offline(NoAnswer::ServerError {
                status,
                detail: snippet(body),
            }))
        }
        (400..=499, Some(e)) => Err(TransportError::Rejected {
            status,
            error: e.error,
        }),
        _ => Err(not_protocol(
            status,
            format!(
                "unexpected status ({}): {}",
                content_type.unwrap_or("no content type"),
                snippet(body)
            ),
        )),
    }
}

fn not_protocol(status: u16, detail: String) -> TransportError {
    TransportError::Offline(NoAnswer::Protocol { status, detail })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&str> = Some("application/json; charset=utf-8");
    const HTML: Option<&str> = Some("text/html");

    #[test]
    fn a_captive_portal_login_page_with_status_200_is_offline() {
        let r =
            decode_response::<PushResponse>(200, 200, HTML, "<html><body>登录 Wi-Fi</body></html>");
        assert!(matches!(r, Err(TransportError::Offline(_))), "{r:?}");
        match r {
            Err(TransportError::Offline(why)) => {
                assert_eq!(why.code(), "protocol");
                assert_eq!(why.params()["status"], 200);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_that_is_not_the_protocol_answer_is_offline() {
        let r = decode_response::<PushResponse>(200, 200, JSON, r#"{"status":"ok"}"#);
        assert!(matches!(r, Err(TransportError::Offline(_))), "{r:?}");
    }

    #[test]
    fn a_well_formed_push_answer_is_accepted() {
        let r = decode_response::<PushResponse>(200, 200, JSON, r#"{"results":[]}"#).unwrap();
        assert!(r.results.is_empty());
    }

    #[test]
    fn gateway_errors_and_timeouts_are_offline_even_with_a_json_body() {
        for status in [500, 502, 503, 504, 408, 429] {
            let body = r#"{"error":{"code":"x","message":"y"}}"#;
            let r = decode_response::<PushResponse>(200, status, JSON, body);
            assert!(
                matches!(r, Err(TransportError::Offline(NoAnswer::ServerError { status: s, .. })) if s == status),
                "{status}: {r:?}"
            );
        }
    }

    #[test]
    fn a_revoked_token_is_unauthorized_only_when_our_server_says_so() {
        let body = r#"{"error":{"code":"device_revoked","message":"设备已被吊销"}}"#;
        let r = decode_response::<PushResponse>(200, 401, JSON, body);
        assert!(
            matches!(r, Err(TransportError::Unauthorized(ref e)) if e.code == "device_revoked")
        );
        let unknown = r#"{"error":{"code":"unauthorized","message":"unknown token"}}"#;
        let r = decode_response::<PushResponse>(200, 401, JSON, unknown);
        assert!(
            matches!(r, Err(TransportError::Rejected { status: 401, .. })),
            "an unknown token is a problem to show, not a revocation: {r:?}"
        );
        let role = r#"{"error":{"code":"forbidden","message":"自助终端不能查看信访事项"}}"#;
        let r = decode_response::<PushResponse>(200, 403, JSON, role);
        assert!(
            matches!(r, Err(TransportError::Rejected { status: 403, .. })),
            "a role refusal is not a revocation: {r:?}"
        );
        let firewall = decode_response::<PushResponse>(200, 403, HTML, "<h1>Forbidden</h1>");
        assert!(
            matches!(firewall, Err(TransportError::Offline(_))),
            "{firewall:?}"
        );
    }

    #[test]
    fn an_oversized_body_is_a_permanent_refusal_with_the_servers_message() {
        let body = r#"{"error":{"code":"body_too_large","message":"请求体超过 2 MiB"}}"#;
        let r = decode_response::<PushResponse>(200, 413, JSON, body);
        match r {
            Err(TransportError::Rejected { status: 413, error }) => {
                assert_eq!(error.code, "body_too_large")
            }
            other => panic!("{other:?}"),
        }
        assert!(!TransportError::Rejected {
            status: 413,
            error: ApiError::new("a", "b")
        }
        .is_transient());
    }

    #[test]
    fn enrollment_expects_201_not_200() {
        let body = r#"{"device_id":"0190a8f0-0000-7000-8000-000000000001","token":"t","role":"field","township":"城关镇"}"#;
        assert!(decode_response::<EnrollResponse>(201, 201, JSON, body).is_ok());
        assert!(decode_response::<EnrollResponse>(201, 200, JSON, body).is_err());
    }
}
