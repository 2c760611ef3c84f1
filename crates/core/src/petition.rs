//! The petition payload (《信访工作条例》 Art. 17, 19, 20, 29–31) and its validation.
//!
//! The same `validate` runs in the PWA before a draft may be finalized and on the server before a
//! record is stored, so a device never queues what the server will refuse for a rule it knows.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// How the petition reached us (Art. 17: 信息网络、书信、电话、传真、走访).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 走访 — in person.
    #[default]
    Visit,
    /// 书信 — by letter.
    Letter,
    /// 电话 — by phone.
    Phone,
    /// 传真 — by fax.
    Fax,
    /// 信息网络 — online.
    Online,
}

/// Who petitions: a citizen, or a legal person / other organization (Art. 17 para. 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PetitionerKind {
    /// 公民.
    #[default]
    Person,
    /// 法人或者其他组织.
    Organization,
}

/// The three kinds of matter of Art. 29–31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 建议意见类 (Art. 29).
    #[default]
    Suggestion,
    /// 检举控告类 (Art. 30).
    Accusation,
    /// 申诉求决类 (Art. 31).
    AppealRequest,
}

/// The petitioner (Art. 19: 姓名（名称）、住址 are required).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Petitioner {
    /// Person or organization.
    pub kind: PetitionerKind,
    /// 姓名 / 名称.
    pub name: String,
    /// Optional 18-digit resident ID number with a valid check digit (GB 11643).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// Optional mainland mobile or fixed-line number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// 住址.
    pub address: String,
}

/// A representative chosen by a collective visit (Art. 20 para. 3: at most 5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Representative {
    /// 姓名.
    pub name: String,
    /// Optional resident ID number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// Optional phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A petition as registered by field staff or a kiosk, and as pushed in a `petition` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Petition {
    /// How it reached us.
    pub channel: Channel,
    /// Who petitions.
    pub petitioner: Petitioner,
    /// How many people came (≥ 1; 5 or more is a collective visit).
    pub visitors: u32,
    /// Representatives of a collective visit, at most 5.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub representatives: Vec<Representative>,
    /// Which of the three kinds of matter.
    pub category: Category,
    /// A code from the configured subject list.
    pub subject: String,
    /// The township the matter concerns.
    pub township: String,
    /// 请求 — what is asked for.
    pub request: String,
    /// 事实 — the facts.
    pub facts: String,
    /// 理由 — the reasons.
    #[serde(default)]
    pub reasons: String,
    /// An enterprise's petition, routed with priority.
    #[serde(default)]
    pub enterprise: bool,
    /// When it was received, RFC 3339 with offset.
    pub received_at: DateTime<FixedOffset>,
}
