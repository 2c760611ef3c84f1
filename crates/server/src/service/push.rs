//! What happens to a pushed record: validation, and then — given what is already stored under
//! its id — stored, duplicate or conflict.
//!
//! Every record is pushed under an id the device chose, so a retry can never store it twice: the
//! same id with the same canonical payload from the same device is a `duplicate` and gets the
//! original receipt; anything else under a known id is a `conflict`, and nothing is overwritten.
//!
//! A petition's reception time was read on a device whose clock may be wrong: it is corrected by
//! the offset the device knew and the one the server measures from the push itself
//! ([`lianxin_core::clock::judge`]), and the corrected time is what is validated, numbered and
//! counted from. A wrong clock alone never refuses a record; a reception time later than now
//! even after the correction (typed by hand in the future) does, on its field.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use lianxin_core::clock::{judge, ClockOffset, Correction, RecordClock};
use lianxin_core::protocol::{ApiError, DeviceConfig, Outcome, PushResult, Receipt};
use lianxin_core::quiz::{Campaign, QuizAttempt};
use lianxin_core::Petition;
use uuid::Uuid;

use super::numbering::{registration_year, Counters};

/// The columns a petition is queried by (the console, statistics), taken from its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PetitionFacts {
    /// The township the matter concerns.
    pub township: String,
    /// Its subject code.
    pub subject: String,
    /// Its category's wire name.
    pub category: String,
    /// When the petition was received (by staff or a kiosk, not by this server), corrected for
    /// the device's clock: the registration year and the deadlines run from here.
    pub received_at: DateTime<Utc>,
    /// The reception time as the device read it (the payload's).
    pub device_received_at: DateTime<Utc>,
    /// The correction applied to it.
    pub clock: Correction,
}

impl PetitionFacts {
    /// The facts of a valid petition whose times are corrected by `clock`.
    pub fn of(p: &Petition, clock: Correction) -> Self {
        let category: &'static str = p.category.into();
        let device_received_at = p.received_at.with_timezone(&Utc);
        PetitionFacts {
            township: p.township.clone(),
            subject: p.subject.clone(),
            category: category.to_owned(),
            received_at: clock.apply(device_received_at),
            device_received_at,
            clock,
        }
    }
}

/// A pushed record that passed validation, ready to store.
#[derive(Debug, Clone)]
pub struct PreparedRecord {
    /// The client's id.
    pub id: Uuid,
    /// `petition` or `quiz_attempt`.
    pub kind: &'static str,
    /// Canonical JSON of the payload.
    pub canonical: String,
    /// For a petition: what it is queried by.
    pub petition: Option<PetitionFacts>,
    /// For a quiz attempt: the server's score and what the statistics count.
    pub quiz: Option<super::campaign::AttemptFacts>,
}

impl PreparedRecord {
    /// For a petition, the year its registration number is counted in: the year (China time)
    /// it was received in.
    pub fn registration_year(&self) -> Option<i64> {
        self.petition
            .as_ref()
            .map(|p| registration_year(p.received_at))
    }
}

/// One slot of a push: either already answered by validation, or to be stored.
#[derive(Debug, Clone)]
pub enum PushItem {
    /// Refused before touching the database.
    Done(PushResult),
    /// Valid; store it.
    Store(PreparedRecord),
}

impl PushItem {
    /// The registration year of a petition to store (see [`PreparedRecord::registration_year`]).
    pub fn registration_year(&self) -> Option<i64> {
        match self {
            PushItem::Store(rec) => rec.registration_year(),
            PushItem::Done(_) => None,
        }
    }
}

/// Settings a push needs.
#[derive(Debug, Clone)]
pub struct PushContext {
    /// Registration number prefix, e.g. `CZXF`.
    pub prefix: String,
    /// The server's clock at the start of the push.
    pub now: DateTime<Utc>,
}

/// What is stored under a record id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The device that pushed it.
    pub device_id: Uuid,
    /// Its kind's wire name.
    pub kind: String,
    /// Its canonical payload.
    pub payload: String,
    /// The receipt it got.
    pub receipt: Receipt,
}

