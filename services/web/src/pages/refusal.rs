//! What a reader is refused, said in words with the way forward: another mission's data is a
//! refusal (never an empty page that looks like "none"), and says nothing of what lies there.

use maud::{Markup, html};

use crate::i18n::L10n;

/// Why a page is not shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Outside the reader's role or missions.
    Forbidden,
    NotFound,
    /// The read models are not ready (starting, catching up).
    Unavailable,
}

impl Refused {
    pub fn title_key(self) -> &'static str {
        match self {
            Refused::Forbidden => "refusal-forbidden-title",
            Refused::NotFound => "refusal-not-found-title",
            Refused::Unavailable => "refusal-unavailable-title",
        }
    }
}

pub fn body(l: L10n, refused: Refused) -> Markup {
    let text = match refused {
        Refused::Forbidden => "refusal-forbidden",
        Refused::NotFound => "refusal-not-found",
        Refused::Unavailable => "refusal-unavailable",
    };
    html! {
        div.refusal role="alert" {
            p { (l.t(text)) }
        }
        p { a href="/" { (l.t("refusal-back")) } }
    }
}
