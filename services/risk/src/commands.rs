//! What managers (and the system's detectors) ask of risk and welfare.

use chrono::{DateTime, Utc};

use crate::events::{Category, Channel, Mitigation, Severity, Welfare};

#[derive(Clone, Debug, PartialEq)]
pub enum RiskCommand {
    /// A CLA reported in. "Needs assistance" and "under threat" raise a flag at once (high,
    /// critical) with `flag_id`.
    RecordCheckIn {
        check_in_id: String,
        at: DateTime<Utc>,
        channel: Channel,
        welfare: Welfare,
        notes: String,
        flag_id: String,
    },
    /// A CLA reported in with their private duress word: recorded as an ordinary "OK" check-in,
    /// and a critical threat flag (cause `DURESS`, need-to-know only) raised with `flag_id` in the
    /// same decision. Sent again with the same id, nothing more is recorded.
    RecordDuressCheckIn {
        check_in_id: String,
        at: DateTime<Utc>,
        channel: Channel,
        flag_id: String,
    },
    Raise {
        flag_id: String,
        category: Category,
        severity: Severity,
        notes: String,
    },
    ChangeSeverity {
        flag_id: String,
        severity: Severity,
        reason: String,
    },
    AddMitigation {
        flag_id: String,
        action: Mitigation,
        notes: String,
    },
    Review {
        flag_id: String,
        notes: String,
    },
    Close {
        flag_id: String,
        resolution: String,
    },
    /// The detector: a silence — no check-in since `silent_since` — has missed `periods` check-in
    /// periods so far, the first due at `first_due_at`, each further one `period_hours` later. The
    /// silence has one flag (`flag_id`, derived from the silence): raised HIGH at the first
    /// period, counting the further ones, escalated to CRITICAL when `escalate_after` periods are
    /// missed. Nothing where the CLA was heard from since, or the silence's flag is closed.
    RaiseMissedCheckIn {
        flag_id: String,
        silent_since: DateTime<Utc>,
        last_heard_at: Option<DateTime<Utc>>,
        first_due_at: DateTime<Utc>,
        period_hours: i64,
        periods: u32,
        escalate_after: u32,
    },
    /// The system: the CLA's next check-in after a silence began closes the silence's flag, with
    /// the resolution "checked in at T (channel)".
    CloseSilences,
    /// The CLA was deployed at a base when it started closing. Once per closing.
    RaiseClosureExposure {
        flag_id: String,
        base_id: String,
        cause_event_id: String,
    },
    /// The detector: a flag's review is overdue. Once per review date.
    MarkReviewOverdue {
        flag_id: String,
    },
}
