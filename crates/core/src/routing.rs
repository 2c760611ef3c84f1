//! Routing (谁主管、谁负责, 属地管理; 《信访工作条例》 Art. 22): which department a matter is suggested
//! to, from a subject × township table kept as data. The built-in table
//! (`crates/core/data/routing.json`) is a sensible default for a prefecture-level city; a
//! deployment replaces it through the pull feed ([`crate::protocol::DeviceConfig`]); staff may
//! change the suggestion before finalizing.
//!
//! One rule the table cannot break (Art. 30 para. 3: 「不得将信访人的检举、揭发材料以及有关情况透露或者
//! 转给被检举、揭发的人员或者单位」): an accusation is never suggested to, nor accepted as routed
//! to, the unit it accuses.

use serde::{Deserialize, Serialize};

use crate::petition::Category;
use crate::protocol::{ApiError, DeviceConfig};

/// One department a matter can be routed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentEntry {
    /// Stable code stored on the petition.
    pub code: String,
    /// A display name for departments only this deployment has (built-in ones are named by the
    /// app's locale files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Names under which a petition may name this department as the unit it is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// Subject (and optionally township) → department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutingRule {
    /// The subject code.
    pub subject: String,
    /// Only for matters of this township (属地管理); a rule without one applies everywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township: Option<String>,
    /// The department code.
    pub department: String,
}

/// The built-in table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RoutingTable {
    /// Departments.
    pub departments: Vec<DepartmentEntry>,
    /// Rules.
    pub routing: Vec<RoutingRule>,
}

impl RoutingTable {
    /// The table bundled with the app, parsed once.
    pub fn shared() -> &'static RoutingTable {
        static BUILTIN: std::sync::OnceLock<RoutingTable> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            serde_json::from_str(include_str!("../data/routing.json"))
                .expect("the bundled routing table parses (tested)")
        })
    }

    /// A copy of the bundled table.
    pub fn builtin() -> Self {
        Self::shared().clone()
    }
}

/// The department an accusation goes to when the usual one is the accused.
pub const DISCIPLINE_DEPARTMENT: &str = "discipline";

impl DeviceConfig {
    /// The departments in force: the deployment's, or the built-in ones when it has none.
    pub fn departments(&self) -> &[DepartmentEntry] {
        if self.departments.is_empty() {
            &RoutingTable::shared().departments
        } else {
            &self.departments
        }
    }

    /// The routing rules in force: the deployment's, or the built-in ones when it has none.
    pub fn routing(&self) -> &[RoutingRule] {
        if self.routing.is_empty() {
            &RoutingTable::shared().routing
        } else {
            &self.routing
        }
    }

    /// The department suggested for a matter: the rule for its subject and township, else the
    /// rule for its subject; for an accusation, never the unit it accuses (then the discipline
    /// inspection and supervision organs, unless they are the accused too).
    pub fn suggest_department(
        &self,
        subject: &str,
        township: &str,
        category: Category,
        respondent: &str,
    ) -> Option<String> {
        let rules = self.routing();
        let township = township.trim();
        let rule = rules
            .iter()
            .find(|r| r.subject == subject && r.township.as_deref() == Some(township))
            .or_else(|| {
                rules
                    .iter()
                    .find(|r| r.subject == subject && r.township.is_none())
            })?;
        let accused =
            |code: &str| category == Category::Accusation && self.accuses(code, respondent);
        if !accused(&rule.department) {
            return Some(rule.department.clone());
        }
        let discipline = self
            .departments()
            .iter()
            .find(|d| d.code == DISCIPLINE_DEPARTMENT)?;
        (!accused(&discipline.code)).then(|| discipline.code.clone())
    }

    /// Whether `respondent` (the unit or person a petition is about) names department `code`.
    pub fn accuses(&self, code: &str, respondent: &str) -> bool {
        let respondent = respondent.trim();
        if respondent.is_empty() {
            return false;
        }
        self.departments()
            .iter()
            .filter(|d| d.code == code)
            .flat_map(|d| d.label.iter().chain(d.aliases.iter()))
            .any(|name| !name.is_empty() && respondent.contains(name.as_str()))
    }

