//! SQLite: a file in WAL mode, created if missing, with one writer connection and a small pool of
//! readers. SQLite allows one writer at a time anyway; doing the queueing in-process avoids
//! `SQLITE_BUSY` and lets a write transaction read its own earlier statements without upgrades.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};
use sqlx::{Pool, Sqlite, Transaction};

use super::sql::{Backend, SqlStore};
use super::{DbError, DbResult};

impl Backend for Sqlite {
    /// No savepoint per record: a failed SQLite statement is undone on its own and leaves the
    /// transaction usable, and a record's first write is a single INSERT; if a later write of
    /// the record failed, the whole push would be rolled back and nothing acknowledged. Fewer
    /// statements per record is most of the ingest throughput.
    const SAVEPOINT_PER_RECORD: bool = false;

    /// The writer pool has one connection: holding it is being the only writer.
    async fn begin_write(pool: &Pool<Self>) -> Result<Transaction<'static, Self>, sqlx::Error> {
        pool.begin().await
    }

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    /// An anonymous `?`, numbered by position. sqlx binds a numbered `$n` by asking SQLite for
    /// each parameter's name, which SQLite finds by a linear scan of the statement's names: a
    /// statement of 1,300 `$n` parameters (a push of 100 petitions) spent a quarter of the
    /// server's ingest CPU in that lookup alone. Anonymous parameters have no names to scan.
    fn placeholder(sql: &mut String, _n: usize) {
        sql.push('?');
    }
}

/// Opens `sqlite://path`, creating the file and its directory, and migrates it.
pub(crate) async fn open(url: &str) -> DbResult<SqlStore<Sqlite>> {
    let opts = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit survives power loss, which is what "stored" promises a device.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    if let Some(dir) = Path::new(opts.get_filename()).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| DbError::Sqlx(e.into()))?;
        }
    }
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts.clone())
        .await?;
    sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
    let readers = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(opts.read_only(true))
        .await?;
    Ok(SqlStore::new(writer, readers))
}
