//! Registration numbers and query codes.
//!
//! A petition's registration number is `<prefix>-<year>-<n>`, `n` counting from 1 in each year of
//! the bureau's calendar (China Standard Time), without gaps: a record that is refused, or whose
//! push is rolled back, gives its number back. The storage keeps the last number of each year;
//! the [`Counter`] here hands the next ones out, and is only correct while its holder is the only
//! writer (see `db::records`).

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use rand::Rng;

/// China Standard Time: registration years follow the bureau's calendar, not UTC's.
pub fn registration_year(now: DateTime<Utc>) -> i64 {
    let cst = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    i64::from(now.with_timezone(&cst).year())
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

/// The registration counter of one push: read once from storage at its start, advanced in
/// memory as petitions are numbered, written back (if it moved) before commit.
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
