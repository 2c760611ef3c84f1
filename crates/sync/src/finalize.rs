//! Finalize validates: a draft reaches the outbox only as a [`Validated`] payload, and the only
//! way to get one is [`validate_draft`], which runs the same lianxin-core rules as the server,
//! against the configuration the device last received. So no caller (a page, a test, a future
//! import) can queue a record the device itself would refuse.

use chrono::{DateTime, Utc};
use lianxin_core::petition::PetitionDraft;
use lianxin_core::protocol::{ApiError, DeviceConfig, RecordKind};
use lianxin_core::quiz::QuizAttempt;
use uuid::Uuid;

use crate::model::{Draft, DraftSaved};
use crate::store::StoreError;

/// A draft's payload that passed validation. It has no public constructor and no `Deserialize`:
/// [`validate_draft`] is the only way to make one, and [`crate::Store::finalize`] takes nothing
/// else.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    draft_id: Uuid,
    revision: u64,
    kind: RecordKind,
    payload: serde_json::Value,
}

impl Validated {
    /// The draft it was validated from (a store refuses it for another draft).
    pub fn draft_id(&self) -> Uuid {
        self.draft_id
    }

    /// The draft's revision it was validated at (a store refuses it for another revision).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// What the payload is.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The record as it will be pushed: the validated value's JSON, not the form as typed.
    pub fn payload(&self) -> &serde_json::Value {
        &self.payload
    }

    /// The payload, by value.
    pub fn into_payload(self) -> serde_json::Value {
        self.payload
    }
}

/// Checks a draft by the rules its kind has, against `config` (the device's newest, see
/// [`crate::Store::device_config`]) at `now`, and returns the payload to queue, or every problem
/// at once, each with its code and field for the UI to show in the user's language.
pub fn validate_draft(
    draft: &Draft,
    config: &DeviceConfig,
    now: DateTime<Utc>,
) -> Result<Validated, Vec<ApiError>> {
    let payload = match draft.kind {
        RecordKind::Petition => {
            let petition = PetitionDraft::from_json(&draft.form).validate_with(config, now)?;
            to_payload(&petition)?
        }
        RecordKind::QuizAttempt => {
            let attempt: QuizAttempt = serde_json::from_value(draft.form.clone()).map_err(|e| {
                vec![ApiError::new(
                    "invalid_field",
                    format!("the form is not a quiz attempt: {e}"),
                )]
            })?;
            attempt.validate(now)?;
            to_payload(&attempt)?
        }
        // The same code the server gives a kind it does not know.
        RecordKind::Unknown => {
            return Err(vec![ApiError::new(
                "unknown_kind",
                "this version of the app cannot finalize a record of this kind",
            )
            .with_field("kind")])
        }
    };
    Ok(Validated {
        draft_id: draft.id,
        revision: draft.revision,
        kind: draft.kind,
        payload,
    })
}

fn to_payload<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, Vec<ApiError>> {
    // Our payload types are plain structs and always serialize; a failure is still not a panic.
    serde_json::to_value(value)
        .map_err(|e| vec![ApiError::new("invalid", format!("not serializable: {e}"))])
}

/// Why [`crate::SyncEngine::finalize_draft`] queued nothing. The draft was saved either way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FinalizeError {
    /// The draft does not validate: every problem, each with its code and field.
    #[error("the draft does not validate ({} problems)", .0.len())]
    Invalid(Vec<ApiError>),
    /// Another tab saved the draft with other text since this one last saw it: nothing was
    /// queued, and the draft as stored now is here for the page to show, so that nobody queues
    /// text they have not seen.
    #[error("the draft changed in another tab; nothing was queued")]
    Changed(Box<DraftSaved>),
    /// The store refused (see [`StoreError::code`]); `Gone` when the draft was finalized or
    /// deleted already.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl FinalizeError {
    /// A stable code: `invalid` (the problems carry their own codes), `changed`, or the store's
    /// code.
    pub fn code(&self) -> &'static str {
        match self {
            FinalizeError::Invalid(_) => "invalid",
            FinalizeError::Changed(_) => "changed",
            FinalizeError::Store(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianxin_core::example;
    use lianxin_core::protocol::SubjectEntry;

    fn petition_draft(form: serde_json::Value) -> Draft {
        Draft::new(RecordKind::Petition, form)
    }

    #[test]
    fn a_valid_petition_draft_becomes_the_validated_petitions_json() {
        let d = petition_draft(example::petition_json());
        let v = validate_draft(&d, &DeviceConfig::builtin(), example::now()).unwrap();
        assert_eq!(v.draft_id(), d.id);
        assert_eq!(v.kind(), RecordKind::Petition);
        assert_eq!(v.payload(), &example::petition_json());
    }

    #[test]
    fn an_invalid_petition_draft_gives_every_problem_with_its_field() {
        let mut form = example::petition_json();
        form["request"] = "".into();
        form["petitioner"]["phone"] = "12345".into();
        let errs = validate_draft(
            &petition_draft(form),
            &DeviceConfig::builtin(),
            example::now(),
        )
        .unwrap_err();
        let fields: Vec<_> = errs.iter().filter_map(|e| e.field.as_deref()).collect();
        assert!(fields.contains(&"request"), "{errs:?}");
        assert!(fields.contains(&"petitioner.phone"), "{errs:?}");
    }

    #[test]
    fn the_subject_is_checked_against_the_devices_config_not_the_builtin_list() {
        let mut form = example::petition_json();
        form["subject"] = "mining".into();
        let d = petition_draft(form);
        let builtin = DeviceConfig::builtin();
        let errs = validate_draft(&d, &builtin, example::now()).unwrap_err();
        assert_eq!(errs[0].code, "subject_unknown");
        let config = DeviceConfig {
            version: 3,
            subjects: vec![SubjectEntry {
                code: "mining".into(),
                label: Some("矿产".into()),
            }],
            ..DeviceConfig::default()
        };
        assert!(validate_draft(&d, &config, example::now()).is_ok());
    }

    #[test]
    fn a_quiz_attempt_is_validated_as_one() {
        let now = example::now();
        let attempt = serde_json::json!({
            "campaign_id": "2026-q4", "seed": 7, "answers": [{"question_id": "q1", "choices": [0]}],
            "started_at": now, "finished_at": now, "township": "城关镇"
        });
        let d = Draft::new(RecordKind::QuizAttempt, attempt.clone());
        assert!(validate_draft(&d, &DeviceConfig::builtin(), now).is_ok());

        let mut empty = attempt;
        empty["answers"] = serde_json::json!([]);
        let d = Draft::new(RecordKind::QuizAttempt, empty);
        let errs = validate_draft(&d, &DeviceConfig::builtin(), now).unwrap_err();
        assert_eq!(errs[0].code, "required");

        let d = Draft::new(RecordKind::QuizAttempt, serde_json::json!({"answers": 3}));
        let errs = validate_draft(&d, &DeviceConfig::builtin(), now).unwrap_err();
        assert_eq!(errs[0].code, "invalid_field");
    }

    #[test]
    fn a_kind_this_version_does_not_know_is_refused_with_a_code() {
        let d = Draft::new(RecordKind::Unknown, example::petition_json());
        let errs = validate_draft(&d, &DeviceConfig::builtin(), example::now()).unwrap_err();
        assert_eq!(errs[0].code, "unknown_kind");
    }
}
