//! Question banks (题库) as data: the one JSON format of `docs/question-bank.md`, read by
//! [`Bank::parse`] (a malformed file is refused with its line and column) and checked against the
//! regulation's text by [`Bank::check`] (every quote verbatim in the article it cites, every answer
//! in range, every chapter covered). Campaigns draw their questions from a bank; the chapter of a
//! question is never stored, it is the chapter of the article it cites.
//!
//! The bundled bank lives in `crates/core/data/quiz/` and, byte-identical, in `public/quiz/`, so
//! a new device fetches it for a practice quiz without carrying it in the first download.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::law::Regulation;

/// Where the PWA serves the bundled bank (Trunk copies `public/` to the root of `dist/`).
pub const ASSET_PATH: &str = "/quiz/xinfang-2022.json";

/// A question bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bank {
    /// Stable id of the bank, e.g. `xinfang-2022`; campaigns name it.
    pub bank: String,
    /// Title shown to people, e.g. `《信访工作条例》知识题库`.
    pub title: String,
    /// The regulation the questions cite, e.g. `xinfang-2022`.
    pub law: String,
    /// The questions, in the file's order.
    pub questions: Vec<Question>,
}

/// One question with its source: the article it is about and words quoted from that article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "WireQuestion", into = "WireQuestion")]
pub struct Question {
    /// Stable id within the bank (attempts and the wrong-answer notebook refer to it).
    pub id: String,
    /// The question as asked.
    pub stem: String,
    /// What kind of question, with its options and correct answer.
    pub kind: Kind,
    /// Why the answer is right, in a sentence or two.
    pub explanation: String,
    /// The article of the regulation the question is about (1–50 for 《信访工作条例》).
    pub article: u8,
    /// Words of that article, verbatim, that settle the question.
    pub quote: String,
}

/// The three kinds of question and their correct answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// 单选题: exactly one option is right.
    Single {
        /// The options, in the file's order (the app shuffles them).
        options: Vec<String>,
        /// Index of the right option.
        answer: usize,
    },
    /// 多选题: two or more options are right; scored all-or-nothing.
    Multiple {
        /// The options, in the file's order.
        options: Vec<String>,
        /// Indexes of the right options.
        answers: Vec<usize>,
    },
    /// 判断题: the stem is a statement, true or false.
    TrueFalse {
        /// Whether the statement is right.
        answer: bool,
    },
}

impl Question {
    /// The options to choose from; none for a true/false question.
    pub fn options(&self) -> &[String] {
        match &self.kind {
            Kind::Single { options, .. } | Kind::Multiple { options, .. } => options,
            Kind::TrueFalse { .. } => &[],
        }
    }

    /// The chapter of the article the question cites.
    pub fn chapter(&self, law: &Regulation) -> Option<u8> {
        law.chapter_of(self.article).map(|c| c.number)
    }
}

/// The file's shape of a question: tagged by `type`, the answer's field named after its kind.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum WireQuestion {
    Single {
        id: String,
        stem: String,
        options: Vec<String>,
        answer: usize,
        explanation: String,
        article: u8,
        quote: String,
    },
    Multiple {
        id: String,
        stem: String,
        options: Vec<String>,
        answers: Vec<usize>,
        explanation: String,
        article: u8,
        quote: String,
    },
    TrueFalse {
        id: String,
        stem: String,
        answer: bool,
        explanation: String,
        article: u8,
        quote: String,
    },
}

impl From<WireQuestion> for Question {
    fn from(wire: WireQuestion) -> Self {
        let (id, stem, kind, explanation, article, quote) = match wire {
            WireQuestion::Single {
                id,
                stem,
                options,
                answer,
                explanation,
                article,
                quote,
            } => (
                id,
                stem,
                Kind::Single { options, answer },
                explanation,
                article,
                quote,
            ),
            WireQuestion::Multiple {
                id,
                stem,
                options,
                answers,
                explanation,
                article,
                quote,
            } => (
                id,
                stem,
                Kind::Multiple { options, answers },
                explanation,
                article,
                quote,
            ),
            WireQuestion::TrueFalse {
                id,
                stem,
                answer,
                explanation,
                article,
                quote,
            } => (
                id,
                stem,
                Kind::TrueFalse { answer },
                explanation,
                article,
                quote,
            ),
        };
        Question {
            id,
            stem,
            kind,
            explanation,
            article,
            quote,
        }
    }
}

