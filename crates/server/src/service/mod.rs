//! The server's rules, in plain Rust: what a push stores, how petitions are numbered, which
//! status may follow which and the deadline it starts, who may enroll, what campaigns and
//! configuration devices get.
//!
//! The submodules decide and never touch a database, so they are tested without one. The
//! functions here are what the HTTP handlers (`api`) and the command line (`main.rs`) share:
//! they validate, ask the rules, and hand the result to the repositories of [`crate::db`]. A
//! decision that must see what is stored at the moment of writing (a re-pushed id, the next
//! registration number, the current status) is taken by the repository inside its transaction,
//! by calling the rule here: the rule stays in this module, the transaction in `db`.

use chrono::{DateTime, Utc};
use lianxin_core::protocol::{DeviceConfig, DeviceRole, PushRecord, PushResult, RecordKind};
use lianxin_core::quiz::Campaign;
use uuid::Uuid;

use crate::db::{Db, DbResult, Device};
use crate::Config;

pub mod campaign;
pub mod config;
pub mod enrollment;
pub mod numbering;
pub mod push;
pub mod status;

use enrollment::EnrollRefusal;
use push::{PushContext, PushItem};
use status::{SetStatusError, StatusChange};

/// Creates an enrollment code for a device of `role` in `township`, valid for the configured
/// time, and returns it (the database keeps only its hash).
pub async fn create_enrollment_code(
    db: &Db,
    config: &Config,
    role: DeviceRole,
    township: &str,
) -> DbResult<String> {
    let code = crate::auth::new_enrollment_code();
    let now = crate::now();
    db.devices
        .create_enrollment(
            &crate::auth::hash_secret(&crate::auth::normalize_code(&code)),
            role,
            township,
            now,
            now + config.enrollment_ttl,
        )
        .await?;
    Ok(code)
}

/// A device enrolled now, and the bearer token only it will ever see.
#[derive(Debug, Clone)]
pub struct Enrolled {
    /// The new device.
    pub device: Device,
    /// Its bearer token (the database keeps only the hash).
    pub token: String,
}

/// Enrolls a device with a typed code and a label already checked.
pub async fn enroll(db: &Db, code: &str, label: &str) -> DbResult<Result<Enrolled, EnrollRefusal>> {
    let token = crate::auth::new_token();
    let code_hash = crate::auth::hash_secret(&crate::auth::normalize_code(code));
    let outcome = db
        .devices
        .enroll(
            &code_hash,
            Uuid::now_v7(),
            &crate::auth::hash_secret(&token),
            label,
            crate::now(),
        )
        .await?;
    Ok(outcome.map(|device| Enrolled { device, token }))
}

/// Validates and stores a push from `device`: one result per record, in order. `measured` is
/// the device's clock offset as the server measured it from the push's `device_now`.
pub async fn push(
    db: &Db,
    config: &Config,
    device: &Device,
    records: Vec<PushRecord>,
    measured: &lianxin_core::clock::ClockOffset,
    now: DateTime<Utc>,
) -> DbResult<Vec<PushResult>> {
    // The rules the devices validate by, built once per push: the configured subjects, and the
    // built-in departments (the server publishes none of its own yet).
    let rules = DeviceConfig {
        subjects: config.subjects.clone(),
        ..DeviceConfig::default()
    };
    let mut items = Vec::with_capacity(records.len());
    for rec in records {
        items.push(prepare(db, &rules, rec, measured, now).await?);
    }
    let ctx = PushContext {
        prefix: config.registration_prefix.clone(),
        now,
    };
    db.records.push(device, items, &ctx).await
}

/// Parses and validates one record; what survives is stored.
async fn prepare(
    db: &Db,
    rules: &DeviceConfig,
    rec: PushRecord,
    measured: &lianxin_core::clock::ClockOffset,
    now: DateTime<Utc>,
) -> DbResult<PushItem> {
    let id = rec.id;
    Ok(match rec.kind {
        RecordKind::Unknown => push::unknown_kind(id),
        RecordKind::Petition => {
            push::prepare_petition(id, rec.payload, rec.clock.as_ref(), measured, rules, now)
        }
        RecordKind::QuizAttempt => match push::parse_quiz_attempt(rec.payload, now) {
            Err(refused) => push::invalid(id, refused),
            Ok(attempt) => {
                let campaign = db.campaigns.campaign(&attempt.campaign_id).await?;
                push::prepare_quiz_attempt(id, attempt, campaign.as_ref())
            }
        },
    })
}

/// Moves a petition to a new status, if the regulation's order of handling allows it.
pub async fn set_status(
    db: &Db,
    change: StatusChange,
) -> DbResult<Result<lianxin_core::protocol::StatusEvent, SetStatusError>> {
    db.records.set_status(change).await
}

/// Checks a campaign file and publishes the campaign, without its answers, to every device;
/// returns the campaign and its feed sequence number.
pub async fn import_campaign(
    db: &Db,
    file_json: &str,
    now: DateTime<Utc>,
) -> Result<(Campaign, i64), Box<dyn std::error::Error + Send + Sync>> {
    let file: campaign::CampaignFile = serde_json::from_str(file_json)?;
    let public = file.public()?;
    let seq = db
        .campaigns
        .import_campaign(file_json, &public, now)
        .await?;
    Ok((public, seq))
}

/// Publishes the configured subject list to every device if it differs from the newest
/// configuration published (see [`config`]); returns what was published.
pub async fn publish_config(
    db: &Db,
    config: &Config,
    now: DateTime<Utc>,
) -> DbResult<Option<DeviceConfig>> {
    let newest = db.feed.newest_config().await?;
    let Some(next) = config::to_publish(&config.subjects, newest.as_ref()) else {
        return Ok(None);
    };
    db.feed.publish_config(&next, now).await?;
    Ok(Some(next))
}
