//! A petition's handling: which step may follow which (lianxin_core::status, after the
//! regulation) and the statutory deadline each step starts.
//!
//! Deadlines are [`lianxin_core::deadlines::Limit`]s counted by [`lianxin_core::period`]'s one
//! rule (民法典 Art. 201, 203: the starting day does not count, a last day that is a rest day moves
//! to the next working day, the period ends at 24:00 China time) with the State Council's holiday
//! calendar. A petition's first deadline runs from when it was received (the payload's
//! `received_at`, 《信访工作条例》 Art. 22/23), not from when a tablet synced it; a later step's
//! runs from that step.

use chrono::{DateTime, Utc};
use lianxin_core::deadlines::{granted_extension, Limit, MAX_EXTENSION_DAYS};
use lianxin_core::period::HolidayCalendar;
use lianxin_core::protocol::StatusEvent;
use lianxin_core::status::{PetitionStatus, TransitionError};

/// The moment `limit` runs out if it starts at `start` (24:00 China time of its last day).
pub fn deadline(limit: Limit, start: DateTime<Utc>) -> DateTime<Utc> {
    // The calendar bundled with lianxin-core; a year without a State Council notice counts
    // Monday to Friday.
    limit.ends(start, 0, HolidayCalendar::shared()).ends_at
}

/// The limit a step starts, if any: forwarding starts the receiving body's Art. 23 para. 3
/// notice, accepting an Art. 31 item 6 matter Art. 34's handling limit. Other steps start none
/// the regulation counts (matters routed into other procedures follow those procedures' limits).
pub fn limit_of(status: PetitionStatus, art31_item6: bool) -> Option<Limit> {
    match status {
        PetitionStatus::Registered => Some(Limit::Route),
        PetitionStatus::Forwarded => Some(Limit::ForwardedNotice),
        PetitionStatus::Accepted if art31_item6 => Some(Limit::Handling),
        _ => None,
    }
}

/// A status change requested by staff.
#[derive(Debug, Clone)]
pub struct StatusChange {
    /// The petition, by registration number.
    pub registration_no: String,
    /// The new status.
    pub status: PetitionStatus,
    /// The department forwarded to.
    pub department: Option<String>,
    /// A short note without personal data.
    pub note: Option<String>,
    /// Whether the matter is an Art. 31 item 6 one (gets the Art. 34 deadline on acceptance).
    pub art31_item6: bool,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetStatusError {
    /// No petition has that registration number.
    #[error("no petition has registration number {0}")]
    NotFound(String),
    /// The regulation's order of handling does not allow the step.
    #[error("a petition cannot go from {} to {}", .0.from, .0.to)]
    Transition(#[from] TransitionError),
}

impl SetStatusError {
    /// The stable code a UI or script can act on.
    pub fn code(&self) -> &'static str {
        match self {
            SetStatusError::NotFound(_) => "not_found",
            SetStatusError::Transition(_) => "transition_not_allowed",
        }
    }
}

/// The history entry of a newly registered petition received at `received_at` (its payload's
/// time, not the sync's): registered on receipt (Art. 22 para. 1 「收到信访事项，应当予以登记」),
/// and the 15-day routing limit runs from then.
pub fn registered(received_at: DateTime<Utc>) -> StatusEvent {
    StatusEvent {
        status: PetitionStatus::Registered,
        at: received_at,
        department: None,
        note: None,
        deadline: Some(deadline(Limit::Route, received_at)),
        extension_days: None,
    }
}

/// The history entry a change makes of a petition now in `current`, or why it may not.
pub fn step(current: PetitionStatus, change: StatusChange) -> Result<StatusEvent, SetStatusError> {
    current.transition(change.status)?;
    Ok(StatusEvent {
        status: change.status,
        at: change.at,
        department: change.department,
        note: change.note,
        deadline: limit_of(change.status, change.art31_item6).map(|l| deadline(l, change.at)),
        extension_days: None,
    })
}

/// An extension of the Art. 34 handling limit, approved by the body's responsible person
/// (「经本机关、单位负责人批准」) and requested by staff.
#[derive(Debug, Clone)]
pub struct Extension {
    /// The petition, by registration number.
    pub registration_no: String,
    /// How many days the limit grows by.
    pub days: u32,
    /// Why: the petitioner is told it (「并告知信访人延期理由」), so no personal data.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why an extension was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtendError {
    /// No petition has that registration number.
    #[error("no petition has registration number {0}")]
    NotFound(String),
    /// Only a matter being handled (`accepted`) has a running handling limit to extend.
    #[error("a petition that is {0} has no handling limit to extend")]
    NotAccepted(PetitionStatus),
    /// Art. 34's limit, and so its extension, belongs to Art. 31 item 6 matters only.
    #[error("the petition was not accepted as an Art. 31 item 6 matter")]
    NotArt31Item6,
    /// An extension of no days announces nothing.
    #[error("an extension needs at least one day")]
    NoDays,
    /// Art. 34: 「延长期限不得超过30日」, all extensions together.
    #[error("{granted} days already granted and {asked} more exceed the 30 days of Art. 34")]
    TooLong {
        /// Days already granted.
        granted: u32,
        /// Days asked for now.
        asked: u32,
    },
    /// Art. 34: the petitioner is told the reason, so there must be one.
    #[error("an extension needs the reason the petitioner is told")]
    ReasonMissing,
}

impl ExtendError {
    /// The stable code a UI or script can act on.
    pub fn code(&self) -> &'static str {
        match self {
            ExtendError::NotFound(_) => "not_found",
            ExtendError::NotAccepted(_) => "extension_not_allowed",
            ExtendError::NotArt31Item6 => "extension_not_art31_item6",
            ExtendError::NoDays => "extension_days_missing",
            ExtendError::TooLong { .. } => "extension_too_long",
            ExtendError::ReasonMissing => "extension_reason_missing",
        }
    }
}

