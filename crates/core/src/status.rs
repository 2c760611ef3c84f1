//! Statuses of a petition's handling and the statutory deadlines that run from them.

use serde::{Deserialize, Serialize};

/// Where a petition stands (《信访工作条例》 Art. 22, 23, 31–34).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PetitionStatus {
    /// 已登记 — received and registered.
    Registered,
    /// 已受理.
    Accepted,
    /// 不予受理.
    NotAccepted,
    /// 已转送 — forwarded to the responsible department.
    Forwarded,
    /// 已办理 — handled, written opinion issued.
    Handled,
    /// 已办结.
    Closed,
}
