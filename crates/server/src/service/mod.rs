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

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use lianxin_core::protocol::{DeviceConfig, DeviceRole, PushRecord, PushResult, RecordKind};
use lianxin_core::quiz::{Campaign, QuizAttempt};
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
    // Refused on a read, before any write transaction: guessed codes never hold up the writer.
    if let Err(refusal) = enrollment::precheck(db, &code_hash, crate::now()).await? {
        return Ok(Err(refusal));
    }
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
    let mut quiz_counts = HashMap::new();
    for rec in records {
        items.push(prepare(db, &rules, device, &mut quiz_counts, rec, measured, now).await?);
    }
    let ctx = PushContext {
        prefix: config.registration_prefix.clone(),
        now,
    };
    db.records.push(device, items, &ctx).await
}

/// Attempts of one participant on one day for one campaign, counted in this push so far:
/// `(campaign, participant, day)` → count (for the daily limit across a batch).
type QuizCounts = HashMap<(String, String, String), i64>;

/// Parses and validates one record; what survives is stored.
async fn prepare(
    db: &Db,
    rules: &DeviceConfig,
    device: &Device,
    quiz_counts: &mut QuizCounts,
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
            Ok(attempt) => prepare_quiz_attempt(db, device, quiz_counts, id, attempt).await?,
        },
    })
}

/// Judges a quiz attempt against its campaign (stored, or the built-in practice campaign) and
/// the daily limit, counting the participant's attempts stored and earlier in this push.
async fn prepare_quiz_attempt(
    db: &Db,
    device: &Device,
    quiz_counts: &mut QuizCounts,
    id: Uuid,
    attempt: QuizAttempt,
) -> DbResult<PushItem> {
    let stored = db.campaigns.campaign(&attempt.campaign_id).await?;
    let campaign = stored
        .as_ref()
        .or_else(|| campaign::builtin(&attempt.campaign_id));
    let (participant, day) = campaign::AttemptFacts::key(&attempt, device.id);
    let key = (attempt.campaign_id.clone(), participant, day);
    let earlier = match campaign {
        Some(c) if c.attempts_per_day.is_some() => {
            let stored = db
                .campaigns
                .attempts_on_day(&key.0, &key.1, &key.2, id)
                .await?;
            stored + quiz_counts.get(&key).copied().unwrap_or(0)
        }
        _ => 0,
    };
    let item = push::prepare_quiz_attempt(
        id,
        attempt,
        campaign,
        (device.id, &device.township),
        earlier,
    );
    if matches!(item, PushItem::Store(_)) {
        *quiz_counts.entry(key).or_default() += 1;
    }
    Ok(item)
}

/// Moves a petition to a new status, if the regulation's order of handling allows it.
pub async fn set_status(
    db: &Db,
    change: StatusChange,
) -> DbResult<Result<lianxin_core::protocol::StatusEvent, SetStatusError>> {
    db.records.set_status(change).await
}

/// Records an approved Art. 34 extension of a petition's handling limit
/// ([`status::extend`] decides whether it may be), or why not.
pub async fn extend_handling(
    db: &Db,
    ext: status::Extension,
) -> DbResult<Result<lianxin_core::protocol::StatusEvent, status::ExtendError>> {
    db.records.extend_handling(ext).await
}

/// Reads a campaign file named `name` ([`campaign::read_campaign_file`]; `read_bank` gives the
/// text of a bank file it names) and publishes the campaign to every device, answers only as its
/// review policy allows; returns the campaign (with answers) and its feed sequence number.
pub async fn import_campaign(
    db: &Db,
    name: &str,
    text: &str,
    read_bank: impl Fn(&str) -> Result<String, String>,
    now: DateTime<Utc>,
) -> Result<(Campaign, i64), Box<dyn std::error::Error + Send + Sync>> {
    let campaign = campaign::read_campaign_file(name, text, read_bank)?;
    let seq = db.campaigns.import_campaign(&campaign, now).await?;
    Ok((campaign, seq))
}

/// A campaign's statistics for the bureau (None: no such campaign, stored or built in).
pub async fn campaign_stats(
    db: &Db,
    campaign_id: &str,
) -> DbResult<Option<lianxin_core::quiz::CampaignStats>> {
    let stored = db.campaigns.campaign(campaign_id).await?;
    let Some(campaign) = stored.as_ref().or_else(|| campaign::builtin(campaign_id)) else {
        return Ok(None);
    };
    let mut stats = db.campaigns.stats(campaign_id).await?;
    campaign::describe(&mut stats, campaign);
    Ok(Some(stats))
}

/// Publishes the configured subject list to every device if it differs from the newest
/// configuration published (see [`config`]); returns what was published.
pub async fn publish_config(
    db: &Db,
    config: &Config,
    now: DateTime<Utc>,
) -> DbResult<Option<DeviceConfig>> {
    let newest = db.feed.newest_config().await?;
    let Some(next) =
        config::to_publish(&config.subjects, config.holidays.as_ref(), newest.as_ref())
    else {
        return Ok(None);
    };
    db.feed.publish_config(&next, now).await?;
    Ok(Some(next))
}
