//! What the app shows of a petition draft, as plain functions: which fields have an input, which
//! errors no input shows, the one-line preview a field tablet's lists show, the drafts list's
//! search, filter and order, which draft was never edited (and goes when its page is left), and
//! the earlier petitions of the same person the repeat check warns of.

use chrono::{DateTime, Utc};
use lianxin_core::petition::{Field, PetitionDraft};
use lianxin_core::protocol::{ApiError, RecordKind};
use lianxin_core::repeat::{find_repeats, RepeatReason};
use lianxin_sync::{Draft, OutboxRecord};
use uuid::Uuid;

/// The fields the form shows an input for: those lianxin-core's `asks_for` names for this draft
/// (the reception time has one for letters only; elsewhere it is shown as text), and each
/// representative's fields on a collective visit.
pub fn inputs(draft: &PetitionDraft) -> Vec<Field> {
    let mut fields: Vec<Field> = Field::all().filter(|f| draft.asks_for(*f)).collect();
    if draft.is_collective() {
        for i in 0..draft.representatives.len() {
            fields.extend(Field::representative(i));
        }
    }
    fields
}

/// Errors that no input of the form shows (no field, or a field without an input, such as
/// `received_at` or `representatives`): the form lists them above its inputs.
pub fn general_errors<'a>(errors: &'a [ApiError], draft: &PetitionDraft) -> Vec<&'a ApiError> {
    let shown = inputs(draft);
    errors
        .iter()
        .filter(|e| {
            e.field
                .as_deref()
                .and_then(Field::from_path)
                .is_none_or(|f| !shown.contains(&f))
        })
        .collect()
}

/// A draft's preview for a field tablet's lists: the name, and the request's first 60 characters.
/// Never for a kiosk (see `privacy`).
pub fn preview(form: &serde_json::Value) -> (String, String) {
    let d = PetitionDraft::from_json(form);
    let request = d.request.chars().take(60).collect();
    (d.petitioner.name, request)
}

/// The error summary above the form: every error, in order, with the field whose input it
/// links to (`None`: the error has no input, see [`general_errors`]).
pub fn summary<'a>(
    errors: &'a [ApiError],
    draft: &PetitionDraft,
) -> Vec<(Option<Field>, &'a ApiError)> {
    let shown = inputs(draft);
    errors
        .iter()
        .map(|e| {
            let field = e
                .field
                .as_deref()
                .and_then(Field::from_path)
                .filter(|f| shown.contains(f));
            (field, e)
        })
        .collect()
}

/// Whether a draft was created by 新建登记 and never edited since: stored once (revision 1),
/// never refused by the server, and with nothing typed. Leaving its page deletes it, so that a
/// tap on 新建登记 leaves no empty draft behind.
pub fn is_untouched(draft: &Draft) -> bool {
    if draft.revision != 1 || draft.problem.is_some() || draft.record_id.is_some() {
        return false;
    }
    let d = PetitionDraft::from_json(&draft.form);
    let mut fresh = PetitionDraft::new(Utc::now().fixed_offset(), &d.township);
    fresh.received_at.clone_from(&d.received_at);
    d == fresh
}

/// Which drafts the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DraftFilter {
    /// Every draft.
    #[default]
    All,
    /// Drafts not refused by the server.
    Draft,
    /// Drafts the server refused, back for editing.
    NeedsEdit,
}

impl DraftFilter {
    /// The value of its `<option>`.
    pub fn as_str(self) -> &'static str {
        match self {
            DraftFilter::All => "all",
            DraftFilter::Draft => "draft",
            DraftFilter::NeedsEdit => "needs_edit",
        }
    }

    /// From an `<option>` value; anything else is [`DraftFilter::All`].
    pub fn parse(s: &str) -> Self {
        match s {
            "draft" => DraftFilter::Draft,
            "needs_edit" => DraftFilter::NeedsEdit,
            _ => DraftFilter::All,
        }
    }
}

/// The drafts list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DraftOrder {
    /// The last changed first.
    #[default]
    Updated,
    /// The last created first.
    Created,
}

impl DraftOrder {
    /// The value of its `<option>`.
    pub fn as_str(self) -> &'static str {
        match self {
            DraftOrder::Updated => "updated",
            DraftOrder::Created => "created",
        }
    }

    /// From an `<option>` value; anything else is [`DraftOrder::Updated`].
    pub fn parse(s: &str) -> Self {
        if s == "created" {
            DraftOrder::Created
        } else {
            DraftOrder::Updated
        }
    }
}

