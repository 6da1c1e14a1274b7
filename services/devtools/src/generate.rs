//! The scale generator: a seeded, repeatable history of any size, for benchmarks.
//!
//! Missions, field offices and bases, CLAs registered and deployed over the first year, a rotation
//! every three years, a week of rest and recuperation every year, managers, supervision and a
//! field visit to every base every quarter: all through the application layer's typed commands,
//! as an ADMIN, so every rule applies. Then a check-in by every deployed CLA every day, through
//! the risk application like any other check-in, many CLAs at once (each CLA's in order). The same
//! seed gives the same history (the ids the system draws itself, such as staff ids, aside).

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cla_event_store::EventStore;
use cla_platform::Principal;
use cla_registry::app::{CreateMission, OpenBase, OpenFieldOffice};
use cla_registry::commands::{BaseDetails, StaffingPolicyChange};
use cla_registry::events::BaseKind;
use cla_risk::app::RecordCheckIn;
use cla_risk::events::{Channel, Welfare};
use cla_staff::app::RegisterStaff;
use cla_staffing::app::{DeployCla, PlanRotation, RecordAbsence};
use cla_staffing::events::AbsenceKind;
use cla_supervision::app::{AppointManager, AssignSupervisor, RecordFieldVisit};
use cla_supervision::events::ManagerKind;
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::Apps;
use crate::demo::{DemoError, Runner, fixed_term, gender, name};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Params {
    pub seed: u64,
    /// Years of history up to today.
    pub years: u32,
    /// Days of history instead of years, where given.
    pub days: Option<u32>,
    pub missions: u32,
    /// CLAs per mission.
    pub clas: u32,
    /// Whether every deployed CLA checks in every day.
    pub daily_check_ins: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            seed: 1,
            years: 10,
            days: None,
            missions: 4,
            clas: 300,
            daily_check_ins: true,
        }
    }
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Commands run through the application layer, check-ins aside.
    pub commands: usize,
    pub check_ins: u64,
    pub events: u64,
    pub seconds: f64,
}

impl Report {
    pub fn events_per_second(&self) -> f64 {
        self.events as f64 / self.seconds.max(1e-9)
    }
}

/// CLAs whose check-ins are recorded at once (each CLA's one after another, in order).
const WRITERS: usize = 256;

struct Deployed {
    staff_id: String,
    from: NaiveDate,
}

/// Generates into an empty store; refuses a store with data. With `progress`, the check-ins (the
/// bulk of the work) are shown moving, CLA by CLA (see [`crate::progress`]).
pub async fn generate(
    apps: &Apps,
    store: &dyn EventStore,
    now: DateTime<Utc>,
    params: &Params,
    progress: Option<crate::progress::Lines>,
) -> Result<Report, DemoError> {
    let started = Instant::now();
    if store
        .head()
        .await
        .map_err(|e| DemoError(format!("cannot read the store: {e:?}")))?
        .is_some()
    {
        return Err(DemoError(
            "the store has data: the generator writes into an empty one only".into(),
        ));
    }
    let mut rng = StdRng::seed_from_u64(params.seed);
    let r = Runner::new(apps);
    let today = now.date_naive();
    let days = params
        .days
        .map_or(365 * i64::from(params.years.max(1)), |d| {
            i64::from(d.max(30))
        });
    let start = today - Duration::days(days);
    let mut deployed = Vec::new();
    let mut index = 6_000_000u32;
    for m in 0..params.missions {
        deployed.extend(mission(&r, &mut rng, m, start, today, params.clas, &mut index).await?);
    }
    let mut report = Report {
        commands: r.commands(),
        ..Default::default()
    };
    if params.daily_check_ins {
        let progress = progress.map(|lines| {
            crate::progress::Progress::new(
                "writing daily check-ins",
                "CLAs",
                Some(deployed.len() as u64),
                lines,
            )
        });
        let progress = progress.as_ref();
        let seed = params.seed;
        let admin = &r.admin;
        let written: Vec<Result<u64, DemoError>> =
            futures::stream::iter(deployed.into_iter().enumerate())
                .map(|(i, d)| async move {
                    let written = check_ins(
                        apps,
                        admin,
                        d,
                        seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9),
                        now,
                    )
                    .await;
                    if let Some(p) = progress {
                        p.advance(1);
                    }
                    written
                })
                .buffer_unordered(WRITERS)
                .collect()
                .await;
        if let Some(p) = progress {
            p.finish("daily check-ins written");
        }
        for w in written {
            report.check_ins += w?;
        }
    }
    report.events = store
        .head()
        .await
        .map_err(|e| DemoError(format!("cannot read the store: {e:?}")))?
        .map_or(0, |p| p.0);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

