//! Statuses of a petition's handling, which steps between them are allowed, and the statutory
//! deadlines that run from them (《信访工作条例》 Art. 22, 23, 31, 34).
//!
//! Days are calendar days (日) except the Art. 23 objection period, which counts working days
//! (工作日). The regulation does not say whether the first day counts; we count from the moment of
//! the step, so "15 日" ends exactly 15 × 24 hours later. Public holidays are not modelled: a
//! working day here is Monday to Friday, which can only make the objection deadline earlier, never
//! later, than the true one.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
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

/// Art. 22 para. 1 / Art. 23 paras. 2–3: a registered (or forwarded) matter is routed, or the
/// petitioner told in writing, within 15 days.
pub const ROUTE_OR_INFORM_DAYS: i64 = 15;
/// Art. 23 para. 3: a body that gets a matter outside its remit objects within 5 working days.
pub const OBJECTION_WORKING_DAYS: u32 = 5;
/// Art. 34: an Art. 31(6) matter is finished within 60 days of acceptance…
pub const HANDLING_DAYS: i64 = 60;
/// …extended, when complicated and approved by the body's head, by at most 30 days.
pub const MAX_EXTENSION_DAYS: i64 = 30;

/// The deadline that starts with a step, if the regulation sets one.
///
/// `art31_item6` says whether the matter is one of Art. 31 item 6 (申诉求决类 matters not routed
/// into litigation, arbitration, administrative review or another procedure). Only those get the
/// Art. 34 60-day limit; the others follow their own procedure's limits, which the 条例 does not
/// state, so no deadline is computed for them.
pub fn deadline_for(
    status: PetitionStatus,
    at: DateTime<Utc>,
    art31_item6: bool,
) -> Option<DateTime<Utc>> {
    match status {
        PetitionStatus::Registered | PetitionStatus::Forwarded => {
            Some(at + Duration::days(ROUTE_OR_INFORM_DAYS))
        }
        PetitionStatus::Accepted if art31_item6 => Some(at + Duration::days(HANDLING_DAYS)),
        _ => None,
    }
}

/// Art. 34's handling deadline with an extension of `extension_days` (0 for none).
pub fn handling_deadline(
    accepted_at: DateTime<Utc>,
    extension_days: i64,
) -> Result<DateTime<Utc>, ExtensionError> {
    if !(0..=MAX_EXTENSION_DAYS).contains(&extension_days) {
        return Err(ExtensionError(extension_days));
    }
    Ok(accepted_at + Duration::days(HANDLING_DAYS + extension_days))
}

/// An extension outside Art. 34's 0–30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an extension is at most 30 days (Art. 34); got {0}")]
pub struct ExtensionError(pub i64);

/// Art. 23 para. 3: the last day on which a body that received a forwarded matter on `received`
/// may object that it is not within its remit (5 working days, Monday–Friday).
pub fn objection_deadline(received: NaiveDate) -> NaiveDate {
    let mut day = received;
    let mut left = OBJECTION_WORKING_DAYS;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap()
    }

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

    #[test]
    fn registration_starts_the_fifteen_day_routing_deadline() {
        let at = t(2026, 3, 1);
        assert_eq!(
            deadline_for(PetitionStatus::Registered, at, false),
            Some(t(2026, 3, 16))
        );
        assert_eq!(
            deadline_for(PetitionStatus::Forwarded, at, true),
            Some(t(2026, 3, 16))
        );
    }

    #[test]
    fn only_article_31_item_6_matters_get_the_sixty_day_handling_deadline() {
        let at = t(2026, 3, 1);
        assert_eq!(
            deadline_for(PetitionStatus::Accepted, at, true),
            Some(t(2026, 4, 30))
        );
        assert_eq!(deadline_for(PetitionStatus::Accepted, at, false), None);
        assert_eq!(deadline_for(PetitionStatus::Closed, at, true), None);
    }

    #[test]
    fn the_handling_deadline_extends_by_at_most_thirty_days() {
        let at = t(2026, 3, 1);
        assert_eq!(handling_deadline(at, 0).unwrap(), t(2026, 4, 30));
        assert_eq!(handling_deadline(at, 30).unwrap(), t(2026, 5, 30));
        assert_eq!(handling_deadline(at, 31), Err(ExtensionError(31)));
        assert_eq!(handling_deadline(at, -1), Err(ExtensionError(-1)));
    }

    #[test]
    fn the_objection_period_skips_weekends() {
        // Friday 2026-03-06 + 5 working days = Friday 2026-03-13.
        let fri = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
        assert_eq!(
            objection_deadline(fri),
            NaiveDate::from_ymd_opt(2026, 3, 13).unwrap()
        );
        // Monday 2026-03-02 + 5 working days = Monday 2026-03-09.
        let mon = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(
            objection_deadline(mon),
            NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()
        );
    }
}
