//! What can have happened in the registry: the contracts of `proto/cla/registry/v1`.

pub use cla_contracts::cla::registry::v1 as contract;
pub use contract::{BaseKind, DeploymentModel, StaffingPolicy};

cla_platform::event_enum! {
    #[derive(Clone, Debug, PartialEq)]
    pub enum RegistryEvent {
        MissionCreated(contract::MissionCreated),
        MissionRenamed(contract::MissionRenamed),
        MissionPolicyChanged(contract::MissionPolicyChanged),
        FieldOfficeOpened(contract::FieldOfficeOpened),
        FieldOfficeRenamed(contract::FieldOfficeRenamed),
        BaseOpened(contract::BaseOpened),
        BaseDetailsChanged(contract::BaseDetailsChanged),
        BaseClosingStarted(contract::BaseClosingStarted),
        BaseClosingCancelled(contract::BaseClosingCancelled),
        BaseClosed(contract::BaseClosed),
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
        StreamName::new(format!("mission-{code}")).expect("mission codes make valid stream names")
    }

    pub fn field_office(id: &str) -> StreamName {
        StreamName::new(format!("field-office-{id}")).expect("ids make valid stream names")
    }

    pub fn base(id: &str) -> StreamName {
        StreamName::new(format!("base-{id}")).expect("ids make valid stream names")
    }
}
