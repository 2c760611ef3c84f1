//! One example petition that every test crate shares (core, sync, browser, server, the app), so a
//! new field is added to one example, not to four copies. Valid under the default subject list at
//! [`now`]; tests change what they are about and leave the rest.

use chrono::{DateTime, TimeZone, Utc};

use crate::petition::{AppealRoute, Category, Channel, Petition, Petitioner, PetitionerKind};

/// The clock the example is valid at: 2026-11-30 12:00 UTC (20:00 China time).
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
        .single()
        .expect("a valid date")
}

/// A moment given in China time (the bureau's calendar), at the full hour.
pub fn cst(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    crate::period::china()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("a valid time")
        .with_timezone(&Utc)
}

/// A complete, valid petition: 张三 of 城关镇 comes in person and asks for compensation for land
/// taken in 2025 (an appeal or request answered by a 信访处理意见书, Art. 31 item 6).
pub fn petition() -> Petition {
    Petition {
        channel: Channel::Visit,
        petitioner: Petitioner {
            kind: PetitionerKind::Person,
            name: "张三".into(),
            id_number: Some("11010519491231002X".into()),
            phone: Some("13812345678".into()),
            address: "城关镇人民路1号".into(),
            document: None,
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
        received_at: DateTime::parse_from_rfc3339("2026-11-30T19:00:00+08:00")
            .expect("a valid time"),
        identity_unclear: false,
        oral_record_confirmed: true,
        respondent: String::new(),
        urgent: false,
        appeal_route: Some(AppealRoute::OpinionLetter),
        department: "natural_resources".into(),
    }
}

/// [`petition`] as the JSON a push carries.
pub fn petition_json() -> serde_json::Value {
    serde_json::to_value(petition()).expect("a petition serializes")
}
