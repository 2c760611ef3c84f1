//! The configuration devices validate against, published through the pull feed.
//!
//! The server's subject list (`LIANXIN_SUBJECTS`) is what it validates pushed petitions against.
//! A tablet that validated against another list would accept a draft that sync then refuses, so
//! the list travels to every device as a versioned [`DeviceConfig`]: on start the server
//! compares what it is configured with to the newest version it published, and publishes a new
//! version when they differ. Versions only grow; version 0 is the list built into the app.

use lianxin_core::protocol::{DeviceConfig, SubjectEntry};

/// Parses `LIANXIN_SUBJECTS`: comma-separated codes, each optionally `code=label` (a label only
/// for a code the app does not know; the app names built-in codes in the user's language).
/// Empty entries are skipped; `None` if no code is left.
pub fn parse_subjects(value: &str) -> Option<Vec<SubjectEntry>> {
    let entries: Vec<SubjectEntry> = value
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|entry| match entry.split_once('=') {
            Some((code, label)) => SubjectEntry {
                code: code.trim().to_owned(),
                label: Some(label.trim().to_owned()).filter(|l| !l.is_empty()),
            },
            None => SubjectEntry {
                code: entry.to_owned(),
                label: None,
            },
        })
        .filter(|e| !e.code.is_empty())
        .collect();
    (!entries.is_empty()).then_some(entries)
}

/// The configuration to publish, given the configured subjects and the newest published version
/// (`None`: nothing published yet); `None` when devices already have it.
pub fn to_publish(
    subjects: &[SubjectEntry],
    newest: Option<&DeviceConfig>,
) -> Option<DeviceConfig> {
    match newest {
        Some(published) if published.subjects == subjects => None,
        // The first publication is version 1 even when the list equals the built-in one: a
        // device then knows that its server has spoken, not merely that it has not pulled yet.
        _ => Some(DeviceConfig {
            version: newest.map_or(0, |c| c.version).max(0) + 1,
            subjects: subjects.to_vec(),
            ..DeviceConfig::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, label: Option<&str>) -> SubjectEntry {
        SubjectEntry {
            code: code.into(),
            label: label.map(Into::into),
        }
    }

    #[test]
    fn subjects_are_codes_with_an_optional_label_separated_by_commas() {
        assert_eq!(
            parse_subjects(" land, mining=矿产资源 ,, forestry= "),
            Some(vec![
                entry("land", None),
                entry("mining", Some("矿产资源")),
                entry("forestry", None),
            ])
        );
        assert_eq!(parse_subjects(" , "), None);
        assert_eq!(parse_subjects("=label"), None);
    }

    #[test]
    fn the_first_configuration_is_published_as_version_1() {
        let subjects = DeviceConfig::builtin().subjects;
        let config = to_publish(&subjects, None).expect("published");
        assert_eq!(config.version, 1);
        assert_eq!(config.subjects, subjects);
    }

    #[test]
    fn an_unchanged_configuration_is_not_published_again() {
        let published = DeviceConfig {
            version: 3,
            subjects: vec![entry("land", None)],
            ..DeviceConfig::default()
        };
        assert_eq!(to_publish(&[entry("land", None)], Some(&published)), None);
    }

    #[test]
    fn a_changed_list_or_label_is_published_with_the_next_version() {
        let published = DeviceConfig {
            version: 3,
            subjects: vec![entry("land", None)],
            ..DeviceConfig::default()
        };
        let relabelled = [entry("land", Some("土地"))];
        assert_eq!(
            to_publish(&relabelled, Some(&published)).map(|c| c.version),
            Some(4)
        );
        let longer = [entry("land", None), entry("labor", None)];
        assert_eq!(
            to_publish(&longer, Some(&published)).map(|c| c.subjects),
            Some(longer.to_vec())
        );
    }
}
