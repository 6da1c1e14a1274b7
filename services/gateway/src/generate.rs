//! The scale generator: a seeded, repeatable history of any size, for benchmarks.
//!
//! Missions, field offices and bases, CLAs registered and deployed over the first year, a rotation
//! every three years, a week of rest and recuperation every year, managers, supervision and a
//! field visit to every base every quarter: all through the GraphQL mutations the server answers,
//! so every rule applies. Then a check-in by every deployed CLA every day, decided by the risk
//! rules on each CLA's stream and written in batches, many CLAs at once. The same seed gives the
//! same history (the ids the system draws itself, such as staff ids, aside).

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cla_event_store::{
    Actor, EventStore, EventType, ExpectedRevision, Metadata, NewEvent, StreamName,
};
use cla_platform::codec::EventCodec;
use cla_platform::decider::Decider;
use cla_risk::commands::RiskCommand;
use cla_risk::decider::{Risk, RiskContext, RiskDecider};
use cla_risk::events::{Channel, Welfare};
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::demo::{DemoError, Runner, name, planned_rotation};
use crate::schema::ClaSchema;

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
    /// Commands run through GraphQL.
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

/// Events written to a CLA's stream in one append.
const BATCH: usize = 512;
/// CLAs whose check-ins are written at once.
const WRITERS: usize = 64;

struct Deployed {
    staff_id: String,
    base_id: String,
    mission: String,
    from: NaiveDate,
}

/// Generates into an empty store; refuses a store with data.
pub async fn generate(
    schema: &ClaSchema,
    store: Arc<dyn EventStore>,
    now: DateTime<Utc>,
    params: &Params,
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
    let mut r = Runner::new(schema);
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
        deployed.extend(mission(&mut r, &mut rng, m, start, today, params.clas, &mut index).await?);
    }
    let mut report = Report {
        commands: r.commands,
        ..Default::default()
    };
    if params.daily_check_ins {
        let seed = params.seed;
        let written: Vec<Result<u64, DemoError>> =
            futures::stream::iter(deployed.into_iter().enumerate())
                .map(|(i, d)| {
                    let store = Arc::clone(&store);
                    async move {
                        check_ins(
                            store.as_ref(),
                            &d,
                            seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9),
                            now,
                        )
                        .await
                    }
                })
                .buffer_unordered(WRITERS)
                .collect()
                .await;
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
    r: &mut Runner<'_>,
    rng: &mut StdRng,
    m: u32,
    start: NaiveDate,
    today: NaiveDate,
    clas: u32,
    index: &mut u32,
) -> Result<Vec<Deployed>, DemoError> {
    let code = format!("MISSION{:02}", m + 1);
    let founded = (start - Duration::days(30)).to_string();
    r.run(
        "mutation($i: CreateMissionInput!) { createMission(input: $i) { code } }",
        json!({ "i": { "code": code, "name": format!("Generated mission {}", m + 1), "country": format!("Country {}", m + 1), "policy": { "minimumClasPerBase": 2, "maxSpanOfControl": 15, "checkInIntervalHours": 24, "checkInGraceHours": 12, "fieldVisitIntervalDays": 90, "maxTourMonths": 36 }, "effective": founded } }),
    )
    .await?;
    let offices_n = 6usize;
    let bases_n = (clas as usize / 3).max(2);
    let mut offices = Vec::new();
    for o in 0..offices_n {
        offices.push(
            r.id(
                "mutation($i: OpenFieldOfficeInput!) { openFieldOffice(input: $i) { id } }",
                json!({ "i": { "missionCode": code, "name": format!("Office {}", o + 1), "effective": founded } }),
                &["openFieldOffice", "id"],
            )
            .await?,
        );
    }
    let mut bases = Vec::new();
    for b in 0..bases_n {
        let office = b % offices_n;
        bases.push((
            r.id(
                "mutation($i: OpenBaseInput!) { openBase(input: $i) { id } }",
                json!({ "i": { "fieldOfficeId": offices[office], "name": format!("Base {}-{}", m + 1, b + 1), "kind": "COMPANY_OPERATING_BASE", "localLanguages": ["Swahili"], "effective": founded } }),
                &["openBase", "id"],
            )
            .await?,
            office,
        ));
    }
    // Managers, one per office from the start.
    let mut managers = Vec::new();
    for office in &offices {
        let female = rng.random_bool(0.4);
        let data = r
            .run(
                "mutation($i: AppointManagerInput!) { appointManager(input: $i) { mission { spans { managerId } } } }",
                json!({ "i": { "fieldOfficeId": office, "name": name(rng, female), "kind": "INTERNATIONAL_STAFF", "from": start.to_string() } }),
            )
            .await?;
        let id = data["appointManager"]["mission"]["spans"]
            .as_array()
            .and_then(|s| {
                s.iter()
                    .filter_map(|x| x["managerId"].as_str())
                    .find(|x| !managers.iter().any(|m| m == x))
            })
            .ok_or_else(|| DemoError("no manager id".into()))?
            .to_string();
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
        let staff = r
            .id(
                "mutation($i: RegisterStaffInput!) { registerStaffMember(input: $i) { id } }",
                json!({ "i": {
                    "baseId": bases[base].0,
                    "name": name(rng, female),
                    "gender": if female { "FEMALE" } else { "MALE" },
                    "indexNumber": index.to_string(),
                    "grade": "GS-5",
                    "appointment": { "type": "FIXED_TERM", "start": joined.to_string(), "end": (today + Duration::days(rng.random_range(60..900))).to_string() },
                    "effective": joined.to_string(),
                } }),
                &["registerStaffMember", "id"],
            )
            .await?;
        r.run(
            "mutation($s: String!, $e: Date!) { activateStaff(staffId: $s, effective: $e) { id } }",
            json!({ "s": staff, "e": (joined + Duration::days(3)).to_string() }),
        )
        .await?;
        let from = joined + Duration::days(7);
        r.run(
            "mutation($s: String!, $b: String!, $f: Date!) { deployCla(staffId: $s, baseId: $b, from: $f) { staffId } }",
            json!({ "s": staff, "b": bases[base].0, "f": from.to_string() }),
        )
        .await?;
        let office = bases[base].1;
        if span[office] < 15 {
            r.run(
                "mutation($m: String!, $s: String!, $f: Date!) { assignSupervisor(managerId: $m, staffId: $s, from: $f) { mission { clas } } }",
                json!({ "m": managers[office], "s": staff, "f": from.to_string() }),
            )
            .await?;
            span[office] += 1;
        }
        // A week of rest each year, a rotation within the office every three years.
        let mut year = from + Duration::days(rng.random_range(100..250));
        let mut next_rotation = from + Duration::days(3 * 365);
        while year + Duration::days(7) < today {
            r.run(
                "mutation($s: String!, $f: Date!, $t: Date!) { recordAbsence(staffId: $s, kind: REST_AND_RECUPERATION, from: $f, to: $t) { staffId } }",
                json!({ "s": staff, "f": year.to_string(), "t": (year + Duration::days(6)).to_string() }),
            )
            .await?;
            if next_rotation < year && next_rotation + Duration::days(30) < today {
                let to = (base + offices_n) % bases_n;
                if to != base {
                    let planned = r
                        .run(
                            "mutation($s: String!, $f: String!, $t: String!, $d: Date!) { planRotation(staffId: $s, fromBaseId: $f, toBaseId: $t, date: $d) { rotations { id state } } }",
                            json!({ "s": staff, "f": bases[base].0, "t": bases[to].0, "d": next_rotation.to_string() }),
                        )
                        .await?;
                    let rotation = planned_rotation(&planned)?;
                    r.run(
                        "mutation($r: String!, $d: Date!) { completeRotation(rotationId: $r, on: $d, acceptGap: \"replacement due within the month\") { staffId } }",
                        json!({ "r": rotation, "d": next_rotation.to_string() }),
                    )
                    .await?;
                    base = to;
                }
                next_rotation += Duration::days(3 * 365);
            }
            year += Duration::days(365);
        }
        out.push(Deployed {
            staff_id: staff,
            base_id: bases[base].0.clone(),
            mission: code.clone(),
            from,
        });
    }
    // A field visit to every base every quarter, by its office's manager.
    for (base, office) in &bases {
        let mut day = start + Duration::days(rng.random_range(0..90));
        while day < today {
            r.run(
                "mutation($m: String!, $b: String!, $f: Date!) { recordFieldVisit(managerId: $m, baseId: $b, from: $f, to: $f, purpose: \"quarterly visit\") { mission { clas } } }",
                json!({ "m": managers[*office], "b": base, "f": day.to_string() }),
            )
            .await?;
            day += Duration::days(91);
        }
    }
    Ok(out)
}

