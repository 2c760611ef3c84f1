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
/// The law reader's pages of the articles of 《信访工作条例》: [`law_link`].
pub const LAW_XINFANG: &str = "/law/xinfang";
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

/// The law reader's page of article `article` of 《信访工作条例》 (`/law/xinfang/34`): what the
/// quiz, the petition form's guidance and the time limits link to. It opens offline like every
/// route, and the reader says so when the regulation has no such article.
pub fn law_link(article: u8) -> String {
    format!("{LAW_XINFANG}/{article}")
}

/// The article number in a `/law/xinfang/:article` URL: plain digits, 1–99 (the reader checks
/// that the regulation has it); anything else is a mistyped link.
pub fn parse_law_article(segment: &str) -> Option<u8> {
    if segment.is_empty()
        || segment.starts_with('0')
        || !segment.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    segment.parse::<u8>().ok().filter(|n| *n < 100)
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
    fn a_law_link_round_trips_to_its_article() {
        assert_eq!(law_link(34), "/law/xinfang/34");
        let segment = law_link(34).rsplit('/').next().unwrap().to_owned();
        assert_eq!(parse_law_article(&segment), Some(34));
    }

    #[test]
    fn a_segment_that_is_no_article_number_is_refused() {
        for bad in ["", "0", "034", "+3", "3a", "三十四", "100", "256"] {
            assert_eq!(parse_law_article(bad), None, "{bad}");
        }
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
