//! Serving the built PWA (Trunk's `dist/`): MIME types, cache headers, the SPA fallback and a
//! Content-Security-Policy whose script hashes are computed from the served index.html.
//!
//! Only files inside the build are served: a path whose file (or its `.br`/`.gz` twin) resolves
//! outside the build directory through a symlink is answered 404, and so is a path the file
//! system could not even look up (a name over [`MAX_NAME_BYTES`] or a path over
//! [`MAX_PATH_BYTES`]), without an error in the log: it is the client's mistake, not the server's.

use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::error::AppError;

/// The longest file name (one path segment, decoded) looked up: NAME_MAX of Linux file systems.
pub const MAX_NAME_BYTES: usize = 255;

/// The longest path (decoded) looked up: PATH_MAX.
pub const MAX_PATH_BYTES: usize = 4096;

/// What the static side knows, computed once at startup.
#[derive(Debug, Clone)]
pub struct StaticSite {
    dir: PathBuf,
    /// `dir` with every symlink resolved, to compare files against (None without a build).
    root: Option<PathBuf>,
    /// index.html as read at startup (None when the build is missing).
    index: Option<Bytes>,
    /// The full CSP header value.
    pub csp: HeaderValue,
}

/// The policy with the hashes of index.html's inline scripts (the loader that starts the wasm);
/// no 'unsafe-inline'.
pub fn csp_for(script_hashes: &[String]) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for h in script_hashes {
        script_src.push_str(&format!(" '{h}'"));
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; \
         base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// `sha256-<base64>` of the text of every `<script>` without a `src` attribute.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<script").map(|i| i + pos) {
        let Some(tag_end) = lower[start..].find('>').map(|i| i + start) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|i| i + tag_end) else {
            break;
        };
        let tag = &lower[start..tag_end];
        let has_src = tag.split_whitespace().any(|attr| attr.starts_with("src="));
        if !has_src {
            // Hash the original bytes (not the lower-cased copy): the browser hashes what it got.
            let body = &html[tag_end + 1..close];
            let digest = Sha256::digest(body.as_bytes());
            out.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        pos = close;
    }
    out
}

impl StaticSite {
    /// Reads `dir/index.html` if present; a missing build only logs a warning so the API still
    /// runs (e.g. for the sync tests).
    pub fn load(dir: &Path) -> Self {
        let index = match std::fs::read(dir.join("index.html")) {
            Ok(b) => Some(Bytes::from(b)),
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "no built PWA to serve (run trunk build); serving the API only");
                None
            }
        };
        let hashes = index
            .as_ref()
            .map(|i| inline_script_hashes(&String::from_utf8_lossy(i)))
            .unwrap_or_default();
        let csp = HeaderValue::from_str(&csp_for(&hashes)).expect("CSP is ASCII");
        StaticSite {
            dir: dir.to_owned(),
            root: std::fs::canonicalize(dir).ok(),
            index,
            csp,
        }
    }

    /// Whether the file a request path names (or one of its precompressed twins, or the index of
    /// a directory) lies outside the build once symlinks are resolved. A path that resolves to
    /// nothing does not escape: ServeDir answers it 404.
    async fn escapes_build(&self, decoded: &str) -> bool {
        let Some(root) = &self.root else { return false };
        let relative = decoded.trim_start_matches('/');
        let file = self.dir.join(relative);
        let mut candidates = vec![file.clone()];
        for twin in [".br", ".gz"] {
            let mut name = file.clone().into_os_string();
            name.push(twin);
            candidates.push(PathBuf::from(name));
        }
        candidates.push(file.join("index.html"));
        for candidate in candidates {
            if let Ok(real) = tokio::fs::canonicalize(&candidate).await {
                if !real.starts_with(root) {
                    return true;
                }
            }
        }
        false
    }

    /// Answers a non-API request: a file, the app shell for an app route, or 404.
    pub async fn serve(&self, req: Request) -> Response {
        let path = req.uri().path().to_owned();
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return AppError::from_status(StatusCode::METHOD_NOT_ALLOWED).into_response();
        }
        if path == "/" || path == "/index.html" {
            return self.index_response();
        }
        let Some(decoded) = lookup_path(&path) else {
            return AppError::not_found().into_response();
        };
        if self.escapes_build(&decoded).await {
            tracing::warn!("a static path resolves outside the build (symlink); answered 404");
            return AppError::not_found().into_response();
        }
        // The build ships `.br`/`.gz` files written at maximum quality (scripts/gen-precompressed.mjs);
        // sending those beats compressing on the fly at the fast, low quality a server can afford.
        // Without them (a build made otherwise) the compression layer still compresses.
        let files = ServeDir::new(&self.dir)
            .precompressed_br()
            .precompressed_gzip();
        let res = match files.oneshot(req).await {
            Ok(res) => res.map(Body::new),
            Err(never) => match never {},
        };
        if res.status() == StatusCode::NOT_FOUND && looks_like_app_route(&path) {
            return self.index_response();
        }
        let mut res = res;
        if res.status() == StatusCode::RANGE_NOT_SATISFIABLE {
            // ServeDir keeps the Content-Encoding of the precompressed file it chose on its 416,
            // but the body is its plain-text message: a browser would fail to inflate it. Send
            // the protocol's error, uncompressed, with the file's real size (Content-Range).
            let mut fresh =
                AppError::from_status(StatusCode::RANGE_NOT_SATISFIABLE).into_response();
            if let Some(range) = res.headers().get(header::CONTENT_RANGE) {
                fresh
                    .headers_mut()
                    .insert(header::CONTENT_RANGE, range.clone());
            }
            return fresh;
        }
        if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
            res.headers_mut()
                .insert(header::CACHE_CONTROL, cache_control_for(&path));
        }
        res
    }

    fn index_response(&self) -> Response {
        match &self.index {
            Some(index) => {
                let mut res = Response::new(Body::from(index.clone()));
                let h = res.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                res
            }
            None => AppError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "应用尚未构建（缺少 index.html）/ the app is not built",
            )
            .into_response(),
        }
    }
}

