//! Statutory periods, counted by one documented rule in one place.
//!
//! 《信访工作条例》 sets its limits in days (日: Art. 22, 23 para. 2, 34–36) and working days (工作日:
//! Art. 23 para. 3) without saying how to count them. We follow the general rule of periods of the
//! 民法典 (Art. 200–204), in China Standard Time (UTC+8), the bureau's calendar:
//! - Art. 201 para. 1: a period counted in days starts on the day after the starting day
//!   (「开始的当日不计入，自下一日开始计算」);
//! - Art. 203 para. 1: a last day that is a statutory rest day moves on; we read 法定休假日 as the
//!   State Council's holidays and the weekends that are not make-up working days (调休), which is
//!   how courts read it, so the period ends on the next working day;
//! - Art. 203 para. 2: a period ends at 24:00 of its last day (「截止时间为二十四时」).
//!
//! Working days follow the State Council's yearly holiday notices, make-up working days included,
//! kept as data ([`HolidayCalendar`], bundled in `data/holidays.json`, each year citing its notice,
//! and replaceable from the pull feed). A year without data counts Monday to Friday, and the
//! result says so ([`PeriodEnd::calendar_known`]), so a screen can mark it as an estimate.

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// China Standard Time.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The calendar day of `t` in China.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// The State Council's holiday arrangements, one entry per year for which a notice is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolidayCalendar {
    /// The years, in any order.
    pub years: Vec<HolidayYear>,
}

/// One year's notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolidayYear {
    /// The calendar year.
    pub year: i32,
    /// The notice it comes from (title, number and date).
    pub source: String,
    /// Days off, as inclusive ranges `[first, last]`.
    pub holidays: Vec<(NaiveDate, NaiveDate)>,
    /// Weekend days that are working days (调休上班).
    pub working_days: Vec<NaiveDate>,
}

/// What kind of day a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A working day (Monday–Friday, or a make-up working day).
    Working,
    /// A Saturday or Sunday that is not a make-up working day.
    Weekend,
    /// A day off by the State Council's notice.
    Holiday,
}

impl HolidayCalendar {
    /// The calendar bundled with the app (`crates/core/data/holidays.json`), parsed once.
    pub fn shared() -> &'static HolidayCalendar {
        static BUILTIN: std::sync::OnceLock<HolidayCalendar> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            serde_json::from_str(include_str!("../data/holidays.json"))
                .expect("the bundled holiday calendar parses (tested)")
        })
    }

    /// A copy of the bundled calendar.
    pub fn builtin() -> Self {
        Self::shared().clone()
    }

    /// Whether a notice for `year` is known.
    pub fn knows(&self, year: i32) -> bool {
        self.years.iter().any(|y| y.year == year)
    }

    /// What kind of day `date` is.
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(y) = self.years.iter().find(|y| y.year == date.year()) {
            if y.holidays.iter().any(|(a, b)| (*a..=*b).contains(&date)) {
                return DayKind::Holiday;
            }
            if y.working_days.contains(&date) {
                return DayKind::Working;
            }
        }
        match date.weekday() {
            Weekday::Sat | Weekday::Sun => DayKind::Weekend,
            _ => DayKind::Working,
        }
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.day_kind(date) == DayKind::Working
    }
}

/// When a period ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodEnd {
    /// Its last day, in China.
    pub last_day: NaiveDate,
    /// 24:00 China time of the last day, the moment it has run out.
    pub ends_at: DateTime<Utc>,
    /// False when a day that was counted or moved over lies in a year without a holiday notice
    /// (Monday–Friday was assumed there).
    pub calendar_known: bool,
}

impl PeriodEnd {
    fn new(last_day: NaiveDate, calendar_known: bool) -> Self {
        let next = last_day + Days::new(1);
        let ends_at = china()
            .from_local_datetime(&next.and_hms_opt(0, 0, 0).expect("midnight exists"))
            .single()
            .expect("UTC+8 has no gaps")
            .with_timezone(&Utc);
        PeriodEnd {
            last_day,
            ends_at,
            calendar_known,
        }
    }

