//! The SQL of every repository, written once for both databases.
//!
//! sqlx binds `$1`-style parameters on SQLite and PostgreSQL alike, and every statement here
//! means the same on both, so the code is generic over the database: [`SqlStore<DB>`] implements
//! the repositories for any `DB` that is a [`Backend`]. What sqlx must be able to do on the
//! database for that (run a query on a connection or a pool, bind and read the Rust types used
//! here) is stated once, as supertraits of [`Backend`]; the SQL binds with [`Arg::arg`], reads
//! with [`Backend::get`] and runs on [`Runs::on`] / [`Runs::on_pool`]. What differs between the
//! databases is in the [`Backend`] impls.

use std::future::Future;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lianxin_core::protocol::{
    Change, ChangeBody, DeviceConfig, DeviceRole, ReceiptView, StatusEvent,
};
use lianxin_core::status::PetitionStatus;
use sqlx::query::Query;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Row, Transaction, Type};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::records::PushJob;
use super::{DbError, DbResult, Device, DeviceInfo, DeviceRepo, FeedRepo};
use crate::service::enrollment::{self, EnrollRefusal, StoredCode};

/// What the shared SQL needs to know about a database beyond what sqlx abstracts, and — as
/// supertraits — what sqlx must be able to do on it: run queries, bind every parameter type and
/// read every column type the SQL uses. Those hold for SQLite and PostgreSQL by the blanket
/// impls below, so an impl of this trait states only what differs.
pub(crate) trait Backend:
    sqlx::Database<Arguments: IntoArguments<Self>>
    + Runs
    + for<'q> Binds<'q, &'q str>
    + for<'q> Binds<'q, Option<&'q str>>
    + for<'q> Binds<'q, String>
    + for<'q> Binds<'q, Uuid>
    + for<'q> Binds<'q, Option<Uuid>>
    + for<'q> Binds<'q, DateTime<Utc>>
    + for<'q> Binds<'q, Option<DateTime<Utc>>>
    + for<'q> Binds<'q, i64>
    + for<'q> Binds<'q, bool>
    + for<'q> Binds<'q, Option<i64>>
    + for<'q> Binds<'q, Option<bool>>
    + Reads<String>
    + Reads<Option<String>>
    + Reads<Uuid>
    + Reads<DateTime<Utc>>
    + Reads<Option<DateTime<Utc>>>
    + Reads<i64>
    + Reads<Option<i64>>
    + Reads<Option<bool>>
{
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

    /// Appends the placeholder of parameter `n` (from 1) to generated SQL (the multi-row
    /// statements of a push, whose parameters run into the thousands).
    fn placeholder(sql: &mut String, n: usize);

    /// The value of a column of a row: `DB::get(&row, "id")`.
    fn get<T>(row: &Self::Row, column: &str) -> Result<T, sqlx::Error>
    where
        Self: Reads<T>,
    {
        <Self as Reads<T>>::read(row, column)
    }
}

/// sqlx runs queries on a connection of this database and on a pool of them.
pub(crate) trait Runs: sqlx::Database {
    /// A connection (or a transaction, through `Deref`) as what sqlx runs a query on.
    fn on<'c>(conn: &'c mut Self::Connection) -> impl Executor<'c, Database = Self> + 'c;

    /// A pool as what sqlx runs a query on.
    fn on_pool<'p>(pool: &'p Pool<Self>) -> impl Executor<'p, Database = Self> + 'p;
}

impl<DB> Runs for DB
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    fn on<'c>(conn: &'c mut DB::Connection) -> impl Executor<'c, Database = DB> + 'c {
        conn
    }

    fn on_pool<'p>(pool: &'p Pool<DB>) -> impl Executor<'p, Database = DB> + 'p {
        pool
    }
}

/// sqlx binds a `T` as a parameter of a query (of lifetime `'q`) on this database.
pub(crate) trait Binds<'q, T>: sqlx::Database {
    /// `query` with `value` bound as its next parameter.
    fn bind_arg(
        query: Query<'q, Self, Self::Arguments>,
        value: T,
    ) -> Query<'q, Self, Self::Arguments>;
}

