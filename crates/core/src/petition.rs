//! The petition payload (《信访工作条例》 Art. 17, 19, 20, 29–31), the draft a form edits, the
//! form's fields, and validation.
//!
//! The same `validate` runs in the PWA before a draft may be finalized and on the server before a
//! record is stored, so a device never queues what the server will refuse for a rule it knows.
//!
//! One definition per concept: the wire names of the enums come from their declarations (serde and
//! strum both `snake_case`, checked by a test), every field's JSON path and form key comes from
//! [`Field`], and errors carry a code, the field's path and parameters; the sentences a person
//! reads live in the app's locale files.

use std::str::FromStr;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::protocol::ApiError;

/// How the petition reached us (Art. 17: 信息网络、书信、电话、传真、走访).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    /// 走访 — in person.
    #[default]
    Visit,
    /// 书信 — by letter.
    Letter,
    /// 电话 — by phone.
    Phone,
    /// 传真 — by fax.
    Fax,
    /// 信息网络 — online.
    Online,
    /// 其他 — any other form (Art. 17 lists the five above 「等形式」).
    Other,
}

impl Channel {
    /// Whether the petition is made orally (a visit or a call), so staff write it down and must
    /// record it truthfully (Art. 19: 「对采用口头形式提出的信访事项，有关机关、单位应当如实记录」).
    pub fn is_oral(self) -> bool {
        matches!(self, Channel::Visit | Channel::Phone)
    }
}

/// Who petitions: a citizen, or a legal person / other organization (Art. 17 para. 2).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PetitionerKind {
    /// 公民.
    #[default]
    Person,
    /// 法人或者其他组织.
    Organization,
    /// 外国人 (Art. 48: handled by analogy with this regulation).
    Foreigner,
    /// 无国籍人 (Art. 48).
    StatelessPerson,
    /// 外国组织 (Art. 48).
    ForeignOrganization,
}

impl PetitionerKind {
    /// Whether it is an organization, named by its 名称 rather than a 姓名.
    pub fn is_organization(self) -> bool {
        matches!(
            self,
            PetitionerKind::Organization | PetitionerKind::ForeignOrganization
        )
    }

    /// Whether Art. 48 applies: identified by a passport or other document, not a resident ID.
    pub fn is_foreign(self) -> bool {
        matches!(
            self,
            PetitionerKind::Foreigner
                | PetitionerKind::StatelessPerson
                | PetitionerKind::ForeignOrganization
        )
    }
}

/// The three kinds of matter of Art. 29–31.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Category {
    /// 建议意见类 (Art. 29).
    #[default]
    Suggestion,
    /// 检举控告类 (Art. 30).
    Accusation,
    /// 申诉求决类 (Art. 31).
    AppealRequest,
}

/// How an appeal or request (申诉求决类) is handled: the six ways of Art. 31, in its order. Items
/// 1–5 lead into procedures of their own (with their own time limits, which the regulation does
/// not state); item 6 is the 信访处理意见书 path, the only one with Art. 34's 60-day limit.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AppealRoute {
    /// (一) litigation, administrative reconsideration, procuratorial or public-security procedure.
    LegalProcedure,
    /// (二) arbitration.
    Arbitration,
    /// (三) a Party member's appeal or a request for re-examination (党员申诉、申请复审).
    PartyAppeal,
    /// (四) an administrative procedure (reconsideration, ruling, confirmation, licence, penalty).
    AdministrativeProcedure,
    /// (五) a request to investigate unlawful acts or to protect personal or property rights.
    ProtectionDuty,
    /// (六) none of the above: heard, investigated, answered by a 信访处理意见书. (The default
    /// only where a parse failed and was reported.)
    #[default]
    OpinionLetter,
}

impl AppealRoute {
    /// The item of Art. 31 (1–6).
    pub fn item(self) -> u8 {
        match self {
            AppealRoute::LegalProcedure => 1,
            AppealRoute::Arbitration => 2,
            AppealRoute::PartyAppeal => 3,
            AppealRoute::AdministrativeProcedure => 4,
            AppealRoute::ProtectionDuty => 5,
            AppealRoute::OpinionLetter => 6,
        }
    }

    /// Whether Art. 34's 60-day handling limit applies (item 6 only).
    pub fn has_handling_limit(self) -> bool {
        self == AppealRoute::OpinionLetter
    }
}

/// Guidance the form shows staff for a matter that goes elsewhere by the regulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Guidance {
    /// A visit about litigation rights: explain the law and guide the petitioner to the 政法
    /// organs (Art. 20 para. 2, Art. 22 para. 2, Art. 28 para. 2).
    LitigationVisit,
    /// A litigation-related (涉法涉诉) letter or other written petition: forwarded to the 政法
    /// organs at the same level (Art. 22 para. 2).
    LitigationWritten,
    /// An accusation: one that the 纪检监察 organs accept (against officials) is forwarded to them
    /// by cadre-management authority (Art. 22 para. 2, Art. 30); the accused never sees it (Art.
    /// 30 para. 3).
    Accusation,
}

/// The subject code of litigation-related matters (涉法涉诉) in the default list.
pub const LITIGATION_SUBJECT: &str = "law_litigation";

/// The guidance that applies to a matter of `channel`, `category` and `subject`.
pub fn guidance(channel: Channel, category: Category, subject: &str) -> Vec<Guidance> {
    let mut out = Vec::new();
    if subject == LITIGATION_SUBJECT {
        out.push(if channel == Channel::Visit {
            Guidance::LitigationVisit
        } else {
            Guidance::LitigationWritten
        });
    }
    if category == Category::Accusation {
        out.push(Guidance::Accusation);
    }
    out
}

/// The wire name of any of this crate's wire enums (`visit`, `appeal_request`, ...).
pub fn wire_name<E: Into<&'static str>>(value: E) -> &'static str {
    value.into()
}
/// The petitioner (Art. 19: 姓名（名称）、住址 are required).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Petitioner {
    /// Person or organization.
    pub kind: PetitionerKind,
    /// 姓名 / 名称.
    pub name: String,
    /// Optional 18-digit resident ID number with a valid check digit (GB 11643).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// Optional mainland mobile or fixed-line number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// 住址.
    pub address: String,
    /// For foreigners, stateless persons and foreign organizations (Art. 48): the number of a
    /// passport or other identity document, in place of a resident ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

/// A representative chosen by several visitors with a common matter (Art. 20 para. 3: at most 5),
/// recorded with a name and a way to reach them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Representative {
    /// 姓名.
    pub name: String,
    /// Optional resident ID number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// Phone number (required: the bureau answers through the representatives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A petition as registered by field staff or a kiosk, and as pushed in a `petition` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Petition {
    /// How it reached us.
    pub channel: Channel,
    /// Who petitions.
    pub petitioner: Petitioner,
    /// How many people came (≥ 1; more than one with a common matter choose representatives).
    pub visitors: u32,
    /// Representatives of several visitors (Art. 20 para. 3), at most 5; visits only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub representatives: Vec<Representative>,
    /// Which of the three kinds of matter.
    pub category: Category,
    /// A code from the configured subject list.
    pub subject: String,
    /// The township the matter concerns.
    pub township: String,
    /// 请求 — what is asked for.
    pub request: String,
    /// 事实 — the facts.
    pub facts: String,
    /// 理由 — the reasons.
    #[serde(default)]
    pub reasons: String,
    /// An enterprise's petition, routed with priority (local policy for the business
    /// environment, not a rule of the regulation).
    #[serde(default)]
    pub enterprise: bool,
    /// When the bureau received it (for a letter: the day it arrived), RFC 3339 with offset. The
    /// registration year and every time limit run from here.
    pub received_at: DateTime<FixedOffset>,
    /// Art. 23 para. 2: the name (名称) and address are unclear. Still registered (来件必登);
    /// no written notice is then due.
    #[serde(default, skip_serializing_if = "is_false")]
    pub identity_unclear: bool,
    /// Art. 19: an oral petition was read back to the petitioner, who confirmed it (如实记录).
    #[serde(default, skip_serializing_if = "is_false")]
    pub oral_record_confirmed: bool,
    /// The unit or person the petition is about (被反映对象), if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub respondent: String,
    /// Art. 25: a major or urgent matter (重大、紧急) that is reported at once.
    #[serde(default, skip_serializing_if = "is_false")]
    pub urgent: bool,
    /// For an appeal or request (申诉求决类), which of Art. 31's six ways it goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_route: Option<AppealRoute>,
    /// The department it is routed to (a code of the configuration's departments), as suggested
    /// by [`crate::protocol::DeviceConfig::suggest_department`] or changed by staff.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub department: String,
}

