//! Records: the push path and petitions' receipts and statuses.
//!
//! Pushes go through a group committer: pushes that arrive while another one is being written
//! are written together in one transaction, each inside its own savepoint, and committed once.
//! Each push still succeeds or fails on its own, and nobody hears "stored" before the commit that
//! made their records durable. The commit's fsync is most of its cost, so this is what keeps
//! batch latency low when many devices push at once. The committer is the only writer of its
//! transaction ([`Backend::begin_write`]), which is what keeps registration numbers gap-free.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use lianxin_core::protocol::{ChangeBody, PushResult, Receipt, ReceiptView, StatusEvent};
use sqlx::{Pool, Transaction};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::sql::{is_unique_violation, parse_status, Arg, Backend, SqlStore};
use super::{DbError, DbResult, Device, PetitionRef, RecordRepo};
use crate::service::numbering::{new_query_code, Counter, Counters};
use crate::service::push::{
    judge_repush, stored, NewRecord, PreparedRecord, PushContext, PushItem, PushPlan, StoredRecord,
};
use crate::service::status::{self, ExtendError, Extension, SetStatusError, StatusChange};

/// One push waiting for the group committer.
pub(super) struct PushJob {
    device: Device,
    items: Vec<PushItem>,
    ctx: PushContext,
    reply: oneshot::Sender<DbResult<Vec<PushResult>>>,
}

/// At most this many pushes share one commit (bounds the latency of the first one).
const MAX_GROUP: usize = 16;

/// Rows per multi-row statement: 500 × [`RECORD_PARAMS`] = 8,000 parameters stays far below both
/// databases' limits (SQLite 32,766, PostgreSQL 65,535).
const ROWS_PER_STATEMENT: usize = 500;

/// Parameters of one row of `records` (see `insert_records`).
const RECORD_PARAMS: usize = 16;

/// The placeholders of `rows` rows of `per_row` parameters each, numbered from 1, as a
/// multi-row `VALUES` list (or, for one row, an `IN` list): `($1, $2), ($3, $4)` — in the form
/// the database binds fastest ([`Backend::placeholder`]).
fn values<DB: Backend>(rows: usize, per_row: usize) -> String {
    let mut sql = String::with_capacity(rows * (per_row * 7 + 4));
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for col in 0..per_row {
            if col > 0 {
                sql.push_str(", ");
            }
            DB::placeholder(&mut sql, row * per_row + col + 1);
        }
        sql.push(')');
    }
    sql
}

type Tx<DB> = Transaction<'static, DB>;

impl<DB: Backend> SqlStore<DB> {
    pub(super) fn spawn_committer(writer: Pool<DB>) -> mpsc::Sender<PushJob> {
        let (pushes, jobs) = mpsc::channel(256);
        tokio::spawn(Self::group_committer(writer, jobs));
        pushes
    }

