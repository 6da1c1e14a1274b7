//! A CLA's staffing history: every deployment, end, rotation and absence of theirs, with its
//! effective date, when it was recorded and by whom — for the profile's timeline.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::timeline::Stamp;

use crate::events::{AbsenceKind, StaffingEvent};

/// What changed in a CLA's staffing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaChange {
    Deployed {
        base_id: String,
    },
    /// `gap_accepted`: the reason given for accepting the coverage gap it opened.
    DeploymentEnded {
        base_id: String,
        gap_accepted: Option<String>,
    },
    RotationPlanned {
        rotation_id: String,
        from_base_id: String,
        to_base_id: String,
        date: Option<NaiveDate>,
    },
    RotationCompleted {
        rotation_id: String,
        from_base_id: String,
        to_base_id: String,
        gap_accepted: Option<String>,
    },
    RotationCancelled {
        rotation_id: String,
    },
    AbsenceRecorded {
        absence_id: String,
        kind: AbsenceKind,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
    AbsenceCutShort {
        absence_id: String,
        to: Option<NaiveDate>,
    },
    AbsenceCancelled {
        absence_id: String,
    },
    ExposedByBaseClosing {
        base_id: String,
    },
}

/// One change in a CLA's staffing, stamped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaHistoryEntry {
    pub change: ClaChange,
    pub effective: NaiveDate,
    pub recorded: DateTime<Utc>,
    pub position: u64,
    pub actor_id: String,
    pub actor_role: String,
    pub stamp: Stamp,
    /// The names of the bases the change names, by id (filled in by the application layer as
    /// the registry knows them).
    pub base_names: BTreeMap<String, String>,
}

impl ClaChange {
    /// The bases this change names.
    pub fn base_ids(&self) -> Vec<&str> {
        match self {
            ClaChange::Deployed { base_id }
            | ClaChange::DeploymentEnded { base_id, .. }
            | ClaChange::ExposedByBaseClosing { base_id } => vec![base_id],
            ClaChange::RotationPlanned {
                from_base_id,
                to_base_id,
                ..
            }
            | ClaChange::RotationCompleted {
                from_base_id,
                to_base_id,
                ..
            } => vec![from_base_id, to_base_id],
            _ => Vec::new(),
        }
    }
}

/// Who is named by rotation and absence ids (their later events name only the id).
#[derive(Default)]
pub(crate) struct Histories {
    pub(crate) entries: BTreeMap<String, Vec<ClaHistoryEntry>>,
    rotation_staff: BTreeMap<String, String>,
    absence_staff: BTreeMap<String, String>,
}

fn day(text: &str) -> Option<NaiveDate> {
    text.parse().ok()
}

impl Histories {
    /// Adds `event` to the history of each CLA it concerns.
    pub(crate) fn add(&mut self, recorded: &RecordedEvent, stamp: Stamp, event: &StaffingEvent) {
        use StaffingEvent as E;
        let changes: Vec<(String, ClaChange)> = match event {
            E::ClaDeployed(e) => vec![(
                e.staff_id.clone(),
                ClaChange::Deployed {
                    base_id: e.base_id.clone(),
                },
            )],
            E::DeploymentEnded(e) => vec![(
                e.staff_id.clone(),
                ClaChange::DeploymentEnded {
                    base_id: e.base_id.clone(),
                    gap_accepted: e.gap_accepted.as_ref().map(|g| g.reason.clone()),
                },
            )],
            E::RotationPlanned(e) => {
                self.rotation_staff
                    .insert(e.rotation_id.clone(), e.staff_id.clone());
                vec![(
                    e.staff_id.clone(),
                    ClaChange::RotationPlanned {
                        rotation_id: e.rotation_id.clone(),
                        from_base_id: e.from_base_id.clone(),
                        to_base_id: e.to_base_id.clone(),
                        date: day(&e.date),
                    },
                )]
            }
            E::RotationCompleted(e) => vec![(
                e.staff_id.clone(),
                ClaChange::RotationCompleted {
                    rotation_id: e.rotation_id.clone(),
                    from_base_id: e.from_base_id.clone(),
                    to_base_id: e.to_base_id.clone(),
                    gap_accepted: e.gap_accepted.as_ref().map(|g| g.reason.clone()),
                },
            )],
            E::RotationCancelled(e) => self
                .rotation_staff
                .get(&e.rotation_id)
                .map(|staff| {
                    (
                        staff.clone(),
                        ClaChange::RotationCancelled {
                            rotation_id: e.rotation_id.clone(),
                        },
                    )
                })
                .into_iter()
                .collect(),
            E::AbsenceRecorded(e) => {
                self.absence_staff
                    .insert(e.absence_id.clone(), e.staff_id.clone());
                vec![(
                    e.staff_id.clone(),
                    ClaChange::AbsenceRecorded {
                        absence_id: e.absence_id.clone(),
                        kind: AbsenceKind::try_from(e.kind).unwrap_or(AbsenceKind::Unspecified),
                        from: day(&e.from),
                        to: day(&e.to),
                    },
                )]
            }
            E::AbsenceCutShort(e) => self
                .absence_staff
                .get(&e.absence_id)
                .map(|staff| {
                    (
                        staff.clone(),
                        ClaChange::AbsenceCutShort {
                            absence_id: e.absence_id.clone(),
                            to: day(&e.to),
                        },
                    )
                })
                .into_iter()
                .collect(),
            E::AbsenceCancelled(e) => self
                .absence_staff
                .get(&e.absence_id)
                .map(|staff| {
                    (
                        staff.clone(),
                        ClaChange::AbsenceCancelled {
                            absence_id: e.absence_id.clone(),
                        },
                    )
                })
                .into_iter()
                .collect(),
            E::ClasExposedByBaseClosing(e) => e
                .staff_ids
                .iter()
                .map(|staff| {
                    (
                        staff.clone(),
                        ClaChange::ExposedByBaseClosing {
                            base_id: e.base_id.clone(),
                        },
                    )
                })
                .collect(),
        };
        for (staff, change) in changes {
            self.entries
                .entry(staff)
                .or_default()
                .push(ClaHistoryEntry {
                    change,
                    effective: stamp.effective,
                    recorded: stamp.recorded,
                    position: stamp.position,
                    actor_id: recorded.metadata.actor.id.clone(),
                    actor_role: recorded.metadata.actor.role.clone(),
                    stamp,
                    base_names: BTreeMap::new(),
                });
        }
    }
}
