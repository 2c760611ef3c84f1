//! One module per route. Pages that later issues fill already say, in the current language, what
//! they will hold, so that every route renders something meaningful and accessible today.

pub mod enroll;
pub mod home;
pub mod law;
pub mod not_found;
pub mod petition_detail;
pub mod petition_new;
pub mod petitions;
pub mod quiz;
pub mod settings;
pub mod sync;