/// Longest 姓名 / 名称, in characters (an organization's full name can be long).
pub const MAX_NAME: usize = 100;
/// Longest 住址.
pub const MAX_ADDRESS: usize = 200;
/// Longest township name.
pub const MAX_TOWNSHIP: usize = 50;
/// Longest subject code.
pub const MAX_SUBJECT: usize = 32;
/// Longest 请求.
pub const MAX_REQUEST: usize = 2_000;
/// Longest 事实 or 理由.
pub const MAX_FACTS: usize = 10_000;
/// Longest phone number as typed (digits and one dash).
pub const MAX_PHONE: usize = 20;
/// Art. 20 para. 3: 「代表人数不得超过5人」.
pub const MAX_REPRESENTATIVES: usize = 5;
/// Art. 20 para. 3: 「多人采用走访形式提出共同的信访事项的，应当推选代表」 — 多人 is more than one;
/// the regulation sets no other threshold.
pub const COLLECTIVE_VISITORS: u32 = 2;
/// Longest 被反映对象.
pub const MAX_RESPONDENT: usize = 100;
/// Longest passport or other document number.
pub const MAX_DOCUMENT: usize = 40;
/// An upper bound that catches typos such as 5000 for 50.
pub const MAX_VISITORS: u32 = 1_000;
/// How far a device clock may run ahead of the server's before `received_at` is refused.
pub const MAX_CLOCK_SKEW_MINUTES: i64 = 10;

/// The default subject list (事项分类): its codes, in the order a form offers them. The app's
/// locale files name each one; a deployment can configure another list
/// ([`crate::protocol::DeviceConfig`]), and validation takes the list as a parameter.
pub const DEFAULT_SUBJECTS: &[&str] = &[
    "land",
    "housing",
    "labor",
    "agriculture",
    "environment",
    "civil_affairs",
    "health",
    "education",
    "transport",
    "market",
    "public_security",
    "law_litigation",
    "discipline",
    "enterprise",
    "other",
];

/// The codes of [`DEFAULT_SUBJECTS`].
pub fn default_subject_codes() -> Vec<String> {
    DEFAULT_SUBJECTS.iter().map(|c| (*c).to_owned()).collect()
}

impl Petition {
    /// Checks every rule of the registration form. `subjects` is the configured list of subject
    /// codes; `now` is the checking side's clock (a parameter so that tests and the server agree).
    ///
    /// Returns every violation at once, each naming its field by JSON path ([`Field::path`]) with
    /// a stable code and the parameters a translated message needs, so a form can mark all of them
    /// in one go, in the user's language.
    pub fn validate(&self, subjects: &[String], now: DateTime<Utc>) -> Result<(), Vec<ApiError>> {
        let mut errs = Vec::new();
        self.check_characters(&mut errs);
        let p = &self.petitioner;
        if self.identity_unclear {
            // Art. 23 para. 2: registered all the same; whatever is known is kept.
            max_len(&mut errs, Field::Name, &p.name, MAX_NAME);
            max_len(&mut errs, Field::Address, &p.address, MAX_ADDRESS);
        } else {
            required(&mut errs, Field::Name, &p.name, MAX_NAME);
            required(&mut errs, Field::Address, &p.address, MAX_ADDRESS);
        }
        if let Some(doc) = &p.document {
            if doc.chars().count() > MAX_DOCUMENT
                || !doc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                errs.push(
                    err(
                        "document_format",
                        "a document number has letters, digits and dashes only",
                        Field::Document,
                    )
                    .with_param("max", MAX_DOCUMENT),
                );
            }
        }
        if let Some(id) = &p.id_number {
            check_id_number(&mut errs, Field::IdNumber, id);
        }
        if let Some(phone) = &p.phone {
            check_phone(&mut errs, Field::Phone, phone);
        }

        if self.visitors == 0 {
            errs.push(
                err("visitors_min", "at least one visitor", Field::Visitors).with_param("min", 1),
            );
        } else if self.visitors > MAX_VISITORS {
            errs.push(
                err(
                    "visitors_max",
                    "too many visitors; check the number",
                    Field::Visitors,
                )
                .with_param("max", MAX_VISITORS),
            );
        }
        if !self.representatives.is_empty() && self.channel != Channel::Visit {
            errs.push(err(
                "representatives_not_visit",
                "representatives are chosen for a visit only (Art. 20)",
                Field::Representatives,
            ));
        } else if !self.representatives.is_empty() && self.visitors < COLLECTIVE_VISITORS {
            errs.push(
                err(
                    "representatives_not_collective",
                    "representatives are chosen only by a collective visit",
                    Field::Representatives,
                )
                .with_param("min", COLLECTIVE_VISITORS),
            );
        }
        if self.representatives.len() > MAX_REPRESENTATIVES {
            errs.push(
                err(
                    "representatives_too_many",
                    "at most 5 representatives (Art. 20)",
                    Field::Representatives,
                )
                .with_param("max", MAX_REPRESENTATIVES),
            );
        }
        for (i, r) in self.representatives.iter().enumerate() {
            required(&mut errs, Field::RepName(i), &r.name, MAX_NAME);
            if let Some(id) = &r.id_number {
                check_id_number(&mut errs, Field::RepIdNumber(i), id);
            }
            match &r.phone {
                Some(phone) => check_phone(&mut errs, Field::RepPhone(i), phone),
                None => errs.push(err(
                    "required",
                    "a representative is recorded with a phone number",
                    Field::RepPhone(i),
                )),
            }
        }
        match (self.category, self.appeal_route) {
            (Category::AppealRequest, None) => errs.push(err(
                "required",
                "choose how the appeal or request is handled (Art. 31)",
                Field::AppealRoute,
            )),
            (Category::AppealRequest, Some(_)) | (_, None) => {}
            (_, Some(_)) => errs.push(err(
                "appeal_route_not_appeal",
                "only an appeal or request has an Art. 31 route",
                Field::AppealRoute,
            )),
        }
        max_len(
            &mut errs,
            Field::Respondent,
            &self.respondent,
            MAX_RESPONDENT,
        );

        if self.subject.trim().is_empty() {
            errs.push(err("required", "choose a subject", Field::Subject));
        } else if self.subject.chars().count() > MAX_SUBJECT || !subjects.contains(&self.subject) {
            errs.push(
                err(
                    "subject_unknown",
                    "the subject is not in the configured list",
                    Field::Subject,
                )
                .with_param("subject", truncate(&self.subject, MAX_SUBJECT)),
            );
        }
        max_len(&mut errs, Field::Township, &self.township, MAX_TOWNSHIP);
        required(&mut errs, Field::Request, &self.request, MAX_REQUEST);
        required(&mut errs, Field::Facts, &self.facts, MAX_FACTS);
        max_len(&mut errs, Field::Reasons, &self.reasons, MAX_FACTS);

        if self.received_at.with_timezone(&Utc) > now + Duration::minutes(MAX_CLOCK_SKEW_MINUTES) {
            errs.push(err(
                "received_at_future",
                "the reception time is later than now; check the device clock",
                Field::ReceivedAt,
            ));
        }

        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

impl Petition {
    /// Refuses control, bidirectional and invisible characters in every text (see
    /// [`crate::text`]): one error per field, naming the first such character.
    fn check_characters(&self, errs: &mut Vec<ApiError>) {
        let p = &self.petitioner;
        let mut texts: Vec<(Field, &str)> = vec![
            (Field::Name, &p.name),
            (Field::Address, &p.address),
            (Field::IdNumber, p.id_number.as_deref().unwrap_or("")),
            (Field::Document, p.document.as_deref().unwrap_or("")),
            (Field::Phone, p.phone.as_deref().unwrap_or("")),
            (Field::Respondent, &self.respondent),
            (Field::Department, &self.department),
            (Field::Subject, &self.subject),
            (Field::Township, &self.township),
            (Field::Request, &self.request),
            (Field::Facts, &self.facts),
            (Field::Reasons, &self.reasons),
        ];
        for (i, r) in self.representatives.iter().enumerate() {
            texts.push((Field::RepName(i), &r.name));
            texts.push((Field::RepIdNumber(i), r.id_number.as_deref().unwrap_or("")));
            texts.push((Field::RepPhone(i), r.phone.as_deref().unwrap_or("")));
        }
        for (field, value) in texts {
            let multiline = matches!(field, Field::Request | Field::Facts | Field::Reasons);
            if let Some(e) = forbidden_character(field, value, multiline) {
                errs.push(e);
            }
        }
    }
}

/// The `forbidden_character` error for the first character of `value` that no field may hold.
pub fn forbidden_character(field: Field, value: &str, multiline: bool) -> Option<ApiError> {
    let (position, c) = crate::text::first_forbidden(value, multiline)?;
    Some(
        err(
            "forbidden_character",
            "the text holds an invisible or control character",
            field,
        )
        .with_param("char", crate::text::code_point(c))
        .with_param("position", position),
    )
}

impl Petition {
    /// [`Petition::validate`] against a device configuration: its subjects, and its departments
    /// (a known department, and never the unit an accusation accuses, Art. 30 para. 3).
    pub fn validate_with(
        &self,
        config: &crate::protocol::DeviceConfig,
        now: DateTime<Utc>,
    ) -> Result<(), Vec<ApiError>> {
        let mut errs = self
            .validate(&config.subject_codes(), now)
            .err()
            .unwrap_or_default();
        errs.extend(self.check_department(config));
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }

