//! English and French: Project Fluent catalogues (`locales/*.ftl`, compiled into the binary), the
//! reader's language (a remembered choice, else `Accept-Language`), and dates, numbers and
//! percentages in the language's format.
//!
//! Numbers are formatted here and handed to the catalogues as text: fluent-bundle's `NUMBER()`
//! does not group digits or use a decimal comma.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language the pages are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Fr,
}

/// The catalogues' sources, by language.
pub const CATALOGUES: [(Lang, &str); 2] = [
    (Lang::En, include_str!("../locales/en.ftl")),
    (Lang::Fr, include_str!("../locales/fr.ftl")),
];

/// The narrow no-break space French puts between digit groups and before `%`.
const NARROW_NBSP: char = '\u{202F}';

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn parse(text: &str) -> Option<Lang> {
        let primary = text.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// The best of ours for an `Accept-Language` header (highest `q` first; English where none
    /// of ours is asked for).
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let Some(header) = accept_language else {
            return Lang::En;
        };
        let mut asked: Vec<(f32, usize, Lang)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let lang = Lang::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, i, lang))
            })
            .collect();
        asked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        asked.first().map_or(Lang::En, |a| a.2)
    }
}

struct Catalogues {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
}

static CATALOGUES_LOADED: LazyLock<Catalogues> = LazyLock::new(|| {
    let bundles = CATALOGUES
        .iter()
        .map(|(lang, source)| {
            let resource = FluentResource::try_new(source.to_string())
                .unwrap_or_else(|(_, e)| panic!("locales/{}.ftl: {e:?}", lang.code()));
            let id = lang.code().parse().expect("a language identifier");
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .unwrap_or_else(|e| panic!("locales/{}.ftl: {e:?}", lang.code()));
            (*lang, bundle)
        })
        .collect();
    Catalogues { bundles }
});

/// What a page is written with: its language's catalogue and formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L10n {
    pub lang: Lang,
}

impl L10n {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The message `key`; a missing key shows as `⟦key⟧` (and fails the catalogue tests).
    pub fn t(&self, key: &str) -> String {
        self.t_args(key, &[])
    }

    /// The message `key` with its arguments (text; numbers are formatted first).
    pub fn t_args(&self, key: &str, args: &[(&str, String)]) -> String {
        let bundle = &CATALOGUES_LOADED.bundles[&self.lang];
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(
                key,
                lang = self.lang.code(),
                "no such message in the catalogue"
            );
            return format!("⟦{key}⟧");
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(value.as_str()));
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(
                key,
                lang = self.lang.code(),
                "a message's arguments are missing"
            );
        }
        text.into_owned()
    }

    /// A date: 15 Jul 2026 in English, 15/07/2026 in French.
    pub fn date(&self, day: NaiveDate) -> String {
        match self.lang {
            Lang::En => {
                const MONTHS: [&str; 12] = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ];
                format!(
                    "{} {} {}",
                    day.day(),
                    MONTHS[day.month0() as usize],
                    day.year()
                )
            }
            Lang::Fr => day.format("%d/%m/%Y").to_string(),
        }
    }

    /// A moment (UTC): the date and the time of day.
    pub fn date_time(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        format!("{} {} UTC", self.date(at.date_naive()), at.format("%H:%M"))
    }

    /// A whole number with its digits grouped: 1,234 / 1 234.
    pub fn number(&self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let separator = match self.lang {
            Lang::En => ',',
            Lang::Fr => NARROW_NBSP,
        };
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(separator);
            }
            grouped.push(c);
        }
        if n < 0 {
            grouped.insert(0, '-');
        }
        grouped
    }

    /// A count (any unsigned integer).
    pub fn count(&self, n: impl TryInto<i64>) -> String {
        self.number(n.try_into().unwrap_or(i64::MAX))
    }

    /// A percentage with one decimal: 82.9% / 82,9 %.
    pub fn percent(&self, value: f64) -> String {
        let tenths = (value * 10.0).round() as i64;
        let whole = self.number(tenths / 10);
        let decimal = (tenths % 10).abs();
        let sign = if tenths < 0 && tenths / 10 == 0 {
            "-"
        } else {
            ""
        };
        match self.lang {
            Lang::En => format!("{sign}{whole}.{decimal}%"),
            Lang::Fr => format!("{sign}{whole},{decimal}{NARROW_NBSP}%"),
        }
    }
}

/// Every message id a catalogue defines.
pub fn keys_of(source: &str) -> Vec<String> {
    let resource = match FluentResource::try_new(source.to_string()) {
        Ok(r) => r,
        Err((r, _)) => r,
    };
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_numbers_and_percentages_follow_the_language() {
        let en = L10n::new(Lang::En);
        let fr = L10n::new(Lang::Fr);
        let day = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        assert_eq!(en.date(day), "15 Jul 2026");
        assert_eq!(fr.date(day), "15/07/2026");
        assert_eq!(fr.percent(82.94), "82,9\u{202F}%");
        assert_eq!(en.percent(82.94), "82.9%");
        assert_eq!(en.percent(100.0), "100.0%");
        assert_eq!(fr.percent(0.04), "0,0\u{202F}%");
        assert_eq!(en.number(1_234_567), "1,234,567");
        assert_eq!(fr.number(1_234), "1\u{202F}234");
        assert_eq!(en.number(999), "999");
        assert_eq!(en.number(-1_000), "-1,000");
    }

    #[test]
    fn the_language_is_negotiated_from_accept_language() {
        assert_eq!(Lang::negotiate(None), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr-CD,fr;q=0.9,en;q=0.8")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("de, en;q=0.5, fr;q=0.7")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("sw, ln")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr;q=0, en")), Lang::En);
    }

    #[test]
    fn messages_take_their_arguments_without_isolation_marks() {
        let fr = L10n::new(Lang::Fr);
        let text = fr.t_args("signed-in-as", &[("name", "Amina".into())]);
        assert!(text.contains("Amina"), "{text}");
        assert!(!text.contains('\u{2068}'), "{text:?}");
        assert_eq!(fr.t("no-such-key-here"), "⟦no-such-key-here⟧");
    }
}
