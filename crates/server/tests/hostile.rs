//! The hostile-input suite (issue 11): well over a hundred requests that a careless or hostile
//! client could send — malformed JSON, wrong content types, oversized bodies, hostile text,
//! wrong roles, other devices' records, static path tricks, bad query strings — each answered
//! with a clean 4xx JSON error or a safe answer, never a 5xx, never a hang (every request has a
//! deadline). Afterwards the server still stores a valid push. On SQLite always, on PostgreSQL
//! when `LIANXIN_TEST_POSTGRES_URL` is set. The raw-socket cases at the end (huge headers,
//! broken framing) go to a real server.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request};
use common::{petition, petition_record, post_raw, record, Backend, Harness};
use http_body_util::BodyExt;
use lianxin_core::protocol::DeviceRole;
use lianxin_server::Config;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;
use uuid::Uuid;

/// What a case must get.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    /// Any 4xx with the protocol's JSON error.
    Refused,
    /// This 4xx with the protocol's JSON error.
    Status(u16),
    /// 200 to a push, every record answered with this outcome.
    Outcome(&'static str),
    /// Anything but a 5xx (a static answer, an app route), and never a file from outside.
    Safe,
}

struct Case {
    name: String,
    req: Request<Body>,
    want: Want,
}

fn case(name: impl Into<String>, req: Request<Body>, want: Want) -> Case {
    Case {
        name: name.into(),
        req,
        want,
    }
}

fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut req = Request::get(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    req.body(Body::empty()).unwrap()
}

fn push_body(token: &str, body: impl Into<Body>) -> Request<Body> {
    post_raw("/api/v1/sync/push", Some(token), body)
}

fn push_records(token: &str, records: Vec<Value>) -> Request<Body> {
    let body = json!({ "records": records, "device_now": chrono::Utc::now() });
    push_body(token, body.to_string())
}

fn one_petition(token: &str, payload: Value) -> Request<Body> {
    push_records(token, vec![record(Uuid::now_v7(), "petition", payload)])
}

fn with_request(token: &str, path: &str, value: Value) -> Request<Body> {
    let mut p = petition("张三");
    set(&mut p, path, value);
    one_petition(token, p)
}

/// Sets a field by a dotted path (`petitioner.name`).
fn set(v: &mut Value, path: &str, value: Value) {
    let mut at = v;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            at[part] = value;
            return;
        }
        at = &mut at[part];
    }
}

/// Sends a case and says what was wrong with the answer, if anything.
async fn run(h: &Harness, c: Case) -> Result<(), String> {
    let name = c.name.clone();
    let res = tokio::time::timeout(Duration::from_secs(10), h.router.clone().oneshot(c.req))
        .await
        .map_err(|_| format!("{name}: no answer within 10 s"))?
        .unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes);
    let fail = |why: &str| Err(format!("{name}: {why}: {status} {ct} {text:.300}"));
    if status >= 500 {
        return fail("a server error");
    }
    if text.contains("root:x:0:0") {
        return fail("a file from outside the build");
    }
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();
    let is_error_json = ct.starts_with("application/json")
        && body
            .as_ref()
            .and_then(|b| b["error"]["code"].as_str())
            .is_some_and(|c| !c.is_empty());
    match c.want {
        Want::Refused | Want::Status(_) => {
            if !(400..500).contains(&status) || !is_error_json {
                return fail("not a 4xx JSON error");
            }
            if let Want::Status(s) = c.want {
                if status != s {
                    return fail(&format!("not {s}"));
                }
            }
        }
        Want::Outcome(outcome) => {
            let results = body
                .as_ref()
                .and_then(|b| b["results"].as_array().cloned())
                .unwrap_or_default();
            if status != 200 || results.is_empty() {
                return fail("not a push answer");
            }
            if results.iter().any(|r| r["outcome"] != outcome) {
                return fail(&format!("not every record {outcome}"));
            }
        }
        Want::Safe => {
            if (400..500).contains(&status) && !is_error_json {
                return fail("a 4xx without the JSON error");
            }
        }
    }
    Ok(())
}

