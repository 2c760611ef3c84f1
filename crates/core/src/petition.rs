//! The petition payload (《信访工作条例》 Art. 17, 19, 20, 29–31) and its validation.
//!
//! The same `validate` runs in the PWA before a draft may be finalized and on the server before a
//! record is stored, so a device never queues what the server will refuse for a rule it knows.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::protocol::ApiError;

/// How the petition reached us (Art. 17: 信息网络、书信、电话、传真、走访).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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
}

/// Who petitions: a citizen, or a legal person / other organization (Art. 17 para. 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PetitionerKind {
    /// 公民.
    #[default]
    Person,
    /// 法人或者其他组织.
    Organization,
}

/// The three kinds of matter of Art. 29–31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 建议意见类 (Art. 29).
    #[default]
    Suggestion,
    /// 检举控告类 (Art. 30).
    Accusation,
    /// 申诉求决类 (Art. 31).
    AppealRequest,
}

/// The petitioner (Art. 19: 姓名（名称）、住址 are required).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
}

/// A representative chosen by a collective visit (Art. 20 para. 3: at most 5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Representative {
    /// 姓名.
    pub name: String,
    /// Optional resident ID number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// Optional phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
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
    /// How many people came (≥ 1; 5 or more is a collective visit).
    pub visitors: u32,
    /// Representatives of a collective visit, at most 5.
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
    /// An enterprise's petition, routed with priority.
    #[serde(default)]
    pub enterprise: bool,
    /// When it was received, RFC 3339 with offset.
    pub received_at: DateTime<FixedOffset>,
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
/// From this many visitors on, a visit is collective and chooses representatives (Art. 20).
pub const COLLECTIVE_VISITORS: u32 = 5;
/// An upper bound that catches typos such as 5000 for 50.
pub const MAX_VISITORS: u32 = 1_000;
/// How far a device clock may run ahead of the server's before `received_at` is refused.
pub const MAX_CLOCK_SKEW_MINUTES: i64 = 10;

/// The default subject list (事项分类), code and Chinese label. A deployment can configure
/// another list; validation takes the list as a parameter.
pub const DEFAULT_SUBJECTS: &[(&str, &str)] = &[
    ("land", "土地征收与补偿"),
    ("housing", "城乡建设与住房"),
    ("labor", "劳动与社会保障"),
    ("agriculture", "农业农村"),
    ("environment", "生态环境"),
    ("civil_affairs", "民政"),
    ("health", "卫生健康"),
    ("education", "教育"),
    ("transport", "交通运输"),
    ("market", "市场监管"),
    ("public_security", "公安"),
    ("law_litigation", "涉法涉诉"),
    ("discipline", "纪检监察"),
    ("enterprise", "企业诉求"),
    ("other", "其他"),
];

/// The codes of [`DEFAULT_SUBJECTS`].
pub fn default_subject_codes() -> Vec<String> {
    DEFAULT_SUBJECTS
        .iter()
        .map(|(code, _)| (*code).to_owned())
        .collect()
}

