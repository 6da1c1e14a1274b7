//! A staff member's personal data, for ADMIN: who looked at their restricted data (when, who, in
//! which role, which data, through which door), and the form erasing it for good.

use cla_staff::projections::access::AccessRecord;
use maud::{Markup, html};

use crate::i18n::L10n;

pub struct PrivacyPage<'a> {
    pub code: &'a str,
    pub staff: &'a str,
    pub name: &'a str,
    pub erased: bool,
    pub looks: &'a [AccessRecord],
    pub csrf: &'a str,
    /// A refused erasure: the refusal's key and the reason as typed.
    pub refusal: Option<(&'a str, &'a str)>,
    pub done: bool,
}

fn datum(l: L10n, name: &str) -> String {
    match name {
        "homeCommunity" => l.t("privacy-datum-home-community"),
        "phoneNumber" => l.t("privacy-datum-phone-number"),
        "duressHash" => l.t("privacy-datum-duress"),
        "checkInNotes" => l.t("privacy-datum-check-in-notes"),
        "riskNotes" => l.t("privacy-datum-risk-notes"),
        "vettingNotes" => l.t("privacy-datum-vetting-notes"),
        "separationNotes" => l.t("privacy-datum-separation-notes"),
        "smsText" => l.t("privacy-datum-sms"),
        other => other.to_string(),
    }
}

pub fn page(l: L10n, p: &PrivacyPage<'_>) -> Markup {
    let action = format!("/missions/{}/staff/{}/privacy", p.code, p.staff);
    html! {
        p { a href=(format!("/missions/{}/staff/{}", p.code, p.staff)) { (l.t("privacy-back")) } }
        @if p.done { p.done role="status" { (l.t("privacy-done")) } }
        p #privacy-status {
            @if p.erased { strong { (l.t("privacy-erased")) } } @else { (l.t("privacy-kept")) }
        }
        table #privacy-looks {
            caption { (l.t_args("privacy-looks-title", &[("count", l.count(p.looks.len()))])) }
            thead { tr {
                th scope="col" { (l.t("privacy-col-at")) }
                th scope="col" { (l.t("privacy-col-who")) }
                th scope="col" { (l.t("privacy-col-role")) }
                th scope="col" { (l.t("privacy-col-data")) }
                th scope="col" { (l.t("privacy-col-door")) }
            } }
            tbody {
                @if p.looks.is_empty() { tr { td colspan="5" { (l.t("privacy-looks-none")) } } }
                @for look in p.looks {
                    tr {
                        td { (l.date_time(look.at)) }
                        td { (look.viewer_id) }
                        td { (look.viewer_role) }
                        td { (look.data.iter().map(|d| datum(l, d)).collect::<Vec<_>>().join(", ")) }
                        td { (look.door) }
                    }
                }
            }
        }
        @if !p.erased {
            h2 { (l.t("privacy-erase-title")) }
            p { (l.t("privacy-erase-explained")) }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(p.csrf);
                div.field {
                    label for="reason" { (l.t("privacy-reason")) }
                    @if let Some((key, _)) = p.refusal {
                        span.error #reason-error { (l.t(key)) }
                    }
                    textarea #reason name="reason" required rows="3"
                        aria-describedby=[p.refusal.map(|_| "reason-error")] {
                        (p.refusal.map_or("", |(_, typed)| typed))
                    }
                }
                button type="submit" { (l.t_args("privacy-erase", &[("name", p.name.to_string())])) }
            }
        }
    }
}
