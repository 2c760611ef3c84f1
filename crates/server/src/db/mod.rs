//! Storage: one [`Database`] trait, a SQLite and a PostgreSQL implementation, chosen by the
//! scheme of `LIANXIN_DATABASE_URL`.
//!
//! Both implementations run the same SQL (sqlx binds `$1`-style parameters on both) through the
//! [`impl_common!`] macro; only connection setup, migrations and write serialization differ, so
//! the two cannot drift apart in meaning.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lianxin_core::protocol::{Change, DeviceRole, PushResult, ReceiptView, StatusEvent};
use lianxin_core::quiz::Campaign;
use lianxin_core::status::{PetitionStatus, TransitionError};
use uuid::Uuid;

pub(crate) mod common;
pub mod postgres;
pub mod sqlite;

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

/// Why an enrollment code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollRefusal {
    /// No such code.
    Unknown,
    /// Already used by another device.
    Used,
    /// Past its expiry.
    Expired,
}

/// A pushed record that passed validation, ready to store.
#[derive(Debug, Clone)]
pub struct PreparedRecord {
    /// The client's id.
    pub id: Uuid,
    /// `petition` or `quiz_attempt`.
    pub kind: &'static str,
    /// Canonical JSON of the payload.
    pub canonical: String,
}

/// One slot of a push: either already answered by validation, or to be stored.
#[derive(Debug, Clone)]
pub enum PushItem {
    /// Refused before touching the database.
    Done(PushResult),
    /// Valid; store it.
    Store(PreparedRecord),
}

/// Settings a push needs.
#[derive(Debug, Clone)]
pub struct PushContext {
    /// Registration number prefix, e.g. `CZXF`.
    pub prefix: String,
    /// The server's clock at the start of the push.
    pub now: DateTime<Utc>,
}

/// A status change requested by staff.
#[derive(Debug, Clone)]
pub struct StatusChange {
    /// The petition, by registration number.
    pub registration_no: String,
    /// The new status.
    pub status: PetitionStatus,
    /// The department forwarded to.
    pub department: Option<String>,
    /// A short note without personal data.
    pub note: Option<String>,
    /// Whether the matter is an Art. 31 item 6 one (gets the Art. 34 deadline on acceptance).
    pub art31_item6: bool,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetStatusError {
    /// No petition has that registration number.
    #[error("没有登记号为 {0} 的信访事项")]
    NotFound(String),
    /// The regulation's order of handling does not allow the step.
    #[error(transparent)]
    Transition(#[from] TransitionError),
}

/// A stored petition without personal data: what `lianxin-server petition list` prints.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PetitionRef {
    /// The client's record id.
    pub id: Uuid,
    /// e.g. `CZXF-2026-000123`.
    pub registration_no: String,
}

/// Everything the server stores. Implementations must make each method atomic.
#[async_trait]
pub trait Database: Send + Sync + 'static {
    /// Stores a new enrollment code (by hash).
    async fn create_enrollment(
        &self,
        code_hash: &str,
        role: DeviceRole,
        township: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> DbResult<()>;

    /// Consumes an enrollment code and creates the device, atomically: a code enrolls one device.
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

    /// Stores a batch: one transaction, each record all-or-nothing within it, committed before
    /// returning. Returns one result per item, in order.
    async fn push(
        &self,
        device: &Device,
        items: Vec<PushItem>,
        ctx: &PushContext,
    ) -> DbResult<Vec<PushResult>>;

    /// A page of the device's feed after `cursor`, and whether more is waiting.
    async fn pull(&self, device: &Device, cursor: i64, limit: i64)
        -> DbResult<(Vec<Change>, bool)>;

    /// Progress of the petition with this query code.
    async fn receipt_by_query_code(&self, query_code: &str) -> DbResult<Option<ReceiptView>>;

    /// Progress of a petition the given device pushed (None for another device's record).
    async fn petition_of_device(
        &self,
        device_id: Uuid,
        record_id: Uuid,
    ) -> DbResult<Option<ReceiptView>>;

    /// Changes a petition's status, keeps the history and feeds the change to its device.
    async fn set_status(
        &self,
        change: StatusChange,
    ) -> DbResult<Result<StatusEvent, SetStatusError>>;

    /// Stores (or replaces) a campaign and publishes it, without answers, into every feed.
    async fn import_campaign(
        &self,
        definition_json: &str,
        public: &Campaign,
        now: DateTime<Utc>,
    ) -> DbResult<i64>;

    /// The published campaign with this id.
    async fn campaign(&self, id: &str) -> DbResult<Option<Campaign>>;

    /// How many petitions are stored.
    async fn petition_count(&self) -> DbResult<i64>;

    /// Every stored petition's record id and registration number, in registration order; no
    /// personal data.
    async fn petition_list(&self) -> DbResult<Vec<PetitionRef>>;

    /// Whether nobody was ever enrolled nor any code issued (first start).
    async fn is_fresh(&self) -> DbResult<bool>;
}

/// Opens (creating and migrating as needed) the database the URL names.
pub async fn connect(url: &str) -> DbResult<Arc<dyn Database>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteDb::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgDb::open(url).await?))
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