impl Petition {
    /// Checks every rule of the registration form. `subjects` is the configured list of subject
    /// codes; `now` is the checking side's clock (a parameter so that tests and the server agree).
    ///
    /// Returns every violation at once, each naming its field by JSON path, so a form can mark all
    /// of them in one go.
    pub fn validate(&self, subjects: &[String], now: DateTime<Utc>) -> Result<(), Vec<ApiError>> {
        let mut errs = Vec::new();
        let p = &self.petitioner;
        let name_label = match p.kind {
            PetitionerKind::Person => "姓名",
            PetitionerKind::Organization => "名称",
        };
        required(&mut errs, "petitioner.name", name_label, &p.name, MAX_NAME);
        required(
            &mut errs,
            "petitioner.address",
            "住址",
            &p.address,
            MAX_ADDRESS,
        );
        if let Some(id) = &p.id_number {
            check_id_number(&mut errs, "petitioner.id_number", id);
        }
        if let Some(phone) = &p.phone {
            check_phone(&mut errs, "petitioner.phone", phone);
        }

        if self.visitors == 0 {
            errs.push(err("visitors_min", "来访人数至少为1人", "visitors"));
        } else if self.visitors > MAX_VISITORS {
            errs.push(err(
                "visitors_max",
                format!("来访人数不能超过{MAX_VISITORS}人，请核对"),
                "visitors",
            ));
        }
        if !self.representatives.is_empty() && self.visitors < COLLECTIVE_VISITORS {
            errs.push(err(
                "representatives_not_collective",
                format!("只有{COLLECTIVE_VISITORS}人及以上的多人走访才推选代表（第二十条）"),
                "representatives",
            ));
        }
        if self.representatives.len() > MAX_REPRESENTATIVES {
            errs.push(err(
                "representatives_too_many",
                format!("代表人数不得超过{MAX_REPRESENTATIVES}人（第二十条）"),
                "representatives",
            ));
        }
        for (i, r) in self.representatives.iter().enumerate() {
            required(
                &mut errs,
                &format!("representatives[{i}].name"),
                "代表姓名",
                &r.name,
                MAX_NAME,
            );
            if let Some(id) = &r.id_number {
                check_id_number(&mut errs, &format!("representatives[{i}].id_number"), id);
            }
            if let Some(phone) = &r.phone {
                check_phone(&mut errs, &format!("representatives[{i}].phone"), phone);
            }
        }

        if self.subject.trim().is_empty() {
            errs.push(err("required", "请选择事项分类", "subject"));
        } else if self.subject.chars().count() > MAX_SUBJECT || !subjects.contains(&self.subject) {
            errs.push(err(
                "subject_unknown",
                format!(
                    "事项分类“{}”不在配置的分类表中",
                    truncate(&self.subject, MAX_SUBJECT)
                ),
                "subject",
            ));
        }
        max_len(&mut errs, "township", "乡镇", &self.township, MAX_TOWNSHIP);
        required(&mut errs, "request", "请求", &self.request, MAX_REQUEST);
        required(&mut errs, "facts", "事实", &self.facts, MAX_FACTS);
        max_len(&mut errs, "reasons", "理由", &self.reasons, MAX_FACTS);

        if self.received_at.with_timezone(&Utc) > now + Duration::minutes(MAX_CLOCK_SKEW_MINUTES) {
            errs.push(err(
                "received_at_future",
                "收件时间晚于当前时间，请检查设备时钟",
                "received_at",
            ));
        }

        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

fn err(code: &str, message: impl Into<String>, field: &str) -> ApiError {
    ApiError::new(code, message).with_field(field)
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn required(errs: &mut Vec<ApiError>, field: &str, label: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errs.push(err("required", format!("请填写{label}"), field));
    } else {
        max_len(errs, field, label, value, max);
    }
}

fn max_len(errs: &mut Vec<ApiError>, field: &str, label: &str, value: &str, max: usize) {
    let n = value.chars().count();
    if n > max {
        errs.push(err(
            "too_long",
            format!("{label}不能超过{max}个字（现为{n}个字）"),
            field,
        ));
    }
}

fn check_id_number(errs: &mut Vec<ApiError>, field: &str, id: &str) {
    match id_number_problem(id) {
        None => {}
        Some(IdProblem::Format) => errs.push(err(
            "id_number_format",
            "身份证号码应为18位：17位数字加1位数字或X",
            field,
        )),
        Some(IdProblem::BirthDate) => errs.push(err(
            "id_number_birthdate",
            "身份证号码中的出生日期无效",
            field,
        )),
        Some(IdProblem::Checksum) => errs.push(err(
            "id_number_checksum",
            "身份证号码校验位不正确，请逐位核对",
            field,
        )),
    }
}

fn check_phone(errs: &mut Vec<ApiError>, field: &str, phone: &str) {
    if phone.chars().count() > MAX_PHONE || !is_valid_phone(phone) {
        errs.push(err(
            "phone_format",
            "电话号码应为11位手机号（如13812345678）或带区号的固定电话（如0571-87654321）",
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
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn valid() -> Petition {
        Petition {
            channel: Channel::Visit,
            petitioner: Petitioner {
                kind: PetitionerKind::Person,
                name: "张三".into(),
                id_number: Some("11010519491231002X".into()),
                phone: Some("13812345678".into()),
                address: "城关镇人民路1号".into(),
            },
            visitors: 1,
            representatives: vec![],
            category: Category::AppealRequest,
            subject: "land".into(),
            township: "城关镇".into(),
            request: "请求依法补偿".into(),
            facts: "2025年征地未补偿".into(),
            reasons: String::new(),
            enterprise: false,
            received_at: DateTime::parse_from_rfc3339("2026-11-30T19:00:00+08:00").unwrap(),
        }
    }

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
        let msg = p.validate(&default_subject_codes(), now()).unwrap_err()[0]
            .message
            .clone();
        assert_eq!(msg, "请填写姓名");
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

    #[test]
    fn a_collective_visit_may_name_up_to_five_representatives() {
        let mut p = valid();
        p.visitors = 12;
        p.representatives = (0..5)
            .map(|i| Representative {
                name: format!("代表{i}"),
                ..Default::default()
            })
            .collect();
        assert!(codes(&p).is_empty());
        p.representatives.push(Representative {
            name: "代表6".into(),
            ..Default::default()
        });
        assert!(has(&p, "representatives_too_many", "representatives"));
    }

    #[test]
    fn representatives_are_refused_when_fewer_than_five_came() {
        let mut p = valid();
        p.visitors = 4;
        p.representatives = vec![Representative {
            name: "李四".into(),
            ..Default::default()
        }];
        assert!(has(&p, "representatives_not_collective", "representatives"));
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
}
