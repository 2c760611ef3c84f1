//! Quiz campaigns as `lianxin-server campaign import` reads them: the answers stay on the server,
//! devices get the campaign without them.

use chrono::{DateTime, Utc};
use lianxin_core::quiz::{Campaign, Question};
use serde::Deserialize;

/// A campaign file: the published campaign plus the index of each question's correct option,
/// which never leaves the server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignFile {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Window start.
    pub starts_at: DateTime<Utc>,
    /// Window end.
    pub ends_at: DateTime<Utc>,
    /// Questions with answers.
    pub questions: Vec<AnsweredQuestion>,
}

/// A question with its answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnsweredQuestion {
    /// Stable id within the campaign.
    pub id: String,
    /// The question text.
    pub prompt: String,
    /// The choices.
    pub options: Vec<String>,
    /// The article it is about.
    pub article: u8,
    /// Index of the correct option.
    pub answer: usize,
}

impl CampaignFile {
    /// Checks the file and returns the campaign as devices get it (without answers).
    pub fn public(&self) -> Result<Campaign, String> {
        if self.id.trim().is_empty() || self.id.len() > lianxin_core::quiz::MAX_ID {
            return Err("campaign id must be 1–64 characters".into());
        }
        if self.ends_at <= self.starts_at {
            return Err("ends_at must be after starts_at".into());
        }
        if self.questions.is_empty() {
            return Err("a campaign needs at least one question".into());
        }
        let mut ids = std::collections::HashSet::new();
        for q in &self.questions {
            if !ids.insert(q.id.as_str()) {
                return Err(format!("question id {:?} appears twice", q.id));
            }
            if q.options.len() < 2 || q.answer >= q.options.len() {
                return Err(format!(
                    "question {:?}: needs 2+ options and an answer among them",
                    q.id
                ));
            }
        }
        Ok(Campaign {
            id: self.id.clone(),
            title: self.title.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            questions: self
                .questions
                .iter()
                .map(|q| Question {
                    id: q.id.clone(),
                    prompt: q.prompt.clone(),
                    options: q.options.clone(),
                    article: q.article,
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(answer: usize) -> CampaignFile {
        serde_json::from_value(serde_json::json!({
            "id": "2026-q4",
            "title": "信访工作条例知识竞答",
            "starts_at": "2026-11-01T00:00:00Z",
            "ends_at": "2026-12-31T00:00:00Z",
            "questions": [
                {"id": "q10", "prompt": "?", "options": ["3人", "5人"], "article": 20, "answer": answer}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn the_published_campaign_carries_no_answers() {
        let public = file(1).public().unwrap();
        let json = serde_json::to_value(&public).unwrap();
        assert!(json["questions"][0].get("answer").is_none());
        assert_eq!(public.questions[0].options.len(), 2);
    }

    #[test]
    fn an_answer_outside_the_options_is_refused() {
        assert!(file(2).public().is_err());
    }
}
