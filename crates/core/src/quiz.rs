//! Legal-awareness quiz campaigns (普法知识竞答) as they travel to devices, and attempts as they
//! travel back. Correct answers stay on the server, which scores attempts itself.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A campaign as the pull feed delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// Stable id chosen by the bureau, e.g. `2026-q4-tiaoli`.
    pub id: String,
    /// Title shown to users.
    pub title: String,
    /// Start of the window.
    pub starts_at: DateTime<Utc>,
    /// End of the window.
    pub ends_at: DateTime<Utc>,
    /// Questions to draw from (without answers).
    pub questions: Vec<Question>,
}

/// One question, quoting the article it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable id within the campaign.
    pub id: String,
    /// The question text.
    pub prompt: String,
    /// The choices.
    pub options: Vec<String>,
    /// The article of 《信访工作条例》 the question is about.
    pub article: u8,
}

/// A finished attempt, pushed as a `quiz_attempt` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizAttempt {
    /// The campaign answered.
    pub campaign_id: String,
    /// One answer per question shown.
    pub answers: Vec<Answer>,
    /// When the attempt started.
    pub started_at: DateTime<Utc>,
    /// When it was finished.
    pub finished_at: DateTime<Utc>,
    /// The township the device belongs to, for statistics.
    #[serde(default)]
    pub township: String,
    /// Client-side attempt id for the wrong-answer notebook (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_id: Option<Uuid>,
}

/// The option chosen for one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The question.
    pub question_id: String,
    /// Index into its options.
    pub choice: usize,
}
