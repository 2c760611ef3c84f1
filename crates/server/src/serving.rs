//! The accept loop: how connections are taken, bounded and timed out, and what keeps the
//! process honest about its push writer.
//!
//! `axum::serve` has no header-read timeout and no connection bound: a client that opens sockets
//! and sends nothing, or sends headers that never end, holds them for good, and once the process
//! runs out of file descriptors nobody is answered, `/healthz` included. Here each connection is
//! hyper's HTTP/1 connection with:
//! - a **header-read timeout** ([`Limits::header_timeout`]), which also closes a keep-alive
//!   connection that stays idle that long between requests;
//! - at most [`Limits::max_connections`] connections at once. Past that, a small reserve of
//!   [`SPARE_CONNECTIONS`] more is served one request each, with a short header timeout: `/healthz`
//!   is answered as usual (so a monitor sees the process alive and the database reachable), any
//!   other path gets `503 server_busy` with `Retry-After`. Past the reserve, a new socket is
//!   closed at once, which costs the process nothing.
//!
//! The body and whole-request timeouts are tower layers of [`crate::router`], so they hold for
//! `oneshot` tests too. On shutdown the loop stops accepting and waits for open requests, at most
//! the request timeout. If the push writer stops, every push would fail while `/healthz` said
//! `ok`: `/healthz` says so, and the loop ends with an error, so that the service manager
//! restarts the process (the writer cannot be restarted in place without losing its queue).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::error::AppError;
use crate::AppState;

/// Connections served past [`Limits::max_connections`], one request each.
pub const SPARE_CONNECTIONS: usize = 64;

/// How long a connection of the reserve may take to send its request's headers.
const SPARE_HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// How often the loop looks at the push writer.
const WRITER_CHECK: Duration = Duration::from_secs(1);

/// Timeouts and the connection bound (`LIANXIN_*_TIMEOUT_SECS`, `LIANXIN_MAX_CONNECTIONS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From a connection's first byte (or its previous answer) to the end of a request's headers.
    pub header_timeout: Duration,
    /// The longest pause between two chunks of a request body.
    pub body_timeout: Duration,
    /// A whole request, from its headers to the answer.
    pub request_timeout: Duration,
    /// Connections served at once (a few more for `/healthz`, see [`SPARE_CONNECTIONS`]).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            // A weak mobile link stalls for seconds; not for half a minute.
            body_timeout: Duration::from_secs(30),
            // A 2 MiB push at 20 kB/s takes under two minutes.
            request_timeout: Duration::from_secs(120),
            max_connections: 4096,
        }
    }
}

impl Limits {
    /// The connection bound that fits in `open_files` descriptors: the rest of the process (the
    /// database pool, the static files being sent, the listener) keeps `reserve`.
    pub fn fit_to_open_files(mut self, open_files: u64, reserve: u64) -> Self {
        let room = open_files
            .saturating_sub(reserve + SPARE_CONNECTIONS as u64)
            .max(1);
        self.max_connections = self
            .max_connections
            .min(usize::try_from(room).unwrap_or(usize::MAX));
        self
    }
}

/// Raises this process's soft limit of open files to its hard limit, where the system allows
/// it; returns the limit in force.
pub fn raise_open_files_limit() -> std::io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}

/// Runs the server on `listener` until `shutdown` resolves (then drains open requests), or until
/// the push writer stops (an error).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.config.limits;
    let health = state.db.health.clone();
    let app = crate::router(state);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let spare = Arc::new(Semaphore::new(SPARE_CONNECTIONS));
    let graceful = GracefulShutdown::new();

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut busy_http = http.clone();
    busy_http
        .keep_alive(false)
        .header_read_timeout(SPARE_HEADER_TIMEOUT);

    let mut writer_check = tokio::time::interval(WRITER_CHECK);
    writer_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(shutdown);

    let result = loop {
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break Ok(()),
            _ = writer_check.tick() => {
                if !health.writer_running() {
                    tracing::error!("the push writer stopped; exiting so that the process is restarted");
                    break Err(std::io::Error::other("the push writer stopped"));
                }
                continue;
            }
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of descriptors or memory: wait a little instead of spinning; a
                    // connection reset before it was accepted is nobody's problem.
                    if !matches!(e.kind(), std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::ConnectionReset) {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
        };
        let (permit, busy) = match slots.clone().try_acquire_owned() {
            Ok(permit) => (permit, false),
            Err(_) => match spare.clone().try_acquire_owned() {
                Ok(permit) => (permit, true),
                Err(_) => continue, // dropping the stream closes it
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                if busy && req.uri().path() != "/healthz" {
                    return Ok(busy_answer());
                }
                app.oneshot(req.map(Body::new)).await
            }
        });
        let builder = if busy { &busy_http } else { &http };
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // An error here is the client's (a timeout, a reset, a malformed request): hyper has
            // answered what could be answered; nothing to log per connection.
            let _ = conn.await;
            drop(permit);
        });
    };
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.request_timeout) => {
            tracing::warn!("requests still open at shutdown were cut off");
        }
    }
    result
}

/// The answer to a request beyond every connection slot.
fn busy_answer() -> axum::response::Response {
    let mut res = AppError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "server_busy",
        "the server has too many connections open; try again shortly",
    )
    .into_response();
    res.headers_mut()
        .insert("retry-after", HeaderValue::from_static("1"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_bound_leaves_room_for_the_rest_of_the_process() {
        let limits = Limits::default();
        assert_eq!(limits.fit_to_open_files(1024, 128).max_connections, 832);
        assert_eq!(
            limits.fit_to_open_files(1_048_576, 128).max_connections,
            4096
        );
        assert_eq!(limits.fit_to_open_files(100, 128).max_connections, 1);
    }
}
