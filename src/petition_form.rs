//! The petition registration form as plain data: the strings the inputs hold, the draft's JSON
//! (the shape of `lianxin_core::petition::Petition`, so a finalized draft is the push payload),
//! and where each validation error belongs. No browser here, so it is tested natively.

use chrono::{DateTime, FixedOffset, Utc};
use lianxin_core::petition::{Petition, COLLECTIVE_VISITORS, MAX_REPRESENTATIVES};
use lianxin_core::protocol::ApiError;
use serde_json::{json, Map, Value};

/// One representative's inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepForm {
    /// 姓名.
    pub name: String,
    /// Optional ID number.
    pub id_number: String,
    /// Optional phone.
    pub phone: String,
}

/// What the form's inputs hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PetitionForm {
    /// `visit` | `letter` | `phone` | `fax` | `online`.
    pub channel: String,
    /// `person` | `organization`.
    pub petitioner_kind: String,
    /// 姓名 / 名称.
    pub name: String,
    /// Optional ID number.
    pub id_number: String,
    /// Optional phone.
    pub phone: String,
    /// 住址.
    pub address: String,
    /// The number of visitors as typed.
    pub visitors: String,
    /// Representatives (collective visits only).
    pub representatives: Vec<RepForm>,
    /// `suggestion` | `accusation` | `appeal_request`.
    pub category: String,
    /// A subject code.
    pub subject: String,
    /// Township.
    pub township: String,
    /// 请求.
    pub request: String,
    /// 事实.
    pub facts: String,
    /// 理由.
    pub reasons: String,
    /// An enterprise's petition.
    pub enterprise: bool,
    /// RFC 3339 with offset.
    pub received_at: String,
}

/// The text inputs and selects of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Channel select.
    Channel,
    /// Petitioner kind select.
    PetitionerKind,
    /// 姓名.
    Name,
    /// ID number.
    IdNumber,
    /// Phone.
    Phone,
    /// 住址.
    Address,
    /// Visitors.
    Visitors,
    /// Category select.
    Category,
    /// Subject select.
    Subject,
    /// Township.
    Township,
    /// 请求.
    Request,
    /// 事实.
    Facts,
    /// 理由.
    Reasons,
    /// Representative `i`'s name.
    RepName(usize),
    /// Representative `i`'s ID number.
    RepIdNumber(usize),
    /// Representative `i`'s phone.
    RepPhone(usize),
}

impl Field {
    /// The JSON path validation errors name (`petitioner.name`, `representatives[0].phone`).
    pub fn path(self) -> String {
        match self {
            Field::Channel => "channel".into(),
            Field::PetitionerKind => "petitioner.kind".into(),
            Field::Name => "petitioner.name".into(),
            Field::IdNumber => "petitioner.id_number".into(),
            Field::Phone => "petitioner.phone".into(),
            Field::Address => "petitioner.address".into(),
            Field::Visitors => "visitors".into(),
            Field::Category => "category".into(),
            Field::Subject => "subject".into(),
            Field::Township => "township".into(),
            Field::Request => "request".into(),
            Field::Facts => "facts".into(),
            Field::Reasons => "reasons".into(),
            Field::RepName(i) => format!("representatives[{i}].name"),
            Field::RepIdNumber(i) => format!("representatives[{i}].id_number"),
            Field::RepPhone(i) => format!("representatives[{i}].phone"),
        }
    }

    /// The input's `data-testid`.
    pub fn test_id(self) -> String {
        match self {
            Field::Channel => "field-channel".into(),
            Field::PetitionerKind => "field-petitioner-kind".into(),
            Field::Name => "field-name".into(),
            Field::IdNumber => "field-id-number".into(),
            Field::Phone => "field-phone".into(),
            Field::Address => "field-address".into(),
            Field::Visitors => "field-visitors".into(),
            Field::Category => "field-category".into(),
            Field::Subject => "field-subject".into(),
            Field::Township => "field-township".into(),
            Field::Request => "field-request".into(),
            Field::Facts => "field-facts".into(),
            Field::Reasons => "field-reasons".into(),
            Field::RepName(i) => format!("field-rep-{i}-name"),
            Field::RepIdNumber(i) => format!("field-rep-{i}-id-number"),
            Field::RepPhone(i) => format!("field-rep-{i}-phone"),
        }
    }

    /// A valid HTML id for the input.
    pub fn dom_id(self) -> String {
        format!("f-{}", self.test_id().trim_start_matches("field-"))
    }