/// A check-in every day from deployment to today, decided by the risk rules on the CLA's stream
/// (the state kept here as it grows) and appended in batches.
async fn check_ins(
    store: &dyn EventStore,
    d: &Deployed,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<u64, DemoError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let stream =
        StreamName::new(format!("risk-{}", d.staff_id)).map_err(|e| DemoError(format!("{e:?}")))?;
    let context = RiskContext {
        staff_id: d.staff_id.clone(),
        mission: d.mission.clone(),
        base_id: d.base_id.clone(),
        now,
    };
    let actor = Actor {
        id: "generator".into(),
        role: "CIVIL_AFFAIRS".into(),
    };
    let mut state = Risk::default();
    let mut revision: Option<u64> = None;
    let mut batch: Vec<NewEvent> = Vec::with_capacity(BATCH);
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
        let command = RiskCommand::RecordCheckIn {
            check_in_id: uuid::Uuid::from_u128(rng.random()).to_string(),
            at,
            channel: if rng.random_bool(0.8) {
                Channel::Phone
            } else {
                Channel::Radio
            },
            welfare: Welfare::Ok,
            notes: String::new(),
            flag_id: uuid::Uuid::from_u128(rng.random()).to_string(),
        };
        let events = RiskDecider::decide(&command, &state, &context)
            .map_err(|e| DemoError(format!("a check-in was refused: {}", e.message)))?;
        for e in &events {
            state = RiskDecider::evolve(state, e, day);
            batch.push(NewEvent {
                id: uuid::Uuid::now_v7(),
                event_type: EventType::parse(e.event_type())
                    .map_err(|e| DemoError(format!("{e:?}")))?,
                data: e.encode().into(),
                metadata: Metadata {
                    actor: actor.clone(),
                    correlation_id: uuid::Uuid::now_v7(),
                    causation_id: None,
                    effective: day,
                },
            });
        }
        written += 1;
        if batch.len() >= BATCH {
            revision = Some(append(store, &stream, revision, &mut batch).await?);
        }
        day += Duration::days(1);
    }
    if !batch.is_empty() {
        append(store, &stream, revision, &mut batch).await?;
    }
    Ok(written)
}

async fn append(
    store: &dyn EventStore,
    stream: &StreamName,
    revision: Option<u64>,
    batch: &mut Vec<NewEvent>,
) -> Result<u64, DemoError> {
    let expected = revision.map_or(ExpectedRevision::NoStream, ExpectedRevision::Exact);
    let events = std::mem::take(batch);
    store
        .append(stream, expected, events)
        .await
        .map(|r| r.revision)
        .map_err(|e| DemoError(format!("append to {stream}: {e:?}")))
}