    fn check_department(&self, config: &crate::protocol::DeviceConfig) -> Option<ApiError> {
        if self.department.is_empty() {
            return None;
        }
        if !config
            .departments()
            .iter()
            .any(|d| d.code == self.department)
        {
            return Some(
                err(
                    "department_unknown",
                    "the department is not in the configured list",
                    Field::Department,
                )
                .with_param("department", truncate(&self.department, MAX_SUBJECT)),
            );
        }
        config.check_routing(self.category, &self.department, &self.respondent)
    }
}

/// One input of the registration form, and the JSON path its validation errors name. Everything
/// that identifies a field (path, form key, test id) derives from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// How it reached us (select).
    Channel,
    /// Person or organization (select).
    PetitionerKind,
    /// 姓名（名称）.
    Name,
    /// Resident ID number.
    IdNumber,
    /// Passport or other document (Art. 48).
    Document,
    /// Phone.
    Phone,
    /// 住址.
    Address,
    /// Name and address unclear (Art. 23 para. 2).
    IdentityUnclear,
    /// Number of visitors.
    Visitors,
    /// The list of representatives as a whole.
    Representatives,
    /// Representative `i`'s name.
    RepName(usize),
    /// Representative `i`'s ID number.
    RepIdNumber(usize),
    /// Representative `i`'s phone.
    RepPhone(usize),
    /// Oral record read back and confirmed (Art. 19).
    OralRecordConfirmed,
    /// Kind of matter (select).
    Category,
    /// Art. 31 route of an appeal or request (select).
    AppealRoute,
    /// Subject code (select).
    Subject,
    /// Township.
    Township,
    /// 被反映对象.
    Respondent,
    /// The department it is routed to (select).
    Department,
    /// 请求.
    Request,
    /// 事实.
    Facts,
    /// 理由.
    Reasons,
    /// Major or urgent (Art. 25).
    Urgent,
    /// Enterprise flag.
    Enterprise,
    /// Reception time.
    ReceivedAt,
}

/// Every field that is not a representative's: (field, JSON path, form key), in form order.
const FIELDS: [(Field, &str, &str); 23] = [
    (Field::Channel, "channel", "channel"),
    (Field::PetitionerKind, "petitioner.kind", "petitioner-kind"),
    (Field::Name, "petitioner.name", "name"),
    (Field::IdNumber, "petitioner.id_number", "id-number"),
    (Field::Document, "petitioner.document", "document"),
    (Field::Phone, "petitioner.phone", "phone"),
    (Field::Address, "petitioner.address", "address"),
    (
        Field::IdentityUnclear,
        "identity_unclear",
        "identity-unclear",
    ),
    (Field::Visitors, "visitors", "visitors"),
    (Field::Representatives, "representatives", "representatives"),
    (
        Field::OralRecordConfirmed,
        "oral_record_confirmed",
        "oral-record-confirmed",
    ),
    (Field::Category, "category", "category"),
    (Field::AppealRoute, "appeal_route", "appeal-route"),
    (Field::Subject, "subject", "subject"),
    (Field::Township, "township", "township"),
    (Field::Respondent, "respondent", "respondent"),
    (Field::Department, "department", "department"),
    (Field::Request, "request", "request"),
    (Field::Facts, "facts", "facts"),
    (Field::Reasons, "reasons", "reasons"),
    (Field::Urgent, "urgent", "urgent"),
    (Field::Enterprise, "enterprise", "enterprise"),
    (Field::ReceivedAt, "received_at", "received-at"),
];

/// Makes representative `i`'s field.
type RepField = fn(usize) -> Field;

/// A representative's fields: (constructor, JSON path suffix, form key suffix).
const REP_FIELDS: [(RepField, &str, &str); 3] = [
    (Field::RepName, "name", "name"),
    (Field::RepIdNumber, "id_number", "id-number"),
    (Field::RepPhone, "phone", "phone"),
];

impl Field {
    /// Every field that is not one representative's, in form order.
    pub fn all() -> impl Iterator<Item = Field> {
        FIELDS.iter().map(|(f, _, _)| *f)
    }

    /// Representative `i`'s fields.
    pub fn representative(i: usize) -> [Field; 3] {
        REP_FIELDS.map(|(make, _, _)| make(i))
    }

    fn rep(self) -> Option<(usize, usize)> {
        match self {
            Field::RepName(i) => Some((i, 0)),
            Field::RepIdNumber(i) => Some((i, 1)),
            Field::RepPhone(i) => Some((i, 2)),
            _ => None,
        }
    }

    fn entry(self) -> &'static (Field, &'static str, &'static str) {
        FIELDS
            .iter()
            .find(|(f, _, _)| *f == self)
            .expect("every non-representative field is in FIELDS")
    }

    /// The JSON path validation errors name: `petitioner.name`, `representatives[0].phone`.
    pub fn path(self) -> String {
        match self.rep() {
            Some((i, k)) => format!("representatives[{i}].{}", REP_FIELDS[k].1),
            None => self.entry().1.to_owned(),
        }
    }

    /// A stable key for the form: `name`, `id-number`, `rep-0-phone` (ids and test ids derive
    /// from it).
    pub fn key(self) -> String {
        match self.rep() {
            Some((i, k)) => format!("rep-{i}-{}", REP_FIELDS[k].2),
            None => self.entry().2.to_owned(),
        }
    }

    /// The field a JSON path names, if any.
    pub fn from_path(path: &str) -> Option<Field> {
        if let Some((f, _, _)) = FIELDS.iter().find(|(_, p, _)| *p == path) {
            return Some(*f);
        }
        let rest = path.strip_prefix("representatives[")?;
        let (i, suffix) = rest.split_once("].")?;
        let i: usize = i.parse().ok()?;
        REP_FIELDS
            .iter()
            .find(|(_, p, _)| *p == suffix)
            .map(|(make, _, _)| make(i))
    }
}

/// A petition as the form holds it while it is typed: every field as entered, nothing required,
/// nothing parsed. It is what autosave stores, and it reads any earlier draft (or a refused
/// record's payload) without failing: a missing field is empty, a number is read as its digits.
/// [`PetitionDraft::validate`] turns it into a [`Petition`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PetitionDraft {
    /// Wire name of a [`Channel`].
    #[serde(deserialize_with = "text")]
    pub channel: String,
    /// The petitioner.
    pub petitioner: DraftPetitioner,
    /// The number of visitors as typed.
    #[serde(deserialize_with = "text")]
    pub visitors: String,
    /// Representatives of a collective visit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub representatives: Vec<DraftRepresentative>,
    /// Wire name of a [`Category`].
    #[serde(deserialize_with = "text")]
    pub category: String,
    /// A subject code.
    #[serde(deserialize_with = "text")]
    pub subject: String,
    /// Township.
    #[serde(deserialize_with = "text")]
    pub township: String,
    /// 请求.
    #[serde(deserialize_with = "text")]
    pub request: String,
    /// 事实.
    #[serde(deserialize_with = "text")]
    pub facts: String,
    /// 理由.
    #[serde(deserialize_with = "text")]
    pub reasons: String,
    /// An enterprise's petition.
    #[serde(deserialize_with = "flag")]
    pub enterprise: bool,
    /// RFC 3339 with offset.
    #[serde(deserialize_with = "text")]
    pub received_at: String,
    /// Name and address unclear (Art. 23 para. 2).
    #[serde(deserialize_with = "flag", skip_serializing_if = "is_false")]
    pub identity_unclear: bool,
    /// The oral record was read back and confirmed (Art. 19).
    #[serde(deserialize_with = "flag", skip_serializing_if = "is_false")]
    pub oral_record_confirmed: bool,
    /// 被反映对象.
    #[serde(deserialize_with = "text", skip_serializing_if = "String::is_empty")]
    pub respondent: String,
    /// Major or urgent (Art. 25).
    #[serde(deserialize_with = "flag", skip_serializing_if = "is_false")]
    pub urgent: bool,
    /// Wire name of an [`AppealRoute`], or empty.
    #[serde(deserialize_with = "text", skip_serializing_if = "String::is_empty")]
    pub appeal_route: String,
    /// A department code, or empty.
    #[serde(deserialize_with = "text", skip_serializing_if = "String::is_empty")]
    pub department: String,
}

