//! [`FetchTransport`]: the [`Transport`] of `lianxin-sync` over the browser's `fetch`.
//!
//! Same origin by default (`/api/v1/...`, the server also serves the app), bearer token, a timeout
//! through an `AbortController`, and the answer classified by
//! [`lianxin_sync::decode_response`], so a captive portal's 200 HTML page is "offline".

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use lianxin_core::protocol::{
    EnrollRequest, EnrollResponse, PullResponse, PushRequest, PushResponse,
};
use lianxin_sync::transport::{ENROLL_PATH, PULL_PATH, PUSH_PATH};
use lianxin_sync::{decode_response, NoAnswer, Transport, TransportError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Default time a request may take before it counts as offline.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The fetch transport.
#[derive(Debug, Clone)]
pub struct FetchTransport {
    base: String,
    timeout: Duration,
}

impl Default for FetchTransport {
    fn default() -> Self {
        FetchTransport::same_origin()
    }
}

impl FetchTransport {
    /// Requests go to the page's own origin.
    pub fn same_origin() -> Self {
        FetchTransport {
            base: String::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Requests go to `base` (e.g. `http://127.0.0.1:8080`, no trailing slash).
    pub fn with_base(base: impl Into<String>) -> Self {
        FetchTransport {
            base: base.into().trim_end_matches('/').to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets the timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        expected: u16,
    ) -> Result<T, TransportError> {
        // Set when our timer aborts the fetch: the AbortError that follows is a timeout.
        let timed_out = Rc::new(Cell::new(false));
        let offline = |what: &str, e: JsValue| {
            TransportError::Offline(if timed_out.get() {
                NoAnswer::Timeout
            } else {
                NoAnswer::Network(format!("{what}: {}", js_message(&e)))
            })
        };
        let window = web_sys::window()
            .ok_or_else(|| TransportError::Offline("no window to fetch from".into()))?;
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        init.set_credentials(web_sys::RequestCredentials::SameOrigin);
        let headers = web_sys::Headers::new().map_err(|e| offline("headers", e))?;
        headers
            .set("Accept", "application/json")
            .map_err(|e| offline("headers", e))?;
        if let Some(t) = token {
            headers
                .set("Authorization", &format!("Bearer {t}"))
                .map_err(|e| offline("headers", e))?;
        }
        if let Some(b) = body {
            let json = serde_json::to_string(b).map_err(|e| {
                TransportError::Offline(format!("request not serializable: {e}").into())
            })?;
            headers
                .set("Content-Type", "application/json")
                .map_err(|e| offline("headers", e))?;
            init.set_body(&JsValue::from_str(&json));
        }
        init.set_headers(&headers);
        let controller = web_sys::AbortController::new().map_err(|e| offline("abort", e))?;
        init.set_signal(Some(&controller.signal()));
        let url = format!("{}{}", self.base, path);
        let request = web_sys::Request::new_with_str_and_init(&url, &init)
            .map_err(|e| offline("request", e))?;

        // The timer aborts the fetch (and the body read) if the server or the network stalls.
        let abort = controller.clone();
        let flag = timed_out.clone();
        let on_timeout = Closure::once(move || {
            flag.set(true);
            abort.abort();
        });
        let timer = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                on_timeout.as_ref().unchecked_ref(),
                self.timeout.as_millis().min(i32::MAX as u128) as i32,
            )
            .map_err(|e| offline("timer", e))?;
        let result = async {
            let resp: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
                .await
                .map_err(|e| offline("network", e))?
                .dyn_into()
                .map_err(|e| offline("not a response", e))?;
            let status = resp.status();
            let content_type = resp.headers().get("Content-Type").ok().flatten();
            let text = JsFuture::from(resp.text().map_err(|e| offline("body", e))?)
                .await
                .map_err(|e| offline("body dropped", e))?
                .as_string()
                .unwrap_or_default();
            decode_response::<T>(expected, status, content_type.as_deref(), &text)
        }
        .await;
        window.clear_timeout_with_handle(timer);
        drop(on_timeout);
        result
    }
}

fn js_message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    if let Some(d) = e.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", d.name(), d.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

impl Transport for FetchTransport {
    async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        self.call("POST", ENROLL_PATH, None, Some(req), 201).await
    }

    async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, TransportError> {
        self.call("POST", PUSH_PATH, Some(token), Some(req), 200)
            .await
    }

    async fn pull(&self, token: &str, cursor: i64) -> Result<PullResponse, TransportError> {
        let path = format!("{PULL_PATH}?cursor={cursor}");
        self.call::<(), _>("GET", &path, Some(token), None, 200)
            .await
    }
}
