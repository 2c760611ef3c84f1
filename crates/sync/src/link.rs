//! What the engine knows about the link to the server, and the two decisions it makes from that:
//! how much to put in the next push, and how long that push may take.
//!
//! A push is sized in bytes of JSON, not in records, so that one request stays within
//! [`TARGET`] on any link: a tablet on GPRS sends a few kilobytes at a time, one on Wi-Fi
//! hundreds. The throughput is measured on the pushes themselves (JSON bytes delivered per
//! second, whatever the compression on the wire), so no separate probe costs a weak link anything.
//!
//! - A link nothing is known about starts at [`START_BYTES`] and an assumed [`FLOOR_RATE`].
//! - A push that finishes quickly lets the next one grow (at most doubling); one that takes longer
//!   than the target makes it shrink (at least halving).
//! - A push that times out halves the next one, in bytes and in records, down to one record.
//! - The timeout follows the body: a fixed allowance for the round trips and the server, plus
//!   three times what the body should take at the throughput seen so far. A request that is still
//!   moving its bytes is therefore not cut off by a fixed total, and one that stalls is. (Chosen
//!   over `XMLHttpRequest`'s `upload.onprogress`, which reports bytes handed to the socket's
//!   buffer, not bytes that crossed the link: a body of a few kilobytes is "100 % uploaded" at once
//!   on any network, and under Chromium's network emulation the events do not follow the
//!   throttled upload either, so it could not tell a slow push from a stalled one.)
//!
//! Plain arithmetic and no clock: the transport reports how long each push took
//! ([`crate::transport::Timed`]), which keeps this deterministic under test.

use std::time::Duration;

/// How long one push should take; batches are sized to fit it.
pub const TARGET: Duration = Duration::from_secs(8);
/// The first push on a link nothing is known about: a handful of petitions.
pub const START_BYTES: usize = 16 * 1024;
/// The throughput assumed before any push finished: about GPRS's upload without compression.
pub const FLOOR_RATE: f64 = 2_000.0;
/// Time every push may take on top of its body: round trips on a high-latency link, the server's
/// work, the answer.
pub const ALLOWANCE: Duration = Duration::from_secs(15);
/// A body may take this many times what the measured throughput says before it counts as stalled.
pub const SLACK: f64 = 3.0;
/// The longest a single push may take, however slow the link and however often it was retried.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);

/// The engine's picture of the link; lives as long as the engine (a page), across runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// JSON bytes per second, smoothed; `None` before the first push finished.
    rate: Option<f64>,
    /// JSON bytes the next push may carry.
    batch_bytes: usize,
    /// Records the next push may carry: lowered by timeouts and 413s, raised by successes.
    batch_records: usize,
    /// The most records a push may carry (the engine's configured batch size).
    max_records: usize,
    /// The most records a push may carry in this run, after the server refused a larger one for
    /// its size (413): that is about the records, not the link, so it is not grown back.
    ceiling: usize,
    /// The largest JSON body a push may carry.
    max_bytes: usize,
}

impl Link {
    /// A link nothing is known about, with pushes of at most `max_records` records and
    /// `max_bytes` bytes of JSON.
    pub fn new(max_records: usize, max_bytes: usize) -> Self {
        let max_records = max_records.max(1);
        Link {
            rate: None,
            batch_bytes: START_BYTES.min(max_bytes),
            batch_records: max_records,
            max_records,
            ceiling: max_records,
            max_bytes,
        }
    }

    /// JSON bytes the next push may carry (at least one record goes whatever its size).
    pub fn batch_bytes(&self) -> usize {
        self.batch_bytes
    }

    /// Records the next push may carry.
    pub fn batch_records(&self) -> usize {
        self.batch_records.min(self.ceiling)
    }

    /// A new run: other records, so a size refusal of the last run no longer applies.
    pub fn start_run(&mut self) {
        self.ceiling = self.max_records;
    }

    /// The smoothed throughput in JSON bytes per second, once measured.
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// How long a push of `json_bytes` may take before it is given up: the allowance plus
    /// [`SLACK`] times the body at the throughput seen so far, times `patience` (2, 4, … for a
    /// single record that already timed out), never more than [`MAX_TIMEOUT`].
    pub fn timeout_for(&self, json_bytes: usize, patience: u32) -> Duration {
        let rate = self.rate.unwrap_or(FLOOR_RATE).max(1.0);
        let body = Duration::from_secs_f64(SLACK * json_bytes as f64 / rate);
        (ALLOWANCE + body)
            .saturating_mul(patience.max(1))
            .min(MAX_TIMEOUT)
    }

