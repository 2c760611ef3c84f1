//! What the records and drafts lists share to cost what is on screen: a list read page by page
//! from the store (`lianxin_sync::paging`), the next page read when the reader nears the end, and
//! the place in the list kept for this tab (sessionStorage), so that coming back from a record or
//! a draft shows the same rows at the same scroll position.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use lianxin_sync::paging::{Cursor, Page, PAGE_SIZE};

/// How close to the end of the page (in CSS pixels) the next page is read: about two screens of
/// rows on a 1280×800 tablet, so it is there before the reader gets to it.
const PRELOAD_PX: i32 = 1600;

/// Where the reader was in a list, kept per tab.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// How many entries were loaded.
    pub count: usize,
    /// The window's scroll position.
    pub y: i32,
    /// The search typed.
    pub query: String,
}

impl Place {
    /// How many entries to read first when coming back: as many as were loaded, at least a page.
    pub fn first_read(&self) -> usize {
        self.count.max(PAGE_SIZE)
    }

    /// As kept in sessionStorage: count, position and query on three lines.
    pub fn encode(&self) -> String {
        format!("{}\n{}\n{}", self.count, self.y, self.query)
    }

    /// From [`Place::encode`]; `None` for anything else.
    pub fn decode(text: &str) -> Option<Place> {
        let mut parts = text.splitn(3, '\n');
        Some(Place {
            count: parts.next()?.parse().ok()?,
            y: parts.next()?.parse().ok()?,
            query: parts.next()?.to_owned(),
        })
    }
}

/// The place stored under `key`, if this tab has one.
pub fn stored_place(key: &str) -> Option<Place> {
    let storage = window().session_storage().ok().flatten()?;
    let text = storage.get_item(key).ok().flatten()?;
    Place::decode(&text)
}

fn store_place(key: &str, place: &Place) {
    if let Some(storage) = window().session_storage().ok().flatten() {
        // A full or disabled sessionStorage only costs the restored position.
        let _ = storage.set_item(key, &place.encode());
    }
}

/// A list read page by page. `items` holds what is loaded (and drawn); `next` is where the next
/// page starts.
pub struct PagedList<T: 'static> {
    /// The entries loaded so far, in the list's order.
    pub items: RwSignal<Vec<T>, LocalStorage>,
    /// Where the next page starts; `None` at the end.
    pub next: RwSignal<Option<Cursor>>,
    /// A search found more than it read.
    pub capped: RwSignal<bool>,
    /// The first page has arrived.
    pub loaded: RwSignal<bool>,
    busy: StoredValue<bool>,
    // Bumped by every reload: a page that arrives for an older one is dropped.
    generation: StoredValue<u64>,
    place_key: &'static str,
}

impl<T: 'static> Clone for PagedList<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: 'static> Copy for PagedList<T> {}

impl<T: Clone + 'static> PagedList<T> {
    /// An empty list whose place is kept under `place_key`.
    pub fn new(place_key: &'static str) -> Self {
        PagedList {
            items: RwSignal::new_local(Vec::new()),
            next: RwSignal::new(None),
            capped: RwSignal::new(false),
            loaded: RwSignal::new(false),
            busy: StoredValue::new(false),
            generation: StoredValue::new(0),
            place_key,
        }
    }

    /// Reads the list again from its start, `count` entries (the first page, or as many as were
    /// shown, so a change elsewhere does not shorten the list under the reader).
    pub fn reload<F, Fut>(&self, count: usize, read: F)
    where
        F: FnOnce(Option<Cursor>, usize) -> Fut + 'static,
        Fut: Future<Output = Option<Page<T>>> + 'static,
    {
        self.generation.update_value(|g| *g += 1);
        let generation = self.generation.get_value();
        let this = *self;
        self.busy.set_value(true);
        spawn_local(async move {
            let page = read(None, count.max(PAGE_SIZE)).await;
            if this.generation.try_get_value() != Some(generation) {
                return;
            }
            this.busy.set_value(false);
            let page = page.unwrap_or_default();
            this.next.set(page.next);
            this.capped.set(page.capped);
            this.items.set(page.items);
            this.loaded.set(true);
        });
    }

    /// Reads the next page, unless one is on its way or the list is complete.
    pub fn more<F, Fut>(&self, read: F)
    where
        F: FnOnce(Option<Cursor>, usize) -> Fut + 'static,
        Fut: Future<Output = Option<Page<T>>> + 'static,
    {
        let Some(after) = self.next.get_untracked() else {
            return;
        };
        if self.busy.get_value() {
            return;
        }
        self.busy.set_value(true);
        let generation = self.generation.get_value();
        let this = *self;
        spawn_local(async move {
            let page = read(Some(after), PAGE_SIZE).await;
            if this.generation.try_get_value() != Some(generation) {
                return;
            }
            this.busy.set_value(false);
            if let Some(page) = page {
                this.next.set(page.next);
                this.items.update(|items| items.extend(page.items));
            }
        });
    }

    /// Keeps the reader's place: how many entries are loaded, the scroll position and `query`.
    pub fn keep_place(&self, query: String) {
        let place = Place {
            count: self.items.with_untracked(Vec::len),
            y: window().scroll_y().map_or(0, |y| y as i32),
            query,
        };
        store_place(self.place_key, &place);
    }
}

/// Whether the window is scrolled to within [`PRELOAD_PX`] of the end of the page.
pub fn near_end() -> bool {
    let w = window();
    let y = w.scroll_y().unwrap_or(0.0);
    let h = w
        .inner_height()
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    let total = document()
        .document_element()
        .map_or(0, |e| e.scroll_height());
    f64::from(total) - (y + h) < f64::from(PRELOAD_PX)
}

/// Scrolls back to where the reader was, once the restored rows are drawn.
pub fn restore_scroll(y: i32) {
    if y <= 0 {
        return;
    }
    request_animation_frame(move || window().scroll_to_with_x_and_y(0.0, f64::from(y)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coming_back_reads_as_many_entries_as_were_shown() {
        let place = Place {
            count: 130,
            y: 4000,
            query: String::new(),
        };
        assert_eq!(place.first_read(), 130);
    }

    #[test]
    fn a_place_survives_the_session_storage_even_with_a_query_of_several_lines() {
        let place = Place {
            count: 80,
            y: 2210,
            query: "王\n138".into(),
        };
        assert_eq!(Place::decode(&place.encode()), Some(place));
        assert_eq!(Place::decode("garbage"), None);
    }

    #[test]
    fn a_short_list_is_still_read_a_full_page_at_a_time() {
        assert_eq!(Place::default().first_read(), PAGE_SIZE);
    }
}
