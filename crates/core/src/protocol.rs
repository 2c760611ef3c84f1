//! Sync protocol v1: the JSON bodies of `/api/v1/*`, snake_case on the wire.
//!
//! Wire stability: field names and enum spellings here are read by devices that may not have
//! been updated for weeks. Add optional fields; never rename or remove one within v1.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::RecordClock;
use crate::period::HolidayCalendar;
use crate::petition::DEFAULT_SUBJECTS;
use crate::routing::{DepartmentEntry, RoutingRule};

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
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DeviceRole {
    /// A field tablet used by staff of one township.
    Field,
    /// A public self-service kiosk.
    Kiosk,
}

impl DeviceRole {
    /// The wire spelling, also used in the database.
    pub fn as_str(self) -> &'static str {
        self.into()
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
    /// The server's clock when it answered (the device measures its own clock's offset from
    /// it); absent from servers older than that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time: Option<DateTime<Utc>>,
}

/// The kind of a pushed record. Unknown kinds deserialize to [`RecordKind::Unknown`] so that the
/// server can refuse that one record (`invalid`) and still store the rest of the batch.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
        self.into()
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
    /// The device's clock when it finalized the record and the offset it knew then; the server
    /// corrects the payload's times by it ([`crate::clock::judge`]). Absent from older apps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<RecordClock>,
}

/// `POST /api/v1/sync/push` request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    /// At most [`MAX_BATCH`] records.
    pub records: Vec<PushRecord>,
    /// The device's clock as the push was sent. Required: a push without it, or with a time
    /// before 2020 or from 2100 on, is refused whole (400 `device_now_missing` /
    /// `device_now_implausible`, [`crate::clock::check_device_now`]). Optional in the type only
    /// so that its absence is answered as that field error, not as unreadable JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_now: Option<DateTime<Utc>>,
}

/// What happened to one pushed record.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
    /// The server's clock when it answered; absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time: Option<DateTime<Utc>>,
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
    /// The server's clock when it answered; absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time: Option<DateTime<Utc>>,
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
    /// The deployment's configuration changed (or this is the device's first pull): the device
    /// validates against the newest version it has from now on.
    Config {
        /// The whole configuration, versioned.
        config: DeviceConfig,
    },
    /// A change this version of the app does not know (sent by a newer server): skipped, so the
    /// rest of the page still applies and the cursor moves on.
    #[serde(other)]
    Unknown,
}

/// What a device validates and routes against, as the deployment configured it. It reaches the
/// device through the pull feed, so a tablet never accepts a draft that its server will refuse
/// for a rule the server was configured with. Fields added later (departments, routing tables,
/// the holiday calendar) are optional, and empty means the table built into the app.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceConfig {
    /// Increases with every change the server publishes; a device keeps the highest it has seen.
    /// Version 0 is the configuration built into the app, used before the first pull.
    pub version: i64,
    /// The subject list (事项分类), in the order a form offers them.
    pub subjects: Vec<SubjectEntry>,
    /// The departments matters are routed to; empty means the built-in ones
    /// ([`DeviceConfig::departments`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<DepartmentEntry>,
    /// Subject (× township) → department; empty means the built-in table
    /// ([`DeviceConfig::routing`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing: Vec<RoutingRule>,
    /// The State Council's holiday arrangements deadlines are counted by; absent (or without
    /// years) means the calendar bundled with the app ([`DeviceConfig::holidays`]), so a
    /// deployment can publish next year's notice before the app is updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holidays: Option<HolidayCalendar>,
}

/// One entry of the subject list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectEntry {
    /// The stable code stored on the petition (`land`, `labor`, ...).
    pub code: String,
    /// A display name for codes that only this deployment has. Built-in codes are named by the
    /// app's locale files in the user's language, so they come without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl DeviceConfig {
    /// The configuration built into the app (version 0): the default subject list.
    pub fn builtin() -> Self {
        DeviceConfig {
            version: 0,
            subjects: DEFAULT_SUBJECTS
                .iter()
                .map(|code| SubjectEntry {
                    code: (*code).to_owned(),
                    label: None,
                })
                .collect(),
            departments: Vec::new(),
            routing: Vec::new(),
            holidays: None,
        }
    }

    /// The holiday calendar in force: the published one, or the bundled one when none (or an
    /// empty one) was published.
    pub fn holidays(&self) -> &HolidayCalendar {
        match &self.holidays {
            Some(c) if !c.years.is_empty() => c,
            _ => HolidayCalendar::shared(),
        }
    }

    /// The subject codes, as validation takes them.
    pub fn subject_codes(&self) -> Vec<String> {
        self.subjects.iter().map(|s| s.code.clone()).collect()
    }

    /// Keeps whichever of two configurations is newer.
    pub fn newest(self, other: DeviceConfig) -> DeviceConfig {
        if other.version > self.version {
            other
        } else {
            self
        }
    }
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
    /// An approved extension of the Art. 34 handling limit announced at this step, in days (the
    /// reason, which the petitioner is told, in `note`); see [`crate::deadlines`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_days: Option<u32>,
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

