//! The SQL of every repository, written once for both databases.
//!
//! sqlx binds `$1`-style parameters on SQLite and PostgreSQL alike, and every statement here
//! means the same on both, so the code is generic over the database: [`SqlStore<DB>`] implements
//! the repositories for any `DB` that is a [`Backend`]. The long `where` clauses on its impl
//! blocks only say "sqlx can bind and read these Rust types on this database"; both SQLite and
//! PostgreSQL satisfy them. What differs is in the [`Backend`] impls.

use std::future::Future;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lianxin_core::protocol::{
    Change, ChangeBody, DeviceConfig, DeviceRole, ReceiptView, StatusEvent,
};
use lianxin_core::quiz::Campaign;
use lianxin_core::status::PetitionStatus;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Row, Transaction, Type};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::records::PushJob;
use super::{CampaignRepo, DbError, DbResult, Device, DeviceRepo, FeedRepo};
use crate::service::enrollment::{self, EnrollRefusal, StoredCode};

/// What the shared SQL needs to know about a database beyond what sqlx abstracts.
pub(crate) trait Backend: sqlx::Database {
    /// Whether each record of a push needs a savepoint of its own to be all-or-nothing. A failed
    /// statement aborts a whole PostgreSQL transaction; in SQLite it is undone alone and the
    /// transaction goes on.
    const SAVEPOINT_PER_RECORD: bool;

    /// A write transaction in which the caller is the only writer. Serialized writers are what
    /// keep registration numbers gap-free and feed sequence numbers visible in order, and they
    /// make a concurrently repeated push find the first copy instead of racing it.
    fn begin_write(
        pool: &Pool<Self>,
    ) -> impl Future<Output = Result<Transaction<'static, Self>, sqlx::Error>> + Send;

    /// How many rows a statement changed.
    fn rows_affected(result: &Self::QueryResult) -> u64;
}

/// Every repository over one database: a pool for writes (see [`Backend::begin_write`]), one for
/// reads, and the group committer that writes pushes (see `records`).
pub(crate) struct SqlStore<DB: Backend> {
    pub(super) writer: Pool<DB>,
    pub(super) reader: Pool<DB>,
    pub(super) pushes: mpsc::Sender<PushJob>,
}

pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub(super) fn parse_status(s: &str) -> DbResult<PetitionStatus> {
    s.parse()
        .map_err(|_| DbError::Corrupt(format!("status {s:?}")))
}

fn parse_role(s: &str) -> DbResult<DeviceRole> {
    s.parse()
        .map_err(|_| DbError::Corrupt(format!("device role {s:?}")))
}

fn corrupt(e: serde_json::Error) -> DbError {
    DbError::Corrupt(e.to_string())
}

/// The `kind` column of a feed entry: lets a pull filter without parsing bodies.
fn feed_kind(body: &ChangeBody) -> DbResult<&'static str> {
    Ok(match body {
        ChangeBody::Campaign { .. } => "campaign",
        ChangeBody::PetitionStatus { .. } => "petition_status",
        ChangeBody::DeviceRevoked {} => "device_revoked",
        ChangeBody::Config { .. } => "config",
        ChangeBody::Unknown => {
            return Err(DbError::Corrupt(
                "an unknown change cannot be published".into(),
            ))
        }
    })
}

impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: ColumnIndex<DB::Row> + Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> Uuid: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<Uuid>: Encode<'q, DB>,
    for<'q> DateTime<Utc>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<DateTime<Utc>>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
{
    /// A store over a write pool and a read pool (the same pool if the database needs no
    /// separate readers), with its group committer running.
    pub(crate) fn new(writer: Pool<DB>, reader: Pool<DB>) -> Self {
        let pushes = Self::spawn_committer(writer.clone());
        SqlStore {
            writer,
            reader,
            pushes,
        }
    }

    /// Appends a change to the feed: for one device, or for every device (`None`).
    pub(super) async fn feed_insert(
        tx: &mut Transaction<'static, DB>,
        device_id: Option<Uuid>,
        body: &ChangeBody,
        now: DateTime<Utc>,
    ) -> DbResult<i64> {
        let kind = feed_kind(body)?;
        let json = serde_json::to_string(body).map_err(corrupt)?;
        let seq = sqlx::query(
            "INSERT INTO feed (device_id, kind, body, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING seq",
        )
        .bind(device_id)
        .bind(kind)
        .bind(json)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("seq")?;
        Ok(seq)
    }

    /// A petition's status history, oldest first.
    pub(super) async fn history(
        tx: &mut Transaction<'static, DB>,
        record_id: Uuid,
    ) -> DbResult<Vec<StatusEvent>> {
        let rows = sqlx::query(
            "SELECT status, at, department, note, deadline FROM status_history \
             WHERE record_id = $1 ORDER BY id",
        )
        .bind(record_id)
        .fetch_all(&mut **tx)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StatusEvent {
                    status: parse_status(&r.try_get::<String, _>("status")?)?,
                    at: r.try_get("at")?,
                    department: r.try_get("department")?,
                    note: r.try_get("note")?,
                    deadline: r.try_get("deadline")?,
                })
            })
            .collect()
    }

    /// The receipt view of the petition `row` names (columns `id`, `registration_no`, `status`,
    /// `received_at`), read in the same transaction.
    pub(super) async fn receipt_view(
        tx: &mut Transaction<'static, DB>,
        row: Option<DB::Row>,
    ) -> DbResult<Option<ReceiptView>> {
        let Some(row) = row else { return Ok(None) };
        let id: Uuid = row.try_get("id")?;
        Ok(Some(ReceiptView {
            registration_no: row.try_get("registration_no")?,
            status: parse_status(&row.try_get::<String, _>("status")?)?,
            received_at: row.try_get("received_at")?,
            history: Self::history(tx, id).await?,
        }))
    }

    fn device_from_row(row: &DB::Row) -> DbResult<Device> {
        Ok(Device {
            id: row.try_get("id")?,
            role: parse_role(&row.try_get::<String, _>("role")?)?,
            township: row.try_get("township")?,
            revoked_at: row.try_get("revoked_at")?,
        })
    }
}

