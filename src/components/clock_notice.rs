//! The notice that the tablet's clock is wrong: by how much, that the app uses the server's time
//! instead, and how to set the clock. Shown when the offset measured at the last contact with the
//! server exceeds two minutes for sure (`ClockOffset::worth_telling`). A kiosk is used by the
//! public: there the header keeps quiet and only the sync page, which staff look after, says it.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use lianxin_core::clock::ClockOffset;

use crate::app_state::{use_device_role, use_services, use_sync_state};
use crate::errors::fill;
use crate::formatting::local_time;
use crate::i18n::{t, t_string, use_i18n};
use crate::privacy::shows_personal_data;

/// How far the clock is off, in whole days, hours and minutes, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockError {
    /// The tablet's clock shows a later time than the real one.
    pub ahead: bool,
    /// Whole days.
    pub days: i64,
    /// Hours beyond the days.
    pub hours: i64,
    /// Minutes beyond the hours.
    pub minutes: i64,
}

impl ClockError {
    /// What to tell about `offset` (server minus device), if it is worth telling.
    pub fn of(offset: &ClockOffset) -> Option<Self> {
        if !offset.worth_telling() {
            return None;
        }
        let off = offset.offset();
        // To the nearest minute: a clock a day ahead, measured a few hundred milliseconds short
        // of it, is "1 day", not "23 hours 59 minutes".
        let minutes = (off.num_milliseconds().abs() + 30_000) / 60_000;
        Some(ClockError {
            // The server is behind the device: the device is ahead.
            ahead: off < Duration::zero(),
            days: minutes / (24 * 60),
            hours: minutes / 60 % 24,
            minutes: minutes % 60,
        })
    }
}

/// The notice (`data-testid="clock-notice"`); `kiosk_too`: shown on a kiosk as well (the sync
/// page), else on field tablets only (the header).
#[component]
pub fn ClockNotice(#[prop(optional)] kiosk_too: bool) -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let sync = use_sync_state();
    let role = use_device_role();
    // Read again after every sync run (the status changes), which is when it is measured.
    let offset = LocalResource::new(move || {
        sync.status.track();
        services.state.track();
        async move {
            let store = services.store()?;
            lianxin_sync::clock::known_offset(&store)
                .await
                .ok()
                .flatten()
        }
    });
    move || {
        if !kiosk_too && !shows_personal_data(role.role()) {
            return None;
        }
        let offset = offset.get().flatten()?;
        let error = ClockError::of(&offset)?;
        let amount = if error.days > 0 {
            fill(
                t_string!(i18n, clock.days_hours),
                &[
                    ("days", error.days.to_string()),
                    ("hours", error.hours.to_string()),
                ],
            )
        } else if error.hours > 0 {
            fill(
                t_string!(i18n, clock.hours_minutes),
                &[
                    ("hours", error.hours.to_string()),
                    ("minutes", error.minutes.to_string()),
                ],
            )
        } else {
            fill(
                t_string!(i18n, clock.minutes),
                &[("minutes", error.minutes.to_string())],
            )
        };
        let off = if error.ahead {
            t_string!(i18n, clock.ahead)
        } else {
            t_string!(i18n, clock.behind)
        };
        let real_now: DateTime<Utc> = Utc::now() + offset.offset();
        let uses = fill(
            t_string!(i18n, clock.uses),
            &[("now", local_time(real_now))],
        );
        Some(view! {
            <div class="notice notice--warning" role="status" data-testid="clock-notice"
                data-ahead=error.ahead.to_string()>
                <strong>{t!(i18n, clock.title)}</strong> " "
                {fill(off, &[("amount", amount)])} " " {uses} " " {t!(i18n, clock.fix)}
            </div>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianxin_core::example;

    fn off_by(device_ahead: Duration) -> ClockOffset {
        let now = example::now();
        ClockOffset::from_round_trip(now + device_ahead, now, now + device_ahead)
    }

    #[test]
    fn a_clock_a_day_ahead_is_told_as_one_day_ahead() {
        let e = ClockError::of(&off_by(Duration::days(1) + Duration::minutes(3))).unwrap();
        assert_eq!((e.ahead, e.days, e.hours, e.minutes), (true, 1, 0, 3));
    }

    #[test]
    fn a_clock_a_year_behind_is_told_in_days_behind() {
        let e = ClockError::of(&off_by(-Duration::days(365) - Duration::hours(5))).unwrap();
        assert_eq!((e.ahead, e.days, e.hours), (false, 365, 5));
    }

    #[test]
    fn the_amount_is_rounded_to_the_nearest_minute() {
        let e = ClockError::of(&off_by(Duration::days(1) - Duration::milliseconds(400))).unwrap();
        assert_eq!((e.days, e.hours, e.minutes), (1, 0, 0));
    }

    #[test]
    fn two_minutes_or_less_is_not_told() {
        assert_eq!(ClockError::of(&off_by(Duration::seconds(100))), None);
        assert!(ClockError::of(&off_by(Duration::minutes(3))).is_some());
    }

    #[test]
    fn every_language_fills_in_how_much_and_what_is_used() {
        for text in [
            include_str!("../../locales/zh-Hans.json"),
            include_str!("../../locales/zh-Hant.json"),
            include_str!("../../locales/en.json"),
        ] {
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            let clock = &json["clock"];
            for key in ["ahead", "behind"] {
                assert!(clock[key].as_str().unwrap().contains("{amount}"), "{key}");
            }
            assert!(clock["uses"].as_str().unwrap().contains("{now}"));
            assert!(clock["days_hours"].as_str().unwrap().contains("{days}"));
            assert!(clock["fix"].as_str().is_some_and(|s| !s.is_empty()));
        }
    }
}
