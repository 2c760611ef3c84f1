//! Legal-awareness quiz campaigns (普法知识竞答): what a campaign is, how an attempt draws its
//! questions from it, how an attempt is scored, and what the server checks before it counts one.
//!
//! One [`Campaign`] type serves both sides. The server keeps it with every question's [`Key`]
//! (correct options, explanation, quote); a device gets [`Campaign::for_device`], which keeps the
//! keys only when the campaign's [`ReviewPolicy`] shows answers before the campaign closes — a
//! campaign that hides them never sends them. The questions themselves come from a question bank
//! (`crate::bank`); a campaign question is the bank question with its key detachable, never a
//! second definition of it.
//!
//! An attempt records the seed of its draw ([`Campaign::draw`]); the server draws again from that
//! seed, checks every answer against the draw and the keys, and scores itself
//! ([`QuizAttempt::judge`]): a client's score is never trusted.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::draw::SplitMix64;
use crate::protocol::ApiError;

/// Who a campaign is for.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Audience {
    /// Anyone, e.g. on a kiosk in a service hall (普法).
    #[default]
    Public,
    /// Cadres sitting their law exam (学法考试); a pass earns a printable certificate.
    Staff,
}

/// When a participant sees the correct answers and their explanations.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReviewPolicy {
    /// Right after answering each question (practice).
    #[default]
    AfterEach,
    /// After the attempt is submitted.
    AtEnd,
    /// Only once the campaign has closed (exams): devices get no answers before that.
    AfterClose,
}

/// The kind of a question, as the bank spells it.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum QuestionType {
    /// One correct option.
    #[default]
    Single,
    /// One or more correct options; scored all-or-nothing.
    Multiple,
    /// A statement that is true or false: option 0 is 「正确」, option 1 is 「错误」.
    TrueFalse,
}

/// What a question's answer is, with why: kept on the server, sent to devices only when the
/// campaign's review policy shows answers before it closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Key {
    /// The correct options, ascending (for a true/false question: `[0]` true, `[1]` false).
    pub correct: Vec<usize>,
    /// Why, in plain words.
    pub explanation: String,
    /// The words of the article it rests on, verbatim.
    pub quote: String,
}

/// One question of a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// Stable id, from the bank.
    pub id: String,
    /// Single, multiple or true/false.
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// The question (Chinese, as written in the bank).
    pub stem: String,
    /// The options in the bank's order; empty for a true/false question.
    #[serde(default)]
    pub options: Vec<String>,
    /// The article of 《信访工作条例》 it is about (1–50).
    pub article: u8,
    /// The chapter that article is in (1–6), which the draw's quotas count by.
    pub chapter: u8,
    /// The answer, when this copy may carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Key>,
}

impl Question {
    /// How many options a participant chooses from.
    pub fn option_count(&self) -> usize {
        match self.kind {
            QuestionType::TrueFalse => 2,
            _ => self.options.len(),
        }
    }

    /// Whether `choices` answers the question: exactly the correct options, in any order, none
    /// missing and none extra (all-or-nothing for multiple choice). `None` without a key.
    pub fn is_correct(&self, choices: &[usize]) -> Option<bool> {
        let key = self.key.as_ref()?;
        let mut chosen = choices.to_vec();
        chosen.sort_unstable();
        chosen.dedup();
        Some(chosen == key.correct)
    }
}

impl Question {
    /// The bank's question in the shape a campaign carries it: options as a list for every kind,
    /// the answer as a detachable [`Key`], the chapter looked up in `law` (0 if the article is not
    /// in it, which [`crate::bank::Bank::check`] refuses).
    pub fn from_bank(q: &crate::bank::Question, law: &crate::law::Regulation) -> Question {
        use crate::bank::Kind;
        let (kind, options, correct) = match &q.kind {
            Kind::Single { options, answer } => {
                (QuestionType::Single, options.clone(), vec![*answer])
            }
            Kind::Multiple { options, answers } => {
                let mut correct = answers.clone();
                correct.sort_unstable();
                correct.dedup();
                (QuestionType::Multiple, options.clone(), correct)
            }
            Kind::TrueFalse { answer } => (
                QuestionType::TrueFalse,
                Vec::new(),
                vec![usize::from(!answer)],
            ),
        };
        Question {
            id: q.id.clone(),
            kind,
            stem: q.stem.clone(),
            options,
            article: q.article,
            chapter: q.chapter(law).unwrap_or(0),
            key: Some(Key {
                correct,
                explanation: q.explanation.clone(),
                quote: q.quote.clone(),
            }),
        }
    }
}

/// Every question of a bank as a campaign carries it (with keys), in the bank's order.
pub fn questions_of(bank: &crate::bank::Bank, law: &crate::law::Regulation) -> Vec<Question> {
    bank.questions
        .iter()
        .map(|q| Question::from_bank(q, law))
        .collect()
}

/// The id of the practice campaign over a bank: `practice-xinfang-2022`.
pub fn practice_id(bank_id: &str) -> String {
    format!("practice-{bank_id}")
}

/// Questions per chapter in a practice attempt.
pub const PRACTICE_PER_CHAPTER: u16 = 2;

/// How many questions of a chapter an attempt draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quota {
    /// The chapter (1–6).
    pub chapter: u8,
    /// Questions drawn from it.
    pub count: u16,
}

