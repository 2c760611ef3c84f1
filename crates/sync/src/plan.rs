//! Every change of a record's life cycle is decided here, once, by pure functions: given what a
//! store holds, they say what it must write. [`crate::MemoryStore`] and the IndexedDB store read
//! what a plan needs, call the planner, and write the [`TransitionPlan`] in one transaction; they
//! decide nothing themselves, so they cannot drift apart.

use chrono::{DateTime, Utc};
use lianxin_core::protocol::{PushRecord, RecordKind};
use uuid::Uuid;

use crate::finalize::Validated;
use crate::merge::merge;
use crate::model::{
    draft_from_refused, Draft, DraftSaved, DraftTombstone, OutboxRecord, ReceiptEntry, RecordState,
    Transition,
};
use crate::store::StoreError;

/// What a store writes for one [`crate::Store::transition`], [`crate::Store::recover_sending`] or
/// [`crate::Store::finalize`], all in one transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TransitionPlan {
    /// Outbox records to put, each once, in the order they were first named.
    pub records: Vec<OutboxRecord>,
    /// Receipt entries to put: what the device knew of a record, plus its new receipt.
    pub receipts: Vec<ReceiptEntry>,
    /// Drafts to put: records the server refused, back for editing.
    pub drafts: Vec<Draft>,
    /// Drafts to delete: the draft a finalize moved into the outbox, or one the user deleted.
    pub deleted_drafts: Vec<Uuid>,
    /// What is left of each deleted draft, so that no later save brings it back.
    pub tombstones: Vec<DraftTombstone>,
}

/// Plans a batch of transitions (one push answer is one batch). `record` and `receipt` look up
/// what the store holds now; a batch in which one change is not allowed is refused whole, so the
/// store writes nothing. Several changes of one record apply in order.
pub fn plan_transitions(
    changes: &[Transition],
    record: impl Fn(Uuid) -> Option<OutboxRecord>,
    receipt: impl Fn(Uuid) -> Option<ReceiptEntry>,
    now: DateTime<Utc>,
) -> Result<TransitionPlan, StoreError> {
    let mut plan = TransitionPlan::default();
    for t in changes {
        let id = t.id();
        let at = match plan.records.iter().position(|r| r.id == id) {
            Some(at) => at,
            None => {
                let current = record(id)
                    .ok_or_else(|| StoreError::NotFound(format!("outbox record {id}")))?;
                plan.records.push(current);
                plan.records.len() - 1
            }
        };
        let next = &mut plan.records[at];
        t.apply(next, now).map_err(StoreError::InvalidState)?;
        match t {
            Transition::Sent { receipt: r, .. } => {
                let entry = match plan.receipts.iter().position(|e| e.record_id == id) {
                    Some(i) => &mut plan.receipts[i],
                    None => {
                        let known = receipt(id).unwrap_or_else(|| ReceiptEntry::empty(id));
                        plan.receipts.push(known);
                        let last = plan.receipts.len() - 1;
                        &mut plan.receipts[last]
                    }
                };
                entry.set_receipt(r);
            }
            Transition::NeedsEdit { error, .. } => {
                let draft = draft_from_refused(next, error, now);
                plan.drafts.retain(|d| d.id != draft.id);
                plan.drafts.push(draft);
            }
            Transition::Sending(_) | Transition::Quarantined { .. } | Transition::Requeue(_) => {}
        }
    }
    Ok(plan)
}

/// Whether the receipts of a push answer are what a `stored`/`duplicate` promises for each
/// record's kind: a petition's receipt carries its registration number and query code (the
/// petitioner leaves with both; without them the record would be marked sent and the numbers
/// lost for good). A receipt without them is a protocol error: the answer is not taken, the batch
/// stays queued. `pushed` are the records of the request, with their kinds.
pub fn check_receipts(pushed: &[PushRecord], transitions: &[Transition]) -> Result<(), String> {
    for t in transitions {
        let Transition::Sent { id, receipt } = t else {
            continue;
        };
        let is_petition = pushed
            .iter()
            .any(|r| r.id == *id && r.kind == RecordKind::Petition);
        let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if is_petition && !(has(&receipt.registration_no) && has(&receipt.query_code)) {
            return Err(format!(
                "push answer for petition {id} has no registration number or query code"
            ));
        }
    }
    Ok(())
}

