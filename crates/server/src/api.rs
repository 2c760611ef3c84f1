//! The `/api` handlers of protocol v1 and the OpenAPI document generated from them.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lianxin_core::protocol::{
    ApiError, Change, ChangeBody, DeviceConfig, DeviceRole, EnrollRequest, EnrollResponse,
    ErrorBody, Outcome, PullResponse, PushRecord, PushRequest, PushResponse, PushResult, Receipt,
    ReceiptView, RecordKind, StatusEvent, SubjectEntry, MAX_BATCH, PULL_PAGE,
};
use lianxin_core::quiz::{
    Answer, Audience, Campaign, CampaignStats, ClaimedScore, Flag, Key, MissedQuestion,
    Participant, Question, QuestionType, QuizAttempt, Quota, ReviewPolicy, StatsGroup,
};
use lianxin_core::Petition;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use uuid::Uuid;

use crate::auth::{AnyDeviceAuth, DeviceAuth, FieldAuth};
use crate::error::{ApiJson, AppError};
use crate::ratelimit::ClientIp;
use crate::service::{self, enrollment};
use crate::AppState;

/// `GET /healthz` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers and its database does.
    pub status: String,
}

/// Liveness: the database answers and the push writer runs. O(1): no table is read.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    if !state.db.health.writer_running() {
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "writer_stopped",
            "the push writer stopped; the process must be restarted",
        ));
    }
    state.db.health.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
    }))
}

/// Enrolls a device with a single-use code printed by `lianxin-server enroll`.
#[utoipa::path(post, path = "/api/v1/devices/enroll", request_body = EnrollRequest, responses(
    (status = 201, description = "enrolled; the token is shown only now", body = EnrollResponse),
    (status = 400, description = "bad body, or the code is unknown, used or expired", body = ErrorBody),
    (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
    (status = 429, description = "too many attempts from this address", body = ErrorBody),
    (status = 503, body = ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Response, AppError> {
    if let Err(wait) = state.enroll_limiter.check(ip) {
        return Ok(crate::error::rate_limited(wait));
    }
    let label = enrollment::check_label(&req.label).map_err(AppError::bad_request_with)?;
    let enrolled = service::enroll(&state.db, &req.code, label)
        .await?
        .map_err(|refusal| {
            let (code, message) = refusal.code_and_message();
            AppError::bad_request(code, message).with_field("code")
        })?;
    let service::Enrolled { device, token } = enrolled;
    tracing::info!(device_id = %device.id, role = device.role.as_str(), "device enrolled");
    let body = EnrollResponse {
        device_id: device.id,
        token,
        role: device.role,
        township: device.township,
        server_time: Some(crate::now()),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
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
                "at most {MAX_BATCH} records per push, got {}",
                req.records.len()
            ),
        )
        .with_field("records")
        .with_param("max", MAX_BATCH)
        .with_param("received", req.records.len()));
    }
    // The device's clock is judged before anything is stored: without it, or with an absurd
    // one, no time in the batch can be corrected, so the whole push is refused on that field.
    let device_now = lianxin_core::clock::check_device_now(req.device_now)
        .map_err(AppError::bad_request_with)?;
    let now = crate::now();
    let measured = lianxin_core::clock::ClockOffset::from_device_now(device_now, now);
    let results = service::push(
        &state.db,
        &state.config,
        &device,
        req.records,
        &measured,
        now,
    )
    .await?;
    let stored = results
        .iter()
        .filter(|r| r.outcome == Outcome::Stored)
        .count();
    tracing::info!(device_id = %device.id, records = results.len(), stored, "push");
    Ok(Json(PushResponse {
        results,
        server_time: Some(crate::now()),
    }))
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
        AppError::bad_request("invalid_cursor", "cursor must be a non-negative integer")
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
    let (changes, more) = state
        .db
        .feed
        .pull(&device, cursor, PULL_PAGE as i64)
        .await?;
    let next = changes.last().map_or(cursor, |c| c.seq);
    Ok(Json(PullResponse {
        changes,
        cursor: next,
        more,
        server_time: Some(crate::now()),
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
        return Ok(crate::error::rate_limited(wait));
    }
    let code: String = query_code
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.len() != service::numbering::QUERY_CODE_LEN {
        return Err(not_found_receipt());
    }
    match state.db.records.receipt_by_query_code(&code).await? {
        Some(view) => Ok(Json(view).into_response()),
        None => Err(not_found_receipt()),
    }
}

fn not_found_receipt() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no petition has this query code; check the code",
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
        AppError::bad_request("invalid_id", "the record id must be a UUID").with_field("record_id")
    })?;
    state
        .db
        .records
        .petition_of_device(device.id, id)
        .await?
        .map(Json)
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "this device pushed no petition with this id",
            )
        })
}

/// Query of `GET /api/v1/campaigns/{campaign_id}/stats`.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// `csv` for a CSV download instead of JSON.
    #[allow(dead_code)] // documents the parameter; read from the raw query
    format: Option<String>,
}

/// A quiz campaign's results for the bureau: participants, pass rate, mean score, score
/// distribution, the most-missed questions, by township and by audience, and the questions
/// reported as wrong. Field tablets only: a kiosk gets 403.
#[utoipa::path(get, path = "/api/v1/campaigns/{campaign_id}/stats",
    params(("campaign_id" = String, Path, description = "the campaign's id"), StatsQuery),
    security(("bearer" = [])), responses(
    (status = 200, body = CampaignStats),
    (status = 401, body = ErrorBody),
    (status = 403, description = "kiosk token", body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn campaign_stats(
    State(state): State<AppState>,
    FieldAuth(_device): FieldAuth,
    Path(campaign_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let stats = service::campaign_stats(&state.db, &campaign_id)
        .await?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                "campaign_unknown",
                "the server has no such quiz campaign",
            )
        })?;
    let csv = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .any(|p| p == "format=csv");
    if !csv {
        return Ok(Json(stats).into_response());
    }
    let mut res = service::campaign::stats_csv(&stats).into_response();
    res.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    res.headers_mut().insert(
        axum::http::header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"campaign-stats.csv\""),
    );
    Ok(res)
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
    paths(healthz, enroll, push, pull, receipt, petition, campaign_stats),
    components(schemas(
        Health, EnrollRequest, EnrollResponse, DeviceRole, PushRequest, PushRecord, RecordKind,
        PushResponse, PushResult, Outcome, Receipt, PullResponse, Change, ChangeBody, StatusEvent,
        ReceiptView, ErrorBody, ApiError, Campaign, Question, QuizAttempt, Answer, Petition,
        Key, Quota, Audience, ReviewPolicy, QuestionType, Participant, Flag, ClaimedScore,
        CampaignStats, StatsGroup, MissedQuestion,
        DeviceConfig, SubjectEntry, lianxin_core::clock::RecordClock,
        lianxin_core::clock::ClockOffset, lianxin_core::period::HolidayCalendar,
        lianxin_core::period::HolidayYear
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
    fn a_cursor_must_be_a_non_negative_integer() {
        assert_eq!(parse_cursor(None).unwrap(), 0);
        assert_eq!(parse_cursor(Some("cursor=42")).unwrap(), 42);
        assert!(parse_cursor(Some("cursor=-1")).is_err());
        assert!(parse_cursor(Some("cursor=abc")).is_err());
    }
}
