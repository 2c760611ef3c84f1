//! The repeat check before finalizing: has this person already brought a matter on this device
//! recently? Staff decide what it means; the app only warns, with links to the earlier records,
//! citing Art. 19 para. 3 (「信访事项已经受理或者正在办理的，信访人在规定期限内向受理、办理机关、单位的
//! 上级机关、单位又提出同一信访事项的，上级机关、单位不予受理」).
//!
//! The 90-day window and the matching rule (the same resident ID or document number, or the same
//! name and phone) are local practice, not rules of the regulation.

use chrono::{DateTime, Duration, Utc};

use crate::petition::PetitionDraft;
use crate::text::ascii_digits;

/// How far back the check looks (local practice).
pub const REPEAT_WINDOW_DAYS: i64 = 90;

/// Why two petitions look like the same person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum RepeatReason {
    /// The same resident ID number (or passport / document number).
    SameIdNumber,
    /// The same name and the same phone number.
    SameNameAndPhone,
}

fn normalized(s: &str) -> String {
    ascii_digits(s.trim()).to_ascii_uppercase()
}

/// Why `a` and `b` look like the same person's, if they do.
pub fn same_person(a: &PetitionDraft, b: &PetitionDraft) -> Option<RepeatReason> {
    let (pa, pb) = (&a.petitioner, &b.petitioner);
    let id = |p: &crate::petition::DraftPetitioner| {
        [normalized(&p.id_number), normalized(&p.document)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    let (ia, ib) = (id(pa), id(pb));
    if ia.iter().any(|x| ib.contains(x)) {
        return Some(RepeatReason::SameIdNumber);
    }
    let name = |s: &str| s.split_whitespace().collect::<String>();
    let (na, nb) = (name(&pa.name), name(&pb.name));
    let (ta, tb) = (normalized(&pa.phone), normalized(&pb.phone));
    (!na.is_empty() && na == nb && !ta.is_empty() && ta == tb)
        .then_some(RepeatReason::SameNameAndPhone)
}

/// The earlier petitions among `others` (key, petition, when it was last changed or finalized)
/// that look like the same person's within [`REPEAT_WINDOW_DAYS`] of `now`, newest first.
pub fn find_repeats<K>(
    draft: &PetitionDraft,
    others: impl IntoIterator<Item = (K, PetitionDraft, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> Vec<(K, RepeatReason, DateTime<Utc>)> {
    let since = now - Duration::days(REPEAT_WINDOW_DAYS);
    let mut found: Vec<_> = others
        .into_iter()
        .filter(|(_, _, at)| *at >= since)
        .filter_map(|(k, other, at)| same_person(draft, &other).map(|r| (k, r, at)))
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.2));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example;
    use crate::petition::Field;

    fn base() -> PetitionDraft {
        PetitionDraft::from_json(&example::petition_json())
    }

    #[test]
    fn the_same_id_number_typed_differently_is_the_same_person() {
        let mut other = base();
        other.set(Field::Name, "张叁".into());
        other.set(Field::Phone, String::new());
        other.set(Field::IdNumber, "11010519491231002x".into());
        assert_eq!(
            same_person(&base(), &other),
            Some(RepeatReason::SameIdNumber)
        );
    }

    #[test]
    fn the_same_name_and_phone_without_an_id_is_the_same_person_but_a_name_alone_is_not() {
        let mut a = base();
        a.set(Field::IdNumber, String::new());
        let mut b = a.clone();
        b.set(Field::Phone, "１３８１２３４５６７８".into());
        assert_eq!(same_person(&a, &b), Some(RepeatReason::SameNameAndPhone));
        b.set(Field::Phone, "13900000000".into());
        assert_eq!(same_person(&a, &b), None);
    }

    #[test]
    fn only_petitions_of_the_last_90_days_count_and_the_newest_comes_first() {
        let now = example::now();
        let others = vec![
            ("old", base(), now - Duration::days(91)),
            ("recent", base(), now - Duration::days(3)),
            ("newest", base(), now - Duration::hours(1)),
        ];
        let found: Vec<_> = find_repeats(&base(), others, now)
            .into_iter()
            .map(|(k, _, _)| k)
            .collect();
        assert_eq!(found, ["newest", "recent"]);
    }

    #[test]
    fn empty_ids_and_phones_never_match() {
        let mut a = base();
        a.set(Field::IdNumber, String::new());
        a.set(Field::Phone, String::new());
        assert_eq!(same_person(&a, &a.clone()), None);
    }
}
