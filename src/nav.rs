//! The main navigation: which sections it offers, where they lead, and how tests find them.

use crate::routes;

/// One entry of the main navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavItem {
    /// 首页.
    Home,
    /// 信访登记.
    Petitions,
    /// 登记记录: the petitions finalized on this device, with their receipts.
    Records,
    /// 进度查询: the status lookup by query code.
    Query,
    /// 普法答题.
    Quiz,
    /// 法规.
    Law,
    /// 同步.
    Sync,
    /// 设置.
    Settings,
}

impl NavItem {
    /// The entries in the order the navigation shows them: the daily work first.
    pub const ALL: [NavItem; 8] = [
        NavItem::Home,
        NavItem::Petitions,
        NavItem::Records,
        NavItem::Query,
        NavItem::Quiz,
        NavItem::Law,
        NavItem::Sync,
        NavItem::Settings,
    ];

    /// Where the entry leads.
    pub fn path(self) -> &'static str {
        match self {
            NavItem::Home => routes::HOME,
            NavItem::Petitions => routes::PETITIONS,
            NavItem::Records => routes::RECORDS,
            NavItem::Query => routes::QUERY,
            NavItem::Quiz => routes::QUIZ,
            NavItem::Law => routes::LAW,
            NavItem::Sync => routes::SYNC,
            NavItem::Settings => routes::SETTINGS,
        }
    }

    /// Whether the entry is current only on its exact path. Home is a prefix of every path, so
    /// it must be exact; the others stay current on their sub-pages (`/petitions/new` is still
    /// in 信访登记).
    pub fn exact(self) -> bool {
        self == NavItem::Home
    }

    /// The `data-testid` of the entry's link, stable across languages for end-to-end tests.
    pub fn test_id(self) -> &'static str {
        match self {
            NavItem::Home => "nav-home",
            NavItem::Petitions => "nav-petitions",
            NavItem::Records => "nav-records",
            NavItem::Query => "nav-query",
            NavItem::Quiz => "nav-quiz",
            NavItem::Law => "nav-law",
            NavItem::Sync => "nav-sync",
            NavItem::Settings => "nav-settings",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_entry_leads_somewhere_different() {
        let paths: HashSet<_> = NavItem::ALL.iter().map(|i| i.path()).collect();
        assert_eq!(paths.len(), NavItem::ALL.len());
    }

    #[test]
    fn every_entry_has_its_own_test_id() {
        let ids: HashSet<_> = NavItem::ALL.iter().map(|i| i.test_id()).collect();
        assert_eq!(ids.len(), NavItem::ALL.len());
        assert!(ids.iter().all(|id| id.starts_with("nav-")));
    }

    #[test]
    fn only_home_requires_an_exact_match() {
        let exact: Vec<_> = NavItem::ALL.iter().filter(|i| i.exact()).collect();
        assert_eq!(exact, [&NavItem::Home]);
    }

    #[test]
    fn home_comes_first() {
        assert_eq!(NavItem::ALL[0].path(), "/");
    }
}
