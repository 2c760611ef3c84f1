//! Reusable pieces: the header and what it holds, the update banner, page titles, and the
//! petition form's inputs.

pub mod clock_notice;
pub mod connectivity_indicator;
pub mod deadline_list;
pub mod form_field;
pub mod header;
pub mod language_switcher;
pub mod law_article;
pub mod law_results;
pub mod law_text_size;
pub mod main_nav;
pub mod page_title;
pub mod petition_form;
pub mod quiz_result;
pub mod quiz_take;
pub mod receipt_slip;
pub mod sync_indicator;
pub mod update_banner;
