//! Storage: one repository trait per concern, implemented once in SQL for both SQLite and
//! PostgreSQL, chosen by the scheme of `LIANXIN_DATABASE_URL`.
//!
//! The repositories store and load; they decide nothing. Where a decision must be taken inside
//! the writer's transaction (a pushed record against what is stored under its id, the next
//! registration number, whether a status step is allowed), they ask the plain-Rust rules in
//! [`crate::service`] and write the answer.
//!
//! | trait | concern |
//! |---|---|
//! | [`DeviceRepo`] | enrollment codes, devices, tokens, revocation |
//! | [`RecordRepo`] | pushed records, receipts, petitions' status and deadlines |
//! | [`FeedRepo`] | the pull feed, and the device configuration published into it |
//! | [`CampaignRepo`] | quiz campaigns |
//!
//! A new concern (attachments, quiz statistics, the bureau console) adds a trait and a field of
//! [`Db`]. The SQL is written once, generic over the database ([`sql`]); what differs between
//! SQLite and PostgreSQL — connection setup, migrations, how a writer gets to be the only one,
//! whether a record needs its own savepoint — is in [`sqlite`] and [`postgres`].

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lianxin_core::protocol::{
    Change, DeviceConfig, DeviceRole, PushResult, ReceiptView, StatusEvent,
};
use lianxin_core::quiz::{Campaign, CampaignStats};
use uuid::Uuid;

use crate::service::enrollment::{EnrollRefusal, StoredCode};
use crate::service::push::{PushContext, PushItem};
use crate::service::status::{SetStatusError, StatusChange};

mod campaigns;
mod health;
mod postgres;
mod records;
mod sql;
mod sqlite;

/// A storage failure that is not the caller's fault.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data that does not parse (a bug or manual tampering).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The URL names no supported database.
    #[error("unsupported database URL scheme (use sqlite:// or postgres://)")]
    UnsupportedUrl,
}

/// Result of a storage call.
pub type DbResult<T> = Result<T, DbError>;

/// An enrolled device as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Its id.
    pub id: Uuid,
    /// Field tablet or kiosk.
    pub role: DeviceRole,
    /// The township it belongs to.
    pub township: String,
    /// Set once the token is revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A stored petition without personal data: what `lianxin-server petition list` prints.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PetitionRef {
    /// The client's record id.
    pub id: Uuid,
    /// e.g. `CZXF-2026-000123`.
    pub registration_no: String,
    /// When it was received, corrected for the device's clock (issue 15).
    pub received_at: Option<DateTime<Utc>>,
    /// The reception time as the device read it.
    pub device_received_at: Option<DateTime<Utc>>,
    /// The correction is uncertain (the device knew no offset, or its clock changed since).
    pub clock_uncertain: Option<bool>,
}

/// Enrollment codes, devices and their tokens. Every method is atomic.
#[async_trait]
pub trait DeviceRepo: Send + Sync + 'static {
    /// Stores a new enrollment code (by hash).
    async fn create_enrollment(
        &self,
        code_hash: &str,
        role: DeviceRole,
        township: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> DbResult<()>;

    /// Consumes an enrollment code and creates the device, atomically, if
    /// [`crate::service::enrollment::judge`] accepts the code: a code enrolls one device.
    async fn enroll(
        &self,
        code_hash: &str,
        device_id: Uuid,
        token_hash: &str,
        label: &str,
        now: DateTime<Utc>,
    ) -> DbResult<Result<Device, EnrollRefusal>>;

    /// The device holding a token (revoked ones included; the caller decides).
    async fn device_by_token(&self, token_hash: &str) -> DbResult<Option<Device>>;

    /// Revokes a device and puts the revocation into its feed. False if no such device or
    /// already revoked.
    async fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> DbResult<bool>;

    /// Whether nobody was ever enrolled nor any code issued (first start).
    async fn is_fresh(&self) -> DbResult<bool>;

    /// The enrollment code with this hash, read without a write transaction (so that a flood of
    /// unknown codes never queues behind, or holds up, the writers).
    async fn enrollment_code(&self, code_hash: &str) -> DbResult<Option<StoredCode>>;

    /// Every device, oldest first (`lianxin-server device list`).
    async fn device_list(&self) -> DbResult<Vec<DeviceInfo>>;
}

/// A device as `lianxin-server device list` shows it: no token, no personal data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceInfo {
    /// Its id.
    pub id: Uuid,
    /// The label it was enrolled under.
    pub label: String,
    /// `field` or `kiosk`.
    pub role: DeviceRole,
    /// Its township.
    pub township: String,
    /// When it enrolled.
    pub created_at: DateTime<Utc>,
    /// When its token was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Pushed records, their receipts, and petitions' handling. Every method is atomic.
