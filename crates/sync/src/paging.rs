//! Lists that cost what is on screen: how the records and drafts lists are read one page at a
//! time, in the order shown, and searched, without loading every entry.
//!
//! Everything a store needs to decide is here, as plain functions both stores share:
//! - the **order key** of an entry ([`order_key`]): a string whose ascending order is the list's
//!   order (newest first), so IndexedDB's `getAll(range, limit)` on an index reads exactly one
//!   page, in one request, and the key of the last entry shown is the [`Cursor`] of the next page;
//! - the **search terms** of an entry ([`SearchFields::terms`]): every suffix of its normalised
//!   name, phone and registration number, so that "the query is inside a field" becomes "a term
//!   starts with the query", which an index answers with one key range ([`SearchKey::range`]);
//! - what a query matches ([`SearchFields::matches`]), defined by those same terms, so the
//!   in-memory store and the index can never disagree;
//! - the page itself from entries already read ([`page_of`]), for [`crate::MemoryStore`] and for
//!   IndexedDB databases of an older schema or a search's matches.

use chrono::{DateTime, Utc};
use lianxin_core::petition::PetitionDraft;
use lianxin_core::protocol::RecordKind;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{Draft, OutboxRecord};

/// Entries per page: a 1280×800 screen shows about a dozen rows, so one page fills it several
/// times over and a scroll rarely waits for the next.
pub const PAGE_SIZE: usize = 40;

/// At most this many search matches are read and ordered; a query that matches more (a single
/// common character) says so ([`Page::capped`]) instead of reading thousands of entries.
pub const SEARCH_CAP: usize = 400;

/// Phone and registration-number terms shorter than this are not kept: two digits match nearly
/// every phone and would only make the index larger.
pub const MIN_NUMBER_TERM: usize = 3;

/// The order key of an entry changed or finalized at `at`: ascending order is newest first, ties
/// broken by id. Fixed width (16 hex digits of the inverted microsecond time), so string order is
/// time order.
pub fn order_key(at: DateTime<Utc>, id: Uuid) -> String {
    // Microseconds since 1970 are positive for every time this app stores; the inversion makes
    // the newest the smallest.
    let micros = u64::try_from(at.timestamp_micros()).unwrap_or(0);
    format!("{:016x}:{id}", u64::MAX - micros)
}

/// Where the next page starts: the order key of the last entry shown. Opaque to the UI, which
/// only keeps it (e.g. to restore a list after coming back).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// The key the next page starts after.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The cursor after an entry with this order key.
    pub fn after(order_key: String) -> Self {
        Cursor(order_key)
    }
}

/// Where a draft stands, as the drafts list filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftState {
    /// Being written; never refused by the server.
    Draft,
    /// Refused by the server and back for editing.
    NeedsEdit,
}

impl DraftState {
    /// The draft's state.
    pub fn of(draft: &Draft) -> Self {
        if draft.problem.is_some() {
            DraftState::NeedsEdit
        } else {
            DraftState::Draft
        }
    }

    /// The stored spelling (an index field of the IndexedDB store).
    pub fn as_str(self) -> &'static str {
        match self {
            DraftState::Draft => "draft",
            DraftState::NeedsEdit => "needs_edit",
        }
    }
}

/// The order of the drafts list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DraftOrder {
    /// The last changed first.
    #[default]
    Updated,
    /// The last created first.
    Created,
}

impl DraftOrder {
    /// A draft's order key in this order.
    pub fn key(self, draft: &Draft) -> String {
        match self {
            DraftOrder::Updated => order_key(draft.updated_at, draft.id),
            DraftOrder::Created => order_key(draft.created_at, draft.id),
        }
    }
}

/// The order key of an outbox record in the records list: when it was finalized, as the list
/// shows it. Not its last change: a list that reordered itself while the engine sends would move
/// entries between pages under the reader.
pub fn record_order_key(record: &OutboxRecord) -> String {
    order_key(record.finalized_at, record.id)
}

/// A search as typed, normalised the way terms are ([`normalise`]). `None` from [`SearchKey::new`]
/// means "no search": the query was empty or only spaces and punctuation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchKey(String);

impl SearchKey {
    /// The key of a typed query, if anything searchable is left of it.
    pub fn new(query: &str) -> Option<Self> {
        let key = normalise(query);
        (!key.is_empty()).then_some(SearchKey(key))
    }

    /// The normalised query.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The range of terms that start with this key: `[key, key + U+FFFF]`, so an index of terms
    /// finds every entry with a field that contains the query.
    pub fn range(&self) -> (String, String) {
        (self.0.clone(), format!("{}\u{FFFF}", self.0))
    }
}