impl From<Question> for WireQuestion {
    fn from(q: Question) -> Self {
        let Question {
            id,
            stem,
            kind,
            explanation,
            article,
            quote,
        } = q;
        match kind {
            Kind::Single { options, answer } => WireQuestion::Single {
                id,
                stem,
                options,
                answer,
                explanation,
                article,
                quote,
            },
            Kind::Multiple { options, answers } => WireQuestion::Multiple {
                id,
                stem,
                options,
                answers,
                explanation,
                article,
                quote,
            },
            Kind::TrueFalse { answer } => WireQuestion::TrueFalse {
                id,
                stem,
                answer,
                explanation,
                article,
                quote,
            },
        }
    }
}

/// A bank file that is not JSON of the documented shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {problem}")]
pub struct BankError {
    /// Line of the problem, from 1 (for a problem inside a question: the end of that question).
    pub line: usize,
    /// Column of the problem, from 1.
    pub column: usize,
    /// What is wrong, as serde_json words it (e.g. ``unknown field `anwser` ``).
    pub problem: String,
}

impl From<serde_json::Error> for BankError {
    fn from(e: serde_json::Error) -> Self {
        let (line, column) = (e.line(), e.column());
        // serde_json's message ends with the position, which has fields of its own here.
        let full = e.to_string();
        let suffix = format!(" at line {line} column {column}");
        let problem = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        BankError {
            line,
            column,
            problem,
        }
    }
}

/// What [`Bank::check`] finds wrong with a bank.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ProblemCode {
    /// The cited article is not in the regulation (《信访工作条例》 has articles 1–50).
    ArticleOutOfRange,
    /// The quote is empty.
    EmptyQuote,
    /// The quote is not found, character for character, in the cited article.
    QuoteNotInArticle,
    /// The stem is empty.
    EmptyStem,
    /// The explanation is empty.
    EmptyExplanation,
    /// A single or multiple choice question with fewer than two options.
    TooFewOptions,
    /// An option is empty.
    EmptyOption,
    /// Two options of one question read the same.
    DuplicateOption,
    /// An answer index points past the options.
    AnswerOutOfRange,
    /// A multiple choice question with fewer than two right answers (one is a single choice).
    TooFewAnswers,
    /// A multiple choice question lists the same answer twice.
    DuplicateAnswer,
    /// Two questions share an id.
    DuplicateId,
    /// Two questions ask the same thing (same stem after trimming).
    DuplicateStem,
    /// A chapter of the regulation has no question.
    ChapterWithoutQuestion,
}

impl ProblemCode {
    /// The code as written in reports, e.g. `quote_not_in_article`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One problem of a bank: its code, the question it is about (none for a missing chapter) and a
/// detail for the person fixing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankProblem {
    /// What is wrong.
    pub code: ProblemCode,
    /// The question's id.
    pub question: Option<String>,
    /// The offending value: the article, the index, the repeated text, the chapter.
    pub detail: String,
}

impl std::fmt::Display for BankProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.question {
            Some(id) => write!(f, "{id}: {} ({})", self.code.as_str(), self.detail),
            None => write!(f, "{} ({})", self.code.as_str(), self.detail),
        }
    }
}

impl Bank {
    /// Reads a bank file; refuses it with the line, column and problem if it is not JSON of the
    /// documented shape. Whether its content is right is [`Bank::check`]'s business.
    pub fn parse(json: &str) -> Result<Bank, BankError> {
        Ok(serde_json::from_str(json)?)
    }