    /// The id of the element holding this field's error (for `aria-describedby`).
    pub fn error_dom_id(self) -> String {
        format!("e-{}", self.test_id().trim_start_matches("field-"))
    }
}

impl PetitionForm {
    /// A new registration: received now (with the device's offset), in person, one visitor,
    /// a suggestion, in the device's township.
    pub fn new_default(received_at: DateTime<FixedOffset>, township: &str) -> Self {
        PetitionForm {
            channel: "visit".into(),
            petitioner_kind: "person".into(),
            name: String::new(),
            id_number: String::new(),
            phone: String::new(),
            address: String::new(),
            visitors: "1".into(),
            representatives: Vec::new(),
            category: "suggestion".into(),
            subject: String::new(),
            township: township.into(),
            request: String::new(),
            facts: String::new(),
            reasons: String::new(),
            enterprise: false,
            received_at: received_at.to_rfc3339(),
        }
    }

    /// The value of a text input or select.
    pub fn get(&self, field: Field) -> String {
        let rep = |i: usize, f: fn(&RepForm) -> &String| {
            self.representatives
                .get(i)
                .map(|r| f(r).clone())
                .unwrap_or_default()
        };
        match field {
            Field::Channel => self.channel.clone(),
            Field::PetitionerKind => self.petitioner_kind.clone(),
            Field::Name => self.name.clone(),
            Field::IdNumber => self.id_number.clone(),
            Field::Phone => self.phone.clone(),
            Field::Address => self.address.clone(),
            Field::Visitors => self.visitors.clone(),
            Field::Category => self.category.clone(),
            Field::Subject => self.subject.clone(),
            Field::Township => self.township.clone(),
            Field::Request => self.request.clone(),
            Field::Facts => self.facts.clone(),
            Field::Reasons => self.reasons.clone(),
            Field::RepName(i) => rep(i, |r| &r.name),
            Field::RepIdNumber(i) => rep(i, |r| &r.id_number),
            Field::RepPhone(i) => rep(i, |r| &r.phone),
        }
    }

    /// Sets a text input or select.
    pub fn set(&mut self, field: Field, value: String) {
        let slot = match field {
            Field::Channel => &mut self.channel,
            Field::PetitionerKind => &mut self.petitioner_kind,
            Field::Name => &mut self.name,
            Field::IdNumber => &mut self.id_number,
            Field::Phone => &mut self.phone,
            Field::Address => &mut self.address,
            Field::Visitors => &mut self.visitors,
            Field::Category => &mut self.category,
            Field::Subject => &mut self.subject,
            Field::Township => &mut self.township,
            Field::Request => &mut self.request,
            Field::Facts => &mut self.facts,
            Field::Reasons => &mut self.reasons,
            Field::RepName(i) | Field::RepIdNumber(i) | Field::RepPhone(i) => {
                let Some(r) = self.representatives.get_mut(i) else {
                    return;
                };
                match field {
                    Field::RepName(_) => &mut r.name,
                    Field::RepIdNumber(_) => &mut r.id_number,
                    _ => &mut r.phone,
                }
            }
        };
        *slot = value;
    }

    /// Whether the visit is collective (representatives are asked for).
    pub fn is_collective(&self) -> bool {
        self.visitors
            .trim()
            .parse::<u32>()
            .is_ok_and(|n| n >= COLLECTIVE_VISITORS)
    }

    /// Whether another representative may be added.
    pub fn can_add_representative(&self) -> bool {
        self.representatives.len() < MAX_REPRESENTATIVES
    }

    /// The draft's JSON, in the shape of `Petition`. Empty optional fields are left out; visitors
    /// that are not a number are kept as typed (the draft keeps what was entered; validation says
    /// what is wrong).
    pub fn to_json(&self) -> Value {
        let opt = |m: &mut Map<String, Value>, k: &str, v: &str| {
            let v = v.trim();
            if !v.is_empty() {
                m.insert(k.into(), Value::String(v.into()));
            }
        };
        let mut petitioner = Map::new();
        petitioner.insert("kind".into(), json!(self.petitioner_kind));
        petitioner.insert("name".into(), json!(self.name));
        opt(&mut petitioner, "id_number", &self.id_number);
        opt(&mut petitioner, "phone", &self.phone);
        petitioner.insert("address".into(), json!(self.address));
        let visitors = match self.visitors.trim().parse::<u64>() {
            Ok(n) => json!(n),
            Err(_) => json!(self.visitors),
        };
        let mut m = Map::new();
        m.insert("channel".into(), json!(self.channel));
        m.insert("petitioner".into(), Value::Object(petitioner));
        m.insert("visitors".into(), visitors);
        if !self.representatives.is_empty() {
            let reps = self
                .representatives
                .iter()
                .map(|r| {
                    let mut o = Map::new();
                    o.insert("name".into(), json!(r.name));
                    opt(&mut o, "id_number", &r.id_number);
                    opt(&mut o, "phone", &r.phone);
                    Value::Object(o)
                })
                .collect();
            m.insert("representatives".into(), Value::Array(reps));
        }
        m.insert("category".into(), json!(self.category));
        m.insert("subject".into(), json!(self.subject));
        m.insert("township".into(), json!(self.township));
        m.insert("request".into(), json!(self.request));
        m.insert("facts".into(), json!(self.facts));
        m.insert("reasons".into(), json!(self.reasons));
        m.insert("enterprise".into(), json!(self.enterprise));
        m.insert("received_at".into(), json!(self.received_at));
        Value::Object(m)
    }