    /// Whole days left at `now` until the period runs out, counted in China's calendar: 0 on the
    /// last day, negative once it is over (overdue by that many days).
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        (self.last_day - china_date(now)).num_days()
    }

    /// Whether the period has run out at `now`.
    pub fn is_over(&self, now: DateTime<Utc>) -> bool {
        now >= self.ends_at
    }
}

/// A period of `days` days that starts at `start` (民法典 Art. 201, 203; see the module doc).
pub fn days_after(start: DateTime<Utc>, days: u32, calendar: &HolidayCalendar) -> PeriodEnd {
    let mut last = china_date(start) + Days::new(u64::from(days));
    let mut known = calendar.knows(last.year());
    while !calendar.is_working_day(last) {
        last = last + Days::new(1);
        known &= calendar.knows(last.year());
    }
    PeriodEnd::new(last, known)
}

/// A period of `n` working days that starts at `start`: the day of `start` does not count, then
/// every working day does, make-up working days included.
pub fn working_days_after(start: DateTime<Utc>, n: u32, calendar: &HolidayCalendar) -> PeriodEnd {
    let mut day = china_date(start);
    let mut known = true;
    let mut left = n;
    while left > 0 {
        day = day + Days::new(1);
        known &= calendar.knows(day.year());
        if calendar.is_working_day(day) {
            left -= 1;
        }
    }
    PeriodEnd::new(day, known)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> HolidayCalendar {
        HolidayCalendar::builtin()
    }

    /// A moment given in China time.
    fn cst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        china()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_bundled_calendar_parses_and_cites_a_notice_for_every_year() {
        let c = cal();
        assert!(c.knows(2025) && c.knows(2026));
        for y in &c.years {
            assert!(y.source.contains("国务院办公厅"), "{}", y.year);
            for (a, b) in &y.holidays {
                assert!(a <= b && a.year() == y.year, "{a}..{b}");
            }
            for d in &y.working_days {
                assert!(matches!(d.weekday(), Weekday::Sat | Weekday::Sun), "{d}");
            }
        }
    }

    #[test]
    fn the_starting_day_is_not_counted_and_the_period_ends_at_midnight_china_time() {
        // Received Monday 2026-03-02 at 09:00: day 1 is 03-03, day 15 is Tuesday 03-17.
        let end = days_after(cst(2026, 3, 2, 9, 0), 15, &cal());
        assert_eq!(end.last_day, date(2026, 3, 17));
        assert_eq!(end.ends_at, cst(2026, 3, 18, 0, 0));
        assert!(end.calendar_known);
    }

    #[test]
    fn a_receipt_at_half_past_eleven_at_night_counts_from_its_china_date_not_the_utc_one() {
        // 23:30 in China on 03-02 is 15:30 UTC on 03-02; 00:30 on 03-03 is 16:30 UTC on 03-02.
        assert_eq!(
            days_after(cst(2026, 3, 2, 23, 30), 15, &cal()).last_day,
            date(2026, 3, 17)
        );
        assert_eq!(
            days_after(cst(2026, 3, 3, 0, 30), 15, &cal()).last_day,
            date(2026, 3, 18)
        );
    }

    #[test]
    fn a_period_across_a_month_end_counts_the_real_month_lengths() {
        // 2026-04-20 + 15 = 2026-05-05, a Labour Day holiday: it moves to Wednesday 05-06.
        assert_eq!(
            days_after(cst(2026, 4, 20, 10, 0), 15, &cal()).last_day,
            date(2026, 5, 6)
        );
        // 2026-01-20 + 15 = Wednesday 2026-02-04.
        assert_eq!(
            days_after(cst(2026, 1, 20, 10, 0), 15, &cal()).last_day,
            date(2026, 2, 4)
        );
    }

    #[test]
    fn a_leap_february_has_29_days_and_a_year_without_a_notice_is_marked() {
        // 2028-02-20 + 15 = Monday 2028-03-06 (29 February counts); 2028 has no notice yet.
        let end = days_after(cst(2028, 2, 20, 10, 0), 15, &cal());
        assert_eq!(end.last_day, date(2028, 3, 6));
        assert!(!end.calendar_known);
    }

    #[test]
    fn a_period_that_ends_in_the_spring_festival_moves_to_the_first_working_day_after_it() {
        // 2026-01-31 + 15 = Sunday 2026-02-15, the first day of the Spring Festival (02-15..02-23).
        let end = days_after(cst(2026, 1, 31, 10, 0), 15, &cal());
        assert_eq!(end.last_day, date(2026, 2, 24));
        assert!(end.calendar_known);
    }

    #[test]
    fn a_period_that_ends_on_a_make_up_saturday_ends_that_saturday() {
        // 2026-09-25 + 15 = Saturday 2026-10-10, a make-up working day after National Day.
        assert_eq!(
            days_after(cst(2026, 9, 25, 10, 0), 15, &cal()).last_day,
            date(2026, 10, 10)
        );
    }

    #[test]
    fn a_period_that_ends_on_an_ordinary_weekend_moves_to_monday() {
        // 2026-03-06 + 15 = Saturday 2026-03-21 → Monday 03-23.
        assert_eq!(
            days_after(cst(2026, 3, 6, 10, 0), 15, &cal()).last_day,
            date(2026, 3, 23)
        );
    }

    #[test]
    fn a_period_across_the_year_end_into_a_year_without_a_notice_is_an_estimate() {
        // Received 2026-12-31 at 23:30: day 15 is Friday 2027-01-15, counted Monday–Friday.
        let end = days_after(cst(2026, 12, 31, 23, 30), 15, &cal());
        assert_eq!(end.last_day, date(2027, 1, 15));
        assert!(!end.calendar_known);
    }

    #[test]
    fn five_working_days_across_golden_week_count_the_make_up_saturday() {
        // Forwarded Wednesday 2026-09-30: 10-01..10-07 off; 10-08 Thu (1), 10-09 Fri (2),
        // 10-10 Sat make-up (3), 10-12 Mon (4), 10-13 Tue (5).
        let end = working_days_after(cst(2026, 9, 30, 16, 0), 5, &cal());
        assert_eq!(end.last_day, date(2026, 10, 13));
        assert!(end.calendar_known);
        // 2025: received Friday 09-26; Sunday 09-28 is a make-up working day (1), 09-29 (2),
        // 09-30 (3), 10-01..10-08 off, 10-09 (4), 10-10 (5).
        assert_eq!(
            working_days_after(cst(2025, 9, 26, 10, 0), 5, &cal()).last_day,
            date(2025, 10, 10)
        );
    }

    #[test]
    fn five_working_days_over_an_ordinary_weekend_skip_it() {
        // Friday 2026-03-06 + 5 working days = Friday 03-13.
        assert_eq!(
            working_days_after(cst(2026, 3, 6, 10, 0), 5, &cal()).last_day,
            date(2026, 3, 13)
        );
    }

    #[test]
    fn days_left_is_zero_on_the_last_day_and_negative_when_overdue() {
        let end = days_after(cst(2026, 3, 2, 9, 0), 15, &cal());
        assert_eq!(end.days_left(cst(2026, 3, 2, 9, 0)), 15);
        assert_eq!(end.days_left(cst(2026, 3, 17, 23, 59)), 0);
        assert!(!end.is_over(cst(2026, 3, 17, 23, 59)));
        assert!(end.is_over(cst(2026, 3, 18, 0, 0)));
        assert_eq!(end.days_left(cst(2026, 3, 20, 8, 0)), -3);
    }
}
