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
    use super::human_bytes;

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
