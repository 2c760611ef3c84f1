//! The quiz a participant is taking, as plain Rust (the todomvc way: the page renders it and
//! calls its methods; every rule is tested here without a browser). It is saved under
//! [`IN_PROGRESS_KEY`] in the store's metadata after every step, so a reload resumes it, and it
//! holds its own copy of the campaign, so a campaign replaced by a sync mid-attempt does not
//! change the attempt in progress.
//!
//! What it records: the draw's seed and the draw ([`Campaign::draw`]), the bank's option
//! indices chosen (never the shuffled positions), which answers were revealed, flags, and the
//! device times. What it shows follows the campaign's [`ReviewPolicy`]; the score it computes is
//! only the device's view, which the server checks (`QuizAttempt::judge`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use lianxin_core::quiz::{
    score, Answer, Campaign, ClaimedScore, Drawn, Flag, Participant, Question, QuestionType,
    QuizAttempt, ReviewPolicy, Score,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The metadata key the attempt in progress is kept under.
pub const IN_PROGRESS_KEY: &str = "quiz.in_progress";

/// An attempt being taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Take {
    /// The campaign as it was when the attempt started.
    pub campaign: Campaign,
    /// The seed of the draw.
    pub seed: u32,
    /// The questions, in the order shown, with their options' order.
    pub drawn: Vec<Drawn>,
    /// Chosen options by question id (bank indices).
    pub answers: BTreeMap<String, Vec<usize>>,
    /// Questions whose answer is shown (policy "after each": once checked, the answer is fixed).
    pub revealed: BTreeSet<String>,
    /// Questions reported as wrong, by id, with the comment.
    pub flags: BTreeMap<String, String>,
    /// Which question is shown (index into `drawn`).
    pub position: usize,
    /// When it started (device clock).
    pub started_at: DateTime<Utc>,
    /// The local id the attempt will be saved and pushed under.
    pub local_id: Uuid,
    /// Whether it is a local practice of the wrong-answer notebook (never pushed).
    #[serde(default)]
    pub notebook: bool,
}

impl Take {
    /// Starts an attempt at `campaign` with `seed` at `now`.
    pub fn start(campaign: &Campaign, seed: u32, now: DateTime<Utc>, local_id: Uuid) -> Take {
        Take {
            drawn: campaign.draw(seed),
            campaign: campaign.clone(),
            seed,
            answers: BTreeMap::new(),
            revealed: BTreeSet::new(),
            flags: BTreeMap::new(),
            position: 0,
            started_at: now,
            local_id,
            notebook: false,
        }
    }

    /// A practice of the questions in `ids` only (the wrong-answer notebook's 「练习错题」): every
    /// one of them, shuffled, answers shown after each; kept on the device, never pushed.
    pub fn notebook(
        campaign: &Campaign,
        ids: &BTreeSet<String>,
        seed: u32,
        now: DateTime<Utc>,
        local_id: Uuid,
    ) -> Take {
        let mut practice = campaign.clone();
        practice.questions.retain(|q| ids.contains(&q.id));
        practice.quotas.clear();
        practice.time_limit_secs = None;
        practice.review = ReviewPolicy::AfterEach;
        let mut take = Take::start(&practice, seed, now, local_id);
        take.notebook = true;
        take
    }

    /// The question shown, with the order of its options.
    pub fn current(&self) -> Option<(&Question, &Drawn)> {
        let d = self.drawn.get(self.position)?;
        Some((self.campaign.question(&d.question_id)?, d))
    }

    /// How many questions.
    pub fn len(&self) -> usize {
        self.drawn.len()
    }

    /// Whether the draw is empty (a campaign without questions).
    pub fn is_empty(&self) -> bool {
        self.drawn.is_empty()
    }

    /// How many questions have an answer.
    pub fn answered(&self) -> usize {
        self.drawn
            .iter()
            .filter(|d| {
                self.answers
                    .get(&d.question_id)
                    .is_some_and(|a| !a.is_empty())
            })
            .count()
    }

    /// The options chosen for the question shown.
    pub fn chosen(&self) -> &[usize] {
        self.drawn
            .get(self.position)
            .and_then(|d| self.answers.get(&d.question_id))
            .map_or(&[], |v| v.as_slice())
    }