    /// A push of `records` records and `json_bytes` bytes got its answer after `elapsed`.
    pub fn answered(&mut self, records: usize, json_bytes: usize, elapsed: Option<Duration>) {
        let Some(elapsed) = elapsed else {
            // The transport cannot measure: nothing to learn, but nothing went wrong either.
            self.grow(2.0, records);
            return;
        };
        let secs = elapsed.as_secs_f64().max(0.001);
        let sample = json_bytes as f64 / secs;
        self.rate = Some(match self.rate {
            Some(r) => 0.5 * r + 0.5 * sample,
            None => sample,
        });
        // The size that would have taken exactly the target, within half and double of this one.
        let factor = (TARGET.as_secs_f64() / secs).clamp(0.5, 2.0);
        self.grow(factor, records);
    }

    /// A push of `records` records and `json_bytes` bytes was given up after `waited`.
    pub fn timed_out(&mut self, records: usize, json_bytes: usize, waited: Duration) {
        // The link did less than this; the next timeout and size must not assume more.
        let bound = json_bytes as f64 / waited.as_secs_f64().max(0.001);
        self.rate = Some(self.rate.map_or(bound, |r| r.min(bound)));
        self.shrink(records);
    }

    /// The server refused a push of `records` records for its size.
    pub fn too_large(&mut self, records: usize) {
        self.shrink(records);
        self.ceiling = self.batch_records;
    }

    fn shrink(&mut self, records: usize) {
        self.batch_records = (records / 2).max(1);
        self.batch_bytes = (self.batch_bytes / 2).max(1);
    }

    fn grow(&mut self, factor: f64, records: usize) {
        let bytes = (self.batch_bytes as f64 * factor) as usize;
        self.batch_bytes = bytes.clamp(1, self.max_bytes);
        // The record cap follows the bytes: it only holds back after a timeout or a 413, and is
        // lifted step by step as the same link proves itself again.
        let cap = ((records.max(1) as f64) * factor.max(1.0)).ceil() as usize;
        if factor >= 1.0 {
            self.batch_records = self.batch_records.max(cap).min(self.max_records);
        } else {
            self.batch_records = self.batch_records.min(cap.max(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn an_unknown_link_starts_with_a_small_push_and_a_timeout_for_a_slow_link() {
        let link = Link::new(100, 2 << 20);
        assert_eq!(link.batch_bytes(), START_BYTES);
        // 16 KiB at the assumed 2 kB/s: 8 s of body, three times that, plus the allowance.
        let t = link.timeout_for(START_BYTES, 1);
        assert!(
            t > Duration::from_secs(30) && t < Duration::from_secs(45),
            "{t:?}"
        );
    }

    #[test]
    fn a_fast_answer_doubles_the_next_push_and_a_slow_one_halves_it() {
        let mut link = Link::new(500, 2 << 20);
        link.answered(8, START_BYTES, Some(SECOND));
        assert_eq!(link.batch_bytes(), 2 * START_BYTES);
        link.answered(16, 2 * START_BYTES, Some(TARGET * 3));
        assert_eq!(link.batch_bytes(), START_BYTES);
    }

    #[test]
    fn a_timeout_halves_records_and_bytes_down_to_one_record() {
        let mut link = Link::new(100, 2 << 20);
        let mut records = 8;
        for _ in 0..6 {
            link.timed_out(records, records * 2_000, 40 * SECOND);
            records = link.batch_records();
        }
        assert_eq!(link.batch_records(), 1);
        assert!(link.rate().unwrap() <= 2_000.0 * 8.0 / 40.0);
    }

    #[test]
    fn the_timeout_follows_the_body_and_the_measured_rate() {
        let mut link = Link::new(100, 2 << 20);
        link.answered(10, 20_000, Some(4 * SECOND)); // 5 kB/s
        assert_eq!(link.timeout_for(50_000, 1), ALLOWANCE + 30 * SECOND);
        assert_eq!(link.timeout_for(50_000, 2), (ALLOWANCE + 30 * SECOND) * 2);
        assert_eq!(link.timeout_for(50_000_000, 1), MAX_TIMEOUT);
    }

    #[test]
    fn a_push_never_exceeds_the_configured_records_or_bytes() {
        let mut link = Link::new(3, 40_000);
        for _ in 0..10 {
            link.answered(3, link.batch_bytes(), Some(SECOND / 10));
        }
        assert_eq!(link.batch_records(), 3);
        assert_eq!(link.batch_bytes(), 40_000);
    }
}
