//! Whether the browser believes it has a network connection.
//!
//! `navigator.onLine` is only a hint: `true` means "some network interface is up", not "the
//! server answers" (a captive portal or a dead uplink still reads as online). The sync engine
//! decides reachability from real responses; this signal only drives the header's indicator and
//! lets the engine wake up on the `online` event.

use leptos::ev;
use leptos::prelude::*;

/// The browser's view of the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connectivity {
    /// `navigator.onLine` is true.
    Online,
    /// `navigator.onLine` is false: certainly no network.
    Offline,
}

impl Connectivity {
    /// From the value of `navigator.onLine`.
    pub fn from_on_line(on_line: bool) -> Self {
        if on_line {
            Connectivity::Online
        } else {
            Connectivity::Offline
        }
    }

    /// The value of the indicator's `data-state` attribute, which CSS and the end-to-end tests
    /// read.
    pub fn as_str(self) -> &'static str {
        match self {
            Connectivity::Online => "online",
            Connectivity::Offline => "offline",
        }
    }
}

/// The context through which components read the connectivity.
#[derive(Debug, Clone, Copy)]
pub struct ConnectivitySignal(pub ReadSignal<Connectivity>);

/// Reads `navigator.onLine` now, follows the `online`/`offline` events, and provides the result as
/// [`ConnectivitySignal`] to the components below.
pub fn provide_connectivity() -> ReadSignal<Connectivity> {
    let (connectivity, set_connectivity) =
        signal(Connectivity::from_on_line(window().navigator().on_line()));

    let online = window_event_listener(ev::online, move |_| {
        set_connectivity.set(Connectivity::Online)
    });
    let offline = window_event_listener(ev::offline, move |_| {
        set_connectivity.set(Connectivity::Offline)
    });
    on_cleanup(move || {
        online.remove();
        offline.remove();
    });

    provide_context(ConnectivitySignal(connectivity));
    connectivity
}

/// The connectivity provided by [`provide_connectivity`].
pub fn use_connectivity() -> ReadSignal<Connectivity> {
    expect_context::<ConnectivitySignal>().0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigator_on_line_true_reads_as_online() {
        assert_eq!(Connectivity::from_on_line(true), Connectivity::Online);
    }

    #[test]
    fn navigator_on_line_false_reads_as_offline() {
        assert_eq!(Connectivity::from_on_line(false), Connectivity::Offline);
    }

    #[test]
    fn the_data_state_attribute_names_the_state() {
        assert_eq!(Connectivity::Online.as_str(), "online");
        assert_eq!(Connectivity::Offline.as_str(), "offline");
    }
}