/// Every case, with the tokens and records it needs.
fn cases(field: &str, other: &str, kiosk: &str, revoked: &str, stored_id: Uuid) -> Vec<Case> {
    use Want::*;
    let mut out = Vec::new();

    // --- malformed JSON, to both endpoints that take a body
    let malformed: Vec<(&str, Vec<u8>)> = vec![
        ("empty", b"".to_vec()),
        ("open brace", b"{".to_vec()),
        ("array", b"[]".to_vec()),
        ("null", b"null".to_vec()),
        ("string", b"\"records\"".to_vec()),
        ("number", b"42".to_vec()),
        ("trailing garbage", b"{} x".to_vec()),
        ("byte order mark", b"\xef\xbb\xbf{}".to_vec()),
        ("invalid UTF-8", b"{\"code\": \"\xff\xfe\"}".to_vec()),
        ("NaN", b"{\"records\": NaN}".to_vec()),
        ("single quotes", b"{'records': []}".to_vec()),
        ("comment", b"{/* */ \"records\": []}".to_vec()),
        ("deep nesting", {
            let mut v = "[".repeat(100_000);
            v.push_str(&"]".repeat(100_000));
            v.into_bytes()
        }),
        (
            "huge number",
            format!("{{\"records\": {}}}", "9".repeat(10_000)).into_bytes(),
        ),
        ("NUL byte", b"{\"records\"\x00: []}".to_vec()),
    ];
    for (what, bytes) in malformed {
        out.push(case(
            format!("push: malformed JSON ({what})"),
            push_body(field, bytes.clone()),
            Status(400),
        ));
        out.push(case(
            format!("enroll: malformed JSON ({what})"),
            post_raw("/api/v1/devices/enroll", None, bytes),
            Status(400),
        ));
    }

    // --- well-formed JSON of the wrong shape
    for (what, body) in [
        ("records is an object", json!({"records": {}})),
        ("records is null", json!({"records": null})),
        ("records holds a number", json!({"records": [1]})),
        (
            "record without id",
            json!({"records": [{"kind": "petition", "payload": {}}]}),
        ),
        (
            "id is not a UUID",
            json!({"records": [{"id": "x", "kind": "petition", "payload": {}}]}),
        ),
        (
            "unknown top-level field",
            json!({"records": [], "admin": true}),
        ),
    ] {
        out.push(case(
            format!("push: {what}"),
            push_body(field, body.to_string()),
            Status(400),
        ));
    }
    for (what, body) in [
        ("code is a number", json!({"code": 1, "label": "x"})),
        ("no label", json!({"code": "AAAA"})),
        (
            "empty label",
            json!({"code": "AAAA-BBBB-CCCC-DDDD", "label": "   "}),
        ),
        (
            "label of 101 characters",
            json!({"code": "AAAA-BBBB-CCCC-DDDD", "label": "平".repeat(101)}),
        ),
        (
            "unknown code",
            json!({"code": "AAAA-BBBB-CCCC-DDDD", "label": "平板"}),
        ),
        (
            "code of 10,000 characters",
            json!({"code": "A".repeat(10_000), "label": "平板"}),
        ),
        (
            "code with NUL",
            json!({"code": "AAAA\u{0}BBBB", "label": "平板"}),
        ),
        (
            "code with right-to-left override",
            json!({"code": "\u{202e}AAAA", "label": "平板"}),
        ),
        (
            "label with NUL",
            json!({"code": "AAAA-BBBB-CCCC-DDDD", "label": "平板\u{0}"}),
        ),
        (
            "label with right-to-left override",
            json!({"code": "AAAA-BBBB-CCCC-DDDD", "label": "\u{202e}平板"}),
        ),
    ] {
        out.push(case(
            format!("enroll: {what}"),
            post_raw("/api/v1/devices/enroll", None, body.to_string()),
            Refused,
        ));
    }

    // --- wrong content types and encodings
    let valid = json!({"records": []}).to_string();
    for (what, ct) in [
        ("text/plain", Some("text/plain")),
        ("no content type", None),
        ("form", Some("application/x-www-form-urlencoded")),
        ("multipart", Some("multipart/form-data; boundary=x")),
        ("json look-alike", Some("application/jsonp")),
        ("xml", Some("application/xml")),
    ] {
        let mut req = Request::post("/api/v1/sync/push")
            .header(header::AUTHORIZATION, format!("Bearer {field}"));
        if let Some(ct) = ct {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        out.push(case(
            format!("push: content type {what}"),
            req.body(Body::from(valid.clone())).unwrap(),
            Status(415),
        ));
    }
    for (what, enc, want) in [
        ("gzip that is not gzip", "gzip", Status(400)),
        ("brotli", "br", Refused),
        ("unknown encoding", "x-evil", Refused),
    ] {
        let req = Request::post("/api/v1/sync/push")
            .header(header::AUTHORIZATION, format!("Bearer {field}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_ENCODING, enc)
            .body(Body::from(valid.clone()))
            .unwrap();
        out.push(case(format!("push: {what}"), req, want));
    }

    // --- oversized
    let big = format!("{{\"records\": [], \"pad\": \"{}\"}}", "x".repeat(3 << 20));
    out.push(case(
        "push: 3 MiB body",
        push_body(field, big.clone()),
        Status(413),
    ));
    out.push(case(
        "enroll: 3 MiB body",
        post_raw("/api/v1/devices/enroll", None, big),
        Status(413),
    ));
    let many: Vec<Value> = (0..501)
        .map(|_| record(Uuid::now_v7(), "quiz_attempt", json!({})))
        .collect();
    out.push(case(
        "push: 501 records",
        push_records(field, many),
        Status(400),
    ));
    let mut long = petition("张三");
    long["facts"] = json!("事".repeat(200_000));
    out.push(case(
        "push: facts of 200,000 characters",
        one_petition(field, long),
        Outcome("invalid"),
    ));

    // --- hostile text in a petition: each answered `invalid` with its field
    let hostile_strings = [
        ("NUL", "张\u{0}三"),
        ("bell", "张\u{7}三"),
        ("escape", "张\u{1b}[31m三"),
        ("right-to-left override", "张\u{202e}三"),
        ("left-to-right embedding", "张\u{202a}三"),
        ("zero-width space", "张\u{200b}三"),
        ("zero-width joiner", "张\u{200d}三"),
        ("byte order mark", "\u{feff}张三"),
        ("line separator", "张\u{2028}三"),
        ("delete", "张\u{7f}三"),
    ];
    for (what, s) in hostile_strings {
        for field_path in ["petitioner.name", "petitioner.address", "request"] {
            out.push(case(
                format!("petition: {what} in {field_path}"),
                with_request(field, field_path, json!(s)),
                Outcome("invalid"),
            ));
        }
    }
    for (what, path, value) in [
        ("name is a number", "petitioner.name", json!(1)),
        ("name is null", "petitioner.name", Value::Null),
        ("name is empty", "petitioner.name", json!("")),
        (
            "name of 10,000 characters",
            "petitioner.name",
            json!("张".repeat(10_000)),
        ),
        ("unknown field at the top", "admin", json!(true)),
        (
            "unknown field in the petitioner",
            "petitioner.is_admin",
            json!(true),
        ),
        ("channel unknown", "channel", json!("carrier_pigeon")),
        ("visitors negative", "visitors", json!(-1)),
        ("visitors enormous", "visitors", json!(1u64 << 60)),
        ("received_at not a time", "received_at", json!("yesterday")),
        (
            "received_at in year 10000",
            "received_at",
            json!("+10000-01-01T00:00:00Z"),
        ),
        (
            "subject unknown",
            "subject",
            json!("'; DROP TABLE records; --"),
        ),
        ("representatives not a list", "representatives", json!("x")),
        ("phone with letters", "petitioner.phone", json!("138abc")),
        (
            "ID number of the wrong length",
            "petitioner.id_number",
            json!("123"),
        ),
    ] {
        out.push(case(
            format!("petition: {what}"),
            with_request(field, path, value),
            Outcome("invalid"),
        ));
    }
    for (what, payload) in [
        ("payload null", Value::Null),
        ("payload a list", json!([])),
        ("payload a string", json!("petition")),
        ("payload empty", json!({})),
    ] {
        out.push(case(
            format!("petition: {what}"),
            one_petition(field, payload),
            Outcome("invalid"),
        ));
    }
    out.push(case(
        "push: a record of an unknown kind",
        push_records(
            field,
            vec![record(Uuid::now_v7(), "lottery_ticket", json!({}))],
        ),
        Outcome("invalid"),
    ));
    out.push(case(
        "push: a quiz attempt for no campaign",
        push_records(
            field,
            vec![record(
                Uuid::now_v7(),
                "quiz_attempt",
                json!({"campaign_id": "nope", "answers": []}),
            )],
        ),
        Outcome("invalid"),
    ));

    // --- tokens and roles
    out.push(case(
        "push: no token",
        post_raw("/api/v1/sync/push", None, valid.clone()),
        Status(401),
    ));
    for (what, auth) in [
        ("empty bearer", "Bearer "),
        ("basic auth", "Basic dXNlcjpwYXNz"),
        (
            "unknown token",
            "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ),
        ("token of 8 KiB", &format!("Bearer {}", "A".repeat(8192))),
        ("lower-case scheme", "bearer x"),
    ] {
        let req = Request::post("/api/v1/sync/push")
            .header(header::AUTHORIZATION, auth)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(valid.clone()))
            .unwrap();
        out.push(case(format!("push: {what}"), req, Status(401)));
        out.push(case(
            format!("pull: {what}"),
            Request::get("/api/v1/sync/pull")
                .header(header::AUTHORIZATION, auth)
                .body(Body::empty())
                .unwrap(),
            Status(401),
        ));
    }
    out.push(case(
        "push: revoked device",
        push_records(revoked, vec![]),
        Status(401),
    ));
    out.push(case(
        "petition: revoked device reads",
        get(&format!("/api/v1/petitions/{stored_id}"), Some(revoked)),
        Status(401),
    ));
    out.push(case(
        "pull: revoked device learns only its revocation",
        get("/api/v1/sync/pull", Some(revoked)),
        Safe,
    ));
    out.push(case(
        "petition: a kiosk may not read petitions",
        get(&format!("/api/v1/petitions/{stored_id}"), Some(kiosk)),
        Status(403),
    ));
    out.push(case(
        "petition: a kiosk may not read its own kind of id either",
        get(
            &format!("/api/v1/petitions/{}", Uuid::now_v7()),
            Some(kiosk),
        ),
        Status(403),
    ));

    // --- other devices' records
    out.push(case(
        "petition: another tablet's petition is not found",
        get(&format!("/api/v1/petitions/{stored_id}"), Some(other)),
        Status(404),
    ));
    let mut changed = petition("李四");
    changed["request"] = json!("改过的请求");
    out.push(case(
        "push: another tablet re-pushes a stored id with other content",
        push_records(other, vec![record(stored_id, "petition", changed.clone())]),
        Outcome("conflict"),
    ));
    out.push(case(
        "push: the same tablet re-pushes a stored id with other content",
        push_records(field, vec![record(stored_id, "petition", changed)]),
        Outcome("conflict"),
    ));
    for (what, id) in [
        ("not a UUID", "not-a-uuid".to_owned()),
        ("a UUID with a trailing slash", format!("{stored_id}/")),
        ("a path traversal", "..%2f..%2fetc%2fpasswd".to_owned()),
        ("10,000 characters", "a".repeat(10_000)),
    ] {
        out.push(case(
            format!("petition: id is {what}"),
            get(&format!("/api/v1/petitions/{id}"), Some(field)),
            Refused,
        ));
    }

    // --- query strings
    for q in [
        "cursor=-1",
        "cursor=abc",
        "cursor=1e99",
        "cursor=99999999999999999999999",
        "cursor=%00",
        "cursor=1&cursor=x",
    ] {
        out.push(case(
            format!("pull: ?{q}"),
            get(&format!("/api/v1/sync/pull?{q}"), Some(field)),
            Status(400),
        ));
    }
    for q in ["", "cursor=", "x=1", "cursor=0&&&", "%ff=%fe"] {
        let want = if q == "cursor=" { Status(400) } else { Safe };
        out.push(case(
            format!("pull: ?{q} (harmless)"),
            get(&format!("/api/v1/sync/pull?{q}"), Some(field)),
            want,
        ));
    }
    for code in [
        "%00".to_owned(),
        "A".repeat(5000),
        "%E5%BC%A0%E4%B8%89".to_owned(),
        "ABCD-EFGH-JKLM?x=1".to_owned(),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
    ] {
        out.push(case(
            format!("receipt: code {:.20}", code),
            get(&format!("/api/v1/receipts/{code}"), None),
            Status(404),
        ));
    }

    // --- methods
    for (method, path) in [
        ("DELETE", "/healthz"),
        ("PUT", "/api/v1/sync/push"),
        ("GET", "/api/v1/sync/push"),
        ("PATCH", "/api/v1/devices/enroll"),
        ("POST", "/index.html"),
        ("DELETE", "/sw.js"),
    ] {
        out.push(case(
            format!("{method} {path}"),
            Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .unwrap(),
            Status(405),
        ));
    }

    // --- static path tricks
    let long_name = format!("/{}.js", "a".repeat(300));
    let long_path = format!("/{}", vec!["b".repeat(200); 25].join("/"));
    for path in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "//etc/passwd",
        "/.%2e/.%2e/etc/passwd",
        "/..\\..\\etc\\passwd",
        "/a%00.js",
        "/%00",
        "/%ff%fe.js",
        "/.git/config",
        "/.env",
        "/~root/.bashrc",
        "/sw.js.br",
        "/api/../etc/passwd",
        "/index.html/..",
        "/%2F%2Fetc%2Fpasswd",
        "/static/%252e%252e/etc/passwd",
        long_name.as_str(),
        long_path.as_str(),
    ] {
        out.push(case(format!("static: {:.40}", path), get(path, None), Safe));
    }
    out
}

async fn hostile_requests_get_clean_refusals_and_a_valid_push_still_works(backend: Backend) {
    let config = Config {
        // The suite's own enrollment cases must not exhaust the limit for the setup's.
        enroll_burst: 10_000,
        ..common::test_config()
    };
    let Some(h) = Harness::with_config(backend, config).await else {
        return;
    };
    let field = h.device(DeviceRole::Field).await;
    let other = h.device(DeviceRole::Field).await;
    let kiosk = h.device(DeviceRole::Kiosk).await;
    let revoked = h.device(DeviceRole::Field).await;
    h.state
        .db
        .devices
        .revoke_device(revoked.device_id, lianxin_server::now())
        .await
        .unwrap();
    let (stored_id, rec) = petition_record("张三");
    let (status, body) = h.push(&field.token, json!([rec])).await;
    assert_eq!(
        (status.as_u16(), body["results"][0]["outcome"].as_str()),
        (200, Some("stored"))
    );

    let all = cases(
        &field.token,
        &other.token,
        &kiosk.token,
        &revoked.token,
        stored_id,
    );
    assert!(all.len() >= 100, "{} cases", all.len());
    let mut failures = Vec::new();
    for c in all {
        if let Err(why) = run(&h, c).await {
            failures.push(why);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let before = h.state.db.records.petition_count().await.unwrap();
    let (_, rec) = petition_record("王五");
    let (status, body) = h.push(&field.token, json!([rec])).await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(body["results"][0]["outcome"], "stored", "{body}");
    assert_eq!(
        h.state.db.records.petition_count().await.unwrap(),
        before + 1
    );
}

on_both_backends!(hostile_requests_get_clean_refusals_and_a_valid_push_still_works);

/// Sends raw bytes to a real server and returns its status code (None: closed without one).
async fn raw(address: &str, bytes: &[u8]) -> Option<u16> {
    let mut s = tokio::net::TcpStream::connect(address).await.unwrap();
    let _ = s.write_all(bytes).await;
    let _ = s.shutdown().await;
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut got))
        .await
        .expect("no hang");
    let text = String::from_utf8_lossy(&got);
    text.split(' ').nth(1).and_then(|s| s.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_framing_and_huge_headers_are_refused_by_the_http_layer() {
    let server = lianxin_server::testing::TestServer::start().await;
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let huge_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    let many_headers = format!(
        "GET /healthz HTTP/1.1\r\nHost: t\r\n{}\r\n",
        (0..500)
            .map(|i| format!("X-{i}: v\r\n"))
            .collect::<String>()
    );
    let cases: Vec<(&str, Vec<u8>)> =
        vec![
        ("a 1 MiB header", huge_header.into_bytes()),
        ("500 headers", many_headers.into_bytes()),
        ("garbage request line", b"\x00\x01\x02 / HTTP/1.1\r\n\r\n".to_vec()),
        ("no HTTP version", b"GET /healthz\r\n\r\n".to_vec()),
        (
            "Content-Length and Transfer-Encoding",
            b"POST /api/v1/devices/enroll HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\
              Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n0\r\n\r\n"
                .to_vec(),
        ),
        (
            "a chunk size that is not hex",
            b"POST /api/v1/devices/enroll HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\
              Content-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
                .to_vec(),
        ),
        (
            "a Content-Length beyond any limit",
            b"POST /api/v1/devices/enroll HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999\r\n\
              Content-Type: application/json\r\n\r\n{}"
                .to_vec(),
        ),
        (
            "two Content-Lengths",
            b"POST /api/v1/devices/enroll HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\
              Content-Length: 3\r\nContent-Type: application/json\r\n\r\n{}"
                .to_vec(),
        ),
    ];
    for (what, bytes) in cases {
        if let Some(status) = raw(&address, &bytes).await {
            assert!((400..500).contains(&status), "{what}: {status}");
        }
    }
    // The server is still there.
    let res = reqwest::get(format!("{}/healthz", server.base_url))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
}
