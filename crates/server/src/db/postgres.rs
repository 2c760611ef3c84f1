//! PostgreSQL: a connection pool; every write transaction first takes one transaction-scoped
//! advisory lock, so writers are serialized exactly as with SQLite. That keeps the per-year
//! registration counter gap-free, makes feed sequence numbers (identity values, handed out before
//! commit) become visible in order, and lets a concurrently repeated push find the first copy
//! instead of deadlocking on it. Reads do not take the lock.

use sqlx::postgres::{PgPoolOptions, PgQueryResult};
use sqlx::{Pool, Postgres, Transaction};

use super::sql::{Backend, SqlStore};
use super::DbResult;

/// Arbitrary but fixed key of the writers' advisory lock ("LXWR").
const WRITE_LOCK: i64 = 0x4c58_5752;

impl Backend for Postgres {
    /// A failed statement aborts a whole PostgreSQL transaction, so each record stored on its
    /// own gets a savepoint that a failure (e.g. a query-code collision) rolls back to.
    const SAVEPOINT_PER_RECORD: bool = true;

    async fn begin_write(pool: &Pool<Self>) -> Result<Transaction<'static, Self>, sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    /// `$n`: PostgreSQL numbers its parameters.
    fn placeholder(sql: &mut String, n: usize) {
        use std::fmt::Write;
        let _ = write!(sql, "${n}");
    }
}

/// Connects to `postgres://…` and migrates.
pub(crate) async fn open(url: &str) -> DbResult<SqlStore<Postgres>> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect(url)
        .await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(SqlStore::new(pool.clone(), pool))
}
