//! Quiz campaigns on the server: reading a campaign file (`lianxin-server campaign import`), who
//! a participant is for the daily limit, and what a judged attempt leaves for the statistics.
//! The answers stay on the server; devices get [`Campaign::for_device`]. Whether an attempt
//! counts is [`QuizAttempt::judge`] in lianxin-core, the same code a device could run.

use std::fmt;

use chrono::{DateTime, Utc};
use lianxin_core::bank::{Bank, ProblemCode};
use lianxin_core::law::Regulation;
use lianxin_core::protocol::ApiError;
use lianxin_core::quiz::{
    Audience, Campaign, CampaignStats, Flag, Question, QuizAttempt, Quota, ReviewPolicy, Score,
    StatsGroup,
};
use serde::Deserialize;
use uuid::Uuid;

/// A campaign file: the campaign's settings, and its questions either embedded (bank format) or
/// taken from a bank file (`"bank": "xinfang-2022.json"`, relative to the campaign file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignFile {
    /// Stable id, e.g. `2026-q4-tiaoli`.
    pub id: String,
    /// Title.
    pub title: String,
    /// What it is about.
    #[serde(default)]
    pub description: String,
    /// Window start.
    pub starts_at: DateTime<Utc>,
    /// Window end.
    pub ends_at: DateTime<Utc>,
    /// Public or staff.
    #[serde(default)]
    pub audience: Audience,
    /// Questions per attempt by chapter; none: every question.
    #[serde(default)]
    pub quotas: Vec<Quota>,
    /// Seconds an attempt may take.
    #[serde(default)]
    pub time_limit_secs: Option<u32>,
    /// Percentage that passes.
    #[serde(default)]
    pub pass_mark: u8,
    /// Attempts per participant per day.
    #[serde(default)]
    pub attempts_per_day: Option<u16>,
    /// When answers are shown.
    #[serde(default)]
    pub review: ReviewPolicy,
    /// The consent text, when name, phone and township are collected.
    #[serde(default)]
    pub consent: Option<String>,
    /// A bank file to take the questions from.
    #[serde(default)]
    pub bank: Option<String>,
    /// Questions in the bank's format.
    #[serde(default)]
    pub questions: Option<Vec<lianxin_core::bank::Question>>,
}

/// Why a campaign file was refused; each problem with the line it is on, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// Not JSON, or a field of the wrong type (serde's line and column).
    Syntax {
        /// Which file.
        file: String,
        /// 1-based.
        line: usize,
        /// 1-based.
        column: usize,
        /// serde's words.
        message: String,
    },
    /// The bank file could not be read or is not a valid bank.
    Bank(String),
    /// Well-formed, but the campaign is not valid.
    Invalid(Vec<Problem>),
}

