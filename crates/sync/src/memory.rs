//! [`MemoryStore`]: a complete in-memory [`Store`], used by native tests of the engine and usable
//! wherever nothing has to survive the process. It keeps the same atomicity as the IndexedDB store:
//! every multi-part change is checked in full before anything is written.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use lianxin_core::protocol::{DeviceConfig, PullResponse, RecordKind};
use lianxin_core::quiz::Campaign;
use uuid::Uuid;

use crate::finalize::Validated;
use crate::model::{
    meta_keys, Draft, DraftSaved, DraftTombstone, LocalQuizAttempt, OutboxRecord, ReceiptEntry,
    RecordState, Transition,
};
use crate::paging::{self, DraftOrder, DraftState, Page, PageQuery};
use crate::plan::{
    plan_delete_draft, plan_finalize, plan_recover_sending, plan_save_draft, plan_transitions,
    record_to_check, TransitionPlan,
};
use crate::store::{plan_pull, to_meta, PullApplied, Store, StoreError};

#[derive(Default)]
struct Inner {
    drafts: BTreeMap<Uuid, Draft>,
    tombstones: BTreeMap<Uuid, DraftTombstone>,
    outbox: BTreeMap<Uuid, OutboxRecord>,
    receipts: BTreeMap<Uuid, ReceiptEntry>,
    campaigns: BTreeMap<String, Campaign>,
    quiz_attempts: BTreeMap<Uuid, LocalQuizAttempt>,
    meta: BTreeMap<String, serde_json::Value>,
    /// When set, every write fails with this error (to test that failures are reported).
    write_failure: Option<StoreError>,
}

/// An in-memory store. Clones share the same data.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Rc<RefCell<Inner>>,
}

impl Inner {
    /// Writes what a planner decided; nothing here decides.
    fn apply(&mut self, plan: TransitionPlan) {
        for r in plan.records {
            self.outbox.insert(r.id, r);
        }
        for e in plan.receipts {
            self.receipts.insert(e.record_id, e);
        }
        for id in plan.deleted_drafts {
            self.drafts.remove(&id);
        }
        for d in plan.drafts {
            self.drafts.insert(d.id, d);
        }
        for t in plan.tombstones {
            self.tombstones.insert(t.draft_id, t);
        }
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every following write fail with `error` (or succeed again with `None`), the way a
    /// full disk makes IndexedDB refuse writes.
    pub fn set_write_failure(&self, error: Option<StoreError>) {
        self.inner.borrow_mut().write_failure = error;
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&mut Inner) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut inner = self.inner.borrow_mut();
        if let Some(e) = &inner.write_failure {
            return Err(e.clone());
        }
        f(&mut inner)
    }

    fn read<T>(&self, f: impl FnOnce(&Inner) -> T) -> T {
        f(&self.inner.borrow())
    }
}

fn outbox_order(records: &mut [OutboxRecord]) {
    records.sort_by(|a, b| a.finalized_at.cmp(&b.finalized_at).then(a.id.cmp(&b.id)));
}

impl Store for MemoryStore {
    async fn save_draft(
        &self,
        draft: &Draft,
        base: Option<&serde_json::Value>,
    ) -> Result<DraftSaved, StoreError> {
        self.write(|i| {
            let plan = plan_save_draft(
                draft,
                base,
                i.drafts.get(&draft.id),
                i.tombstones.get(&draft.id),
                Utc::now(),
            )?;
            if plan.write {
                i.drafts.insert(draft.id, plan.saved.draft.clone());
            }
            Ok(plan.saved)
        })
    }

    async fn get_draft(&self, id: Uuid) -> Result<Option<Draft>, StoreError> {
        Ok(self.read(|i| i.drafts.get(&id).cloned()))
    }

    async fn draft_tombstone(&self, id: Uuid) -> Result<Option<DraftTombstone>, StoreError> {
        Ok(self.read(|i| i.tombstones.get(&id).cloned()))
    }

    async fn list_drafts(&self) -> Result<Vec<Draft>, StoreError> {
        let mut drafts: Vec<Draft> = self.read(|i| i.drafts.values().cloned().collect());
        drafts.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(drafts)
    }

    async fn page_drafts(
        &self,
        order: DraftOrder,
        query: &PageQuery<DraftState>,
    ) -> Result<Page<Draft>, StoreError> {
        Ok(self.read(|i| paging::page_drafts(i.drafts.values(), order, query)))
    }

    async fn delete_draft(&self, id: Uuid) -> Result<(), StoreError> {
        self.write(|i| {
            let plan = plan_delete_draft(i.drafts.get(&id), Utc::now());
            i.apply(plan);
            Ok(())
        })
    }

