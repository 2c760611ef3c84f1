//! Statuses of a petition's handling and which steps between them are allowed (《信访工作条例》
//! Art. 22, 23, 31–34). The time limits that run from each step are [`crate::deadlines`], counted
//! by [`crate::period`].

use serde::{Deserialize, Serialize};
use std::fmt;
pub use strum::IntoEnumIterator;

/// Where a petition stands (《信访工作条例》 Art. 22, 23, 31–34).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
/// Declared in the order of a typical handling, which is the order `iter()` lists them in.
pub enum PetitionStatus {
    /// 已登记 — received and registered.
    Registered,
    /// 已转送 — forwarded to the responsible department.
    Forwarded,
    /// 已受理.
    Accepted,
    /// 不予受理.
    NotAccepted,
    /// 已办理 — handled, written opinion issued.
    Handled,
    /// 已办结.
    Closed,
}

impl PetitionStatus {
    /// The wire spelling, also used in the database and on the command line. (The app names
    /// each status in the user's language from its locale files.)
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The statuses that may follow this one.
    ///
    /// A registered petition is routed within 15 days (Art. 22): accepted here, not accepted, or
    /// forwarded to the body that has the power to handle it, which then accepts or refuses it
    /// (Art. 23). An accepted matter is handled (a written opinion, Art. 31–33) and then closed;
    /// a refusal is closed too. A closed matter stays closed: review (复查, Art. 35) is a new
    /// matter at the next level up, not a step back.
    pub fn next(self) -> &'static [PetitionStatus] {
        use PetitionStatus::*;
        match self {
            Registered => &[Accepted, NotAccepted, Forwarded],
            Forwarded => &[Accepted, NotAccepted],
            Accepted => &[Handled],
            Handled => &[Closed],
            NotAccepted => &[Closed],
            Closed => &[],
        }
    }

    /// Whether `self → to` is an allowed step.
    pub fn can_become(self, to: PetitionStatus) -> bool {
        self.next().contains(&to)
    }

    /// Checks a step, with a message that says what would be allowed instead.
    pub fn transition(self, to: PetitionStatus) -> Result<PetitionStatus, TransitionError> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err(TransitionError { from: self, to })
        }
    }
}

impl fmt::Display for PetitionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a wire spelling, e.g. on the command line.
pub fn parse_status(s: &str) -> Result<PetitionStatus, UnknownStatus> {
    s.parse().map_err(|_| UnknownStatus(s.to_owned()))
}

/// A status spelling that is not one of the statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}; known: {known}", known = known_statuses())]
pub struct UnknownStatus(pub String);

fn known_statuses() -> String {
    PetitionStatus::iter()
        .map(PetitionStatus::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A step the regulation's order of handling does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a petition cannot go from {} to {}", from.as_str(), to.as_str())]
pub struct TransitionError {
    /// The current status.
    pub from: PetitionStatus,
    /// The refused new status.
    pub to: PetitionStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_petition_may_be_accepted_refused_or_forwarded_but_not_closed() {
        let s = PetitionStatus::Registered;
        assert!(s.can_become(PetitionStatus::Accepted));
        assert!(s.can_become(PetitionStatus::NotAccepted));
        assert!(s.can_become(PetitionStatus::Forwarded));
        assert!(!s.can_become(PetitionStatus::Closed));
        assert!(!s.can_become(PetitionStatus::Handled));
    }

    #[test]
    fn a_closed_petition_never_changes_again() {
        for to in PetitionStatus::iter() {
            assert!(PetitionStatus::Closed.transition(to).is_err());
        }
    }

    #[test]
    fn a_refused_transition_names_both_statuses() {
        let err = PetitionStatus::Accepted
            .transition(PetitionStatus::Registered)
            .unwrap_err();
        assert_eq!(
            (err.from, err.to),
            (PetitionStatus::Accepted, PetitionStatus::Registered)
        );
        assert_eq!(
            err.to_string(),
            "a petition cannot go from accepted to registered"
        );
    }

    #[test]
    fn every_status_round_trips_through_its_spelling() {
        crate::assert_wire_names::<PetitionStatus>();
        for s in PetitionStatus::iter() {
            assert_eq!(parse_status(s.as_str()).unwrap(), s);
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        assert!(parse_status("done").is_err());
        assert!(parse_status("done")
            .unwrap_err()
            .to_string()
            .contains("not_accepted"));
    }
}