/// The petitioner's inputs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftPetitioner {
    /// Wire name of a [`PetitionerKind`].
    #[serde(deserialize_with = "text")]
    pub kind: String,
    /// 姓名 / 名称.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Optional ID number.
    #[serde(deserialize_with = "text", skip_serializing_if = "String::is_empty")]
    pub id_number: String,
    /// Optional phone.
    #[serde(deserialize_with = "text", skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// 住址.
    #[serde(deserialize_with = "text")]
    pub address: String,
    /// Optional passport or other document number (Art. 48).
    #[serde(deserialize_with = "text", skip_serializing_if = "String::is_empty")]
    pub document: String,
}

/// One representative's inputs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftRepresentative {
    /// 姓名.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Optional ID number.
    #[serde(deserialize_with = "text", skip_serializing_if = "String::is_empty")]
    pub id_number: String,
    /// Optional phone.
    #[serde(deserialize_with = "text", skip_serializing_if = "String::is_empty")]
    pub phone: String,
}

/// Reads text leniently: a string as is, a number or boolean as written, anything else as empty.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        _ => String::new(),
    })
}

/// Reads a flag leniently: `true` or `"true"` is set, anything else is not.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::String(s) => s == "true",
        _ => false,
    })
}

/// Which string of a draft each text field is, as one table for reading (`text_slot!(d, f)`)
/// and writing (`text_slot!(d, f, mut)`); `None` for a checkbox, the representatives as a group,
/// or a representative that does not exist.
macro_rules! text_slot {
    ($draft:expr, $field:expr $(, $m:tt)?) => {{
        let d = $draft;
        match $field {
            Field::Channel => Some(&$($m)? d.channel),
            Field::PetitionerKind => Some(&$($m)? d.petitioner.kind),
            Field::Name => Some(&$($m)? d.petitioner.name),
            Field::IdNumber => Some(&$($m)? d.petitioner.id_number),
            Field::Document => Some(&$($m)? d.petitioner.document),
            Field::Phone => Some(&$($m)? d.petitioner.phone),
            Field::Address => Some(&$($m)? d.petitioner.address),
            Field::Visitors => Some(&$($m)? d.visitors),
            Field::Category => Some(&$($m)? d.category),
            Field::Subject => Some(&$($m)? d.subject),
            Field::Township => Some(&$($m)? d.township),
            Field::Respondent => Some(&$($m)? d.respondent),
            Field::Department => Some(&$($m)? d.department),
            Field::AppealRoute => Some(&$($m)? d.appeal_route),
            Field::Request => Some(&$($m)? d.request),
            Field::Facts => Some(&$($m)? d.facts),
            Field::Reasons => Some(&$($m)? d.reasons),
            Field::ReceivedAt => Some(&$($m)? d.received_at),
            Field::RepName(i) if i < d.representatives.len() => {
                Some(&$($m)? d.representatives[i].name)
            }
            Field::RepIdNumber(i) if i < d.representatives.len() => {
                Some(&$($m)? d.representatives[i].id_number)
            }
            Field::RepPhone(i) if i < d.representatives.len() => {
                Some(&$($m)? d.representatives[i].phone)
            }
            Field::RepName(_)
            | Field::RepIdNumber(_)
            | Field::RepPhone(_)
            | Field::Enterprise
            | Field::IdentityUnclear
            | Field::OralRecordConfirmed
            | Field::Urgent
            | Field::Representatives => None,
        }
    }};
}

impl PetitionDraft {
    /// A new registration: received at `received_at`, in person, one visitor, a suggestion, in
    /// `township`.
    pub fn new(received_at: DateTime<FixedOffset>, township: &str) -> Self {
        PetitionDraft {
            channel: wire_name(Channel::default()).to_owned(),
            petitioner: DraftPetitioner {
                kind: wire_name(PetitionerKind::default()).to_owned(),
                ..DraftPetitioner::default()
            },
            visitors: "1".to_owned(),
            category: wire_name(Category::default()).to_owned(),
            township: township.to_owned(),
            received_at: received_at.to_rfc3339(),
            ..PetitionDraft::default()
        }
    }

    /// Reads a stored draft (or a refused record's payload); never fails (see the type's doc).
    pub fn from_json(value: &serde_json::Value) -> Self {
        PetitionDraft::deserialize(value).unwrap_or_default()
    }

    /// The JSON autosave stores.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The flag behind a checkbox field.
    fn flag_slot(&mut self, field: Field) -> Option<&mut bool> {
        Some(match field {
            Field::Enterprise => &mut self.enterprise,
            Field::IdentityUnclear => &mut self.identity_unclear,
            Field::OralRecordConfirmed => &mut self.oral_record_confirmed,
            Field::Urgent => &mut self.urgent,
            _ => return None,
        })
    }

    /// Whether `field` is a checkbox.
    pub fn is_flag(field: Field) -> bool {
        PetitionDraft::default().flag_slot(field).is_some()
    }

    /// What the input of `field` shows (`"true"`/`"false"` for a checkbox). Called for every
    /// input on every edit, so it reads in place.
    pub fn get(&self, field: Field) -> String {
        let flag = match field {
            Field::Enterprise => Some(self.enterprise),
            Field::IdentityUnclear => Some(self.identity_unclear),
            Field::OralRecordConfirmed => Some(self.oral_record_confirmed),
            Field::Urgent => Some(self.urgent),
            _ => None,
        };
        match flag {
            Some(on) => on.to_string(),
            None => text_slot!(self, field).cloned().unwrap_or_default(),
        }
    }

    /// Sets what the input of `field` holds. Returns whether anything changed.
    pub fn set(&mut self, field: Field, value: String) -> bool {
        if let Some(flag) = self.flag_slot(field) {
            let on = value == "true";
            let changed = *flag != on;
            *flag = on;
            return changed;
        }
        match text_slot!(self, field, mut) {
            Some(slot) if *slot != value => {
                *slot = value;
                true
            }
            _ => false,
        }
    }

    /// The number of visitors, if it is a number.
    pub fn visitor_count(&self) -> Option<u32> {
        self.visitors.trim().parse().ok()
    }

    /// Whether several people came on a visit, so representatives are asked for (Art. 20
    /// para. 3).
    pub fn is_collective(&self) -> bool {
        self.channel == wire_name(Channel::Visit)
            && self
                .visitor_count()
                .is_some_and(|n| n >= COLLECTIVE_VISITORS)
    }

    /// Whether the form asks for `field`, given what the draft holds so far: a resident ID for
    /// citizens and organizations, a passport or other document under Art. 48, the read-back
    /// mark for oral petitions (Art. 19), the Art. 31 route for appeals and requests, the
    /// reception time for letters (the day they arrived; otherwise it is the moment of
    /// registration), representatives for several visitors. The representatives as a group are
    /// not an input.
    pub fn asks_for(&self, field: Field) -> bool {
        match field {
            Field::IdNumber => !self.petitioner_kind().is_foreign(),
            Field::Document => self.petitioner_kind().is_foreign(),
            Field::OralRecordConfirmed => self.channel().is_oral(),
            Field::AppealRoute => self.category() == Category::AppealRequest,
            Field::ReceivedAt => self.channel() == Channel::Letter,
            Field::Representatives => false,
            Field::RepName(i) | Field::RepIdNumber(i) | Field::RepPhone(i) => {
                self.is_collective() && i < self.representatives.len()
            }
            _ => true,
        }
    }

    /// [`PetitionDraft::validate`] against a device configuration (subjects and departments,
    /// see [`Petition::validate_with`]).
    pub fn validate_with(
        &self,
        config: &crate::protocol::DeviceConfig,
        now: DateTime<Utc>,
    ) -> Result<Petition, Vec<ApiError>> {
        self.checked(now, |p| p.validate_with(config, now))
    }

    /// The petitioner's kind, a person until the draft says otherwise.
    pub fn petitioner_kind(&self) -> PetitionerKind {
        self.petitioner.kind.parse().unwrap_or_default()
    }

