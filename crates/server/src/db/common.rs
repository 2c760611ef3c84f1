//! The SQL both backends share, as a macro over the concrete sqlx database type.
//!
//! Pushes go through a group committer: pushes that arrive while another one is being written
//! are written together in one transaction, each inside its own savepoint, and committed once.
//! Each push still succeeds or fails on its own, and nobody hears "stored" before the commit that
//! made their records durable. The commit's fsync is most of its cost, so this is what keeps
//! batch latency low when many devices push at once.
//!
//! A backend type provides `SAVEPOINTS` (whether each record needs its own savepoint to be
//! all-or-nothing), `begin_write()` (a transaction in which it is the only writer: SQLite
//! by a single-connection writer pool, PostgreSQL by an advisory lock) and `reader()` (a pool for
//! reads). Serializing writers is what keeps registration numbers gap-free and feed sequence
//! numbers visible in order, and it makes a concurrently repeated push see the first copy.

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use lianxin_core::protocol::{ApiError, DeviceRole, Outcome, PushResult, Receipt};
use rand::Rng;
use uuid::Uuid;

/// China Standard Time: registration years follow the bureau's calendar, not UTC's.
pub(crate) fn registration_year(now: DateTime<Utc>) -> i64 {
    let cst = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    i64::from(now.with_timezone(&cst).year())
}

/// `CZXF-2026-000123`.
pub(crate) fn registration_no(prefix: &str, year: i64, n: i64) -> String {
    format!("{prefix}-{year}-{n:06}")
}

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or off paper is not
/// mistaken.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Length of a query code: 12 × 5 = 60 random bits, far beyond what a rate-limited lookup can
/// enumerate.
pub const QUERY_CODE_LEN: usize = 12;

/// A fresh query code from the operating system's CSPRNG.
pub(crate) fn new_query_code() -> String {
    let mut rng = rand::rng();
    (0..QUERY_CODE_LEN)
        .map(|_| CROCKFORD[rng.random_range(0..32)] as char)
        .collect()
}

pub(crate) fn role_from_str(s: &str) -> Result<DeviceRole, super::DbError> {
    match s {
        "field" => Ok(DeviceRole::Field),
        "kiosk" => Ok(DeviceRole::Kiosk),
        other => Err(super::DbError::Corrupt(format!("device role {other:?}"))),
    }
}

/// What a re-pushed id means, given what is stored under it.
pub(crate) fn compare_existing(
    rec: &super::PreparedRecord,
    device_id: Uuid,
    stored: (Uuid, String, String, Receipt),
) -> PushResult {
    let id = rec.id;
    let (stored_device, stored_kind, stored_payload, receipt) = stored;
    // Another device reusing an id is a conflict too: it must not learn the first receipt.
    if stored_device == device_id && stored_kind == rec.kind && stored_payload == rec.canonical {
        PushResult {
            id,
            outcome: Outcome::Duplicate,
            receipt: Some(receipt),
            error: None,
        }
    } else {
        PushResult {
            id,
            outcome: Outcome::Conflict,
            receipt: None,
            error: Some(ApiError::new(
                "conflict",
                "该记录编号已保存过不同的内容，服务器未覆盖原记录。请把此记录另存为新记录后再同步。",
            )),
        }
    }
}