    /// Art. 30 para. 3 on a finished petition: an accusation routed to the unit it accuses is a
    /// `department_accused` error on `department`.
    pub fn check_routing(
        &self,
        category: Category,
        department: &str,
        respondent: &str,
    ) -> Option<ApiError> {
        (category == Category::Accusation
            && !department.is_empty()
            && self.accuses(department, respondent))
        .then(|| {
            ApiError::new(
                "department_accused",
                "an accusation is never routed to the unit it accuses (Art. 30 para. 3)",
            )
            .with_field(crate::petition::Field::Department.path())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> DeviceConfig {
        DeviceConfig::builtin()
    }

    #[test]
    fn the_bundled_table_routes_every_default_subject_to_a_known_department() {
        let t = RoutingTable::builtin();
        for subject in crate::petition::DEFAULT_SUBJECTS {
            let rule = t.routing.iter().find(|r| r.subject == *subject);
            let rule = rule.unwrap_or_else(|| panic!("{subject} has no rule"));
            assert!(
                t.departments.iter().any(|d| d.code == rule.department),
                "{}",
                rule.department
            );
        }
    }

    #[test]
    fn a_land_matter_is_suggested_to_natural_resources() {
        let c = config();
        assert_eq!(
            c.suggest_department("land", "城关镇", Category::AppealRequest, "")
                .as_deref(),
            Some("natural_resources")
        );
        assert_eq!(
            c.suggest_department("aliens", "", Category::Suggestion, ""),
            None
        );
    }

    #[test]
    fn a_rule_for_the_township_wins_over_the_general_one() {
        let mut c = config();
        c.routing = c.routing().to_vec();
        c.routing.insert(
            0,
            RoutingRule {
                subject: "land".into(),
                township: Some("城关镇".into()),
                department: "township_government".into(),
            },
        );
        assert_eq!(
            c.suggest_department("land", "城关镇", Category::Suggestion, "")
                .as_deref(),
            Some("township_government")
        );
        assert_eq!(
            c.suggest_department("land", "河口乡", Category::Suggestion, "")
                .as_deref(),
            Some("natural_resources")
        );
    }

    #[test]
    fn an_accusation_is_never_suggested_to_the_unit_it_accuses() {
        // Art. 30 para. 3.
        let c = config();
        assert_eq!(
            c.suggest_department(
                "public_security",
                "",
                Category::Accusation,
                "城关派出所民警"
            )
            .as_deref(),
            Some("discipline")
        );
        assert_eq!(
            c.suggest_department("public_security", "", Category::AppealRequest, "城关派出所")
                .as_deref(),
            Some("public_security"),
            "only accusations"
        );
        assert_eq!(
            c.suggest_department("discipline", "", Category::Accusation, "县纪委某干部"),
            None
        );
    }

    #[test]
    fn an_accusation_routed_to_the_accused_is_refused_on_the_department_field() {
        let c = config();
        let e = c
            .check_routing(Category::Accusation, "public_security", "某某派出所")
            .unwrap();
        assert_eq!(e.code, "department_accused");
        assert_eq!(e.field.as_deref(), Some("department"));
        assert!(c
            .check_routing(Category::Accusation, "discipline", "某某派出所")
            .is_none());
        assert!(c
            .check_routing(Category::Suggestion, "public_security", "某某派出所")
            .is_none());
    }

    #[test]
    fn a_deployment_without_its_own_table_keeps_the_built_in_one() {
        let c = DeviceConfig {
            version: 3,
            subjects: vec![],
            departments: vec![],
            routing: vec![],
            holidays: None,
        };
        assert!(!c.departments().is_empty());
        assert!(!c.routing().is_empty());
    }
}