#[async_trait]
pub trait RecordRepo: Send + Sync + 'static {
    /// Stores a batch as [`crate::service::push::PushPlan`] decides against what is stored: one
    /// transaction, each record all-or-nothing within it, committed before returning. Returns
    /// one result per item, in order.
    async fn push(
        &self,
        device: &Device,
        items: Vec<PushItem>,
        ctx: &PushContext,
    ) -> DbResult<Vec<PushResult>>;

    /// Progress of the petition with this query code.
    async fn receipt_by_query_code(&self, query_code: &str) -> DbResult<Option<ReceiptView>>;

    /// Progress of a petition the given device pushed (None for another device's record).
    async fn petition_of_device(
        &self,
        device_id: Uuid,
        record_id: Uuid,
    ) -> DbResult<Option<ReceiptView>>;

    /// Changes a petition's status if [`crate::service::status::step`] allows it, keeps the
    /// history and feeds the change to its device.
    async fn set_status(
        &self,
        change: StatusChange,
    ) -> DbResult<Result<StatusEvent, SetStatusError>>;

    /// Records an Art. 34 extension of a petition's handling limit if
    /// [`crate::service::status::extend`] allows it, keeps the history and feeds the change to
    /// its device.
    async fn extend_handling(
        &self,
        ext: crate::service::status::Extension,
    ) -> DbResult<Result<StatusEvent, crate::service::status::ExtendError>>;

    /// How many petitions are stored.
    async fn petition_count(&self) -> DbResult<i64>;

    /// Every stored petition's record id and registration number, in registration order; no
    /// personal data.
    async fn petition_list(&self) -> DbResult<Vec<PetitionRef>>;
}

/// The pull feed: per device and broadcast changes, in one sequence.
#[async_trait]
pub trait FeedRepo: Send + Sync + 'static {
    /// A page of the device's feed after `cursor`, and whether more is waiting.
    async fn pull(&self, device: &Device, cursor: i64, limit: i64)
        -> DbResult<(Vec<Change>, bool)>;

    /// The newest device configuration published, if any.
    async fn newest_config(&self) -> DbResult<Option<DeviceConfig>>;

    /// Stores a device configuration and publishes it into every device's feed; returns its
    /// feed sequence number.
    async fn publish_config(&self, config: &DeviceConfig, now: DateTime<Utc>) -> DbResult<i64>;
}

/// Quiz campaigns, and the typed rows of the attempts counted for them.
#[async_trait]
pub trait CampaignRepo: Send + Sync + 'static {
    /// Stores (or replaces) a campaign with its answers and publishes into every feed the copy
    /// a device may hold at `now` ([`Campaign::for_device`]).
    async fn import_campaign(&self, campaign: &Campaign, now: DateTime<Utc>) -> DbResult<i64>;

    /// The stored campaign with this id, answers included.
    async fn campaign(&self, id: &str) -> DbResult<Option<Campaign>>;

    /// How many attempts of `participant` on `day` the campaign counted, the record `except`
    /// aside (a re-pushed attempt is not its own predecessor).
    async fn attempts_on_day(
        &self,
        campaign_id: &str,
        participant: &str,
        day: &str,
        except: Uuid,
    ) -> DbResult<i64>;

    /// The counted attempts of a campaign, aggregated ([`CampaignStats`]; the caller adds the
    /// campaign's title, audience and question texts).
    async fn stats(&self, campaign_id: &str) -> DbResult<CampaignStats>;
}

/// What `/healthz` asks: both answers are O(1), whatever is stored.
#[async_trait]
pub trait HealthRepo: Send + Sync + 'static {
    /// One round trip to the database.
    async fn ping(&self) -> DbResult<()>;

    /// Whether the push writer is still taking pushes.
    fn writer_running(&self) -> bool;
}

/// Every repository, over one open database. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    /// Enrollment, devices, tokens.
    pub devices: Arc<dyn DeviceRepo>,
    /// Records, receipts, statuses.
    pub records: Arc<dyn RecordRepo>,
    /// The pull feed and device configuration.
    pub feed: Arc<dyn FeedRepo>,
    /// Quiz campaigns.
    pub campaigns: Arc<dyn CampaignRepo>,
    /// Liveness of the database and the push writer.
    pub health: Arc<dyn HealthRepo>,
}

impl Db {
    /// All repositories from one store that implements them all.
    pub fn from_store<S>(store: S) -> Self
    where
        S: DeviceRepo + RecordRepo + FeedRepo + CampaignRepo + HealthRepo,
    {
        let store = Arc::new(store);
        Db {
            devices: store.clone(),
            records: store.clone(),
            feed: store.clone(),
            campaigns: store.clone(),
            health: store,
        }
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

/// Opens (creating and migrating as needed) the database the URL names.
pub async fn connect(url: &str) -> DbResult<Db> {
    if url.starts_with("sqlite:") {
        Ok(Db::from_store(sqlite::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Db::from_store(postgres::open(url).await?))
    } else {
        Err(DbError::UnsupportedUrl)
    }
}

/// The URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_is_logged_without_its_password() {
        assert_eq!(
            redact_url("postgres://u:secret@127.0.0.1:5432/x"),
            "postgres://u:***@127.0.0.1:5432/x"
        );
        assert_eq!(
            redact_url("sqlite://data/lianxin.db"),
            "sqlite://data/lianxin.db"
        );
    }
}
