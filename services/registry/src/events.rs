//! What can have happened in the registry: the contracts of `proto/cla/registry/v1`.

pub use cla_contracts::cla::registry::v1 as contract;
pub use contract::{BaseKind, DeploymentModel, StaffingPolicy};

cla_platform::event_enum! {
    pub enum RegistryEvent of contract {
        MissionCreated, MissionRenamed, MissionPolicyChanged, FieldOfficeOpened, FieldOfficeRenamed,
        BaseOpened, BaseDetailsChanged, BaseClosingStarted, BaseClosingCancelled, BaseClosed,
    }
}

/// The staffing policy DESIGN §2 gives a mission unless it says otherwise.
pub fn default_policy() -> StaffingPolicy {
    StaffingPolicy {
        minimum_clas_per_base: 2,
        deployment_model: DeploymentModel::CoLocated as i32,
        max_span_of_control: 12,
        check_in_interval_hours: 24,
        check_in_grace_hours: 6,
        field_visit_interval_days: 30,
        max_tour_months: 24,
    }
}

/// The stream of a mission, a field office, a base.
pub mod streams {
    use cla_event_store::StreamName;

    pub fn mission(code: &str) -> StreamName {
        StreamName::keyed("mission-", code)
    }

    pub fn field_office(id: &str) -> StreamName {
        StreamName::keyed("field-office-", id)
    }

    pub fn base(id: &str) -> StreamName {
        StreamName::keyed("base-", id)
    }
}
