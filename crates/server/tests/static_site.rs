//! Serving the built PWA: MIME types, cache headers, compression, the SPA fallback and the CSP.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use base64::Engine;
use http_body_util::BodyExt;
use lianxin_server::{AppState, Config};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const INLINE: &str = "\nimport init, * as bindings from '/lianxin-0123456789abcdef.js';\ninit('/lianxin-0123456789abcdef_bg.wasm');\n";

struct Site {
    router: axum::Router,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn site() -> Site {
    let dist = tempfile::tempdir().unwrap();
    let p = dist.path();
    std::fs::write(
        p.join("index.html"),
        format!("<!doctype html><html><head><link rel=\"manifest\" href=\"/manifest.webmanifest\"><script type=\"module\">{INLINE}</script></head><body></body></html>"),
    )
    .unwrap();
    // Large enough to be worth compressing.
    std::fs::write(
        p.join("lianxin-0123456789abcdef_bg.wasm"),
        [0u8, 97, 115, 109, 1, 0, 0, 0].repeat(4096),
    )
    .unwrap();
    std::fs::write(
        p.join("lianxin-0123456789abcdef.js"),
        "export default function init(){}\n".repeat(100),
    )
    .unwrap();
    std::fs::write(
        p.join("sw.js"),
        "self.addEventListener('fetch', () => {});\n".repeat(10),
    )
    .unwrap();
    std::fs::write(
        p.join("manifest.webmanifest"),
        r#"{"name":"连心信访","start_url":"/"}"#,
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", data.path().join("s.db").display());
    let db = lianxin_server::db::connect(&url).await.unwrap();
    let config = Config {
        static_dir: p.to_owned(),
        ..Config::default()
    };
    let router = lianxin_server::router(AppState::new(db, config));
    Site {
        router,
        _dirs: (dist, data),
    }
}

async fn get(site: &Site, path: &str, encoding: Option<&str>) -> Response {
    let mut req = Request::get(path);
    if let Some(e) = encoding {
        req = req.header(header::ACCEPT_ENCODING, e);
    }
    site.router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn h(res: &Response, name: header::HeaderName) -> &str {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test]
async fn index_html_is_never_cached_and_its_inline_script_is_allowed_by_hash() {
    let s = site().await;
    let res = get(&s, "/", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(h(&res, header::CACHE_CONTROL), "no-cache");
    assert!(h(&res, header::CONTENT_TYPE).starts_with("text/html"));
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(INLINE.as_bytes()));
    let csp = h(&res, header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"
        )),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    for part in [
        "default-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "connect-src 'self'",
    ] {
        assert!(csp.contains(part), "{part}");
    }
    assert_eq!(h(&res, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(h(&res, header::REFERRER_POLICY), "no-referrer");
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_the_wasm_has_its_mime_type() {
    let s = site().await;
    let res = get(&s, "/lianxin-0123456789abcdef_bg.wasm", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(h(&res, header::CONTENT_TYPE), "application/wasm");
    assert_eq!(
        h(&res, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let res = get(&s, "/lianxin-0123456789abcdef.js", None).await;
    assert!(h(&res, header::CONTENT_TYPE).contains("javascript"));
    assert_eq!(
        h(&res, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
}

#[tokio::test]
async fn the_service_worker_and_manifest_are_revalidated_every_time() {
    let s = site().await;
    let res = get(&s, "/sw.js", None).await;
    assert_eq!(h(&res, header::CACHE_CONTROL), "no-cache");
    let res = get(&s, "/manifest.webmanifest", None).await;
    assert_eq!(h(&res, header::CONTENT_TYPE), "application/manifest+json");
    assert_eq!(h(&res, header::CACHE_CONTROL), "no-cache");
}

#[tokio::test]
async fn the_wasm_is_sent_with_brotli_or_gzip_as_the_browser_asks() {
    let s = site().await;
    for (asked, got) in [("br", "br"), ("gzip", "gzip"), ("gzip, deflate, br", "br")] {
        let res = get(&s, "/lianxin-0123456789abcdef_bg.wasm", Some(asked)).await;
        assert_eq!(h(&res, header::CONTENT_ENCODING), got, "asked {asked}");
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert!(
            body.len() < 32 * 1024 / 4,
            "compressed to {} bytes",
            body.len()
        );
    }
}

#[tokio::test]
async fn a_precompressed_variant_in_the_build_is_sent_as_it_is() {
    let s = site().await;
    // A stand-in for the maximum-quality brotli file the build writes beside the wasm.
    let marker = b"precompressed by the build".to_vec();
    std::fs::write(
        s._dirs.0.path().join("lianxin-0123456789abcdef_bg.wasm.br"),
        &marker,
    )
    .unwrap();
    let res = get(&s, "/lianxin-0123456789abcdef_bg.wasm", Some("br")).await;
    assert_eq!(h(&res, header::CONTENT_ENCODING), "br");
    assert_eq!(h(&res, header::CONTENT_TYPE), "application/wasm");
    assert_eq!(
        h(&res, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], &marker[..]);
    // A browser that asks only for gzip still gets gzip (compressed on the fly here).
    let res = get(&s, "/lianxin-0123456789abcdef_bg.wasm", Some("gzip")).await;
    assert_eq!(h(&res, header::CONTENT_ENCODING), "gzip");
}

#[tokio::test]
async fn an_app_route_without_a_file_answers_the_app_shell() {
    let s = site().await;
    let res = get(&s, "/petitions/new", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(h(&res, header::CACHE_CONTROL), "no-cache");
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("<script type=\"module\">"));
}

#[tokio::test]
async fn a_missing_asset_is_a_404_and_api_paths_never_fall_back_to_the_shell() {
    let s = site().await;
    let res = get(&s, "/lianxin-ffffffffffffffff.js", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = get(&s, "/api/v1/nothing", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(h(&res, header::CONTENT_TYPE), "application/json");
    assert_eq!(h(&res, header::CACHE_CONTROL), "no-store");
}

#[tokio::test]
async fn healthz_answers_json_and_a_missing_build_does_not_stop_the_api() {
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", data.path().join("s.db").display());
    let db = lianxin_server::db::connect(&url).await.unwrap();
    let config = Config {
        static_dir: data.path().join("no-dist"),
        ..Config::default()
    };
    let router = lianxin_server::router(AppState::new(db, config));
    let res = router
        .clone()
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], br#"{"status":"ok"}"#);
    let res = router
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