async fn mission(
    r: &Runner<'_>,
    rng: &mut StdRng,
    m: u32,
    start: NaiveDate,
    today: NaiveDate,
    clas: u32,
    index: &mut u32,
) -> Result<Vec<Deployed>, DemoError> {
    let (apps, admin) = (r.apps, &r.admin);
    let code = format!("MISSION{:02}", m + 1);
    let founded = start - Duration::days(30);
    let create = CreateMission {
        code: code.clone(),
        name: format!("Generated mission {}", m + 1),
        country: format!("Country {}", m + 1),
        policy: StaffingPolicyChange {
            minimum_clas_per_base: Some(2),
            max_span_of_control: Some(15),
            check_in_interval_hours: Some(24),
            check_in_grace_hours: Some(12),
            field_visit_interval_days: Some(90),
            max_tour_months: Some(36),
            ..Default::default()
        },
        effective: founded,
    };
    r.done(
        "createMission",
        apps.registry.create_mission(admin, create).await,
    )?;
    let offices_n = 6usize;
    let bases_n = (clas as usize / 3).max(2);
    let mut offices = Vec::new();
    for o in 0..offices_n {
        let open = OpenFieldOffice {
            mission_code: code.clone(),
            name: format!("Office {}", o + 1),
            effective: founded,
        };
        let office = r.done(
            "openFieldOffice",
            apps.registry.open_field_office(admin, open).await,
        )?;
        offices.push(office.id);
    }
    let mut bases = Vec::new();
    for b in 0..bases_n {
        let office = b % offices_n;
        let open = OpenBase {
            details: BaseDetails {
                name: format!("Base {}-{}", m + 1, b + 1),
                kind: BaseKind::CompanyOperatingBase,
                field_office_id: offices[office].clone(),
                contingent: String::new(),
                local_languages: vec!["Swahili".into()],
                alert_network_working: true,
                minimum_override: None,
            },
            effective: founded,
        };
        let base = r.done("openBase", apps.registry.open_base(admin, open).await)?;
        bases.push((base.base.id, office));
    }
    // Managers, one per office from the start.
    let mut managers: Vec<String> = Vec::new();
    for office in &offices {
        let female = rng.random_bool(0.4);
        let appoint = AppointManager {
            field_office_id: office.clone(),
            name: name(rng, female),
            kind: ManagerKind::InternationalStaff,
            staff_id: None,
            from: start,
        };
        let id = r.appoint_manager(appoint).await?;
        managers.push(id);
    }
    let mut out = Vec::new();
    let mut span = vec![0u32; offices_n];
    for c in 0..clas as usize {
        let female = rng.random_bool(0.35);
        // Everyone joins within the first 300 days, or the first third of a shorter history.
        let window = ((today - start).num_days() / 3).clamp(1, 300);
        let joined = start + Duration::days(rng.random_range(0..window));
        *index += 1;
        let mut base = c % bases_n;
        let register = RegisterStaff {
            base_id: Some(bases[base].0.clone()),
            field_office_id: None,
            name: name(rng, female),
            gender: gender(female),
            languages: Vec::new(),
            home_community: String::new(),
            index_number: index.to_string(),
            grade: "GS-5".into(),
            appointment: fixed_term(joined, today + Duration::days(rng.random_range(60..900))),
            effective: joined,
        };
        let staff = r.active_staff(register, joined + Duration::days(3)).await?;
        let from = joined + Duration::days(7);
        let deploy = DeployCla {
            staff_id: staff.clone(),
            base_id: bases[base].0.clone(),
            from: Some(from),
        };
        r.done("deployCla", apps.staffing.deploy_cla(admin, deploy).await)?;
        let office = bases[base].1;
        if span[office] < 15 {
            let assign = AssignSupervisor {
                manager_id: managers[office].clone(),
                staff_id: staff.clone(),
                from,
            };
            r.done(
                "assignSupervisor",
                apps.supervision.assign_supervisor(admin, assign).await,
            )?;
            span[office] += 1;
        }
        // A week of rest each year, a rotation within the office every three years.
        let mut year = from + Duration::days(rng.random_range(100..250));
        let mut next_rotation = from + Duration::days(3 * 365);
        while year + Duration::days(7) < today {
            let absence = RecordAbsence {
                staff_id: staff.clone(),
                kind: AbsenceKind::RestAndRecuperation,
                from: year,
                to: year + Duration::days(6),
            };
            r.done(
                "recordAbsence",
                apps.staffing.record_absence(admin, absence).await,
            )?;
            if next_rotation < year && next_rotation + Duration::days(30) < today {
                let to = (base + offices_n) % bases_n;
                if to != base {
                    let plan = PlanRotation {
                        staff_id: staff.clone(),
                        from_base_id: bases[base].0.clone(),
                        to_base_id: bases[to].0.clone(),
                        date: next_rotation,
                    };
                    r.rotate(plan, "replacement due within the month").await?;
                    base = to;
                }
                next_rotation += Duration::days(3 * 365);
            }
            year += Duration::days(365);
        }
        out.push(Deployed {
            staff_id: staff,
            from,
        });
    }
    // A field visit to every base every quarter, by its office's manager.
    for (base, office) in &bases {
        let mut day = start + Duration::days(rng.random_range(0..90));
        while day < today {
            let visit = RecordFieldVisit {
                manager_id: managers[*office].clone(),
                base_id: base.clone(),
                from: day,
                to: day,
                purpose: "quarterly visit".into(),
                notes: String::new(),
            };
            r.done(
                "recordFieldVisit",
                apps.supervision.record_field_visit(admin, visit).await,
            )?;
            day += Duration::days(91);
        }
    }
    Ok(out)
}