/// The drafts a field tablet's list shows: those whose name or phone contains `query` (spaces
/// ignored; a phone also typed with full-width digits), in `filter`, in `order`. Never for a
/// kiosk, whose list shows no content (`privacy`).
pub fn filter_drafts(
    mut drafts: Vec<Draft>,
    query: &str,
    filter: DraftFilter,
    order: DraftOrder,
) -> Vec<Draft> {
    let squash = |s: &str| -> String {
        lianxin_core::text::ascii_digits(s)
            .split_whitespace()
            .collect::<String>()
            .to_lowercase()
    };
    let q = squash(query);
    drafts.retain(|d| {
        let state = match filter {
            DraftFilter::All => true,
            DraftFilter::Draft => d.problem.is_none(),
            DraftFilter::NeedsEdit => d.problem.is_some(),
        };
        if !state {
            return false;
        }
        if q.is_empty() {
            return true;
        }
        let p = PetitionDraft::from_json(&d.form).petitioner;
        squash(&p.name).contains(&q) || squash(&p.phone).contains(&q)
    });
    match order {
        DraftOrder::Updated => drafts.sort_by_key(|d| std::cmp::Reverse((d.updated_at, d.id))),
        DraftOrder::Created => drafts.sort_by_key(|d| std::cmp::Reverse((d.created_at, d.id))),
    }
    drafts
}

/// An earlier petition of this device that the repeat check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Earlier {
    /// Another draft (by its id).
    Draft(Uuid),
    /// An outbox record (by its id): finalized, queued or sent.
    Record(Uuid),
}

/// One warning of the repeat check: what, why, when, and the name it was registered under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    /// The earlier petition.
    pub earlier: Earlier,
    /// Why it looks like the same person's.
    pub reason: RepeatReason,
    /// When it was last changed (a draft) or finalized (a record).
    pub at: DateTime<Utc>,
    /// The petitioner's name as it was registered.
    pub name: String,
}