#[async_trait]
impl<DB> DeviceRepo for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: ColumnIndex<DB::Row> + Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> Uuid: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<Uuid>: Encode<'q, DB>,
    for<'q> DateTime<Utc>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<DateTime<Utc>>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
{
    async fn create_enrollment(
        &self,
        code_hash: &str,
        role: DeviceRole,
        township: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> DbResult<()> {
        let mut tx = DB::begin_write(&self.writer).await?;
        sqlx::query(
            "INSERT INTO enrollment_codes (code_hash, role, township, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(code_hash)
        .bind(role.as_str())
        .bind(township)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn enroll(
        &self,
        code_hash: &str,
        device_id: Uuid,
        token_hash: &str,
        label: &str,
        now: DateTime<Utc>,
    ) -> DbResult<Result<Device, EnrollRefusal>> {
        let mut tx = DB::begin_write(&self.writer).await?;
        let row = sqlx::query(
            "SELECT role, township, expires_at, used_at FROM enrollment_codes \
             WHERE code_hash = $1",
        )
        .bind(code_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let code = row
            .map(|row| -> DbResult<StoredCode> {
                Ok(StoredCode {
                    role: parse_role(&row.try_get::<String, _>("role")?)?,
                    township: row.try_get("township")?,
                    expires_at: row.try_get("expires_at")?,
                    used_at: row.try_get("used_at")?,
                })
            })
            .transpose()?;
        if let Err(refusal) = enrollment::judge(code.as_ref(), now) {
            return Ok(Err(refusal));
        }
        let code = code.expect("judged to exist");
        sqlx::query(
            "UPDATE enrollment_codes SET used_at = $2, device_id = $3 WHERE code_hash = $1",
        )
        .bind(code_hash)
        .bind(now)
        .bind(device_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO devices (id, token_hash, role, township, label, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(device_id)
        .bind(token_hash)
        .bind(code.role.as_str())
        .bind(&code.township)
        .bind(label)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(Device {
            id: device_id,
            role: code.role,
            township: code.township,
            revoked_at: None,
        }))
    }

    async fn device_by_token(&self, token_hash: &str) -> DbResult<Option<Device>> {
        let row =
            sqlx::query("SELECT id, role, township, revoked_at FROM devices WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.reader)
                .await?;
        row.as_ref().map(Self::device_from_row).transpose()
    }

    async fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> DbResult<bool> {
        let mut tx = DB::begin_write(&self.writer).await?;
        let result =
            sqlx::query("UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(device_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        let revoked = DB::rows_affected(&result) == 1;
        if revoked {
            Self::feed_insert(&mut tx, Some(device_id), &ChangeBody::DeviceRevoked {}, now).await?;
        }
        tx.commit().await?;
        Ok(revoked)
    }

    async fn is_fresh(&self) -> DbResult<bool> {
        let n: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM devices) + (SELECT COUNT(*) FROM enrollment_codes) AS n",
        )
        .fetch_one(&self.reader)
        .await?
        .try_get("n")?;
        Ok(n == 0)
    }
}

#[async_trait]
impl<DB> FeedRepo for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: ColumnIndex<DB::Row> + Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> Uuid: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<Uuid>: Encode<'q, DB>,
    for<'q> DateTime<Utc>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<DateTime<Utc>>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
{
    async fn pull(
        &self,
        device: &Device,
        cursor: i64,
        limit: i64,
    ) -> DbResult<(Vec<Change>, bool)> {
        let rows = if device.revoked_at.is_some() {
            // A revoked device learns only that it was revoked.
            sqlx::query(
                "SELECT seq, body FROM feed WHERE device_id = $1 AND kind = 'device_revoked' \
                 AND seq > $2 ORDER BY seq LIMIT 1",
            )
            .bind(device.id)
            .bind(cursor)
            .fetch_all(&self.reader)
            .await?
        } else {
            // Kiosks never receive petition statuses, not even of what they pushed.
            sqlx::query(
                "SELECT seq, body FROM feed WHERE seq > $1 \
                 AND (device_id IS NULL OR device_id = $2) \
                 AND ($3 OR kind <> 'petition_status') ORDER BY seq LIMIT $4",
            )
            .bind(cursor)
            .bind(device.id)
            .bind(device.role == DeviceRole::Field)
            .bind(limit + 1)
            .fetch_all(&self.reader)
            .await?
        };
        let more = rows.len() as i64 > limit;
        let changes = rows
            .iter()
            .take(limit as usize)
            .map(|r| {
                let body: String = r.try_get("body")?;
                Ok(Change {
                    seq: r.try_get("seq")?,
                    body: serde_json::from_str(&body).map_err(corrupt)?,
                })
            })
            .collect::<DbResult<Vec<_>>>()?;
        Ok((changes, more))
    }

    async fn newest_config(&self) -> DbResult<Option<DeviceConfig>> {
        let row = sqlx::query("SELECT body FROM device_configs ORDER BY version DESC LIMIT 1")
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| {
            let body: String = r.try_get("body")?;
            serde_json::from_str(&body).map_err(corrupt)
        })
        .transpose()
    }

    async fn publish_config(&self, config: &DeviceConfig, now: DateTime<Utc>) -> DbResult<i64> {
        let mut tx = DB::begin_write(&self.writer).await?;
        let body = serde_json::to_string(config).map_err(corrupt)?;
        sqlx::query("INSERT INTO device_configs (version, body, created_at) VALUES ($1, $2, $3)")
            .bind(config.version)
            .bind(body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let change = ChangeBody::Config {
            config: config.clone(),
        };
        let seq = Self::feed_insert(&mut tx, None, &change, now).await?;
        tx.commit().await?;
        Ok(seq)
    }
}

#[async_trait]
impl<DB> CampaignRepo for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: ColumnIndex<DB::Row> + Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> Uuid: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<Uuid>: Encode<'q, DB>,
    for<'q> DateTime<Utc>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<DateTime<Utc>>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
{
    async fn import_campaign(
        &self,
        definition_json: &str,
        public: &Campaign,
        now: DateTime<Utc>,
    ) -> DbResult<i64> {
        let mut tx = DB::begin_write(&self.writer).await?;
        let public_json = serde_json::to_string(public).map_err(corrupt)?;
        sqlx::query(
            "INSERT INTO campaigns (id, definition, public, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, \
             public = excluded.public, updated_at = excluded.updated_at",
        )
        .bind(&public.id)
        .bind(definition_json)
        .bind(public_json)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let change = ChangeBody::Campaign {
            campaign: public.clone(),
        };
        let seq = Self::feed_insert(&mut tx, None, &change, now).await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn campaign(&self, id: &str) -> DbResult<Option<Campaign>> {
        let row = sqlx::query("SELECT public FROM campaigns WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| {
            let public: String = r.try_get("public")?;
            serde_json::from_str(&public).map_err(corrupt)
        })
        .transpose()
    }
}
