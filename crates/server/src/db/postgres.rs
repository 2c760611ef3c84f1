//! PostgreSQL: a connection pool; every write transaction first takes one transaction-scoped
//! advisory lock, so writers are serialized exactly as with SQLite. That keeps the per-year
//! registration counter gap-free, makes feed sequence numbers (identity values, handed out before
//! commit) become visible in order, and lets a concurrently repeated push find the first copy
//! instead of deadlocking on it. Reads do not take the lock.

use sqlx::postgres::{PgPool, PgPoolOptions};

/// Arbitrary but fixed key of the writers' advisory lock ("LXWR").
const WRITE_LOCK: i64 = 0x4c58_5752;

/// The PostgreSQL implementation of [`crate::db::Database`].
#[derive(Debug, Clone)]
pub struct PgDb {
    pool: PgPool,
    pushes: tokio::sync::mpsc::Sender<PushJob>,
}

impl PgDb {
    /// Connects to `postgres://…` and migrates.
    pub async fn open(url: &str) -> crate::db::DbResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let pushes = spawn_group_committer(pool.clone());
        Ok(PgDb { pool, pushes })
    }

    /// A failed statement aborts a whole PostgreSQL transaction, so each record gets a savepoint
    /// that a failure (e.g. a query-code collision) rolls back to.
    const SAVEPOINTS: bool = true;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        Self::begin_on(&self.pool).await
    }

    async fn begin_on(
        pool: &PgPool,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }
}

crate::db::common::impl_common!(PgDb, sqlx::Postgres);