/// How names, phones, registration numbers and queries are compared: full-width letters and
/// digits as ASCII, lower case, without spaces and punctuation (`138-0013 8000`,
/// `CZXF-2026-000123` and `czxf2026000123` are each one form).
pub fn normalise(s: &str) -> String {
    lianxin_core::text::ascii_digits(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a list entry is searched by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFields {
    /// The petitioner's name.
    pub name: String,
    /// The petitioner's phone.
    pub phone: String,
    /// The registration number, once the server gave one.
    pub registration_no: String,
}

impl SearchFields {
    /// A draft's fields.
    pub fn of_draft(draft: &Draft) -> Self {
        let p = PetitionDraft::from_json(&draft.form).petitioner;
        SearchFields {
            name: p.name,
            phone: p.phone,
            registration_no: String::new(),
        }
    }

    /// An outbox record's fields (a petition's; other kinds have none).
    pub fn of_record(record: &OutboxRecord) -> Self {
        if record.kind != RecordKind::Petition {
            return SearchFields::default();
        }
        let p = PetitionDraft::from_json(&record.payload).petitioner;
        SearchFields {
            name: p.name,
            phone: p.phone,
            registration_no: record
                .receipt
                .as_ref()
                .and_then(|r| r.registration_no.clone())
                .unwrap_or_default(),
        }
    }

    /// Every term an index keeps for these fields: each suffix of the normalised name, and each
    /// suffix of at least [`MIN_NUMBER_TERM`] characters of the phone and the registration
    /// number; sorted, without repeats.
    pub fn terms(&self) -> Vec<String> {
        let mut terms = Vec::new();
        suffixes(&normalise(&self.name), 1, &mut terms);
        suffixes(&normalise(&self.phone), MIN_NUMBER_TERM, &mut terms);
        suffixes(
            &normalise(&self.registration_no),
            MIN_NUMBER_TERM,
            &mut terms,
        );
        terms.sort();
        terms.dedup();
        terms
    }

    /// Whether a search finds these fields: a term starts with the key (what the index's range
    /// finds, by definition).
    pub fn matches(&self, key: &SearchKey) -> bool {
        self.terms().iter().any(|t| t.starts_with(key.as_str()))
    }
}

fn suffixes(s: &str, min_chars: usize, out: &mut Vec<String>) {
    let chars = s.chars().count();
    out.extend(
        s.char_indices()
            .take(chars.saturating_sub(min_chars - 1))
            .map(|(i, _)| s[i..].to_owned()),
    );
}

/// One page to read: after which entry, how many, and optionally only one state and only the
/// entries a search finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery<S> {
    /// Start after this entry; `None` is the first page.
    pub after: Option<Cursor>,
    /// At most this many entries.
    pub limit: usize,
    /// Only entries in this state.
    pub state: Option<S>,
    /// Only entries this search finds.
    pub search: Option<SearchKey>,
}

impl<S> PageQuery<S> {
    /// The first page of [`PAGE_SIZE`] entries, everything listed.
    pub fn first() -> Self {
        PageQuery {
            after: None,
            limit: PAGE_SIZE,
            state: None,
            search: None,
        }
    }
}

impl<S> Default for PageQuery<S> {
    fn default() -> Self {
        Self::first()
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The entries, in the list's order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` at the end of the list.
    pub next: Option<Cursor>,
    /// A search matched more than [`SEARCH_CAP`] entries and only that many were read: the list
    /// asks for a longer query.
    pub capped: bool,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            next: None,
            capped: false,
        }
    }
}

/// The page `query` asks for out of entries already read, each with its order key: those after
/// the cursor, in order, at most `limit`, and the cursor of the next page if any entry is left.
/// (The state and search filters are the caller's: it knows the entry type.)
pub fn page_of<T>(
    entries: impl IntoIterator<Item = (String, T)>,
    after: Option<&Cursor>,
    limit: usize,
) -> Page<T> {
    let mut entries: Vec<(String, T)> = entries
        .into_iter()
        .filter(|(key, _)| after.is_none_or(|c| key.as_str() > c.as_str()))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let more = entries.len() > limit;
    entries.truncate(limit);
    let next = if more {
        entries.last().map(|(key, _)| Cursor::after(key.clone()))
    } else {
        None
    };
    Page {
        items: entries.into_iter().map(|(_, t)| t).collect(),
        next,
        capped: false,
    }
}

/// The page of drafts `query` asks for, in `order`, out of every draft (the in-memory way).
pub fn page_drafts<'a>(
    drafts: impl IntoIterator<Item = &'a Draft>,
    order: DraftOrder,
    query: &PageQuery<DraftState>,
) -> Page<Draft> {
    let wanted = drafts.into_iter().filter(|d| {
        query.state.is_none_or(|s| DraftState::of(d) == s)
            && query
                .search
                .as_ref()
                .is_none_or(|k| SearchFields::of_draft(d).matches(k))
    });
    page_of(
        wanted.map(|d| (order.key(d), d.clone())),
        query.after.as_ref(),
        query.limit,
    )
}