    /// Chooses option `option` (a bank index) of the question shown: single and true/false
    /// replace the choice, multiple toggles it. A revealed answer no longer changes.
    pub fn choose(&mut self, option: usize) {
        let Some((q, _)) = self.current() else { return };
        if option >= q.option_count() || self.revealed.contains(&q.id) {
            return;
        }
        let (id, kind) = (q.id.clone(), q.kind);
        let chosen = self.answers.entry(id).or_default();
        match kind {
            QuestionType::Multiple => {
                if let Some(at) = chosen.iter().position(|&c| c == option) {
                    chosen.remove(at);
                } else {
                    chosen.push(option);
                    chosen.sort_unstable();
                }
            }
            _ => *chosen = vec![option],
        }
    }

    /// Whether the campaign shows each answer right after it is given, and this copy can.
    pub fn reveals_each(&self) -> bool {
        self.campaign.review == ReviewPolicy::AfterEach
            && self.current().is_some_and(|(q, _)| q.key.is_some())
    }

    /// Shows the answer of the question shown (policy "after each"), fixing the choice.
    pub fn reveal(&mut self) {
        if !self.reveals_each() || self.chosen().is_empty() {
            return;
        }
        if let Some(d) = self.drawn.get(self.position) {
            self.revealed.insert(d.question_id.clone());
        }
    }

    /// Whether the answer of the question shown is revealed.
    pub fn is_revealed(&self) -> bool {
        self.drawn
            .get(self.position)
            .is_some_and(|d| self.revealed.contains(&d.question_id))
    }

    /// To the next question, if any.
    pub fn next(&mut self) {
        if self.position + 1 < self.drawn.len() {
            self.position += 1;
        }
    }

    /// To the previous question, if any.
    pub fn back(&mut self) {
        self.position = self.position.saturating_sub(1);
    }

    /// Reports the question shown as wrong, with a comment (an empty comment withdraws it).
    pub fn flag(&mut self, comment: &str) {
        let Some(d) = self.drawn.get(self.position) else {
            return;
        };
        let comment = comment.trim();
        if comment.is_empty() {
            self.flags.remove(&d.question_id);
        } else {
            self.flags.insert(d.question_id.clone(), comment.to_owned());
        }
    }

    /// Seconds left at `now`, if the campaign has a time limit (never below 0).
    pub fn seconds_left(&self, now: DateTime<Utc>) -> Option<i64> {
        let limit = i64::from(self.campaign.time_limit_secs?);
        Some((limit - (now - self.started_at).num_seconds()).max(0))
    }

    /// The attempt as it is pushed, submitted at `now` (the device's score included when this
    /// copy can score, for the server to compare).
    pub fn finish(
        &self,
        now: DateTime<Utc>,
        township: &str,
        participant: Option<Participant>,
    ) -> QuizAttempt {
        let answers: Vec<Answer> = self
            .drawn
            .iter()
            .filter_map(|d| {
                let choices = self.answers.get(&d.question_id)?;
                (!choices.is_empty()).then(|| Answer {
                    question_id: d.question_id.clone(),
                    choices: choices.clone(),
                })
            })
            .collect();
        let score = self.score().map(|s| ClaimedScore {
            correct: s.correct,
            total: s.total,
        });
        QuizAttempt {
            campaign_id: self.campaign.id.clone(),
            seed: self.seed,
            answers,
            started_at: self.started_at,
            finished_at: now.max(self.started_at),
            township: township.to_owned(),
            participant,
            flags: self
                .flags
                .iter()
                .map(|(question_id, comment)| Flag {
                    question_id: question_id.clone(),
                    comment: comment.clone(),
                })
                .collect(),
            score,
            local_id: Some(self.local_id),
        }
    }

    /// The device's score, when its copy of the campaign has the keys.
    pub fn score(&self) -> Option<Score> {
        let answers: Vec<Answer> = self
            .answers
            .iter()
            .map(|(id, choices)| Answer {
                question_id: id.clone(),
                choices: choices.clone(),
            })
            .collect();
        score(&self.campaign, &self.drawn, &answers)
    }
}

