//! The names of things the wire spells as codes — channels, petitioner kinds, categories,
//! subjects, petition statuses, record states, device roles — in the user's language. Each wire
//! name has one locale key (`channel.visit`, `subject.land`, `status.not_accepted`), looked up
//! here and nowhere else; a select builds its options from the enum's own list ([`options`]), so
//! a new variant is a compile error here until the three locale files name it.
//!
//! Every function takes a [`Locale`] rather than the i18n context, so the lookups are plain
//! functions, tested natively; a component passes `i18n.get_locale()`.

use lianxin_core::petition::{wire_name, AppealRoute, Category, Channel, PetitionerKind};
use lianxin_core::protocol::{DeviceRole, SubjectEntry};
use lianxin_core::routing::DepartmentEntry;
use lianxin_core::status::{IntoEnumIterator, PetitionStatus};
use lianxin_sync::RecordState;

use crate::i18n::{td_string, Locale};

/// A select's options for every variant of a wire enum: (wire name, name in `locale`).
pub fn options<E>(locale: Locale, name: fn(Locale, E) -> &'static str) -> Vec<(String, String)>
where
    E: IntoEnumIterator + Into<&'static str> + Copy,
{
    E::iter()
        .map(|v| (wire_name(v).to_owned(), name(locale, v).to_owned()))
        .collect()
}

/// How the petition reached us.
pub fn channel(locale: Locale, v: Channel) -> &'static str {
    match v {
        Channel::Visit => td_string!(locale, channel.visit),
        Channel::Letter => td_string!(locale, channel.letter),
        Channel::Phone => td_string!(locale, channel.phone),
        Channel::Fax => td_string!(locale, channel.fax),
        Channel::Online => td_string!(locale, channel.online),
        Channel::Other => td_string!(locale, channel.other),
    }
}

/// Who petitions.
pub fn petitioner_kind(locale: Locale, v: PetitionerKind) -> &'static str {
    match v {
        PetitionerKind::Person => td_string!(locale, petitioner_kind.person),
        PetitionerKind::Organization => td_string!(locale, petitioner_kind.organization),
        PetitionerKind::Foreigner => td_string!(locale, petitioner_kind.foreigner),
        PetitionerKind::StatelessPerson => td_string!(locale, petitioner_kind.stateless_person),
        PetitionerKind::ForeignOrganization => {
            td_string!(locale, petitioner_kind.foreign_organization)
        }
    }
}

/// Which of Art. 31's six ways an appeal or request goes, in plain words.
pub fn appeal_route(locale: Locale, v: AppealRoute) -> &'static str {
    match v {
        AppealRoute::LegalProcedure => td_string!(locale, appeal_route.legal_procedure),
        AppealRoute::Arbitration => td_string!(locale, appeal_route.arbitration),
        AppealRoute::PartyAppeal => td_string!(locale, appeal_route.party_appeal),
        AppealRoute::AdministrativeProcedure => {
            td_string!(locale, appeal_route.administrative_procedure)
        }
        AppealRoute::ProtectionDuty => td_string!(locale, appeal_route.protection_duty),
        AppealRoute::OpinionLetter => td_string!(locale, appeal_route.opinion_letter),
    }
}

/// The kind of matter.
pub fn category(locale: Locale, v: Category) -> &'static str {
    match v {
        Category::Suggestion => td_string!(locale, category.suggestion),
        Category::Accusation => td_string!(locale, category.accusation),
        Category::AppealRequest => td_string!(locale, category.appeal_request),
    }
}

/// Where a petition stands in its handling.
pub fn status(locale: Locale, v: PetitionStatus) -> &'static str {
    match v {
        PetitionStatus::Registered => td_string!(locale, status.registered),
        PetitionStatus::Forwarded => td_string!(locale, status.forwarded),
        PetitionStatus::Accepted => td_string!(locale, status.accepted),
        PetitionStatus::NotAccepted => td_string!(locale, status.not_accepted),
        PetitionStatus::Handled => td_string!(locale, status.handled),
        PetitionStatus::Closed => td_string!(locale, status.closed),
    }
}

/// Where a local record stands in the outbox.
pub fn record_state(locale: Locale, v: RecordState) -> &'static str {
    match v {
        RecordState::Queued => td_string!(locale, record_state.queued),
        RecordState::Sending => td_string!(locale, record_state.sending),
        RecordState::Sent => td_string!(locale, record_state.sent),
        RecordState::NeedsEdit => td_string!(locale, record_state.needs_edit),
        RecordState::Quarantined => td_string!(locale, record_state.quarantined),
    }
}

/// What a device is for.
pub fn role(locale: Locale, v: DeviceRole) -> &'static str {
    match v {
        DeviceRole::Field => td_string!(locale, role.field),
        DeviceRole::Kiosk => td_string!(locale, role.kiosk),
    }
}

/// The name of a built-in subject code (`lianxin_core::petition::DEFAULT_SUBJECTS`).
pub fn builtin_subject(locale: Locale, code: &str) -> Option<&'static str> {
    Some(match code {
        "land" => td_string!(locale, subject.land),
        "housing" => td_string!(locale, subject.housing),
        "labor" => td_string!(locale, subject.labor),
        "agriculture" => td_string!(locale, subject.agriculture),
        "environment" => td_string!(locale, subject.environment),
        "civil_affairs" => td_string!(locale, subject.civil_affairs),
        "health" => td_string!(locale, subject.health),
        "education" => td_string!(locale, subject.education),
        "transport" => td_string!(locale, subject.transport),
        "market" => td_string!(locale, subject.market),
        "public_security" => td_string!(locale, subject.public_security),
        "law_litigation" => td_string!(locale, subject.law_litigation),
        "discipline" => td_string!(locale, subject.discipline),
        "enterprise" => td_string!(locale, subject.enterprise),
        "other" => td_string!(locale, subject.other),
        _ => return None,
    })
}

