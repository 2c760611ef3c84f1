//! Device clocks that are wrong, and how times read from them are corrected.
//!
//! Field tablets often have wrong clocks (a flat clock battery, time set by hand, a reset device
//! showing last year). Every answer of the server carries its time, so a device measures how far
//! its clock is off ([`ClockOffset`], the round trip bounding the error) and keeps the newest
//! measurement. A record carries the time read on the device, the offset known then (or
//! `None`: unknown) and the corrected time ([`RecordClock`]). The server, which sees the device's
//! clock in every push (`device_now`), measures the offset itself, judges the device's
//! ([`judge`]) and stores the corrected time; a record is never refused only because the clock
//! was wrong, it is flagged when the correction is uncertain.
//!
//! The decisions live here, without I/O, so both sides (and the quiz, through [`correct`]) use
//! the same ones.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::protocol::ApiError;

/// An offset beyond this is worth telling the worker about: two minutes puts a reception time
/// on the wrong side of midnight rarely, but it is what a person notices on a watch.
pub const NOTICE_AFTER: Duration = Duration::minutes(2);

/// How far two measurements of the same clock may differ and still be one offset: beyond the
/// two uncertainties, a push's `device_now` is read before the upload, and on a slow link the
/// upload alone takes minutes, which the server's own measurement cannot tell apart.
pub const SAME_OFFSET_SLACK: Duration = Duration::minutes(5);

/// An offset this small is not applied even when measured: a clock kept by the network is right
/// to within it, and a round trip's noise is smaller still.
pub const NEGLIGIBLE: Duration = Duration::seconds(1);

/// How far the server's clock is ahead of the device's (negative: the device is ahead), as
/// measured once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClockOffset {
    /// Server time minus device time, in milliseconds.
    pub offset_ms: i64,
    /// The true offset lies within ± this many milliseconds (half the round trip).
    pub uncertainty_ms: i64,
    /// When it was measured, by the server's clock.
    pub measured_at: DateTime<Utc>,
}

impl ClockOffset {
    /// The offset from one round trip: the device read its clock at `sent` and at `received`,
    /// and the server answered with `server_time` somewhere in between; the midpoint is the best
    /// guess, and half the round trip bounds the error. A clock that jumped during the request
    /// (received before sent) only widens the bound.
    pub fn from_round_trip(
        sent: DateTime<Utc>,
        server_time: DateTime<Utc>,
        received: DateTime<Utc>,
    ) -> Self {
        let rtt = (received - sent).num_milliseconds();
        let midpoint = sent + Duration::milliseconds(rtt / 2);
        ClockOffset {
            offset_ms: (server_time - midpoint).num_milliseconds(),
            uncertainty_ms: (rtt / 2).abs(),
            measured_at: server_time,
        }
    }

    /// The server's own measurement from a push: the device's `device_now` against the server's
    /// clock on arrival. The upload time is unknown (and counts as offset); see
    /// [`SAME_OFFSET_SLACK`].
    pub fn from_device_now(device_now: DateTime<Utc>, server_now: DateTime<Utc>) -> Self {
        ClockOffset {
            offset_ms: (server_now - device_now).num_milliseconds(),
            uncertainty_ms: 0,
            measured_at: server_now,
        }
    }

    /// Server time minus device time.
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms)
    }

    /// Whether the device's clock is off by more than [`NOTICE_AFTER`] for sure (beyond the
    /// measurement's uncertainty).
    pub fn worth_telling(&self) -> bool {
        self.offset_ms.abs() - self.uncertainty_ms > NOTICE_AFTER.num_milliseconds()
    }

    /// The same measurement, with an offset it cannot tell from zero (within `noise`) set to zero,
    /// so that a right clock's times are stored exactly as read.
    pub fn or_zero_within(self, noise: Duration) -> Self {
        if self.offset_ms.abs() <= noise.num_milliseconds() {
            ClockOffset {
                offset_ms: 0,
                ..self
            }
        } else {
            self
        }
    }

    /// Whether `other` measured the same clock setting (the clock was not changed in between).
    pub fn agrees_with(&self, other: &ClockOffset) -> bool {
        let slack =
            self.uncertainty_ms + other.uncertainty_ms + SAME_OFFSET_SLACK.num_milliseconds();
        (self.offset_ms - other.offset_ms).abs() <= slack
    }
}

