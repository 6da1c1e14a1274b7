//! The hire with its Nth write failing: what is left, and how sending the hire again completes it
//! exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use cla_event_store::{
    Actor, AppendLayer, AppendResult, EmbeddedStore, EventStore, ExpectedRevision, NewEvent,
    StoreError, StreamName,
};
use cla_platform::command::{CommandMeta, load};
use cla_platform::projection::Projection;
use cla_platform::timeline::View;
use cla_platform::{ErrorCode, Runtime};

use super::hiring::{self, HireRequest};
use crate::commands::{
    Appointment, AppointmentKind, CandidateStage, Language, PostPlace, VacancyCommand,
};
use crate::decider::{CandidateOutcome, IndexNumberDecider, VacancyDecider};
use crate::events::{Gender, streams};
use crate::projections::StaffView;

/// The embedded store, but the `fail_at`-th append from when it is armed fails (nothing written).
struct FailingStore {
    inner: EmbeddedStore,
    appends: AtomicUsize,
    /// 0: no append fails.
    fail_at: AtomicUsize,
}

impl FailingStore {
    fn arm(&self, n: usize) {
        self.appends.store(0, Ordering::SeqCst);
        self.fail_at.store(n, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl AppendLayer for FailingStore {
    fn inner(&self) -> &dyn EventStore {
        &self.inner
    }

    async fn append_through(
        &self,
        stream: &StreamName,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        let n = self.appends.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.fail_at.load(Ordering::SeqCst) {
            return Err(StoreError::Internal(format!(
                "append {n} to {stream} failed"
            )));
        }
        self.inner.append(stream, expected, events).await
    }

    fn backend(&self) -> &'static str {
        "failing"
    }
}

struct World {
    _dir: tempfile::TempDir,
    store: Arc<FailingStore>,
    runtime: Runtime,
    staff: Arc<StaffView>,
    meta: CommandMeta,
    vacancy: String,
    candidate: String,
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

const NUMBER: &str = "770001";

/// A vacancy with a candidate whose offer was accepted.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FailingStore {
        inner: EmbeddedStore::open(dir.path()).unwrap(),
        appends: AtomicUsize::new(0),
        fail_at: AtomicUsize::new(0),
    });
    let staff = Arc::new(StaffView::default());
    let dyn_store: Arc<dyn EventStore> = store.clone();
    let projections = vec![staff.clone() as Arc<dyn Projection>];
    let runtime = Runtime::started(dyn_store, projections, Duration::from_secs(10));
    let meta = CommandMeta {
        actor: Actor {
            id: "hr".into(),
            role: "MISSION_HR".into(),
        },
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: None,
        effective: day(2, 1),
    };
    let vacancy = uuid::Uuid::now_v7().to_string();
    let candidate = "c1".to_string();
    let on = |effective| CommandMeta {
        effective,
        ..meta.clone()
    };
    let steps = [
        VacancyCommand::Open {
            vacancy_id: vacancy.clone(),
            place: Some(PostPlace {
                mission_code: "ALPHA".into(),
                field_office_id: "f1".into(),
                base_id: "b1".into(),
            }),
            title: "CLA".into(),
            required_languages: vec![],
            notes: String::new(),
            effective: day(1, 1),
        },
        VacancyCommand::Apply {
            candidate_id: candidate.clone(),
            name: "Amani K.".into(),
            gender: Gender::Female,
            languages: vec![Language {
                language: "Swahili".into(),
                level: "native".into(),
            }],
            effective: day(1, 2),
        },
        VacancyCommand::Advance {
            candidate_id: candidate.clone(),
            to: CandidateStage::Screened,
            effective: day(1, 3),
        },
        VacancyCommand::Advance {
            candidate_id: candidate.clone(),
            to: CandidateStage::Interviewed,
            effective: day(1, 4),
        },
        VacancyCommand::Vet {
            candidate_id: candidate.clone(),
            notes: String::new(),
            effective: day(1, 5),
        },
        VacancyCommand::Offer {
            candidate_id: candidate.clone(),
            grade: "GS-4".into(),
            appointment: Appointment {
                kind: AppointmentKind::FixedTerm,
                start: day(2, 1),
                end: day(12, 31),
            },
            effective: day(1, 6),
        },
        VacancyCommand::AnswerOffer {
            candidate_id: candidate.clone(),
            accepted: true,
            reason: String::new(),
            effective: day(1, 7),
        },
    ];
    for step in &steps {
        let effective = match step {
            VacancyCommand::Open { effective, .. }
            | VacancyCommand::Apply { effective, .. }
            | VacancyCommand::Advance { effective, .. }
            | VacancyCommand::Vet { effective, .. }
            | VacancyCommand::Offer { effective, .. }
            | VacancyCommand::AnswerOffer { effective, .. } => *effective,
            _ => unreachable!(),
        };
        runtime
            .execute::<VacancyDecider>(&streams::vacancy(&vacancy), step, &(), &on(effective))
            .await
            .unwrap();
    }
    World {
        _dir: dir,
        store,
        runtime,
        staff,
        meta,
        vacancy,
        candidate,
    }
}

