//! Times and sizes written for people. Written out by hand, not with chrono's `format` or float
//! formatting: each of those pulls about 10 kB of wasm that nothing else in the app needs.

/// A time for people: local date and time to the minute.
pub fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let t = t.with_timezone(&chrono::Local);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// A stored RFC 3339 time in China time, to the minute (`2026-11-30 19:00`), as the bureau's
/// calendar counts it: the reception time is shown the same on every device, whatever its zone.
pub fn china_time(rfc3339: &str) -> Option<String> {
    china_input(rfc3339).map(|v| v.replacen('T', " ", 1))
}

/// A stored RFC 3339 time as a `datetime-local` input's value in China time
/// (`2026-11-30T19:00`).
pub fn china_input(rfc3339: &str) -> Option<String> {
    use chrono::{Datelike, Timelike};
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339.trim())
        .ok()?
        .with_timezone(&lianxin_core::period::china());
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    ))
}

/// A `datetime-local` input's value (`2026-11-30T19:00`, China time) as RFC 3339 with its
/// offset; `None` when it is not a real time.
pub fn from_china_input(value: &str) -> Option<String> {
    let (date, time) = value.trim().split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, ':').map(|p| p.parse::<u32>().ok());
    let (h, min) = (t.next()??, t.next()??);
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, day)?;
    date.and_hms_opt(h, min, 0)?;
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:00+08:00",
        y, m, day, h, min
    ))
}

/// Bytes for people (KB/MB/GB).
pub fn human_bytes(b: f64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = b.max(0.0);
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    // Rounded in integers: float formatting (`{:.1}`) alone costs about 10 kB of wasm.
    if u == 0 {
        format!("{} {}", v.round() as u64, UNITS[u])
    } else {
        let tenths = (v * 10.0).round() as u64;
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::{china_input, china_time, from_china_input, human_bytes};

    #[test]
    fn a_reception_time_is_shown_in_china_time_whatever_it_was_stored_in() {
        assert_eq!(
            china_time("2026-11-30T11:00:00Z").as_deref(),
            Some("2026-11-30 19:00")
        );
        assert_eq!(
            china_time("2026-12-31T23:30:00+08:00").as_deref(),
            Some("2026-12-31 23:30")
        );
        assert_eq!(china_time("yesterday"), None);
    }

    #[test]
    fn a_letters_arrival_time_round_trips_through_the_input_in_china_time() {
        let stored = from_china_input("2026-11-28T09:05").unwrap();
        assert_eq!(stored, "2026-11-28T09:05:00+08:00");
        assert_eq!(china_input(&stored).as_deref(), Some("2026-11-28T09:05"));
        assert_eq!(from_china_input("2026-02-30T09:05"), None);
        assert_eq!(from_china_input("2026-11-28"), None);
    }

    #[test]
    fn bytes_read_in_the_largest_unit() {
        assert_eq!(human_bytes(512.0), "512 B");
        assert_eq!(human_bytes(1536.0), "1.5 KB");
        assert_eq!(human_bytes(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GB");
        assert_eq!(human_bytes(1023.96 * 1024.0), "1024.0 KB");
        assert_eq!(human_bytes(-5.0), "0 B");
    }

    #[test]
    fn local_time_reads_as_date_and_minutes() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:59Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let shown = super::local_time(t);
        let expected = t
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M")
            .to_string();
        assert_eq!(shown, expected);
    }
}