/// Which receipt entries [`plan_transitions`] will look up: those of records marked `sent`. (A
/// store that must read before planning, like IndexedDB, reads these and the changes' ids.)
pub fn receipts_to_read(changes: &[Transition]) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for t in changes {
        if matches!(t, Transition::Sent { .. }) && !ids.contains(&t.id()) {
            ids.push(t.id());
        }
    }
    ids
}

/// Plans the recovery after a crash or a closed tab: every record among `records` that is still
/// `sending` goes back to `queued` through a [`Transition::Requeue`], by the same rules as any
/// other transition. The plan's `records` are the recovered ones.
pub fn plan_recover_sending<'a>(
    records: impl IntoIterator<Item = &'a OutboxRecord>,
    now: DateTime<Utc>,
) -> Result<TransitionPlan, StoreError> {
    let sending: Vec<&OutboxRecord> = records
        .into_iter()
        .filter(|r| r.state == RecordState::Sending)
        .collect();
    let changes: Vec<Transition> = sending.iter().map(|r| Transition::Requeue(r.id)).collect();
    let lookup = |id: Uuid| sending.iter().find(|r| r.id == id).map(|r| (*r).clone());
    plan_transitions(&changes, lookup, |_| None, now)
}

/// The id a finalized draft's record gets: the one it had if it came back from the server (so the
/// retry is the same record to the server), else `new_id`.
pub fn finalized_id(draft: &Draft, new_id: Uuid) -> Uuid {
    draft.record_id.unwrap_or(new_id)
}

/// The outbox record a store reads before it calls [`plan_finalize`]: the one the draft came back
/// from, if it did. A fresh v7 id cannot be in the outbox yet, so a new draft costs no read.
pub fn record_to_check(draft: &Draft) -> Option<Uuid> {
    draft.record_id
}

/// Plans a finalize: the draft `draft_id` (as the store holds it, if it does; `gone`, its
/// tombstone, if it has one) leaves the drafts, a tombstone stays, and its validated payload
/// enters the outbox as `queued` under [`finalized_id`]. Refused when the draft was finalized or
/// deleted already ([`StoreError::Gone`]: a draft is never finalized twice), when it is missing,
/// when `payload` was validated from another draft, as another kind or from another revision
/// (another tab saved in between), and when a record under that id is in the outbox in any state
/// but `needs_edit`.
pub fn plan_finalize(
    draft_id: Uuid,
    draft: Option<&Draft>,
    gone: Option<&DraftTombstone>,
    existing: Option<&OutboxRecord>,
    new_id: Uuid,
    payload: Validated,
    now: DateTime<Utc>,
) -> Result<TransitionPlan, StoreError> {
    let draft = match (draft, gone) {
        (Some(d), _) => d,
        (None, Some(t)) => return Err(StoreError::Gone(t.clone())),
        (None, None) => return Err(StoreError::NotFound(format!("draft {draft_id}"))),
    };
    if payload.revision() != draft.revision {
        return Err(StoreError::InvalidState(format!(
            "draft {draft_id} was validated at revision {} but the store holds revision {}",
            payload.revision(),
            draft.revision
        )));
    }
    if payload.draft_id() != draft_id || payload.kind() != draft.kind {
        return Err(StoreError::InvalidState(format!(
            "the payload was validated from draft {} ({}), not from draft {draft_id} ({})",
            payload.draft_id(),
            payload.kind().as_str(),
            draft.kind.as_str()
        )));
    }
    let id = finalized_id(draft, new_id);
    if let Some(old) = existing {
        if old.state != RecordState::NeedsEdit {
            return Err(StoreError::InvalidState(format!(
                "record {id} is already in the outbox as {}; it cannot be finalized again",
                old.state.as_str()
            )));
        }
    }
    let record = OutboxRecord {
        id,
        kind: draft.kind,
        payload: payload.into_payload(),
        draft_id,
        state: RecordState::Queued,
        finalized_at: now,
        updated_at: now,
        attempts: existing.map_or(0, |o| o.attempts),
        receipt: None,
        error: None,
        draft_revision: draft.revision,
    };
    Ok(TransitionPlan {
        records: vec![record],
        deleted_drafts: vec![draft_id],
        tombstones: vec![DraftTombstone {
            draft_id,
            record_id: Some(id),
            revision: draft.revision,
            at: now,
        }],
        ..TransitionPlan::default()
    })
}

/// What [`plan_save_draft`] decided: the draft as it now stands, and whether it must be written
/// (a save that changes nothing, or loses every change to a conflict, writes nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct SavePlan {
    /// The draft to show and, when `write`, to put.
    pub saved: DraftSaved,
    /// Whether the store writes `saved.draft`.
    pub write: bool,
}

