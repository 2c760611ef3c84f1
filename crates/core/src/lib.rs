//! The shared vocabulary of Lianxin: what a petition (信访事项) is and which rules of
//! 《信访工作条例》 (2022) it must satisfy, the statuses and statutory deadlines of its handling, and
//! the JSON types of sync protocol v1 that tablets, kiosks and the central server exchange.
//!
//! This crate is plain Rust with serde and chrono. It must not depend on any I/O, async runtime,
//! database, HTTP or browser crate: it compiles both natively (server, tests) and to
//! `wasm32-unknown-unknown` (the PWA), and both sides validate with the very same code.
#![deny(missing_docs)]

pub mod bank;
pub mod clock;
pub mod deadlines;
pub mod draw;
pub mod example;
pub mod law;
pub mod law_search;
pub mod period;
pub mod petition;
pub mod protocol;
pub mod quiz;
pub mod repeat;
pub mod routing;
pub mod status;
pub mod text;

pub use petition::{Field, Petition, PetitionDraft};

/// Checks that serde and strum spell every variant of a wire enum the same way, so the list the
/// UI builds its options from and the names on the wire cannot drift apart.
#[cfg(test)]
pub(crate) fn assert_wire_names<E>()
where
    E: strum::IntoEnumIterator + serde::Serialize + Copy + std::fmt::Debug + Into<&'static str>,
{
    for v in E::iter() {
        let name: &'static str = v.into();
        assert_eq!(
            serde_json::to_value(v).unwrap(),
            serde_json::Value::String(name.to_owned()),
            "{v:?}"
        );
    }
}
