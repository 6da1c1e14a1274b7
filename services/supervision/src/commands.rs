//! What managers' managers ask of supervision.

use chrono::NaiveDate;

use crate::events::ManagerKind;

#[derive(Clone, Debug, PartialEq)]
pub enum SupervisionCommand {
    Appoint {
        manager_id: String,
        field_office_id: String,
        name: String,
        kind: ManagerKind,
        staff_id: String,
        from: NaiveDate,
    },
    Leave {
        manager_id: String,
        on: NaiveDate,
    },
    /// The manager supervises the CLA from `from`; a previous supervision of the CLA ends then.
    Assign {
        supervision_id: String,
        manager_id: String,
        staff_id: String,
        from: NaiveDate,
    },
    EndSupervision {
        staff_id: String,
        on: NaiveDate,
    },
    RecordVisit {
        visit_id: String,
        manager_id: String,
        base_id: String,
        from: NaiveDate,
        to: NaiveDate,
        purpose: String,
        notes: String,
    },
}
