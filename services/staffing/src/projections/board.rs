//! The base board: every open or closing base of a mission with its coverage on one day — who is
//! there, who is away, its effective strength against its minimum, the women and local languages
//! among its CLAs, who is past the maximum tour, and its open risk flags by severity (counts only).

use std::collections::BTreeSet;

use async_graphql::{Enum, SimpleObject};
use chrono::NaiveDate;
use cla_platform::graphql::Date;
use cla_platform::timeline::View;
use cla_registry::RegistryView;
use cla_registry::decider::BaseStatus;

use super::StaffingView;
use crate::coverage::OnDay;

// A base's coverage on the board's day; the GraphQL enum `BaseCoverage`.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "BaseCoverage")]
pub enum Coverage {
    /// At or above its minimum.
    Ok,
    BelowMinimum,
    /// Nobody there.
    Empty,
}

// How the board is ordered.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BoardOrder {
    /// By base name.
    #[default]
    Name,
    /// Largest shortfall against the minimum first.
    Shortfall,
    /// Weakest effective strength first.
    Strength,
}

/// Which rows of the board, in which order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoardFilter {
    pub field_office_id: Option<String>,
    pub status: Option<Coverage>,
    pub order: BoardOrder,
}

/// A CLA at a base on the board's date.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct BoardCla {
    pub staff_id: String,
    pub name: String,
    #[graphql(skip, derived(name = "since", into = "Date", owned = true))]
    pub since: NaiveDate,
    /// Days continuously at this base.
    pub tour_days: i64,
    pub rotation_due: bool,
    pub absent: bool,
}

// Open risk flags at a base by severity, none where withheld from the reader (the base has too
// few CLAs for a count not to single one out); the GraphQL type `OpenFlagCounts`.
#[derive(SimpleObject, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[graphql(name = "OpenFlagCounts")]
pub struct FlagCounts {
    /// True where the base's counts are withheld from this reader: it has fewer than 3 CLAs, or
    /// its counts would let a smaller base's be worked out. The counts are then 0 and say
    /// nothing. Never withheld from those who see risk detail.
    pub withheld: bool,
    pub low: u32,
    pub medium: u32,
    pub high: u32,
    pub critical: u32,
}

/// One base on the board.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "BaseBoardRow")]
pub struct BoardRow {
    pub base_id: String,
    pub name: String,
    pub field_office_id: String,
    pub deployed: u32,
    /// Deployed minus absent.
    pub effective_strength: u32,
    pub minimum: u32,
    pub status: Coverage,
    pub women: u32,
    pub local_languages: Vec<String>,
    /// Local languages spoken by a CLA deployed there.
    pub languages_covered: Vec<String>,
    pub languages_missing: Vec<String>,
    /// CLAs past the mission's maximum tour at this base.
    pub rotation_due: Vec<String>,
    pub clas: Vec<BoardCla>,
    /// Open risk flags at the base, by severity (counts only).
    pub open_flags: FlagCounts,
}

/// Every base of `mission` not closed, as `view` shows it, in the registry's order. `flags` are the
/// open risk flags by base (low, medium, high, critical), as the risk context counts them.
pub fn board(
    registry: &RegistryView,
    staffing: &StaffingView,
    mission: &str,
    view: &View,
    flags: &crate::BaseRiskCounts,
) -> Vec<BoardRow> {
    let policy = registry.mission(mission, view).map(|m| m.policy);
    let minimum = policy.map_or(2, |p| p.minimum_clas_per_base);
    let max_tour_days = policy.map_or(24, |p| p.max_tour_months) as i64 * 365 / 12;
    let state = staffing.staffing(mission, view);
    let roster = staffing.roster(mission, view);
    let availability = super::availability_of(&roster, false);
    let day = view.as_of;
    let on_day = OnDay::of(&state, day, &availability);
    registry
        .bases(mission, view)
        .into_iter()
        .filter(|b| b.status != BaseStatus::Closed)
        .map(|b| {
            let here = on_day.deployed(&b.id);
            let minimum = b.details.minimum_override.unwrap_or(minimum);
            let clas: Vec<BoardCla> = here
                .iter()
                .map(|d| {
                    let tour_days = (day - d.from).num_days();
                    BoardCla {
                        staff_id: d.staff_id.clone(),
                        name: roster
                            .get(&d.staff_id)
                            .map_or_else(String::new, |c| c.name.clone()),
                        since: d.from,
                        tour_days,
                        rotation_due: tour_days > max_tour_days,
                        absent: on_day.away(&d.staff_id),
                    }
                })
                .collect();
            let effective_strength = clas.iter().filter(|c| !c.absent).count() as u32;
            let spoken: BTreeSet<String> = here
                .iter()
                .filter_map(|d| roster.get(&d.staff_id))
                .flat_map(|c| c.languages.iter().map(|l| l.to_lowercase()))
                .collect();
            let (covered, missing): (Vec<String>, Vec<String>) = b
                .details
                .local_languages
                .iter()
                .cloned()
                .partition(|l| spoken.contains(&l.to_lowercase()));
            BoardRow {
                base_id: b.id.clone(),
                name: b.details.name.clone(),
                field_office_id: b.details.field_office_id.clone(),
                deployed: here.len() as u32,
                effective_strength,
                minimum,
                status: if effective_strength == 0 {
                    Coverage::Empty
                } else if effective_strength < minimum {
                    Coverage::BelowMinimum
                } else {
                    Coverage::Ok
                },
                women: here
                    .iter()
                    .filter(|d| roster.get(&d.staff_id).is_some_and(|c| c.female))
                    .count() as u32,
                local_languages: b.details.local_languages.clone(),
                languages_covered: covered,
                languages_missing: missing,
                rotation_due: clas
                    .iter()
                    .filter(|c| c.rotation_due)
                    .map(|c| c.staff_id.clone())
                    .collect(),
                clas,
                open_flags: if flags.withheld.contains(&b.id) {
                    FlagCounts {
                        withheld: true,
                        ..FlagCounts::default()
                    }
                } else {
                    flags
                        .counts
                        .get(&b.id)
                        .map(|&[low, medium, high, critical]| FlagCounts {
                            withheld: false,
                            low,
                            medium,
                            high,
                            critical,
                        })
                        .unwrap_or_default()
                },
            }
        })
        .collect()
}

/// The rows `filter` asks for, in its order.
pub fn select(rows: Vec<BoardRow>, filter: &BoardFilter) -> Vec<BoardRow> {
    let mut rows: Vec<BoardRow> = rows
        .into_iter()
        .filter(|r| {
            filter
                .field_office_id
                .as_ref()
                .is_none_or(|f| &r.field_office_id == f)
        })
        .filter(|r| filter.status.is_none_or(|s| r.status == s))
        .collect();
    match filter.order {
        BoardOrder::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        BoardOrder::Shortfall => rows.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.minimum as i64 - r.effective_strength as i64),
                r.name.clone(),
            )
        }),
        BoardOrder::Strength => rows.sort_by_key(|r| (r.effective_strength, r.name.clone())),
    }
    rows
}
