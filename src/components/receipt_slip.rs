//! The written receipt of Art. 23 para. 2 (当场书面告知), laid out to print on one A5 page
//! (`@media print` in style/main.css): the registration number, the query code, a QR code of the
//! status-lookup link, the reception time, and every time limit with the article behind it.
//!
//! Before the first sync there is no registration number yet: the slip is provisional, with a
//! local reference derived from the record's id (never called 登记编号) and 「登记号待同步」.
//!
//! The QR code is drawn by the `qrcode` crate (no default features: no image crate) as one SVG
//! path. Only the record page renders a slip, so the encoder lives in that page's wasm module.

use leptos::prelude::*;
use qrcode::{Color, EcLevel, QrCode};
use uuid::Uuid;

use crate::components::deadline_list::{DeadlineList, DeadlineRow};
use crate::formatting::china_time;
use crate::i18n::{t, td_string, use_i18n};
use crate::routes;

/// Modules of light margin around the code (the quiet zone the QR standard asks for).
const QUIET: usize = 4;

/// `text` as an SVG QR code (error correction M: a printed slip survives a fold), the dark
/// modules as one path of horizontal runs; `None` if `text` is too long for any QR version.
/// `label` is its accessible name.
pub fn qr_svg(text: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Dark {
                let start = x;
                while x < width && row[x] == Color::Dark {
                    x += 1;
                }
                let run = x - start;
                path.push_str(&format!("M{} {}h{run}v1h-{run}z", start + QUIET, y + QUIET));
            } else {
                x += 1;
            }
        }
    }
    let size = width + 2 * QUIET;
    let label: String = label
        .chars()
        .filter(|c| !matches!(c, '<' | '>' | '&' | '"'))
        .collect();
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{label}\" data-modules=\"{width}\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

/// The local reference of a record not yet numbered: the last eight hex digits of its id (the
/// random part of a UUIDv7; the leading digits are a timestamp that records made in the same
/// minute share), upper-case, in two groups: `LX-8F00-5A1D`.
pub fn local_reference(id: Uuid) -> String {
    let hex = id.simple().to_string().to_ascii_uppercase();
    let tail = &hex[hex.len() - 8..];
    format!("LX-{}-{}", &tail[..4], &tail[4..])
}

/// What a slip shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Slip {
    /// The record's id (its local reference while unnumbered).
    pub record_id: Uuid,
    /// The registration number, once the server has given it.
    pub registration_no: Option<String>,
    /// The query code, once the server has given it.
    pub query_code: Option<String>,
    /// When the bureau received the petition (RFC 3339).
    pub received_at: Option<String>,
    /// The time limits.
    pub rows: Vec<DeadlineRow>,
    /// An Art. 31(6) matter not accepted yet: the 60-day limit of Art. 34 will run from acceptance.
    pub handling_to_come: bool,
}

impl Slip {
    /// Whether the slip is provisional (no registration number yet).
    pub fn provisional(&self) -> bool {
        self.registration_no.is_none()
    }
}

