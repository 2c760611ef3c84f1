//! Quiz campaigns and the typed rows of counted attempts (`quiz_attempts`, `quiz_misses`,
//! `quiz_flags`), written once in SQL for both databases. Whether an attempt counts, and its
//! score, is decided before it gets here ([`crate::service::campaign::judge_attempt`]); this
//! module stores the decision beside the attempt's record, in the push's transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lianxin_core::protocol::ChangeBody;
use lianxin_core::quiz::{Campaign, CampaignStats, Flag, MissedQuestion, StatsGroup};
use sqlx::Transaction;
use uuid::Uuid;

use super::sql::{Arg, Backend, SqlStore};
use super::{CampaignRepo, DbError, DbResult};
use crate::service::campaign::AttemptFacts;

fn corrupt(e: serde_json::Error) -> DbError {
    DbError::Corrupt(e.to_string())
}

/// The aggregates of [`StatsGroup`] over the rows of `quiz_attempts` selected. Sums are cast to
/// BIGINT (PostgreSQL sums a BIGINT into a NUMERIC), and a sum over no rows is 0, not NULL. A
/// percentage is rounded down per attempt.
const GROUP_COLUMNS: &str = "COUNT(*) AS attempts, COUNT(DISTINCT participant) AS participants, \
     COALESCE(CAST(SUM(CASE WHEN passed THEN 1 ELSE 0 END) AS BIGINT), 0) AS passed, \
     COALESCE(CAST(SUM(correct * 100 / total) AS BIGINT), 0) AS percent_sum";

fn group<DB: Backend>(row: &DB::Row, key: String) -> DbResult<StatsGroup> {
    Ok(StatsGroup {
        key,
        attempts: DB::get(row, "attempts")?,
        participants: DB::get(row, "participants")?,
        passed: DB::get(row, "passed")?,
        percent_sum: DB::get(row, "percent_sum")?,
    })
}

impl<DB: Backend> SqlStore<DB> {
    /// The typed rows of counted quiz attempts, beside their records (inserted just before, in
    /// the same transaction).
    pub(super) async fn insert_quiz_facts(
        tx: &mut Transaction<'static, DB>,
        rows: &[(Uuid, &AttemptFacts)],
    ) -> Result<(), sqlx::Error> {
        for (id, facts) in rows {
            let audience: &'static str = facts.audience.into();
            sqlx::query(
                "INSERT INTO quiz_attempts (record_id, campaign_id, participant, day, township, \
                 audience, correct, total, passed, started_at, finished_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .arg(*id)
            .arg(facts.campaign_id.as_str())
            .arg(facts.participant.as_str())
            .arg(facts.day.as_str())
            .arg(facts.township.as_str())
            .arg(audience)
            .arg(i64::from(facts.score.correct))
            .arg(i64::from(facts.score.total))
            .arg(facts.score.passed)
            .arg(facts.started_at)
            .arg(facts.finished_at)
            .execute(DB::on(tx))
            .await?;
            for question in &facts.score.missed {
                sqlx::query(
                    "INSERT INTO quiz_misses (record_id, campaign_id, question_id) \
                     VALUES ($1, $2, $3)",
                )
                .arg(*id)
                .arg(facts.campaign_id.as_str())
                .arg(question.as_str())
                .execute(DB::on(tx))
                .await?;
            }
            for flag in &facts.flags {
                sqlx::query(
                    "INSERT INTO quiz_flags (record_id, campaign_id, question_id, comment) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (record_id, question_id) DO NOTHING",
                )
                .arg(*id)
                .arg(facts.campaign_id.as_str())
                .arg(flag.question_id.as_str())
                .arg(flag.comment.as_str())
                .execute(DB::on(tx))
                .await?;
            }
        }
        Ok(())
    }
}

#[async_trait]
impl<DB: Backend> CampaignRepo for SqlStore<DB> {
    async fn import_campaign(&self, campaign: &Campaign, now: DateTime<Utc>) -> DbResult<i64> {
        let mut tx = DB::begin_write(&self.writer).await?;
        let public = campaign.for_device(now);
        sqlx::query(
            "INSERT INTO campaigns (id, definition, public, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, \
             public = excluded.public, updated_at = excluded.updated_at",
        )
        .arg(campaign.id.as_str())
        .arg(serde_json::to_string(campaign).map_err(corrupt)?)
        .arg(serde_json::to_string(&public).map_err(corrupt)?)
        .arg(now)
        .execute(DB::on(&mut tx))
        .await?;
        let change = ChangeBody::Campaign { campaign: public };
        let seq = Self::feed_insert(&mut tx, None, &change, now).await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn campaign(&self, id: &str) -> DbResult<Option<Campaign>> {
        let row = sqlx::query("SELECT definition FROM campaigns WHERE id = $1")
            .arg(id)
            .fetch_optional(DB::on_pool(&self.reader))
            .await?;
        row.map(|r| {
            let definition: String = DB::get(&r, "definition")?;
            serde_json::from_str(&definition).map_err(corrupt)
        })
        .transpose()
    }

    async fn attempts_on_day(
        &self,
        campaign_id: &str,
        participant: &str,
        day: &str,
        except: Uuid,
    ) -> DbResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM quiz_attempts WHERE campaign_id = $1 \
             AND participant = $2 AND day = $3 AND record_id <> $4",
        )
        .arg(campaign_id)
        .arg(participant)
        .arg(day)
        .arg(except)
        .fetch_one(DB::on_pool(&self.reader))
        .await?;
        Ok(DB::get(&row, "n")?)
    }

