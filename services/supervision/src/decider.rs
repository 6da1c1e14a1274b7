//! The supervision rules, decided on a mission's management stream.
//!
//! - A manager is attached to a field office of the mission, active from a date until they leave.
//! - A CLA has at most one supervisor at a time; the supervisor is active and of the same mission;
//!   re-assigning a CLA ends their previous supervision in the same decision. Over the mission's
//!   span of control is allowed (it shows and alerts).
//! - A field visit is by an active manager at a base of the mission, from–to.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use cla_platform::AppError;
use cla_platform::decider::Decider;

use crate::commands::SupervisionCommand;
use crate::events::{ManagerKind, SupervisionEvent, contract};

#[derive(Clone, Debug, PartialEq)]
pub struct Manager {
    pub id: String,
    pub field_office_id: String,
    pub name: String,
    pub kind: ManagerKind,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Manager {
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day < to)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Supervision {
    pub id: String,
    pub manager_id: String,
    pub staff_id: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Supervision {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day < to)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Management {
    pub managers: BTreeMap<String, Manager>,
    pub supervisions: BTreeMap<String, Supervision>,
    /// Field visits by base: when each base was last visited (nothing else of a visit is asked).
    pub visits_by_base: HashMap<String, VisitDays>,
}

/// A base's visits, by the day each began: how far the visits begun by a day reach, found with
/// a binary search however many years of visits there are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VisitDays {
    /// The first day of each visit, ascending.
    from: Vec<NaiveDate>,
    /// The latest last day of the visits up to and including each.
    reach: Vec<NaiveDate>,
}

impl VisitDays {
    fn add(&mut self, from: NaiveDate, to: NaiveDate) {
        // Visits are nearly always recorded in order: then this is a push.
        let i = self.from.partition_point(|&f| f <= from);
        self.from.insert(i, from);
        self.reach.insert(i, to);
        let mut reach = if i == 0 {
            to
        } else {
            self.reach[i - 1].max(to)
        };
        for r in &mut self.reach[i..] {
            reach = reach.max(*r);
            *r = reach;
        }
    }

    /// The last day the base was visited on or before `day`, if ever.
    pub fn last_on_or_before(&self, day: NaiveDate) -> Option<NaiveDate> {
        let begun = self.from.partition_point(|&f| f <= day);
        begun.checked_sub(1).map(|i| self.reach[i].min(day))
    }
}

impl Management {
    /// The supervision of a CLA that has not ended by `day`.
    pub fn current(&self, staff: &str, day: NaiveDate) -> Option<&Supervision> {
        self.supervisions
            .values()
            .find(|s| s.staff_id == staff && s.from <= day && s.to.is_none_or(|to| to > day))
    }
}

/// What a decision needs from outside the stream.
#[derive(Clone, Debug, Default)]
pub struct SupervisionContext {
    /// The mission's field offices and bases (on the command's date).
    pub field_offices: HashSet<String>,
    pub bases: HashSet<String>,
    /// The mission's CLAs.
    pub staff: HashSet<String>,
}

pub struct SupervisionDecider;

fn active<'a>(state: &'a Management, id: &str, day: NaiveDate) -> Result<&'a Manager, AppError> {
    let m = state
        .managers
        .get(id)
        .ok_or_else(|| AppError::not_found("managerId", "no such manager in this mission"))?;
    if !m.active_on(day) {
        return Err(
            AppError::conflict(format!("{} is not active on {day}", m.name)).on("managerId"),
        );
    }
    Ok(m)
}

impl Decider for SupervisionDecider {
    type Command = SupervisionCommand;
    type Event = SupervisionEvent;
    type State = Management;
    type Context = SupervisionContext;

