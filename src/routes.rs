//! The app's URLs and the small decisions pages make about them.
//!
//! Every path here is a deep link that must work offline: the service worker answers any
//! navigation it cannot fetch with the cached `index.html`, and the router takes it from there.

use uuid::Uuid;

/// Home.
pub const HOME: &str = "/";
/// The list of petition drafts and sent petitions.
pub const PETITIONS: &str = "/petitions";
/// A new petition registration.
pub const PETITION_NEW: &str = "/petitions/new";
/// Legal-awareness quizzes.
pub const QUIZ: &str = "/quiz";
/// The law reader.
pub const LAW: &str = "/law";
/// The sync status page.
pub const SYNC: &str = "/sync";
/// Settings.
pub const SETTINGS: &str = "/settings";
/// Device enrollment.
pub const ENROLL: &str = "/enroll";
/// This device's finalized records (the outbox), newest first.
pub const RECORDS: &str = "/records";
/// The status lookup by query code, for citizens.
pub const QUERY: &str = "/query";

/// The URL of one finalized record (by its outbox id).
pub fn record(id: Uuid) -> String {
    format!("{RECORDS}/{id}")
}

/// Where the form goes after a finalize: the record, with the confirmation and the slip to print.
pub fn record_submitted(id: Uuid) -> String {
    format!("{RECORDS}/{id}?{SUBMITTED}=1")
}

/// The query parameter that marks [`record_submitted`].
pub const SUBMITTED: &str = "submitted";

/// The status-lookup link printed (and QR-coded) on a receipt: `/query?code=…` on `origin`
/// (`https://host:port`). A query code is Crockford base-32 (letters and digits only); anything
/// else is dropped rather than escaped, so the link stays short and scannable.
pub fn query_link(origin: &str, code: &str) -> String {
    let code: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("{}{QUERY}?code={code}", origin.trim_end_matches('/'))
}

/// The URL of one petition record.
pub fn petition(id: Uuid) -> String {
    format!("{PETITIONS}/{id}")
}

/// The record id in a `/petitions/:id` URL, if it is one. Record ids are UUIDs chosen by the
/// device (see `lianxin_core::protocol::PushRecord`); anything else is a mistyped or stale link.
pub fn parse_petition_id(segment: &str) -> Option<Uuid> {
    Uuid::try_parse(segment).ok()
}

/// The document title of a page: the page's own name first, so that tabs, history and screen
/// readers tell pages apart, then the app's name. The home page is the app's name alone.
pub fn page_title(page: &str, app: &str) -> String {
    if page == app {
        app.to_owned()
    } else {
        format!("{page} · {app}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_petition_url_round_trips_to_its_id() {
        let id = Uuid::parse_str("0193a5c2-7b1e-7cc0-8f00-5a1d2e3f4a5b").unwrap();
        let url = petition(id);
        assert_eq!(url, "/petitions/0193a5c2-7b1e-7cc0-8f00-5a1d2e3f4a5b");
        let segment = url.rsplit('/').next().unwrap();
        assert_eq!(parse_petition_id(segment), Some(id));
    }

    #[test]
    fn a_segment_that_is_not_a_uuid_is_no_petition_id() {
        assert_eq!(parse_petition_id("new"), None);
        assert_eq!(parse_petition_id("123"), None);
        assert_eq!(parse_petition_id(""), None);
    }

    #[test]
    fn a_record_url_round_trips_to_its_id() {
        let id = Uuid::parse_str("0193a5c2-7b1e-7cc0-8f00-5a1d2e3f4a5b").unwrap();
        assert_eq!(record(id), "/records/0193a5c2-7b1e-7cc0-8f00-5a1d2e3f4a5b");
        assert_eq!(
            record_submitted(id),
            "/records/0193a5c2-7b1e-7cc0-8f00-5a1d2e3f4a5b?submitted=1"
        );
        let segment = record(id).rsplit('/').next().unwrap().to_owned();
        assert_eq!(parse_petition_id(&segment), Some(id));
    }

    #[test]
    fn the_query_link_carries_only_the_code() {
        assert_eq!(
            query_link("http://127.0.0.1:8080/", "ABCD-EFGH 2345"),
            "http://127.0.0.1:8080/query?code=ABCDEFGH2345"
        );
        assert_eq!(
            query_link("https://xf.example.cn", "x&y=<z>"),
            "https://xf.example.cn/query?code=xyz"
        );
    }

    #[test]
    fn a_page_title_names_the_page_before_the_app() {
        assert_eq!(page_title("同步状态", "连心信访"), "同步状态 · 连心信访");
    }

    #[test]
    fn the_home_page_title_is_the_app_name_alone() {
        assert_eq!(page_title("连心信访", "连心信访"), "连心信访");
    }
}
