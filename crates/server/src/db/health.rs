//! What `/healthz` asks of the storage: one round trip to the database (no table is read, so the
//! answer takes as long with a million records as with none), and whether the push writer is
//! still running (a look at its queue, no round trip at all).

use async_trait::async_trait;

use super::sql::{Backend, SqlStore};
use super::{DbResult, HealthRepo};

#[async_trait]
impl<DB: Backend> HealthRepo for SqlStore<DB> {
    async fn ping(&self) -> DbResult<()> {
        sqlx::query("SELECT 1")
            .execute(DB::on_pool(&self.reader))
            .await?;
        Ok(())
    }

    fn writer_running(&self) -> bool {
        // The group committer holds the queue's receiving end; it is dropped when the task ends,
        // however it ends (a panic included).
        !self.pushes.is_closed()
    }
}