    /// The channel, a visit until the draft says otherwise.
    pub fn channel(&self) -> Channel {
        self.channel.parse().unwrap_or_default()
    }

    /// The kind of matter, a suggestion until the draft says otherwise.
    pub fn category(&self) -> Category {
        self.category.parse().unwrap_or_default()
    }

    /// Whether another representative may be added (at most [`MAX_REPRESENTATIVES`]).
    pub fn can_add_representative(&self) -> bool {
        self.representatives.len() < MAX_REPRESENTATIVES
    }

    /// Adds an empty representative, if one more is allowed.
    pub fn add_representative(&mut self) -> bool {
        let ok = self.can_add_representative();
        if ok {
            self.representatives.push(DraftRepresentative::default());
        }
        ok
    }

    /// Removes representative `i`, if there is one.
    pub fn remove_representative(&mut self, i: usize) -> bool {
        let ok = i < self.representatives.len();
        if ok {
            self.representatives.remove(i);
        }
        ok
    }

    /// The petition the draft describes, checked by the same rules as the server's: every
    /// problem at once, each naming its field. Optional fields left blank are absent.
    pub fn validate(
        &self,
        subjects: &[String],
        now: DateTime<Utc>,
    ) -> Result<Petition, Vec<ApiError>> {
        self.checked(now, |p| p.validate(subjects, now))
    }

    /// The draft as a petition, checked by `rules`; the problems of reading the draft (an
    /// unknown option, visitors or a time that are not one) come first.
    fn checked(
        &self,
        now: DateTime<Utc>,
        rules: impl FnOnce(&Petition) -> Result<(), Vec<ApiError>>,
    ) -> Result<Petition, Vec<ApiError>> {
        let (petition, mut errs) = self.to_petition(now);
        if let Err(more) = rules(&petition) {
            errs.extend(more);
        }
        if errs.is_empty() {
            Ok(petition)
        } else {
            Err(errs)
        }
    }

    /// The petition the draft describes as far as it can be read, with what could not be read
    /// (then the default stands in, so that every other rule can still be checked).
    fn to_petition(&self, now: DateTime<Utc>) -> (Petition, Vec<ApiError>) {
        let mut errs = Vec::new();
        let channel = choice(&mut errs, Field::Channel, &self.channel);
        let kind = choice(&mut errs, Field::PetitionerKind, &self.petitioner.kind);
        let category = choice(&mut errs, Field::Category, &self.category);
        let visitors = self.visitor_count().unwrap_or_else(|| {
            errs.push(err(
                "visitors_format",
                "the number of visitors must be a number",
                Field::Visitors,
            ));
            1
        });
        let received_at =
            DateTime::parse_from_rfc3339(self.received_at.trim()).unwrap_or_else(|_| {
                errs.push(err(
                    "received_at_format",
                    "the reception time is not a valid time",
                    Field::ReceivedAt,
                ));
                now.fixed_offset()
            });
        // A route chosen before the category changed away from 申诉求决类 is not what the user
        // means any more: it is dropped, not reported.
        let appeal_route =
            if category == Category::AppealRequest && !self.appeal_route.trim().is_empty() {
                Some(choice(&mut errs, Field::AppealRoute, &self.appeal_route))
            } else {
                None
            };
        let p = &self.petitioner;
        let petition = Petition {
            channel,
            petitioner: Petitioner {
                kind,
                name: p.name.clone(),
                id_number: optional(&p.id_number),
                phone: optional(&p.phone),
                address: p.address.clone(),
                document: optional(&p.document),
            },
            visitors,
            representatives: self
                .representatives
                .iter()
                .map(|r| Representative {
                    name: r.name.clone(),
                    id_number: optional(&r.id_number),
                    phone: optional(&r.phone),
                })
                .collect(),
            category,
            subject: self.subject.clone(),
            township: self.township.clone(),
            request: self.request.clone(),
            facts: self.facts.clone(),
            reasons: self.reasons.clone(),
            enterprise: self.enterprise,
            received_at,
            identity_unclear: self.identity_unclear,
            oral_record_confirmed: self.oral_record_confirmed,
            respondent: self.respondent.clone(),
            urgent: self.urgent,
            appeal_route,
            department: self.department.trim().to_owned(),
        };
        (petition, errs)
    }
}

/// An optional number (ID number, phone): blank means absent; surrounding spaces are not part of
/// it, full-width digits are read as ASCII and a lower-case `x` check character as `X`, which is
/// what the person typing meant.
fn optional(s: &str) -> Option<String> {
    let s = crate::text::ascii_digits(s.trim()).to_ascii_uppercase();
    (!s.is_empty()).then_some(s)
}

/// Parses a select's wire name; an unknown one is an `invalid_choice` error and the default.
fn choice<E: FromStr + Default>(errs: &mut Vec<ApiError>, field: Field, value: &str) -> E {
    E::from_str(value.trim()).unwrap_or_else(|_| {
        errs.push(
            err("invalid_choice", "not one of the options", field).with_param("value", value),
        );
        E::default()
    })
}

fn err(code: &str, message: &str, field: Field) -> ApiError {
    ApiError::new(code, message).with_field(field.path())
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn required(errs: &mut Vec<ApiError>, field: Field, value: &str, max: usize) {
    if value.trim().is_empty() {
        errs.push(err("required", "this field is required", field));
    } else {
        max_len(errs, field, value, max);
    }
}

fn max_len(errs: &mut Vec<ApiError>, field: Field, value: &str, max: usize) {
    let n = value.chars().count();
    if n > max {
        errs.push(
            err("too_long", "too long", field)
                .with_param("max", max)
                .with_param("actual", n),
        );
    }
}

fn check_id_number(errs: &mut Vec<ApiError>, field: Field, id: &str) {
    let (code, message) = match id_number_problem(id) {
        None => return,
        Some(IdProblem::Format) => (
            "id_number_format",
            "a resident ID number has 18 characters: 17 digits and a digit or X",
        ),
        Some(IdProblem::BirthDate) => (
            "id_number_birthdate",
            "the birth date in the resident ID number is not a real date",
        ),
        Some(IdProblem::Checksum) => (
            "id_number_checksum",
            "the check digit of the resident ID number does not match; check every digit",
        ),
    };
    errs.push(err(code, message, field));
}

fn check_phone(errs: &mut Vec<ApiError>, field: Field, phone: &str) {
    if phone.chars().count() > MAX_PHONE || !is_valid_phone(phone) {
        errs.push(err(
            "phone_format",
            "a phone number is an 11-digit mobile number or a fixed line with its area code",
            field,
        ));
    }
}

/// What is wrong with a resident ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdProblem {
    /// Not 17 digits followed by a digit or `X`.
    Format,
    /// Digits 7–14 are not a real date.
    BirthDate,
    /// The GB 11643-1999 check character does not match.
    Checksum,
}

/// Checks an 18-character resident ID number (GB 11643-1999): 17 digits, a valid birth date in
/// digits 7–14, and the ISO 7064 MOD 11-2 check character (`X` for 10, lower case accepted).
pub fn id_number_problem(id: &str) -> Option<IdProblem> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = id.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
    {
        return Some(IdProblem::Format);
    }
    let num = |r: std::ops::Range<usize>| id[r].parse::<u32>().unwrap_or(0);
    let year = num(6..10) as i32;
    if !(1900..=2100).contains(&year)
        || NaiveDate::from_ymd_opt(year, num(10..12), num(12..14)).is_none()
    {
        return Some(IdProblem::BirthDate);
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    if CHECK[(sum % 11) as usize] != b[17].to_ascii_uppercase() {
        return Some(IdProblem::Checksum);
    }
    None
}

