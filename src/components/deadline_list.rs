//! A petition's statutory time limits as a person reads them: which limit, the article that sets
//! it, its last day, and how many days are left (or how many it is overdue). The limits themselves
//! come from `lianxin_core::deadlines::deadlines`, counted from the petition's own `received_at`
//! (never from the sync) with the holiday calendar; this file only turns them into rows and words.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_router::components::A;
use lianxin_core::deadlines::{deadlines, Deadline, Handling, Limit};
use lianxin_core::period::{china_date, HolidayCalendar};
use lianxin_core::petition::{AppealRoute, Petition};
use lianxin_core::protocol::StatusEvent;

use crate::errors::fill;
use crate::i18n::{td_string, use_i18n, Locale};
use crate::routes;

/// Where one limit stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The step it waits for happened in time.
    Met,
    /// Still running: whole days left in China's calendar (0 on the last day).
    Running(i64),
    /// A duty of the handling body not met in time: overdue by this many days (0 when it was met
    /// late, or ran out today).
    Overdue(i64),
    /// A petitioner's window (review, re-examination) that has closed.
    Closed,
}

/// One row of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineRow {
    /// Which limit.
    pub limit: Limit,
    /// Its last day, in China.
    pub last_day: NaiveDate,
    /// Where it stands.
    pub standing: Standing,
    /// A year without the State Council's holiday notice was counted Monday to Friday.
    pub estimate: bool,
}

/// What the limits of `petition` depend on: its receipt, Art. 23 para. 2's unclear identity (no
/// written notice then), and Art. 31(6) (the only route with Art. 34's handling limit).
pub fn handling<'a>(petition: &Petition, history: &'a [StatusEvent]) -> Handling<'a> {
    Handling {
        received_at: petition.received_at.with_timezone(&Utc),
        identity_unclear: petition.identity_unclear,
        art31_item6: petition.appeal_route == Some(AppealRoute::OpinionLetter),
        history,
    }
}

/// Every limit of `petition` with its `history` (oldest first), as rows at `now`.
pub fn deadline_rows(
    petition: &Petition,
    history: &[StatusEvent],
    now: DateTime<Utc>,
    calendar: &HolidayCalendar,
) -> Vec<DeadlineRow> {
    deadlines(&handling(petition, history), calendar)
        .iter()
        .map(|d| row(d, now))
        .collect()
}

fn row(d: &Deadline, now: DateTime<Utc>) -> DeadlineRow {
    let standing = if d.limit.is_petitioners_window() {
        if d.end.is_over(now) {
            Standing::Closed
        } else {
            Standing::Running(d.end.days_left(now))
        }
    } else if d.is_overdue(now) {
        let at = d.met_at.unwrap_or(now);
        Standing::Overdue((china_date(at) - d.end.last_day).num_days().max(0))
    } else if d.met_at.is_some() {
        Standing::Met
    } else {
        Standing::Running(d.end.days_left(now))
    };
    DeadlineRow {
        limit: d.limit,
        last_day: d.end.last_day,
        standing,
        estimate: !d.end.calendar_known,
    }
}

/// The name of a limit in `locale`.
pub fn limit_name(locale: Locale, limit: Limit) -> &'static str {
    match limit {
        Limit::Route => td_string!(locale, deadline.route),
        Limit::WrittenNotice => td_string!(locale, deadline.written_notice),
        Limit::ForwardedNotice => td_string!(locale, deadline.forwarded_notice),
        Limit::Objection => td_string!(locale, deadline.objection),
        Limit::Handling => td_string!(locale, deadline.handling),
        Limit::ReviewRequest => td_string!(locale, deadline.review_request),
        Limit::ReviewOpinion => td_string!(locale, deadline.review_opinion),
        Limit::ReexaminationRequest => td_string!(locale, deadline.reexamination_request),
        Limit::ReexaminationOpinion => td_string!(locale, deadline.reexamination_opinion),
    }
}

/// A number as Chinese legal citations write it (第二十二条): 1–99.
pub fn chinese_number(n: u8) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (tens, ones) = (usize::from(n / 10), usize::from(n % 10));
    let mut out = String::new();
    if tens > 1 {
        out.push_str(DIGITS[tens]);
    }
    if tens > 0 {
        out.push('十');
    }
    if ones > 0 || tens == 0 {
        out.push_str(DIGITS[ones]);
    }
    out
}