/// A machine-readable error. The app shows it in the user's language from its `code`, `field`
/// and `params` (its locale files hold the sentences); `message` is English, for logs and for
/// clients that do not know the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable machine code, e.g. `invalid_json`, `unauthorized`, `id_number_checksum`.
    pub code: String,
    /// English text saying what is wrong and how to recover.
    pub message: String,
    /// JSON path of the offending field, when one field is at fault (e.g. `petitioner.phone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The values a translated message needs, e.g. `{"max": 100, "actual": 120}` for `too_long`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: BTreeMap<String, serde_json::Value>,
}

impl ApiError {
    /// An error not tied to one field.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
            field: None,
            params: BTreeMap::new(),
        }
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Adds a parameter of the translated message.
    pub fn with_param(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// A parameter as a number, if present.
    pub fn param_u64(&self, key: &str) -> Option<u64> {
        self.params.get(key).and_then(serde_json::Value::as_u64)
    }

    /// A parameter as text, if present.
    pub fn param_str(&self, key: &str) -> Option<&str> {
        self.params.get(key).and_then(serde_json::Value::as_str)
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
    fn every_wire_enum_is_spelled_the_same_by_serde_and_by_its_list() {
        crate::assert_wire_names::<DeviceRole>();
        crate::assert_wire_names::<RecordKind>();
        crate::assert_wire_names::<Outcome>();
    }

    #[test]
    fn a_change_of_an_unknown_type_is_skipped_not_fatal() {
        let page = r#"{"changes":[{"seq":1,"type":"holiday_calendar","year":2027},{"seq":2,"type":"device_revoked"}],"cursor":2,"more":false}"#;
        let page: PullResponse = serde_json::from_str(page).unwrap();
        assert_eq!(page.changes[0].body, ChangeBody::Unknown);
        assert_eq!(page.changes[1].body, ChangeBody::DeviceRevoked {});
    }

    #[test]
    fn a_config_change_carries_its_version_and_subjects() {
        let c = Change {
            seq: 3,
            body: ChangeBody::Config {
                config: DeviceConfig {
                    version: 2,
                    subjects: vec![SubjectEntry {
                        code: "mining".into(),
                        label: Some("矿产".into()),
                    }],
                    departments: vec![],
                    routing: vec![],
                    holidays: None,
                },
            },
        };
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["type"], "config");
        assert_eq!(json["config"]["subjects"][0]["code"], "mining");
        assert_eq!(serde_json::from_value::<Change>(json).unwrap(), c);
    }

    #[test]
    fn the_newer_config_wins_and_the_builtin_one_is_version_zero() {
        let builtin = DeviceConfig::builtin();
        assert_eq!(builtin.version, 0);
        assert!(builtin.subject_codes().contains(&"land".to_owned()));
        let newer = DeviceConfig {
            version: 1,
            subjects: vec![],
            departments: vec![],
            routing: vec![],
            holidays: None,
        };
        assert_eq!(builtin.clone().newest(newer.clone()), newer);
        assert_eq!(newer.clone().newest(builtin), newer);
    }

    #[test]
    fn error_params_are_left_out_of_the_json_when_there_are_none() {
        let e = ApiError::new("required", "fill in the name").with_field("petitioner.name");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "required", "message": "fill in the name", "field": "petitioner.name"})
        );
        let e = e.with_param("max", 100);
        assert_eq!(e.param_u64("max"), Some(100));
        let back: ApiError = serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
        assert_eq!(back, e);
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

    #[test]
    fn server_time_and_device_now_are_optional_on_the_wire_for_older_peers() {
        let old: PushResponse = serde_json::from_str(r#"{"results":[]}"#).unwrap();
        assert_eq!(old.server_time, None);
        let old: PullResponse =
            serde_json::from_str(r#"{"changes":[],"cursor":0,"more":false}"#).unwrap();
        assert_eq!(old.server_time, None);
        let req: PushRequest = serde_json::from_str(r#"{"records":[]}"#).unwrap();
        assert_eq!(req.device_now, None);
        let req = PushRequest {
            records: vec![],
            device_now: Some(crate::example::now()),
        };
        let json = serde_json::to_value(&req).unwrap();
        assert_eq!(json["device_now"], "2026-11-30T12:00:00Z");
    }

    #[test]
    fn a_config_without_a_calendar_counts_by_the_bundled_one() {
        let c = DeviceConfig::builtin();
        assert!(std::ptr::eq(c.holidays(), HolidayCalendar::shared()));
        let json = serde_json::to_value(&c).unwrap();
        assert!(json.get("holidays").is_none());
        let published = DeviceConfig {
            holidays: Some(HolidayCalendar { years: vec![] }),
            ..c
        };
        assert!(std::ptr::eq(
            published.holidays(),
            HolidayCalendar::shared()
        ));
    }
}