/// The page of outbox records of `kind` that `query` asks for, finalized last first, out of every
/// record (the in-memory way).
pub fn page_records<'a>(
    records: impl IntoIterator<Item = &'a OutboxRecord>,
    kind: RecordKind,
    query: &PageQuery<crate::model::RecordState>,
) -> Page<OutboxRecord> {
    let wanted = records.into_iter().filter(|r| {
        r.kind == kind
            && query.state.is_none_or(|s| r.state == s)
            && query
                .search
                .as_ref()
                .is_none_or(|k| SearchFields::of_record(r).matches(k))
    });
    page_of(
        wanted.map(|r| (record_order_key(r), r.clone())),
        query.after.as_ref(),
        query.limit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use lianxin_core::example;

    fn fields(name: &str, phone: &str, no: &str) -> SearchFields {
        SearchFields {
            name: name.into(),
            phone: phone.into(),
            registration_no: no.into(),
        }
    }

    fn key(q: &str) -> SearchKey {
        SearchKey::new(q).expect("a searchable query")
    }

    #[test]
    fn a_later_time_sorts_first() {
        let id = Uuid::nil();
        let t = example::now();
        assert!(order_key(t + Duration::microseconds(1), id) < order_key(t, id));
        assert!(order_key(t + Duration::days(3650), id) < order_key(t, id));
    }

    #[test]
    fn entries_of_the_same_instant_are_ordered_by_id() {
        let t = example::now();
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert!(order_key(t, a) < order_key(t, b));
        assert_eq!(order_key(t, a).len(), order_key(t, b).len());
    }

    #[test]
    fn a_name_is_found_by_any_part_of_it() {
        let f = fields("王小明", "", "");
        assert!(f.matches(&key("王")));
        assert!(f.matches(&key("小明")));
        assert!(f.matches(&key("明")));
        assert!(!f.matches(&key("李")));
    }

    #[test]
    fn a_latin_name_is_found_in_any_case_and_without_its_spaces() {
        let f = fields("Anna Müller", "", "");
        assert!(f.matches(&key("annam")));
        assert!(f.matches(&key("MÜLLER")));
    }

    #[test]
    fn a_phone_is_found_by_its_last_four_digits_however_it_was_typed() {
        let f = fields("", "138-0013 8000", "");
        assert!(f.matches(&key("8000")));
        assert!(f.matches(&key("１３８００")));
        assert!(f.matches(&key("13800138000")));
        assert!(!f.matches(&key("9999")));
    }

    #[test]
    fn a_registration_number_is_found_case_insensitively_with_or_without_dashes() {
        let f = fields("", "", "CZXF-2026-000123");
        assert!(f.matches(&key("czxf-2026-000123")));
        assert!(f.matches(&key("CZXF2026")));
        assert!(f.matches(&key("000123")));
        assert!(f.matches(&key("123")));
    }

    #[test]
    fn two_digits_alone_are_too_short_to_be_a_phone_term() {
        let f = fields("", "13800138000", "");
        assert!(!f.terms().contains(&"00".to_string()));
        // …but a query of two digits still finds the phones that contain them further in.
        assert!(f.matches(&key("38")));
    }

    #[test]
    fn a_query_never_matches_across_two_fields() {
        let f = fields("王明", "13800138000", "");
        assert!(!f.matches(&key("明138")));
    }

    #[test]
    fn an_empty_or_punctuation_only_query_is_no_search() {
        assert_eq!(SearchKey::new("  - "), None);
        assert_eq!(SearchKey::new(""), None);
    }

    #[test]
    fn a_key_range_covers_exactly_the_terms_that_start_with_it() {
        let (lo, hi) = key("138").range();
        let inside = |t: &str| lo.as_str() <= t && t <= hi.as_str();
        assert!(inside("138"));
        assert!(inside("13800138000"));
        assert!(!inside("139"));
        assert!(!inside("137999"));
    }

    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats() {
        let entries: Vec<(String, u32)> = (0..95)
            .map(|i| {
                (
                    order_key(example::now() + Duration::minutes(i.into()), Uuid::nil()),
                    i,
                )
            })
            .collect();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = page_of(entries.clone(), after.as_ref(), 40);
            seen.extend(page.items);
            match page.next {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        let newest_first: Vec<u32> = (0..95).rev().collect();
        assert_eq!(seen, newest_first);
    }

    #[test]
    fn the_last_full_page_has_no_next_cursor() {
        let entries: Vec<(String, u32)> = (0..40)
            .map(|i| {
                (
                    order_key(example::now() + Duration::minutes(i.into()), Uuid::nil()),
                    i,
                )
            })
            .collect();
        let page = page_of(entries, None, 40);
        assert_eq!(page.items.len(), 40);
        assert_eq!(page.next, None);
    }

    #[test]
    fn a_needs_edit_draft_is_filtered_apart_from_the_others() {
        let mut refused = Draft::new(RecordKind::Petition, example::petition_json());
        refused.problem = Some(lianxin_core::protocol::ApiError {
            code: "invalid".into(),
            message: String::new(),
            field: None,
            params: Default::default(),
        });
        let plain = Draft::new(RecordKind::Petition, example::petition_json());
        let query = PageQuery {
            state: Some(DraftState::NeedsEdit),
            ..PageQuery::first()
        };
        let page = page_drafts([&refused, &plain], DraftOrder::Updated, &query);
        assert_eq!(
            page.items.iter().map(|d| d.id).collect::<Vec<_>>(),
            [refused.id]
        );
    }
}
