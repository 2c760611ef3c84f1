//! Static files under hostile requests (issue 11, item 7), over a build directory made here: a
//! symlink out of the build is not followed, names and paths too long for the file system are
//! 404 (not a 500 with an error logged), and a 416 for a precompressed file is a readable JSON
//! error without `Content-Encoding`.

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use common::{Backend, Harness};
use http_body_util::BodyExt;
use lianxin_server::Config;
use tower::ServiceExt;

/// A build directory with a page, a precompressed script, and symlinks: one to a secret outside,
/// one to a file inside.
fn build_dir() -> (tempfile::TempDir, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let d = dist.path();
    std::fs::write(d.join("index.html"), "<!doctype html><title>连心</title>").unwrap();
    std::fs::write(d.join("app.js"), "console.log('连心');").unwrap();
    std::fs::write(d.join("app.js.br"), b"\x0b\x08\x80br-bytes\x03").unwrap();
    std::fs::write(outside.path().join("secret.txt"), "root:x:0:0 secret").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), d.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path(), d.join("outside")).unwrap();
    std::os::unix::fs::symlink(d.join("app.js"), d.join("alias.js")).unwrap();
    (dist, outside)
}

async fn get(h: &Harness, path: &str, headers: &[(&str, &str)]) -> (u16, Option<String>, String) {
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = h
        .router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let encoding = res
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        encoding,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

async fn harness(dist: &std::path::Path) -> Harness {
    let config = Config {
        static_dir: dist.to_owned(),
        ..common::test_config()
    };
    Harness::with_config(Backend::Sqlite, config).await.unwrap()
}

#[tokio::test]
async fn a_symlink_out_of_the_build_is_not_followed() {
    let (dist, _outside) = build_dir();
    let h = harness(dist.path()).await;
    for path in ["/leak.txt", "/outside/secret.txt"] {
        let (status, _, body) = get(&h, path, &[]).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("secret"), "{path}");
        assert!(body.contains("\"not_found\""), "{path}: {body}");
    }
    // A symlink that stays inside the build is served.
    let (status, _, body) = get(&h, "/alias.js", &[]).await;
    assert_eq!((status, body.as_str()), (200, "console.log('连心');"));
}

#[tokio::test]
async fn names_and_paths_too_long_for_the_file_system_are_404() {
    let (dist, _outside) = build_dir();
    let h = harness(dist.path()).await;
    let long_name = format!("/{}.js", "a".repeat(300));
    let long_path = format!("/{}", vec!["b".repeat(200); 25].join("/"));
    for path in [long_name, long_path] {
        let (status, _, body) = get(&h, &path, &[]).await;
        assert_eq!(status, 404, "{body}");
        assert!(body.contains("\"not_found\""), "{body}");
    }
}

#[tokio::test]
async fn a_416_for_a_precompressed_file_is_plain_readable_json() {
    let (dist, _outside) = build_dir();
    let h = harness(dist.path()).await;
    let (status, encoding, body) = get(
        &h,
        "/app.js",
        &[("accept-encoding", "br"), ("range", "bytes=999999-")],
    )
    .await;
    assert_eq!(status, 416, "{body}");
    assert_eq!(encoding, None, "no Content-Encoding on a plain body");
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["error"]["code"], "range_not_satisfiable");
    // The file itself is still sent precompressed.
    let (status, encoding, _) = get(&h, "/app.js", &[("accept-encoding", "br")]).await;
    assert_eq!((status, encoding.as_deref()), (200, Some("br")));
}
