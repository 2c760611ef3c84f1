//! Reusable pieces: the header and what it holds, the update banner, page titles, and the
//! petition form's inputs.

pub mod clock_notice;
pub mod connectivity_indicator;
pub mod deadline_list;
pub mod form_field;
pub mod header;
pub mod language_switcher;
pub mod main_nav;
pub mod page_title;
pub mod petition_form;
pub mod receipt_slip;
pub mod sync_indicator;
pub mod update_banner;