    fn decide(
        command: &SupervisionCommand,
        state: &Management,
        ctx: &SupervisionContext,
    ) -> Result<Vec<SupervisionEvent>, AppError> {
        use SupervisionCommand as C;
        match command {
            C::Appoint {
                manager_id,
                field_office_id,
                name,
                kind,
                staff_id,
                ..
            } => {
                if state.managers.contains_key(manager_id) {
                    return Err(AppError::conflict("this manager already exists").on("managerId"));
                }
                if !ctx.field_offices.contains(field_office_id) {
                    return Err(AppError::not_found(
                        "fieldOfficeId",
                        "no such field office in this mission",
                    ));
                }
                if *kind == ManagerKind::Unspecified {
                    return Err(AppError::validation("kind", "choose the kind of manager"));
                }
                if *kind == ManagerKind::SeniorCla && !ctx.staff.contains(staff_id) {
                    return Err(AppError::not_found(
                        "staffId",
                        "a senior CLA acting as field coordinator is a CLA of the mission",
                    ));
                }
                Ok(vec![SupervisionEvent::ManagerAppointed(
                    contract::ManagerAppointed {
                        manager_id: manager_id.clone(),
                        field_office_id: field_office_id.clone(),
                        name: cla_platform::graphql::required_text("name", name, 200)?,
                        kind: *kind as i32,
                        staff_id: if *kind == ManagerKind::SeniorCla {
                            staff_id.clone()
                        } else {
                            String::new()
                        },
                    },
                )])
            }
            C::Leave { manager_id, on } => {
                let m = active(state, manager_id, *on)?;
                if *on <= m.from {
                    return Err(AppError::validation(
                        "on",
                        format!("{} started on {}; they leave after", m.name, m.from),
                    ));
                }
                let ended = state
                    .supervisions
                    .values()
                    .filter(|s| s.manager_id == *manager_id && s.to.is_none_or(|to| to > *on))
                    .map(|s| s.id.clone())
                    .collect();
                Ok(vec![SupervisionEvent::ManagerLeft(contract::ManagerLeft {
                    manager_id: manager_id.clone(),
                    ended_supervision_ids: ended,
                })])
            }
            C::Assign {
                supervision_id,
                manager_id,
                staff_id,
                from,
            } => {
                active(state, manager_id, *from)?;
                if !ctx.staff.contains(staff_id) {
                    return Err(AppError::not_found(
                        "staffId",
                        "no such CLA in this mission",
                    ));
                }
                let previous = state.current(staff_id, *from);
                if previous.is_some_and(|p| p.manager_id == *manager_id) {
                    return Ok(vec![]);
                }
                if previous.is_some_and(|p| p.from >= *from) {
                    return Err(AppError::validation(
                        "from",
                        "a re-assignment starts after the current supervision began",
                    ));
                }
                Ok(vec![SupervisionEvent::SupervisionStarted(
                    contract::SupervisionStarted {
                        supervision_id: supervision_id.clone(),
                        manager_id: manager_id.clone(),
                        staff_id: staff_id.clone(),
                        ended_supervision_id: previous.map(|p| p.id.clone()).unwrap_or_default(),
                    },
                )])
            }
            C::EndSupervision { staff_id, on } => {
                let current = state.current(staff_id, *on).ok_or_else(|| {
                    AppError::not_found("staffId", "this CLA has no supervisor then")
                })?;
                if *on <= current.from {
                    return Err(AppError::validation(
                        "on",
                        "a supervision ends after it starts",
                    ));
                }
                Ok(vec![SupervisionEvent::SupervisionEnded(
                    contract::SupervisionEnded {
                        supervision_id: current.id.clone(),
                    },
                )])
            }
            C::RecordVisit {
                visit_id,
                manager_id,
                base_id,
                from,
                to,
                purpose,
                notes,
            } => {
                active(state, manager_id, *from)?;
                if !ctx.bases.contains(base_id) {
                    return Err(AppError::not_found(
                        "baseId",
                        "no such base in this mission",
                    ));
                }
                if to < from {
                    return Err(AppError::validation(
                        "to",
                        "a visit ends on or after it starts",
                    ));
                }
                Ok(vec![SupervisionEvent::FieldVisitRecorded(
                    contract::FieldVisitRecorded {
                        visit_id: visit_id.clone(),
                        manager_id: manager_id.clone(),
                        base_id: base_id.clone(),
                        from: from.to_string(),
                        to: to.to_string(),
                        purpose: cla_platform::graphql::required_text("purpose", purpose, 500)?,
                        notes: notes.trim().to_string(),
                    },
                )])
            }
        }
    }

    fn evolve(mut state: Management, event: &SupervisionEvent, on: NaiveDate) -> Management {
        use SupervisionEvent as E;
        let date = |t: &str| t.parse::<NaiveDate>().unwrap_or(on);
        match event {
            E::ManagerAppointed(e) => {
                state.managers.insert(
                    e.manager_id.clone(),
                    Manager {
                        id: e.manager_id.clone(),
                        field_office_id: e.field_office_id.clone(),
                        name: e.name.clone(),
                        kind: ManagerKind::try_from(e.kind)
                            .unwrap_or(ManagerKind::InternationalStaff),
                        from: on,
                        to: None,
                    },
                );
            }
            E::ManagerLeft(e) => {
                if let Some(m) = state.managers.get_mut(&e.manager_id) {
                    m.to = Some(on);
                }
                for id in &e.ended_supervision_ids {
                    if let Some(s) = state.supervisions.get_mut(id) {
                        s.to = Some(on);
                    }
                }
            }
            E::SupervisionStarted(e) => {
                if let Some(p) = state.supervisions.get_mut(&e.ended_supervision_id) {
                    p.to = Some(on);
                }
                state.supervisions.insert(
                    e.supervision_id.clone(),
                    Supervision {
                        id: e.supervision_id.clone(),
                        manager_id: e.manager_id.clone(),
                        staff_id: e.staff_id.clone(),
                        from: on,
                        to: None,
                    },
                );
            }
            E::SupervisionEnded(e) => {
                if let Some(s) = state.supervisions.get_mut(&e.supervision_id) {
                    s.to = Some(on);
                }
            }
            E::FieldVisitRecorded(e) => {
                state
                    .visits_by_base
                    .entry(e.base_id.clone())
                    .or_default()
                    .add(date(&e.from), date(&e.to));
            }
        }
        state
    }
}

#[cfg(test)]
mod tests;