/// A campaign, as the server keeps it (with keys) and as devices get it (see
/// [`Campaign::for_device`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    /// Stable id chosen by the bureau, e.g. `2026-q4-tiaoli`.
    pub id: String,
    /// Title shown to participants.
    pub title: String,
    /// What it is about and who should take it.
    #[serde(default)]
    pub description: String,
    /// Attempts finished before this are refused.
    pub starts_at: DateTime<Utc>,
    /// Attempts finished after this are refused.
    pub ends_at: DateTime<Utc>,
    /// Public or staff.
    #[serde(default)]
    pub audience: Audience,
    /// Questions per attempt, by chapter; empty: every question of the campaign.
    #[serde(default)]
    pub quotas: Vec<Quota>,
    /// Seconds an attempt may take, if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit_secs: Option<u32>,
    /// Percentage of correct answers that passes (0–100).
    #[serde(default)]
    pub pass_mark: u8,
    /// Attempts a participant may finish per day (China time), if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_per_day: Option<u16>,
    /// When answers and explanations are shown.
    #[serde(default)]
    pub review: ReviewPolicy,
    /// Set when name, phone and township are collected: the consent text shown with them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<String>,
    /// The pool of questions an attempt draws from.
    pub questions: Vec<Question>,
}

/// One question of a drawn attempt: which one, and the order its options are shown in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawn {
    /// The question's id.
    pub question_id: String,
    /// The bank's option indices in the order shown (`[2, 0, 1]`: the bank's third option
    /// first). True/false questions keep 「正确」 first.
    pub order: Vec<usize>,
}

/// Longest campaign or question id.
pub const MAX_ID: usize = 64;
/// Most answers one attempt may carry.
pub const MAX_ANSWERS: usize = 200;
/// Longest comment of a flagged question.
pub const MAX_FLAG_COMMENT: usize = 500;
/// Fewest seconds a person needs per question: an attempt finished faster was not read.
pub const MIN_SECONDS_PER_QUESTION: i64 = 1;
/// Seconds an attempt may overrun its time limit (the submit's own latency, a slow tablet).
pub const TIME_LIMIT_GRACE_SECS: i64 = 30;

impl Campaign {
    /// The practice campaign over a bank, which every device has before its first sync and the
    /// server knows without an import: open to everyone from the regulation's entry into force
    /// (2022-05-01) on, [`PRACTICE_PER_CHAPTER`] questions of each chapter, answers shown after
    /// each question, no time limit, no daily limit, no participant details, pass mark 60.
    pub fn practice(bank: &crate::bank::Bank, law: &crate::law::Regulation) -> Campaign {
        let questions = questions_of(bank, law);
        let mut chapters: Vec<u8> = questions.iter().map(|q| q.chapter).collect();
        chapters.sort_unstable();
        chapters.dedup();
        let quotas = chapters
            .into_iter()
            .map(|chapter| {
                let have = questions.iter().filter(|q| q.chapter == chapter).count();
                Quota {
                    chapter,
                    count: PRACTICE_PER_CHAPTER.min(have as u16),
                }
            })
            .collect();
        let china = crate::period::china();
        let at = |y, m, d| {
            china
                .with_ymd_and_hms(y, m, d, 0, 0, 0)
                .single()
                .expect("a valid date")
                .with_timezone(&Utc)
        };
        Campaign {
            id: practice_id(&bank.bank),
            title: bank.title.clone(),
            description: String::new(),
            starts_at: at(2022, 5, 1),
            ends_at: at(2100, 1, 1),
            audience: Audience::Public,
            quotas,
            time_limit_secs: None,
            pass_mark: 60,
            attempts_per_day: None,
            review: ReviewPolicy::AfterEach,
            consent: None,
            questions,
        }
    }

    /// Questions an attempt draws.
    pub fn questions_per_attempt(&self) -> usize {
        if self.quotas.is_empty() {
            self.questions.len()
        } else {
            self.quotas.iter().map(|q| usize::from(q.count)).sum()
        }
    }

    /// Whether a device may hold the answers while the campaign is open.
    pub fn shows_answers_before_close(&self) -> bool {
        self.review != ReviewPolicy::AfterClose
    }

    /// The copy a device gets at `now`: without keys while a campaign that shows answers only
    /// after it closes is still open.
    pub fn for_device(&self, now: DateTime<Utc>) -> Campaign {
        let mut copy = self.clone();
        if !self.shows_answers_before_close() && now < self.ends_at {
            for q in &mut copy.questions {
                q.key = None;
            }
        }
        copy
    }