/// The history entry that records `ext` on a petition now in `current` with `history` (oldest
/// first), or why Art. 34 does not allow it. Whether the matter is an Art. 31 item 6 one was
/// decided when it was accepted: that step, and only for such a matter, started the Art. 34
/// limit ([`limit_of`]), so its deadline says so. The entry stays `accepted`, carries the days
/// and the reason, and its deadline is the new end of the limit, counted from the acceptance.
pub fn extend(
    current: PetitionStatus,
    history: &[StatusEvent],
    ext: Extension,
) -> Result<StatusEvent, ExtendError> {
    if current != PetitionStatus::Accepted {
        return Err(ExtendError::NotAccepted(current));
    }
    let acceptance = history
        .iter()
        .rfind(|e| e.status == PetitionStatus::Accepted && e.extension_days.is_none())
        .filter(|e| e.deadline.is_some())
        .ok_or(ExtendError::NotArt31Item6)?;
    if ext.days == 0 {
        return Err(ExtendError::NoDays);
    }
    let granted = granted_extension(history);
    if granted.saturating_add(ext.days) > MAX_EXTENSION_DAYS {
        return Err(ExtendError::TooLong {
            granted,
            asked: ext.days,
        });
    }
    let reason = ext.reason.trim();
    if reason.is_empty() {
        return Err(ExtendError::ReasonMissing);
    }
    let ends = Limit::Handling.ends(acceptance.at, granted + ext.days, HolidayCalendar::shared());
    Ok(StatusEvent {
        status: PetitionStatus::Accepted,
        at: ext.at,
        department: None,
        note: Some(reason.to_owned()),
        deadline: Some(ends.ends_at),
        extension_days: Some(ext.days),
    })
}

#[cfg(test)]
mod tests {

    use super::*;

    use lianxin_core::example::cst;

    /// 2026-11-30 20:00 in China (12:00 UTC).
    fn at() -> DateTime<Utc> {
        cst(2026, 11, 30, 20)
    }

    fn change(status: PetitionStatus, art31_item6: bool) -> StatusChange {
        StatusChange {
            registration_no: "CZXF-2026-000001".into(),
            status,
            department: Some("县自然资源局".into()),
            note: None,
            art31_item6,
            at: at(),
        }
    }

    /// A matter accepted at [`at`], as `set-status` records it with or without `--art31-item6`.
    fn accepted(art31_item6: bool) -> Vec<StatusEvent> {
        let acceptance = step(
            PetitionStatus::Registered,
            change(PetitionStatus::Accepted, art31_item6),
        );
        vec![registered(at()), acceptance.unwrap()]
    }

    fn extension(days: u32, reason: &str) -> Extension {
        Extension {
            registration_no: "CZXF-2026-000001".into(),
            days,
            reason: reason.into(),
            at: cst(2026, 12, 20, 10),
        }
    }

    #[test]
    fn an_approved_extension_stays_accepted_and_moves_the_article_34_deadline() {
        let history = accepted(true);
        let event = extend(
            PetitionStatus::Accepted,
            &history,
            extension(20, " 需现场勘验 "),
        );
        let event = event.unwrap();
        assert_eq!(event.status, PetitionStatus::Accepted);
        assert_eq!(event.extension_days, Some(20));
        assert_eq!(event.note.as_deref(), Some("需现场勘验"));
        // 11-30 + 60 + 20 = Thursday 2027-02-18 (Monday to Friday assumed for 2027), to 24:00.
        assert_eq!(event.deadline, Some(cst(2027, 2, 19, 0)));
    }

    #[test]
    fn a_second_extension_counts_from_the_acceptance_with_both_together() {
        let mut history = accepted(true);
        history.push(extend(PetitionStatus::Accepted, &history, extension(10, "a")).unwrap());
        let event = extend(PetitionStatus::Accepted, &history, extension(20, "b"));
        // 11-30 + 90 = Sunday 2027-02-28 → Monday 03-01 (民法典 Art. 203), to 24:00.
        assert_eq!(event.unwrap().deadline, Some(cst(2027, 3, 2, 0)));
    }