macro_rules! impl_common {
    ($ty:ty, $db:ty) => {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use lianxin_core::protocol::{
            Change, ChangeBody, DeviceRole, Outcome, PushResult, Receipt, ReceiptView, StatusEvent,
        };
        use lianxin_core::quiz::Campaign;
        use lianxin_core::status::{deadline_for, PetitionStatus, ROUTE_OR_INFORM_DAYS};
        use sqlx::Row;
        use uuid::Uuid;

        use $crate::db::common::{
            compare_existing, new_query_code, registration_no, registration_year, role_from_str,
        };
        use $crate::db::{
            Database, DbError, DbResult, Device, EnrollRefusal, PreparedRecord, PushContext,
            PushItem, SetStatusError, StatusChange,
        };

        type Tx = sqlx::Transaction<'static, $db>;

        fn is_unique_violation(e: &sqlx::Error) -> bool {
            matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
        }

        fn parse_status(s: &str) -> DbResult<PetitionStatus> {
            s.parse().map_err(|_| DbError::Corrupt(format!("status {s:?}")))
        }

        async fn receipt_of(tx: &mut Tx, id: Uuid) -> DbResult<Option<(Uuid, String, String, Receipt)>> {
            let row = sqlx::query(
                "SELECT device_id, kind, payload, received_at, registration_no, query_code \
                 FROM records WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(row) = row else { return Ok(None) };
            Ok(Some((
                row.try_get("device_id")?,
                row.try_get("kind")?,
                row.try_get("payload")?,
                Receipt {
                    registration_no: row.try_get("registration_no")?,
                    query_code: row.try_get("query_code")?,
                    received_at: row.try_get("received_at")?,
                },
            )))
        }

        /// Inserts one new record (its counter step, row and first history entry).
        /// The registration counter of one push: read once at the start, advanced in memory as
        /// petitions are stored, written back before commit. Correct because the caller is the
        /// only writer (see the module doc); a record that fails does not advance it, so numbers
        /// stay gap-free.
        struct Counter {
            year: i64,
            last: i64,
            start: i64,
        }

        async fn load_counter(tx: &mut Tx, now: DateTime<Utc>) -> DbResult<Counter> {
            let year = registration_year(now);
            sqlx::query(
                "INSERT INTO registration_counters (year, last) VALUES ($1, 0) \
                 ON CONFLICT (year) DO NOTHING",
            )
            .bind(year)
            .execute(&mut **tx)
            .await?;
            let last: i64 = sqlx::query("SELECT last FROM registration_counters WHERE year = $1")
                .bind(year)
                .fetch_one(&mut **tx)
                .await?
                .try_get("last")?;
            Ok(Counter { year, last, start: last })
        }

        async fn save_counter(tx: &mut Tx, c: &Counter) -> DbResult<()> {
            if c.last != c.start {
                sqlx::query("UPDATE registration_counters SET last = $2 WHERE year = $1")
                    .bind(c.year)
                    .bind(c.last)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }

        /// Inserts one record unless its id exists; Ok(None) means it existed.
        async fn insert_record(
            tx: &mut Tx,
            device: &Device,
            rec: &PreparedRecord,
            ctx: &PushContext,
            counter: &Counter,
        ) -> Result<Option<Receipt>, sqlx::Error> {
            let petition = rec.kind == "petition";
            let reg = petition.then(|| registration_no(&ctx.prefix, counter.year, counter.last + 1));
            let code = petition.then(new_query_code);
            let inserted = sqlx::query(
                "INSERT INTO records \
                 (id, device_id, kind, payload, received_at, registration_no, query_code, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
            )
            .bind(rec.id)
            .bind(device.id)
            .bind(rec.kind)
            .bind(&rec.canonical)
            .bind(ctx.now)
            .bind(&reg)
            .bind(&code)
            .bind(petition.then_some(PetitionStatus::Registered.as_str()))
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Ok(None);
            }
            if petition {
                sqlx::query(
                    "INSERT INTO status_history (record_id, status, at, deadline) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(rec.id)
                .bind(PetitionStatus::Registered.as_str())
                .bind(ctx.now)
                .bind(ctx.now + chrono::Duration::days(ROUTE_OR_INFORM_DAYS))
                .execute(&mut **tx)
                .await?;
            }
            Ok(Some(Receipt { registration_no: reg, query_code: code, received_at: ctx.now }))
        }

        async fn store_one(
            tx: &mut Tx,
            device: &Device,
            rec: &PreparedRecord,
            ctx: &PushContext,
            counter: &mut Counter,
        ) -> DbResult<PushResult> {
            // A query code collision (one in 2^60 per pair) is retried with a fresh code.
            for _attempt in 0..3 {
                if <$ty>::SAVEPOINTS {
                    sqlx::query("SAVEPOINT record").execute(&mut **tx).await?;
                }
                let result = insert_record(tx, device, rec, ctx, counter).await;
                if <$ty>::SAVEPOINTS {
                    let undo = if result.is_err() { "ROLLBACK TO SAVEPOINT record" } else { "RELEASE SAVEPOINT record" };
                    sqlx::query(undo).execute(&mut **tx).await?;
                    if result.is_err() {
                        sqlx::query("RELEASE SAVEPOINT record").execute(&mut **tx).await?;
                    }
                }
                match result {
                    Ok(Some(receipt)) => {
                        if receipt.registration_no.is_some() {
                            counter.last += 1;
                        }
                        return Ok(PushResult {
                            id: rec.id,
                            outcome: Outcome::Stored,
                            receipt: Some(receipt),
                            error: None,
                        });
                    }
                    Ok(None) => {
                        let stored = receipt_of(tx, rec.id)
                            .await?
                            .ok_or_else(|| DbError::Corrupt(format!("record {} vanished", rec.id)))?;
                        return Ok(compare_existing(rec, device.id, stored));
                    }
                    Err(e) if is_unique_violation(&e) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            Err(DbError::Corrupt(format!("record {} kept colliding", rec.id)))
        }

        async fn history(tx: &mut Tx, record_id: Uuid) -> DbResult<Vec<StatusEvent>> {
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

        async fn receipt_view(tx: &mut Tx, row: Option<<$db as sqlx::Database>::Row>) -> DbResult<Option<ReceiptView>> {
            let Some(row) = row else { return Ok(None) };
            let id: Uuid = row.try_get("id")?;
            Ok(Some(ReceiptView {
                registration_no: row.try_get("registration_no")?,
                status: parse_status(&row.try_get::<String, _>("status")?)?,
                received_at: row.try_get("received_at")?,
                history: history(tx, id).await?,
            }))
        }

        async fn feed_insert(
            tx: &mut Tx,
            device_id: Option<Uuid>,
            body: &ChangeBody,
            now: DateTime<Utc>,
        ) -> DbResult<i64> {
            let kind = match body {
                ChangeBody::Campaign { .. } => "campaign",
                ChangeBody::PetitionStatus { .. } => "petition_status",
                ChangeBody::DeviceRevoked {} => "device_revoked",
            };
            let json = serde_json::to_string(body).map_err(|e| DbError::Corrupt(e.to_string()))?;
            let seq: i64 = sqlx::query(
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

        /// A push's writes inside a transaction the caller commits.
        ///
        /// The fast path costs a handful of statements per push rather than several per record
        /// (each statement is a round trip to the database): one lookup of all ids, then one
        /// multi-row insert of the new records and one of their history rows, inside a savepoint.
        /// If that fails on a unique constraint (a query-code collision), the savepoint is undone
        /// and the records go one by one through [`store_one`].
        async fn push_in_tx(
            tx: &mut Tx,
            device: &Device,
            items: Vec<PushItem>,
            ctx: &PushContext,
        ) -> DbResult<Vec<PushResult>> {
            let mut counter = load_counter(tx, ctx.now).await?;
            let ids: Vec<Uuid> = items
                .iter()
                .filter_map(|i| match i {
                    PushItem::Store(r) => Some(r.id),
                    PushItem::Done(_) => None,
                })
                .collect();
            let mut known = existing_records(tx, &ids).await?;

            // Decide every slot; collect what is new.
            let mut out: Vec<Option<PushResult>> = Vec::with_capacity(items.len());
            let mut fresh: Vec<(usize, PreparedRecord, Receipt)> = Vec::new();
            let mut late: Vec<(usize, PreparedRecord)> = Vec::new();
            let start = counter.last;
            for item in items {
                match item {
                    PushItem::Done(r) => out.push(Some(r)),
                    PushItem::Store(rec) => {
                        if let Some(stored) = known.get(&rec.id) {
                            out.push(Some(compare_existing(&rec, device.id, stored.clone())));
                            if fresh.iter().any(|(_, f, _)| f.id == rec.id) {
                                // Decided against a receipt not yet written: redo on fallback.
                                late.push((out.len() - 1, rec));
                            }
                            continue;
                        }
                        let petition = rec.kind == "petition";
                        if petition {
                            counter.last += 1;
                        }
                        let receipt = Receipt {
                            registration_no: petition
                                .then(|| registration_no(&ctx.prefix, counter.year, counter.last)),
                            query_code: petition.then(new_query_code),
                            received_at: ctx.now,
                        };
                        // A second copy of the same id later in this very push is a duplicate.
                        known.insert(
                            rec.id,
                            (device.id, rec.kind.to_owned(), rec.canonical.clone(), receipt.clone()),
                        );
                        out.push(None);
                        fresh.push((out.len() - 1, rec, receipt));
                    }
                }
            }

            if !fresh.is_empty() {
                sqlx::query("SAVEPOINT bulk").execute(&mut **tx).await?;
                match bulk_insert(tx, device, &fresh, ctx).await {
                    Ok(()) => {
                        sqlx::query("RELEASE SAVEPOINT bulk").execute(&mut **tx).await?;
                        for (slot, rec, receipt) in fresh {
                            out[slot] = Some(PushResult {
                                id: rec.id,
                                outcome: Outcome::Stored,
                                receipt: Some(receipt),
                                error: None,
                            });
                        }
                    }
                    Err(e) => {
                        sqlx::query("ROLLBACK TO SAVEPOINT bulk").execute(&mut **tx).await?;
                        sqlx::query("RELEASE SAVEPOINT bulk").execute(&mut **tx).await?;
                        if !is_unique_violation(&e) {
                            return Err(e.into());
                        }
                        counter.last = start;
                        for (slot, rec, _) in fresh {
                            out[slot] = Some(store_one(tx, device, &rec, ctx, &mut counter).await?);
                        }
                        for (slot, rec) in late {
                            out[slot] = Some(store_one(tx, device, &rec, ctx, &mut counter).await?);
                        }
                    }
                }
            }
            save_counter(tx, &counter).await?;
            Ok(out.into_iter().map(|r| r.expect("every slot decided")).collect())
        }

        /// `$first, $first+1, …` for `n` parameters, in parentheses.
        fn placeholders(first: usize, n: usize) -> String {
            let list: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
            format!("({})", list.join(", "))
        }

        /// Rows per multi-row statement: 8 parameters each stays far below both databases'
        /// parameter limits.
        const ROWS_PER_STATEMENT: usize = 500;

        async fn existing_records(
            tx: &mut Tx,
            ids: &[Uuid],
        ) -> DbResult<std::collections::HashMap<Uuid, (Uuid, String, String, Receipt)>> {
            let mut found = std::collections::HashMap::new();
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                // Only generated placeholders go into the SQL text; every value is bound.
                let sql = format!(
                    "SELECT id, device_id, kind, payload, received_at, registration_no, query_code \
                     FROM records WHERE id IN {}",
                    placeholders(1, chunk.len())
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                for row in q.fetch_all(&mut **tx).await? {
                    found.insert(
                        row.try_get("id")?,
                        (
                            row.try_get("device_id")?,
                            row.try_get("kind")?,
                            row.try_get("payload")?,
                            Receipt {
                                registration_no: row.try_get("registration_no")?,
                                query_code: row.try_get("query_code")?,
                                received_at: row.try_get("received_at")?,
                            },
                        ),
                    );
                }
            }
            Ok(found)
        }

        async fn bulk_insert(
            tx: &mut Tx,
            device: &Device,
            fresh: &[(usize, PreparedRecord, Receipt)],
            ctx: &PushContext,
        ) -> Result<(), sqlx::Error> {
            for chunk in fresh.chunks(ROWS_PER_STATEMENT) {
                let rows: Vec<String> = (0..chunk.len()).map(|i| placeholders(i * 8 + 1, 8)).collect();
                let sql = format!(
                    "INSERT INTO records \
                     (id, device_id, kind, payload, received_at, registration_no, query_code, status) \
                     VALUES {}",
                    rows.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (_, rec, receipt) in chunk {
                    q = q
                        .bind(rec.id)
                        .bind(device.id)
                        .bind(rec.kind)
                        .bind(rec.canonical.clone())
                        .bind(ctx.now)
                        .bind(receipt.registration_no.clone())
                        .bind(receipt.query_code.clone())
                        .bind(receipt.registration_no.is_some().then_some(PetitionStatus::Registered.as_str()));
                }
                q.execute(&mut **tx).await?;

                let petitions: Vec<&PreparedRecord> =
                    chunk.iter().filter(|(_, r, _)| r.kind == "petition").map(|(_, r, _)| r).collect();
                if petitions.is_empty() {
                    continue;
                }
                let rows: Vec<String> =
                    (0..petitions.len()).map(|i| placeholders(i * 4 + 1, 4)).collect();
                let sql = format!(
                    "INSERT INTO status_history (record_id, status, at, deadline) VALUES {}",
                    rows.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for rec in petitions {
                    q = q
                        .bind(rec.id)
                        .bind(PetitionStatus::Registered.as_str())
                        .bind(ctx.now)
                        .bind(ctx.now + chrono::Duration::days(ROUTE_OR_INFORM_DAYS));
                }
                q.execute(&mut **tx).await?;
            }
            Ok(())
        }

        /// One push waiting for the group committer.
        struct PushJob {
            device: Device,
            items: Vec<PushItem>,
            ctx: PushContext,
            reply: tokio::sync::oneshot::Sender<DbResult<Vec<PushResult>>>,
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

        async fn group_committer(writer: sqlx::Pool<$db>, mut jobs: tokio::sync::mpsc::Receiver<PushJob>) {
            while let Some(first) = jobs.recv().await {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match jobs.try_recv() {
                        Ok(job) => group.push(job),
                        Err(_) => break,
                    }
                }
                let mut done: Vec<(tokio::sync::oneshot::Sender<_>, Vec<PushResult>)> = Vec::with_capacity(group.len());
                let outcome: DbResult<()> = async {
                    let mut tx = <$ty>::begin_on(&writer).await?;
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


                fn spawn_group_committer(writer: sqlx::Pool<$db>) -> tokio::sync::mpsc::Sender<PushJob> {
                    let (pushes, jobs) = tokio::sync::mpsc::channel(256);
                    tokio::spawn(group_committer(writer, jobs));
                    pushes
                }

                impl $ty {
                    async fn run_push(
                        &self,
                        device: Device,
                        items: Vec<PushItem>,
                        ctx: PushContext,
                    ) -> DbResult<Vec<PushResult>> {
                        let (reply, answer) = tokio::sync::oneshot::channel();
                        let gone = || DbError::Corrupt("the push writer stopped".into());
                        self.pushes.send(PushJob { device, items, ctx, reply }).await.map_err(|_| gone())?;
                        answer.await.map_err(|_| gone())?
                    }
                }


        fn device_from_row(row: &<$db as sqlx::Database>::Row) -> DbResult<Device> {
            Ok(Device {
                id: row.try_get("id")?,
                role: role_from_str(&row.try_get::<String, _>("role")?)?,
                township: row.try_get("township")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        }

        #[async_trait]
        impl Database for $ty {
            async fn create_enrollment(
                &self,
                code_hash: &str,
                role: DeviceRole,
                township: &str,
                now: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> DbResult<()> {
                let mut tx = self.begin_write().await?;
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
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT role, township, expires_at, used_at FROM enrollment_codes \
                     WHERE code_hash = $1",
                )
                .bind(code_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Ok(Err(EnrollRefusal::Unknown)) };
                if row.try_get::<Option<DateTime<Utc>>, _>("used_at")?.is_some() {
                    return Ok(Err(EnrollRefusal::Used));
                }
                if row.try_get::<DateTime<Utc>, _>("expires_at")? <= now {
                    return Ok(Err(EnrollRefusal::Expired));
                }
                let role: String = row.try_get("role")?;
                let township: String = row.try_get("township")?;
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
                .bind(&role)
                .bind(&township)
                .bind(label)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Ok(Device { id: device_id, role: role_from_str(&role)?, township, revoked_at: None }))
            }

            async fn device_by_token(&self, token_hash: &str) -> DbResult<Option<Device>> {
                let row = sqlx::query(
                    "SELECT id, role, township, revoked_at FROM devices WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(self.reader())
                .await?;
                row.as_ref().map(device_from_row).transpose()
            }

            async fn revoke_device(&self, device_id: Uuid, now: DateTime<Utc>) -> DbResult<bool> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query(
                    "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(device_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 1 {
                    feed_insert(&mut tx, Some(device_id), &ChangeBody::DeviceRevoked {}, now).await?;
                }
                tx.commit().await?;
                Ok(n == 1)
            }

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
                    .fetch_all(self.reader())
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
                    .fetch_all(self.reader())
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
                            body: serde_json::from_str(&body)
                                .map_err(|e| DbError::Corrupt(e.to_string()))?,
                        })
                    })
                    .collect::<DbResult<Vec<_>>>()?;
                Ok((changes, more))
            }

            async fn receipt_by_query_code(&self, query_code: &str) -> DbResult<Option<ReceiptView>> {
                let mut tx = self.reader().begin().await?;
                let row = sqlx::query(
                    "SELECT id, registration_no, status, received_at FROM records \
                     WHERE query_code = $1 AND kind = 'petition'",
                )
                .bind(query_code)
                .fetch_optional(&mut *tx)
                .await?;
                let view = receipt_view(&mut tx, row).await?;
                tx.commit().await?;
                Ok(view)
            }

            async fn petition_of_device(
                &self,
                device_id: Uuid,
                record_id: Uuid,
            ) -> DbResult<Option<ReceiptView>> {
                let mut tx = self.reader().begin().await?;
                let row = sqlx::query(
                    "SELECT id, registration_no, status, received_at FROM records \
                     WHERE id = $1 AND device_id = $2 AND kind = 'petition'",
                )
                .bind(record_id)
                .bind(device_id)
                .fetch_optional(&mut *tx)
                .await?;
                let view = receipt_view(&mut tx, row).await?;
                tx.commit().await?;
                Ok(view)
            }

            async fn set_status(
                &self,
                change: StatusChange,
            ) -> DbResult<Result<StatusEvent, SetStatusError>> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "SELECT id, device_id, status FROM records WHERE registration_no = $1",
                )
                .bind(&change.registration_no)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Ok(Err(SetStatusError::NotFound(change.registration_no)));
                };
                let record_id: Uuid = row.try_get("id")?;
                let device_id: Uuid = row.try_get("device_id")?;
                let current = parse_status(&row.try_get::<String, _>("status")?)?;
                if let Err(e) = current.transition(change.status) {
                    return Ok(Err(e.into()));
                }
                let event = StatusEvent {
                    status: change.status,
                    at: change.at,
                    department: change.department,
                    note: change.note,
                    deadline: deadline_for(change.status, change.at, change.art31_item6),
                };
                sqlx::query("UPDATE records SET status = $2 WHERE id = $1")
                    .bind(record_id)
                    .bind(change.status.as_str())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO status_history (record_id, status, at, department, note, deadline) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(record_id)
                .bind(change.status.as_str())
                .bind(event.at)
                .bind(&event.department)
                .bind(&event.note)
                .bind(event.deadline)
                .execute(&mut *tx)
                .await?;
                let body = ChangeBody::PetitionStatus {
                    record_id,
                    registration_no: change.registration_no,
                    event: event.clone(),
                };
                feed_insert(&mut tx, Some(device_id), &body, change.at).await?;
                tx.commit().await?;
                Ok(Ok(event))
            }

            async fn import_campaign(
                &self,
                definition_json: &str,
                public: &Campaign,
                now: DateTime<Utc>,
            ) -> DbResult<i64> {
                let mut tx = self.begin_write().await?;
                let public_json =
                    serde_json::to_string(public).map_err(|e| DbError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO campaigns (id, definition, public, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, \
                     public = excluded.public, updated_at = excluded.updated_at",
                )
                .bind(&public.id)
                .bind(definition_json)
                .bind(&public_json)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let seq =
                    feed_insert(&mut tx, None, &ChangeBody::Campaign { campaign: public.clone() }, now)
                        .await?;
                tx.commit().await?;
                Ok(seq)
            }

            async fn campaign(&self, id: &str) -> DbResult<Option<Campaign>> {
                let row = sqlx::query("SELECT public FROM campaigns WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?;
                match row {
                    None => Ok(None),
                    Some(r) => {
                        let s: String = r.try_get("public")?;
                        serde_json::from_str(&s).map(Some).map_err(|e| DbError::Corrupt(e.to_string()))
                    }
                }
            }

            async fn petition_count(&self) -> DbResult<i64> {
                Ok(sqlx::query("SELECT COUNT(*) AS n FROM records WHERE kind = 'petition'")
                    .fetch_one(self.reader())
                    .await?
                    .try_get("n")?)
            }

            async fn petition_list(&self) -> DbResult<Vec<$crate::db::PetitionRef>> {
                let rows = sqlx::query(
                    "SELECT id, registration_no FROM records WHERE kind = 'petition' \
                     ORDER BY registration_no",
                )
                .fetch_all(self.reader())
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::db::PetitionRef {
                            id: row.try_get("id")?,
                            registration_no: row
                                .try_get::<Option<String>, _>("registration_no")?
                                .ok_or_else(|| {
                                    DbError::Corrupt("a petition without registration number".into())
                                })?,
                        })
                    })
                    .collect()
            }

            async fn is_fresh(&self) -> DbResult<bool> {
                let n: i64 = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM devices) + (SELECT COUNT(*) FROM enrollment_codes) AS n",
                )
                .fetch_one(self.reader())
                .await?
                .try_get("n")?;
                Ok(n == 0)
            }
        }
    };
}

pub(crate) use impl_common;