    /// Whether the campaign takes attempts at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at <= self.ends_at
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The questions of the attempt seeded with `seed`, in the order shown, each with the order
    /// of its options. The same campaign and seed give the same draw on every device and on the
    /// server:
    ///
    /// 1. one [`SplitMix64`] seeded with `seed`;
    /// 2. for each quota, by ascending chapter, `count` questions chosen from that chapter's
    ///    questions sorted by id (all of them if fewer);
    /// 3. the chosen questions shuffled together (no quotas: all questions, sorted by id, then
    ///    shuffled);
    /// 4. for each, in that order, its options shuffled (true/false: kept as is).
    pub fn draw(&self, seed: u32) -> Vec<Drawn> {
        let mut rng = SplitMix64::new(u64::from(seed));
        let mut by_id: Vec<&Question> = self.questions.iter().collect();
        by_id.sort_by(|a, b| a.id.cmp(&b.id));
        let mut chosen: Vec<&Question> = if self.quotas.is_empty() {
            by_id
        } else {
            let mut quotas = self.quotas.clone();
            quotas.sort_by_key(|q| q.chapter);
            let mut chosen = Vec::with_capacity(self.questions_per_attempt());
            for quota in quotas {
                let pool: Vec<&Question> = by_id
                    .iter()
                    .copied()
                    .filter(|q| q.chapter == quota.chapter)
                    .collect();
                chosen.extend(rng.choose(&pool, usize::from(quota.count)));
            }
            chosen
        };
        rng.shuffle(&mut chosen);
        chosen
            .into_iter()
            .map(|q| {
                let mut order: Vec<usize> = (0..q.option_count()).collect();
                if q.kind != QuestionType::TrueFalse {
                    rng.shuffle(&mut order);
                }
                Drawn {
                    question_id: q.id.clone(),
                    order,
                }
            })
            .collect()
    }

    /// Checks a campaign before it is published: an id, a window, a pass mark within 0–100,
    /// distinct questions with valid keys, and quotas the pool can fill. Each problem names the
    /// field it is in.
    pub fn check(&self) -> Result<(), Vec<ApiError>> {
        let mut errs = Vec::new();
        let e = |code: &str, msg: String, field: String| ApiError::new(code, msg).with_field(field);
        if self.id.trim().is_empty() || self.id.chars().count() > MAX_ID {
            errs.push(e(
                "invalid",
                format!("a campaign id has 1–{MAX_ID} characters"),
                "id".into(),
            ));
        }
        for (field, value, multiline) in [
            ("id", &self.id, false),
            ("title", &self.title, false),
            ("description", &self.description, true),
        ] {
            if let Some((pos, c)) = crate::text::first_forbidden(value, multiline) {
                errs.push(
                    e(
                        "forbidden_character",
                        "the text holds an invisible or control character".into(),
                        field.into(),
                    )
                    .with_param("char", crate::text::code_point(c))
                    .with_param("position", pos),
                );
            }
        }
        if self.title.trim().is_empty() {
            errs.push(e(
                "required",
                "a campaign needs a title".into(),
                "title".into(),
            ));
        }
        if self.ends_at <= self.starts_at {
            errs.push(e(
                "window_empty",
                "ends_at must be after starts_at".into(),
                "ends_at".into(),
            ));
        }
        if self.pass_mark > 100 {
            errs.push(e(
                "out_of_range",
                "the pass mark is a percentage, 0–100".into(),
                "pass_mark".into(),
            ));
        }
        if self.attempts_per_day == Some(0) {
            errs.push(e(
                "out_of_range",
                "attempts_per_day must be at least 1 (leave it out for no limit)".into(),
                "attempts_per_day".into(),
            ));
        }
        if self.time_limit_secs == Some(0) {
            errs.push(e(
                "out_of_range",
                "time_limit_secs must be at least 1 (leave it out for no limit)".into(),
                "time_limit_secs".into(),
            ));
        }
        if self.questions.is_empty() {
            errs.push(e(
                "required",
                "a campaign needs at least one question".into(),
                "questions".into(),
            ));
        }
        let mut ids = HashSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let field = |f: &str| format!("questions[{i}].{f}");
            if !ids.insert(q.id.as_str()) {
                errs.push(e(
                    "duplicate_question",
                    format!("question id {:?} appears twice", q.id),
                    field("id"),
                ));
            }
            if q.id.trim().is_empty() || q.id.chars().count() > MAX_ID {
                errs.push(e(
                    "invalid",
                    format!("a question id has 1–{MAX_ID} characters"),
                    field("id"),
                ));
            }
            let n = q.option_count();
            if n < 2 {
                errs.push(e(
                    "too_few_options",
                    "a question needs at least two options".into(),
                    field("options"),
                ));
            }
            match &q.key {
                None => errs.push(e(
                    "key_missing",
                    "the server's copy of a question needs its answer".into(),
                    field("key"),
                )),
                Some(k) => {
                    let sorted = k.correct.windows(2).all(|w| w[0] < w[1]);
                    let count_ok = match q.kind {
                        QuestionType::Multiple => !k.correct.is_empty(),
                        _ => k.correct.len() == 1,
                    };
                    if !sorted || !count_ok || k.correct.iter().any(|&c| c >= n) {
                        errs.push(e(
                            "answer_out_of_range",
                            "the answer names options the question does not have".into(),
                            field("key.correct"),
                        ));
                    }
                }
            }
        }
        let mut per_chapter: BTreeMap<u8, usize> = BTreeMap::new();
        for q in &self.questions {
            *per_chapter.entry(q.chapter).or_default() += 1;
        }
        let mut quota_chapters = HashSet::new();
        for (i, quota) in self.quotas.iter().enumerate() {
            let have = per_chapter.get(&quota.chapter).copied().unwrap_or(0);
            if !quota_chapters.insert(quota.chapter) {
                errs.push(e(
                    "duplicate_quota",
                    format!("chapter {} has two quotas", quota.chapter),
                    format!("quotas[{i}]"),
                ));
            } else if usize::from(quota.count) > have {
                errs.push(
                    e(
                        "quota_too_large",
                        format!(
                            "chapter {} has {have} questions, the quota asks for {}",
                            quota.chapter, quota.count
                        ),
                        format!("quotas[{i}].count"),
                    )
                    .with_param("chapter", quota.chapter)
                    .with_param("available", have),
                );
            }
        }
        if !self.quotas.is_empty() && self.questions_per_attempt() == 0 {
            errs.push(e(
                "required",
                "the quotas draw no question".into(),
                "quotas".into(),
            ));
        }
        if self.questions_per_attempt() > MAX_ANSWERS {
            errs.push(e(
                "too_many",
                format!("an attempt has at most {MAX_ANSWERS} questions"),
                "quotas".into(),
            ));
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

/// The options chosen for one question, as the bank's option indices (not the shuffled order
/// they were shown in). Empty: not answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    /// The question.
    pub question_id: String,
    /// Indices into its options (true/false: `[0]` true, `[1]` false).
    #[serde(default)]
    pub choices: Vec<usize>,
}

/// Who took the attempt, when the campaign collects it (with its consent text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Participant {
    /// 姓名.
    pub name: String,
    /// A phone number.
    pub phone: String,
    /// The township they live in.
    pub township: String,
    /// They agreed to the campaign's consent text.
    pub consented: bool,
}

