//! The catalogues are complete: every key in both languages, every key used by a page, every key
//! a page asks for defined; the enumerable keys (statuses, refusals, lists) all render.

use std::collections::BTreeSet;
use std::path::Path;

use cla_web::i18n::{CATALOGUES, L10n, Lang, keys_of};

/// The sources of the pages, without their test modules.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let text = match text.find("#[cfg(test)]") {
                    Some(i) => text[..i].to_string(),
                    None => text,
                };
                out.push((path.display().to_string(), text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    assert!(out.len() > 5, "the sources are found");
    out
}

/// The string literals passed straight to `.t(` or `.t_args(`.
fn asked_for(text: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for call in [".t(\"", ".t_args(\"", ".t_args(\n"] {
        let mut rest = text;
        while let Some(i) = rest.find(call) {
            rest = &rest[i + call.len()..];
            let literal = if call.ends_with('\n') {
                let trimmed = rest.trim_start();
                match trimmed.strip_prefix('"') {
                    Some(t) => t,
                    None => continue,
                }
            } else {
                rest
            };
            if let Some(end) = literal.find('"') {
                keys.insert(literal[..end].to_string());
            }
        }
    }
    keys
}

#[test]
fn every_key_is_in_both_languages_used_and_defined() {
    let en: BTreeSet<String> = keys_of(CATALOGUES[0].1).into_iter().collect();
    let fr: BTreeSet<String> = keys_of(CATALOGUES[1].1).into_iter().collect();
    assert_eq!(CATALOGUES[0].0, Lang::En);
    assert!(en.len() > 50, "{} keys", en.len());
    let only_en: Vec<_> = en.difference(&fr).collect();
    let only_fr: Vec<_> = fr.difference(&en).collect();
    assert!(only_en.is_empty(), "missing in fr.ftl: {only_en:?}");
    assert!(only_fr.is_empty(), "missing in en.ftl: {only_fr:?}");

    let sources = sources();
    let all: String = sources.iter().map(|(_, t)| t.as_str()).collect();
    let unused: Vec<_> = en
        .iter()
        .filter(|k| !all.contains(&format!("\"{k}\"")))
        .collect();
    assert!(unused.is_empty(), "keys no page uses: {unused:?}");
    let asked: BTreeSet<String> = sources.iter().flat_map(|(_, t)| asked_for(t)).collect();
    assert!(asked.len() > 40, "{} keys asked for", asked.len());
    let undefined: Vec<_> = asked.difference(&en).collect();
    assert!(
        undefined.is_empty(),
        "keys asked for but not defined: {undefined:?}"
    );
}

#[test]
fn the_keys_chosen_at_run_time_render_in_both_languages() {
    use cla_staffing::projections::Coverage;
    use cla_web::pages::board::{Filters, status};
    use cla_web::pages::lists::Kind;
    use cla_web::pages::refusal::Refused;
    for lang in Lang::ALL {
        let l = L10n::new(lang);
        let mut keys: Vec<&str> = [
            "lone",
            "overdue",
            "flags",
            "rotations",
            "appointments",
            "unsupervised",
            "not-visited",
        ]
        .iter()
        .map(|k| Kind::parse(k).expect("a list").title_key())
        .collect();
        keys.extend(
            [Refused::Forbidden, Refused::NotFound, Refused::Unavailable].map(|r| r.title_key()),
        );
        keys.push(Filters::parse(None, Some("x"), None).unwrap_err().key);
        keys.push(Filters::parse(None, None, Some("x")).unwrap_err().key);
        keys.push(
            cla_web::travel::Travel::parse(Some("x"), None)
                .unwrap_err()
                .key,
        );
        keys.push(
            cla_web::travel::Travel::parse(None, Some("x"))
                .unwrap_err()
                .key,
        );
        for key in keys {
            assert!(!l.t(key).contains('⟦'), "{key} in {lang:?}");
        }
        for c in [Coverage::Ok, Coverage::BelowMinimum, Coverage::Empty] {
            let shown = status(l, c).into_string();
            assert!(!shown.contains('⟦'), "{shown}");
        }
    }
}
