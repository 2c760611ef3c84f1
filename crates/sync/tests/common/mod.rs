//! Test transports: the real HTTP client (reqwest) that the native tests use in place of the
//! browser's fetch, a wrapper that loses answers, and a captive portal.

#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use lianxin_core::protocol::{
    EnrollRequest, EnrollResponse, PullResponse, PushRequest, PushResponse,
};
use lianxin_sync::transport::{ENROLL_PATH, PULL_PATH, PUSH_PATH};
use lianxin_sync::{decode_response, NoAnswer, Transport, TransportError};
use serde::de::DeserializeOwned;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The sync protocol over reqwest, classified by the same `decode_response` as the browser.
#[derive(Clone)]
pub struct HttpTransport {
    base: String,
    client: reqwest::Client,
}

impl HttpTransport {
    pub fn new(base: &str) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("reqwest client");
        HttpTransport {
            base: base.trim_end_matches('/').to_owned(),
            client,
        }
    }

    async fn finish<T: DeserializeOwned>(
        resp: Result<reqwest::Response, reqwest::Error>,
        expected: u16,
    ) -> Result<T, TransportError> {
        let resp = resp.map_err(|e| {
            TransportError::Offline(if e.is_timeout() {
                NoAnswer::Timeout
            } else {
                format!("network: {e}").into()
            })
        })?;
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp
            .text()
            .await
            .map_err(|e| TransportError::Offline(format!("body dropped: {e}").into()))?;
        decode_response(expected, status, ct.as_deref(), &body)
    }
}

impl Transport for HttpTransport {
    async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        let r = self
            .client
            .post(format!("{}{ENROLL_PATH}", self.base))
            .json(req)
            .send()
            .await;
        Self::finish(r, 201).await
    }

    async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, TransportError> {
        let r = self
            .client
            .post(format!("{}{PUSH_PATH}", self.base))
            .bearer_auth(token)
            .json(req)
            .send()
            .await;
        Self::finish(r, 200).await
    }

    async fn pull(&self, token: &str, cursor: i64) -> Result<PullResponse, TransportError> {
        let r = self
            .client
            .get(format!("{}{PULL_PATH}?cursor={cursor}", self.base))
            .bearer_auth(token)
            .send()
            .await;
        Self::finish(r, 200).await
    }
}

/// Forwards everything to the real server, but loses the answer of the next `n` pushes after
/// the server processed them: the worst case of a connection dropped mid-response.
#[derive(Clone)]
pub struct LosingAnswers {
    pub inner: HttpTransport,
    pub lose_next: Rc<Cell<u32>>,
    /// The answers that were lost, for the test to compare with what the retry got.
    pub lost: Rc<RefCell<Vec<PushResponse>>>,
}

impl LosingAnswers {
    pub fn new(inner: HttpTransport) -> Self {
        LosingAnswers {
            inner,
            lose_next: Rc::new(Cell::new(0)),
            lost: Rc::default(),
        }
    }
}

impl Transport for LosingAnswers {
    async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        self.inner.enroll(req).await
    }

    async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, TransportError> {
        let answer = self.inner.push(token, req).await;
        if self.lose_next.get() > 0 {
            self.lose_next.set(self.lose_next.get() - 1);
            match answer {
                Ok(resp) => self.lost.borrow_mut().push(resp),
                Err(e) => panic!("the server should have answered: {e:?}"),
            }
            return Err(TransportError::Offline(
                "connection reset while reading the answer".into(),
            ));
        }
        answer
    }

    async fn pull(&self, token: &str, cursor: i64) -> Result<PullResponse, TransportError> {
        self.inner.pull(token, cursor).await
    }
}

/// A hotel Wi-Fi login page: answers every request with `200 text/html`. Returns its base URL;
/// the listener task ends with the test's runtime.
pub async fn captive_portal() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                // Read the request head (and whatever body arrived with it), then answer.
                let _ = sock.read(&mut buf).await;
                let body =
                    "<!doctype html><html><body><h1>欢迎使用免费 Wi-Fi</h1>请先登录</body></html>";
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                    body.len(),
                    body
                );
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}