/// A time read on the device, corrected by `offset` (the server's time at that moment); as read
/// when the offset is unknown. The quiz corrects an attempt's start and finish with it.
pub fn correct(device_time: DateTime<Utc>, offset: Option<&ClockOffset>) -> DateTime<Utc> {
    match offset {
        Some(o) => device_time + o.offset(),
        None => device_time,
    }
}

/// What a record says about the clock it was made with, as the device finalized it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordClock {
    /// The device's clock when the record was finalized.
    pub device_time: DateTime<Utc>,
    /// The offset the device knew then; absent when it had none yet (never reached the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<ClockOffset>,
    /// `device_time` corrected by `offset` ([`correct`]).
    pub corrected_time: DateTime<Utc>,
}

impl RecordClock {
    /// The clock of a record finalized at `device_time`, with the offset known then.
    pub fn read(device_time: DateTime<Utc>, offset: Option<ClockOffset>) -> Self {
        RecordClock {
            device_time,
            corrected_time: correct(device_time, offset.as_ref()),
            offset,
        }
    }
}

/// How the server corrects the times of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Correction {
    /// The offset applied.
    pub offset: ClockOffset,
    /// The correction may be wrong: the device knew no offset when it made the record, or its
    /// clock was changed since (its offset then and the server's measurement now disagree).
    pub uncertain: bool,
}

impl Correction {
    /// A time read on the device, corrected.
    pub fn apply(&self, device_time: DateTime<Utc>) -> DateTime<Utc> {
        correct(device_time, Some(&self.offset))
    }

    /// The offset in whole milliseconds, as stored.
    pub fn offset_ms(&self) -> i64 {
        self.offset.offset_ms
    }
}

/// Decides how to correct a record's times, given the offset the device knew when it made the
/// record (`then`, from its [`RecordClock`]) and the server's own measurement of this push
/// (`now`). When they agree, the device's is applied: it is bounded by a round trip, while
/// `now` includes the upload time. When the device knew none, the server's is the best there is,
/// and uncertain (the clock may have been changed since). When they disagree, the clock was
/// changed between the record and the push: the time was read with the old setting, so `then`
/// still applies, uncertain. An offset the measurement cannot tell from zero is not applied: for
/// the server's own, that is anything within [`SAME_OFFSET_SLACK`] (the upload time); for the
/// device's, within its uncertainty or [`NEGLIGIBLE`].
pub fn judge(then: Option<&ClockOffset>, now: &ClockOffset) -> Correction {
    match then {
        None => Correction {
            offset: now.or_zero_within(SAME_OFFSET_SLACK),
            uncertain: true,
        },
        Some(then) => Correction {
            offset: then
                .or_zero_within(NEGLIGIBLE.max(Duration::milliseconds(then.uncertainty_ms))),
            uncertain: !then.agrees_with(now),
        },
    }
}

/// The earliest device time a push may claim (the app did not exist before).
pub fn earliest_plausible() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid date")
}

/// The first device time a push may no longer claim.
pub fn latest_plausible() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid date")
}

/// Whether a device clock reading could be a clock at all, however wrong: from 2020 to 2099.
pub fn is_plausible(t: DateTime<Utc>) -> bool {
    (earliest_plausible()..latest_plausible()).contains(&t)
}

