//! The statutory time limits of a petition's handling (《信访工作条例》 Art. 22, 23, 34–36), each
//! computed from the moment the regulation names (receipt, forwarding, acceptance, written reply)
//! by the one counting rule of [`crate::period`]. A petition's limits run from when the bureau
//! received it, never from when a tablet synced it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::period::{days_after, working_days_after, HolidayCalendar, PeriodEnd};
use crate::protocol::StatusEvent;
use crate::status::PetitionStatus;

/// One time limit of the regulation.
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
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Limit {
    /// Art. 22 para. 1: a 信访部门 registers and routes a petition within 15 days of receipt.
    Route,
    /// Art. 23 para. 2: a body that cannot tell the petitioner on the spot does so in writing
    /// within 15 days of receipt, unless the name (名称) and address are unclear.
    WrittenNotice,
    /// Art. 23 para. 3: a body that receives a forwarded matter within its remit tells the
    /// petitioner in writing within 15 days of receiving it.
    ForwardedNotice,
    /// Art. 23 para. 3: a body that receives a forwarded matter outside its remit objects within
    /// 5 working days of receiving it.
    Objection,
    /// Art. 34: an Art. 31(6) matter is finished within 60 days of acceptance (plus an approved
    /// extension of at most 30 days).
    Handling,
    /// Art. 35 para. 1: the petitioner may ask for review within 30 days of receiving the written
    /// reply.
    ReviewRequest,
    /// Art. 35 para. 1: the review opinion within 30 days of the review request.
    ReviewOpinion,
    /// Art. 36 para. 1: the petitioner may ask for re-examination within 30 days of receiving the
    /// review opinion.
    ReexaminationRequest,
    /// Art. 36 paras. 1–2: the re-examination opinion within 30 days of the request (time spent on
    /// a hearing not counted).
    ReexaminationOpinion,
}

/// How long a limit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// Calendar days (日).
    Days(u32),
    /// Working days (工作日).
    WorkingDays(u32),
}

/// Art. 34: the longest extension of the handling limit, in days.
pub const MAX_EXTENSION_DAYS: u32 = 30;

impl Limit {
    /// The article and paragraph that set it.
    pub fn article(self) -> (u8, u8) {
        match self {
            Limit::Route => (22, 1),
            Limit::WrittenNotice => (23, 2),
            Limit::ForwardedNotice | Limit::Objection => (23, 3),
            Limit::Handling => (34, 1),
            Limit::ReviewRequest | Limit::ReviewOpinion => (35, 1),
            Limit::ReexaminationRequest | Limit::ReexaminationOpinion => (36, 1),
        }
    }

    /// Its length.
    pub fn length(self) -> Length {
        match self {
            Limit::Route | Limit::WrittenNotice | Limit::ForwardedNotice => Length::Days(15),
            Limit::Objection => Length::WorkingDays(5),
            Limit::Handling => Length::Days(60),
            Limit::ReviewRequest
            | Limit::ReviewOpinion
            | Limit::ReexaminationRequest
            | Limit::ReexaminationOpinion => Length::Days(30),
        }
    }

    /// Whether it is a window for the petitioner (a right that expires) rather than a duty of
    /// the handling body (which can be overdue).
    pub fn is_petitioners_window(self) -> bool {
        matches!(self, Limit::ReviewRequest | Limit::ReexaminationRequest)
    }

    /// When it ends if it starts at `start`, `extra_days` added (an Art. 34 extension).
    pub fn ends(
        self,
        start: DateTime<Utc>,
        extra_days: u32,
        calendar: &HolidayCalendar,
    ) -> PeriodEnd {
        match self.length() {
            Length::Days(n) => days_after(start, n + extra_days, calendar),
            Length::WorkingDays(n) => working_days_after(start, n + extra_days, calendar),
        }
    }
}

/// One limit of one petition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// Which limit.
    pub limit: Limit,
    /// When it started (receipt, forwarding, acceptance, reply).
    pub starts_at: DateTime<Utc>,
    /// When it runs out.
    pub end: PeriodEnd,
    /// When the step it waits for happened, if it has (a limit that is met cannot be overdue).
    pub met_at: Option<DateTime<Utc>>,
}

impl Deadline {
    /// Whether the body's duty was not met in time: still open after its end at `now`, or met
    /// only after it. A petitioner's window is never overdue, only over.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        !self.limit.is_petitioners_window() && self.met_at.unwrap_or(now) >= self.end.ends_at
    }
}

/// What the limits of one petition depend on.
#[derive(Debug, Clone, Copy)]
pub struct Handling<'a> {
    /// When the bureau (or the township) received it (Art. 22, 23 count from here).
    pub received_at: DateTime<Utc>,
    /// Art. 23 para. 2: the name (名称) and address are unclear, so no written notice is due.
    pub identity_unclear: bool,
    /// Art. 31 item 6: the matter goes the 信访处理意见书 path, the only one with Art. 34's limit.
    pub art31_item6: bool,
    /// Status history, oldest first.
    pub history: &'a [StatusEvent],
}

