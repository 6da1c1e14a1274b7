//! The texts sent back to a CLA, per language (English and French by default; settings replace or
//! add any). No reply says whether a flag was raised, and a duress word is answered with the OK
//! text, byte for byte.

use std::collections::BTreeMap;

use cla_risk::events::Welfare;

/// Which reply a message gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyKind {
    Ok,
    Help,
    Danger,
    /// No keyword was found.
    Unknown,
    /// The number is no current staff member's.
    Unregistered,
}

impl ReplyKind {
    pub const ALL: [ReplyKind; 5] = [
        ReplyKind::Ok,
        ReplyKind::Help,
        ReplyKind::Danger,
        ReplyKind::Unknown,
        ReplyKind::Unregistered,
    ];

    /// As settings name it.
    pub fn name(self) -> &'static str {
        match self {
            ReplyKind::Ok => "ok",
            ReplyKind::Help => "help",
            ReplyKind::Danger => "danger",
            ReplyKind::Unknown => "unknown",
            ReplyKind::Unregistered => "unregistered",
        }
    }

    pub fn of(welfare: Welfare) -> Self {
        match welfare {
            Welfare::NeedsAssistance => ReplyKind::Help,
            Welfare::UnderThreat => ReplyKind::Danger,
            Welfare::Unknown | Welfare::Unspecified => ReplyKind::Unknown,
            Welfare::Ok => ReplyKind::Ok,
        }
    }
}

/// Reply texts by language and kind.
#[derive(Clone, Debug)]
pub struct Replies {
    texts: BTreeMap<(String, &'static str), String>,
}

impl Default for Replies {
    fn default() -> Self {
        let mut texts = BTreeMap::new();
        for (lang, kind, text) in [
            ("en", ReplyKind::Ok, "Received, thank you. Stay safe."),
            (
                "en",
                ReplyKind::Help,
                "Received. Your manager will contact you.",
            ),
            (
                "en",
                ReplyKind::Danger,
                "Received. Your manager will contact you.",
            ),
            (
                "en",
                ReplyKind::Unknown,
                "Received. Reply OK, HELP or DANGER.",
            ),
            (
                "en",
                ReplyKind::Unregistered,
                "Received. This number is not registered: please contact your manager.",
            ),
            ("fr", ReplyKind::Ok, "Reçu, merci. Prenez soin de vous."),
            (
                "fr",
                ReplyKind::Help,
                "Reçu. Votre responsable va vous contacter.",
            ),
            (
                "fr",
                ReplyKind::Danger,
                "Reçu. Votre responsable va vous contacter.",
            ),
            (
                "fr",
                ReplyKind::Unknown,
                "Reçu. Répondez BIEN, AIDE ou DANGER.",
            ),
            (
                "fr",
                ReplyKind::Unregistered,
                "Reçu. Ce numéro n'est pas enregistré : contactez votre responsable.",
            ),
        ] {
            texts.insert((lang.to_string(), kind.name()), text.to_string());
        }
        Self { texts }
    }
}

impl Replies {
    /// The defaults, with `custom` (language → kind name → text) replacing or adding texts.
    pub fn with(custom: &BTreeMap<String, BTreeMap<String, String>>) -> Result<Self, String> {
        let mut replies = Self::default();
        for (lang, texts) in custom {
            for (name, text) in texts {
                let kind = ReplyKind::ALL
                    .into_iter()
                    .find(|k| k.name() == name)
                    .ok_or_else(|| {
                        format!("{name:?} is not a reply (ok, help, danger, unknown, unregistered)")
                    })?;
                replies
                    .texts
                    .insert((lang.to_ascii_lowercase(), kind.name()), text.clone());
            }
        }
        Ok(replies)
    }

    /// The text of `kind` in `language`, else in English.
    pub fn text(&self, language: &str, kind: ReplyKind) -> &str {
        self.texts
            .get(&(language.to_string(), kind.name()))
            .or_else(|| self.texts.get(&("en".to_string(), kind.name())))
            .map(String::as_str)
            .unwrap_or("")
    }
}