/// What a re-pushed id means, given what is stored under it.
pub fn judge_repush(rec: &PreparedRecord, device_id: Uuid, stored: &StoredRecord) -> PushResult {
    // Another device reusing an id is a conflict too: it must not learn the first receipt.
    if stored.device_id == device_id && stored.kind == rec.kind && stored.payload == rec.canonical {
        PushResult {
            id: rec.id,
            outcome: Outcome::Duplicate,
            receipt: Some(stored.receipt.clone()),
            error: None,
        }
    } else {
        PushResult {
            id: rec.id,
            outcome: Outcome::Conflict,
            receipt: None,
            error: Some(ApiError::new(
                "conflict",
                "a different record was already stored under this id; nothing was overwritten \
                 (save the record as a new one and sync again)",
            )),
        }
    }
}

/// The answer to a record that is stored now.
pub fn stored(id: Uuid, receipt: Receipt) -> PushResult {
    PushResult {
        id,
        outcome: Outcome::Stored,
        receipt: Some(receipt),
        error: None,
    }
}

/// A record to insert, with the receipt it will get.
#[derive(Debug, Clone)]
pub struct NewRecord {
    /// Its position in the push.
    pub slot: usize,
    /// The record.
    pub record: PreparedRecord,
    /// Its receipt, numbered already.
    pub receipt: Receipt,
}

/// The decision about every slot of a push, before anything is written.
#[derive(Debug, Clone)]
pub struct PushPlan {
    /// The answer of each slot; `None` for the slots in `fresh`, answered once they are written.
    pub results: Vec<Option<PushResult>>,
    /// New records, numbered, to insert.
    pub fresh: Vec<NewRecord>,
    /// Slots answered `duplicate` against a record of `fresh`: if `fresh` cannot be written in one
    /// go and is retried one by one, these are decided again after it.
    pub late: Vec<(usize, PreparedRecord)>,
}

impl PushPlan {
    /// Decides each slot of a push, given what is stored under its ids (`known`), numbering the
    /// new petitions from `counters`, each in the year it was received in. A second copy of an id
    /// later in the same push is judged against the first, as if that were stored already.
    pub fn new(
        device_id: Uuid,
        items: Vec<PushItem>,
        mut known: HashMap<Uuid, StoredRecord>,
        counters: &mut Counters,
        ctx: &PushContext,
    ) -> Self {
        let mut plan = PushPlan {
            results: Vec::with_capacity(items.len()),
            fresh: Vec::new(),
            late: Vec::new(),
        };
        for item in items {
            let slot = plan.results.len();
            let rec = match item {
                PushItem::Done(r) => {
                    plan.results.push(Some(r));
                    continue;
                }
                PushItem::Store(rec) => rec,
            };
            if let Some(stored) = known.get(&rec.id) {
                plan.results
                    .push(Some(judge_repush(&rec, device_id, stored)));
                if plan.fresh.iter().any(|f| f.record.id == rec.id) {
                    plan.late.push((slot, rec));
                }
                continue;
            }
            let year = rec.registration_year();
            let receipt = Receipt {
                registration_no: year.map(|y| counters.take(&ctx.prefix, y)),
                query_code: year.map(|_| super::numbering::new_query_code()),
                received_at: ctx.now,
            };
            known.insert(
                rec.id,
                StoredRecord {
                    device_id,
                    kind: rec.kind.to_owned(),
                    payload: rec.canonical.clone(),
                    receipt: receipt.clone(),
                },
            );
            plan.results.push(None);
            plan.fresh.push(NewRecord {
                slot,
                record: rec,
                receipt,
            });
        }
        plan
    }

    /// The answers, once `fresh` is written.
    pub fn written(mut self) -> Vec<PushResult> {
        for new in self.fresh {
            self.results[new.slot] = Some(stored(new.record.id, new.receipt));
        }
        self.results
            .into_iter()
            .map(|r| r.expect("every slot decided"))
            .collect()
    }
}

/// Sorts object keys recursively so that equal payloads compare equal as text, whatever order
/// the device serialized them in (serde_json's map order depends on a feature flag).
pub fn canonical_json(v: &serde_json::Value) -> String {
    fn sort(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut entries: Vec<_> = m.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                serde_json::Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sort(v)))
                        .collect(),
                )
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    // Building a Map re-inserts in sorted order; with serde_json's default BTreeMap it is sorted
    // anyway, with `preserve_order` the insertion order is the sorted one.
    sort(v).to_string()
}

/// A record refused by validation.
pub fn invalid(id: Uuid, error: ApiError) -> PushItem {
    PushItem::Done(PushResult {
        id,
        outcome: Outcome::Invalid,
        receipt: None,
        error: Some(error),
    })
}