/// Plans one save of a draft. `mine` is the draft as the tab holds it, with `mine.revision` the
/// revision its edits were based on and `base` the form at that revision (`None` when the caller
/// cannot say; then nothing it differs in is taken); `stored` and `gone` are what the store holds
/// under its id.
///
/// - The draft was finalized or deleted: refused ([`StoreError::Gone`]); nothing comes back.
/// - Not stored and never stored (`revision` 0): created at revision 1.
/// - Stored at the revision the save was based on: the form replaces the stored one.
/// - Stored at another revision (another tab saved in between): the save's changes since its
///   base are merged into the stored form path by path ([`crate::merge::merge`]); where both
///   changed the same path the stored value stays and the save learns it in `conflicts`.
///
/// Every write gets the next revision. What the store knows of the draft beyond its form (kind,
/// creation, the server's problem, the record id) is kept from the stored draft.
pub fn plan_save_draft(
    mine: &Draft,
    base: Option<&serde_json::Value>,
    stored: Option<&Draft>,
    gone: Option<&DraftTombstone>,
    now: DateTime<Utc>,
) -> Result<SavePlan, StoreError> {
    let Some(stored) = stored else {
        if let Some(t) = gone {
            return Err(StoreError::Gone(t.clone()));
        }
        if mine.revision > 0 {
            // It was stored once and is gone without a trace (the device's data was reset).
            return Err(StoreError::Gone(DraftTombstone {
                draft_id: mine.id,
                record_id: None,
                revision: mine.revision,
                at: now,
            }));
        }
        let mut created = mine.clone();
        created.revision = 1;
        return Ok(SavePlan {
            saved: DraftSaved {
                draft: created,
                conflicts: Vec::new(),
            },
            write: true,
        });
    };
    if mine.kind != stored.kind {
        return Err(StoreError::InvalidState(format!(
            "draft {} is a {}, not a {}",
            stored.id,
            stored.kind.as_str(),
            mine.kind.as_str()
        )));
    }
    let (form, conflicts) = if mine.revision == stored.revision {
        (mine.form.clone(), Vec::new())
    } else {
        // A base is only meaningful for a save based on an older revision than the stored one.
        let base = base.filter(|_| mine.revision < stored.revision);
        let merged = merge(base, &stored.form, &mine.form);
        (merged.value, merged.conflicts)
    };
    if form == stored.form {
        return Ok(SavePlan {
            saved: DraftSaved {
                draft: stored.clone(),
                conflicts,
            },
            write: false,
        });
    }
    let draft = Draft {
        form,
        updated_at: mine.updated_at.max(stored.updated_at),
        revision: stored.revision + 1,
        ..stored.clone()
    };
    Ok(SavePlan {
        saved: DraftSaved { draft, conflicts },
        write: true,
    })
}

