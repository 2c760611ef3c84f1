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
use lianxin_core::deadlines::Limit;
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