/// The first of a record's validation errors; how many more there are is its `more` parameter.
pub fn first_error(errs: Vec<ApiError>) -> ApiError {
    let more = errs.len().saturating_sub(1);
    let first = errs
        .into_iter()
        .next()
        .unwrap_or_else(|| ApiError::new("invalid", "invalid record"));
    if more > 0 {
        let message = format!("{} (and {more} more problems)", first.message);
        ApiError { message, ..first }.with_param("more", more)
    } else {
        first
    }
}

/// A record of a kind this server does not know.
pub fn unknown_kind(id: Uuid) -> PushItem {
    invalid(
        id,
        ApiError::new(
            "unknown_kind",
            "this server does not know the record kind; update the app",
        )
        .with_field("kind"),
    )
}

/// Validates a petition's payload by the devices' rules: the configured subject codes, and the
/// departments (a known one, never the unit an accusation accuses: Art. 30 para. 3). Its
/// reception time is corrected first: by the offset the device knew when it finalized the record
/// (`clock`), judged against `measured`, the server's own measurement of this push; the
/// corrected time is the one validated (so a wrong clock alone never refuses it) and stored.
pub fn prepare_petition(
    id: Uuid,
    payload: serde_json::Value,
    clock: Option<&RecordClock>,
    measured: &ClockOffset,
    rules: &DeviceConfig,
    now: DateTime<Utc>,
) -> PushItem {
    let p: Petition = match crate::error::parse_value(payload) {
        Ok(p) => p,
        Err(e) => return invalid(id, e.error),
    };
    let correction = judge(clock.and_then(|c| c.offset.as_ref()), measured);
    let facts = PetitionFacts::of(&p, correction);
    let as_corrected = Petition {
        received_at: facts.received_at.with_timezone(p.received_at.offset()),
        ..p.clone()
    };
    if let Err(errs) = as_corrected.validate_with(rules, now) {
        return invalid(id, first_error(errs));
    }
    store(id, "petition", &p, Some(facts), None)
}

