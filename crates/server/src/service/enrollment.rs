//! Enrollment: a single-use code, printed by an administrator, makes a device of the code's role
//! and township.

use chrono::{DateTime, Utc};
use lianxin_core::protocol::{ApiError, DeviceRole};

/// Why an enrollment code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollRefusal {
    /// No such code.
    Unknown,
    /// Already used by another device.
    Used,
    /// Past its expiry.
    Expired,
}

impl EnrollRefusal {
    /// The stable code of the answer, and an English message for logs.
    pub fn code_and_message(self) -> (&'static str, &'static str) {
        match self {
            EnrollRefusal::Unknown => (
                "enrollment_code_unknown",
                "no such enrollment code; check it and type it again",
            ),
            EnrollRefusal::Used => (
                "enrollment_code_used",
                "the enrollment code was used already; ask for a new one",
            ),
            EnrollRefusal::Expired => (
                "enrollment_code_expired",
                "the enrollment code has expired; ask for a new one",
            ),
        }
    }
}

/// An enrollment code as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    /// The role of the device it makes.
    pub role: DeviceRole,
    /// Its township.
    pub township: String,
    /// Until when it can be used.
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was.
    pub used_at: Option<DateTime<Utc>>,
}

/// Whether a code (`None`: not found) may enroll a device now.
pub fn judge(code: Option<&StoredCode>, now: DateTime<Utc>) -> Result<(), EnrollRefusal> {
    let code = code.ok_or(EnrollRefusal::Unknown)?;
    if code.used_at.is_some() {
        return Err(EnrollRefusal::Used);
    }
    if code.expires_at <= now {
        return Err(EnrollRefusal::Expired);
    }
    Ok(())
}

/// Longest device label, in characters.
pub const MAX_LABEL: usize = 100;

/// The label a device is enrolled under (trimmed), or why it cannot be.
pub fn check_label(label: &str) -> Result<&str, ApiError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        return Err(ApiError::new(
            "invalid_label",
            format!("the device label must be 1 to {MAX_LABEL} characters"),
        )
        .with_field("label")
        .with_param("max", MAX_LABEL));
    }
    Ok(label)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn code(expires_in: Duration, used: bool) -> StoredCode {
        StoredCode {
            role: DeviceRole::Field,
            township: "城关镇".into(),
            expires_at: now() + expires_in,
            used_at: used.then(now),
        }
    }

    #[test]
    fn a_fresh_code_enrolls() {
        assert_eq!(judge(Some(&code(Duration::days(7), false)), now()), Ok(()));
    }

    #[test]
    fn an_unknown_used_or_expired_code_is_refused_for_that_reason() {
        assert_eq!(judge(None, now()), Err(EnrollRefusal::Unknown));
        assert_eq!(
            judge(Some(&code(Duration::days(7), true)), now()),
            Err(EnrollRefusal::Used)
        );
        assert_eq!(
            judge(Some(&code(Duration::zero(), false)), now()),
            Err(EnrollRefusal::Expired)
        );
    }

    #[test]
    fn a_label_is_trimmed_and_must_be_1_to_100_characters() {
        assert_eq!(check_label("  城关镇 平板 3 "), Ok("城关镇 平板 3"));
        assert_eq!(check_label(&"平".repeat(MAX_LABEL)).map(str::len), Ok(300));
        for bad in ["   ".to_owned(), "平".repeat(MAX_LABEL + 1)] {
            let e = check_label(&bad).unwrap_err();
            assert_eq!(
                (e.code.as_str(), e.field.as_deref()),
                ("invalid_label", Some("label"))
            );
            assert_eq!(e.param_u64("max"), Some(100));
        }
    }

    #[test]
    fn a_used_code_is_reported_used_even_after_it_expired() {
        assert_eq!(
            judge(Some(&code(-Duration::days(1), true)), now()),
            Err(EnrollRefusal::Used)
        );
    }
}
