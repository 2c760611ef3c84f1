//! Registration numbers and query codes.
//!
//! A petition's registration number is `<prefix>-<year>-<n>`, `n` counting from 1 in each year of
//! the bureau's calendar (China Standard Time), without gaps: a record that is refused, or whose
//! push is rolled back, gives its number back. The year is the one the petition was received in,
//! not the one it reached the server in: a petition received on 31 December and synced on
//! 2 January is numbered in December's year. The storage keeps the last number of each year; the
//! [`Counters`] here hand the next ones out, and are only correct while their holder is the only
//! writer (see `db::records`).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use lianxin_core::period::china_date;
use rand::Rng;

/// The registration year of a petition received at `received_at` (its payload's time): the
/// year in China Standard Time, the bureau's calendar, not UTC's.
pub fn registration_year(received_at: DateTime<Utc>) -> i64 {
    i64::from(china_date(received_at).year())
}

/// `CZXF-2026-000123`.
pub fn registration_no(prefix: &str, year: i64, n: i64) -> String {
    format!("{prefix}-{year}-{n:06}")
}

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or off paper is not
/// mistaken.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Length of a query code: 12 × 5 = 60 random bits, far beyond what a rate-limited lookup can
/// enumerate.
pub const QUERY_CODE_LEN: usize = 12;

/// A fresh query code from the operating system's CSPRNG.
pub fn new_query_code() -> String {
    let mut rng = rand::rng();
    (0..QUERY_CODE_LEN)
        .map(|_| CROCKFORD[rng.random_range(0..32)] as char)
        .collect()
}

/// The registration counter of one year in one push: read once from storage at its start,
/// advanced in memory as petitions are numbered, written back (if it moved) before commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    /// The registration year.
    pub year: i64,
    /// The last number handed out.
    pub last: i64,
    /// `last` as it was read, to undo a plan and to know whether to write back.
    start: i64,
}

impl Counter {
    /// A counter whose last stored number in `year` is `last`.
    pub fn new(year: i64, last: i64) -> Self {
        Counter {
            year,
            last,
            start: last,
        }
    }

    /// The registration number the next petition gets, without taking it.
    pub fn peek(&self, prefix: &str) -> String {
        registration_no(prefix, self.year, self.last + 1)
    }

    /// The next registration number.
    pub fn take(&mut self, prefix: &str) -> String {
        self.last += 1;
        registration_no(prefix, self.year, self.last)
    }

    /// Gives back every number taken since the counter was read.
    pub fn rewind(&mut self) {
        self.last = self.start;
    }

    /// Whether the stored counter needs writing back.
    pub fn moved(&self) -> bool {
        self.last != self.start
    }
}

/// The registration counters of one push, one per year its petitions were received in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    by_year: BTreeMap<i64, Counter>,
}

impl Counters {
    /// The counters as read from storage. Every year a push numbers in must be among them (the
    /// repository reads the years of [`crate::service::push::PushItem::registration_year`]); a
    /// year that is not counts from 0, and the unique registration number would refuse a clash.
    pub fn new(read: impl IntoIterator<Item = Counter>) -> Self {
        Counters {
            by_year: read.into_iter().map(|c| (c.year, c)).collect(),
        }
    }

    fn year(&mut self, year: i64) -> &mut Counter {
        self.by_year
            .entry(year)
            .or_insert_with(|| Counter::new(year, 0))
    }

    /// The registration number the next petition of `year` gets, without taking it.
    pub fn peek(&mut self, prefix: &str, year: i64) -> String {
        self.year(year).peek(prefix)
    }

    /// The next registration number of `year`.
    pub fn take(&mut self, prefix: &str, year: i64) -> String {
        self.year(year).take(prefix)
    }

    /// Gives back every number taken since the counters were read.
    pub fn rewind(&mut self) {
        self.by_year.values_mut().for_each(Counter::rewind);
    }

    /// The counters that need writing back.
    pub fn moved(&self) -> impl Iterator<Item = &Counter> {
        self.by_year.values().filter(|c| c.moved())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_registration_year_turns_at_midnight_china_time_not_utc() {
        let before = Utc.with_ymd_and_hms(2026, 12, 31, 15, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).unwrap();
        assert_eq!(registration_year(before), 2026);
        assert_eq!(registration_year(after), 2027);
    }

    #[test]
    fn each_year_counts_on_its_own_and_only_moved_years_are_written_back() {
        let mut c = Counters::new([Counter::new(2026, 41), Counter::new(2027, 0)]);
        assert_eq!(c.peek("CZXF", 2026), "CZXF-2026-000042");
        assert_eq!(c.take("CZXF", 2027), "CZXF-2027-000001");
        assert_eq!(c.take("CZXF", 2026), "CZXF-2026-000042");
        assert_eq!(c.take("CZXF", 2027), "CZXF-2027-000002");
        let moved: Vec<_> = c.moved().map(|c| (c.year, c.last)).collect();
        assert_eq!(moved, [(2026, 42), (2027, 2)]);
        c.rewind();
        assert_eq!(c.moved().count(), 0);
        assert_eq!(c.take("CZXF", 2026), "CZXF-2026-000042");
    }

    #[test]
    fn a_registration_number_has_prefix_year_and_six_digits() {
        assert_eq!(registration_no("CZXF", 2026, 123), "CZXF-2026-000123");
    }

    #[test]
    fn a_counter_hands_out_consecutive_numbers_and_can_give_them_back() {
        let mut c = Counter::new(2026, 41);
        assert!(!c.moved());
        assert_eq!(c.peek("CZXF"), "CZXF-2026-000042");
        assert_eq!(c.take("CZXF"), "CZXF-2026-000042");
        assert_eq!(c.take("CZXF"), "CZXF-2026-000043");
        assert!(c.moved());
        c.rewind();
        assert_eq!(c.last, 41);
        assert_eq!(c.take("CZXF"), "CZXF-2026-000042");
    }

    #[test]
    fn a_query_code_is_twelve_unambiguous_characters() {
        let code = new_query_code();
        assert_eq!(code.len(), QUERY_CODE_LEN);
        assert!(code.bytes().all(|b| CROCKFORD.contains(&b)));
        assert_ne!(code, new_query_code());
    }
}