/// 「报告题目错误」: a participant says a question is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Flag {
    /// The question.
    pub question_id: String,
    /// What is wrong with it.
    pub comment: String,
}

/// How many answers were right, as the device showed it; the server compares it with its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimedScore {
    /// Correct answers.
    pub correct: u16,
    /// Questions drawn.
    pub total: u16,
}

/// A finished attempt, pushed as a `quiz_attempt` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuizAttempt {
    /// The campaign answered.
    pub campaign_id: String,
    /// The seed of the draw ([`Campaign::draw`]).
    pub seed: u32,
    /// One answer per question drawn (an unanswered one may be left out).
    pub answers: Vec<Answer>,
    /// When the attempt started (the device's clock).
    pub started_at: DateTime<Utc>,
    /// When it was submitted (the device's clock).
    pub finished_at: DateTime<Utc>,
    /// The township the device belongs to, for statistics.
    #[serde(default)]
    pub township: String,
    /// Who took it, when the campaign collects it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<Participant>,
    /// Questions reported as wrong.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// The score the device showed, if it could score (never trusted: see [`QuizAttempt::judge`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<ClaimedScore>,
    /// Client-side attempt id, for the wrong-answer notebook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_id: Option<Uuid>,
}

/// An attempt's score, as the server (or a device holding the keys) computes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// Correct answers.
    pub correct: u16,
    /// Questions drawn.
    pub total: u16,
    /// Whether `correct / total` reaches the campaign's pass mark.
    pub passed: bool,
    /// The questions answered wrongly or not at all, in the order drawn.
    pub missed: Vec<String>,
}

impl Score {
    /// Percentage correct, rounded down.
    pub fn percent(&self) -> u8 {
        percent(self.correct, self.total)
    }
}

/// `correct` of `total` as a percentage, rounded down (0 of 0 is 0).
pub fn percent(correct: u16, total: u16) -> u8 {
    if total == 0 {
        0
    } else {
        (u32::from(correct) * 100 / u32::from(total)) as u8
    }
}

/// Scores the answers of the attempt drawn as `drawn` from `campaign`: one point per question
/// answered with exactly its correct options (multiple choice: all-or-nothing). `None` if the
/// campaign copy has no keys.
pub fn score(campaign: &Campaign, drawn: &[Drawn], answers: &[Answer]) -> Option<Score> {
    let mut correct = 0u16;
    let mut missed = Vec::new();
    for d in drawn {
        let q = campaign.question(&d.question_id)?;
        let choices = answers
            .iter()
            .find(|a| a.question_id == d.question_id)
            .map_or(&[][..], |a| a.choices.as_slice());
        if q.is_correct(choices)? {
            correct += 1;
        } else {
            missed.push(d.question_id.clone());
        }
    }
    let total = drawn.len() as u16;
    Some(Score {
        correct,
        total,
        passed: u32::from(percent(correct, total)) >= u32::from(campaign.pass_mark),
        missed,
    })
}

/// A campaign's results for the bureau (`GET /api/v1/campaigns/{id}/stats`, `lianxin-server
/// campaign stats`): counted attempts only, scored by the server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignStats {
    /// The campaign.
    pub campaign_id: String,
    /// Its title (empty if the campaign is not known any more).
    pub title: String,
    /// Its audience.
    pub audience: Audience,
    /// All counted attempts, with how they spread.
    pub total: StatsGroup,
    /// Attempts by score band: `[0]` 0–9 %, …, `[9]` 90–99 %, `[10]` 100 %.
    pub distribution: Vec<i64>,
    /// The most missed questions, most first.
    pub most_missed: Vec<MissedQuestion>,
    /// By township, most participants first (the league table of a public campaign).
    pub by_township: Vec<StatsGroup>,
    /// By audience.
    pub by_audience: Vec<StatsGroup>,
    /// Questions reported as wrong (「报告题目错误」), with their comments.
    pub flags: Vec<Flag>,
}