/// The percent-decoded path to look up, or None if no file can have it: not UTF-8, a NUL, a
/// segment over [`MAX_NAME_BYTES`] or the whole over [`MAX_PATH_BYTES`] (the file system would
/// refuse the lookup with ENAMETOOLONG, which ServeDir logs as an error and answers 500).
fn lookup_path(path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?
        .into_owned();
    let fits = decoded.len() <= MAX_PATH_BYTES
        && !decoded.contains('\0')
        && decoded.split('/').all(|name| name.len() <= MAX_NAME_BYTES);
    fits.then_some(decoded)
}

/// An app route has no file extension in its last segment (`/petitions/new`, not `/x.png`).
fn looks_like_app_route(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    !last.contains('.')
}

/// A file whose name changes whenever its contents do, so it may be cached for good: Trunk's
/// hashed names, `<stem>-<hash>[_bg].<ext>`, and everything under the app's module directory,
/// `pkg-<hash>/` (scripts/gen-sw.mjs names the directory, not the files, because the split wasm
/// modules import each other by relative name).
///
/// Trunk writes its hash as a `u64` with `{:x}`: 16 hex digits, or fewer when it has leading zeros
/// (one build in 16 has 15 — CI met one). 12 or more hex digits are taken as a hash: a shorter
/// hash has odds of 1 in 65,536, and then the file is merely revalidated, while our own unhashed
/// names (`icon-192.png`) never come near 12.
fn is_hashed_asset(path: &str) -> bool {
    let mut segments = path.trim_start_matches('/').split('/');
    let name = segments.next_back().unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    has_hash_suffix(stem) || segments.next().is_some_and(has_hash_suffix)
}

/// `<name>-<12 to 16 hex digits>`.
fn has_hash_suffix(name: &str) -> bool {
    name.rsplit_once('-').is_some_and(|(_, h)| {
        (12..=16).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit())
    })
}

fn cache_control_for(path: &str) -> HeaderValue {
    if is_hashed_asset(path) {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        // index.html, sw.js, the manifest, icons: revalidate every time (ETag/Last-Modified make
        // that cheap), so a new release is picked up at once.
        HeaderValue::from_static("no-cache")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csp_hashes_inline_scripts_but_not_external_ones() {
        let html = "<html><script type=\"module\">import init from '/x.js';init();</script>\
                    <script src=\"/a.js\"></script><SCRIPT>1</SCRIPT></html>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/x.js';init();"));
        assert_eq!(hashes[0], format!("sha256-{expected}"));
        let csp = csp_for(&hashes);
        assert!(csp.contains(&format!("'sha256-{expected}'")));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn trunk_hashed_names_are_recognized_and_others_are_not() {
        assert!(is_hashed_asset("/lianxin-4f1c2b3a4d5e6f70_bg.wasm"));
        assert!(is_hashed_asset("/lianxin-4f1c2b3a4d5e6f70.js"));
        assert!(is_hashed_asset("/style-0123456789abcdef.css"));
        // A hash with a leading zero digit is written with 15 digits.
        assert!(is_hashed_asset("/lianxin-b1df6553eaf9d1b_bg.wasm"));
        assert!(!is_hashed_asset("/icons/maskable-512.png"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/manifest.webmanifest"));
        assert!(!is_hashed_asset("/icons/icon-192.png"));
    }

    #[test]
    fn everything_in_the_hashed_module_directory_is_hashed() {
        assert!(is_hashed_asset("/pkg-0caf1b4ac2340bbd/lianxin.js"));
        assert!(is_hashed_asset("/pkg-0caf1b4ac2340bbd/chunk_9.wasm"));
        assert!(is_hashed_asset(
            "/pkg-0caf1b4ac2340bbd/snippets/lianxin-browser-1/inline0.js"
        ));
        assert!(!is_hashed_asset("/pkg/lianxin.js"));
        // Only the top-level directory names a build: a deeper look-alike proves nothing.
        assert!(!is_hashed_asset("/icons/x-0caf1b4ac2340bbd/a.png"));
    }

    #[test]
    fn names_and_paths_too_long_for_the_file_system_are_not_looked_up() {
        assert_eq!(lookup_path("/a%20b.js").as_deref(), Some("/a b.js"));
        assert!(lookup_path(&format!("/{}", "a".repeat(255))).is_some());
        assert!(lookup_path(&format!("/{}", "a".repeat(256))).is_none());
        // Decoded lengths count: 100 encoded bytes are 100 bytes, not 300.
        assert!(lookup_path(&format!("/{}", "%41".repeat(100))).is_some());
        let deep = format!("/{}", vec!["a".repeat(200); 21].join("/"));
        assert!(deep.len() > MAX_PATH_BYTES && lookup_path(&deep).is_none());
        assert!(lookup_path("/a%00b").is_none());
        assert!(lookup_path("/%ff").is_none());
    }

    #[test]
    fn only_extensionless_paths_fall_back_to_the_app_shell() {
        assert!(looks_like_app_route("/petitions/new"));
        assert!(!looks_like_app_route("/missing.js"));
    }
}