impl World {
    fn request(&self) -> HireRequest {
        HireRequest {
            vacancy_id: self.vacancy.clone(),
            candidate_id: self.candidate.clone(),
            index_number: NUMBER.into(),
            home_community: "Beni".into(),
            effective: day(2, 1),
        }
    }

    async fn holder(&self) -> (Option<String>, usize) {
        let stream = streams::index_number(NUMBER);
        let events = cla_event_store::read_stream_to_end(self.store.as_ref(), &stream)
            .await
            .unwrap();
        let (held, _) = load::<IndexNumberDecider>(self.store.as_ref(), &stream)
            .await
            .unwrap();
        (held.holder, events.len())
    }

    /// The candidate's outcome and the staff id their hire recorded.
    async fn hired(&self) -> (CandidateOutcome, Option<String>) {
        let (state, _) =
            load::<VacancyDecider>(self.store.as_ref(), &streams::vacancy(&self.vacancy))
                .await
                .unwrap();
        let c = state.0.unwrap().candidates[&self.candidate].clone();
        (c.outcome, c.staff_id)
    }

    fn staff_ids(&self) -> Vec<String> {
        let view = View::on(NaiveDate::MAX);
        self.staff
            .members("ALPHA", &view)
            .iter()
            .map(|m| m.id.clone())
            .collect()
    }
}

/// The hire again completes it, and once more is a conflict: one staff member, holding the number,
/// named by the vacancy.
async fn retry_completes_once(w: &World) {
    w.store.arm(0);
    let done = hiring::hire(&w.runtime, &w.request(), &w.meta)
        .await
        .unwrap();
    assert_eq!(w.staff_ids(), std::slice::from_ref(&done.staff_id));
    assert_eq!(w.holder().await.0.as_deref(), Some(done.staff_id.as_str()));
    assert_eq!(
        w.hired().await,
        (CandidateOutcome::Hired, Some(done.staff_id.clone()))
    );
    let again = hiring::hire(&w.runtime, &w.request(), &w.meta)
        .await
        .unwrap_err();
    assert_eq!(
        (again.code, again.field.as_deref()),
        (ErrorCode::Conflict, Some("candidateId"))
    );
    assert_eq!(w.staff_ids(), [done.staff_id]);
}

#[tokio::test]
async fn the_claim_failing_leaves_nothing() {
    let w = world().await;
    w.store.arm(1);
    hiring::hire(&w.runtime, &w.request(), &w.meta)
        .await
        .unwrap_err();
    assert_eq!(w.holder().await, (None, 0), "no number claimed");
    assert_eq!(w.hired().await, (CandidateOutcome::InProgress, None));
    assert!(w.staff_ids().is_empty());
    retry_completes_once(&w).await;
}

#[tokio::test]
async fn the_hire_failing_gives_the_number_back() {
    let w = world().await;
    w.store.arm(2);
    hiring::hire(&w.runtime, &w.request(), &w.meta)
        .await
        .unwrap_err();
    assert_eq!(w.holder().await, (None, 2), "claimed, then given back");
    assert_eq!(w.hired().await, (CandidateOutcome::InProgress, None));
    assert!(w.staff_ids().is_empty());
    retry_completes_once(&w).await;
}

#[tokio::test]
async fn onboarding_failing_keeps_the_number_for_the_hire_it_recorded() {
    let w = world().await;
    w.store.arm(3);
    hiring::hire(&w.runtime, &w.request(), &w.meta)
        .await
        .unwrap_err();
    let (outcome, staff_id) = w.hired().await;
    assert_eq!(outcome, CandidateOutcome::Hired);
    assert_eq!(w.holder().await, (staff_id.clone(), 1), "held for the hire");
    assert!(w.staff_ids().is_empty(), "not onboarded");
    retry_completes_once(&w).await;
    assert_eq!(
        w.staff_ids(),
        [staff_id.unwrap()],
        "the staff member the hire named"
    );
}

#[tokio::test]
async fn a_hire_writes_three_times_and_a_refused_one_not_at_all() {
    let w = world().await;
    // Refused before any write: a number that is no index number, a home community too long.
    let head = w.store.head().await.unwrap();
    let mut bad = w.request();
    bad.index_number = "12".into();
    let e = hiring::hire(&w.runtime, &bad, &w.meta).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("indexNumber"));
    let mut bad = w.request();
    bad.home_community = "x".repeat(201);
    let e = hiring::hire(&w.runtime, &bad, &w.meta).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("homeCommunity"));
    let mut bad = w.request();
    bad.effective = day(1, 1) - chrono::Duration::days(1);
    let e = hiring::hire(&w.runtime, &bad, &w.meta).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("effective"));
    assert_eq!(w.store.head().await.unwrap(), head, "nothing written");
    // A fourth write would fail: a hire makes three (claim, hire, onboard).
    w.store.arm(4);
    let done = hiring::hire(&w.runtime, &w.request(), &w.meta)
        .await
        .unwrap();
    assert_eq!(w.store.appends.load(Ordering::SeqCst), 3);
    assert_eq!(w.staff_ids(), [done.staff_id]);
    let again = hiring::hire(&w.runtime, &w.request(), &w.meta)
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict);
    assert_eq!(
        w.store.appends.load(Ordering::SeqCst),
        3,
        "a refused hire again writes nothing"
    );
}
