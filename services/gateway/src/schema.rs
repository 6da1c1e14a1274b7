//! The one schema: every context's part, merged. The gateway adds nothing of its own but limits
//! and the idempotency keys every mutation honours.

use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};
use cla_alerts::escalation::graphql::{EscalationMutation, EscalationQuery};
use cla_alerts::{AlertsQuery, AlertsSubscription, AlertsView};
use cla_field::{FieldMutation, FieldQuery, FieldView};
use cla_platform::Runtime;
use cla_registry::{RegistryMutation, RegistryQuery, RegistrySubscription, RegistryView};
use cla_reporting::ReportingQuery;
use cla_risk::{RiskMutation, RiskQuery, RiskView};
use cla_staff::{
    StaffMutation, StaffPhoneMutation, StaffPhoneQuery, StaffPrivacyMutation, StaffPrivacyQuery,
    StaffQuery, StaffView,
};
use cla_staffing::{StaffingMutation, StaffingQuery, StaffingView};
use cla_supervision::{SupervisionMutation, SupervisionQuery, SupervisionView};

#[derive(MergedObject, Default)]
pub struct Query(
    RegistryQuery,
    StaffQuery,
    StaffingQuery,
    RiskQuery,
    SupervisionQuery,
    ReportingQuery,
    AlertsQuery,
    StaffPhoneQuery,
    StaffPrivacyQuery,
    FieldQuery,
    EscalationQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    RegistryMutation,
    StaffMutation,
    StaffingMutation,
    RiskMutation,
    SupervisionMutation,
    StaffPhoneMutation,
    StaffPrivacyMutation,
    FieldMutation,
    EscalationMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(RegistrySubscription, AlertsSubscription);

pub type ClaSchema = Schema<Query, Mutation, Subscription>;

/// The schema with its limits, before any data is attached.
pub fn builder(
    max_depth: usize,
    max_complexity: usize,
) -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(max_depth)
    .limit_complexity(max_complexity)
}

/// The read models and services every context's resolvers use.
pub struct Parts {
    pub runtime: Runtime,
    pub registry: Arc<RegistryView>,
    pub staff: Arc<StaffView>,
    pub staffing: Arc<StaffingView>,
    pub risk: Arc<RiskView>,
    pub supervision: Arc<SupervisionView>,
    pub alerts: Arc<AlertsView>,
    pub clock: Arc<dyn cla_platform::clock::Clock>,
    pub detector: Arc<cla_risk::detector::Detector>,
    /// How long idempotency keys are kept.
    pub idempotency_retention: chrono::Duration,
    pub field: Arc<FieldView>,
    /// The SMS channel's keywords, replies, languages and numbers.
    pub sms: cla_field::FieldSettings,
    /// The escalation worker (incidents, notifications).
    pub escalation: Arc<cla_alerts::escalation::Escalation>,
    /// The outbound channels: email, webhooks, SMS sent through the gateways.
    pub notifier: cla_notify::Notifier,
    /// Who looked at whose restricted data.
    pub access: Arc<cla_staff::projections::access::AccessLog>,
}

/// Every context's application layer: the one door behind every door (GraphQL, CSV, the demo).
#[derive(Clone)]
pub struct Apps {
    pub registry: cla_registry::RegistryApp,
    pub staff: cla_staff::StaffApp,
    pub staffing: cla_staffing::StaffingApp,
    pub risk: cla_risk::RiskApp,
    pub supervision: cla_supervision::SupervisionApp,
    pub reporting: cla_reporting::ReportingApp,
    pub alerts: cla_alerts::AlertsApp,
    pub field: cla_field::FieldApp,
    pub escalation: cla_alerts::escalation::EscalationApp,
}

/// The schemas serving requests, over the same application layers.
pub struct Schemas {
    /// With the idempotency extension: mutations, subscriptions, and any operation that gives an
    /// idempotency key.
    pub schema: ClaSchema,
    /// Without any extension, for queries that give no idempotency key (the extension has
    /// nothing to do for them). Where a schema has an extension, the engine runs every field it
    /// resolves through the extension's hooks, and a mission's board resolves thousands.
    pub reading: ClaSchema,
}

