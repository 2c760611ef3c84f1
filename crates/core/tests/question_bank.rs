//! The content test of the bundled question bank: every question checked against the official
//! text of 《信访工作条例》, enough of them, every chapter and every type covered, and the copy
//! the browser fetches identical to the one the server reads.

use std::collections::{BTreeMap, BTreeSet};

use lianxin_core::bank::{Bank, Kind};
use lianxin_core::law::Regulation;

fn bank() -> &'static Bank {
    Bank::bundled()
}

fn law() -> &'static Regulation {
    Regulation::bundled()
}

#[test]
fn the_bundled_bank_has_no_problem_against_the_text() {
    let problems = bank().check(law());
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_bundled_bank_names_itself_and_its_regulation() {
    assert_eq!(bank().bank, "xinfang-2022");
    assert_eq!(bank().law, "xinfang-2022");
    assert_eq!(bank().title, "《信访工作条例》知识题库");
}

#[test]
fn the_bundled_bank_has_at_least_120_questions() {
    assert!(bank().questions.len() >= 120, "{}", bank().questions.len());
}

#[test]
fn every_chapter_has_questions_and_chapters_three_and_four_the_most() {
    let mut per_chapter: BTreeMap<u8, usize> = BTreeMap::new();
    for q in &bank().questions {
        *per_chapter.entry(q.chapter(law()).unwrap()).or_default() += 1;
    }
    assert_eq!(
        per_chapter.keys().copied().collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    let most = |c: u8| {
        per_chapter
            .iter()
            .all(|(&k, &n)| k == 3 || k == 4 || n < per_chapter[&c])
    };
    assert!(most(3) && most(4), "{per_chapter:?}");
}

#[test]
fn each_type_of_question_is_well_represented() {
    let count = |pick: fn(&Kind) -> bool| bank().questions.iter().filter(|q| pick(&q.kind)).count();
    assert!(count(|k| matches!(k, Kind::Single { .. })) >= 20);
    assert!(count(|k| matches!(k, Kind::Multiple { .. })) >= 20);
    assert!(count(|k| matches!(k, Kind::TrueFalse { .. })) >= 20);
    // A true/false set where every statement is true teaches nothing.
    assert!(bank()
        .questions
        .iter()
        .any(|q| q.kind == Kind::TrueFalse { answer: false }));
}

#[test]
fn the_right_option_of_single_choices_is_not_always_in_one_place() {
    let places: BTreeSet<usize> = bank()
        .questions
        .iter()
        .filter_map(|q| match q.kind {
            Kind::Single { answer, .. } => Some(answer),
            _ => None,
        })
        .collect();
    assert!(places.len() >= 3, "{places:?}");
}

#[test]
fn no_question_uses_the_2005_wording_of_deciding_whether_to_accept() {
    for q in &bank().questions {
        let text = [q.stem.as_str(), q.explanation.as_str()]
            .into_iter()
            .chain(q.options().iter().map(String::as_str))
            .collect::<String>();
        assert!(!text.contains("决定是否受理"), "{}", q.id);
    }
}

#[test]
fn the_regulation_is_never_called_a_law() {
    for q in &bank().questions {
        for text in [&q.stem, &q.explanation] {
            assert!(!text.contains("《信访工作条例》是法律"), "{}", q.id);
            assert!(!text.contains("信访法"), "{}", q.id);
        }
    }
}

#[test]
fn the_browser_copy_is_byte_identical_to_the_bundled_one() {
    assert_eq!(
        include_bytes!("../data/quiz/xinfang-2022.json").as_slice(),
        include_bytes!("../../../public/quiz/xinfang-2022.json").as_slice()
    );
}
