//! The sign-in page: through the organisation's identity provider, or (the demo) a one-time link.

use maud::{Markup, html};

use crate::i18n::L10n;

/// Why the reader is on the sign-in page again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    None,
    SignedOut,
    Failed,
    CodeUsed,
}

pub fn body(l: L10n, provider: bool, notice: Notice) -> Markup {
    html! {
        @match notice {
            Notice::None => {},
            Notice::SignedOut => p.banner role="status" { (l.t("sign-in-signed-out")) },
            Notice::Failed => p.refusal role="alert" { (l.t("sign-in-failed")) },
            Notice::CodeUsed => p.refusal role="alert" { (l.t("sign-in-code-used")) },
        }
        p { (l.t("sign-in-intro")) }
        @if provider {
            p { a.button.primary href="/sign-in/start" { (l.t("sign-in-with-provider")) } }
        } @else {
            p.note { (l.t("sign-in-no-provider")) }
        }
    }
}

/// The missions a reader of several may open.
pub fn missions(l: L10n, missions: &[(String, String, String)]) -> Markup {
    html! {
        @if missions.is_empty() {
            p { (l.t("missions-none")) }
        } @else {
            ul {
                @for (href, code, name) in missions {
                    li { a href=(href) { (code) " — " (name) } }
                }
            }
            p { a href="/review" { (l.t("review-nav-all")) } }
        }
    }
}