    async fn finalize(
        &self,
        draft_id: Uuid,
        new_id: Uuid,
        payload: Validated,
        now: DateTime<Utc>,
    ) -> Result<OutboxRecord, StoreError> {
        self.write(|i| {
            let draft = i.drafts.get(&draft_id);
            let existing = draft
                .and_then(record_to_check)
                .and_then(|id| i.outbox.get(&id));
            let gone = i.tombstones.get(&draft_id);
            let plan = plan_finalize(draft_id, draft, gone, existing, new_id, payload, now)?;
            let record = plan.records[0].clone();
            i.apply(plan);
            Ok(record)
        })
    }

    async fn list_outbox(
        &self,
        state: Option<RecordState>,
    ) -> Result<Vec<OutboxRecord>, StoreError> {
        let mut records: Vec<OutboxRecord> = self.read(|i| {
            i.outbox
                .values()
                .filter(|r| state.is_none_or(|s| r.state == s))
                .cloned()
                .collect()
        });
        outbox_order(&mut records);
        Ok(records)
    }

    async fn page_outbox(
        &self,
        kind: RecordKind,
        query: &PageQuery<RecordState>,
    ) -> Result<Page<OutboxRecord>, StoreError> {
        Ok(self.read(|i| paging::page_records(i.outbox.values(), kind, query)))
    }

    async fn get_record(&self, id: Uuid) -> Result<Option<OutboxRecord>, StoreError> {
        Ok(self.read(|i| i.outbox.get(&id).cloned()))
    }

    async fn transition(
        &self,
        changes: &[Transition],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|i| {
            let plan = plan_transitions(
                changes,
                |id| i.outbox.get(&id).cloned(),
                |id| i.receipts.get(&id).cloned(),
                now,
            )?;
            i.apply(plan);
            Ok(())
        })
    }

    async fn recover_sending(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.write(|i| {
            let plan = plan_recover_sending(i.outbox.values(), now)?;
            let n = plan.records.len();
            i.apply(plan);
            Ok(n)
        })
    }

    async fn get_receipt(&self, record_id: Uuid) -> Result<Option<ReceiptEntry>, StoreError> {
        Ok(self.read(|i| i.receipts.get(&record_id).cloned()))
    }

    async fn list_campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        Ok(self.read(|i| i.campaigns.values().cloned().collect()))
    }

    async fn apply_pull(&self, page: &PullResponse) -> Result<PullApplied, StoreError> {
        let plan = plan_pull(page);
        self.write(|i| {
            // Read before the first write: a refusal must leave the page unapplied.
            let stored: Option<DeviceConfig> = match i.meta.get(meta_keys::CONFIG) {
                Some(v) => Some(
                    serde_json::from_value(v.clone())
                        .map_err(|e| StoreError::Corrupt(format!("meta config: {e}")))?,
                ),
                None => None,
            };
            let mut applied = PullApplied {
                campaigns: plan.campaigns.len(),
                ..Default::default()
            };
            for c in &plan.campaigns {
                i.campaigns.insert(c.id.clone(), (*c).clone());
            }
            for (record_id, reg_no, event) in &plan.statuses {
                let entry = i
                    .receipts
                    .entry(*record_id)
                    .or_insert_with(|| ReceiptEntry::empty(*record_id));
                if entry.add_status(reg_no, event) {
                    applied.statuses += 1;
                }
            }
            if plan.revoked {
                applied.revoked = true;
                i.meta
                    .insert(meta_keys::REVOKED.into(), serde_json::Value::Bool(true));
            }
            if let Some(config) = plan.config_to_store(stored.as_ref()) {
                applied.config = true;
                i.meta.insert(meta_keys::CONFIG.into(), to_meta(config));
            }
            i.meta
                .insert(meta_keys::PULL_CURSOR.into(), plan.cursor.into());
            Ok(applied)
        })
    }

    async fn put_quiz_attempt(&self, attempt: &LocalQuizAttempt) -> Result<(), StoreError> {
        self.write(|i| {
            i.quiz_attempts.insert(attempt.id, attempt.clone());
            Ok(())
        })
    }

    async fn list_quiz_attempts(&self) -> Result<Vec<LocalQuizAttempt>, StoreError> {
        let mut v: Vec<LocalQuizAttempt> =
            self.read(|i| i.quiz_attempts.values().cloned().collect());
        v.sort_by(|a, b| a.saved_at.cmp(&b.saved_at).then(a.id.cmp(&b.id)));
        Ok(v)
    }

    async fn get_meta(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        Ok(self.read(|i| i.meta.get(key).cloned()))
    }

    async fn put_meta(&self, key: &str, value: serde_json::Value) -> Result<(), StoreError> {
        self.write(|i| {
            i.meta.insert(key.to_owned(), value);
            Ok(())
        })
    }

    async fn delete_meta(&self, key: &str) -> Result<(), StoreError> {
        self.write(|i| {
            i.meta.remove(key);
            Ok(())
        })
    }
}
