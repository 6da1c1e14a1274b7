//! Check-in keywords and how a message is read.
//!
//! A message's first word is its keyword and the rest its note; matching ignores case, accents,
//! spacing and punctuation ("  Bién ! all calm" reads BIEN, note "all calm"; "o k" reads OK). Every
//! mission knows the English and French words — OK/BIEN (safe), HELP/AIDE (needs assistance),
//! DANGER (under threat) — and the words its settings add per welfare (Swahili, Lingala, Sango…).
//! A text with no keyword is kept whole as the note of a check-in whose welfare is unknown.

use std::collections::{BTreeMap, HashMap};

use cla_risk::events::Welfare;
use cla_staff::duress::normalize;

/// The welfare a keyword names, as settings spell it: `ok`, `help`, `danger`.
pub fn welfare_named(name: &str) -> Option<Welfare> {
    match name {
        "ok" => Some(Welfare::Ok),
        "help" => Some(Welfare::NeedsAssistance),
        "danger" => Some(Welfare::UnderThreat),
        _ => None,
    }
}

/// A mission's keywords.
#[derive(Clone, Debug)]
pub struct Keywords {
    words: HashMap<String, Welfare>,
}

/// What a message says.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// Unknown where no keyword was found.
    pub welfare: Welfare,
    /// The rest of the message after its keyword; the whole text where none was found.
    pub note: String,
    /// The first word as matching reads it: what a duress word is checked against.
    pub first_word: String,
}

impl Default for Keywords {
    fn default() -> Self {
        let mut words = HashMap::new();
        for (word, welfare) in [
            ("OK", Welfare::Ok),
            ("BIEN", Welfare::Ok),
            ("HELP", Welfare::NeedsAssistance),
            ("AIDE", Welfare::NeedsAssistance),
            ("DANGER", Welfare::UnderThreat),
        ] {
            words.insert(word.to_string(), welfare);
        }
        Self { words }
    }
}

impl Keywords {
    /// The default words and `extra` (welfare name → words).
    pub fn with_extra(extra: &BTreeMap<String, Vec<String>>) -> Result<Self, String> {
        let mut keywords = Self::default();
        for (name, words) in extra {
            let welfare =
                welfare_named(name).ok_or_else(|| format!("{name:?} is not ok, help or danger"))?;
            for word in words {
                let word = normalize(word);
                if word.is_empty() {
                    return Err(format!("an empty keyword for {name}"));
                }
                keywords.words.insert(word, welfare);
            }
        }
        Ok(keywords)
    }

    /// Whether a word (as [`normalize`] reads it) is a keyword.
    pub fn is_keyword(&self, word: &str) -> bool {
        self.words.contains_key(word)
    }

    pub fn read(&self, text: &str) -> Reading {
        let trimmed = text.trim();
        let (first, rest) = trimmed
            .split_once(char::is_whitespace)
            .unwrap_or((trimmed, ""));
        let first_word = normalize(first);
        if let Some(welfare) = self.words.get(&first_word) {
            return Reading {
                welfare: *welfare,
                note: rest
                    .trim()
                    .trim_start_matches(['!', '.', ',', ':', '-'])
                    .trim()
                    .into(),
                first_word,
            };
        }
        if let Some(welfare) = self.words.get(&normalize(trimmed)) {
            return Reading {
                welfare: *welfare,
                note: String::new(),
                first_word,
            };
        }
        Reading {
            welfare: Welfare::Unknown,
            note: trimmed.to_string(),
            first_word,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_word_is_the_keyword_whatever_its_case_accents_and_spacing() {
        let k = Keywords::default();
        for (text, welfare, note) in [
            ("OK", Welfare::Ok, ""),
            ("  ok  ", Welfare::Ok, ""),
            ("Bien", Welfare::Ok, ""),
            ("BIÉN tout va bien", Welfare::Ok, "tout va bien"),
            ("o k", Welfare::Ok, ""),
            (
                "help road blocked",
                Welfare::NeedsAssistance,
                "road blocked",
            ),
            ("Aidé !", Welfare::NeedsAssistance, ""),
            ("danger! armed men", Welfare::UnderThreat, "armed men"),
            ("Dänger", Welfare::UnderThreat, ""),
            ("the road is cut", Welfare::Unknown, "the road is cut"),
        ] {
            let r = k.read(text);
            assert_eq!((r.welfare, r.note.as_str()), (welfare, note), "{text:?}");
        }
    }

    #[test]
    fn missions_add_words_of_their_languages() {
        let extra = BTreeMap::from([
            ("ok".to_string(), vec!["Sawa".to_string()]),
            ("danger".to_string(), vec!["Hatari".to_string()]),
        ]);
        let k = Keywords::with_extra(&extra).unwrap();
        assert_eq!(k.read("sawa").welfare, Welfare::Ok);
        assert_eq!(k.read("HATARI watu").welfare, Welfare::UnderThreat);
        assert_eq!(k.read("ok").welfare, Welfare::Ok, "the defaults stay");
        let bad = BTreeMap::from([("calm".to_string(), vec!["x".to_string()])]);
        assert!(Keywords::with_extra(&bad).is_err());
    }
}
