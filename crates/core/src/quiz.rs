//! Legal-awareness quiz campaigns (普法知识竞答) as they travel to devices, and attempts as they
//! travel back. Correct answers stay on the server, which scores attempts itself.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::protocol::ApiError;

/// A campaign as the pull feed delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    /// The question.
    pub question_id: String,
    /// Index into its options.
    pub choice: usize,
}

/// Longest campaign or question id.
pub const MAX_ID: usize = 64;
/// Most answers one attempt may carry.
pub const MAX_ANSWERS: usize = 200;

impl QuizAttempt {
    /// Checks the attempt on its own: ids present, each question answered once, a finish after
    /// the start and not in the future (`now` is the checking side's clock).
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), Vec<ApiError>> {
        let mut errs = Vec::new();
        let e = |code: &str, msg: String, field: String| ApiError::new(code, msg).with_field(field);
        if self.campaign_id.trim().is_empty() {
            errs.push(e(
                "required",
                "the campaign id is missing".into(),
                "campaign_id".into(),
            ));
        } else if self.campaign_id.chars().count() > MAX_ID {
            errs.push(e(
                "too_long",
                format!("a campaign id has at most {MAX_ID} characters"),
                "campaign_id".into(),
            ));
        }
        if self.answers.is_empty() {
            errs.push(e(
                "required",
                "answer at least one question".into(),
                "answers".into(),
            ));
        } else if self.answers.len() > MAX_ANSWERS {
            errs.push(e(
                "too_many",
                format!("an attempt has at most {MAX_ANSWERS} answers"),
                "answers".into(),
            ));
        }
        let mut seen = HashSet::new();
        for (i, a) in self.answers.iter().enumerate() {
            let field = format!("answers[{i}].question_id");
            if a.question_id.trim().is_empty() || a.question_id.chars().count() > MAX_ID {
                errs.push(e("invalid", "the question id is not valid".into(), field));
            } else if !seen.insert(a.question_id.as_str()) {
                errs.push(e(
                    "duplicate_answer",
                    format!("question {:?} is answered twice", a.question_id),
                    field,
                ));
            }
        }
        if self.finished_at < self.started_at {
            errs.push(e(
                "finished_before_start",
                "the attempt finished before it started".into(),
                "finished_at".into(),
            ));
        }
        if self.finished_at > now + Duration::minutes(crate::petition::MAX_CLOCK_SKEW_MINUTES) {
            errs.push(e(
                "finished_at_future",
                "the finish time is later than now; check the device clock".into(),
                "finished_at".into(),
            ));
        }
        let mut texts = vec![
            ("campaign_id".to_owned(), self.campaign_id.as_str()),
            ("township".to_owned(), self.township.as_str()),
        ];
        for (i, a) in self.answers.iter().enumerate() {
            texts.push((format!("answers[{i}].question_id"), a.question_id.as_str()));
        }
        for (field, value) in texts {
            if let Some((position, c)) = crate::text::first_forbidden(value, false) {
                errs.push(
                    e(
                        "forbidden_character",
                        "the text holds an invisible or control character".into(),
                        field,
                    )
                    .with_param("char", crate::text::code_point(c))
                    .with_param("position", position),
                );
            }
        }
        if self.township.chars().count() > crate::petition::MAX_TOWNSHIP {
            errs.push(e(
                "too_long",
                format!(
                    "a township has at most {} characters",
                    crate::petition::MAX_TOWNSHIP
                ),
                "township".into(),
            ));
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }

    /// Checks the attempt against the campaign it answers: the right campaign, known questions,
    /// choices within each question's options.
    pub fn validate_against(&self, campaign: &Campaign) -> Result<(), Vec<ApiError>> {
        let mut errs = Vec::new();
        if self.campaign_id != campaign.id {
            errs.push(
                ApiError::new("campaign_mismatch", "the attempt answers another campaign")
                    .with_field("campaign_id"),
            );
        }
        for (i, a) in self.answers.iter().enumerate() {
            match campaign.questions.iter().find(|q| q.id == a.question_id) {
                None => errs.push(
                    ApiError::new(
                        "question_unknown",
                        format!("the campaign has no question {:?}", a.question_id),
                    )
                    .with_field(format!("answers[{i}].question_id")),
                ),
                Some(q) if a.choice >= q.options.len() => errs.push(
                    ApiError::new("choice_out_of_range", "the chosen option does not exist")
                        .with_field(format!("answers[{i}].choice")),
                ),
                Some(_) => {}
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, h, m, 0).unwrap()
    }

    fn campaign() -> Campaign {
        Campaign {
            id: "2026-q4".into(),
            title: "条例知识竞答".into(),
            starts_at: at(0, 0),
            ends_at: at(23, 0),
            questions: vec![Question {
                id: "q10".into(),
                prompt: "代表人数不得超过几人？".into(),
                options: vec!["3人".into(), "5人".into()],
                article: 20,
            }],
        }
    }

    fn attempt() -> QuizAttempt {
        QuizAttempt {
            campaign_id: "2026-q4".into(),
            answers: vec![Answer {
                question_id: "q10".into(),
                choice: 1,
            }],
            started_at: at(10, 0),
            finished_at: at(10, 5),
            township: "城关镇".into(),
            local_id: None,
        }
    }

    #[test]
    fn a_finished_attempt_is_valid_on_its_own_and_against_its_campaign() {
        assert_eq!(attempt().validate(at(12, 0)), Ok(()));
        assert_eq!(attempt().validate_against(&campaign()), Ok(()));
    }

    #[test]
    fn an_attempt_finished_before_it_started_is_refused() {
        let mut a = attempt();
        a.finished_at = at(9, 0);
        let errs = a.validate(at(12, 0)).unwrap_err();
        assert_eq!(errs[0].field.as_deref(), Some("finished_at"));
    }

    #[test]
    fn an_attempt_without_answers_or_with_a_question_answered_twice_is_refused() {
        let mut a = attempt();
        a.answers.clear();
        assert_eq!(
            a.validate(at(12, 0)).unwrap_err()[0].field.as_deref(),
            Some("answers")
        );
        let mut a = attempt();
        a.answers.push(a.answers[0].clone());
        assert_eq!(
            a.validate(at(12, 0)).unwrap_err()[0].code,
            "duplicate_answer"
        );
    }

    #[test]
    fn a_choice_outside_the_options_or_an_unknown_question_is_refused() {
        let mut a = attempt();
        a.answers[0].choice = 2;
        assert_eq!(
            a.validate_against(&campaign()).unwrap_err()[0].code,
            "choice_out_of_range"
        );
        a.answers[0].question_id = "q99".into();
        assert_eq!(
            a.validate_against(&campaign()).unwrap_err()[0].code,
            "question_unknown"
        );
    }

    #[test]
    fn a_nul_in_the_campaign_id_is_a_field_error_not_a_database_failure() {
        let mut a = attempt();
        a.campaign_id = "2026\0q4".into();
        a.answers[0].question_id = "q\u{202E}10".into();
        let errs = a.validate(at(12, 0)).unwrap_err();
        let fields: Vec<_> = errs
            .iter()
            .filter(|e| e.code == "forbidden_character")
            .map(|e| e.field.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(fields, ["campaign_id", "answers[0].question_id"]);
    }
}