    /// The bank shipped with the app, parsed once. Native only (the server's default practice
    /// campaign, the content test): the browser fetches [`ASSET_PATH`].
    #[cfg(not(target_arch = "wasm32"))]
    pub fn bundled() -> &'static Bank {
        static BUNDLED: std::sync::OnceLock<Bank> = std::sync::OnceLock::new();
        BUNDLED.get_or_init(|| {
            Bank::parse(include_str!("../data/quiz/xinfang-2022.json"))
                .expect("the bundled bank parses (tested)")
        })
    }

    /// Every problem of the bank against the regulation it cites, in the file's order, then the
    /// chapters without a question. Empty when the bank is fit to publish.
    pub fn check(&self, law: &Regulation) -> Vec<BankProblem> {
        let mut problems = Vec::new();
        let mut ids = HashSet::new();
        let mut stems: HashMap<&str, &str> = HashMap::new();
        let mut chapters = HashSet::new();
        for q in &self.questions {
            let mut problem = |code, detail: String| {
                problems.push(BankProblem {
                    code,
                    question: Some(q.id.clone()),
                    detail,
                })
            };
            if !ids.insert(q.id.as_str()) {
                problem(ProblemCode::DuplicateId, q.id.clone());
            }
            let stem = q.stem.trim();
            if stem.is_empty() {
                problem(ProblemCode::EmptyStem, String::new());
            } else if let Some(first) = stems.insert(stem, &q.id) {
                problem(ProblemCode::DuplicateStem, format!("same stem as {first}"));
            }
            if q.explanation.trim().is_empty() {
                problem(ProblemCode::EmptyExplanation, String::new());
            }
            match law.article(q.article) {
                None => problem(ProblemCode::ArticleOutOfRange, q.article.to_string()),
                Some(article) => {
                    chapters.extend(q.chapter(law));
                    if q.quote.trim().is_empty() {
                        problem(ProblemCode::EmptyQuote, String::new());
                    } else if !article.text().contains(&q.quote) {
                        problem(
                            ProblemCode::QuoteNotInArticle,
                            format!("article {}: {}", q.article, q.quote),
                        );
                    }
                }
            }
            for (code, detail) in kind_problems(&q.kind) {
                problem(code, detail);
            }
        }
        for chapter in &law.chapters {
            if !chapters.contains(&chapter.number) {
                problems.push(BankProblem {
                    code: ProblemCode::ChapterWithoutQuestion,
                    question: None,
                    detail: format!("chapter {}", chapter.number),
                });
            }
        }
        problems
    }
}

