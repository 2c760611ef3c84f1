//! The configuration devices validate against, published through the pull feed.
//!
//! The server's subject list (`LIANXIN_SUBJECTS`) is what it validates pushed petitions against.
//! A tablet that validated against another list would accept a draft that sync then refuses, so
//! the list travels to every device as a versioned [`DeviceConfig`]: on start the server
//! compares what it is configured with to the newest version it published, and publishes a new
//! version when they differ. Versions only grow; version 0 is the list built into the app.
//!
//! The holiday calendar travels the same way (`LIANXIN_HOLIDAYS`): the State Council publishes
//! next year's arrangements each winter, and devices count time limits by the one the county
//! configured instead of waiting for an app update. Unset, devices keep the bundled one.

use lianxin_core::period::HolidayCalendar;
use lianxin_core::protocol::{DeviceConfig, SubjectEntry};

/// Reads a holiday calendar file (`LIANXIN_HOLIDAYS`), in the format of the bundled
/// `crates/core/data/holidays.json`; `Err` says why it cannot be used.
pub fn read_holidays(path: &str) -> Result<HolidayCalendar, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot be read: {e}"))?;
    parse_holidays(&text)
}

/// Parses a holiday calendar: at least one year, each with its source, and every range in order.
pub fn parse_holidays(text: &str) -> Result<HolidayCalendar, String> {
    let calendar: HolidayCalendar =
        serde_json::from_str(text).map_err(|e| format!("is not a holiday calendar: {e}"))?;
    if calendar.years.is_empty() {
        return Err("names no year".into());
    }
    for y in &calendar.years {
        if y.source.trim().is_empty() {
            return Err(format!("{}: says no notice it comes from (source)", y.year));
        }
        if let Some((a, b)) = y.holidays.iter().find(|(a, b)| a > b) {
            return Err(format!(
                "{}: the holiday {a}..{b} ends before it starts",
                y.year
            ));
        }
    }
    Ok(calendar)
}

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

/// The configuration to publish, given the configured subjects and holiday calendar (`None`: the
/// app's own) and the newest published version (`None`: nothing published yet); `None` when
/// devices already have it.
pub fn to_publish(
    subjects: &[SubjectEntry],
    holidays: Option<&HolidayCalendar>,
    newest: Option<&DeviceConfig>,
) -> Option<DeviceConfig> {
    match newest {
        Some(published)
            if published.subjects == subjects && published.holidays.as_ref() == holidays =>
        {
            None
        }
        // The first publication is version 1 even when the list equals the built-in one: a
        // device then knows that its server has spoken, not merely that it has not pulled yet.
        _ => Some(DeviceConfig {
            version: newest.map_or(0, |c| c.version).max(0) + 1,
            subjects: subjects.to_vec(),
            holidays: holidays.cloned(),
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
        let config = to_publish(&subjects, None, None).expect("published");
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
        assert_eq!(
            to_publish(&[entry("land", None)], None, Some(&published)),
            None
        );
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
            to_publish(&relabelled, None, Some(&published)).map(|c| c.version),
            Some(4)
        );
        let longer = [entry("land", None), entry("labor", None)];
        assert_eq!(
            to_publish(&longer, None, Some(&published)).map(|c| c.subjects),
            Some(longer.to_vec())
        );
    }

    /// A one-year calendar whose only holiday is `day`.
    fn calendar_with_holiday(day: &str) -> HolidayCalendar {
        parse_holidays(&format!(
            r#"{{"years":[{{"year":2026,"source":"test notice","holidays":[["{day}","{day}"]],"working_days":[]}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_configured_holiday_calendar_is_published_and_republished_when_it_changes() {
        let subjects = [entry("land", None)];
        let first = calendar_with_holiday("2026-12-15");
        let v1 = to_publish(&subjects, Some(&first), None).expect("published");
        assert_eq!(v1.holidays.as_ref(), Some(&first));
        assert_eq!(to_publish(&subjects, Some(&first), Some(&v1)), None);
        let second = calendar_with_holiday("2026-12-16");
        let v2 = to_publish(&subjects, Some(&second), Some(&v1)).expect("republished");
        assert_eq!((v2.version, v2.holidays), (2, Some(second)));
        // Back to the bundled calendar is a change as well.
        assert!(to_publish(&subjects, None, Some(&v1)).is_some());
    }

    #[test]
    fn a_holiday_file_must_name_a_year_its_source_and_ranges_in_order() {
        assert!(parse_holidays(r#"{"years":[]}"#).is_err());
        assert!(parse_holidays("not json").is_err());
        let no_source = r#"{"years":[{"year":2027,"source":" ","holidays":[],"working_days":[]}]}"#;
        assert!(parse_holidays(no_source).unwrap_err().contains("source"));
        let backwards = r#"{"years":[{"year":2027,"source":"x","holidays":[["2027-02-10","2027-02-01"]],"working_days":[]}]}"#;
        assert!(parse_holidays(backwards).is_err());
        let bundled = include_str!("../../../core/data/holidays.json");
        assert_eq!(parse_holidays(bundled).unwrap(), HolidayCalendar::builtin());
    }
}
