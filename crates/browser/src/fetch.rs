//! [`FetchTransport`]: the [`Transport`] of `lianxin-sync` over the browser's `fetch`.
//!
//! Same origin by default (`/api/v1/...`, the server also serves the app), bearer token, and the
//! answer classified by [`lianxin_sync::decode_response`], so a captive portal's 200 HTML page is
//! "offline".
//!
//! On a weak mobile link:
//! - push bodies go gzipped (`Content-Encoding: gzip`, by the browser's `CompressionStream`,
//!   [`crate::compress`]); answers come compressed as the browser asks for them anyway;
//! - timeouts follow progress: until the answer's headers arrive a request has the time the
//!   engine gave it (for a push, from the body's size and the throughput seen, `lianxin_sync::link`);
//!   after that, the answer's body may take as long as it keeps arriving, and is given up only
//!   when no byte came for [`IDLE_TIMEOUT`];
//! - every push reports how long it took, which is how the engine learns the link.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use lianxin_core::protocol::{
    EnrollRequest, EnrollResponse, PullResponse, PushRequest, PushResponse,
};
use lianxin_sync::transport::{ENROLL_PATH, PULL_PATH, PUSH_PATH};
use lianxin_sync::{decode_response, NoAnswer, Timed, Transport, TransportError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::compress::gzip;

/// Time a request may take until its answer's headers arrive, unless the engine says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Time an answer's body may go without a single byte arriving.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(20);

/// The fetch transport.
#[derive(Debug, Clone)]
pub struct FetchTransport {
    base: String,
    timeout: Duration,
    compress: bool,
}

impl Default for FetchTransport {
    fn default() -> Self {
        FetchTransport::same_origin()
    }
}

/// What a request carries.
enum Body {
    None,
    Json(String),
    Gzip(web_sys::Blob),
}

impl FetchTransport {
    /// Requests go to the page's own origin.
    pub fn same_origin() -> Self {
        FetchTransport::with_base("")
    }

    /// Requests go to `base` (e.g. `http://127.0.0.1:8080`, no trailing slash).
    pub fn with_base(base: impl Into<String>) -> Self {
        FetchTransport {
            base: base.into().trim_end_matches('/').to_owned(),
            timeout: DEFAULT_TIMEOUT,
            compress: true,
        }
    }

    /// Sets the time until the answer's headers for requests the engine gives no time of its own
    /// (enrollment, pull, [`Transport::push`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether push bodies are gzipped (default yes; a server older than gzip support answers
    /// them 415).
    pub fn with_compression(mut self, compress: bool) -> Self {
        self.compress = compress;
        self
    }

    async fn json_body<B: Serialize>(
        &self,
        body: &B,
        compress: bool,
    ) -> Result<Body, TransportError> {
        let json = serde_json::to_string(body).map_err(|e| {
            TransportError::Offline(format!("request not serializable: {e}").into())
        })?;
        if compress {
            if let Some(blob) = gzip(&json).await {
                return Ok(Body::Gzip(blob));
            }
        }
        Ok(Body::Json(json))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Body,
        expected: u16,
        timeout: Duration,
    ) -> Timed<Result<T, TransportError>> {
        let started = js_sys::Date::now();
        let result = self
            .call_inner(method, path, token, body, expected, timeout)
            .await;
        let elapsed = Duration::from_secs_f64(((js_sys::Date::now() - started) / 1000.0).max(0.0));
        Timed {
            result,
            elapsed: Some(elapsed),
        }
    }

    async fn call_inner<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Body,
        expected: u16,
        timeout: Duration,
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
        match &body {
            Body::None => {}
            Body::Json(json) => {
                headers
                    .set("Content-Type", "application/json")
                    .map_err(|e| offline("headers", e))?;
                init.set_body(&JsValue::from_str(json));
            }
            Body::Gzip(blob) => {
                headers
                    .set("Content-Type", "application/json")
                    .map_err(|e| offline("headers", e))?;
                headers
                    .set("Content-Encoding", "gzip")
                    .map_err(|e| offline("headers", e))?;
                init.set_body(blob);
            }
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
        let timer = Timer::new(window.clone(), move || {
            flag.set(true);
            abort.abort();
        });
        timer.arm(timeout).map_err(|e| offline("timer", e))?;
        let resp: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(|e| offline("network", e))?
            .dyn_into()
            .map_err(|e| offline("not a response", e))?;
        let status = resp.status();
        let content_type = resp.headers().get("Content-Type").ok().flatten();
        // The answer is coming: from now on the timer only watches for it to stop coming.
        timer.arm(IDLE_TIMEOUT).map_err(|e| offline("timer", e))?;
        let bytes = read_body(&resp, &timer)
            .await
            .map_err(|e| offline("body dropped", e))?;
        drop(timer);
        decode_response::<T>(
            expected,
            status,
            content_type.as_deref(),
            &String::from_utf8_lossy(&bytes),
        )
    }
}

/// The whole body, re-arming `timer` with [`IDLE_TIMEOUT`] on every chunk that arrives.
async fn read_body(resp: &web_sys::Response, timer: &Timer) -> Result<Vec<u8>, JsValue> {
    let Some(stream) = resp.body() else {
        return Ok(Vec::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut bytes = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await?;
        if js_sys::Reflect::get(&chunk, &"done".into())?.is_truthy() {
            return Ok(bytes);
        }
        let value: js_sys::Uint8Array =
            js_sys::Reflect::get(&chunk, &"value".into())?.unchecked_into();
        let at = bytes.len();
        bytes.resize(at + value.length() as usize, 0);
        value.copy_to(&mut bytes[at..]);
        timer.arm(IDLE_TIMEOUT)?;
    }
}

/// A `setTimeout` that can be pushed back, and is cleared when dropped.
struct Timer {
    window: web_sys::Window,
    handle: Cell<Option<i32>>,
    callback: Closure<dyn FnMut()>,
}

impl Timer {
    fn new(window: web_sys::Window, fire: impl FnMut() + 'static) -> Self {
        Timer {
            window,
            handle: Cell::new(None),
            callback: Closure::new(fire),
        }
    }

    /// Fires after `delay` from now, instead of when it would have.
    fn arm(&self, delay: Duration) -> Result<(), JsValue> {
        if let Some(h) = self.handle.take() {
            self.window.clear_timeout_with_handle(h);
        }
        let ms = delay.as_millis().min(i32::MAX as u128) as i32;
        let h = self
            .window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                self.callback.as_ref().unchecked_ref(),
                ms,
            )?;
        self.handle.set(Some(h));
        Ok(())
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.window.clear_timeout_with_handle(h);
        }
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
        let body = self.json_body(req, false).await?;
        self.call("POST", ENROLL_PATH, None, body, 201, self.timeout)
            .await
            .result
    }

    async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, TransportError> {
        self.push_within(token, req, self.timeout).await.result
    }

    async fn pull(&self, token: &str, cursor: i64) -> Result<PullResponse, TransportError> {
        let path = format!("{PULL_PATH}?cursor={cursor}");
        self.call("GET", &path, Some(token), Body::None, 200, self.timeout)
            .await
            .result
    }

    async fn push_within(
        &self,
        token: &str,
        req: &PushRequest,
        timeout: Duration,
    ) -> Timed<Result<PushResponse, TransportError>> {
        let body = match self.json_body(req, self.compress).await {
            Ok(body) => body,
            Err(e) => {
                return Timed {
                    result: Err(e),
                    elapsed: None,
                }
            }
        };
        self.call("POST", PUSH_PATH, Some(token), body, 200, timeout)
            .await
    }
}