    async fn run_push(
        &self,
        device: Device,
        items: Vec<PushItem>,
        ctx: PushContext,
    ) -> DbResult<Vec<PushResult>> {
        let (reply, answer) = oneshot::channel();
        let gone = || DbError::Corrupt("the push writer stopped".into());
        let job = PushJob {
            device,
            items,
            ctx,
            reply,
        };
        self.pushes.send(job).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    async fn group_committer(writer: Pool<DB>, mut jobs: mpsc::Receiver<PushJob>) {
        while let Some(first) = jobs.recv().await {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match jobs.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            let mut done = Vec::with_capacity(group.len());
            let outcome: DbResult<()> = async {
                let mut tx = DB::begin_write(&writer).await?;
                for job in group.drain(..) {
                    sqlx::query("SAVEPOINT push")
                        .execute(DB::on(&mut tx))
                        .await?;
                    match Self::push_in_tx(&mut tx, &job.device, job.items, &job.ctx).await {
                        Ok(results) => {
                            sqlx::query("RELEASE SAVEPOINT push")
                                .execute(DB::on(&mut tx))
                                .await?;
                            done.push((job.reply, results));
                        }
                        Err(e) => {
                            // This push alone is undone; the others of the group go on.
                            sqlx::query("ROLLBACK TO SAVEPOINT push")
                                .execute(DB::on(&mut tx))
                                .await?;
                            sqlx::query("RELEASE SAVEPOINT push")
                                .execute(DB::on(&mut tx))
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

    /// A push's writes inside a transaction the caller commits.
    ///
    /// The fast path costs a handful of statements per push rather than several per record
    /// (each statement is a round trip to the database): one lookup of all ids, then one
    /// multi-row insert per table of the new records, inside a savepoint. If that fails on a
    /// unique constraint (a query-code collision), the savepoint is undone and the records go one
    /// by one through [`Self::store_one`].
    async fn push_in_tx(
        tx: &mut Tx<DB>,
        device: &Device,
        items: Vec<PushItem>,
        ctx: &PushContext,
    ) -> DbResult<Vec<PushResult>> {
        let mut counters = Self::load_counters(tx, &items).await?;
        let ids: Vec<Uuid> = items
            .iter()
            .filter_map(|i| match i {
                PushItem::Store(r) => Some(r.id),
                PushItem::Done(_) => None,
            })
            .collect();
        let known = Self::existing_records(tx, &ids).await?;
        let plan = PushPlan::new(device.id, items, known, &mut counters, ctx);

        let results = if plan.fresh.is_empty() {
            plan.written()
        } else {
            sqlx::query("SAVEPOINT bulk").execute(DB::on(tx)).await?;
            match Self::bulk_insert(tx, device, &plan.fresh).await {
                Ok(()) => {
                    sqlx::query("RELEASE SAVEPOINT bulk")
                        .execute(DB::on(tx))
                        .await?;
                    plan.written()
                }
                Err(e) => {
                    sqlx::query("ROLLBACK TO SAVEPOINT bulk")
                        .execute(DB::on(tx))
                        .await?;
                    sqlx::query("RELEASE SAVEPOINT bulk")
                        .execute(DB::on(tx))
                        .await?;
                    if !is_unique_violation(&e) {
                        return Err(e.into());
                    }
                    // Numbered again, one by one, in the same order: still gap-free.
                    counters.rewind();
                    let PushPlan {
                        mut results,
                        fresh,
                        late,
                    } = plan;
                    for new in fresh {
                        let r =
                            Self::store_one(tx, device, &new.record, ctx, &mut counters).await?;
                        results[new.slot] = Some(r);
                    }
                    for (slot, rec) in late {
                        let r = Self::store_one(tx, device, &rec, ctx, &mut counters).await?;
                        results[slot] = Some(r);
                    }
                    results
                        .into_iter()
                        .map(|r| r.expect("every slot decided"))
                        .collect()
                }
            }
        };
        Self::save_counters(tx, &counters).await?;
        Ok(results)
    }

    /// The registration counters of the years the push's petitions were received in, each
    /// created at 0 if the year is new.
    async fn load_counters(tx: &mut Tx<DB>, items: &[PushItem]) -> DbResult<Counters> {
        let years: BTreeSet<i64> = items
            .iter()
            .filter_map(PushItem::registration_year)
            .collect();
        let mut read = Vec::with_capacity(years.len());
        for year in years {
            sqlx::query(
                "INSERT INTO registration_counters (year, last) VALUES ($1, 0) \
                 ON CONFLICT (year) DO NOTHING",
            )
            .arg(year)
            .execute(DB::on(tx))
            .await?;
            let row = sqlx::query("SELECT last FROM registration_counters WHERE year = $1")
                .arg(year)
                .fetch_one(DB::on(tx))
                .await?;
            read.push(Counter::new(year, DB::get(&row, "last")?));
        }
        Ok(Counters::new(read))
    }

    async fn save_counters(tx: &mut Tx<DB>, counters: &Counters) -> DbResult<()> {
        for counter in counters.moved() {
            sqlx::query("UPDATE registration_counters SET last = $2 WHERE year = $1")
                .arg(counter.year)
                .arg(counter.last)
                .execute(DB::on(tx))
                .await?;
        }
        Ok(())
    }

    fn stored_from_row(row: &DB::Row) -> DbResult<StoredRecord> {
        Ok(StoredRecord {
            device_id: DB::get(row, "device_id")?,
            kind: DB::get(row, "kind")?,
            payload: DB::get(row, "payload")?,
            receipt: Receipt {
                registration_no: DB::get(row, "registration_no")?,
                query_code: DB::get(row, "query_code")?,
                received_at: DB::get(row, "received_at")?,
            },
        })
    }

    /// What is stored under each of `ids` that exists.
    async fn existing_records(
        tx: &mut Tx<DB>,
        ids: &[Uuid],
    ) -> DbResult<HashMap<Uuid, StoredRecord>> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            // Only generated placeholders go into the SQL text; every value is bound.
            let sql = format!(
                "SELECT id, device_id, kind, payload, received_at, registration_no, query_code \
                 FROM records WHERE id IN {}",
                values::<DB>(1, chunk.len())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.arg(*id);
            }
            for row in q.fetch_all(DB::on(tx)).await? {
                found.insert(DB::get(&row, "id")?, Self::stored_from_row(&row)?);
            }
        }
        Ok(found)
    }

    async fn stored_record(tx: &mut Tx<DB>, id: Uuid) -> DbResult<Option<StoredRecord>> {
        let row = sqlx::query(
            "SELECT device_id, kind, payload, received_at, registration_no, query_code \
             FROM records WHERE id = $1",
        )
        .arg(id)
        .fetch_optional(DB::on(tx))
        .await?;
        row.as_ref().map(Self::stored_from_row).transpose()
    }

    /// Inserts one record unless its id exists (false then): its row, with a petition's query
    /// columns, and a petition's first history entry.
    async fn insert_one(
        tx: &mut Tx<DB>,
        device: &Device,
        rec: &PreparedRecord,
        receipt: &Receipt,
    ) -> Result<bool, sqlx::Error> {
        let registered = rec
            .petition
            .as_ref()
            .map(|p| status::registered(p.received_at));
        let row = [(rec, receipt, registered.as_ref())];
        if Self::insert_records(tx, device, &row, "ON CONFLICT (id) DO NOTHING").await? == 0 {
            return Ok(false);
        }
        if let Some(event) = &registered {
            Self::insert_history(tx, &[(rec.id, event)]).await?;
        }
        if let Some(facts) = &rec.quiz {
            Self::insert_quiz_facts(tx, &[(rec.id, facts)]).await?;
        }
        Ok(true)
    }

    /// Stores one record on its own, numbering it from `counters` if it is stored.
    async fn store_one(
        tx: &mut Tx<DB>,
        device: &Device,
        rec: &PreparedRecord,
        ctx: &PushContext,
        counters: &mut Counters,
    ) -> DbResult<PushResult> {
        let year = rec.registration_year();
        // A query code collision (one in 2^60 per pair) is retried with a fresh code.
        for _attempt in 0..3 {
            let receipt = Receipt {
                registration_no: year.map(|y| counters.peek(&ctx.prefix, y)),
                query_code: year.map(|_| new_query_code()),
                received_at: ctx.now,
            };
            if DB::SAVEPOINT_PER_RECORD {
                sqlx::query("SAVEPOINT record").execute(DB::on(tx)).await?;
            }
            let result = Self::insert_one(tx, device, rec, &receipt).await;
            if DB::SAVEPOINT_PER_RECORD {
                if result.is_err() {
                    sqlx::query("ROLLBACK TO SAVEPOINT record")
                        .execute(DB::on(tx))
                        .await?;
                }
                sqlx::query("RELEASE SAVEPOINT record")
                    .execute(DB::on(tx))
                    .await?;
            }
            match result {
                Ok(true) => {
                    if let Some(y) = year {
                        counters.take(&ctx.prefix, y);
                    }
                    return Ok(stored(rec.id, receipt));
                }
                Ok(false) => {
                    let existing = Self::stored_record(tx, rec.id)
                        .await?
                        .ok_or_else(|| DbError::Corrupt(format!("record {} vanished", rec.id)))?;
                    return Ok(judge_repush(rec, device.id, &existing));
                }
                Err(e) if is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DbError::Corrupt(format!(
            "record {} kept colliding",
            rec.id
        )))
    }

    /// Inserts new records, already numbered, in multi-row statements: one for the records
    /// (petitions with their query columns), one for the petitions' first history entries.
    async fn bulk_insert(
        tx: &mut Tx<DB>,
        device: &Device,
        fresh: &[NewRecord],
    ) -> Result<(), sqlx::Error> {
        for chunk in fresh.chunks(ROWS_PER_STATEMENT) {
            // Each petition's Art. 22 routing deadline runs from its own reception.
            let registered: Vec<Option<StatusEvent>> = chunk
                .iter()
                .map(|new| {
                    let petition = new.record.petition.as_ref()?;
                    Some(status::registered(petition.received_at))
                })
                .collect();
            let rows: Vec<_> = chunk
                .iter()
                .zip(&registered)
                .map(|(new, event)| (&new.record, &new.receipt, event.as_ref()))
                .collect();
            Self::insert_records(tx, device, &rows, "").await?;
            let history: Vec<_> = chunk
                .iter()
                .zip(&registered)
                .filter_map(|(new, event)| Some((new.record.id, event.as_ref()?)))
                .collect();
            Self::insert_history(tx, &history).await?;
            let attempts: Vec<_> = chunk
                .iter()
                .filter_map(|new| Some((new.record.id, new.record.quiz.as_ref()?)))
                .collect();
            Self::insert_quiz_facts(tx, &attempts).await?;
        }
        Ok(())
    }

    /// One multi-row INSERT into `records` (`rows` within [`ROWS_PER_STATEMENT`]), `tail`
    /// appended to the statement; how many rows it inserted. A petition's row carries its query
    /// columns and the status and deadline of its registration; another record's are NULL.
    async fn insert_records(
        tx: &mut Tx<DB>,
        device: &Device,
        rows: &[(&PreparedRecord, &Receipt, Option<&StatusEvent>)],
        tail: &str,
    ) -> Result<u64, sqlx::Error> {
        let sql = format!(
            "INSERT INTO records \
             (id, device_id, kind, payload, received_at, registration_no, query_code, \
              township, subject, category, status, deadline, petition_received_at, \
              device_received_at, clock_offset_ms, clock_uncertain) \
             VALUES {} {tail}",
            values::<DB>(rows.len(), RECORD_PARAMS)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (rec, receipt, registered) in rows {
            let facts = rec.petition.as_ref();
            q = q
                .arg(rec.id)
                .arg(device.id)
                .arg(rec.kind)
                .arg(rec.canonical.as_str())
                .arg(receipt.received_at)
                .arg(receipt.registration_no.as_deref())
                .arg(receipt.query_code.as_deref())
                .arg(facts.map(|f| f.township.as_str()))
                .arg(facts.map(|f| f.subject.as_str()))
                .arg(facts.map(|f| f.category.as_str()))
                .arg(registered.map(|e| e.status.as_str()))
                .arg(registered.and_then(|e| e.deadline))
                .arg(facts.map(|f| f.received_at))
                .arg(facts.map(|f| f.device_received_at))
                .arg(facts.map(|f| f.clock.offset_ms()))
                .arg(facts.map(|f| f.clock.uncertain));
        }
        Ok(DB::rows_affected(&q.execute(DB::on(tx)).await?))
    }

    /// Records a decided step of a petition: its current status and deadline, its history entry,
    /// and the change in its device's pull feed.
    async fn append_status(
        tx: &mut Tx<DB>,
        record_id: Uuid,
        device_id: Uuid,
        registration_no: String,
        event: &StatusEvent,
    ) -> DbResult<()> {
        sqlx::query("UPDATE records SET status = $2, deadline = $3 WHERE id = $1")
            .arg(record_id)
            .arg(event.status.as_str())
            .arg(event.deadline)
            .execute(DB::on(tx))
            .await?;
        sqlx::query(
            "INSERT INTO status_history \
             (record_id, status, at, department, note, deadline, extension_days) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .arg(record_id)
        .arg(event.status.as_str())
        .arg(event.at)
        .arg(event.department.as_deref())
        .arg(event.note.as_deref())
        .arg(event.deadline)
        .arg(event.extension_days.map(i64::from))
        .execute(DB::on(tx))
        .await?;
        let body = ChangeBody::PetitionStatus {
            record_id,
            registration_no,
            event: event.clone(),
        };
        Self::feed_insert(tx, Some(device_id), &body, event.at).await?;
        Ok(())
    }

    /// One multi-row INSERT into `status_history`, if there is anything to insert.
    async fn insert_history(
        tx: &mut Tx<DB>,
        rows: &[(Uuid, &StatusEvent)],
    ) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO status_history (record_id, status, at, deadline) VALUES {}",
            values::<DB>(rows.len(), 4)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, event) in rows {
            q = q
                .arg(*id)
                .arg(event.status.as_str())
                .arg(event.at)
                .arg(event.deadline);
        }
        q.execute(DB::on(tx)).await?;
        Ok(())
    }
}

#[async_trait]
impl<DB: Backend> RecordRepo for SqlStore<DB> {
    async fn push(
        &self,
        device: &Device,
        items: Vec<PushItem>,
        ctx: &PushContext,
    ) -> DbResult<Vec<PushResult>> {
        if !items.iter().any(|i| matches!(i, PushItem::Store(_))) {
            return Ok(items
                .into_iter()
                .filter_map(|i| match i {
                    PushItem::Done(r) => Some(r),
                    PushItem::Store(_) => None,
                })
                .collect());
        }
        self.run_push(device.clone(), items, ctx.clone()).await
    }

    async fn receipt_by_query_code(&self, query_code: &str) -> DbResult<Option<ReceiptView>> {
        let mut tx = self.reader.begin().await?;
        let row = sqlx::query(
            "SELECT id, registration_no, status, received_at FROM records \
             WHERE query_code = $1 AND kind = 'petition'",
        )
        .arg(query_code)
        .fetch_optional(DB::on(&mut tx))
        .await?;
        let view = Self::receipt_view(&mut tx, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    async fn petition_of_device(
        &self,
        device_id: Uuid,
        record_id: Uuid,
    ) -> DbResult<Option<ReceiptView>> {
        let mut tx = self.reader.begin().await?;
        let row = sqlx::query(
            "SELECT id, registration_no, status, received_at FROM records \
             WHERE id = $1 AND device_id = $2 AND kind = 'petition'",
        )
        .arg(record_id)
        .arg(device_id)
        .fetch_optional(DB::on(&mut tx))
        .await?;
        let view = Self::receipt_view(&mut tx, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    async fn set_status(
        &self,
        change: StatusChange,
    ) -> DbResult<Result<StatusEvent, SetStatusError>> {
        let mut tx = DB::begin_write(&self.writer).await?;
        let row = sqlx::query(
            "SELECT id, device_id, status FROM records \
             WHERE registration_no = $1 AND kind = 'petition'",
        )
        .arg(change.registration_no.as_str())
        .fetch_optional(DB::on(&mut tx))
        .await?;
        let Some(row) = row else {
            return Ok(Err(SetStatusError::NotFound(change.registration_no)));
        };
        let record_id: Uuid = DB::get(&row, "id")?;
        let device_id: Uuid = DB::get(&row, "device_id")?;
        let current = parse_status(&DB::get::<String>(&row, "status")?)?;
        let registration_no = change.registration_no.clone();
        let event = match status::step(current, change) {
            Ok(event) => event,
            Err(refused) => return Ok(Err(refused)),
        };
        Self::append_status(&mut tx, record_id, device_id, registration_no, &event).await?;
        tx.commit().await?;
        Ok(Ok(event))
    }

    async fn extend_handling(&self, ext: Extension) -> DbResult<Result<StatusEvent, ExtendError>> {
        let mut tx = DB::begin_write(&self.writer).await?;
        let row = sqlx::query(
            "SELECT id, device_id, status FROM records \
             WHERE registration_no = $1 AND kind = 'petition'",
        )
        .arg(ext.registration_no.as_str())
        .fetch_optional(DB::on(&mut tx))
        .await?;
        let Some(row) = row else {
            return Ok(Err(ExtendError::NotFound(ext.registration_no)));
        };
        let record_id: Uuid = DB::get(&row, "id")?;
        let device_id: Uuid = DB::get(&row, "device_id")?;
        let current = parse_status(&DB::get::<String>(&row, "status")?)?;
        let history = Self::history(&mut tx, record_id).await?;
        let registration_no = ext.registration_no.clone();
        let event = match status::extend(current, &history, ext) {
            Ok(event) => event,
            Err(refused) => return Ok(Err(refused)),
        };
        Self::append_status(&mut tx, record_id, device_id, registration_no, &event).await?;
        tx.commit().await?;
        Ok(Ok(event))
    }

    async fn petition_count(&self) -> DbResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM records WHERE kind = 'petition'")
            .fetch_one(DB::on_pool(&self.reader))
            .await?;
        Ok(DB::get(&row, "n")?)
    }

    async fn petition_list(&self) -> DbResult<Vec<PetitionRef>> {
        let rows = sqlx::query(
            "SELECT id, registration_no, petition_received_at, device_received_at, \
             clock_uncertain FROM records WHERE kind = 'petition' ORDER BY registration_no",
        )
        .fetch_all(DB::on_pool(&self.reader))
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PetitionRef {
                    id: DB::get(row, "id")?,
                    registration_no: DB::get::<Option<String>>(row, "registration_no")?
                        .ok_or_else(|| {
                            DbError::Corrupt("a petition without registration number".into())
                        })?,
                    received_at: DB::get(row, "petition_received_at")?,
                    device_received_at: DB::get(row, "device_received_at")?,
                    clock_uncertain: DB::get(row, "clock_uncertain")?,
                })
            })
            .collect()
    }
}