/// A mainland mobile number (`1[3-9]` + 9 digits) or a fixed-line number with its area code
/// (`0` + 2–3 digits, an optional `-`, then 7–8 digits not starting with 0).
pub fn is_valid_phone(phone: &str) -> bool {
    let b = phone.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && digits(b) {
        return true;
    }
    if b.first() != Some(&b'0') {
        return false;
    }
    let (area, local): (&[u8], &[u8]) = match phone.split_once('-') {
        Some((a, l)) => (a.as_bytes(), l.as_bytes()),
        // Without a dash: 0 + a 2–3 digit area code + a 7–8 digit local number.
        None => return (10..=12).contains(&b.len()) && digits(b),
    };
    (3..=4).contains(&area.len())
        && digits(area)
        && (7..=8).contains(&local.len())
        && digits(local)
        && local[0] != b'0'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::{now, petition as valid};
    use proptest::prelude::*;

    fn codes(p: &Petition) -> Vec<(String, String)> {
        match p.validate(&default_subject_codes(), now()) {
            Ok(()) => vec![],
            Err(errs) => errs
                .into_iter()
                .map(|e| (e.code, e.field.unwrap_or_default()))
                .collect(),
        }
    }

    fn has(p: &Petition, code: &str, field: &str) -> bool {
        codes(p).contains(&(code.to_owned(), field.to_owned()))
    }

    #[test]
    fn a_complete_petition_is_valid() {
        assert_eq!(codes(&valid()), vec![]);
    }

    #[test]
    fn name_address_request_and_facts_are_required_even_when_only_blank() {
        let mut p = valid();
        p.petitioner.name = "  ".into();
        p.petitioner.address = String::new();
        p.request = "\n".into();
        p.facts = String::new();
        let c = codes(&p);
        for field in ["petitioner.name", "petitioner.address", "request", "facts"] {
            assert!(
                c.contains(&("required".into(), field.into())),
                "{field}: {c:?}"
            );
        }
        // The sentence (「请填写姓名」 in zh-Hans) is the app's, from the code and the field.
        let first = &p.validate(&default_subject_codes(), now()).unwrap_err()[0];
        assert_eq!(
            (first.code.as_str(), first.field.as_deref()),
            ("required", Some("petitioner.name"))
        );
    }

    #[test]
    fn every_text_has_a_length_limit_counted_in_characters() {
        let mut p = valid();
        p.petitioner.name = "张".repeat(MAX_NAME);
        assert!(codes(&p).is_empty(), "exactly the limit is fine");
        p.petitioner.name = "张".repeat(MAX_NAME + 1);
        p.petitioner.address = "路".repeat(MAX_ADDRESS + 1);
        p.township = "镇".repeat(MAX_TOWNSHIP + 1);
        p.request = "请".repeat(MAX_REQUEST + 1);
        p.facts = "事".repeat(MAX_FACTS + 1);
        p.reasons = "理".repeat(MAX_FACTS + 1);
        for field in [
            "petitioner.name",
            "petitioner.address",
            "township",
            "request",
            "facts",
            "reasons",
        ] {
            assert!(has(&p, "too_long", field), "{field}");
        }
    }

    #[test]
    fn resident_id_numbers_with_a_correct_check_digit_are_accepted() {
        for id in [
            "11010519491231002X",
            "11010519491231002x",
            "440524198001010013",
            "320106200012311231",
        ] {
            assert_eq!(id_number_problem(id), None, "{id}");
        }
    }

    #[test]
    fn resident_id_numbers_with_a_wrong_check_digit_are_refused() {
        assert_eq!(
            id_number_problem("110105194912310021"),
            Some(IdProblem::Checksum)
        );
        assert_eq!(
            id_number_problem("440524198001010015"),
            Some(IdProblem::Checksum)
        );
        let mut p = valid();
        p.petitioner.id_number = Some("110105194912310021".into());
        assert!(has(&p, "id_number_checksum", "petitioner.id_number"));
    }

    #[test]
    fn resident_id_numbers_of_the_wrong_shape_or_birth_date_are_refused() {
        assert_eq!(
            id_number_problem("11010519491231002"),
            Some(IdProblem::Format)
        );
        assert_eq!(
            id_number_problem("1101051949123100XX"),
            Some(IdProblem::Format)
        );
        assert_eq!(
            id_number_problem("11010519491231002Y"),
            Some(IdProblem::Format)
        );
        assert_eq!(
            id_number_problem("１１0105194912310021"),
            Some(IdProblem::Format)
        );
        assert_eq!(
            id_number_problem("110105194902300021"),
            Some(IdProblem::BirthDate)
        );
        assert_eq!(
            id_number_problem("110105180001010021"),
            Some(IdProblem::BirthDate)
        );
    }

    #[test]
    fn mobile_and_fixed_line_numbers_are_accepted() {
        for ok in [
            "13812345678",
            "19912345678",
            "0571-87654321",
            "010-12345678",
            "0755-1234567",
            "02112345678",
        ] {
            assert!(is_valid_phone(ok), "{ok}");
        }
    }

    #[test]
    fn malformed_phone_numbers_are_refused_with_the_field_named() {
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "571-87654321",
            "0571-0765432",
            "0571-123",
            "tel",
        ] {
            assert!(!is_valid_phone(bad), "{bad}");
        }
        let mut p = valid();
        p.petitioner.phone = Some("12345".into());
        assert!(has(&p, "phone_format", "petitioner.phone"));
    }

    #[test]
    fn at_least_one_visitor_is_required() {
        let mut p = valid();
        p.visitors = 0;
        assert!(has(&p, "visitors_min", "visitors"));
    }

    fn representative(name: &str) -> Representative {
        Representative {
            name: name.into(),
            id_number: None,
            phone: Some("13912345678".into()),
        }
    }

    #[test]
    fn several_visitors_may_name_up_to_five_representatives() {
        let mut p = valid();
        p.visitors = 12;
        p.representatives = (0..5)
            .map(|i| representative(&format!("代表{i}")))
            .collect();
        assert!(codes(&p).is_empty());
        p.representatives.push(representative("代表6"));
        assert!(has(&p, "representatives_too_many", "representatives"));
    }

    #[test]
    fn two_visitors_are_already_several_people_because_article_20_sets_no_threshold() {
        // Art. 20 para. 3: 「多人采用走访形式提出共同的信访事项的，应当推选代表」.
        let mut p = valid();
        p.visitors = 2;
        p.representatives = vec![representative("李四")];
        assert!(codes(&p).is_empty(), "{:?}", codes(&p));
        p.visitors = 1;
        assert!(has(&p, "representatives_not_collective", "representatives"));
    }

    #[test]
    fn representatives_belong_to_visits_only() {
        let mut p = valid();
        p.channel = Channel::Letter;
        p.visitors = 3;
        p.representatives = vec![representative("李四")];
        assert!(has(&p, "representatives_not_visit", "representatives"));
    }

    #[test]
    fn a_representative_is_recorded_with_a_name_and_a_phone() {
        let mut p = valid();
        p.visitors = 3;
        p.representatives = vec![Representative {
            name: String::new(),
            id_number: None,
            phone: None,
        }];
        assert!(has(&p, "required", "representatives[0].name"));
        assert!(has(&p, "required", "representatives[0].phone"));
    }

    #[test]
    fn a_draft_offers_representatives_from_two_visitors_on_and_only_for_a_visit() {
        let mut d = draft();
        d.set(Field::Visitors, "2".into());
        assert!(d.is_collective());
        d.set(Field::Channel, "letter".into());
        assert!(!d.is_collective());
    }

    #[test]
    fn a_petition_with_unclear_name_and_address_is_still_registered() {
        // Art. 23 para. 2: 「但信访人的姓名（名称）、住址不清的除外」 — registered, no notice due.
        let mut p = valid();
        p.petitioner.name = String::new();
        p.petitioner.address = String::new();
        assert!(has(&p, "required", "petitioner.name"));
        p.identity_unclear = true;
        assert!(codes(&p).is_empty(), "{:?}", codes(&p));
        p.petitioner.name = "张".repeat(MAX_NAME + 1);
        assert!(has(&p, "too_long", "petitioner.name"));
    }

    #[test]
    fn an_appeal_or_request_names_its_article_31_route_and_only_it_does() {
        let mut p = valid();
        p.appeal_route = None;
        assert!(has(&p, "required", "appeal_route"));
        p.category = Category::Suggestion;
        assert!(codes(&p).is_empty());
        p.appeal_route = Some(AppealRoute::Arbitration);
        assert!(has(&p, "appeal_route_not_appeal", "appeal_route"));
        crate::assert_wire_names::<AppealRoute>();
        assert!(AppealRoute::OpinionLetter.has_handling_limit());
        assert!(!AppealRoute::ProtectionDuty.has_handling_limit());
        assert_eq!(AppealRoute::OpinionLetter.item(), 6);
    }

    #[test]
    fn a_route_chosen_before_the_category_changed_is_dropped_not_reported() {
        let mut d = draft();
        d.set(Field::Category, "suggestion".into());
        let p = d.validate(&default_subject_codes(), now()).unwrap();
        assert_eq!(p.appeal_route, None);
    }

    #[test]
    fn a_foreigner_is_identified_by_a_passport_instead_of_a_resident_id() {
        // Art. 48: 「对外国人、无国籍人、外国组织信访事项的处理，参照本条例执行」.
        let mut d = draft();
        d.set(Field::PetitionerKind, "foreigner".into());
        d.set(Field::IdNumber, String::new());
        d.set(Field::Document, " E12345678 ".into());
        let p = d.validate(&default_subject_codes(), now()).unwrap();
        assert!(p.petitioner.kind.is_foreign());
        assert_eq!(p.petitioner.document.as_deref(), Some("E12345678"));
        let mut bad = p.clone();
        bad.petitioner.document = Some("E 123/45".into());
        assert!(has(&bad, "document_format", "petitioner.document"));
        assert!(PetitionerKind::ForeignOrganization.is_organization());
    }

    #[test]
    fn litigation_matters_and_accusations_show_where_they_go() {
        use Guidance::*;
        assert_eq!(
            guidance(Channel::Visit, Category::AppealRequest, LITIGATION_SUBJECT),
            [LitigationVisit]
        );
        assert_eq!(
            guidance(Channel::Letter, Category::AppealRequest, LITIGATION_SUBJECT),
            [LitigationWritten]
        );
        assert_eq!(
            guidance(Channel::Visit, Category::Accusation, "land"),
            [Accusation]
        );
        assert!(guidance(Channel::Visit, Category::Suggestion, "land").is_empty());
    }

    #[test]
    fn the_form_asks_for_what_applies_to_this_petition_only() {
        let mut d = draft();
        assert!(d.asks_for(Field::IdNumber) && !d.asks_for(Field::Document));
        assert!(d.asks_for(Field::OralRecordConfirmed) && d.asks_for(Field::AppealRoute));
        assert!(
            !d.asks_for(Field::ReceivedAt),
            "a visit is received when registered"
        );
        d.set(Field::PetitionerKind, "stateless_person".into());
        assert!(!d.asks_for(Field::IdNumber) && d.asks_for(Field::Document));
        d.set(Field::Channel, "letter".into());
        assert!(!d.asks_for(Field::OralRecordConfirmed) && d.asks_for(Field::ReceivedAt));
        d.set(Field::Category, "accusation".into());
        assert!(!d.asks_for(Field::AppealRoute));
        assert!(!d.asks_for(Field::Representatives) && !d.asks_for(Field::RepName(0)));
    }

    #[test]
    fn an_accusation_routed_to_the_unit_it_accuses_is_refused() {
        // Art. 30 para. 3.
        let config = crate::protocol::DeviceConfig::builtin();
        let mut d = draft();
        d.set(Field::Category, "accusation".into());
        d.set(Field::Respondent, "城关派出所".into());
        d.set(Field::Department, "public_security".into());
        let errs = d.validate_with(&config, now()).unwrap_err();
        assert!(errs
            .iter()
            .any(|e| e.code == "department_accused" && e.field.as_deref() == Some("department")));
        d.set(Field::Department, "discipline".into());
        assert!(d.validate_with(&config, now()).is_ok());
        d.set(Field::Department, "ministry_of_magic".into());
        let errs = d.validate_with(&config, now()).unwrap_err();
        assert_eq!(errs[0].code, "department_unknown");
    }

    #[test]
    fn the_accused_check_runs_even_while_other_fields_are_still_wrong() {
        let config = crate::protocol::DeviceConfig::builtin();
        let mut d = draft();
        d.set(Field::Category, "accusation".into());
        d.set(Field::Respondent, "公安局".into());
        d.set(Field::Department, "public_security".into());
        d.set(Field::Facts, String::new());
        let codes: Vec<_> = d
            .validate_with(&config, now())
            .unwrap_err()
            .into_iter()
            .map(|e| e.code)
            .collect();
        assert!(codes.contains(&"required".to_owned()));
        assert!(codes.contains(&"department_accused".to_owned()));
    }

    #[test]
    fn other_channels_than_the_five_named_ones_are_accepted() {
        let mut p = valid();
        p.channel = Channel::Other;
        assert!(codes(&p).is_empty());
        assert!(Channel::Visit.is_oral() && Channel::Phone.is_oral() && !Channel::Letter.is_oral());
    }

    #[test]
    fn the_new_marks_are_kept_through_the_draft_and_left_out_of_the_json_when_unset() {
        let mut d = draft();
        for f in [
            Field::IdentityUnclear,
            Field::Urgent,
            Field::OralRecordConfirmed,
        ] {
            assert!(PetitionDraft::is_flag(f));
            d.set(f, "true".into());
            assert_eq!(d.get(f), "true");
        }
        d.set(Field::Respondent, "某某镇政府".into());
        let p = d.validate(&default_subject_codes(), now()).unwrap();
        assert!(p.identity_unclear && p.urgent && p.oral_record_confirmed);
        assert_eq!(p.respondent, "某某镇政府");
        let mut plain = valid();
        plain.oral_record_confirmed = false;
        plain.appeal_route = None;
        plain.category = Category::Suggestion;
        let json = serde_json::to_value(&plain).unwrap();
        for key in [
            "identity_unclear",
            "urgent",
            "respondent",
            "appeal_route",
            "oral_record_confirmed",
        ] {
            assert!(json.get(key).is_none(), "{key}");
        }
    }

    #[test]
    fn a_representatives_bad_id_number_is_named_by_index() {
        let mut p = valid();
        p.visitors = 6;
        p.representatives = vec![
            Representative {
                name: "李四".into(),
                ..Default::default()
            },
            Representative {
                name: "王五".into(),
                id_number: Some("123".into()),
                phone: None,
            },
        ];
        assert!(has(&p, "id_number_format", "representatives[1].id_number"));
    }

    #[test]
    fn the_subject_must_come_from_the_configured_list() {
        let mut p = valid();
        p.subject = "aliens".into();
        assert!(has(&p, "subject_unknown", "subject"));
        assert_eq!(p.validate(&["aliens".to_owned()], now()), Ok(()));
        p.subject = String::new();
        assert!(has(&p, "required", "subject"));
    }

    #[test]
    fn a_received_at_far_in_the_future_is_refused_but_small_clock_skew_is_not() {
        let mut p = valid();
        p.received_at = DateTime::parse_from_rfc3339("2026-11-30T20:05:00+08:00").unwrap();
        assert!(codes(&p).is_empty(), "5 minutes ahead is clock skew");
        p.received_at = DateTime::parse_from_rfc3339("2026-12-01T20:00:00+08:00").unwrap();
        assert!(has(&p, "received_at_future", "received_at"));
    }

    #[test]
    fn an_unknown_field_in_the_payload_is_refused_by_deserialization() {
        let mut v = serde_json::to_value(valid()).unwrap();
        v["selfie"] = serde_json::json!("x");
        assert!(serde_json::from_value::<Petition>(v).is_err());
    }

    #[test]
    fn an_unknown_field_inside_the_petitioner_or_a_representative_is_refused_too() {
        let mut v = serde_json::to_value(valid()).unwrap();
        v["petitioner"]["selfie"] = serde_json::json!("x");
        assert!(serde_json::from_value::<Petition>(v).is_err());
        let mut v = serde_json::to_value(valid()).unwrap();
        v["visitors"] = serde_json::json!(6);
        v["representatives"] = serde_json::json!([{"name": "李四", "selfie": "x"}]);
        assert!(serde_json::from_value::<Petition>(v).is_err());
    }

    #[test]
    fn a_name_with_a_bidirectional_override_or_a_nul_is_refused_on_its_field() {
        let mut p = valid();
        p.petitioner.name = "张\u{202E}三".into();
        p.facts = "第一行\n第二行\0".into();
        p.request = "请求\u{200B}".into();
        let errs = p.validate(&default_subject_codes(), now()).unwrap_err();
        let name = errs
            .iter()
            .find(|e| e.field.as_deref() == Some("petitioner.name"))
            .unwrap();
        assert_eq!(name.code, "forbidden_character");
        assert_eq!(name.param_str("char"), Some("U+202E"));
        assert_eq!(name.param_u64("position"), Some(2));
        assert!(
            has(&p, "forbidden_character", "facts"),
            "NUL, not the line break"
        );
        assert!(has(&p, "forbidden_character", "request"));
    }

    #[test]
    fn line_breaks_are_fine_in_the_facts_but_not_in_a_name() {
        let mut p = valid();
        p.facts = "第一行\r\n第二行\t完".into();
        assert!(codes(&p).is_empty());
        p.petitioner.name = "张\n三".into();
        assert!(has(&p, "forbidden_character", "petitioner.name"));
    }

    #[test]
    fn an_id_number_typed_with_a_small_x_or_full_width_digits_is_stored_as_meant() {
        let mut d = draft();
        d.set(Field::IdNumber, "11010519491231002x".into());
        d.set(Field::Phone, "１３８１２３４５６７８".into());
        let p = d.validate(&default_subject_codes(), now()).unwrap();
        assert_eq!(
            p.petitioner.id_number.as_deref(),
            Some("11010519491231002X")
        );
        assert_eq!(p.petitioner.phone.as_deref(), Some("13812345678"));
    }

    #[test]
    fn the_enums_offered_by_the_form_are_spelled_as_on_the_wire() {
        crate::assert_wire_names::<Channel>();
        crate::assert_wire_names::<PetitionerKind>();
        crate::assert_wire_names::<Category>();
        assert_eq!(wire_name(Category::AppealRequest), "appeal_request");
    }

    #[test]
    fn every_field_path_reads_back_as_its_field_and_keys_are_unique() {
        let mut all: Vec<Field> = Field::all().collect();
        all.extend(Field::representative(0));
        all.extend(Field::representative(4));
        let mut keys = std::collections::HashSet::new();
        for f in all {
            assert_eq!(Field::from_path(&f.path()), Some(f), "{f:?}");
            assert!(keys.insert(f.key()), "key of {f:?} repeats");
        }
        assert_eq!(Field::RepPhone(2).path(), "representatives[2].phone");
        assert_eq!(Field::RepIdNumber(1).key(), "rep-1-id-number");
        assert_eq!(Field::from_path("petitioner.selfie"), None);
        assert_eq!(Field::from_path("representatives[x].name"), None);
    }

    #[test]
    fn every_error_validation_gives_names_a_field_the_form_knows() {
        let mut p = valid();
        p.petitioner.name = String::new();
        p.petitioner.phone = Some("1".into());
        p.visitors = 2;
        p.representatives = vec![Representative {
            name: String::new(),
            id_number: Some("1".into()),
            phone: Some("2".into()),
        }];
        p.subject = "aliens".into();
        p.township = "镇".repeat(MAX_TOWNSHIP + 1);
        p.received_at = DateTime::parse_from_rfc3339("2030-01-01T00:00:00+08:00").unwrap();
        for e in p.validate(&default_subject_codes(), now()).unwrap_err() {
            let path = e.field.clone().unwrap_or_default();
            assert!(Field::from_path(&path).is_some(), "{e:?}");
        }
    }

    #[test]
    fn a_length_error_carries_the_limit_and_the_length_for_the_translated_message() {
        let mut p = valid();
        p.request = "请".repeat(MAX_REQUEST + 3);
        let errs = p.validate(&default_subject_codes(), now()).unwrap_err();
        assert_eq!(errs[0].code, "too_long");
        assert_eq!(errs[0].param_u64("max"), Some(MAX_REQUEST as u64));
        assert_eq!(errs[0].param_u64("actual"), Some(MAX_REQUEST as u64 + 3));
    }

    fn draft() -> PetitionDraft {
        PetitionDraft::from_json(&crate::example::petition_json())
    }

    #[test]
    fn a_draft_of_a_valid_petition_validates_into_that_petition() {
        assert_eq!(
            draft().validate(&default_subject_codes(), now()),
            Ok(valid())
        );
    }

    #[test]
    fn a_new_draft_starts_as_a_visit_by_one_person_received_now() {
        let at = DateTime::parse_from_rfc3339("2026-11-30T19:00:00+08:00").unwrap();
        let d = PetitionDraft::new(at, "城关镇");
        assert_eq!(d.channel, "visit");
        assert_eq!(d.petitioner.kind, "person");
        assert_eq!(d.category, "suggestion");
        assert_eq!(d.visitors, "1");
        assert_eq!(d.township, "城关镇");
        assert_eq!(DateTime::parse_from_rfc3339(&d.received_at).unwrap(), at);
    }

    #[test]
    fn a_draft_keeps_what_was_typed_even_when_it_is_not_valid_yet() {
        let mut d = draft();
        assert!(d.set(Field::Visitors, "十二".into()));
        assert!(!d.set(Field::Visitors, "十二".into()), "no change, no save");
        let back = PetitionDraft::from_json(&d.to_json());
        assert_eq!(back, d);
        let errs = back.validate(&default_subject_codes(), now()).unwrap_err();
        assert!(errs.iter().any(|e| e.code == "visitors_format"));
    }

    #[test]
    fn a_draft_reads_old_and_odd_json_without_failing() {
        let d = PetitionDraft::from_json(&serde_json::json!({
            "visitors": 7, "enterprise": "true", "petitioner": {"name": "李四", "phone": 13812345678u64}
        }));
        assert_eq!(d.visitors, "7");
        assert!(d.enterprise);
        assert_eq!(d.petitioner.phone, "13812345678");
        assert_eq!(d.channel, "");
        assert_eq!(
            PetitionDraft::from_json(&serde_json::json!("garbage")),
            PetitionDraft::default()
        );
    }

    #[test]
    fn blank_optional_fields_are_absent_and_numbers_lose_their_spaces() {
        let mut d = draft();
        d.set(Field::IdNumber, "   ".into());
        d.set(Field::Phone, " 13812345678 ".into());
        let p = d.validate(&default_subject_codes(), now()).unwrap();
        assert_eq!(p.petitioner.id_number, None);
        assert_eq!(p.petitioner.phone.as_deref(), Some("13812345678"));
    }

    #[test]
    fn an_unknown_option_is_an_error_on_its_field_and_every_other_problem_is_reported_too() {
        let mut d = draft();
        d.set(Field::Channel, "pigeon".into());
        d.set(Field::Facts, String::new());
        let errs = d.validate(&default_subject_codes(), now()).unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.code.as_str(), e.field.as_deref().unwrap_or("")))
            .collect();
        assert!(got.contains(&("invalid_choice", "channel")), "{got:?}");
        assert!(got.contains(&("required", "facts")), "{got:?}");
    }

    #[test]
    fn representatives_are_added_up_to_the_limit_and_removed_by_index() {
        let mut d = draft();
        d.set(Field::Visitors, "8".into());
        assert!(d.is_collective());
        for _ in 0..MAX_REPRESENTATIVES {
            assert!(d.add_representative());
        }
        assert!(!d.add_representative());
        d.set(Field::RepName(2), "王五".into());
        assert!(d.remove_representative(0));
        assert_eq!(d.get(Field::RepName(1)), "王五");
        assert!(!d.remove_representative(9));
        assert!(!d.set(Field::RepName(9), "x".into()));
    }

    /// Builds a resident ID number with a correct check character from 17 digits.
    fn with_check(first17: &str) -> String {
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = first17
            .bytes()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        let check = b"10X98765432"[(sum % 11) as usize] as char;
        format!("{first17}{check}")
    }

    proptest! {
        #[test]
        fn any_id_number_with_a_real_birth_date_and_its_check_character_is_accepted(
            area in 110000u32..660000,
            days in 0i64..(365 * 120),
            seq in 0u32..1000,
        ) {
            let birth = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + Duration::days(days);
            let id = with_check(&format!("{area:06}{}{seq:03}", birth.format("%Y%m%d")));
            prop_assert_eq!(id_number_problem(&id), None);
            prop_assert_eq!(id_number_problem(&id.to_lowercase()), None);
        }

        #[test]
        fn changing_any_one_digit_of_a_valid_id_number_is_caught(
            days in 0i64..(365 * 100),
            pos in 0usize..17,
            delta in 1u8..10,
        ) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + Duration::days(days);
            let id = with_check(&format!("330106{}123", birth.format("%Y%m%d")));
            let mut bytes = id.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            // A single changed digit always breaks the MOD 11-2 check (or the birth date).
            prop_assert!(id_number_problem(&changed).is_some(), "{}", changed);
        }

        #[test]
        fn every_mobile_number_of_eleven_digits_from_13_to_19_is_accepted(
            second in 3u8..10,
            rest in 0u64..1_000_000_000,
        ) {
            let phone = format!("1{second}{rest:09}");
            prop_assert!(is_valid_phone(&phone));
        }

        #[test]
        fn a_phone_number_with_anything_but_digits_and_one_dash_is_refused(
            s in "[0-9]{3,12}[^0-9-][0-9]{0,4}",
        ) {
            prop_assert!(!is_valid_phone(&s));
        }

        #[test]
        fn a_fixed_line_number_is_accepted_with_or_without_its_dash(
            area in 10u32..1000,
            local in 2_000_000u32..99_999_999,
        ) {
            let area = format!("0{area}");
            let local = local.to_string();
            let with_dash = format!("{}-{}", area, local);
            let without = format!("{}{}", area, local);
            prop_assert!(is_valid_phone(&with_dash), "{}", with_dash);
            prop_assert!(is_valid_phone(&without), "{}", without);
        }
    }
}