/// The slip, with a button that prints it.
#[component]
pub fn ReceiptSlip(slip: Slip) -> impl IntoView {
    let i18n = use_i18n();
    let provisional = slip.provisional();
    let link = slip
        .query_code
        .as_deref()
        .map(|code| routes::query_link(&window().location().origin().unwrap_or_default(), code));
    let qr = {
        let link = link.clone();
        move || {
            let label = td_string!(i18n.get_locale(), receipt.qr_label);
            link.as_deref().and_then(|l| qr_svg(l, label))
        }
    };
    let received = slip.received_at.as_deref().and_then(china_time);
    view! {
        <section class="slip" aria-labelledby="slip-title" data-testid="receipt-slip"
            data-provisional=provisional.to_string()>
            <h2 id="slip-title">
                {if provisional { t!(i18n, receipt.provisional_title).into_any() } else { t!(i18n, receipt.title).into_any() }}
            </h2>
            <p class="slip__issuer">{t!(i18n, receipt.issuer)}</p>
            <dl class="facts slip__facts">
                {match slip.registration_no.clone() {
                    Some(no) => view! {
                        <dt>{t!(i18n, receipt.registration_no)}</dt>
                        <dd class="mono slip__number" data-testid="slip-registration-no">{no}</dd>
                    }.into_any(),
                    None => view! {
                        <dt>{t!(i18n, receipt.local_ref)}</dt>
                        <dd class="mono" data-testid="slip-local-ref">{local_reference(slip.record_id)}</dd>
                        <dt>{t!(i18n, receipt.registration_no)}</dt>
                        <dd data-testid="slip-pending">{t!(i18n, receipt.pending)}</dd>
                    }.into_any(),
                }}
                {slip.query_code.clone().map(|code| view! {
                    <dt>{t!(i18n, receipt.query_code)}</dt>
                    <dd class="mono slip__number" data-testid="slip-query-code">{code}</dd>
                })}
                {received.map(|r| view! {
                    <dt>{t!(i18n, receipt.received_at)}</dt>
                    <dd data-testid="slip-received-at">{r} " " {t!(i18n, receipt.china_time)}</dd>
                })}
            </dl>
            {if provisional {
                view! { <p class="slip__note" data-testid="slip-provisional-note">{t!(i18n, receipt.provisional_note)}</p> }.into_any()
            } else {
                view! {
                    <div class="slip__lookup">
                        <div class="slip__qr" data-testid="slip-qr" inner_html=qr></div>
                        <p>{t!(i18n, receipt.lookup)} <br />
                            <span class="mono slip__link" data-testid="slip-link">{link.clone().unwrap_or_default()}</span>
                        </p>
                    </div>
                }.into_any()
            }}
            <h3>{t!(i18n, receipt.limits_title)}</h3>
            <DeadlineList rows=slip.rows.clone() />
            {slip.handling_to_come.then(|| view! { <p class="slip__note">{t!(i18n, receipt.handling_to_come)}</p> })}
            <p class="slip__note">{t!(i18n, receipt.limits_note)}</p>
            <p class="no-print">
                <button type="button" class="button" data-testid="print-slip"
                    on:click=|_| { let _ = window().print(); }>
                    {if provisional { t!(i18n, receipt.print_provisional).into_any() } else { t!(i18n, receipt.print).into_any() }}
                </button>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_link_becomes_a_square_svg_with_a_quiet_zone() {
        let svg = qr_svg("http://127.0.0.1:8080/query?code=ABCDEFGH2345", "QR").unwrap();
        assert!(svg.starts_with("<svg "));
        assert!(svg.ends_with("</svg>"));
        // 46 bytes at level M: version 4, 33 modules, plus 4 on each side.
        assert!(svg.contains("data-modules=\"33\""), "{svg}");
        assert!(svg.contains("viewBox=\"0 0 41 41\""));
        // The top-left finder pattern: a run of 7 dark modules at (4, 4).
        assert!(svg.contains("M4 4h7v1h-7z"));
    }

    #[test]
    fn the_qr_label_cannot_break_out_of_its_attribute() {
        let svg = qr_svg("x", "a\"><script>").unwrap();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("aria-label=\"ascript\""));
    }

    #[test]
    fn text_too_long_for_any_qr_version_has_no_code() {
        assert!(qr_svg(&"x".repeat(3_000), "QR").is_none());
    }

    #[test]
    fn a_local_reference_uses_the_random_end_of_the_id_and_is_no_registration_number() {
        let id = Uuid::parse_str("0193a5c2-7b1e-7cc0-8f00-5a1d2e3f4a5b").unwrap();
        assert_eq!(local_reference(id), "LX-2E3F-4A5B");
        let other = Uuid::parse_str("0193a5c2-7b1e-7cc0-8f00-5a1d2e3f9999").unwrap();
        assert_ne!(local_reference(id), local_reference(other));
        assert!(!local_reference(id).starts_with("CZXF"));
    }

    #[test]
    fn a_slip_without_a_registration_number_is_provisional() {
        let slip = Slip {
            record_id: Uuid::nil(),
            registration_no: None,
            query_code: None,
            received_at: None,
            rows: vec![],
            handling_to_come: false,
        };
        assert!(slip.provisional());
        let numbered = Slip {
            registration_no: Some("CZXF-2026-000001".into()),
            ..slip
        };
        assert!(!numbered.provisional());
    }
}