impl<'q, DB, T> Binds<'q, T> for DB
where
    DB: sqlx::Database,
    T: Encode<'q, DB> + Type<DB>,
{
    fn bind_arg(query: Query<'q, DB, DB::Arguments>, value: T) -> Query<'q, DB, DB::Arguments> {
        query.bind(value)
    }
}

/// sqlx reads a column, by name, as a `T` on this database.
pub(crate) trait Reads<T>: sqlx::Database {
    /// The value of `column` in `row`.
    fn read(row: &Self::Row, column: &str) -> Result<T, sqlx::Error>;
}

impl<DB, T> Reads<T> for DB
where
    DB: sqlx::Database,
    T: for<'r> Decode<'r, DB> + Type<DB>,
    for<'c> &'c str: ColumnIndex<DB::Row>,
{
    fn read(row: &DB::Row, column: &str) -> Result<T, sqlx::Error> {
        row.try_get(column)
    }
}

/// `.arg(value)`: binds a parameter through [`Binds`], which every [`Backend`] has for the types
/// the SQL uses (sqlx's own `.bind` would need that proven again at each use).
pub(crate) trait Arg<'q, DB: sqlx::Database> {
    /// The query with `value` bound as its next parameter.
    fn arg<T>(self, value: T) -> Self
    where
        DB: Binds<'q, T>;
}

impl<'q, DB: sqlx::Database> Arg<'q, DB> for Query<'q, DB, DB::Arguments> {
    fn arg<T>(self, value: T) -> Self
    where
        DB: Binds<'q, T>,
    {
        DB::bind_arg(self, value)
    }
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

impl<DB: Backend> SqlStore<DB> {
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
        let row = sqlx::query(
            "INSERT INTO feed (device_id, kind, body, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING seq",
        )
        .arg(device_id)
        .arg(kind)
        .arg(json)
        .arg(now)
        .fetch_one(DB::on(tx))
        .await?;
        Ok(DB::get(&row, "seq")?)
    }

    /// A petition's status history, oldest first.
    pub(super) async fn history(
        tx: &mut Transaction<'static, DB>,
        record_id: Uuid,
    ) -> DbResult<Vec<StatusEvent>> {
        let rows = sqlx::query(
            "SELECT status, at, department, note, deadline, extension_days FROM status_history \
             WHERE record_id = $1 ORDER BY id",
        )
        .arg(record_id)
        .fetch_all(DB::on(tx))
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StatusEvent {
                    status: parse_status(&DB::get::<String>(r, "status")?)?,
                    at: DB::get(r, "at")?,
                    department: DB::get(r, "department")?,
                    note: DB::get(r, "note")?,
                    deadline: DB::get(r, "deadline")?,
                    extension_days: DB::get::<Option<i64>>(r, "extension_days")?
                        .map(u32::try_from)
                        .transpose()
                        .map_err(|e| DbError::Corrupt(e.to_string()))?,
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
        let id: Uuid = DB::get(&row, "id")?;
        Ok(Some(ReceiptView {
            registration_no: DB::get(&row, "registration_no")?,
            status: parse_status(&DB::get::<String>(&row, "status")?)?,
            received_at: DB::get(&row, "received_at")?,
            history: Self::history(tx, id).await?,
        }))
    }

    fn device_from_row(row: &DB::Row) -> DbResult<Device> {
        Ok(Device {
            id: DB::get(row, "id")?,
            role: parse_role(&DB::get::<String>(row, "role")?)?,
            township: DB::get(row, "township")?,
            revoked_at: DB::get(row, "revoked_at")?,
        })
    }
}