/// The approved extension of the Art. 34 handling limit that `history` records: the sum of its
/// steps' `extension_days`, at most [`MAX_EXTENSION_DAYS`] however many were announced (Art. 34
/// 「延长期限不得超过30日」 bounds the total, not each extension).
pub fn granted_extension(history: &[StatusEvent]) -> u32 {
    history
        .iter()
        .filter_map(|e| e.extension_days)
        .fold(0u32, u32::saturating_add)
        .min(MAX_EXTENSION_DAYS)
}

/// Every limit that applies to a petition given its history, in the order they start.
pub fn deadlines(h: &Handling<'_>, calendar: &HolidayCalendar) -> Vec<Deadline> {
    let first = |from: DateTime<Utc>, statuses: &[PetitionStatus]| {
        h.history
            .iter()
            .filter(|e| e.at >= from && statuses.contains(&e.status))
            .map(|e| e.at)
            .min()
    };
    let make =
        |limit: Limit, start: DateTime<Utc>, extra: u32, met: Option<DateTime<Utc>>| Deadline {
            limit,
            starts_at: start,
            end: limit.ends(start, extra, calendar),
            met_at: met,
        };
    use PetitionStatus::*;
    let routed = first(h.received_at, &[Forwarded, Accepted, NotAccepted]);
    let mut out = vec![make(Limit::Route, h.received_at, 0, routed)];
    if !h.identity_unclear {
        out.push(make(Limit::WrittenNotice, h.received_at, 0, routed));
    }
    for e in h.history {
        match e.status {
            Forwarded => {
                let answered = first(e.at, &[Accepted, NotAccepted]);
                out.push(make(Limit::ForwardedNotice, e.at, 0, answered));
                out.push(make(Limit::Objection, e.at, 0, answered));
            }
            // An extension is announced on a step that stays `accepted`; only the acceptance
            // itself starts the limit.
            Accepted if h.art31_item6 && e.extension_days.is_none() => {
                let done = first(e.at, &[Handled, Closed]);
                let extra = granted_extension(h.history);
                out.push(make(Limit::Handling, e.at, extra, done));
            }
            Handled => out.push(make(Limit::ReviewRequest, e.at, 0, None)),
            _ => {}
        }
    }
    out.sort_by_key(|d| d.starts_at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    use crate::example::cst;

    fn event(status: PetitionStatus, at: DateTime<Utc>) -> StatusEvent {
        StatusEvent {
            status,
            at,
            department: None,
            note: None,
            deadline: None,
            extension_days: None,
        }
    }

    /// An approved Art. 34 extension of `days`, announced at `at` with its reason.
    fn extension(days: u32, at: DateTime<Utc>) -> StatusEvent {
        StatusEvent {
            extension_days: Some(days),
            note: Some("需补充调查".into()),
            ..event(PetitionStatus::Accepted, at)
        }
    }

    fn handling(history: &[StatusEvent]) -> Handling<'_> {
        Handling {
            received_at: cst(2026, 3, 2, 9),
            identity_unclear: false,
            art31_item6: true,
            history,
        }
    }

    fn last_day(d: &[Deadline], limit: Limit) -> NaiveDate {
        d.iter().find(|x| x.limit == limit).unwrap().end.last_day
    }

    #[test]
    fn a_new_petition_has_the_15_day_routing_and_written_notice_limits_from_its_receipt() {
        let d = deadlines(&handling(&[]), &HolidayCalendar::builtin());
        let limits: Vec<_> = d.iter().map(|x| x.limit).collect();
        assert_eq!(limits, [Limit::Route, Limit::WrittenNotice]);
        assert_eq!(
            d[0].end.last_day,
            NaiveDate::from_ymd_opt(2026, 3, 17).unwrap()
        );
        assert_eq!(d[0].limit.article(), (22, 1));
        assert_eq!(d[1].limit.article(), (23, 2));
    }

    #[test]
    fn a_petition_whose_name_and_address_are_unclear_has_no_written_notice_limit() {
        let mut h = handling(&[]);
        h.identity_unclear = true;
        let d = deadlines(&h, &HolidayCalendar::builtin());
        assert!(d.iter().all(|x| x.limit != Limit::WrittenNotice));
        assert!(d.iter().any(|x| x.limit == Limit::Route));
    }

    #[test]
    fn routing_in_time_meets_the_limit_and_late_routing_is_overdue() {
        let cal = HolidayCalendar::builtin();
        let on_time = [event(PetitionStatus::Forwarded, cst(2026, 3, 10, 9))];
        let d = deadlines(&handling(&on_time), &cal);
        assert!(!d[0].is_overdue(cst(2026, 5, 1, 9)));
        let late = [event(PetitionStatus::Forwarded, cst(2026, 3, 20, 9))];
        let d = deadlines(&handling(&late), &cal);
        assert!(d[0].is_overdue(cst(2026, 5, 1, 9)));
        let none = deadlines(&handling(&[]), &cal);
        assert!(!none[0].is_overdue(cst(2026, 3, 17, 23)));
        assert!(none[0].is_overdue(cst(2026, 3, 18, 0)));
    }

    #[test]
    fn forwarding_starts_the_notice_and_the_five_working_day_objection_limits() {
        let h = [event(PetitionStatus::Forwarded, cst(2026, 9, 30, 16))];
        let d = deadlines(&handling(&h), &HolidayCalendar::builtin());
        assert_eq!(
            last_day(&d, Limit::Objection),
            NaiveDate::from_ymd_opt(2026, 10, 13).unwrap()
        );
        // 09-30 + 15 = 10-15.
        assert_eq!(
            last_day(&d, Limit::ForwardedNotice),
            NaiveDate::from_ymd_opt(2026, 10, 15).unwrap()
        );
    }

    #[test]
    fn only_an_article_31_item_6_matter_gets_the_60_day_limit() {
        let h = [event(PetitionStatus::Accepted, cst(2026, 3, 2, 9))];
        let cal = HolidayCalendar::builtin();
        // 03-02 + 60 = Friday 05-01, Labour Day (05-01..05-05) → Wednesday 05-06.
        assert_eq!(
            last_day(&deadlines(&handling(&h), &cal), Limit::Handling),
            NaiveDate::from_ymd_opt(2026, 5, 6).unwrap()
        );
        let mut other = handling(&h);
        other.art31_item6 = false;
        assert!(deadlines(&other, &cal)
            .iter()
            .all(|d| d.limit != Limit::Handling));
    }

    #[test]
    fn a_20_day_extension_in_the_history_moves_the_article_34_last_day_by_20_days() {
        let h = [
            event(PetitionStatus::Accepted, cst(2026, 6, 1, 9)),
            extension(20, cst(2026, 7, 20, 9)),
        ];
        let cal = HolidayCalendar::builtin();
        // 06-01 + 60 = Friday 07-31; + 20 = Thursday 08-20, both working days.
        assert_eq!(
            last_day(&deadlines(&handling(&h[..1]), &cal), Limit::Handling),
            NaiveDate::from_ymd_opt(2026, 7, 31).unwrap()
        );
        let extended = deadlines(&handling(&h), &cal);
        assert_eq!(
            last_day(&extended, Limit::Handling),
            NaiveDate::from_ymd_opt(2026, 8, 20).unwrap()
        );
        let limits = extended.iter().filter(|d| d.limit == Limit::Handling);
        assert_eq!(limits.count(), 1, "the extension starts no second limit");
    }

    #[test]
    fn extensions_adding_up_past_30_days_count_as_30() {
        let h = [
            event(PetitionStatus::Accepted, cst(2026, 3, 2, 9)),
            extension(20, cst(2026, 4, 20, 9)),
            extension(25, cst(2026, 4, 27, 9)),
        ];
        assert_eq!(granted_extension(&h), MAX_EXTENSION_DAYS);
        // 03-02 + 90 = Sunday 05-31 → Monday 06-01 (民法典 Art. 203).
        assert_eq!(
            last_day(
                &deadlines(&handling(&h), &HolidayCalendar::builtin()),
                Limit::Handling
            ),
            NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
        );
    }

    #[test]
    fn an_extension_on_a_matter_that_is_not_article_31_item_6_changes_nothing() {
        let cal = HolidayCalendar::builtin();
        let plain = [event(PetitionStatus::Accepted, cst(2026, 3, 2, 9))];
        let extended = [plain[0].clone(), extension(20, cst(2026, 4, 20, 9))];
        let mut without = handling(&plain);
        without.art31_item6 = false;
        let mut with = handling(&extended);
        with.art31_item6 = false;
        assert_eq!(deadlines(&with, &cal), deadlines(&without, &cal));
    }

    #[test]
    fn a_written_reply_opens_the_petitioners_30_day_review_window_which_is_never_overdue() {
        let h = [
            event(PetitionStatus::Accepted, cst(2026, 3, 2, 9)),
            event(PetitionStatus::Handled, cst(2026, 4, 1, 9)),
        ];
        let d = deadlines(&handling(&h), &HolidayCalendar::builtin());
        let review = d.iter().find(|x| x.limit == Limit::ReviewRequest).unwrap();
        assert_eq!(review.limit.article(), (35, 1));
        assert_eq!(
            review.end.last_day,
            NaiveDate::from_ymd_opt(2026, 5, 6).unwrap()
        );
        assert!(!review.is_overdue(cst(2027, 1, 1, 0)));
        let handling_limit = d.iter().find(|x| x.limit == Limit::Handling).unwrap();
        assert_eq!(handling_limit.met_at, Some(cst(2026, 4, 1, 9)));
    }

    #[test]
    fn every_limit_names_its_article_and_is_spelled_in_snake_case() {
        use strum::IntoEnumIterator;
        for l in Limit::iter() {
            let (article, _) = l.article();
            assert!((1..=50).contains(&article));
        }
        crate::assert_wire_names::<Limit>();
    }
}