/// What the device keeps of a submitted attempt (the `attempt` of a `LocalQuizAttempt`): the
/// wrong-answer notebook and the results page read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    /// The campaign's id and title.
    pub campaign_id: String,
    /// Its title, for the list.
    pub title: String,
    /// Staff exam or public.
    pub audience: lianxin_core::quiz::Audience,
    /// The device's score, if it could score.
    pub score: Option<Score>,
    /// The pass mark.
    pub pass_mark: u8,
    /// When it was submitted.
    pub finished_at: DateTime<Utc>,
    /// Questions answered right (for the notebook: a later right answer clears an earlier miss).
    pub right: Vec<String>,
    /// Questions reported as wrong.
    pub flagged: Vec<String>,
    /// A practice of the notebook (not pushed).
    pub notebook: bool,
}

impl Kept {
    /// What is kept of `take`, submitted at `now`.
    pub fn of(take: &Take, now: DateTime<Utc>) -> Kept {
        let score = take.score();
        let right = match &score {
            Some(s) => take
                .drawn
                .iter()
                .map(|d| d.question_id.clone())
                .filter(|id| !s.missed.contains(id))
                .collect(),
            None => Vec::new(),
        };
        Kept {
            campaign_id: take.campaign.id.clone(),
            title: take.campaign.title.clone(),
            audience: take.campaign.audience,
            score,
            pass_mark: take.campaign.pass_mark,
            finished_at: now,
            right,
            flagged: take.flags.keys().cloned().collect(),
            notebook: take.notebook,
        }
    }
}

/// The wrong-answer notebook (错题本): the questions of `campaign_id` missed in kept attempts
/// (oldest first) and not answered right since.
pub fn notebook<'a>(
    kept: impl IntoIterator<Item = &'a Kept>,
    campaign_id: &str,
) -> BTreeSet<String> {
    let mut missed = BTreeSet::new();
    for k in kept.into_iter().filter(|k| k.campaign_id == campaign_id) {
        if let Some(s) = &k.score {
            missed.extend(s.missed.iter().cloned());
        }
        for id in &k.right {
            missed.remove(id);
        }
    }
    missed
}