    #[test]
    fn a_petition_not_being_handled_cannot_be_extended() {
        let history = [registered(at())];
        let err = extend(PetitionStatus::Registered, &history, extension(20, "x"));
        assert_eq!(err.unwrap_err().code(), "extension_not_allowed");
        let err = extend(PetitionStatus::Handled, &accepted(true), extension(20, "x"));
        assert_eq!(err.unwrap_err().code(), "extension_not_allowed");
    }

    #[test]
    fn a_matter_not_accepted_under_article_31_item_6_cannot_be_extended() {
        let err = extend(
            PetitionStatus::Accepted,
            &accepted(false),
            extension(20, "x"),
        );
        assert_eq!(err.unwrap_err().code(), "extension_not_art31_item6");
    }

    #[test]
    fn an_extension_of_no_days_is_refused() {
        let err = extend(PetitionStatus::Accepted, &accepted(true), extension(0, "x"));
        assert_eq!(err.unwrap_err().code(), "extension_days_missing");
    }

    #[test]
    fn extensions_may_not_add_up_to_more_than_30_days() {
        let mut history = accepted(true);
        assert!(extend(PetitionStatus::Accepted, &history, extension(30, "x")).is_ok());
        let err = extend(PetitionStatus::Accepted, &history, extension(31, "x"));
        assert_eq!(err.unwrap_err().code(), "extension_too_long");
        history.push(extend(PetitionStatus::Accepted, &history, extension(20, "x")).unwrap());
        let err = extend(PetitionStatus::Accepted, &history, extension(11, "x"));
        let err = err.unwrap_err();
        assert_eq!(err.code(), "extension_too_long");
        assert_eq!(
            err.to_string(),
            "20 days already granted and 11 more exceed the 30 days of Art. 34"
        );
    }

    #[test]
    fn an_extension_without_a_reason_for_the_petitioner_is_refused() {
        let err = extend(
            PetitionStatus::Accepted,
            &accepted(true),
            extension(20, "  "),
        );
        assert_eq!(err.unwrap_err().code(), "extension_reason_missing");
    }

    #[test]
    fn a_registered_petition_must_be_routed_within_15_days_of_its_receipt() {
        // Art. 22 para. 1: 15 days. 民法典 Art. 201: 11-30 itself does not count, so the last day
        // is 12-15 (a Tuesday); Art. 203: the period ends at 24:00 China time of that day.
        let event = registered(at());
        assert_eq!(event.at, at(), "registered when received");
        assert_eq!(event.deadline, Some(cst(2026, 12, 16, 0)));
    }

    #[test]
    fn a_routing_deadline_on_a_holiday_moves_to_the_next_working_day() {
        // Received 2026-09-16: 15 days reach 10-01, National Day (10-01..10-07 by the State
        // Council's notice); 民法典 Art. 203 moves the last day to Thursday 10-08.
        assert_eq!(
            registered(cst(2026, 9, 16, 10)).deadline,
            Some(cst(2026, 10, 9, 0))
        );
    }

    #[test]
    fn accepting_an_article_31_item_6_matter_starts_the_60_day_deadline() {
        // Art. 34: 60 days from acceptance. 11-30 + 60 = Friday 2027-01-29, a working day (2027
        // has no holiday notice yet, so Monday to Friday are assumed).
        let event = step(
            PetitionStatus::Registered,
            change(PetitionStatus::Accepted, true),
        );
        assert_eq!(event.unwrap().deadline, Some(cst(2027, 1, 30, 0)));
        let event = step(
            PetitionStatus::Registered,
            change(PetitionStatus::Accepted, false),
        );
        assert_eq!(event.unwrap().deadline, None);
    }

    #[test]
    fn a_step_keeps_the_department_and_note_it_was_given() {
        let event = step(
            PetitionStatus::Registered,
            change(PetitionStatus::Forwarded, false),
        );
        let event = event.unwrap();
        assert_eq!(event.status, PetitionStatus::Forwarded);
        assert_eq!(event.department.as_deref(), Some("县自然资源局"));
        // Art. 23 para. 3: the receiving body tells the petitioner within 15 days of receiving
        // the forwarded matter: 11-30 + 15 = Tuesday 12-15, to 24:00.
        assert_eq!(event.deadline, Some(cst(2026, 12, 16, 0)));
    }

    #[test]
    fn a_step_the_regulation_does_not_allow_is_refused_with_both_statuses() {
        let err = step(
            PetitionStatus::Registered,
            change(PetitionStatus::Closed, false),
        );
        let err = err.unwrap_err();
        assert_eq!(err.code(), "transition_not_allowed");
        assert_eq!(
            err.to_string(),
            "a petition cannot go from registered to closed"
        );
    }
}
