//! SQLite: a file in WAL mode, created if missing, with one writer connection and a small pool of
//! readers. SQLite allows one writer at a time anyway; doing the queueing in-process avoids
//! `SQLITE_BUSY` and lets a write transaction read its own earlier statements without upgrades.
//!
//! Pushes go through the shared group committer (see `common`): one fsync for all pushes
//! that queued up while the previous commit was being written.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// The SQLite implementation of [`crate::db::Database`].
#[derive(Debug, Clone)]
pub struct SqliteDb {
    writer: SqlitePool,
    readers: SqlitePool,
    pushes: tokio::sync::mpsc::Sender<PushJob>,
}

impl SqliteDb {
    /// Opens `sqlite://path`, creating the file and its directory, and migrates it.
    pub async fn open(url: &str) -> crate::db::DbResult<Self> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit survives power loss, which is what "stored" promises a device.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = Path::new(opts.get_filename()).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| crate::db::DbError::Sqlx(e.into()))?;
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
        let pushes = spawn_group_committer(writer.clone());
        Ok(SqliteDb {
            writer,
            readers,
            pushes,
        })
    }

    /// No savepoint per record: a failed SQLite statement is undone on its own and leaves the
    /// transaction usable, and a record's first write is a single INSERT; if its second write (the
    /// history row) failed, the whole push would be rolled back and nothing acknowledged.
    /// Fewer statements per record is most of the ingest throughput.
    const SAVEPOINTS: bool = false;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        Self::begin_on(&self.writer).await
    }

    async fn begin_on(
        pool: &SqlitePool,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        pool.begin().await
    }

    fn reader(&self) -> &SqlitePool {
        &self.readers
    }
}

crate::db::common::impl_common!(SqliteDb, sqlx::Sqlite);