/// Checks a push's `device_now`: present and plausible, or a field error that refuses the whole
/// push (`device_now_missing`, `device_now_implausible`).
pub fn check_device_now(device_now: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, ApiError> {
    match device_now {
        None => Err(ApiError::new(
            "device_now_missing",
            "the push must carry the device's clock (device_now, RFC 3339); update the app",
        )
        .with_field("device_now")),
        Some(t) if !is_plausible(t) => Err(ApiError::new(
            "device_now_implausible",
            "device_now must lie between 2020 and 2100; set the device's clock and sync again",
        )
        .with_field("device_now")
        .with_param("device_now", t.to_rfc3339())),
        Some(t) => Ok(t),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;
    use crate::example::cst;
    use crate::period::china_date;

    /// The server's clock in these tests: 2 December 2026, 10:00 China time.
    fn server_now() -> DateTime<Utc> {
        cst(2026, 12, 2, 10)
    }

    /// An offset measured by a round trip of `rtt_ms` on a device whose clock is `ahead` of the
    /// server's.
    fn measured(ahead: Duration, rtt_ms: i64) -> ClockOffset {
        let sent = server_now() + ahead - Duration::milliseconds(rtt_ms / 2);
        ClockOffset::from_round_trip(sent, server_now(), sent + Duration::milliseconds(rtt_ms))
    }

    #[test]
    fn a_round_trip_measures_the_offset_at_its_midpoint_with_half_of_it_as_uncertainty() {
        let o = measured(Duration::seconds(30), 400);
        assert_eq!(o.offset_ms, -30_000);
        assert_eq!(o.uncertainty_ms, 200);
        assert_eq!(o.measured_at, server_now());
    }

    #[test]
    fn a_clock_that_jumps_back_during_the_request_only_widens_the_uncertainty() {
        let sent = server_now();
        let o = ClockOffset::from_round_trip(sent, server_now(), sent - Duration::seconds(4));
        assert_eq!(o.uncertainty_ms, 2_000);
    }

    #[test]
    fn an_unknown_offset_leaves_the_time_as_read() {
        let read = cst(2026, 12, 2, 9);
        assert_eq!(correct(read, None), read);
        let clock = RecordClock::read(read, None);
        assert_eq!(clock.corrected_time, read);
        assert!(judge(None, &ClockOffset::from_device_now(read, server_now())).uncertain);
    }

    #[test]
    fn an_unknown_offset_is_corrected_by_the_servers_measurement_and_flagged() {
        let ahead = Duration::hours(3);
        let now = ClockOffset::from_device_now(server_now() + ahead, server_now());
        let c = judge(None, &now);
        assert!(c.uncertain);
        assert_eq!(c.apply(cst(2026, 12, 2, 12)), cst(2026, 12, 2, 9));
    }

    #[test]
    fn a_small_offset_is_corrected_and_not_worth_telling() {
        let o = measured(Duration::seconds(40), 300);
        assert!(!o.worth_telling());
        assert_eq!(
            correct(cst(2026, 12, 2, 9), Some(&o)),
            cst(2026, 12, 2, 9) - Duration::seconds(40)
        );
        let now = ClockOffset::from_device_now(server_now() + Duration::seconds(41), server_now());
        let c = judge(Some(&o), &now);
        assert!(!c.uncertain);
        assert_eq!(c.offset, o);
    }

    #[test]
    fn a_clock_a_day_ahead_is_corrected_to_the_day_it_really_is_and_worth_telling() {
        let o = measured(Duration::days(1), 250);
        assert!(o.worth_telling());
        let read = cst(2026, 12, 3, 9);
        let clock = RecordClock::read(read, Some(o));
        assert_eq!(clock.corrected_time, cst(2026, 12, 2, 9));
        let now = ClockOffset::from_device_now(server_now() + Duration::days(1), server_now());
        assert!(!judge(Some(&o), &now).uncertain);
    }

    #[test]
    fn a_clock_a_year_behind_is_corrected_into_this_year() {
        let behind = Duration::days(365);
        let o = measured(-behind, 800);
        assert!(o.worth_telling());
        let read = cst(2025, 12, 2, 9);
        let corrected = correct(read, Some(&o));
        assert_eq!(corrected, cst(2026, 12, 2, 9));
        assert_eq!(china_date(corrected).year(), 2026);
    }

    #[test]
    fn a_clock_changed_between_registration_and_sync_keeps_the_old_offset_and_is_flagged() {
        // Registered while a day ahead, then someone fixed the clock before the sync.
        let then = measured(Duration::days(1), 200);
        let now = ClockOffset::from_device_now(server_now(), server_now());
        let c = judge(Some(&then), &now);
        assert!(c.uncertain);
        assert_eq!(c.offset, then);
        assert_eq!(c.apply(cst(2026, 12, 2, 8)), cst(2026, 12, 1, 8));
    }

    #[test]
    fn an_offset_the_measurement_cannot_tell_from_zero_is_not_applied() {
        let read = cst(2026, 12, 2, 9);
        let then = measured(Duration::milliseconds(300), 20);
        let now =
            ClockOffset::from_device_now(server_now() + Duration::milliseconds(4), server_now());
        assert_eq!(judge(Some(&then), &now).apply(read), read);
        // Without the device's, the server's own is noise within the upload time.
        let c = judge(
            None,
            &ClockOffset::from_device_now(server_now() - Duration::minutes(2), server_now()),
        );
        assert_eq!((c.apply(read), c.uncertain), (read, true));
    }

    #[test]
    fn a_slow_upload_is_not_mistaken_for_a_changed_clock() {
        let then = measured(Duration::zero(), 200);
        // device_now was read three minutes before the push arrived.
        let now = ClockOffset::from_device_now(server_now() - Duration::minutes(3), server_now());
        assert!(!judge(Some(&then), &now).uncertain);
    }

    #[test]
    fn a_registration_across_midnight_china_time_is_counted_in_the_corrected_day_and_year() {
        // The tablet is 5 minutes slow: it read 23:58 on 31 December, it was 00:03 on 1 January.
        let o = measured(-Duration::minutes(5), 200);
        let read = china_time(2026, 12, 31, 23, 58);
        let corrected = correct(read, Some(&o));
        assert_eq!(corrected, china_time(2027, 1, 1, 0, 3));
        assert_eq!(china_date(corrected).year(), 2027);
        // And the other way: 5 minutes fast, read 00:02 on 1 January, still the old year.
        let o = measured(Duration::minutes(5), 200);
        let corrected = correct(china_time(2027, 1, 1, 0, 2), Some(&o));
        assert_eq!(china_date(corrected).year(), 2026);
    }

    #[test]
    fn only_an_offset_beyond_two_minutes_for_sure_is_worth_telling() {
        assert!(!measured(Duration::seconds(119), 0).worth_telling());
        assert!(measured(Duration::seconds(121), 0).worth_telling());
        assert!(measured(-Duration::seconds(121), 0).worth_telling());
        // 2:10 measured with ±20 s could be under two minutes.
        assert!(!measured(Duration::seconds(130), 40_000).worth_telling());
    }

    #[test]
    fn a_device_now_must_be_present_and_between_2020_and_2100() {
        assert_eq!(
            check_device_now(None).unwrap_err().code,
            "device_now_missing"
        );
        let before = Utc.with_ymd_and_hms(2019, 12, 31, 23, 59, 59).unwrap();
        let e = check_device_now(Some(before)).unwrap_err();
        assert_eq!(e.code, "device_now_implausible");
        assert_eq!(e.field.as_deref(), Some("device_now"));
        assert!(check_device_now(Some(latest_plausible())).is_err());
        assert!(check_device_now(Some(earliest_plausible())).is_ok());
        // A year behind is wrong, not absurd.
        assert!(check_device_now(Some(server_now() - Duration::days(365))).is_ok());
    }

    #[test]
    fn a_record_clock_without_an_offset_says_so_on_the_wire() {
        let clock = RecordClock::read(server_now(), None);
        let json = serde_json::to_value(&clock).unwrap();
        assert!(json.get("offset").is_none());
        assert_eq!(serde_json::from_value::<RecordClock>(json).unwrap(), clock);
    }

    fn china_time(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        crate::period::china()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }
}
