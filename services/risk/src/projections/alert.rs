//! Risk events as alerts. Each alert is a risk event itself, so it is raised once by
//! construction; what a subscriber may see of it is the alerts context's application layer's to
//! decide (with [`crate::app::DETAIL_ROLES`]).

use cla_event_store::RecordedEvent;
use cla_platform::timeline::View;

use super::RiskView;
use crate::events::{Category, RiskEvent, Severity};

/// The risk alerts.
#[derive(Copy, Clone, Eq, PartialEq, Debug)]
pub enum RiskAlertKind {
    RiskFlagRaised,
    RiskFlagEscalated,
    MissedCheckIn,
    ReviewOverdue,
}

impl RiskAlertKind {
    /// The kind as a counts-only reader sees it: a missed check-in is a flag raised like any
    /// other (its kind would tell the category).
    pub fn counts_only(self) -> Self {
        match self {
            Self::MissedCheckIn => Self::RiskFlagRaised,
            kind => kind,
        }
    }
}

/// A risk event as an alert, with everything about it, whoever may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskAlert {
    pub kind: RiskAlertKind,
    pub mission_code: String,
    pub base_id: Option<String>,
    /// The flag's severity (after an escalation, the new one); none where unspecified.
    pub severity: Option<Severity>,
    pub category: Option<Category>,
    pub staff_id: String,
    pub flag_id: String,
}

/// The alert a recorded event raises, if it is a risk event that raises one.
pub fn risk_alert(view: &RiskView, recorded: &RecordedEvent) -> Option<RiskAlert> {
    let event = cla_platform::codec::decode_recorded::<RiskEvent>(recorded)?;
    let (kind, flag_id, severity, category) = match &event {
        RiskEvent::RiskFlagRaised(e) if e.category == Category::MissedCheckIn as i32 => (
            RiskAlertKind::MissedCheckIn,
            e.flag_id.clone(),
            e.severity,
            e.category,
        ),
        RiskEvent::RiskFlagRaised(e) => (
            RiskAlertKind::RiskFlagRaised,
            e.flag_id.clone(),
            e.severity,
            e.category,
        ),
        RiskEvent::RiskFlagSeverityChanged(e) if e.severity > e.previous_severity => (
            RiskAlertKind::RiskFlagEscalated,
            e.flag_id.clone(),
            e.severity,
            0,
        ),
        RiskEvent::RiskReviewOverdue(e) => (RiskAlertKind::ReviewOverdue, e.flag_id.clone(), 0, 0),
        _ => return None,
    };
    let mission = view.mission_of_flag(&flag_id)?;
    let staff = view.staff_of_flag(&flag_id)?;
    let flag = view
        .flags_only(&staff, &View::on(chrono::NaiveDate::MAX))
        .flags
        .remove(&flag_id)?;
    let severity = if severity == 0 {
        flag.severity as i32
    } else {
        severity
    };
    let category = if category == 0 {
        flag.category as i32
    } else {
        category
    };
    Some(RiskAlert {
        kind,
        mission_code: mission,
        base_id: Some(flag.base_id.clone()).filter(|b| !b.is_empty()),
        severity: Severity::try_from(severity)
            .ok()
            .filter(|s| *s != Severity::Unspecified),
        category: Category::try_from(category)
            .ok()
            .filter(|c| *c != Category::Unspecified),
        staff_id: staff,
        flag_id,
    })
}