    /// The inputs from a draft's JSON; anything missing or of another type reads as empty.
    pub fn from_json(v: &Value) -> Self {
        let s = |v: &Value, k: &str| match v.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let p = v.get("petitioner").cloned().unwrap_or(Value::Null);
        let representatives = v
            .get("representatives")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|r| RepForm {
                        name: s(r, "name"),
                        id_number: s(r, "id_number"),
                        phone: s(r, "phone"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        PetitionForm {
            channel: s(v, "channel"),
            petitioner_kind: s(&p, "kind"),
            name: s(&p, "name"),
            id_number: s(&p, "id_number"),
            phone: s(&p, "phone"),
            address: s(&p, "address"),
            visitors: s(v, "visitors"),
            representatives,
            category: s(v, "category"),
            subject: s(v, "subject"),
            township: s(v, "township"),
            request: s(v, "request"),
            facts: s(v, "facts"),
            reasons: s(v, "reasons"),
            enterprise: v
                .get("enterprise")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            received_at: s(v, "received_at"),
        }
    }

    /// The petition the form describes, checked by the same rules as the server's: every
    /// problem at once, each naming its field.
    pub fn validate(
        &self,
        subjects: &[String],
        now: DateTime<Utc>,
    ) -> Result<Petition, Vec<ApiError>> {
        let mut errs = Vec::new();
        if self.visitors.trim().parse::<u32>().is_err() {
            errs.push(field_error(
                "visitors_format",
                "来访人数应为数字",
                "visitors",
            ));
        }
        if DateTime::parse_from_rfc3339(&self.received_at).is_err() {
            errs.push(field_error(
                "received_at_format",
                "收件时间无效",
                "received_at",
            ));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let petition: Petition = serde_json::from_value(self.to_json())
            .map_err(|e| vec![ApiError::new("invalid_form", e.to_string())])?;
        petition.validate(subjects, now)?;
        Ok(petition)
    }
}

fn field_error(code: &str, message: &str, field: &str) -> ApiError {
    let mut e = ApiError::new(code, message);
    e.field = Some(field.into());
    e
}

/// The message for `path` among `errors`, if any (several errors on one field are joined).
pub fn error_for(errors: &[ApiError], path: &str) -> Option<String> {
    let msgs: Vec<&str> = errors
        .iter()
        .filter(|e| e.field.as_deref() == Some(path))
        .map(|e| e.message.as_str())
        .collect();
    (!msgs.is_empty()).then(|| msgs.join("；"))
}

/// Errors that no input of the form shows (no field, or a field without an input such as
/// `received_at` or `representatives`): shown above the form.
pub fn general_errors(errors: &[ApiError], form: &PetitionForm) -> Vec<String> {
    let mut known: Vec<String> = [
        Field::Channel,
        Field::PetitionerKind,
        Field::Name,
        Field::IdNumber,
        Field::Phone,
        Field::Address,
        Field::Visitors,
        Field::Category,
        Field::Subject,
        Field::Township,
        Field::Request,
        Field::Facts,
        Field::Reasons,
    ]
    .iter()
    .map(|f| f.path())
    .collect();
    if form.is_collective() {
        for i in 0..form.representatives.len() {
            known.push(Field::RepName(i).path());
            known.push(Field::RepIdNumber(i).path());
            known.push(Field::RepPhone(i).path());
        }
    }
    errors
        .iter()
        .filter(|e| e.field.as_ref().is_none_or(|f| !known.contains(f)))
        .map(|e| e.message.clone())
        .collect()
}

/// A short one-line preview of a draft for the list: the name, then the request.
pub fn preview(form: &Value) -> (String, String) {
    let f = PetitionForm::from_json(form);
    let request: String = f.request.chars().take(60).collect();
    (f.name, request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianxin_core::petition::default_subject_codes;

    fn now() -> DateTime<Utc> {
        "2026-11-30T10:00:00Z".parse().unwrap()
    }

    fn filled() -> PetitionForm {
        let mut f =
            PetitionForm::new_default("2026-11-30T17:30:00+08:00".parse().unwrap(), "城关镇");
        f.name = "张三".into();
        f.address = "城关镇幸福路1号".into();
        f.subject = "housing".into();
        f.request = "修路".into();
        f.facts = "路坏了".into();
        f
    }

    #[test]
    fn a_new_form_has_the_defaults() {
        let f = PetitionForm::new_default("2026-11-30T17:30:00+08:00".parse().unwrap(), "城关镇");
        assert_eq!(f.channel, "visit");
        assert_eq!(f.visitors, "1");
        assert_eq!(f.category, "suggestion");
        assert_eq!(f.township, "城关镇");
        assert_eq!(f.received_at, "2026-11-30T17:30:00+08:00");
    }

    #[test]
    fn the_json_round_trips_and_is_a_petition() {
        let mut f = filled();
        f.phone = "13812345678".into();
        f.visitors = "6".into();
        f.representatives = vec![RepForm {
            name: "李四".into(),
            ..RepForm::default()
        }];
        let v = f.to_json();
        assert_eq!(PetitionForm::from_json(&v), f);
        let p = f.validate(&default_subject_codes(), now()).unwrap();
        assert_eq!(p.visitors, 6);
        assert_eq!(p.petitioner.phone.as_deref(), Some("13812345678"));
        assert_eq!(p.petitioner.id_number, None);
        assert_eq!(p.representatives.len(), 1);
    }

    #[test]
    fn empty_optional_fields_are_left_out() {
        let v = filled().to_json();
        assert!(v["petitioner"].get("id_number").is_none());
        assert!(v["petitioner"].get("phone").is_none());
        assert!(v.get("representatives").is_none());
    }

    #[test]
    fn visitors_that_are_not_a_number_are_kept_and_refused() {
        let mut f = filled();
        f.visitors = "五".into();
        assert_eq!(PetitionForm::from_json(&f.to_json()).visitors, "五");
        let errs = f.validate(&default_subject_codes(), now()).unwrap_err();
        assert!(error_for(&errs, "visitors").is_some());
    }

    #[test]
    fn every_validation_error_lands_on_its_field() {
        let mut f = filled();
        f.name.clear();
        f.request.clear();
        f.phone = "123".into();
        let errs = f.validate(&default_subject_codes(), now()).unwrap_err();
        assert!(error_for(&errs, Field::Name.path().as_str()).is_some());
        assert!(error_for(&errs, "request").is_some());
        assert!(error_for(&errs, "petitioner.phone").is_some());
        assert!(error_for(&errs, "facts").is_none());
        assert!(general_errors(&errs, &f).is_empty());
    }

    #[test]
    fn errors_without_an_input_are_general() {
        let f = filled();
        let errs = vec![
            ApiError::new("x", "整体错误"),
            field_error("received_at_future", "时钟", "received_at"),
            field_error("required", "姓名", "petitioner.name"),
        ];
        assert_eq!(general_errors(&errs, &f), vec!["整体错误", "时钟"]);
    }

    #[test]
    fn representatives_fields_are_addressed_by_index() {
        let mut f = filled();
        f.visitors = "5".into();
        f.representatives.push(RepForm::default());
        f.set(Field::RepPhone(0), "x".into());
        assert_eq!(f.get(Field::RepPhone(0)), "x");
        f.set(Field::RepName(3), "ignored".into());
        assert_eq!(Field::RepPhone(0).path(), "representatives[0].phone");
        assert!(f.is_collective());
        let errs = f.validate(&default_subject_codes(), now()).unwrap_err();
        assert!(error_for(&errs, "representatives[0].name").is_some());
    }

    #[test]
    fn test_ids_match_the_spec() {
        assert_eq!(Field::PetitionerKind.test_id(), "field-petitioner-kind");
        assert_eq!(Field::IdNumber.test_id(), "field-id-number");
        assert_eq!(Field::IdNumber.dom_id(), "f-id-number");
    }

    #[test]
    fn the_preview_is_name_and_request() {
        assert_eq!(preview(&filled().to_json()), ("张三".into(), "修路".into()));
    }
}
