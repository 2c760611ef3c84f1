//! The `/api` handlers of protocol v1 and the OpenAPI document generated from them.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use lianxin_core::protocol::{
    ApiError, Change, ChangeBody, DeviceRole, EnrollRequest, EnrollResponse, ErrorBody, Outcome,
    PullResponse, PushRecord, PushRequest, PushResponse, PushResult, Receipt, ReceiptView,
    RecordKind, StatusEvent, MAX_BATCH, PULL_PAGE,
};
use lianxin_core::quiz::{Answer, Campaign, Question, QuizAttempt};
use lianxin_core::Petition;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use uuid::Uuid;

use crate::auth::{self, AnyDeviceAuth, DeviceAuth, FieldAuth};
use crate::db::{EnrollRefusal, PreparedRecord, PushContext, PushItem};
use crate::error::{ApiJson, AppError};
use crate::ratelimit::ClientIp;
use crate::AppState;

/// `GET /healthz` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers and its database does.
    pub status: String,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    state.db.petition_count().await?;
    Ok(Json(Health {
        status: "ok".into(),
    }))
}

const MAX_LABEL: usize = 100;

/// Enrolls a device with a single-use code printed by `lianxin-server enroll`.
#[utoipa::path(post, path = "/api/v1/devices/enroll", request_body = EnrollRequest, responses(
    (status = 201, description = "enrolled; the token is shown only now", body = EnrollResponse),
    (status = 400, description = "bad body, or the code is unknown, used or expired", body = ErrorBody),
    (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
    (status = 503, body = ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Response, AppError> {
    let label = req.label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        return Err(AppError::bad_request(
            "invalid_label",
            format!("设备名称不能为空，且不超过{MAX_LABEL}个字"),
        )
        .with_field("label"));
    }
    let token = auth::new_token();
    let code_hash = auth::hash_secret(&auth::normalize_code(&req.code));
    let device_id = Uuid::now_v7();
    let outcome = state
        .db
        .enroll(
            &code_hash,
            device_id,
            &auth::hash_secret(&token),
            label,
            crate::now(),
        )
        .await?;
    let device = outcome.map_err(|refusal| {
        let (code, msg) = match refusal {
            EnrollRefusal::Unknown => ("enrollment_code_unknown", "登记码不存在，请核对后重新输入"),
            EnrollRefusal::Used => (
                "enrollment_code_used",
                "登记码已被使用，请向管理员申请新的登记码",
            ),
            EnrollRefusal::Expired => (
                "enrollment_code_expired",
                "登记码已过期，请向管理员申请新的登记码",
            ),
        };
        AppError::bad_request(code, msg).with_field("code")
    })?;
    tracing::info!(device_id = %device.id, role = device.role.as_str(), "device enrolled");
    let body = EnrollResponse {
        device_id: device.id,
        token,
        role: device.role,
        township: device.township,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Sorts object keys recursively so that equal payloads compare equal as text, whatever order
/// the device serialized them in (serde_json's map order depends on a feature flag).
pub fn canonical_json(v: &serde_json::Value) -> String {
    fn sort(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut entries: Vec<_> = m.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                serde_json::Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sort(v)))
                        .collect(),
                )
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    // Building a Map re-inserts in sorted order; with serde_json's default BTreeMap it is sorted
    // anyway, with `preserve_order` the insertion order is the sorted one.
    sort(v).to_string()
}

fn invalid(id: Uuid, error: ApiError) -> PushItem {
    PushItem::Done(PushResult {
        id,
        outcome: Outcome::Invalid,
        receipt: None,
        error: Some(error),
    })
}

fn first_error(errs: Vec<ApiError>) -> ApiError {
    let n = errs.len();
    let mut first = errs
        .into_iter()
        .next()
        .unwrap_or_else(|| ApiError::new("invalid", "记录无效"));
    if n > 1 {
        first.message = format!("{}（另有{}处问题）", first.message, n - 1);
    }
    first
}

/// Parses and validates one record; what survives is stored by the database layer.
async fn prepare(
    state: &AppState,
    rec: PushRecord,
    now: chrono::DateTime<Utc>,
) -> Result<PushItem, AppError> {
    let id = rec.id;
    let (kind, canonical) = match rec.kind {
        RecordKind::Unknown => {
            return Ok(invalid(
                id,
                ApiError::new("unknown_kind", "此版本的服务器不认识该记录类型，请更新应用")
                    .with_field("kind"),
            ))
        }
        RecordKind::Petition => {
            let p: Petition = match crate::error::parse_value(rec.payload) {
                Ok(p) => p,
                Err(e) => return Ok(invalid(id, e.error)),
            };
            if let Err(errs) = p.validate(&state.config.subjects, now) {
                return Ok(invalid(id, first_error(errs)));
            }
            ("petition", serde_json::to_value(&p))
        }
        RecordKind::QuizAttempt => {
            let a: QuizAttempt = match crate::error::parse_value(rec.payload) {
                Ok(a) => a,
                Err(e) => return Ok(invalid(id, e.error)),
            };
            if let Err(errs) = a.validate(now) {
                return Ok(invalid(id, first_error(errs)));
            }
            match state.db.campaign(&a.campaign_id).await? {
                None => {
                    return Ok(invalid(
                        id,
                        ApiError::new("campaign_unknown", "服务器上没有这个竞答活动")
                            .with_field("campaign_id"),
                    ))
                }
                Some(c) => {
                    if let Err(errs) = a.validate_against(&c) {
                        return Ok(invalid(id, first_error(errs)));
                    }
                }
            }
            ("quiz_attempt", serde_json::to_value(&a))
        }
    };
    let canonical = canonical.map_err(|_| crate::error::internal())?;
    Ok(PushItem::Store(PreparedRecord {
        id,
        kind,
        canonical: canonical_json(&canonical),
    }))
}

/// Uploads finalized records. Each record is stored, recognized as a duplicate, refused as a
/// conflict, or refused as invalid, independently of the others.
#[utoipa::path(post, path = "/api/v1/sync/push", request_body = PushRequest,
    security(("bearer" = [])), responses(
    (status = 200, description = "one result per record, in order", body = PushResponse),
    (status = 400, description = "malformed body, or more than 500 records", body = ErrorBody),
    (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
    (status = 413, description = "body over 2 MiB", body = ErrorBody),
    (status = 415, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn push(
    State(state): State<AppState>,
    DeviceAuth(device): DeviceAuth,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, AppError> {
    if req.records.len() > MAX_BATCH {
        return Err(AppError::bad_request(
            "batch_too_large",
            format!(
                "一次最多同步{MAX_BATCH}条记录，收到{}条 / at most {MAX_BATCH} records per push",
                req.records.len()
            ),
        )
        .with_field("records"));
    }
    let now = crate::now();
    let mut items = Vec::with_capacity(req.records.len());
    for rec in req.records {
        items.push(prepare(&state, rec, now).await?);
    }
    let ctx = PushContext {
        prefix: state.config.registration_prefix.clone(),
        now,
    };
    let results = state.db.push(&device, items, &ctx).await?;
    let stored = results
        .iter()
        .filter(|r| r.outcome == Outcome::Stored)
        .count();
    tracing::info!(device_id = %device.id, records = results.len(), stored, "push");
    Ok(Json(PushResponse { results }))
}

/// Query of `GET /api/v1/sync/pull`.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// The `cursor` of the previous answer; 0 or absent for the beginning.
    #[allow(dead_code)] // documents the parameter; parsed by hand to control the error
    cursor: Option<i64>,
}

fn parse_cursor(query: Option<&str>) -> Result<i64, AppError> {
    let bad = || {
        AppError::bad_request(
            "invalid_cursor",
            "cursor 必须是非负整数 / cursor must be a non-negative integer",
        )
        .with_field("cursor")
    };
    let mut cursor = 0;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == "cursor" {
            cursor = v.parse::<i64>().ok().filter(|c| *c >= 0).ok_or_else(bad)?;
        }
    }
    Ok(cursor)
}

/// The device's feed after `cursor`: campaigns, status changes of its own petitions (field
/// tablets only), and its own revocation. A revoked token may still call this, and then receives
/// only the `device_revoked` change.
#[utoipa::path(get, path = "/api/v1/sync/pull", params(PullQuery),
    security(("bearer" = [])), responses(
    (status = 200, body = PullResponse),
    (status = 400, description = "bad cursor", body = ErrorBody),
    (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn pull(
    State(state): State<AppState>,
    AnyDeviceAuth(device): AnyDeviceAuth,
    RawQuery(query): RawQuery,
) -> Result<Json<PullResponse>, AppError> {
    let cursor = parse_cursor(query.as_deref())?;
    let (changes, more) = state.db.pull(&device, cursor, PULL_PAGE as i64).await?;
    let next = changes.last().map_or(cursor, |c| c.seq);
    Ok(Json(PullResponse {
        changes,
        cursor: next,
        more,
    }))
}

/// Progress of one petition by the query code on its receipt. No personal data; rate-limited
/// per client address.
#[utoipa::path(get, path = "/api/v1/receipts/{query_code}",
    params(("query_code" = String, Path, description = "the code printed on the receipt")),
    responses(
    (status = 200, body = ReceiptView),
    (status = 404, body = ErrorBody),
    (status = 429, description = "too many lookups from this address", body = ErrorBody),
    (status = 503, body = ErrorBody)))]
pub async fn receipt(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(query_code): Path<String>,
) -> Result<Response, AppError> {
    if let Err(wait) = state.limiter.check(ip) {
        let mut res = AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "查询过于频繁，请稍后再试 / too many lookups, try again later",
        )
        .into_response();
        res.headers_mut()
            .insert("retry-after", HeaderValue::from(wait.as_secs().max(1)));
        return Ok(res);
    }
    let code: String = query_code
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.len() != crate::db::common::QUERY_CODE_LEN {
        return Err(not_found_receipt());
    }
    match state.db.receipt_by_query_code(&code).await? {
        Some(view) => Ok(Json(view).into_response()),
        None => Err(not_found_receipt()),
    }
}

fn not_found_receipt() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "没有找到该查询码对应的信访事项，请核对查询码",
    )
}

