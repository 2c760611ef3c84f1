//! The law reader's text size: a few steps from the normal size up, chosen with two buttons and
//! kept on the device in localStorage, as the interface language is (`locale.rs`): a reader who
//! needs large print needs it every time.

use leptos::prelude::*;

use crate::errors::fill;
use crate::i18n::{t, t_string, use_i18n};

/// The localStorage key of the chosen step.
pub const STORAGE_KEY: &str = "lianxin.law.text_size";

/// The sizes offered, in percent of the normal text; style/main.css sets each one
/// (`.law[data-text-size="…"]`).
pub const STEPS: [u16; 5] = [100, 115, 130, 150, 175];

/// A step of [`STEPS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextSize(usize);

impl TextSize {
    /// The step a device starts with, from what localStorage holds; anything else (nothing stored,
    /// a value from an older release with more steps) is the normal size.
    pub fn from_stored(stored: Option<&str>) -> TextSize {
        stored
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|&step| step < STEPS.len())
            .map_or_else(TextSize::default, TextSize)
    }

    /// What localStorage keeps.
    pub fn stored(self) -> String {
        self.0.to_string()
    }

    /// One step larger, if there is one.
    pub fn larger(self) -> Option<TextSize> {
        (self.0 + 1 < STEPS.len()).then_some(TextSize(self.0 + 1))
    }

    /// One step smaller, if there is one.
    pub fn smaller(self) -> Option<TextSize> {
        self.0.checked_sub(1).map(TextSize)
    }

    /// Which step it is (0 is the normal size): the `data-text-size` the stylesheet reads.
    pub fn step(self) -> usize {
        self.0
    }

    /// The size in percent of the normal text.
    pub fn percent(self) -> u16 {
        STEPS[self.0]
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    // No storage (some private modes): the size simply is not remembered.
    window().local_storage().ok().flatten()
}

/// The size this device reads at.
pub fn load() -> TextSize {
    let stored = local_storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    TextSize::from_stored(stored.as_deref())
}

fn save(size: TextSize) {
    if let Some(storage) = local_storage() {
        // A full or refused storage only costs remembering the size.
        let _ = storage.set_item(STORAGE_KEY, &size.stored());
    }
}

/// 「字号 A− 115% A+」: the buttons change `size` and keep the choice.
#[component]
pub fn LawTextSize(size: RwSignal<TextSize>) -> impl IntoView {
    let i18n = use_i18n();
    let change = move |next: Option<TextSize>| {
        if let Some(next) = next {
            size.set(next);
            save(next);
        }
    };
    view! {
        <div class="law-size" role="group" aria-labelledby="law-size-label">
            <span id="law-size-label">{t!(i18n, law.text_size)}</span>
            <button type="button" class="button law-size__button" data-testid="law-smaller"
                disabled=move || size.get().smaller().is_none()
                on:click=move |_| change(size.get_untracked().smaller())>
                "A−" <span class="visually-hidden">{t!(i18n, law.smaller)}</span>
            </button>
            <output class="law-size__value" data-testid="law-size-value" aria-live="polite">
                {move || fill(t_string!(i18n, law.text_size_value), &[("percent", size.get().percent().to_string())])}
            </output>
            <button type="button" class="button law-size__button" data-testid="law-larger"
                disabled=move || size.get().larger().is_none()
                on:click=move |_| change(size.get_untracked().larger())>
                "A+" <span class="visually-hidden">{t!(i18n, law.larger)}</span>
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_with_nothing_stored_reads_at_the_normal_size() {
        assert_eq!(TextSize::from_stored(None).percent(), 100);
    }

    #[test]
    fn a_stored_step_is_read_back() {
        let size = TextSize::default().larger().unwrap().larger().unwrap();
        assert_eq!(TextSize::from_stored(Some(&size.stored())), size);
        assert_eq!(size.percent(), 130);
    }

    #[test]
    fn a_stored_value_that_is_no_step_is_the_normal_size() {
        for bad in ["", "x", "-1", "5", "99"] {
            assert_eq!(
                TextSize::from_stored(Some(bad)),
                TextSize::default(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_steps_stop_at_both_ends() {
        assert_eq!(TextSize::default().smaller(), None);
        let largest = TextSize(STEPS.len() - 1);
        assert_eq!(largest.larger(), None);
        assert_eq!(largest.smaller(), Some(TextSize(STEPS.len() - 2)));
    }
}
