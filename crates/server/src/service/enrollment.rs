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

/// Whether the code with this hash may enroll now, judged on a read: a code refused here is
/// refused without a write transaction. A code accepted here is judged again inside the
/// enrollment's transaction (another device may have used it in between).
pub async fn precheck(
    db: &crate::db::Db,
    code_hash: &str,
    now: DateTime<Utc>,
) -> crate::db::DbResult<Result<(), EnrollRefusal>> {
    let code = db.devices.enrollment_code(code_hash).await?;
    Ok(judge(code.as_ref(), now))
}

/// Why a label names no device to revoke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// No active device has it.
    #[error("no active device is labelled {0:?} (lianxin-server device list shows them)")]
    None(String),
    /// Several active devices have it: the administrator must pick one by id.
    #[error("{} active devices are labelled {label:?}: revoke one with --id ({})", ids.len(), ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    Several {
        /// The label.
        label: String,
        /// The devices that have it.
        ids: Vec<uuid::Uuid>,
    },
}

/// The one active (not revoked) device enrolled under `label` (compared trimmed).
pub fn device_by_label(
    devices: &[crate::db::DeviceInfo],
    label: &str,
) -> Result<uuid::Uuid, LabelError> {
    let label = label.trim();
    let ids: Vec<uuid::Uuid> = devices
        .iter()
        .filter(|d| d.revoked_at.is_none() && d.label == label)
        .map(|d| d.id)
        .collect();
    match ids.as_slice() {
        [] => Err(LabelError::None(label.to_owned())),
        [one] => Ok(*one),
        _ => Err(LabelError::Several {
            label: label.to_owned(),
            ids,
        }),
    }
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
    // A label is shown in `device list` and chosen by `device revoke --label`: no control,
    // bidirectional or invisible character may make two labels look alike (and PostgreSQL
    // refuses a NUL, which would turn the enrollment into a 503).
    if let Some((position, c)) = lianxin_core::text::first_forbidden(label, false) {
        return Err(ApiError::new(
            "forbidden_character",
            "the device label holds an invisible or control character",
        )
        .with_field("label")
        .with_param("char", lianxin_core::text::code_point(c))
        .with_param("position", position));
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

    fn info(label: &str, revoked: bool) -> crate::db::DeviceInfo {
        crate::db::DeviceInfo {
            id: uuid::Uuid::now_v7(),
            label: label.into(),
            role: DeviceRole::Field,
            township: "城关镇".into(),
            created_at: now(),
            revoked_at: revoked.then(now),
        }
    }

    #[test]
    fn a_label_revokes_the_one_active_device_that_has_it() {
        let list = vec![
            info("平板 1", true),
            info("平板 1", false),
            info("平板 2", false),
        ];
        assert_eq!(device_by_label(&list, " 平板 1 "), Ok(list[1].id));
        assert_eq!(
            device_by_label(&list, "平板 3"),
            Err(LabelError::None("平板 3".into()))
        );
    }

    #[test]
    fn a_label_shared_by_two_active_devices_names_neither() {
        let list = vec![info("平板", false), info("平板", false)];
        let e = device_by_label(&list, "平板").unwrap_err();
        assert!(matches!(&e, LabelError::Several { ids, .. } if ids.len() == 2));
        assert!(e.to_string().contains(&list[0].id.to_string()));
    }

    #[test]
    fn a_label_with_a_control_or_invisible_character_is_refused() {
        for bad in ["平板\u{0}1", "平板\u{202e}1", "平\u{200b}板", "平板\n1"] {
            let e = check_label(bad).unwrap_err();
            assert_eq!(
                (e.code.as_str(), e.field.as_deref()),
                ("forbidden_character", Some("label")),
                "{bad:?}"
            );
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
