//! A petition's handling: which step may follow which (lianxin_core::status, after the
//! regulation) and the statutory deadline each step starts.

use chrono::{DateTime, Utc};
use lianxin_core::protocol::StatusEvent;
use lianxin_core::status::{deadline_for, PetitionStatus, TransitionError};

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

/// The history entry of a newly registered petition: the Art. 22 routing deadline runs from the
/// moment it was received.
pub fn registered(at: DateTime<Utc>) -> StatusEvent {
    StatusEvent {
        status: PetitionStatus::Registered,
        at,
        department: None,
        note: None,
        deadline: deadline_for(PetitionStatus::Registered, at, false),
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
        deadline: deadline_for(change.status, change.at, change.art31_item6),
    })
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
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
    fn a_registered_petition_must_be_routed_within_15_days() {
        assert_eq!(registered(at()).deadline, Some(at() + Duration::days(15)));
    }

    #[test]
    fn accepting_an_article_31_item_6_matter_starts_the_60_day_deadline() {
        let event = step(
            PetitionStatus::Registered,
            change(PetitionStatus::Accepted, true),
        );
        assert_eq!(event.unwrap().deadline, Some(at() + Duration::days(60)));
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
        assert_eq!(event.deadline, Some(at() + Duration::days(15)));
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
