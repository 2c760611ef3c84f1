//! What the device knows about its own clock, kept in the store's metadata: the newest offset
//! measured from a server answer (enrollment, push, pull), and, for each record in the outbox,
//! the clock it was finalized with ([`RecordClock`]), which its push carries. Before the first
//! answer the offset is unknown, and a record finalized then says so.
//!
//! The arithmetic is lianxin-core's ([`lianxin_core::clock`]); this module only measures and
//! keeps. It uses the `Store`'s metadata, so neither store needs a schema change for it.

use chrono::{DateTime, Utc};
use lianxin_core::clock::{correct, ClockOffset, RecordClock};
use uuid::Uuid;

use crate::store::{to_meta, Store, StoreError};

/// Metadata key of the newest [`ClockOffset`].
pub const OFFSET_KEY: &str = "clock_offset";

/// Metadata key of the clock a record was finalized with.
fn record_key(id: Uuid) -> String {
    format!("record_clock:{id}")
}

/// The offset from one answer: the device's clock when the request left (`sent`) and when the
/// answer came (`received`), and the answer's `server_time` (absent from older servers, then
/// nothing is measured).
pub fn measure(
    sent: DateTime<Utc>,
    server_time: Option<DateTime<Utc>>,
    received: DateTime<Utc>,
) -> Option<ClockOffset> {
    server_time.map(|t| ClockOffset::from_round_trip(sent, t, received))
}

/// The newest offset measured, or `None` before the first answer of a server that tells its
/// time.
pub async fn known_offset<S: Store + ?Sized>(store: &S) -> Result<Option<ClockOffset>, StoreError> {
    Ok(store
        .get_meta(OFFSET_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// Keeps `offset` as the newest measurement, if there is one.
pub async fn remember<S: Store + ?Sized>(
    store: &S,
    offset: Option<ClockOffset>,
) -> Result<(), StoreError> {
    match offset {
        Some(o) => store.put_meta(OFFSET_KEY, to_meta(&o)).await,
        None => Ok(()),
    }
}

/// The clock record `id` was finalized with, if it was kept.
pub async fn record_clock<S: Store + ?Sized>(
    store: &S,
    id: Uuid,
) -> Result<Option<RecordClock>, StoreError> {
    Ok(store
        .get_meta(&record_key(id))
        .await?
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// Keeps the clock record `id` was finalized with, until the server acknowledges the record.
pub async fn keep_record_clock<S: Store + ?Sized>(
    store: &S,
    id: Uuid,
    clock: &RecordClock,
) -> Result<(), StoreError> {
    store.put_meta(&record_key(id), to_meta(clock)).await
}

/// Forgets the clock of an acknowledged record.
pub async fn forget_record_clock<S: Store + ?Sized>(store: &S, id: Uuid) -> Result<(), StoreError> {
    store.delete_meta(&record_key(id)).await
}

/// A fresh v7 record id for a record finalized at `device_time`: its time part is the corrected
/// time when the offset is known (ids sort by the real moment, whatever the tablet's clock
/// said), the device's clock otherwise.
pub fn record_id(device_time: DateTime<Utc>, offset: Option<&ClockOffset>) -> Uuid {
    let t = correct(device_time, offset);
    match (u64::try_from(t.timestamp()), offset) {
        (Ok(secs), Some(_)) => Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            secs,
            t.timestamp_subsec_nanos(),
        )),
        _ => Uuid::now_v7(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use lianxin_core::example;

    use super::*;
    use crate::memory::MemoryStore;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        // MemoryStore never waits, so one poll finishes every call.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the memory store waited"),
        }
    }

    #[test]
    fn the_offset_is_unknown_until_an_answer_tells_the_servers_time() {
        let store = MemoryStore::new();
        assert_eq!(block_on(known_offset(&store)).unwrap(), None);
        let now = example::now();
        block_on(remember(&store, measure(now, None, now))).unwrap();
        assert_eq!(block_on(known_offset(&store)).unwrap(), None);
        let day_ahead = now + Duration::days(1);
        let o = measure(
            day_ahead,
            Some(now),
            day_ahead + Duration::milliseconds(300),
        );
        block_on(remember(&store, o)).unwrap();
        let kept = block_on(known_offset(&store)).unwrap().unwrap();
        assert_eq!(
            kept.offset(),
            -Duration::days(1) - Duration::milliseconds(150)
        );
        assert_eq!(kept.uncertainty_ms, 150);
    }

    #[test]
    fn a_records_clock_is_kept_until_it_is_forgotten() {
        let store = MemoryStore::new();
        let id = Uuid::now_v7();
        let clock = RecordClock::read(example::now(), None);
        block_on(keep_record_clock(&store, id, &clock)).unwrap();
        assert_eq!(block_on(record_clock(&store, id)).unwrap(), Some(clock));
        block_on(forget_record_clock(&store, id)).unwrap();
        assert_eq!(block_on(record_clock(&store, id)).unwrap(), None);
    }

    #[test]
    fn a_record_id_carries_the_corrected_time_when_the_offset_is_known() {
        let device_time = example::now() - Duration::days(365);
        let o = ClockOffset::from_round_trip(device_time, example::now(), device_time);
        let id = record_id(device_time, Some(&o));
        let (secs, _) = id.get_timestamp().unwrap().to_unix();
        assert_eq!(secs as i64, example::now().timestamp());
        let unknown = record_id(device_time, None);
        let (secs, _) = unknown.get_timestamp().unwrap().to_unix();
        assert!((secs as i64 - Utc::now().timestamp()).abs() < 60);
    }
}