/// The repeat check before finalizing `draft` (the draft `id`): this device's other drafts and
/// its outbox records (`Store::list_drafts`, `Store::list_outbox(None)`) that look like the same
/// person's within the last 90 days (`lianxin_core::repeat`, local practice), newest first. The
/// draft itself, and the outbox record it came back from (a `needs_edit` restored under its
/// id), are not earlier petitions. Never on a kiosk (`privacy`): the caller does not ask there.
pub fn repeats(
    id: Uuid,
    draft: &PetitionDraft,
    drafts: &[Draft],
    outbox: &[OutboxRecord],
    now: DateTime<Utc>,
) -> Vec<Repeat> {
    let others = drafts
        .iter()
        .filter(|d| d.id != id && d.kind == RecordKind::Petition)
        .map(|d| {
            (
                Earlier::Draft(d.id),
                PetitionDraft::from_json(&d.form),
                d.updated_at,
            )
        })
        .chain(
            outbox
                .iter()
                .filter(|r| r.draft_id != id && r.kind == RecordKind::Petition)
                .map(|r| {
                    (
                        Earlier::Record(r.id),
                        PetitionDraft::from_json(&r.payload),
                        r.finalized_at,
                    )
                }),
        );
    let others: Vec<_> = others.collect();
    let names: std::collections::HashMap<Earlier, String> = others
        .iter()
        .map(|(k, d, _)| (*k, d.petitioner.name.clone()))
        .collect();
    find_repeats(draft, others, now)
        .into_iter()
        .map(|(earlier, reason, at)| Repeat {
            earlier,
            reason,
            at,
            name: names.get(&earlier).cloned().unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianxin_core::example;

    fn draft() -> PetitionDraft {
        PetitionDraft::from_json(&example::petition_json())
    }

    #[test]
    fn every_field_but_the_group_and_the_time_has_an_input() {
        let f = inputs(&draft());
        assert!(f.contains(&Field::Name) && f.contains(&Field::Enterprise));
        assert!(!f.contains(&Field::Representatives));
        assert!(!f.contains(&Field::ReceivedAt));
        assert!(!f.contains(&Field::RepName(0)));
    }

    #[test]
    fn representatives_have_inputs_on_a_collective_visit_only() {
        let mut d = draft();
        d.add_representative();
        assert!(!inputs(&d).contains(&Field::RepName(0)));
        d.set(Field::Visitors, "6".into());
        assert!(inputs(&d).contains(&Field::RepPhone(0)));
    }

    #[test]
    fn errors_without_an_input_are_general() {
        let mut d = draft();
        d.add_representative();
        let errs = vec![
            ApiError::new("x", "whole"),
            ApiError::new("received_at_future", "clock").with_field("received_at"),
            ApiError::new("required", "name").with_field("petitioner.name"),
            ApiError::new("required", "rep").with_field("representatives[0].name"),
        ];
        let general: Vec<_> = general_errors(&errs, &d)
            .iter()
            .map(|e| e.code.as_str())
            .collect();
        // Representative 0 has no input: the visit is not collective.
        assert_eq!(general, vec!["x", "received_at_future", "required"]);
    }

    #[test]
    fn the_preview_is_the_name_and_the_start_of_the_request() {
        let (name, request) = preview(&example::petition_json());
        assert_eq!(name, draft().petitioner.name);
        assert!(request.chars().count() <= 60);
    }

    fn stored(form: serde_json::Value, revision: u64) -> Draft {
        let mut d = Draft::new(RecordKind::Petition, form);
        d.revision = revision;
        d
    }

    fn with_name(name: &str, phone: &str) -> serde_json::Value {
        let mut d = draft();
        d.set(Field::Name, name.into());
        d.set(Field::Phone, phone.into());
        d.set(Field::IdNumber, String::new());
        d.to_json()
    }

    #[test]
    fn a_new_draft_stored_once_with_nothing_typed_is_untouched() {
        let now = chrono::Local::now().fixed_offset();
        let fresh = PetitionDraft::new(now, "城关镇").to_json();
        assert!(is_untouched(&stored(fresh.clone(), 1)));
        // Saved again (typed in, here or in another tab): not untouched.
        assert!(!is_untouched(&stored(fresh.clone(), 2)));
        let mut typed = PetitionDraft::new(now, "城关镇");
        typed.set(Field::Name, "王".into());
        assert!(!is_untouched(&stored(typed.to_json(), 1)));
        // Back from the server for editing.
        let mut refused = stored(fresh, 1);
        refused.record_id = Some(Uuid::now_v7());
        assert!(!is_untouched(&refused));
    }

    #[test]
    fn the_summary_links_each_error_to_its_input_or_to_none() {
        let errs = vec![
            ApiError::new("required", "name").with_field("petitioner.name"),
            ApiError::new("received_at_future", "clock").with_field("received_at"),
            ApiError::new("x", "whole"),
        ];
        let s: Vec<_> = summary(&errs, &draft())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(s, vec![Some(Field::Name), None, None]);
    }

    #[test]
    fn the_list_searches_name_and_phone_filters_by_state_and_sorts() {
        let mut a = stored(with_name("王 小明", "13812345678"), 2);
        let mut b = stored(with_name("李大华", "13900000000"), 2);
        let c = stored(with_name("张三", "13700000000"), 2);
        let t0 = a.created_at;
        a.updated_at = t0 + chrono::Duration::minutes(10);
        b.created_at = t0 + chrono::Duration::minutes(1);
        b.updated_at = t0 + chrono::Duration::minutes(2);
        b.problem = Some(ApiError::new("required", "x"));
        let all = vec![a.clone(), b.clone(), c.clone()];
        let ids = |v: Vec<Draft>| v.into_iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(
            ids(filter_drafts(
                all.clone(),
                "王小明",
                DraftFilter::All,
                DraftOrder::Updated
            )),
            [a.id]
        );
        assert_eq!(
            ids(filter_drafts(
                all.clone(),
                "１３９",
                DraftFilter::All,
                DraftOrder::Updated
            )),
            [b.id]
        );
        assert_eq!(
            ids(filter_drafts(
                all.clone(),
                "",
                DraftFilter::NeedsEdit,
                DraftOrder::Updated
            )),
            [b.id]
        );
        assert_eq!(
            ids(filter_drafts(
                all.clone(),
                "",
                DraftFilter::Draft,
                DraftOrder::Updated
            ))
            .len(),
            2
        );
        // The last changed first, or the last created first.
        assert_eq!(
            ids(filter_drafts(
                all.clone(),
                "",
                DraftFilter::All,
                DraftOrder::Updated
            ))[0],
            a.id
        );
        let by_created = ids(filter_drafts(
            all,
            "",
            DraftFilter::All,
            DraftOrder::Created,
        ));
        assert_eq!(by_created[2], a.id);
        assert_eq!(
            DraftFilter::parse(DraftFilter::NeedsEdit.as_str()),
            DraftFilter::NeedsEdit
        );
        assert_eq!(
            DraftOrder::parse(DraftOrder::Created.as_str()),
            DraftOrder::Created
        );
    }

    #[test]
    fn the_repeat_check_finds_other_drafts_and_outbox_records_of_the_same_person() {
        let now = Utc::now();
        let mine = stored(with_name("王小明", "13812345678"), 3);
        let same = stored(with_name("王小明", "13812345678"), 2);
        let other = stored(with_name("李大华", "13812345678"), 2);
        let record = |draft_id: Uuid, at: DateTime<Utc>| OutboxRecord {
            id: Uuid::now_v7(),
            kind: RecordKind::Petition,
            payload: example::petition_json(),
            draft_id,
            state: lianxin_sync::RecordState::Sent,
            finalized_at: at,
            updated_at: at,
            attempts: 1,
            receipt: None,
            error: None,
            draft_revision: 1,
        };
        let sent = record(Uuid::now_v7(), now - chrono::Duration::days(5));
        let old = record(Uuid::now_v7(), now - chrono::Duration::days(91));
        // The record this draft came back from is not an earlier petition.
        let itself = record(mine.id, now);
        let d = PetitionDraft::from_json(&mine.form);
        let found = repeats(
            mine.id,
            &d,
            &[mine.clone(), same.clone(), other],
            &[sent.clone(), old, itself],
            now,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].earlier, Earlier::Draft(same.id));
        assert_eq!(found[0].reason, RepeatReason::SameNameAndPhone);
        assert_eq!(found[0].name, "王小明");
        // The example's ID number: the sent record matches by it, newest first.
        let ex = draft();
        let found = repeats(mine.id, &ex, &[], std::slice::from_ref(&sent), now);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].earlier, Earlier::Record(sent.id));
        assert_eq!(found[0].reason, RepeatReason::SameIdNumber);
    }
}
