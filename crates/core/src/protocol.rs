//! Sync protocol v1: the JSON bodies of `/api/v1/*`, snake_case on the wire.
//!
//! Wire stability: field names and enum spellings here are read by devices that may not have
//! been updated for weeks. Add optional fields; never rename or remove one within v1.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::quiz::Campaign;
use crate::status::PetitionStatus;

/// Path prefix of every v1 endpoint.
pub const API_V1: &str = "/api/v1";
/// Largest number of records one push may carry; more is answered with 400 `batch_too_large`.
pub const MAX_BATCH: usize = 500;
/// Largest request body the server reads; more is answered with 413 `body_too_large`.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Largest page of the pull feed.
pub const PULL_PAGE: usize = 200;

/// What a device is for. A kiosk is shared by strangers: it may push but never read petitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    /// A field tablet used by staff of one township.
    Field,
    /// A public self-service kiosk.
    Kiosk,
}

impl DeviceRole {
    /// The wire spelling, also used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceRole::Field => "field",
            DeviceRole::Kiosk => "kiosk",
        }
    }
}

/// `POST /api/v1/devices/enroll` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollRequest {
    /// The single-use enrollment code an administrator printed with `lianxin-server enroll`.
    pub code: String,
    /// A human label for the device, e.g. "城关镇 平板 3".
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub label: String,
}

/// `201` answer to an enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    /// The device's id.
    pub device_id: Uuid,
    /// The bearer token; shown once, stored by the server only as a hash.
    pub token: String,
    /// What the device may do.
    pub role: DeviceRole,
    /// The township the device belongs to.
    pub township: String,
}

/// The kind of a pushed record. Unknown kinds deserialize to [`RecordKind::Unknown`] so that the
/// server can refuse that one record (`invalid`) and still store the rest of the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A petition registration, payload [`crate::Petition`].
    Petition,
    /// A finished quiz attempt, payload [`crate::quiz::QuizAttempt`].
    QuizAttempt,
    /// Any kind this version does not know.
    #[serde(other)]
    Unknown,
}

impl RecordKind {
    /// The wire spelling, also used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Petition => "petition",
            RecordKind::QuizAttempt => "quiz_attempt",
            RecordKind::Unknown => "unknown",
        }
    }
}

/// One record in a push. The id is chosen by the device when the record is finalized and never
/// changes, which is what makes a retried push idempotent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRecord {
    /// Client-generated UUID (v4 or v7).
    pub id: Uuid,
    /// What the payload is.
    pub kind: RecordKind,
    /// The record itself; validated per kind, so one bad record does not sink the batch.
    pub payload: serde_json::Value,
}

/// `POST /api/v1/sync/push` request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// At most [`MAX_BATCH`] records.
    pub records: Vec<PushRecord>,
}

/// What happened to one pushed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// New and now durable; `receipt` is set.
    Stored,
    /// Seen before with the same canonical payload; `receipt` is the original one.
    Duplicate,
    /// Seen before with a different payload; nothing was overwritten.
    Conflict,
    /// Refused by validation; `error.field` names the field.
    Invalid,
}

/// The server's acknowledgement of a stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    /// Registration number, unique and gap-free per year, e.g. `CZXF-2026-000123`.
    /// Only petitions get one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_no: Option<String>,
    /// Unguessable code with which the petitioner can look up progress. Only petitions get one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_code: Option<String>,
    /// When the server accepted the record.
    pub received_at: DateTime<Utc>,
}

/// One entry of [`PushResponse::results`], in the order of the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResult {
    /// The record's id, echoed.
    pub id: Uuid,
    /// What happened.
    pub outcome: Outcome,
    /// Set for `stored` and `duplicate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    /// Set for `conflict` and `invalid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// `200` answer to a push.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// One result per pushed record, in order.
    pub results: Vec<PushResult>,
}

/// `GET /api/v1/sync/pull?cursor=<n>` answer: a page of the device's feed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// Changes with `seq` greater than the request's cursor, ascending.
    pub changes: Vec<Change>,
    /// The cursor to send next time (the last change's `seq`, or the request's cursor).
    pub cursor: i64,
    /// Whether another page is waiting.
    pub more: bool,
}

/// One entry of the pull feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// Position in the feed; strictly increasing.
    pub seq: i64,
    /// What changed.
    #[serde(flatten)]
    pub body: ChangeBody,
}

/// The payload of a [`Change`], tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeBody {
    /// A quiz campaign was published or updated; the device replaces its copy.
    Campaign {
        /// The campaign with its questions (answers stay on the server).
        campaign: Campaign,
    },
    /// A petition this device submitted changed status.
    PetitionStatus {
        /// The record id the device pushed.
        record_id: Uuid,
        /// The registration number.
        registration_no: String,
        /// The history entry.
        event: StatusEvent,
    },
    /// This device's token was revoked: the device stops syncing and asks to be enrolled again.
    DeviceRevoked {},
}

/// One step in the handling of a petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusEvent {
    /// The new status.
    pub status: PetitionStatus,
    /// When it was set.
    pub at: DateTime<Utc>,
    /// The department it was forwarded to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// A short note, without personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The statutory deadline that runs from this step, if any (see [`crate::status`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
}

/// `GET /api/v1/receipts/{query_code}` answer: progress of one petition, no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptView {
    /// The registration number.
    pub registration_no: String,
    /// The current status.
    pub status: PetitionStatus,
    /// When the server received the petition.
    pub received_at: DateTime<Utc>,
    /// Every status change, oldest first.
    pub history: Vec<StatusEvent>,
}

/// The body of every error response: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}

/// A machine-readable error with a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable machine code, e.g. `invalid_json`, `unauthorized`, `id_number_checksum`.
    pub code: String,
    /// Clear text saying what is wrong and how to recover (Chinese first).
    pub message: String,
    /// JSON path of the offending field, when one field is at fault (e.g. `petitioner.phone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// An error not tied to one field.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
            field: None,
        }
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_record_kind_still_parses_so_the_rest_of_the_batch_can_be_stored() {
        let body = r#"{"records":[{"id":"0190a8f0-0000-7000-8000-000000000001","kind":"selfie","payload":{}}]}"#;
        let req: PushRequest = serde_json::from_str(body).unwrap();
        assert_eq!(req.records[0].kind, RecordKind::Unknown);
    }

    #[test]
    fn a_change_is_tagged_by_type_and_flattened_beside_its_seq() {
        let c = Change {
            seq: 7,
            body: ChangeBody::DeviceRevoked {},
        };
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"seq": 7, "type": "device_revoked"})
        );
        assert_eq!(serde_json::from_value::<Change>(json).unwrap(), c);
    }
}