/// A check-in every day from deployment to today, each a command of the risk application (one
/// after another on the CLA's stream), with seeded ids and times.
async fn check_ins(
    apps: &Apps,
    admin: &Principal,
    d: Deployed,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<u64, DemoError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut written = 0u64;
    let mut day = d.from;
    let today = now.date_naive();
    while day <= today {
        let mut at = day
            .and_hms_opt(rng.random_range(5..19), rng.random_range(0..60), 0)
            .expect("valid time")
            .and_utc();
        if at > now {
            at = now;
        }
        let check_in_id = uuid::Uuid::from_u128(rng.random()).to_string();
        let channel = if rng.random_bool(0.8) {
            Channel::Phone
        } else {
            Channel::Radio
        };
        // Drawn for the flag a worrying check-in would raise, so the seed's sequence holds.
        let _flag: u128 = rng.random();
        let check_in = RecordCheckIn {
            staff_id: d.staff_id.clone(),
            at: Some(at),
            channel,
            welfare: Welfare::Ok,
            notes: String::new(),
        };
        apps.risk
            .record_named_check_in(admin, check_in_id, check_in)
            .await
            .map_err(|e| DemoError(format!("a check-in was refused: {}", e.message)))?;
        written += 1;
        day += Duration::days(1);
    }
    Ok(written)
}