/// Plans the deletion of a draft the user discarded: it goes, and its tombstone stays, so that a
/// tab still showing it cannot save it back. A draft that is not stored plans nothing (and keeps
/// the tombstone it may have, e.g. the one of its finalize).
pub fn plan_delete_draft(stored: Option<&Draft>, now: DateTime<Utc>) -> TransitionPlan {
    match stored {
        None => TransitionPlan::default(),
        Some(d) => TransitionPlan {
            deleted_drafts: vec![d.id],
            tombstones: vec![DraftTombstone {
                draft_id: d.id,
                record_id: None,
                revision: d.revision,
                at: now,
            }],
            ..TransitionPlan::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use lianxin_core::example;
    use lianxin_core::protocol::{ApiError, DeviceConfig, Receipt, RecordKind};

    use super::*;
    use crate::finalize::validate_draft;

    fn record(state: RecordState) -> OutboxRecord {
        let now = example::now();
        OutboxRecord {
            id: Uuid::now_v7(),
            kind: RecordKind::Petition,
            payload: example::petition_json(),
            draft_id: Uuid::now_v7(),
            state,
            finalized_at: now,
            updated_at: now,
            attempts: 0,
            receipt: None,
            error: None,
            draft_revision: 0,
        }
    }

    fn receipt(n: u32) -> Receipt {
        Receipt {
            registration_no: Some(format!("CZXF-2026-{n:06}")),
            query_code: Some("ABCD2345".into()),
            received_at: example::now(),
        }
    }

    fn held(records: &[&OutboxRecord]) -> BTreeMap<Uuid, OutboxRecord> {
        records.iter().map(|r| (r.id, (*r).clone())).collect()
    }

    fn plan(
        changes: &[Transition],
        records: &BTreeMap<Uuid, OutboxRecord>,
    ) -> Result<TransitionPlan, StoreError> {
        plan_transitions(
            changes,
            |id| records.get(&id).cloned(),
            |_| None,
            example::now(),
        )
    }

    fn validated(draft: &Draft) -> Validated {
        validate_draft(draft, &DeviceConfig::builtin(), example::now()).unwrap()
    }

    #[test]
    fn sending_marks_the_record_and_counts_an_attempt() {
        let r = record(RecordState::Queued);
        let p = plan(&[Transition::Sending(r.id)], &held(&[&r])).unwrap();
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.records[0].state, RecordState::Sending);
        assert_eq!(p.records[0].attempts, 1);
        assert!(p.receipts.is_empty() && p.drafts.is_empty() && p.deleted_drafts.is_empty());
    }

    #[test]
    fn sent_writes_the_receipt_beside_what_the_device_already_knew() {
        let r = record(RecordState::Sending);
        let mut known = ReceiptEntry::empty(r.id);
        known.registration_no = Some("CZXF-2026-000007".into());
        let p = plan_transitions(
            &[Transition::Sent {
                id: r.id,
                receipt: receipt(7),
            }],
            |id| (id == r.id).then(|| r.clone()),
            |id| (id == r.id).then(|| known.clone()),
            example::now(),
        )
        .unwrap();
        assert_eq!(p.records[0].state, RecordState::Sent);
        assert_eq!(p.records[0].receipt, Some(receipt(7)));
        assert_eq!(p.receipts.len(), 1);
        assert_eq!(p.receipts[0].receipt, Some(receipt(7)));
        assert_eq!(
            p.receipts[0].registration_no.as_deref(),
            Some("CZXF-2026-000007")
        );
        assert!(receipts_to_read(&[Transition::Sending(r.id)]).is_empty());
    }

    #[test]
    fn needs_edit_restores_the_record_as_its_draft_with_the_error() {
        let r = record(RecordState::Sending);
        let error = ApiError::new("phone_format", "bad phone").with_field("petitioner.phone");
        let p = plan(
            &[Transition::NeedsEdit {
                id: r.id,
                error: error.clone(),
            }],
            &held(&[&r]),
        )
        .unwrap();
        assert_eq!(p.records[0].state, RecordState::NeedsEdit);
        assert_eq!(p.drafts.len(), 1);
        assert_eq!(p.drafts[0].id, r.draft_id);
        assert_eq!(p.drafts[0].record_id, Some(r.id));
        assert_eq!(p.drafts[0].problem, Some(error));
        assert_eq!(p.drafts[0].form, r.payload);
    }

    #[test]
    fn quarantined_keeps_the_reason_and_requeue_clears_it() {
        let r = record(RecordState::Sending);
        let reason = ApiError::new("conflict", "another payload under this id");
        let p = plan(
            &[
                Transition::Quarantined {
                    id: r.id,
                    reason: reason.clone(),
                },
                Transition::Requeue(r.id),
            ],
            &held(&[&r]),
        )
        .unwrap();
        assert_eq!(p.records.len(), 1, "one record, written once");
        assert_eq!(p.records[0].state, RecordState::Queued);
        assert_eq!(p.records[0].error, None);

        let q = plan(
            &[Transition::Quarantined { id: r.id, reason }],
            &held(&[&r]),
        )
        .unwrap();
        assert_eq!(q.records[0].state, RecordState::Quarantined);
        assert_eq!(q.records[0].error.as_ref().unwrap().code, "conflict");
    }

    #[test]
    fn a_batch_with_one_change_that_is_not_allowed_is_refused_whole() {
        let sending = record(RecordState::Sending);
        let sent = record(RecordState::Sent);
        let changes = [
            Transition::Sent {
                id: sending.id,
                receipt: receipt(1),
            },
            Transition::Requeue(sent.id),
        ];
        let err = plan(&changes, &held(&[&sending, &sent])).unwrap_err();
        assert_eq!(err.code(), "invalid_state", "{err}");

        let missing = [Transition::Sending(Uuid::now_v7())];
        let err = plan(&missing, &held(&[&sending])).unwrap_err();
        assert_eq!(err.code(), "not_found", "{err}");
    }

    #[test]
    fn recovering_after_a_crash_requeues_only_sending_records_by_the_same_rules() {
        let mut sending = record(RecordState::Sending);
        sending.attempts = 2;
        let queued = record(RecordState::Queued);
        let sent = record(RecordState::Sent);
        let p = plan_recover_sending([&sending, &queued, &sent], example::now()).unwrap();
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.records[0].id, sending.id);
        assert_eq!(p.records[0].state, RecordState::Queued);
        assert_eq!(p.records[0].attempts, 2, "recovery is not an attempt");
        assert_eq!(p.records[0].updated_at, example::now());
        // Exactly what a Requeue transition of that record plans.
        let same = plan(&[Transition::Requeue(sending.id)], &held(&[&sending])).unwrap();
        assert_eq!(p, same);
        assert!(plan_recover_sending([&queued], example::now())
            .unwrap()
            .records
            .is_empty());
    }

    #[test]
    fn finalize_moves_the_validated_payload_into_the_outbox_and_deletes_the_draft() {
        let d = Draft::new(RecordKind::Petition, example::petition_json());
        let new_id = Uuid::now_v7();
        let p = plan_finalize(
            d.id,
            Some(&d),
            None,
            None,
            new_id,
            validated(&d),
            example::now(),
        )
        .unwrap();
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.records[0].id, new_id);
        assert_eq!(p.records[0].state, RecordState::Queued);
        assert_eq!(p.records[0].payload, example::petition_json());
        assert_eq!(p.deleted_drafts, [d.id]);
    }

    #[test]
    fn a_refused_record_finalized_again_keeps_the_id_the_server_saw() {
        let r = record(RecordState::NeedsEdit);
        let err = ApiError::new("phone_format", "bad phone").with_field("petitioner.phone");
        let d = draft_from_refused(&r, &err, example::now());
        let again = plan_finalize(
            d.id,
            Some(&d),
            None,
            Some(&r),
            Uuid::now_v7(),
            validated(&d),
            example::now(),
        )
        .unwrap();
        assert_eq!(again.records[0].id, r.id);
        assert_eq!(again.records[0].state, RecordState::Queued);
    }

    #[test]
    fn finalizing_over_a_record_that_is_queued_sending_or_sent_is_refused() {
        for state in [RecordState::Queued, RecordState::Sending, RecordState::Sent] {
            let r = record(state);
            let mut d = Draft::new(RecordKind::Petition, example::petition_json());
            d.record_id = Some(r.id);
            let v = validated(&d);
            let err = plan_finalize(
                d.id,
                Some(&d),
                None,
                Some(&r),
                Uuid::now_v7(),
                v,
                example::now(),
            )
            .unwrap_err();
            assert_eq!(err.code(), "invalid_state", "{state:?}");
        }
    }

    #[test]
    fn finalize_refuses_a_missing_draft_and_a_payload_validated_from_another_draft() {
        let d = Draft::new(RecordKind::Petition, example::petition_json());
        let other = Draft::new(RecordKind::Petition, example::petition_json());
        let err = plan_finalize(
            d.id,
            None,
            None,
            None,
            Uuid::now_v7(),
            validated(&d),
            example::now(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "not_found");
        let err = plan_finalize(
            d.id,
            Some(&d),
            None,
            None,
            Uuid::now_v7(),
            validated(&other),
            example::now(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_state");
    }

    #[test]
    fn a_petition_marked_sent_needs_its_registration_number_and_query_code() {
        let pushed = |kind| PushRecord {
            id: Uuid::from_u128(1),
            kind,
            payload: serde_json::Value::Null,
            clock: None,
        };
        let sent = |registration_no: Option<&str>, query_code: Option<&str>| Transition::Sent {
            id: Uuid::from_u128(1),
            receipt: Receipt {
                registration_no: registration_no.map(str::to_owned),
                query_code: query_code.map(str::to_owned),
                received_at: example::now(),
            },
        };
        let petition = [pushed(RecordKind::Petition)];
        assert!(check_receipts(&petition, &[sent(Some("CZXF-2026-000001"), Some("ABCD"))]).is_ok());
        assert!(check_receipts(&petition, &[sent(None, None)]).is_err());
        assert!(check_receipts(&petition, &[sent(Some("CZXF-2026-000001"), None)]).is_err());
        assert!(check_receipts(&petition, &[sent(Some(" "), Some("ABCD"))]).is_err());
        // A quiz attempt's receipt has neither, and that is right.
        assert!(check_receipts(&[pushed(RecordKind::QuizAttempt)], &[sent(None, None)]).is_ok());
    }
}