    async fn stats(&self, campaign_id: &str) -> DbResult<CampaignStats> {
        let pool = &self.reader;
        let sql = format!("SELECT {GROUP_COLUMNS} FROM quiz_attempts WHERE campaign_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(campaign_id)
            .fetch_one(DB::on_pool(pool))
            .await?;
        let total = group::<DB>(&row, String::new())?;

        let mut distribution = vec![0i64; 11];
        let rows = sqlx::query(
            "SELECT correct * 10 / total AS band, COUNT(*) AS n FROM quiz_attempts \
             WHERE campaign_id = $1 GROUP BY correct * 10 / total",
        )
        .arg(campaign_id)
        .fetch_all(DB::on_pool(pool))
        .await?;
        for r in &rows {
            let band: i64 = DB::get(r, "band")?;
            distribution[band.clamp(0, 10) as usize] += DB::get::<i64>(r, "n")?;
        }

        let mut by = Vec::new();
        for column in ["township", "audience"] {
            // `column` is one of two literals above, never input.
            let sql = format!(
                "SELECT {column} AS grp, {GROUP_COLUMNS} FROM quiz_attempts \
                 WHERE campaign_id = $1 GROUP BY {column} ORDER BY participants DESC, {column}"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .arg(campaign_id)
                .fetch_all(DB::on_pool(pool))
                .await?;
            by.push(
                rows.iter()
                    .map(|r| group::<DB>(r, DB::get(r, "grp")?))
                    .collect::<DbResult<Vec<_>>>()?,
            );
        }
        let by_audience = by.pop().unwrap_or_default();
        let by_township = by.pop().unwrap_or_default();

        let rows = sqlx::query(
            "SELECT question_id, COUNT(*) AS misses FROM quiz_misses WHERE campaign_id = $1 \
             GROUP BY question_id ORDER BY misses DESC, question_id LIMIT 10",
        )
        .arg(campaign_id)
        .fetch_all(DB::on_pool(pool))
        .await?;
        let most_missed = rows
            .iter()
            .map(|r| {
                Ok(MissedQuestion {
                    question_id: DB::get(r, "question_id")?,
                    misses: DB::get(r, "misses")?,
                    ..MissedQuestion::default()
                })
            })
            .collect::<DbResult<Vec<_>>>()?;

        let rows = sqlx::query(
            "SELECT question_id, comment FROM quiz_flags WHERE campaign_id = $1 \
             ORDER BY question_id, record_id LIMIT 500",
        )
        .arg(campaign_id)
        .fetch_all(DB::on_pool(pool))
        .await?;
        let flags = rows
            .iter()
            .map(|r| {
                Ok(Flag {
                    question_id: DB::get(r, "question_id")?,
                    comment: DB::get(r, "comment")?,
                })
            })
            .collect::<DbResult<Vec<_>>>()?;

        Ok(CampaignStats {
            campaign_id: campaign_id.to_owned(),
            total,
            distribution,
            most_missed,
            by_township,
            by_audience,
            flags,
            ..CampaignStats::default()
        })
    }
}