/// The article behind `limit`, as cited in `locale` (《信访工作条例》第二十二条第一款, Art. 22 para. 1).
pub fn article(locale: Locale, limit: Limit) -> String {
    let (art, para) = limit.article();
    let (art, para) = if locale == Locale::en {
        (art.to_string(), para.to_string())
    } else {
        (chinese_number(art), chinese_number(para))
    };
    fill(
        td_string!(locale, deadline.article),
        &[("article", art), ("para", para)],
    )
}

/// How a row stands, in `locale`.
pub fn standing_text(locale: Locale, standing: Standing) -> String {
    match standing {
        Standing::Met => td_string!(locale, deadline.met).to_owned(),
        Standing::Closed => td_string!(locale, deadline.closed).to_owned(),
        Standing::Running(0) => td_string!(locale, deadline.due_today).to_owned(),
        Standing::Running(n) => fill(
            td_string!(locale, deadline.days_left),
            &[("n", n.to_string())],
        ),
        Standing::Overdue(n) => fill(
            td_string!(locale, deadline.overdue),
            &[("n", n.to_string())],
        ),
    }
}

/// A date for people and for print: `2026-05-06`.
pub fn date_text(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// The `data-standing` attribute of a row (CSS and tests).
fn standing_attr(s: Standing) -> &'static str {
    match s {
        Standing::Met => "met",
        Standing::Running(_) => "running",
        Standing::Overdue(_) => "overdue",
        Standing::Closed => "closed",
    }
}

