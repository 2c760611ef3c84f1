//! Reusable pieces of the frame: the header and what it holds, the update banner, page titles.

pub mod connectivity_indicator;
pub mod header;
pub mod language_switcher;
pub mod main_nav;
pub mod page_title;
pub mod sync_indicator;
pub mod update_banner;