/// Parses a quiz attempt and checks what can be checked without its campaign; `Err` is why it
/// is refused (see [`invalid`]).
pub fn parse_quiz_attempt(
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<QuizAttempt, ApiError> {
    let a: QuizAttempt = crate::error::parse_value(payload).map_err(|e| e.error)?;
    a.validate(now).map_err(first_error)?;
    Ok(a)
}

/// Judges a parsed quiz attempt against its campaign (`None`: the server has no such campaign),
/// given how many attempts of the same participant that day are counted already (`earlier`):
/// stored with the server's own score, or refused with the reason
/// ([`super::campaign::judge_attempt`]).
pub fn prepare_quiz_attempt(
    id: Uuid,
    a: QuizAttempt,
    campaign: Option<&Campaign>,
    device: (Uuid, &str),
    earlier: i64,
) -> PushItem {
    let Some(campaign) = campaign else {
        return invalid(
            id,
            ApiError::new("campaign_unknown", "the server has no such quiz campaign")
                .with_field("campaign_id")
                .with_param("campaign_id", a.campaign_id.clone()),
        );
    };
    match super::campaign::judge_attempt(&a, campaign, device.0, device.1, earlier) {
        Ok(facts) => store(id, "quiz_attempt", &a, None, Some(facts)),
        Err(refused) => invalid(id, refused),
    }
}

fn store<T: serde::Serialize>(
    id: Uuid,
    kind: &'static str,
    payload: &T,
    petition: Option<PetitionFacts>,
    quiz: Option<super::campaign::AttemptFacts>,
) -> PushItem {
    match serde_json::to_value(payload) {
        Ok(v) => PushItem::Store(PreparedRecord {
            id,
            kind,
            canonical: canonical_json(&v),
            petition,
            quiz,
        }),
        // A parsed payload always serializes; if it ever did not, refuse it rather than panic.
        Err(_) => invalid(
            id,
            ApiError::new("invalid", "the record could not be re-encoded"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::service::numbering::Counter;

    fn ctx() -> PushContext {
        PushContext {
            prefix: "CZXF".into(),
            now: Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap(),
        }
    }

    fn petition(id: Uuid, payload: &str) -> PreparedRecord {
        received(id, payload, ctx().now)
    }

    /// A petition received at `at`.
    fn received(id: Uuid, payload: &str, at: DateTime<Utc>) -> PreparedRecord {
        PreparedRecord {
            id,
            kind: "petition",
            canonical: payload.into(),
            petition: Some(PetitionFacts {
                township: "城关镇".into(),
                subject: "land".into(),
                category: "appeal_request".into(),
                received_at: at,
                device_received_at: at,
                clock: exact(),
            }),
            quiz: None,
        }
    }

    /// The server's measurement of a device whose clock is right.
    fn in_step() -> ClockOffset {
        ClockOffset::from_device_now(ctx().now, ctx().now)
    }

    /// No correction, for sure.
    fn exact() -> Correction {
        Correction {
            offset: in_step(),
            uncertain: false,
        }
    }

    /// A petition received `read` by a device clock that is `ahead` of the server's, pushed at
    /// `ctx().now` by the server's clock, with the offset the device knew (`knew`) or none.
    fn pushed_by_a_wrong_clock(
        read: DateTime<Utc>,
        ahead: chrono::Duration,
        knew: bool,
    ) -> PushItem {
        let mut payload = lianxin_core::example::petition_json();
        payload["received_at"] = serde_json::json!(read
            .with_timezone(&lianxin_core::period::china())
            .to_rfc3339());
        let device_now = ctx().now + ahead;
        let offset = ClockOffset::from_round_trip(device_now, ctx().now, device_now);
        let clock = RecordClock::read(read, knew.then_some(offset));
        prepare_petition(
            Uuid::now_v7(),
            payload,
            Some(&clock),
            &ClockOffset::from_device_now(device_now, ctx().now),
            &DeviceConfig::builtin(),
            ctx().now,
        )
    }

    fn facts(item: PushItem) -> PetitionFacts {
        match item {
            PushItem::Store(rec) => rec.petition.expect("a petition's facts"),
            PushItem::Done(r) => panic!("refused: {r:?}"),
        }
    }

    #[test]
    fn a_petition_from_a_clock_a_day_ahead_is_stored_at_the_corrected_time_not_refused() {
        let day = chrono::Duration::days(1);
        let read = ctx().now + day - chrono::Duration::hours(1);
        let f = facts(pushed_by_a_wrong_clock(read, day, true));
        assert_eq!(f.received_at, ctx().now - chrono::Duration::hours(1));
        assert_eq!(f.device_received_at, read);
        assert_eq!(f.clock.offset_ms(), -day.num_milliseconds());
        assert!(!f.clock.uncertain);
    }

    #[test]
    fn a_petition_from_a_clock_a_year_behind_is_numbered_in_the_real_year() {
        let year = chrono::Duration::days(365);
        let read = ctx().now - year;
        let item = pushed_by_a_wrong_clock(read, -year, true);
        assert_eq!(item.registration_year(), Some(2026));
        assert_eq!(facts(item).received_at, ctx().now);
    }

    #[test]
    fn a_petition_whose_device_knew_no_offset_is_corrected_by_the_push_and_flagged() {
        let day = chrono::Duration::days(1);
        let f = facts(pushed_by_a_wrong_clock(ctx().now + day, day, false));
        assert_eq!(f.received_at, ctx().now);
        assert!(f.clock.uncertain);
    }

    #[test]
    fn a_reception_time_no_offset_explains_is_still_refused_on_its_field() {
        // Typed by hand three days ahead on a tablet whose clock is right.
        let three_days = chrono::Duration::days(3);
        let item = pushed_by_a_wrong_clock(ctx().now + three_days, chrono::Duration::zero(), true);
        let PushItem::Done(r) = item else {
            panic!("stored")
        };
        let e = r.error.unwrap();
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("received_at_future", Some("received_at"))
        );
    }

    /// The counters as stored: `(year, last)`.
    fn counters(stored: &[(i64, i64)]) -> Counters {
        Counters::new(stored.iter().map(|&(y, last)| Counter::new(y, last)))
    }

    /// The counters a plan moved: `(year, last)`.
    fn moved(c: &Counters) -> Vec<(i64, i64)> {
        c.moved().map(|c| (c.year, c.last)).collect()
    }

    fn attempt(id: Uuid) -> PreparedRecord {
        PreparedRecord {
            id,
            kind: "quiz_attempt",
            canonical: "{}".into(),
            petition: None,
            quiz: None,
        }
    }

    fn outcomes(results: &[PushResult]) -> Vec<Outcome> {
        results.iter().map(|r| r.outcome).collect()
    }

    fn stored_as(rec: &PreparedRecord, device_id: Uuid, reg: &str) -> StoredRecord {
        StoredRecord {
            device_id,
            kind: rec.kind.into(),
            payload: rec.canonical.clone(),
            receipt: Receipt {
                registration_no: Some(reg.into()),
                query_code: Some("ABCDEFGHJKMN".into()),
                received_at: ctx().now,
            },
        }
    }

    #[test]
    fn new_petitions_are_numbered_in_order_from_the_stored_counter() {
        let device = Uuid::now_v7();
        let mut counter = counters(&[(2026, 7)]);
        let items = vec![
            PushItem::Store(petition(Uuid::now_v7(), "a")),
            PushItem::Store(attempt(Uuid::now_v7())),
            PushItem::Store(petition(Uuid::now_v7(), "b")),
        ];
        let plan = PushPlan::new(device, items, HashMap::new(), &mut counter, &ctx());
        assert_eq!(plan.fresh.len(), 3);
        let results = plan.written();
        assert_eq!(outcomes(&results), [Outcome::Stored; 3]);
        let numbers: Vec<_> = results
            .iter()
            .map(|r| r.receipt.as_ref().unwrap().registration_no.clone())
            .collect();
        assert_eq!(
            numbers,
            [
                Some("CZXF-2026-000008".to_owned()),
                None,
                Some("CZXF-2026-000009".to_owned())
            ]
        );
        assert!(results[1].receipt.as_ref().unwrap().query_code.is_none());
        assert_eq!(moved(&counter), [(2026, 9)]);
    }

    #[test]
    fn a_petition_is_numbered_in_the_year_it_was_received_in_not_the_year_it_was_synced_in() {
        let device = Uuid::now_v7();
        // Received on 31 December 2026 at 23:30 China time (15:30 UTC), synced on 2 January.
        let new_years_eve = Utc.with_ymd_and_hms(2026, 12, 31, 15, 30, 0).unwrap();
        let january = Utc.with_ymd_and_hms(2027, 1, 1, 1, 0, 0).unwrap();
        let items = vec![
            PushItem::Store(received(Uuid::now_v7(), "a", new_years_eve)),
            PushItem::Store(received(Uuid::now_v7(), "b", january)),
        ];
        assert_eq!(items[0].registration_year(), Some(2026));
        let ctx = PushContext {
            prefix: "CZXF".into(),
            now: Utc.with_ymd_and_hms(2027, 1, 2, 2, 0, 0).unwrap(),
        };
        let mut counter = counters(&[(2026, 1203), (2027, 4)]);
        let plan = PushPlan::new(device, items, HashMap::new(), &mut counter, &ctx);
        let numbers: Vec<_> = plan
            .written()
            .into_iter()
            .map(|r| r.receipt.unwrap().registration_no.unwrap())
            .collect();
        assert_eq!(numbers, ["CZXF-2026-001204", "CZXF-2027-000005"]);
        assert_eq!(moved(&counter), [(2026, 1204), (2027, 5)]);
    }

    #[test]
    fn a_record_already_stored_from_the_same_device_is_a_duplicate_with_its_receipt() {
        let device = Uuid::now_v7();
        let rec = petition(Uuid::now_v7(), "a");
        let known = HashMap::from([(rec.id, stored_as(&rec, device, "CZXF-2026-000001"))]);
        let mut counter = counters(&[(2026, 1)]);
        let plan = PushPlan::new(
            device,
            vec![PushItem::Store(rec)],
            known,
            &mut counter,
            &ctx(),
        );
        assert!(plan.fresh.is_empty());
        let results = plan.written();
        assert_eq!(results[0].outcome, Outcome::Duplicate);
        assert_eq!(
            results[0]
                .receipt
                .as_ref()
                .unwrap()
                .registration_no
                .as_deref(),
            Some("CZXF-2026-000001")
        );
        assert!(moved(&counter).is_empty());
    }

    #[test]
    fn another_payload_or_another_device_under_a_stored_id_is_a_conflict_without_the_receipt() {
        let device = Uuid::now_v7();
        let rec = petition(Uuid::now_v7(), "a");
        let stored = stored_as(&rec, device, "CZXF-2026-000001");
        let changed = petition(rec.id, "b");
        let by_other = judge_repush(&rec, Uuid::now_v7(), &stored);
        let by_self = judge_repush(&changed, device, &stored);
        for r in [by_other, by_self] {
            assert_eq!(r.outcome, Outcome::Conflict);
            assert!(r.receipt.is_none());
            assert_eq!(r.error.unwrap().code, "conflict");
        }
    }

    #[test]
    fn the_same_id_twice_in_one_push_is_stored_once_then_duplicate_or_conflict() {
        let device = Uuid::now_v7();
        let rec = petition(Uuid::now_v7(), "a");
        let items = vec![
            PushItem::Store(rec.clone()),
            PushItem::Store(rec.clone()),
            PushItem::Store(petition(rec.id, "b")),
        ];
        let mut counter = counters(&[(2026, 0)]);
        let plan = PushPlan::new(device, items, HashMap::new(), &mut counter, &ctx());
        assert_eq!(plan.fresh.len(), 1);
        assert_eq!(plan.late.len(), 2, "both are decided again on a retry");
        let results = plan.written();
        assert_eq!(
            outcomes(&results),
            [Outcome::Stored, Outcome::Duplicate, Outcome::Conflict]
        );
        assert_eq!(results[1].receipt, results[0].receipt);
        assert_eq!(moved(&counter), [(2026, 1)], "one number only");
    }

    #[test]
    fn slots_refused_by_validation_keep_their_answer_and_their_place() {
        let device = Uuid::now_v7();
        let refused = invalid(Uuid::now_v7(), ApiError::new("x", "y"));
        let items = vec![refused, PushItem::Store(petition(Uuid::now_v7(), "a"))];
        let mut counter = counters(&[(2026, 0)]);
        let plan = PushPlan::new(device, items, HashMap::new(), &mut counter, &ctx());
        assert_eq!(plan.fresh[0].slot, 1);
        assert_eq!(
            outcomes(&plan.written()),
            [Outcome::Invalid, Outcome::Stored]
        );
    }

    #[test]
    fn canonical_json_ignores_key_order() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":[1,{"d":2,"c":3}],"x":0}}"#).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(r#"{"a":{"x":0,"y":[1,{"c":3,"d":2}]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
    }

    #[test]
    fn the_first_error_says_how_many_more_there_are() {
        let e = first_error(vec![
            ApiError::new("a", "first"),
            ApiError::new("b", "second"),
            ApiError::new("c", "third"),
        ]);
        assert_eq!(e.code, "a");
        assert_eq!(e.param_u64("more"), Some(2));
        assert!(first_error(vec![ApiError::new("a", "x")]).params.is_empty());
    }

    #[test]
    fn a_valid_petition_is_prepared_with_its_query_columns() {
        let example = lianxin_core::example::petition();
        let item = prepare_petition(
            Uuid::now_v7(),
            lianxin_core::example::petition_json(),
            None,
            &in_step(),
            &DeviceConfig::builtin(),
            lianxin_core::example::now(),
        );
        let PushItem::Store(rec) = item else {
            panic!("refused: {item:?}")
        };
        let facts = rec.petition.expect("a petition's facts");
        assert_eq!(facts.township, example.township);
        assert_eq!(facts.subject, "land");
        assert_eq!(facts.category, "appeal_request");
        assert_eq!(facts.received_at, example.received_at.with_timezone(&Utc));
    }

    #[test]
    fn a_petition_with_an_unconfigured_subject_is_invalid_on_the_subject_field() {
        let item = prepare_petition(
            Uuid::now_v7(),
            lianxin_core::example::petition_json(),
            None,
            &in_step(),
            &DeviceConfig {
                subjects: vec![lianxin_core::protocol::SubjectEntry {
                    code: "labor".into(),
                    label: None,
                }],
                ..DeviceConfig::default()
            },
            lianxin_core::example::now(),
        );
        let PushItem::Done(r) = item else {
            panic!("stored")
        };
        assert_eq!(r.outcome, Outcome::Invalid);
        assert_eq!(r.error.unwrap().field.as_deref(), Some("subject"));
    }

    #[test]
    fn an_accusation_routed_to_the_unit_it_accuses_is_invalid_on_the_department_field() {
        // Art. 30 para. 3: 「不得将信访人的检举、揭发材料以及有关情况透露或者转给被检举、揭发的人员或者单位」.
        let mut payload = lianxin_core::example::petition_json();
        payload["category"] = serde_json::json!("accusation");
        payload.as_object_mut().unwrap().remove("appeal_route");
        payload["respondent"] = serde_json::json!("城关镇派出所");
        payload["department"] = serde_json::json!("public_security");
        let item = prepare_petition(
            Uuid::now_v7(),
            payload,
            None,
            &in_step(),
            &DeviceConfig::builtin(),
            lianxin_core::example::now(),
        );
        let PushItem::Done(r) = item else {
            panic!("stored")
        };
        let e = r.error.unwrap();
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("department_accused", Some("department"))
        );
    }
}