/// The application layers and the schemas serving requests through them.
pub fn build(max_depth: usize, max_complexity: usize, parts: Parts) -> (Schemas, Apps) {
    let Parts {
        runtime,
        registry,
        staff,
        staffing,
        risk,
        supervision,
        alerts,
        clock,
        detector,
        idempotency_retention,
        field,
        sms,
        escalation,
        notifier,
        access,
    } = parts;
    let idempotency =
        cla_platform::idempotency::Idempotency::new(cla_platform::idempotency::Keys {
            store: Arc::clone(&runtime.store),
            clock: Arc::clone(&clock),
            metrics: Arc::clone(&runtime.metrics),
            retention: idempotency_retention,
            lease: chrono::Duration::minutes(5),
            wait: std::time::Duration::from_secs(10),
            personal: Arc::clone(&runtime.personal),
        });
    let risk_app = cla_risk::RiskApp::new(
        runtime.clone(),
        risk.clone(),
        staffing.clone(),
        registry.clone(),
        clock.clone(),
        detector.clone(),
    );
    let risk_counts: Arc<dyn cla_staffing::OpenRiskFlags> =
        Arc::new(cla_risk::app::BoardRisk(risk_app.clone()));
    let occupancy: Arc<dyn cla_registry::BaseOccupancy> = staffing.clone();
    let history: Arc<dyn cla_staff::DeploymentHistory> =
        Arc::new(cla_staffing::projections::ProfileDeployments {
            staffing: staffing.clone(),
            registry: registry.clone(),
        });
    let staff_app = cla_staff::StaffApp::new(runtime.clone(), staff.clone(), registry.clone())
        .with_deployments(history.clone())
        .with_access_log(access);
    let escalation_app = cla_alerts::escalation::EscalationApp::new(
        escalation,
        registry.clone(),
        supervision.clone(),
    );
    let field_app = cla_field::FieldApp::new(
        runtime.clone(),
        field.clone(),
        staff_app.clone(),
        risk_app.clone(),
        clock.clone(),
        sms,
    )
    .with_replies(notifier)
    .with_acknowledgements(Arc::new(crate::notify::SmsAcknowledgements(
        escalation_app.clone(),
    )));
    let apps = Apps {
        registry: cla_registry::RegistryApp::new(
            runtime.clone(),
            registry.clone(),
            Some(occupancy.clone()),
        ),
        staff: staff_app,
        staffing: cla_staffing::StaffingApp::new(
            runtime.clone(),
            registry.clone(),
            staffing.clone(),
        )
        .with_risk_flags(risk_counts.clone()),
        risk: risk_app,
        supervision: cla_supervision::SupervisionApp::new(
            runtime.clone(),
            registry.clone(),
            staffing.clone(),
            supervision.clone(),
        ),
        reporting: cla_reporting::ReportingApp::new(
            registry.clone(),
            staff.clone(),
            staffing.clone(),
            risk.clone(),
            supervision.clone(),
        )
        .with_incidents(Arc::clone(&escalation_app.escalation.view)),
        alerts: cla_alerts::AlertsApp::new(
            runtime.clone(),
            alerts.clone(),
            risk.clone(),
            clock.clone(),
        ),
        field: field_app,
        escalation: escalation_app,
    };
    let with_data = |builder: SchemaBuilder<Query, Mutation, Subscription>| {
        builder
            .data(runtime.clone())
            .data(apps.registry.clone())
            .data(apps.staff.clone())
            .data(apps.staffing.clone())
            .data(apps.risk.clone())
            .data(apps.supervision.clone())
            .data(apps.reporting.clone())
            .data(apps.alerts.clone())
            .data(apps.field.clone())
            .data(apps.escalation.clone())
            .data(field.clone())
            .data(registry.clone())
            .data(staff.clone())
            .data(staffing.clone())
            .data(occupancy.clone())
            .data(history.clone())
            .data(risk.clone())
            .data(supervision.clone())
            .data(alerts.clone())
            .data(risk_counts.clone())
            .data(clock.clone())
            .data(detector.clone())
            .finish()
    };
    let schemas = Schemas {
        schema: with_data(builder(max_depth, max_complexity).extension(idempotency)),
        reading: with_data(builder(max_depth, max_complexity)),
    };
    (schemas, apps)
}

/// How deep an introspection query may nest: deeper than any question about the data needs
/// (`max_query_depth`), as deep as the standard introspection queries of GraphiQL and the
/// GraphQL tools go (a type reference unwrapped nine times, inside a field's argument).
pub const INTROSPECTION_DEPTH: usize = 24;

/// The schema that answers operations asking only about the schema (`__schema`, `__type`): the
/// same types, with no data behind them, and a depth limit introspection queries fit in.
pub fn introspection(max_complexity: usize) -> ClaSchema {
    builder(INTROSPECTION_DEPTH, max_complexity).finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder(usize::MAX, usize::MAX).finish().sdl()
}
