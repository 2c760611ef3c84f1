//! The header's sync indicator: not enrolled, offline, server unreachable, N waiting, synced
//! (with the time of the last successful sync), or a problem (revoked, quarantined or needs-edit
//! records, a refused write). It links to the sync page, where the details are.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::app_state::{use_services, use_sync_state, use_write_error, StoreState};
use crate::connectivity::{use_connectivity, Connectivity};
use crate::formatting::local_time;
use crate::i18n::{t, use_i18n};
use crate::routes;

/// What the indicator shows (`data-state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorState {
    /// No device enrollment (or not known yet).
    NotEnrolled,
    /// The browser is offline.
    Offline,
    /// The browser says it is online, but the last sync run could not reach the server (server
    /// down, captive portal, a proxy's error page). `navigator.onLine` alone would say all is well.
    Unreachable,
    /// Records wait to be sent.
    Waiting,
    /// Nothing waits.
    Synced,
    /// Something needs a person.
    Problem,
}

impl IndicatorState {
    /// The `data-state` value.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorState::NotEnrolled => "not-enrolled",
            IndicatorState::Offline => "offline",
            IndicatorState::Unreachable => "unreachable",
            IndicatorState::Waiting => "waiting",
            IndicatorState::Synced => "synced",
            IndicatorState::Problem => "problem",
        }
    }

    /// Decides the state; a problem outranks everything, then enrollment, then the network.
    pub fn decide(
        status: Option<&lianxin_sync::SyncStatus>,
        online: bool,
        local_problem: bool,
    ) -> Self {
        let Some(s) = status else {
            return if local_problem {
                IndicatorState::Problem
            } else {
                IndicatorState::NotEnrolled
            };
        };
        if local_problem || s.revoked || s.quarantined > 0 || s.needs_edit > 0 {
            IndicatorState::Problem
        } else if !s.enrolled {
            IndicatorState::NotEnrolled
        } else if !online {
            IndicatorState::Offline
        } else if s
            .last_error
            .as_ref()
            .is_some_and(|e| e.kind == lianxin_sync::engine::OFFLINE_KIND)
        {
            IndicatorState::Unreachable
        } else if s.waiting > 0 {
            IndicatorState::Waiting
        } else {
            IndicatorState::Synced
        }
    }
}

/// The sync state in the header (`data-testid="sync-indicator"`).
#[component]
pub fn SyncIndicator() -> impl IntoView {
    let i18n = use_i18n();
    let services = use_services();
    let sync = use_sync_state();
    let write_error = use_write_error();
    let connectivity = use_connectivity();
    let local_problem =
        move || write_error.is_set() || services.state.with(|s| matches!(s, StoreState::Failed(_)));
    let state = Memo::new(move |_| {
        sync.status.with(|s| {
            IndicatorState::decide(
                s.as_ref(),
                connectivity.get() == Connectivity::Online,
                local_problem(),
            )
        })
    });
    let waiting = move || sync.status.with(|s| s.as_ref().map_or(0, |s| s.waiting));
    let text = move || {
        let st = sync.status.get();
        let progress = sync.progress.get().filter(|p| p.total > 0);
        if let (Some(p), IndicatorState::Waiting | IndicatorState::Unreachable) =
            (progress, state.get())
        {
            // "Sending 12/40" while a run pushes: the header shows it moving, even while the
            // last run's "unreachable" still stands.
            return view! {
                <span data-testid="sync-indicator-progress">
                    {t!(i18n, sync_indicator.sending)} " " {p.done} "/" {p.total}
                </span>
            }
            .into_any();
        }
        match state.get() {
            IndicatorState::NotEnrolled => t!(i18n, sync_indicator.not_enrolled).into_any(),
            IndicatorState::Offline => t!(i18n, sync_indicator.offline).into_any(),
            IndicatorState::Unreachable => t!(i18n, sync_indicator.unreachable).into_any(),
            IndicatorState::Waiting => t!(i18n, sync_indicator.waiting).into_any(),
            IndicatorState::Synced => match st.and_then(|s| s.last_sync_ok) {
                Some(at) => {
                    view! { {t!(i18n, sync_indicator.synced_at)} " " {local_time(at)} }.into_any()
                }
                None => t!(i18n, sync_indicator.synced).into_any(),
            },
            IndicatorState::Problem => {
                let Some(s) = st.filter(|_| !local_problem()) else {
                    return t!(i18n, sync_indicator.storage_problem).into_any();
                };
                if s.revoked {
                    t!(i18n, sync_indicator.revoked).into_any()
                } else if s.quarantined > 0 {
                    view! { {t!(i18n, sync_indicator.quarantined)} " " {s.quarantined} }.into_any()
                } else {
                    view! { {t!(i18n, sync_indicator.needs_edit)} " " {s.needs_edit} }.into_any()
                }
            }
        }
    };
    view! {
        <A href=routes::SYNC attr:class="pill pill--sync" {..} data-testid="sync-indicator" data-state=move || state.get().as_str()>
            <span class="pill__icon" aria-hidden="true"></span>
            <span class="visually-hidden">{t!(i18n, sync_indicator.label)} ": "</span>
            {text}
            <span class="pill__count" data-testid="sync-waiting-count" hidden=move || waiting() == 0>
                {waiting}
            </span>
        </A>
    }
}