/// Whether a campaign may be started at `now`: open, and (with a daily limit) fewer attempts
/// kept today than the limit. The server decides in the end; this only spares a participant an
/// attempt that would be refused.
pub fn may_start<'a>(
    campaign: &Campaign,
    kept: impl IntoIterator<Item = &'a Kept>,
    now: DateTime<Utc>,
) -> bool {
    if !campaign.is_open(now) {
        return false;
    }
    let Some(limit) = campaign.attempts_per_day else {
        return true;
    };
    let today = lianxin_core::period::china_date(now);
    let taken = kept
        .into_iter()
        .filter(|k| {
            k.campaign_id == campaign.id
                && !k.notebook
                && lianxin_core::period::china_date(k.finished_at) == today
        })
        .count();
    taken < usize::from(limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianxin_core::quiz::{Key, Quota};

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 11, 30, h, m, s).unwrap()
    }

    fn q(id: &str, kind: QuestionType, correct: &[usize]) -> Question {
        Question {
            id: id.into(),
            kind,
            stem: format!("{id}？"),
            options: if kind == QuestionType::TrueFalse {
                vec![]
            } else {
                vec!["甲".into(), "乙".into(), "丙".into()]
            },
            article: 20,
            chapter: 3,
            key: Some(Key {
                correct: correct.to_vec(),
                explanation: "因为".into(),
                quote: "条文".into(),
            }),
        }
    }

    fn campaign() -> Campaign {
        Campaign {
            id: "c".into(),
            title: "竞答".into(),
            starts_at: at(0, 0, 0),
            ends_at: at(23, 0, 0),
            quotas: vec![Quota {
                chapter: 3,
                count: 3,
            }],
            pass_mark: 60,
            questions: vec![
                q("s", QuestionType::Single, &[1]),
                q("m", QuestionType::Multiple, &[0, 2]),
                q("t", QuestionType::TrueFalse, &[0]),
            ],
            ..Campaign::default()
        }
    }

    fn take() -> Take {
        Take::start(&campaign(), 42, at(10, 0, 0), Uuid::nil())
    }

    /// Moves to the question with this id.
    fn go(t: &mut Take, id: &str) {
        t.position = t.drawn.iter().position(|d| d.question_id == id).unwrap();
    }

    #[test]
    fn a_single_choice_replaces_and_a_multiple_choice_toggles() {
        let mut t = take();
        go(&mut t, "s");
        t.choose(0);
        t.choose(1);
        assert_eq!(t.chosen(), [1]);
        go(&mut t, "m");
        t.choose(2);
        t.choose(0);
        t.choose(2);
        t.choose(2);
        assert_eq!(t.chosen(), [0, 2]);
        t.choose(7);
        assert_eq!(t.chosen(), [0, 2], "no such option");
    }

    #[test]
    fn back_and_forward_stay_inside_the_draw() {
        let mut t = take();
        t.back();
        assert_eq!(t.position, 0);
        for _ in 0..5 {
            t.next();
        }
        assert_eq!(t.position, 2);
    }

    #[test]
    fn a_revealed_answer_is_fixed() {
        let mut t = take();
        go(&mut t, "s");
        t.reveal();
        assert!(!t.is_revealed(), "nothing chosen yet");
        t.choose(0);
        t.reveal();
        assert!(t.is_revealed());
        t.choose(1);
        assert_eq!(t.chosen(), [0]);
    }

    #[test]
    fn an_attempt_resumes_from_its_saved_json_exactly() {
        let mut t = take();
        t.choose(1);
        t.next();
        t.flag("选项重复");
        let saved = serde_json::to_value(&t).unwrap();
        let resumed: Take = serde_json::from_value(saved).unwrap();
        assert_eq!(resumed, t);
    }

    #[test]
    fn the_finished_attempt_carries_the_seed_the_answers_given_and_the_devices_score() {
        let mut t = take();
        go(&mut t, "s");
        t.choose(1);
        go(&mut t, "t");
        t.choose(1);
        go(&mut t, "m");
        t.flag("  ");
        let a = t.finish(at(10, 3, 0), "城关镇", None);
        assert_eq!(a.seed, 42);
        assert_eq!(a.answers.len(), 2, "the unanswered one is left out");
        assert_eq!(
            a.score,
            Some(ClaimedScore {
                correct: 1,
                total: 3
            })
        );
        assert!(a.flags.is_empty());
        assert_eq!(a.validate(at(10, 4, 0)), Ok(()));
        assert_eq!(
            a.judge(&campaign()).unwrap().correct,
            1,
            "the server agrees"
        );
    }

    #[test]
    fn the_timer_counts_down_to_zero() {
        let mut c = campaign();
        c.time_limit_secs = Some(60);
        let t = Take::start(&c, 1, at(10, 0, 0), Uuid::nil());
        assert_eq!(t.seconds_left(at(10, 0, 45)), Some(15));
        assert_eq!(t.seconds_left(at(10, 5, 0)), Some(0));
        assert_eq!(take().seconds_left(at(10, 5, 0)), None);
    }

    #[test]
    fn the_notebook_holds_what_was_missed_until_it_is_answered_right() {
        let mut t = take();
        go(&mut t, "s");
        t.choose(1);
        let first = Kept::of(&t, at(10, 5, 0));
        assert_eq!(
            notebook([&first], "c"),
            BTreeSet::from(["m".to_owned(), "t".to_owned()])
        );
        let mut again = Take::notebook(
            &campaign(),
            &notebook([&first], "c"),
            3,
            at(11, 0, 0),
            Uuid::nil(),
        );
        assert_eq!(again.len(), 2);
        go(&mut again, "t");
        again.choose(0);
        let second = Kept::of(&again, at(11, 2, 0));
        assert_eq!(
            notebook([&first, &second], "c"),
            BTreeSet::from(["m".to_owned()])
        );
    }

    #[test]
    fn a_campaign_at_its_daily_limit_or_closed_cannot_be_started() {
        let mut c = campaign();
        c.attempts_per_day = Some(1);
        let kept = Kept::of(&take(), at(10, 5, 0));
        assert!(may_start(&c, [], at(12, 0, 0)));
        assert!(!may_start(&c, [&kept], at(12, 0, 0)));
        assert!(!may_start(&campaign(), [], at(23, 30, 0)));
    }
}
