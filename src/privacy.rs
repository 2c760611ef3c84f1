//! What a device may show of the records it holds. A kiosk is shared by strangers: it shows no
//! personal data of any record (names, phones, ID numbers, addresses, request, facts, reasons,
//! and the receipt that lets its holder follow a petition) on any page. Its lists show neutral
//! entries only (a state and a time), and the one petition a kiosk user may open is the one they
//! are registering now, in this tab; the receipt they may see is the one of what they submitted
//! now. A field tablet, used by staff, shows everything. A device whose role is not known yet
//! (the store not read, not enrolled) is treated as a kiosk.

use leptos::prelude::*;
use lianxin_core::protocol::DeviceRole;
use uuid::Uuid;

/// Whether the device may show the personal data of the records it holds.
pub fn shows_personal_data(role: Option<DeviceRole>) -> bool {
    role == Some(DeviceRole::Field)
}

/// Whether the draft `id` may be opened: anywhere on a field tablet; on a kiosk only the draft
/// this tab's user is registering now.
pub fn may_open_draft(role: Option<DeviceRole>, own_draft: Option<Uuid>, id: Uuid) -> bool {
    shows_personal_data(role) || own_draft == Some(id)
}

/// Whether an outbox record's details (receipt, refusal) may be shown: on a field tablet always;
/// on a kiosk only for what this tab's user submitted.
pub fn may_show_record(role: Option<DeviceRole>, own_records: &[Uuid], id: Uuid) -> bool {
    shows_personal_data(role) || own_records.contains(&id)
}

/// What this tab's user registered since the app started: the draft being edited and the
/// records submitted. Kept in memory only, so a reload or the next start forgets it (a context).
#[derive(Clone, Copy)]
pub struct Session {
    /// The draft created by "新建" in this tab, until it is submitted.
    pub own_draft: RwSignal<Option<Uuid>>,
    /// The records submitted from this tab.
    pub own_records: RwSignal<Vec<Uuid>>,
}

impl Session {
    /// Creates the session and provides it to the tree.
    pub fn provide() -> Self {
        let s = Session {
            own_draft: RwSignal::new(None),
            own_records: RwSignal::new(Vec::new()),
        };
        provide_context(s);
        s
    }

    /// Notes that the own draft became the outbox record `record`.
    pub fn submitted(&self, record: Uuid) {
        self.own_draft.set(None);
        self.own_records.update(|r| r.push(record));
    }
}

/// The [`Session`] context.
pub fn use_session() -> Session {
    expect_context()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_field_tablet_shows_personal_data() {
        assert!(shows_personal_data(Some(DeviceRole::Field)));
        assert!(!shows_personal_data(Some(DeviceRole::Kiosk)));
        assert!(!shows_personal_data(None), "unknown is treated as a kiosk");
    }

    #[test]
    fn a_kiosk_opens_only_the_draft_its_user_is_registering_now() {
        let (mine, theirs) = (Uuid::now_v7(), Uuid::now_v7());
        let kiosk = Some(DeviceRole::Kiosk);
        assert!(may_open_draft(kiosk, Some(mine), mine));
        assert!(!may_open_draft(kiosk, Some(mine), theirs));
        assert!(!may_open_draft(kiosk, None, theirs));
        assert!(!may_open_draft(None, None, theirs));
        assert!(may_open_draft(Some(DeviceRole::Field), None, theirs));
    }

    #[test]
    fn a_kiosk_shows_the_receipt_of_its_own_submission_only() {
        let (mine, theirs) = (Uuid::now_v7(), Uuid::now_v7());
        let kiosk = Some(DeviceRole::Kiosk);
        assert!(may_show_record(kiosk, &[mine], mine));
        assert!(!may_show_record(kiosk, &[mine], theirs));
        assert!(may_show_record(Some(DeviceRole::Field), &[], theirs));
    }
}