#[cfg(test)]
mod tests {
    use super::IndicatorState as S;
    use lianxin_sync::SyncStatus;

    fn blank() -> SyncStatus {
        SyncStatus {
            enrolled: false,
            revoked: false,
            waiting: 0,
            needs_edit: 0,
            quarantined: 0,
            sent: 0,
            last_sync_ok: None,
            last_error: None,
        }
    }

    fn enrolled() -> SyncStatus {
        SyncStatus {
            enrolled: true,
            ..blank()
        }
    }

    #[test]
    fn unknown_or_unenrolled_devices_say_so() {
        assert_eq!(S::decide(None, true, false), S::NotEnrolled);
        assert_eq!(S::decide(Some(&blank()), true, false), S::NotEnrolled);
    }

    #[test]
    fn problems_outrank_the_network_and_the_queue() {
        let mut s = enrolled();
        s.waiting = 3;
        s.quarantined = 1;
        assert_eq!(S::decide(Some(&s), false, false), S::Problem);
        assert_eq!(S::decide(Some(&enrolled()), true, true), S::Problem);
    }

    #[test]
    fn waiting_offline_and_synced() {
        let mut s = enrolled();
        assert_eq!(S::decide(Some(&s), true, false), S::Synced);
        assert_eq!(S::decide(Some(&s), false, false), S::Offline);
        s.waiting = 2;
        assert_eq!(S::decide(Some(&s), true, false), S::Waiting);
    }

    fn failed(kind: &str) -> SyncStatus {
        SyncStatus {
            waiting: 2,
            last_error: Some(lianxin_sync::SyncProblem {
                at: chrono::Utc::now(),
                kind: kind.into(),
                code: kind.into(),
                params: Default::default(),
                message: "…".into(),
            }),
            ..enrolled()
        }
    }

    #[test]
    fn online_but_the_last_run_could_not_reach_the_server_says_unreachable() {
        let s = failed(lianxin_sync::engine::OFFLINE_KIND);
        assert_eq!(S::decide(Some(&s), true, false), S::Unreachable);
        // The browser's own offline state says more, and wins.
        assert_eq!(S::decide(Some(&s), false, false), S::Offline);
    }

    #[test]
    fn a_good_run_clears_unreachable() {
        let mut s = failed(lianxin_sync::engine::OFFLINE_KIND);
        s.last_error = None;
        assert_eq!(S::decide(Some(&s), true, false), S::Waiting);
    }

    #[test]
    fn other_failures_are_not_called_unreachable() {
        let s = failed("rejected");
        assert_eq!(S::decide(Some(&s), true, false), S::Waiting);
    }
}
