//! Counts that could single out a person are withheld from those who see counts only.
//!
//! A count of risk flags at a base with one CLA says whether that CLA is at risk. For readers who
//! may not see risk detail, no published count covers fewer than [`MIN_PEOPLE`] people: a cell
//! below it is withheld, and while the withheld cells together cover fewer than the minimum (so
//! that a total minus the published cells would give them away) the smallest published cell is
//! withheld too. Where the whole covers fewer than the minimum, the total is withheld as well.

use std::collections::{BTreeMap, BTreeSet};

/// The fewest people a published count may cover.
pub const MIN_PEOPLE: usize = 3;

/// What to withhold of one total and its cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Withheld<K: Ord> {
    pub cells: BTreeSet<K>,
    /// The total itself covers fewer than the minimum.
    pub total: bool,
}

/// The cells (each with the people it covers) to withhold so that none published covers fewer
/// than [`MIN_PEOPLE`] and the withheld ones cannot be worked out from the total. A cell covering
/// nobody counts nothing and is never withheld.
pub fn withhold<K: Ord + Clone>(cells: &BTreeMap<K, usize>) -> Withheld<K> {
    let total: usize = cells.values().sum();
    if total < MIN_PEOPLE {
        return Withheld {
            cells: cells
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, _)| k.clone())
                .collect(),
            total: total > 0,
        };
    }
    let mut withheld: BTreeSet<K> = cells
        .iter()
        .filter(|(_, n)| **n > 0 && **n < MIN_PEOPLE)
        .map(|(k, _)| k.clone())
        .collect();
    let mut covered: usize = withheld.iter().map(|k| cells[k]).sum();
    if covered > 0 && covered < MIN_PEOPLE {
        // The smallest published cells join the withheld until together they cover enough.
        let mut published: Vec<(&K, usize)> = cells
            .iter()
            .filter(|(k, n)| **n > 0 && !withheld.contains(*k))
            .map(|(k, n)| (k, *n))
            .collect();
        published.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
        for (k, n) in published {
            if covered >= MIN_PEOPLE {
                break;
            }
            withheld.insert(k.clone());
            covered += n;
        }
    }
    Withheld {
        cells: withheld,
        total: false,
    }
}

/// What a counts-only reader may not see of a mission's places: its bases, its field offices, and
/// the mission's own total. Bases are grouped by field office; a base at no office, or people at
/// no base, are cells of the mission as offices are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacesWithheld {
    pub bases: BTreeSet<String>,
    pub field_offices: BTreeSet<String>,
    pub mission: bool,
}

impl PlacesWithheld {
    /// From the people each base covers (`people[base]`, the empty id for people at no base) and
    /// each base's field office.
    pub fn of(
        people: &BTreeMap<String, BTreeSet<String>>,
        office_of: &BTreeMap<String, String>,
    ) -> Self {
        // The mission's cells: its field offices, and what lies at no office.
        let mut by_office: BTreeMap<String, BTreeSet<&String>> = BTreeMap::new();
        for (base, who) in people {
            let office = office_of.get(base).cloned().unwrap_or_default();
            by_office.entry(office).or_default().extend(who.iter());
        }
        let offices = withhold(
            &by_office
                .iter()
                .map(|(o, who)| (o.clone(), who.len()))
                .collect(),
        );
        let mut bases = BTreeSet::new();
        for (office, _) in by_office.iter().filter(|(o, _)| !o.is_empty()) {
            let here: BTreeMap<String, usize> = people
                .iter()
                .filter(|(b, _)| office_of.get(*b) == Some(office))
                .map(|(b, who)| (b.clone(), who.len()))
                .collect();
            if offices.cells.contains(office) {
                bases.extend(here.into_keys());
            } else {
                bases.extend(withhold(&here).cells);
            }
        }
        // People at no base are never shown as a place; a base at no office stands for itself.
        for (base, who) in people {
            if !base.is_empty() && !office_of.contains_key(base) && who.len() < MIN_PEOPLE {
                bases.insert(base.clone());
            }
        }
        Self {
            bases,
            field_offices: offices
                .cells
                .into_iter()
                .filter(|o| !o.is_empty())
                .collect(),
            mission: offices.total,
        }
    }

    pub fn nothing() -> Self {
        Self::default()
    }

    /// Every withheld place: bases and field offices.
    pub fn places(&self) -> BTreeSet<String> {
        self.bases
            .iter()
            .chain(&self.field_offices)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(list: &[(&str, usize)]) -> BTreeMap<String, usize> {
        list.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    }

    fn keys(set: &BTreeSet<String>) -> Vec<&str> {
        set.iter().map(String::as_str).collect()
    }

    #[test]
    fn a_lone_person_is_withheld_with_the_smallest_cell_beside_them() {
        let w = withhold(&cells(&[("lone", 1), ("big", 9), ("mid", 4), ("empty", 0)]));
        // One person alone would be the total minus the rest: the next smallest cell joins.
        assert_eq!(keys(&w.cells), ["lone", "mid"]);
        assert!(!w.total);
    }

    #[test]
    fn cells_of_enough_people_are_published_and_small_ones_together_can_be_enough() {
        assert!(withhold(&cells(&[("a", 3), ("b", 5)])).cells.is_empty());
        let w = withhold(&cells(&[("a", 1), ("b", 2), ("c", 7)]));
        assert_eq!(
            keys(&w.cells),
            ["a", "b"],
            "together 3: nothing more to hide"
        );
    }

    #[test]
    fn a_total_of_too_few_people_is_withheld_with_every_cell() {
        let w = withhold(&cells(&[("a", 1), ("b", 1), ("c", 0)]));
        assert_eq!(keys(&w.cells), ["a", "b"]);
        assert!(w.total);
        assert_eq!(withhold(&cells(&[("a", 0)])), Withheld::default());
    }

    #[test]
    fn places_are_withheld_by_office_and_a_withheld_office_withholds_its_bases() {
        let people = |n: usize, tag: &str| -> BTreeSet<String> {
            (0..n).map(|i| format!("{tag}{i}")).collect()
        };
        let mut at: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        at.insert("B-lone".into(), people(1, "l"));
        at.insert("B-four".into(), people(4, "f"));
        at.insert("B-five".into(), people(5, "v"));
        at.insert("B-small-office".into(), people(2, "s"));
        at.insert("B-other".into(), people(6, "o"));
        let office_of: BTreeMap<String, String> = [
            ("B-lone", "O1"),
            ("B-four", "O1"),
            ("B-five", "O1"),
            ("B-small-office", "O2"),
            ("B-other", "O3"),
        ]
        .into_iter()
        .map(|(b, o)| (b.to_string(), o.to_string()))
        .collect();
        let w = PlacesWithheld::of(&at, &office_of);
        // O2 covers 2 people: withheld, with O1 (10) or O3 (6), the smallest, beside it.
        assert_eq!(keys(&w.field_offices), ["O2", "O3"]);
        // In O1 the lone CLA's base is withheld with B-four; O2's and O3's bases with their offices.
        assert_eq!(
            keys(&w.bases),
            ["B-four", "B-lone", "B-other", "B-small-office"]
        );
        assert!(!w.mission);
    }
}
