//! SQLite: a file in WAL mode, created if missing, with one writer connection and a small pool of
//! readers. SQLite allows one writer at a time anyway; doing the queueing in-process avoids
//! `SQLITE_BUSY` and lets a write transaction read its own earlier statements without upgrades.
//!
//! Pushes go through a group committer: pushes that arrive while another one is being written
//! are written together in one transaction, each inside its own savepoint, and committed with one
//! fsync. Each push still succeeds or fails on its own, and nobody hears "stored" before the
//! commit that made their records durable. With synchronous=FULL the fsync is most of a commit's
//! cost, so this is what keeps batch latency low when ten clients push at once.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// The SQLite implementation of [`crate::db::Database`].
#[derive(Debug, Clone)]
pub struct SqliteDb {
    writer: SqlitePool,
    readers: SqlitePool,
    pushes: mpsc::Sender<PushJob>,
}

/// One push waiting for the group committer.
struct PushJob {
    device: Device,
    items: Vec<PushItem>,
    ctx: PushContext,
    reply: oneshot::Sender<DbResult<Vec<PushResult>>>,
}

impl std::fmt::Debug for PushJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushJob")
            .field("records", &self.items.len())
            .finish()
    }
}

/// At most this many pushes share one commit (bounds the latency of the first one).
const MAX_GROUP: usize = 16;

async fn group_committer(writer: SqlitePool, mut jobs: mpsc::Receiver<PushJob>) {
    while let Some(first) = jobs.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let mut done: Vec<(oneshot::Sender<_>, Vec<PushResult>)> = Vec::with_capacity(group.len());
        let outcome: DbResult<()> = async {
            let mut tx = writer.begin().await?;
            for job in group.drain(..) {
                sqlx::query("SAVEPOINT push").execute(&mut *tx).await?;
                match push_in_tx(&mut tx, &job.device, job.items, &job.ctx).await {
                    Ok(results) => {
                        sqlx::query("RELEASE SAVEPOINT push")
                            .execute(&mut *tx)
                            .await?;
                        done.push((job.reply, results));
                    }
                    Err(e) => {
                        // This push alone is undone; the others of the group go on.
                        sqlx::query("ROLLBACK TO SAVEPOINT push")
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("RELEASE SAVEPOINT push")
                            .execute(&mut *tx)
                            .await?;
                        let _ = job.reply.send(Err(e));
                    }
                }
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        match outcome {
            // Only now, after the commit, is anyone told "stored".
            Ok(()) => {
                for (reply, results) in done {
                    let _ = reply.send(Ok(results));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "group commit failed");
                for (reply, _) in done {
                    let _ = reply.send(Err(DbError::Corrupt(format!("commit failed: {e}"))));
                }
                // Jobs not yet reached were dropped with `group`; their callers get an error.
            }
        }
    }
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
        let (pushes, jobs) = mpsc::channel(256);
        tokio::spawn(group_committer(writer.clone(), jobs));
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
        self.writer.begin().await
    }

    fn reader(&self) -> &SqlitePool {
        &self.readers
    }

    async fn run_push(
        &self,
        device: Device,
        items: Vec<PushItem>,
        ctx: PushContext,
    ) -> DbResult<Vec<PushResult>> {
        let (reply, answer) = oneshot::channel();
        let gone = || DbError::Corrupt("the SQLite writer stopped".into());
        self.pushes
            .send(PushJob {
                device,
                items,
                ctx,
                reply,
            })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

crate::db::common::impl_common!(SqliteDb, sqlx::Sqlite);