/// The problems of a question's options and answers.
fn kind_problems(kind: &Kind) -> Vec<(ProblemCode, String)> {
    let mut problems = Vec::new();
    let (options, answers): (&[String], Vec<usize>) = match kind {
        Kind::TrueFalse { .. } => return problems,
        Kind::Single { options, answer } => (options, vec![*answer]),
        Kind::Multiple { options, answers } => {
            if answers.len() < 2 {
                problems.push((ProblemCode::TooFewAnswers, format!("{answers:?}")));
            }
            let mut seen = HashSet::new();
            for a in answers {
                if !seen.insert(a) {
                    problems.push((ProblemCode::DuplicateAnswer, a.to_string()));
                }
            }
            (options, answers.clone())
        }
    };
    if options.len() < 2 {
        problems.push((ProblemCode::TooFewOptions, options.len().to_string()));
    }
    let mut seen = HashSet::new();
    for option in options {
        let option = option.trim();
        if option.is_empty() {
            problems.push((ProblemCode::EmptyOption, String::new()));
        } else if !seen.insert(option) {
            problems.push((ProblemCode::DuplicateOption, option.to_owned()));
        }
    }
    for a in answers {
        if a >= options.len() {
            problems.push((
                ProblemCode::AnswerOutOfRange,
                format!("{a} of {} options", options.len()),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A regulation of two chapters small enough to read in the test.
    fn law() -> Regulation {
        Regulation::parse(
            "# 示例条例\n\
             ## 第一章 总则\n\
             第一条 为了示例，制定本条例。\n\
             ## 第二章 附则\n\
             第二条 本条例自2022年5月1日起施行。\n\
             第三条 本条例由示例局负责解释。\n\
             多人走访的，代表人数不得超过5人。\n",
        )
        .unwrap()
    }

    /// A bank with one question of each kind, fit to publish against [`law`].
    fn good() -> serde_json::Value {
        serde_json::json!({
            "bank": "demo", "title": "示例题库", "law": "demo",
            "questions": [
                { "id": "c1-001", "type": "single", "stem": "本条例为了什么制定？",
                  "options": ["示例", "考试", "娱乐"], "answer": 0,
                  "explanation": "第一条说为了示例。", "article": 1, "quote": "为了示例" },
                { "id": "c2-001", "type": "multiple", "stem": "下列哪些说法正确？",
                  "options": ["2022年5月1日起施行", "由示例局负责解释", "代表不超过10人"],
                  "answers": [0, 1], "explanation": "第二条、第三条。", "article": 3,
                  "quote": "本条例由示例局负责解释。\n多人走访的" },
                { "id": "c2-002", "type": "true_false", "stem": "本条例自2022年5月1日起施行。",
                  "answer": true, "explanation": "第二条。", "article": 2,
                  "quote": "自2022年5月1日起施行" }
            ]
        })
    }

    fn bank(json: serde_json::Value) -> Bank {
        Bank::parse(&json.to_string()).unwrap()
    }

    /// The codes `check` finds after `edit` changes the good bank.
    fn codes_after(
        edit: impl FnOnce(&mut serde_json::Value),
    ) -> Vec<(ProblemCode, Option<String>)> {
        let mut json = good();
        edit(&mut json);
        bank(json)
            .check(&law())
            .into_iter()
            .map(|p| (p.code, p.question))
            .collect()
    }

    fn on(id: &str, code: ProblemCode) -> Vec<(ProblemCode, Option<String>)> {
        vec![(code, Some(id.to_owned()))]
    }

    #[test]
    fn a_good_bank_has_no_problem_and_reads_each_kind() {
        let b = bank(good());
        assert_eq!(b.check(&law()), vec![]);
        assert_eq!(
            b.questions[0].kind,
            Kind::Single {
                options: vec!["示例".into(), "考试".into(), "娱乐".into()],
                answer: 0
            }
        );
        assert!(
            matches!(&b.questions[1].kind, Kind::Multiple { answers, .. } if answers == &[0, 1])
        );
        assert_eq!(b.questions[2].kind, Kind::TrueFalse { answer: true });
        assert_eq!(b.questions[2].options(), &[] as &[String]);
    }

    #[test]
    fn the_chapter_is_the_chapter_of_the_cited_article() {
        let b = bank(good());
        let chapters: Vec<Option<u8>> = b.questions.iter().map(|q| q.chapter(&law())).collect();
        assert_eq!(chapters, [Some(1), Some(2), Some(2)]);
    }

    #[test]
    fn a_bank_survives_writing_and_reading_back_in_the_same_shape() {
        let b = bank(good());
        let written = serde_json::to_value(&b).unwrap();
        assert_eq!(written, good());
        assert_eq!(bank(written), b);
    }

    #[test]
    fn a_malformed_file_is_refused_with_its_line_column_and_problem() {
        let err = Bank::parse("{\n  \"bank\": \"demo\",\n  \"title\": 3\n}").unwrap_err();
        assert_eq!((err.line, err.column), (3, 12));
        assert!(
            err.problem.starts_with("invalid type: integer `3`"),
            "{err}"
        );
        assert!(err
            .to_string()
            .starts_with("line 3, column 12: invalid type"));
    }

    #[test]
    fn a_misspelt_field_is_refused_not_ignored() {
        let mut json = good();
        json["questions"][0]["anwser"] = 1.into();
        let err = Bank::parse(&serde_json::to_string_pretty(&json).unwrap()).unwrap_err();
        assert!(err.problem.contains("unknown field `anwser`"), "{err}");
        let mut json = good();
        json["author"] = "x".into();
        assert!(Bank::parse(&json.to_string()).is_err());
    }

    #[test]
    fn an_unknown_type_or_an_answer_of_another_kind_is_refused() {
        let mut json = good();
        json["questions"][0]["type"] = "essay".into();
        assert!(Bank::parse(&json.to_string())
            .unwrap_err()
            .problem
            .contains("essay"));
        let mut json = good();
        json["questions"][2]["answer"] = 1.into();
        assert!(Bank::parse(&json.to_string()).is_err());
    }

    #[test]
    fn an_article_outside_the_regulation_is_a_problem() {
        let codes = codes_after(|j| j["questions"][0]["article"] = 4.into());
        assert_eq!(
            codes[0],
            (ProblemCode::ArticleOutOfRange, Some("c1-001".into()))
        );
        // Its chapter is then uncovered too.
        assert!(codes.contains(&(ProblemCode::ChapterWithoutQuestion, None)));
        let codes = codes_after(|j| j["questions"][2]["article"] = 0.into());
        assert_eq!(codes, on("c2-002", ProblemCode::ArticleOutOfRange));
    }

    #[test]
    fn a_quote_not_verbatim_in_its_article_is_a_problem() {
        // The words are in article 2, but the question cites article 3.
        assert_eq!(
            codes_after(|j| j["questions"][1]["quote"] = "自2022年5月1日起施行".into()),
            on("c2-001", ProblemCode::QuoteNotInArticle)
        );
        // One character off (the 2005 wording) is not verbatim.
        assert_eq!(
            codes_after(|j| j["questions"][2]["quote"] = "自2005年5月1日起施行".into()),
            on("c2-002", ProblemCode::QuoteNotInArticle)
        );
        assert_eq!(
            codes_after(|j| j["questions"][2]["quote"] = " ".into()),
            on("c2-002", ProblemCode::EmptyQuote)
        );
    }

    #[test]
    fn an_answer_past_the_options_is_a_problem() {
        assert_eq!(
            codes_after(|j| j["questions"][0]["answer"] = 3.into()),
            on("c1-001", ProblemCode::AnswerOutOfRange)
        );
        assert_eq!(
            codes_after(|j| j["questions"][1]["answers"] = serde_json::json!([0, 5])),
            on("c2-001", ProblemCode::AnswerOutOfRange)
        );
    }

    #[test]
    fn a_multiple_choice_needs_two_distinct_answers() {
        assert_eq!(
            codes_after(|j| j["questions"][1]["answers"] = serde_json::json!([])),
            on("c2-001", ProblemCode::TooFewAnswers)
        );
        assert_eq!(
            codes_after(|j| j["questions"][1]["answers"] = serde_json::json!([1])),
            on("c2-001", ProblemCode::TooFewAnswers)
        );
        assert_eq!(
            codes_after(|j| j["questions"][1]["answers"] = serde_json::json!([0, 1, 1])),
            on("c2-001", ProblemCode::DuplicateAnswer)
        );
    }

    #[test]
    fn a_choice_needs_two_distinct_non_empty_options() {
        assert_eq!(
            codes_after(|j| j["questions"][0]["options"] = serde_json::json!(["示例"])),
            on("c1-001", ProblemCode::TooFewOptions)
        );
        assert_eq!(
            codes_after(|j| j["questions"][1]["options"] = serde_json::json!(["甲", "乙"])),
            vec![]
        );
        assert_eq!(
            codes_after(|j| j["questions"][1]["options"] = serde_json::json!(["甲", "甲 ", "乙"])),
            on("c2-001", ProblemCode::DuplicateOption)
        );
        assert_eq!(
            codes_after(|j| j["questions"][0]["options"][2] = "".into()),
            on("c1-001", ProblemCode::EmptyOption)
        );
    }

    #[test]
    fn two_questions_with_one_stem_or_one_id_are_a_problem() {
        assert_eq!(
            codes_after(|j| j["questions"][1]["stem"] = " 本条例为了什么制定？".into()),
            on("c2-001", ProblemCode::DuplicateStem)
        );
        assert_eq!(
            codes_after(|j| j["questions"][2]["id"] = "c2-001".into()),
            on("c2-001", ProblemCode::DuplicateId)
        );
    }

    #[test]
    fn an_empty_stem_or_explanation_is_a_problem() {
        assert_eq!(
            codes_after(|j| j["questions"][0]["explanation"] = "  ".into()),
            on("c1-001", ProblemCode::EmptyExplanation)
        );
        assert_eq!(
            codes_after(|j| j["questions"][0]["stem"] = "".into()),
            on("c1-001", ProblemCode::EmptyStem)
        );
    }

    #[test]
    fn a_chapter_without_any_question_is_a_problem() {
        let problems = bank(serde_json::json!({
            "bank": "demo", "title": "示例题库", "law": "demo",
            "questions": [good()["questions"][0].clone()]
        }))
        .check(&law());
        assert_eq!(
            problems,
            vec![BankProblem {
                code: ProblemCode::ChapterWithoutQuestion,
                question: None,
                detail: "chapter 2".into()
            }]
        );
        assert_eq!(
            problems[0].to_string(),
            "chapter_without_question (chapter 2)"
        );
    }

    #[test]
    fn every_problem_code_is_spelt_the_same_in_json_and_in_reports() {
        crate::assert_wire_names::<ProblemCode>();
    }
}