/// The name of a subject of the device's configuration: a built-in code in the user's language
/// (even if the deployment labelled it, since its label has one language only), a deployment's
/// own code by its label, and a code with neither as itself.
pub fn subject(locale: Locale, entry: &SubjectEntry) -> String {
    match (builtin_subject(locale, &entry.code), &entry.label) {
        (Some(name), _) => name.to_owned(),
        (None, Some(label)) if !label.trim().is_empty() => label.clone(),
        _ => entry.code.clone(),
    }
}

/// A built-in department's name, or `None` for a deployment's own code.
fn builtin_department(locale: Locale, code: &str) -> Option<&'static str> {
    Some(match code {
        "petitions_bureau" => td_string!(locale, department.petitions_bureau),
        "natural_resources" => td_string!(locale, department.natural_resources),
        "housing" => td_string!(locale, department.housing),
        "human_resources" => td_string!(locale, department.human_resources),
        "agriculture" => td_string!(locale, department.agriculture),
        "ecology" => td_string!(locale, department.ecology),
        "civil_affairs" => td_string!(locale, department.civil_affairs),
        "health" => td_string!(locale, department.health),
        "education" => td_string!(locale, department.education),
        "transport" => td_string!(locale, department.transport),
        "market_regulation" => td_string!(locale, department.market_regulation),
        "public_security" => td_string!(locale, department.public_security),
        "political_legal" => td_string!(locale, department.political_legal),
        "discipline" => td_string!(locale, department.discipline),
        "business_environment" => td_string!(locale, department.business_environment),
        "township_government" => td_string!(locale, department.township_government),
        _ => return None,
    })
}

/// A department's name: the locale files' for a built-in code, the deployment's label for its
/// own, the code itself as the last resort.
pub fn department(locale: Locale, entry: &DepartmentEntry) -> String {
    match (builtin_department(locale, &entry.code), &entry.label) {
        (Some(name), _) => name.to_owned(),
        (None, Some(label)) if !label.trim().is_empty() => label.clone(),
        _ => entry.code.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::LANGUAGES;
    use lianxin_core::petition::DEFAULT_SUBJECTS;

    fn is_chinese(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// Every name in every language: present, and Chinese only in the Chinese locales.
    fn check(names: impl Fn(Locale) -> Vec<String>) {
        for locale in LANGUAGES {
            for name in names(locale) {
                assert!(!name.trim().is_empty(), "{locale:?}");
                assert_eq!(
                    is_chinese(&name),
                    locale != Locale::en,
                    "{locale:?}: {name}"
                );
            }
        }
    }

    fn names<E: IntoEnumIterator + Into<&'static str> + Copy>(
        name: fn(Locale, E) -> &'static str,
    ) -> impl Fn(Locale) -> Vec<String> {
        move |l| options(l, name).into_iter().map(|(_, n)| n).collect()
    }

    #[test]
    fn every_variant_of_every_wire_enum_has_a_name_in_every_language() {
        check(names(channel));
        check(names(petitioner_kind));
        check(names(category));
        check(names(status));
        check(names(role));
        check(|l| {
            RecordState::ALL
                .iter()
                .map(|s| record_state(l, *s).to_owned())
                .collect()
        });
    }

    #[test]
    fn options_carry_the_wire_names_in_declaration_order() {
        let o = options(Locale::zh_Hans, channel);
        assert_eq!(o[0], ("visit".to_owned(), "走访".to_owned()));
        assert_eq!(o.len(), Channel::iter().count());
        let o = options(Locale::en, category);
        assert_eq!(
            o[2],
            ("appeal_request".to_owned(), "Appeal or request".to_owned())
        );
        assert_eq!(
            status(Locale::zh_Hans, PetitionStatus::NotAccepted),
            "不予受理"
        );
    }

    #[test]
    fn every_built_in_subject_is_named_in_every_language() {
        check(|l| {
            DEFAULT_SUBJECTS
                .iter()
                .map(|c| builtin_subject(l, c).expect(c).to_owned())
                .collect()
        });
    }

    #[test]
    fn a_deployments_own_subject_is_named_by_its_label_and_a_built_in_one_by_the_locale() {
        let entry = |code: &str, label: Option<&str>| SubjectEntry {
            code: code.into(),
            label: label.map(Into::into),
        };
        assert_eq!(
            subject(Locale::en, &entry("mining", Some("矿产资源"))),
            "矿产资源"
        );
        assert_eq!(
            subject(Locale::en, &entry("land", Some("土地"))),
            "Land expropriation and compensation"
        );
        assert_eq!(
            subject(Locale::zh_Hans, &entry("land", None)),
            "土地征收与补偿"
        );
        assert_eq!(subject(Locale::en, &entry("mining", None)), "mining");
    }

    #[test]
    fn every_built_in_department_is_named_in_every_language() {
        for d in lianxin_core::routing::RoutingTable::builtin().departments {
            for locale in LANGUAGES {
                let name = department(locale, &d);
                assert_ne!(name, d.code, "{} in {locale:?}", d.code);
                assert_eq!(is_chinese(&name), locale != Locale::en, "{name}");
            }
        }
    }
}
