//! What the app shows of a petition draft, as plain functions: which fields have an input, which
//! errors no input shows, and the one-line preview a field tablet's lists show.

use lianxin_core::petition::{Field, PetitionDraft};
use lianxin_core::protocol::ApiError;

/// The fields the form shows an input for: those lianxin-core's `asks_for` names for this draft
/// (the reception time has one for letters only; elsewhere it is shown as text), and each
/// representative's fields on a collective visit.
pub fn inputs(draft: &PetitionDraft) -> Vec<Field> {
    let mut fields: Vec<Field> = Field::all().filter(|f| draft.asks_for(*f)).collect();
    if draft.is_collective() {
        for i in 0..draft.representatives.len() {
            fields.extend(Field::representative(i));
        }
    }
    fields
}

/// Errors that no input of the form shows (no field, or a field without an input, such as
/// `received_at` or `representatives`): the form lists them above its inputs.
pub fn general_errors<'a>(errors: &'a [ApiError], draft: &PetitionDraft) -> Vec<&'a ApiError> {
    let shown = inputs(draft);
    errors
        .iter()
        .filter(|e| {
            e.field
                .as_deref()
                .and_then(Field::from_path)
                .is_none_or(|f| !shown.contains(&f))
        })
        .collect()
}

/// A draft's preview for a field tablet's lists: the name, and the request's first 60 characters.
/// Never for a kiosk (see `privacy`).
pub fn preview(form: &serde_json::Value) -> (String, String) {
    let d = PetitionDraft::from_json(form);
    let request = d.request.chars().take(60).collect();
    (d.petitioner.name, request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianxin_core::example;

    fn draft() -> PetitionDraft {
        PetitionDraft::from_json(&example::petition_json())
    }

    #[test]
    fn every_field_but_the_group_and_the_time_has_an_input() {
        let f = inputs(&draft());
        assert!(f.contains(&Field::Name) && f.contains(&Field::Enterprise));
        assert!(!f.contains(&Field::Representatives));
        assert!(!f.contains(&Field::ReceivedAt));
        assert!(!f.contains(&Field::RepName(0)));
    }

    #[test]
    fn representatives_have_inputs_on_a_collective_visit_only() {
        let mut d = draft();
        d.add_representative();
        assert!(!inputs(&d).contains(&Field::RepName(0)));
        d.set(Field::Visitors, "6".into());
        assert!(inputs(&d).contains(&Field::RepPhone(0)));
    }

    #[test]
    fn errors_without_an_input_are_general() {
        let mut d = draft();
        d.add_representative();
        let errs = vec![
            ApiError::new("x", "whole"),
            ApiError::new("received_at_future", "clock").with_field("received_at"),
            ApiError::new("required", "name").with_field("petitioner.name"),
            ApiError::new("required", "rep").with_field("representatives[0].name"),
        ];
        let general: Vec<_> = general_errors(&errs, &d)
            .iter()
            .map(|e| e.code.as_str())
            .collect();
        // Representative 0 has no input: the visit is not collective.
        assert_eq!(general, vec!["x", "received_at_future", "required"]);
    }

    #[test]
    fn the_preview_is_the_name_and_the_start_of_the_request() {
        let (name, request) = preview(&example::petition_json());
        assert_eq!(name, draft().petitioner.name);
        assert!(request.chars().count() <= 60);
    }
}