/// One problem of a campaign, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line of the campaign file it is on, if it could be found.
    pub line: Option<usize>,
    /// What is wrong, with the field.
    pub error: ApiError,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Syntax {
                file,
                line,
                column,
                message,
            } => write!(f, "{file}: line {line}, column {column}: {message}"),
            ImportError::Bank(e) => write!(f, "question bank: {e}"),
            ImportError::Invalid(problems) => {
                writeln!(f, "the campaign is not valid:")?;
                for p in problems {
                    match p.line {
                        Some(line) => write!(f, "  line {line}: ")?,
                        None => write!(f, "  ")?,
                    }
                    let field = p.error.field.as_deref().unwrap_or("");
                    writeln!(f, "{field}: {} ({})", p.error.message, p.error.code)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ImportError {}

/// The line of `text` on which `needle` first appears.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    let at = text.find(needle)?;
    Some(text[..at].matches('\n').count() + 1)
}

/// Where a problem of the campaign is in the file: the line of the question it names (by its
/// id), else of the top-level key it names.
fn locate(text: &str, campaign: &Campaign, error: &ApiError) -> Option<usize> {
    let field = error.field.as_deref()?;
    if let Some(rest) = field.strip_prefix("questions[") {
        let i: usize = rest.split(']').next()?.parse().ok()?;
        let id = &campaign.questions.get(i)?.id;
        return line_of(text, &format!("\"{id}\""));
    }
    let key = field.split(['.', '[']).next()?;
    line_of(text, &format!("\"{key}\""))
}

fn syntax(file: &str, e: &serde_json::Error) -> ImportError {
    ImportError::Syntax {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// Reads a campaign file and checks the campaign ([`Campaign::check`]); `read_bank` gives the
/// text of the bank file the campaign names. The questions are the bank's (parsed and checked by
/// `lianxin_core::bank`), with their keys: the server's copy.
pub fn read_campaign_file(
    name: &str,
    text: &str,
    read_bank: impl Fn(&str) -> Result<String, String>,
) -> Result<Campaign, ImportError> {
    let file: CampaignFile = serde_json::from_str(text).map_err(|e| syntax(name, &e))?;
    let questions = match (&file.bank, file.questions) {
        (Some(bank), None) => {
            let bank_text = read_bank(bank).map_err(ImportError::Bank)?;
            let bank =
                Bank::parse(&bank_text).map_err(|e| ImportError::Bank(format!("{bank}: {e}")))?;
            checked_questions(&bank, true)?
        }
        (None, Some(questions)) => {
            let bank = Bank {
                bank: file.id.clone(),
                title: file.title.clone(),
                law: "xinfang-2022".into(),
                questions,
            };
            // A campaign may ask about some chapters only; a bank must cover them all.
            checked_questions(&bank, false)?
        }
        _ => {
            return Err(ImportError::Invalid(vec![Problem {
                line: None,
                error: ApiError::new(
                    "questions_source",
                    "give either \"bank\" (a bank file) or \"questions\" (embedded), not both",
                )
                .with_field("questions"),
            }]))
        }
    };
    let campaign = Campaign {
        id: file.id,
        title: file.title,
        description: file.description,
        starts_at: file.starts_at,
        ends_at: file.ends_at,
        audience: file.audience,
        quotas: file.quotas,
        time_limit_secs: file.time_limit_secs,
        pass_mark: file.pass_mark,
        attempts_per_day: file.attempts_per_day,
        review: file.review,
        consent: file.consent,
        questions,
    };
    campaign.check().map_err(|errs| {
        ImportError::Invalid(
            errs.into_iter()
                .map(|error| Problem {
                    line: locate(text, &campaign, &error),
                    error,
                })
                .collect(),
        )
    })?;
    Ok(campaign)
}

/// The campaign questions of a bank, keys included, if [`Bank::check`] finds nothing wrong
/// (`whole`: every chapter must have a question, as in a bank file).
fn checked_questions(bank: &Bank, whole: bool) -> Result<Vec<Question>, ImportError> {
    let law = Regulation::bundled();
    let problems: Vec<String> = bank
        .check(law)
        .into_iter()
        .filter(|p| whole || p.code != ProblemCode::ChapterWithoutQuestion)
        .map(|p| p.to_string())
        .collect();
    if !problems.is_empty() {
        return Err(ImportError::Bank(problems.join("; ")));
    }
    Ok(lianxin_core::quiz::questions_of(bank, law))
}

/// The campaigns the server knows without an import: the practice campaign over the bundled
/// bank, which every device has before its first sync.
pub fn builtin(id: &str) -> Option<&'static Campaign> {
    static PRACTICE: std::sync::OnceLock<Campaign> = std::sync::OnceLock::new();
    let bank = lianxin_core::bank::Bank::bundled();
    if id != lianxin_core::quiz::practice_id(&bank.bank) {
        return None;
    }
    Some(PRACTICE.get_or_init(|| Campaign::practice(bank, Regulation::bundled())))
}

/// Who the daily limit counts: the participant by phone when the campaign collects details,
/// else the device (a staff tablet is one person; a kiosk campaign that limits attempts should
/// collect details).
pub fn participant_key(attempt: &QuizAttempt, device_id: Uuid) -> String {
    match &attempt.participant {
        Some(p) => format!("phone:{}", lianxin_core::text::ascii_digits(&p.phone)),
        None => format!("device:{device_id}"),
    }
}

/// What a counted attempt leaves for the daily limit and the statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptFacts {
    /// The campaign.
    pub campaign_id: String,
    /// See [`participant_key`].
    pub participant: String,
    /// The day (China time) it finished on, `YYYY-MM-DD`.
    pub day: String,
    /// The participant's township, else the device's.
    pub township: String,
    /// The campaign's audience.
    pub audience: Audience,
    /// The server's score.
    pub score: Score,
    /// Questions reported as wrong.
    pub flags: Vec<Flag>,
    /// Device times.
    pub started_at: DateTime<Utc>,
    /// Device times.
    pub finished_at: DateTime<Utc>,
}

impl AttemptFacts {
    /// The facts of an attempt before it is judged: whose, which day.
    pub fn key(attempt: &QuizAttempt, device_id: Uuid) -> (String, String) {
        (
            participant_key(attempt, device_id),
            lianxin_core::period::china_date(attempt.finished_at)
                .format("%Y-%m-%d")
                .to_string(),
        )
    }
}

/// The server's verdict on an attempt: [`QuizAttempt::judge`] against the campaign (with keys),
/// then the daily limit, given how many attempts of the same participant on the same day are
/// already counted (`earlier`). `Err` is the reason on the record.
pub fn judge_attempt(
    attempt: &QuizAttempt,
    campaign: &Campaign,
    device_id: Uuid,
    device_township: &str,
    earlier: i64,
) -> Result<AttemptFacts, ApiError> {
    let score = attempt.judge(campaign).map_err(super::push::first_error)?;
    if let Some(limit) = campaign.attempts_per_day {
        if earlier >= i64::from(limit) {
            return Err(ApiError::new(
                "daily_limit_reached",
                format!("this campaign allows {limit} attempts per participant per day"),
            )
            .with_field("finished_at")
            .with_param("limit", limit));
        }
    }
    let (participant, day) = AttemptFacts::key(attempt, device_id);
    let township = match &attempt.participant {
        Some(p) if !p.township.trim().is_empty() => p.township.clone(),
        _ if !attempt.township.trim().is_empty() => attempt.township.clone(),
        _ => device_township.to_owned(),
    };
    Ok(AttemptFacts {
        campaign_id: campaign.id.clone(),
        participant,
        day,
        township,
        audience: campaign.audience,
        score,
        flags: attempt.flags.clone(),
        started_at: attempt.started_at,
        finished_at: attempt.finished_at,
    })
}

/// Completes a campaign's statistics from the campaign itself: its title and audience, and the
/// stem and article of each most-missed question.
pub fn describe(stats: &mut CampaignStats, campaign: &Campaign) {
    stats.title = campaign.title.clone();
    stats.audience = campaign.audience;
    for m in &mut stats.most_missed {
        if let Some(q) = campaign.question(&m.question_id) {
            m.stem = q.stem.clone();
            m.article = q.article;
        }
    }
}

/// The statistics as CSV (RFC 4180, UTF-8 with a byte order mark so that spreadsheet programs
/// read the Chinese right): one section per table, each with its header row.
pub fn stats_csv(stats: &CampaignStats) -> String {
    fn cell(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let mut out = String::from("\u{FEFF}");
    let mut line = |cells: &[String]| {
        out.push_str(&cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    let groups = |line: &mut dyn FnMut(&[String]), section: &str, groups: &[StatsGroup]| {
        line(&[
            section.to_owned(),
            "attempts".into(),
            "participants".into(),
            "passed".into(),
            "pass_rate_percent".into(),
            "mean_percent".into(),
        ]);
        for g in groups {
            line(&[
                g.key.clone(),
                g.attempts.to_string(),
                g.participants.to_string(),
                g.passed.to_string(),
                format!("{:.1}", g.pass_rate()),
                format!("{:.1}", g.mean_percent()),
            ]);
        }
    };
    line(&[
        "campaign".into(),
        stats.campaign_id.clone(),
        stats.title.clone(),
    ]);
    groups(&mut line, "total", std::slice::from_ref(&stats.total));
    groups(&mut line, "township", &stats.by_township);
    groups(&mut line, "audience", &stats.by_audience);
    line(&["score_band_percent".into(), "attempts".into()]);
    for (band, n) in stats.distribution.iter().enumerate() {
        let label = if band == 10 {
            "100".to_owned()
        } else {
            format!("{}-{}", band * 10, band * 10 + 9)
        };
        line(&[label, n.to_string()]);
    }
    line(&[
        "most_missed_question".into(),
        "misses".into(),
        "article".into(),
        "stem".into(),
    ]);
    for m in &stats.most_missed {
        line(&[
            m.question_id.clone(),
            m.misses.to_string(),
            m.article.to_string(),
            m.stem.clone(),
        ]);
    }
    line(&["flagged_question".into(), "comment".into()]);
    for f in &stats.flags {
        line(&[f.question_id.clone(), f.comment.clone()]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank_question(id: &str) -> serde_json::Value {
        serde_json::json!({
            "type": "single", "id": id,
            "stem": "多人采用走访形式提出共同的信访事项的，代表人数不得超过几人？",
            "options": ["3人", "5人", "7人"], "answer": 1,
            "explanation": "第二十条第三款。", "article": 20,
            "quote": "多人采用走访形式提出共同的信访事项的，应当推选代表，代表人数不得超过5人"
        })
    }

    fn file(extra: serde_json::Value) -> String {
        let mut v = serde_json::json!({
            "id": "2026-q4",
            "title": "信访工作条例知识竞答",
            "starts_at": "2026-11-01T00:00:00Z",
            "ends_at": "2026-12-31T00:00:00Z",
            "pass_mark": 60,
            "questions": [bank_question("q20")]
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        serde_json::to_string_pretty(&v).unwrap()
    }

    fn no_bank(_: &str) -> Result<String, String> {
        Err("no bank".into())
    }

    #[test]
    fn a_campaign_file_with_embedded_questions_becomes_a_campaign_with_keys() {
        let c = read_campaign_file("c.json", &file(serde_json::json!({})), no_bank).unwrap();
        assert_eq!(c.questions.len(), 1);
        assert_eq!(c.questions[0].key.as_ref().unwrap().correct, [1]);
    }

    #[test]
    fn a_file_that_is_not_json_is_refused_with_its_line() {
        let text = "{\n  \"id\": \"x\",\n  \"title\": oops\n}";
        let err = read_campaign_file("c.json", text, no_bank).unwrap_err();
        let ImportError::Syntax { line, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(line, 3);
    }

    #[test]
    fn an_invalid_campaign_is_refused_with_the_line_and_the_problem() {
        let text = file(serde_json::json!({"quotas": [{"chapter": 3, "count": 2}]}));
        let err = read_campaign_file("c.json", &text, no_bank).unwrap_err();
        let ImportError::Invalid(problems) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(problems[0].error.code, "quota_too_large");
        assert_eq!(problems[0].line, line_of(&text, "\"quotas\""));
        assert!(err.to_string().contains("quotas[0].count"), "{err}");
    }

    #[test]
    fn the_daily_limit_counts_the_attempts_already_counted_that_day() {
        let mut c = read_campaign_file("c.json", &file(serde_json::json!({})), no_bank).unwrap();
        c.attempts_per_day = Some(2);
        let attempt = QuizAttempt {
            campaign_id: "2026-q4".into(),
            seed: 1,
            answers: vec![lianxin_core::quiz::Answer {
                question_id: "q20".into(),
                choices: vec![1],
            }],
            started_at: "2026-11-30T10:00:00Z".parse().unwrap(),
            finished_at: "2026-11-30T10:01:00Z".parse().unwrap(),
            township: String::new(),
            participant: None,
            flags: vec![],
            score: None,
            local_id: None,
        };
        let device = Uuid::now_v7();
        let facts = judge_attempt(&attempt, &c, device, "城关镇", 1).unwrap();
        assert_eq!(facts.township, "城关镇");
        assert_eq!(facts.participant, format!("device:{device}"));
        assert_eq!(facts.day, "2026-11-30");
        let refused = judge_attempt(&attempt, &c, device, "城关镇", 2).unwrap_err();
        assert_eq!(refused.code, "daily_limit_reached");
    }

    #[test]
    fn the_csv_quotes_what_needs_quoting_and_names_every_section() {
        let stats = CampaignStats {
            campaign_id: "2026-q4".into(),
            title: "竞答, 第四季度".into(),
            distribution: vec![0; 11],
            flags: vec![Flag {
                question_id: "q20".into(),
                comment: "选项\"5人\"有误".into(),
            }],
            ..CampaignStats::default()
        };
        let csv = stats_csv(&stats);
        assert!(csv.starts_with("\u{FEFF}campaign,2026-q4,\"竞答, 第四季度\"\r\n"));
        assert!(csv.contains("q20,\"选项\"\"5人\"\"有误\"\r\n"));
        for section in [
            "total,",
            "township,",
            "audience,",
            "score_band_percent,",
            "100,0",
        ] {
            assert!(csv.contains(section), "{section}");
        }
    }
}