#[async_trait]
impl<DB: Backend> DeviceRepo for SqlStore<DB> {
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
        .arg(code_hash)
        .arg(role.as_str())
        .arg(township)
        .arg(now)
        .arg(expires_at)
        .execute(DB::on(&mut tx))
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
        .arg(code_hash)
        .fetch_optional(DB::on(&mut tx))
        .await?;
        let code = row
            .map(|row| -> DbResult<StoredCode> {
                Ok(StoredCode {
                    role: parse_role(&DB::get::<String>(&row, "role")?)?,
                    township: DB::get(&row, "township")?,
                    expires_at: DB::get(&row, "expires_at")?,
                    used_at: DB::get(&row, "used_at")?,
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
        .arg(code_hash)
        .arg(now)
        .arg(device_id)
        .execute(DB::on(&mut tx))
        .await?;
        sqlx::query(
            "INSERT INTO devices (id, token_hash, role, township, label, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .arg(device_id)
        .arg(token_hash)
        .arg(code.role.as_str())
        .arg(code.township.as_str())
        .arg(label)
        .arg(now)
        .execute(DB::on(&mut tx))
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
                .arg(token_hash)
                .fetch_optional(DB::on_pool(&self.reader))
                .await?;
        row.as_ref().map(Self::device_from_row).transpose()
    }

    async fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> DbResult<bool> {
        let mut tx = DB::begin_write(&self.writer).await?;
        let result =
            sqlx::query("UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .arg(device_id)
                .arg(now)
                .execute(DB::on(&mut tx))
                .await?;
        let revoked = DB::rows_affected(&result) == 1;
        if revoked {
            Self::feed_insert(&mut tx, Some(device_id), &ChangeBody::DeviceRevoked {}, now).await?;
        }
        tx.commit().await?;
        Ok(revoked)
    }

    async fn is_fresh(&self) -> DbResult<bool> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM devices) + (SELECT COUNT(*) FROM enrollment_codes) AS n",
        )
        .fetch_one(DB::on_pool(&self.reader))
        .await?;
        Ok(DB::get::<i64>(&row, "n")? == 0)
    }

    async fn enrollment_code(&self, code_hash: &str) -> DbResult<Option<StoredCode>> {
        let row = sqlx::query(
            "SELECT role, township, expires_at, used_at FROM enrollment_codes \
             WHERE code_hash = $1",
        )
        .arg(code_hash)
        .fetch_optional(DB::on_pool(&self.reader))
        .await?;
        row.map(|row| -> DbResult<StoredCode> {
            Ok(StoredCode {
                role: parse_role(&DB::get::<String>(&row, "role")?)?,
                township: DB::get(&row, "township")?,
                expires_at: DB::get(&row, "expires_at")?,
                used_at: DB::get(&row, "used_at")?,
            })
        })
        .transpose()
    }

    async fn device_list(&self) -> DbResult<Vec<DeviceInfo>> {
        let rows = sqlx::query(
            "SELECT id, label, role, township, created_at, revoked_at FROM devices \
             ORDER BY created_at, id",
        )
        .fetch_all(DB::on_pool(&self.reader))
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeviceInfo {
                    id: DB::get(row, "id")?,
                    label: DB::get(row, "label")?,
                    role: parse_role(&DB::get::<String>(row, "role")?)?,
                    township: DB::get(row, "township")?,
                    created_at: DB::get(row, "created_at")?,
                    revoked_at: DB::get(row, "revoked_at")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl<DB: Backend> FeedRepo for SqlStore<DB> {
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
            .arg(device.id)
            .arg(cursor)
            .fetch_all(DB::on_pool(&self.reader))
            .await?
        } else {
            // Kiosks never receive petition statuses, not even of what they pushed.
            sqlx::query(
                "SELECT seq, body FROM feed WHERE seq > $1 \
                 AND (device_id IS NULL OR device_id = $2) \
                 AND ($3 OR kind <> 'petition_status') ORDER BY seq LIMIT $4",
            )
            .arg(cursor)
            .arg(device.id)
            .arg(device.role == DeviceRole::Field)
            .arg(limit + 1)
            .fetch_all(DB::on_pool(&self.reader))
            .await?
        };
        let more = rows.len() as i64 > limit;
        let changes = rows
            .iter()
            .take(limit as usize)
            .map(|r| {
                let body: String = DB::get(r, "body")?;
                Ok(Change {
                    seq: DB::get(r, "seq")?,
                    body: serde_json::from_str(&body).map_err(corrupt)?,
                })
            })
            .collect::<DbResult<Vec<_>>>()?;
        Ok((changes, more))
    }

    async fn newest_config(&self) -> DbResult<Option<DeviceConfig>> {
        let row = sqlx::query("SELECT body FROM device_configs ORDER BY version DESC LIMIT 1")
            .fetch_optional(DB::on_pool(&self.reader))
            .await?;
        row.map(|r| {
            let body: String = DB::get(&r, "body")?;
            serde_json::from_str(&body).map_err(corrupt)
        })
        .transpose()
    }

    async fn publish_config(&self, config: &DeviceConfig, now: DateTime<Utc>) -> DbResult<i64> {
        let mut tx = DB::begin_write(&self.writer).await?;
        let body = serde_json::to_string(config).map_err(corrupt)?;
        sqlx::query("INSERT INTO device_configs (version, body, created_at) VALUES ($1, $2, $3)")
            .arg(config.version)
            .arg(body)
            .arg(now)
            .execute(DB::on(&mut tx))
            .await?;
        let change = ChangeBody::Config {
            config: config.clone(),
        };
        let seq = Self::feed_insert(&mut tx, None, &change, now).await?;
        tx.commit().await?;
        Ok(seq)
    }
}