/// Progress of a petition this field tablet pushed. Kiosks get 403: they never read petitions.
#[utoipa::path(get, path = "/api/v1/petitions/{record_id}",
    params(("record_id" = Uuid, Path, description = "the record id the device pushed")),
    security(("bearer" = [])), responses(
    (status = 200, body = ReceiptView),
    (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    (status = 403, description = "kiosk token", body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn petition(
    State(state): State<AppState>,
    FieldAuth(device): FieldAuth,
    Path(record_id): Path<String>,
) -> Result<Json<ReceiptView>, AppError> {
    let id = Uuid::parse_str(&record_id).map_err(|_| {
        AppError::bad_request("invalid_id", "记录编号必须是 UUID").with_field("record_id")
    })?;
    state
        .db
        .petition_of_device(device.id, id)
        .await?
        .map(Json)
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "本设备没有提交过这条信访事项",
            )
        })
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI 3 document of protocol v1.
#[derive(OpenApi)]
#[openapi(
    info(title = "Lianxin sync protocol v1", description = "连心信访 central sync endpoint"),
    paths(healthz, enroll, push, pull, receipt, petition),
    components(schemas(
        Health, EnrollRequest, EnrollResponse, DeviceRole, PushRequest, PushRecord, RecordKind,
        PushResponse, PushResult, Outcome, Receipt, PullResponse, Change, ChangeBody, StatusEvent,
        ReceiptView, ErrorBody, ApiError, Campaign, Question, QuizAttempt, Answer, Petition
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_ignores_key_order() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":[1,{"d":2,"c":3}],"x":0}}"#).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(r#"{"a":{"x":0,"y":[1,{"c":3,"d":2}]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
    }

    #[test]
    fn a_cursor_must_be_a_non_negative_integer() {
        assert_eq!(parse_cursor(None).unwrap(), 0);
        assert_eq!(parse_cursor(Some("cursor=42")).unwrap(), 42);
        assert!(parse_cursor(Some("cursor=-1")).is_err());
        assert!(parse_cursor(Some("cursor=abc")).is_err());
    }
}