/// The rows as a table: limit, article, last day, standing (overdue marked, estimates said).
#[component]
pub fn DeadlineList(rows: Vec<DeadlineRow>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="deadlines" data-testid="deadlines">
            <thead>
                <tr>
                    <th scope="col">{move || td_string!(i18n.get_locale(), deadline.col_limit)}</th>
                    <th scope="col">{move || td_string!(i18n.get_locale(), deadline.col_article)}</th>
                    <th scope="col">{move || td_string!(i18n.get_locale(), deadline.col_last_day)}</th>
                    <th scope="col">{move || td_string!(i18n.get_locale(), deadline.col_standing)}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let class = if matches!(r.standing, Standing::Overdue(_)) { "deadline--overdue" } else { "" };
                    let limit: &'static str = r.limit.into();
                    view! {
                        <tr class=class data-testid="deadline-row"
                            data-limit=limit data-standing=standing_attr(r.standing)>
                            <th scope="row">{move || limit_name(i18n.get_locale(), r.limit)}</th>
                            <td>
                                <A href=routes::law_link(r.limit.article().0) attr:data-testid="deadline-law-link">
                                    {move || article(i18n.get_locale(), r.limit)}
                                </A>
                            </td>
                            <td class="mono">{date_text(r.last_day)}
                                {r.estimate.then(|| view! {
                                    <span class="deadline__estimate" data-testid="deadline-estimate">
                                        " " {move || td_string!(i18n.get_locale(), deadline.estimate)}
                                    </span>
                                })}
                            </td>
                            <td>{move || standing_text(i18n.get_locale(), r.standing)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianxin_core::example::petition as example_petition;
    use lianxin_core::period::china;
    use lianxin_core::status::PetitionStatus;

    use lianxin_core::example::cst;

    fn petition(received: DateTime<Utc>) -> Petition {
        let mut p = example_petition();
        p.received_at = received.with_timezone(&china());
        p.identity_unclear = false;
        p.appeal_route = None;
        p
    }

    fn event(status: PetitionStatus, at: DateTime<Utc>) -> StatusEvent {
        StatusEvent {
            status,
            at,
            department: None,
            note: None,
            deadline: None,
            extension_days: None,
        }
    }

    fn limits(rows: &[DeadlineRow]) -> Vec<Limit> {
        rows.iter().map(|r| r.limit).collect()
    }

    #[test]
    fn a_fresh_petition_shows_routing_and_written_notice_with_days_left() {
        let cal = HolidayCalendar::builtin();
        let p = petition(cst(2026, 3, 2, 10));
        let rows = deadline_rows(&p, &[], cst(2026, 3, 5, 9), &cal);
        assert_eq!(limits(&rows), [Limit::Route, Limit::WrittenNotice]);
        // 15 days from 2 March (not counted): 17 March, a Tuesday.
        assert_eq!(
            rows[0].last_day,
            NaiveDate::from_ymd_opt(2026, 3, 17).unwrap()
        );
        assert_eq!(rows[0].standing, Standing::Running(12));
        assert!(!rows[0].estimate);
    }

    #[test]
    fn an_unclear_identity_has_no_written_notice_limit() {
        let cal = HolidayCalendar::builtin();
        let mut p = petition(cst(2026, 3, 2, 10));
        p.identity_unclear = true;
        let rows = deadline_rows(&p, &[], cst(2026, 3, 5, 9), &cal);
        assert_eq!(limits(&rows), [Limit::Route]);
    }

    #[test]
    fn a_limit_past_its_last_day_is_overdue_by_whole_days() {
        let cal = HolidayCalendar::builtin();
        let p = petition(cst(2026, 3, 2, 10));
        let rows = deadline_rows(&p, &[], cst(2026, 3, 20, 9), &cal);
        assert_eq!(rows[0].standing, Standing::Overdue(3));
        let rows = deadline_rows(&p, &[], cst(2026, 3, 17, 23), &cal);
        assert_eq!(
            rows[0].standing,
            Standing::Running(0),
            "the last day runs to 24:00"
        );
    }

    #[test]
    fn a_routed_petition_meets_its_limits_and_starts_the_forwarded_ones() {
        let cal = HolidayCalendar::builtin();
        let p = petition(cst(2026, 3, 2, 10));
        let history = [event(PetitionStatus::Forwarded, cst(2026, 3, 6, 10))];
        let rows = deadline_rows(&p, &history, cst(2026, 3, 9, 9), &cal);
        assert_eq!(rows[0].standing, Standing::Met);
        assert_eq!(rows[1].standing, Standing::Met);
        assert!(limits(&rows).contains(&Limit::Objection));
        assert!(limits(&rows).contains(&Limit::ForwardedNotice));
    }

    #[test]
    fn the_handling_limit_applies_only_to_the_opinion_letter_route() {
        let cal = HolidayCalendar::builtin();
        let history = [event(PetitionStatus::Accepted, cst(2026, 3, 6, 10))];
        let mut p = petition(cst(2026, 3, 2, 10));
        p.category = lianxin_core::petition::Category::AppealRequest;
        p.appeal_route = Some(AppealRoute::AdministrativeProcedure);
        let rows = deadline_rows(&p, &history, cst(2026, 3, 9, 9), &cal);
        assert!(!limits(&rows).contains(&Limit::Handling));
        p.appeal_route = Some(AppealRoute::OpinionLetter);
        let rows = deadline_rows(&p, &history, cst(2026, 3, 9, 9), &cal);
        assert!(limits(&rows).contains(&Limit::Handling));
    }

    #[test]
    fn a_year_without_a_holiday_notice_is_an_estimate() {
        let cal = HolidayCalendar { years: Vec::new() };
        let p = petition(cst(2026, 3, 2, 10));
        let rows = deadline_rows(&p, &[], cst(2026, 3, 5, 9), &cal);
        assert!(rows.iter().all(|r| r.estimate));
    }

    #[test]
    fn articles_are_cited_in_each_language() {
        assert_eq!(article(Locale::en, Limit::Route), "Art. 22 para. 1");
        assert_eq!(
            article(Locale::zh_Hans, Limit::WrittenNotice),
            "第二十三条第二款"
        );
        assert_eq!(
            article(Locale::zh_Hant, Limit::Handling),
            "第三十四條第一款"
        );
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(36), "三十六");
        assert_eq!(chinese_number(5), "五");
    }

    #[test]
    fn the_standing_is_said_in_words() {
        assert_eq!(
            standing_text(Locale::en, Standing::Running(3)),
            "3 days left"
        );
        assert_eq!(
            standing_text(Locale::en, Standing::Overdue(2)),
            "Overdue by 2 days"
        );
        assert_eq!(
            standing_text(Locale::zh_Hans, Standing::Running(0)),
            "今天截止"
        );
    }
}