/// Counted attempts of one group (a township, an audience, or all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsGroup {
    /// The township or audience (empty for all).
    pub key: String,
    /// Counted attempts.
    pub attempts: i64,
    /// Distinct participants (see the server's participant key).
    pub participants: i64,
    /// Attempts that passed.
    pub passed: i64,
    /// Sum of each attempt's percentage (rounded down), for the mean.
    pub percent_sum: i64,
}

impl StatsGroup {
    /// Share of attempts that passed, 0–100.
    pub fn pass_rate(&self) -> f64 {
        if self.attempts == 0 {
            0.0
        } else {
            self.passed as f64 * 100.0 / self.attempts as f64
        }
    }

    /// Mean score in percent.
    pub fn mean_percent(&self) -> f64 {
        if self.attempts == 0 {
            0.0
        } else {
            self.percent_sum as f64 / self.attempts as f64
        }
    }
}

/// A question many participants got wrong.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissedQuestion {
    /// The question.
    pub question_id: String,
    /// How many counted attempts missed it.
    pub misses: i64,
    /// Its stem (empty if the campaign no longer has it).
    pub stem: String,
    /// The article it is about (0 if unknown).
    pub article: u8,
}

impl QuizAttempt {
    /// Checks the attempt on its own: ids present, each question answered once, texts free of
    /// control and invisible characters, a finish after the start and not in the future (`now`
    /// is the checking side's clock).
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
        if self.flags.len() > MAX_ANSWERS {
            errs.push(e(
                "too_many",
                format!("an attempt has at most {MAX_ANSWERS} flags"),
                "flags".into(),
            ));
        }
        for (i, f) in self.flags.iter().enumerate() {
            if f.comment.chars().count() > MAX_FLAG_COMMENT {
                errs.push(
                    e(
                        "too_long",
                        format!("a comment has at most {MAX_FLAG_COMMENT} characters"),
                        format!("flags[{i}].comment"),
                    )
                    .with_param("max", MAX_FLAG_COMMENT),
                );
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
        errs.extend(self.text_problems());
        if self.township.chars().count() > crate::petition::MAX_TOWNSHIP {
            errs.push(
                e(
                    "too_long",
                    format!(
                        "a township has at most {} characters",
                        crate::petition::MAX_TOWNSHIP
                    ),
                    "township".into(),
                )
                .with_param("max", crate::petition::MAX_TOWNSHIP),
            );
        }
        if let Some(p) = &self.participant {
            if p.name.trim().is_empty() || p.name.chars().count() > crate::petition::MAX_NAME {
                errs.push(e(
                    "required",
                    "the participant's name is missing or too long".into(),
                    "participant.name".into(),
                ));
            }
            if !crate::petition::is_valid_phone(&p.phone) {
                errs.push(e(
                    "phone_format",
                    "the participant's phone number is not valid".into(),
                    "participant.phone".into(),
                ));
            }
            if p.township.chars().count() > crate::petition::MAX_TOWNSHIP {
                errs.push(e(
                    "too_long",
                    "the participant's township is too long".into(),
                    "participant.township".into(),
                ));
            }
            if !p.consented {
                errs.push(e(
                    "consent_missing",
                    "the participant did not agree to the consent text".into(),
                    "participant.consented".into(),
                ));
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }

    /// Every text of the attempt by its field, checked by [`crate::text`]: a NUL in a campaign
    /// id is a field error here, never a database's failure later.
    fn text_problems(&self) -> Vec<ApiError> {
        let mut texts: Vec<(String, &str, bool)> = vec![
            ("campaign_id".into(), &self.campaign_id, false),
            ("township".into(), &self.township, false),
        ];
        for (i, a) in self.answers.iter().enumerate() {
            texts.push((format!("answers[{i}].question_id"), &a.question_id, false));
        }
        for (i, f) in self.flags.iter().enumerate() {
            texts.push((format!("flags[{i}].question_id"), &f.question_id, false));
            texts.push((format!("flags[{i}].comment"), &f.comment, true));
        }
        if let Some(p) = &self.participant {
            texts.push(("participant.name".into(), &p.name, false));
            texts.push(("participant.phone".into(), &p.phone, false));
            texts.push(("participant.township".into(), &p.township, false));
        }
        texts
            .into_iter()
            .filter_map(|(field, value, multiline)| {
                let (position, c) = crate::text::first_forbidden(value, multiline)?;
                Some(
                    ApiError::new(
                        "forbidden_character",
                        "the text holds an invisible or control character",
                    )
                    .with_field(field)
                    .with_param("char", crate::text::code_point(c))
                    .with_param("position", position),
                )
            })
            .collect()
    }

    /// The server's verdict on an attempt against the campaign it answers, with its keys: the
    /// right campaign, finished inside its window, the questions of the draw its seed gives and
    /// no other, choices among each question's options, a possible duration, participant
    /// details when the campaign collects them, and — if the device claimed a score — the same
    /// score. Returns the score the server computed.
    pub fn judge(&self, campaign: &Campaign) -> Result<Score, Vec<ApiError>> {
        let mut errs = Vec::new();
        if self.campaign_id != campaign.id {
            errs.push(
                ApiError::new("campaign_mismatch", "the attempt answers another campaign")
                    .with_field("campaign_id"),
            );
            return Err(errs);
        }
        if self.finished_at < campaign.starts_at {
            errs.push(
                ApiError::new("campaign_not_open", "the campaign had not opened yet")
                    .with_field("finished_at")
                    .with_param("starts_at", campaign.starts_at.to_rfc3339()),
            );
        } else if self.finished_at > campaign.ends_at {
            errs.push(
                ApiError::new("campaign_closed", "the campaign had closed")
                    .with_field("finished_at")
                    .with_param("ends_at", campaign.ends_at.to_rfc3339()),
            );
        }
        let drawn = campaign.draw(self.seed);
        for (i, a) in self.answers.iter().enumerate() {
            let field = format!("answers[{i}].question_id");
            let Some(q) = campaign.question(&a.question_id) else {
                errs.push(
                    ApiError::new(
                        "question_unknown",
                        format!("the campaign has no question {:?}", a.question_id),
                    )
                    .with_field(field),
                );
                continue;
            };
            if !drawn.iter().any(|d| d.question_id == a.question_id) {
                errs.push(
                    ApiError::new(
                        "question_foreign",
                        format!("question {:?} is not in this attempt's draw", a.question_id),
                    )
                    .with_field(field),
                );
                continue;
            }
            let field = format!("answers[{i}].choices");
            if a.choices.iter().any(|&c| c >= q.option_count()) {
                errs.push(
                    ApiError::new("choice_out_of_range", "the chosen option does not exist")
                        .with_field(field),
                );
            } else if q.kind != QuestionType::Multiple && a.choices.len() > 1 {
                errs.push(
                    ApiError::new(
                        "too_many_choices",
                        "a single-choice or true/false question takes one option",
                    )
                    .with_field(field),
                );
            }
        }
        let seconds = (self.finished_at - self.started_at).num_seconds();
        let least = MIN_SECONDS_PER_QUESTION * self.answers.len() as i64;
        if seconds < least {
            errs.push(
                ApiError::new(
                    "duration_impossible",
                    format!(
                        "{} answers in {seconds} s cannot have been read",
                        self.answers.len()
                    ),
                )
                .with_field("finished_at")
                .with_param("seconds", seconds),
            );
        }
        if let Some(limit) = campaign.time_limit_secs {
            if seconds > i64::from(limit) + TIME_LIMIT_GRACE_SECS {
                errs.push(
                    ApiError::new(
                        "time_limit_exceeded",
                        "the attempt took longer than allowed",
                    )
                    .with_field("finished_at")
                    .with_param("seconds", seconds)
                    .with_param("limit", limit),
                );
            }
        }
        if campaign.consent.is_some() && self.participant.is_none() {
            errs.push(
                ApiError::new(
                    "participant_required",
                    "this campaign asks for the participant's name, phone and township",
                )
                .with_field("participant"),
            );
        }
        for (i, f) in self.flags.iter().enumerate() {
            if campaign.question(&f.question_id).is_none() {
                errs.push(
                    ApiError::new(
                        "question_unknown",
                        format!("the campaign has no question {:?}", f.question_id),
                    )
                    .with_field(format!("flags[{i}].question_id")),
                );
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let Some(score) = score(campaign, &drawn, &self.answers) else {
            return Err(vec![ApiError::new(
                "campaign_without_keys",
                "the server's copy of the campaign has no answers",
            )]);
        };
        if let Some(claimed) = self.score {
            if (claimed.correct, claimed.total) != (score.correct, score.total) {
                return Err(vec![ApiError::new(
                    "score_mismatch",
                    "the score sent differs from the server's; the server's counts",
                )
                .with_field("score")
                .with_param("claimed", claimed.correct)
                .with_param("scored", score.correct)]);
            }
        }
        Ok(score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, h, m, 0).unwrap()
    }

    fn q(id: &str, kind: QuestionType, chapter: u8, correct: &[usize]) -> Question {
        Question {
            id: id.into(),
            kind,
            stem: format!("{id}？"),
            options: match kind {
                QuestionType::TrueFalse => vec![],
                _ => vec!["甲".into(), "乙".into(), "丙".into(), "丁".into()],
            },
            article: chapter * 5,
            chapter,
            key: Some(Key {
                correct: correct.to_vec(),
                explanation: "因为".into(),
                quote: "条文".into(),
            }),
        }
    }

    /// Twelve questions, two per chapter: single (`s`), multiple (`m`) and true/false (`t`).
    fn campaign() -> Campaign {
        let mut questions = Vec::new();
        for chapter in 1..=6u8 {
            questions.push(q(
                &format!("c{chapter}s"),
                QuestionType::Single,
                chapter,
                &[1],
            ));
            questions.push(if chapter % 2 == 0 {
                q(
                    &format!("c{chapter}m"),
                    QuestionType::Multiple,
                    chapter,
                    &[0, 2],
                )
            } else {
                q(
                    &format!("c{chapter}t"),
                    QuestionType::TrueFalse,
                    chapter,
                    &[1],
                )
            });
        }
        Campaign {
            id: "2026-q4".into(),
            title: "条例知识竞答".into(),
            starts_at: at(0, 0),
            ends_at: at(23, 0),
            quotas: (1..=6).map(|chapter| Quota { chapter, count: 1 }).collect(),
            pass_mark: 60,
            questions,
            ..Campaign::default()
        }
    }

    fn attempt(seed: u32, right: bool) -> QuizAttempt {
        let c = campaign();
        let answers = c
            .draw(seed)
            .iter()
            .map(|d| {
                let key = c.question(&d.question_id).unwrap().key.clone().unwrap();
                Answer {
                    question_id: d.question_id.clone(),
                    choices: if right {
                        key.correct
                    } else {
                        vec![usize::from(key.correct[0] == 0)]
                    },
                }
            })
            .collect();
        QuizAttempt {
            campaign_id: "2026-q4".into(),
            seed,
            answers,
            started_at: at(10, 0),
            finished_at: at(10, 5),
            township: "城关镇".into(),
            participant: None,
            flags: vec![],
            score: None,
            local_id: None,
        }
    }

    fn codes(errs: &[ApiError]) -> Vec<&str> {
        errs.iter().map(|e| e.code.as_str()).collect()
    }

    #[test]
    fn a_seed_draws_the_same_questions_in_the_same_order_with_the_same_options_every_time() {
        // Pinned: a change here changes every attempt's draw on the server and every device.
        let drawn = campaign().draw(20_261_130);
        let pinned: Vec<(&str, &[usize])> = drawn
            .iter()
            .map(|d| (d.question_id.as_str(), d.order.as_slice()))
            .collect();
        assert_eq!(
            pinned,
            [
                ("c5s", &[3, 1, 0, 2][..]),
                ("c4s", &[0, 1, 2, 3][..]),
                ("c6s", &[2, 1, 0, 3][..]),
                ("c2m", &[2, 3, 1, 0][..]),
                ("c1t", &[0, 1][..]),
                ("c3s", &[0, 2, 3, 1][..]),
            ]
        );
        assert_eq!(campaign().draw(20_261_130), drawn);
        assert_ne!(campaign().draw(20_261_131), drawn);
    }

    #[test]
    fn the_draw_does_not_depend_on_the_order_the_questions_are_listed_in() {
        let mut reversed = campaign();
        reversed.questions.reverse();
        assert_eq!(reversed.draw(7), campaign().draw(7));
    }

    #[test]
    fn a_draw_takes_each_chapters_quota_and_without_quotas_every_question() {
        let mut c = campaign();
        c.quotas = vec![
            Quota {
                chapter: 2,
                count: 2,
            },
            Quota {
                chapter: 5,
                count: 1,
            },
        ];
        let drawn = c.draw(1);
        let mut chapters: Vec<u8> = drawn
            .iter()
            .map(|d| c.question(&d.question_id).unwrap().chapter)
            .collect();
        chapters.sort();
        assert_eq!(chapters, [2, 2, 5]);
        c.quotas.clear();
        assert_eq!(c.draw(1).len(), 12);
    }

    #[test]
    fn a_single_choice_question_is_right_only_with_its_one_option() {
        let s = q("s", QuestionType::Single, 1, &[1]);
        assert_eq!(s.is_correct(&[1]), Some(true));
        assert_eq!(s.is_correct(&[0]), Some(false));
        assert_eq!(s.is_correct(&[]), Some(false));
    }

    #[test]
    fn a_multiple_choice_question_is_all_or_nothing() {
        let m = q("m", QuestionType::Multiple, 1, &[0, 2]);
        assert_eq!(m.is_correct(&[2, 0]), Some(true));
        assert_eq!(m.is_correct(&[0]), Some(false), "one missing");
        assert_eq!(m.is_correct(&[0, 1, 2]), Some(false), "one extra");
    }

    #[test]
    fn a_true_false_question_is_right_with_the_true_or_false_it_states() {
        let t = q("t", QuestionType::TrueFalse, 1, &[1]);
        assert_eq!(t.option_count(), 2);
        assert_eq!(t.is_correct(&[1]), Some(true));
        assert_eq!(t.is_correct(&[0]), Some(false));
    }

    #[test]
    fn a_question_without_its_key_cannot_be_scored() {
        let mut s = q("s", QuestionType::Single, 1, &[1]);
        s.key = None;
        assert_eq!(s.is_correct(&[1]), None);
    }

    #[test]
    fn the_server_scores_an_attempt_itself_and_passes_it_by_the_pass_mark() {
        let score = attempt(5, true).judge(&campaign()).unwrap();
        assert_eq!((score.correct, score.total, score.passed), (6, 6, true));
        let score = attempt(5, false).judge(&campaign()).unwrap();
        assert_eq!((score.correct, score.passed), (0, false));
        assert_eq!(score.missed.len(), 6);
    }

    #[test]
    fn a_forged_score_is_refused() {
        let mut a = attempt(5, false);
        a.score = Some(ClaimedScore {
            correct: 6,
            total: 6,
        });
        assert_eq!(
            codes(&a.judge(&campaign()).unwrap_err()),
            ["score_mismatch"]
        );
        a.score = Some(ClaimedScore {
            correct: 0,
            total: 6,
        });
        assert!(a.judge(&campaign()).is_ok(), "the true score is accepted");
    }

    #[test]
    fn an_answer_to_a_question_outside_the_draw_is_foreign() {
        let mut a = attempt(5, true);
        let drawn: Vec<String> = campaign()
            .draw(5)
            .into_iter()
            .map(|d| d.question_id)
            .collect();
        let other = campaign()
            .questions
            .into_iter()
            .find(|q| !drawn.contains(&q.id))
            .unwrap();
        a.answers[0].question_id = other.id;
        assert_eq!(
            codes(&a.judge(&campaign()).unwrap_err()),
            ["question_foreign"]
        );
        a.answers[0].question_id = "q99".into();
        assert_eq!(
            codes(&a.judge(&campaign()).unwrap_err()),
            ["question_unknown"]
        );
    }

    #[test]
    fn an_attempt_finished_outside_the_window_is_refused() {
        let mut a = attempt(5, true);
        a.started_at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        a.finished_at = a.started_at + Duration::minutes(3);
        assert_eq!(
            codes(&a.judge(&campaign()).unwrap_err()),
            ["campaign_closed"]
        );
        a.started_at = Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap();
        a.finished_at = a.started_at + Duration::minutes(3);
        assert_eq!(
            codes(&a.judge(&campaign()).unwrap_err()),
            ["campaign_not_open"]
        );
    }

    #[test]
    fn an_impossible_duration_or_an_overrun_time_limit_is_refused() {
        let mut a = attempt(5, true);
        a.finished_at = a.started_at + Duration::seconds(2);
        assert_eq!(
            codes(&a.judge(&campaign()).unwrap_err()),
            ["duration_impossible"]
        );
        let mut c = campaign();
        c.time_limit_secs = Some(120);
        let a = attempt(5, true);
        assert_eq!(codes(&a.judge(&c).unwrap_err()), ["time_limit_exceeded"]);
    }

    #[test]
    fn choices_outside_the_options_or_two_for_a_single_choice_are_refused() {
        let c = campaign();
        let mut a = attempt(5, true);
        let single = a
            .answers
            .iter()
            .position(|x| c.question(&x.question_id).unwrap().kind == QuestionType::Single)
            .unwrap();
        a.answers[single].choices = vec![0, 1];
        assert_eq!(codes(&a.judge(&c).unwrap_err()), ["too_many_choices"]);
        a.answers[single].choices = vec![4];
        assert_eq!(codes(&a.judge(&c).unwrap_err()), ["choice_out_of_range"]);
    }

    #[test]
    fn a_campaign_collecting_details_refuses_an_attempt_without_them() {
        let mut c = campaign();
        c.consent = Some("同意".into());
        assert_eq!(
            codes(&attempt(5, true).judge(&c).unwrap_err()),
            ["participant_required"]
        );
    }

    #[test]
    fn a_campaign_hiding_answers_until_it_closes_sends_devices_no_keys_before_then() {
        let mut c = campaign();
        c.review = ReviewPolicy::AfterClose;
        let open = c.for_device(at(12, 0));
        assert!(open.questions.iter().all(|q| q.key.is_none()));
        assert!(!serde_json::to_string(&open)
            .unwrap()
            .contains("explanation"));
        let closed = c.for_device(at(23, 30));
        assert!(closed.questions.iter().all(|q| q.key.is_some()));
        c.review = ReviewPolicy::AtEnd;
        assert!(c.for_device(at(12, 0)).questions[0].key.is_some());
    }

    #[test]
    fn a_campaign_is_checked_before_it_is_published() {
        assert_eq!(campaign().check(), Ok(()));
        let mut c = campaign();
        c.quotas[0].count = 3;
        c.pass_mark = 101;
        c.questions[1].key.as_mut().unwrap().correct = vec![5];
        let errs = c.check().unwrap_err();
        assert_eq!(
            codes(&errs),
            ["out_of_range", "answer_out_of_range", "quota_too_large"]
        );
        assert_eq!(errs[2].field.as_deref(), Some("quotas[0].count"));
    }

    #[test]
    fn a_finished_attempt_is_valid_on_its_own() {
        assert_eq!(attempt(5, true).validate(at(12, 0)), Ok(()));
    }

    #[test]
    fn an_attempt_finished_before_it_started_is_refused() {
        let mut a = attempt(5, true);
        a.finished_at = at(9, 0);
        let errs = a.validate(at(12, 0)).unwrap_err();
        assert_eq!(errs[0].field.as_deref(), Some("finished_at"));
    }

    #[test]
    fn an_attempt_without_answers_or_with_a_question_answered_twice_is_refused() {
        let mut a = attempt(5, true);
        a.answers.clear();
        assert_eq!(
            a.validate(at(12, 0)).unwrap_err()[0].field.as_deref(),
            Some("answers")
        );
        let mut a = attempt(5, true);
        a.answers.push(a.answers[0].clone());
        assert_eq!(
            a.validate(at(12, 0)).unwrap_err()[0].code,
            "duplicate_answer"
        );
    }

    #[test]
    fn a_nul_or_a_bidi_control_in_any_text_is_a_field_error_not_a_database_failure() {
        let mut a = attempt(5, true);
        a.campaign_id = "2026\0q4".into();
        a.answers[0].question_id = "q\u{202E}10".into();
        a.flags.push(Flag {
            question_id: "c1s".into(),
            comment: "错\u{200B}了".into(),
        });
        let errs = a.validate(at(12, 0)).unwrap_err();
        let fields: Vec<_> = errs
            .iter()
            .filter(|e| e.code == "forbidden_character")
            .map(|e| e.field.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(
            fields,
            ["campaign_id", "answers[0].question_id", "flags[0].comment"]
        );
    }

    #[test]
    fn the_wire_names_of_the_campaign_enums_are_their_snake_case_names() {
        crate::assert_wire_names::<Audience>();
        crate::assert_wire_names::<ReviewPolicy>();
        crate::assert_wire_names::<QuestionType>();
    }
}
