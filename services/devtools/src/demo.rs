//! The demo dataset: four missions shaped like the real programme, with years of history, made
//! through the real commands (every change is a typed command of the application layer, run as
//! an ADMIN, so every rule and every access check applies), on an empty store only.
//!
//! - **MONUSCO** (DR Congo): seven field offices, 72 bases, about 200 CLAs; CLAs deployed since
//!   2016, rotations over the years, supervision stretched thin.
//! - **MINUSCA** (Central African Republic): 44 locations and 78 CLAs, many of them alone.
//! - **UNMISS** (South Sudan): the regional-office deployment model, CLAs at five regional offices.
//! - **MINUSMA** (Mali): closed in 2023; its CLAs released and separated, its bases closed.
//!
//! The people are invented. The problems a manager must see are there on purpose: bases below two
//! and empty, lone CLAs, CLAs who stopped checking in, unsupervised CLAs, a manager over span,
//! appointments ending, open risk flags, posts being recruited. Everything is dated relative to
//! today, so the demo always looks current. A seed makes it the same every time.

use std::cell::Cell;
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use cla_platform::{AppError, AppResult, Principal, Role};
use cla_registry::app::{BaseStep, CreateMission, OpenBase, OpenFieldOffice};
use cla_registry::commands::{BaseDetails, StaffingPolicyChange};
use cla_registry::events::{BaseKind, DeploymentModel};
use cla_risk::app::{RaiseRiskFlag, RecordCheckIn};
use cla_risk::events::{Category, Channel, Severity, Welfare};
use cla_staff::app::{NewCandidate, OpenVacancy, RegisterStaff};
use cla_staff::commands::{Appointment, AppointmentKind, CandidateStage, Language};
use cla_staff::events::{Gender, SeparationReason};
use cla_staff::process::hiring::HireRequest;
use cla_staffing::app::{CompleteRotation, DeployCla, EndDeployment, PlanRotation, RecordAbsence};
use cla_staffing::events::AbsenceKind;
use cla_supervision::app::{AppointManager, AssignSupervisor, RecordFieldVisit};
use cla_supervision::events::ManagerKind;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::Apps;

/// What the demo made, and what it claims a reader will see.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub missions: Vec<MissionSummary>,
    /// Commands run.
    pub commands: usize,
    pub seconds: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MissionSummary {
    pub code: String,
    pub field_offices: usize,
    /// Bases not closed.
    pub bases: usize,
    /// Staff members not separated.
    pub clas: usize,
    pub deployed: usize,
    /// Open bases whose effective strength today is below the minimum (empty ones included).
    pub below_minimum: usize,
    /// Open bases with exactly one CLA present today.
    pub lone: usize,
    /// CLAs who stopped checking in three days ago.
    pub stopped_checking_in: usize,
    /// Appointments ending within 60 days.
    pub appointments_ending: usize,
    pub open_flags: usize,
    pub open_vacancies: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("demo: {0}")]
pub struct DemoError(pub String);

/// The ADMIN the demo and the generator act as.
pub(crate) fn loader() -> Principal {
    Principal::new("demo-loader", "Demo loader", &[Role::Admin], &[])
}

/// Runs commands through the application layers as the loader, and counts them.
pub(crate) struct Runner<'a> {
    pub(crate) apps: &'a Apps,
    pub(crate) admin: Principal,
    commands: Cell<usize>,
}

impl Runner<'_> {
    pub(crate) fn new(apps: &Apps) -> Runner<'_> {
        Runner {
            apps,
            admin: loader(),
            commands: Cell::new(0),
        }
    }

    pub(crate) fn commands(&self) -> usize {
        self.commands.get()
    }

    /// Registers a staff member and activates them on `active_on`; returns their id.
    pub(crate) async fn active_staff(
        &self,
        register: RegisterStaff,
        active_on: NaiveDate,
    ) -> Result<String, DemoError> {
        let staff = &self.apps.staff;
        let registered = staff.register_staff_member(&self.admin, register).await;
        let id = self.done("registerStaffMember", registered)?.member.id;
        let activated = staff.activate_staff(&self.admin, &id, active_on).await;
        self.done("activateStaff", activated)?;
        Ok(id)
    }

    /// Appoints a manager; returns their id.
    pub(crate) async fn appoint_manager(
        &self,
        appoint: AppointManager,
    ) -> Result<String, DemoError> {
        let appointed = self
            .apps
            .supervision
            .appoint_manager(&self.admin, appoint)
            .await;
        Ok(self.done("appointManager", appointed)?.manager.id)
    }

    /// Plans a rotation and completes it on its date, accepting the gap it leaves for `reason`.
    pub(crate) async fn rotate(&self, plan: PlanRotation, reason: &str) -> Result<(), DemoError> {
        let on = plan.date;
        let staffing = &self.apps.staffing;
        let planned = self.done(
            "planRotation",
            staffing.plan_rotation(&self.admin, plan).await,
        )?;
        let complete = CompleteRotation {
            rotation_id: planned.rotation.id,
            on: Some(on),
            accept_gap: Some(reason.into()),
        };
        let completed = staffing.complete_rotation(&self.admin, complete).await;
        self.done("completeRotation", completed).map(drop)
    }

    /// Counts a command run, and names it where it was refused.
    pub(crate) fn done<T>(&self, command: &str, outcome: AppResult<T>) -> Result<T, DemoError> {
        self.commands.set(self.commands.get() + 1);
        outcome.map_err(|e| refused(command, &e))
    }
}

fn refused(command: &str, e: &AppError) -> DemoError {
    match &e.field {
        Some(field) => DemoError(format!("{command} refused: {} ({field})", e.message)),
        None => DemoError(format!("{command} refused: {}", e.message)),
    }
}

const GIVEN_F: &[&str] = &[
    "Amani",
    "Neema",
    "Zawadi",
    "Furaha",
    "Imani",
    "Esther",
    "Grace",
    "Aline",
    "Chantal",
    "Solange",
    "Mireille",
    "Nadège",
    "Clarisse",
    "Espérance",
    "Rachel",
    "Sifa",
    "Bahati",
    "Josiane",
    "Pascaline",
    "Yvette",
];
const GIVEN_M: &[&str] = &[
    "Baraka",
    "Jean-Paul",
    "Patrick",
    "Emmanuel",
    "Didier",
    "Olivier",
    "Fiston",
    "Christian",
    "Justin",
    "Héritier",
    "Serge",
    "Trésor",
    "Blaise",
    "Innocent",
    "Gédéon",
    "Alain",
    "Prince",
    "Josué",
    "Moïse",
    "Eric",
];
const FAMILY: &[&str] = &[
    "Mbuyi",
    "Kasongo",
    "Ilunga",
    "Mukendi",
    "Tshibanda",
    "Kalombo",
    "Lukusa",
    "Mwamba",
    "Ngoy",
    "Kabeya",
    "Bahati",
    "Kambale",
    "Kavira",
    "Paluku",
    "Masika",
    "Muhindo",
    "Katembo",
    "Kahindo",
    "Sikuli",
    "Mumbere",
    "Ndjadi",
    "Lokwa",
    "Bokele",
    "Yangba",
    "Ngaba",
    "Doumta",
    "Wani",
    "Lado",
    "Deng",
    "Akol",
    "Traoré",
    "Maïga",
    "Cissé",
    "Touré",
];

const PURPOSES: &[&str] = &[
    "community protection committee",
    "early-warning network review",
    "welfare visit",
    "local authorities meeting",
];

struct MissionPlan {
    code: &'static str,
    name: &'static str,
    country: &'static str,
    founded: NaiveDate,
    policy: StaffingPolicyChange,
    languages: &'static [&'static str],
    offices: Vec<(&'static str, Vec<String>)>,
    kind: BaseKind,
    /// CLAs deployed at each base today, by base (in order).
    strengths: Vec<usize>,
    /// CLAs not deployed (between deployments, just registered).
    undeployed: usize,
    closed_in: Option<NaiveDate>,
}

/// A mission's policy: at least two CLAs a base, check-ins graced 12 hours.
fn policy(
    model: DeploymentModel,
    max_span: u32,
    check_in_hours: u32,
    visit_days: u32,
    tour_months: u32,
) -> StaffingPolicyChange {
    StaffingPolicyChange {
        minimum_clas_per_base: Some(2),
        deployment_model: Some(model),
        max_span_of_control: Some(max_span),
        check_in_interval_hours: Some(check_in_hours),
        check_in_grace_hours: Some(12),
        field_visit_interval_days: Some(visit_days),
        max_tour_months: Some(tour_months),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn places(list: &[&'static str], prefix: &str) -> Vec<String> {
    list.iter().map(|p| format!("{prefix} {p}")).collect()
}

fn plans() -> Vec<MissionPlan> {
    // MONUSCO: 72 bases under seven field offices.
    let monusco_offices = vec![
        (
            "Beni",
            places(
                &[
                    "Beni",
                    "Oicha",
                    "Eringeti",
                    "Mavivi",
                    "Kamango",
                    "Mbau",
                    "Mayimoya",
                    "Kalunguta",
                    "Mutwanga",
                    "Bulongo",
                    "Lume",
                    "Kasindi",
                ],
                "COB",
            ),
        ),
        (
            "Bunia",
            places(
                &[
                    "Bunia",
                    "Djugu",
                    "Fataki",
                    "Kpandroma",
                    "Bule",
                    "Drodro",
                    "Largu",
                    "Nizi",
                    "Mongbwalu",
                    "Komanda",
                    "Gety",
                    "Boga",
                ],
                "COB",
            ),
        ),
        (
            "Goma",
            places(
                &[
                    "Rutshuru",
                    "Kiwanja",
                    "Kitchanga",
                    "Mweso",
                    "Pinga",
                    "Kibirizi",
                    "Nyanzale",
                    "Sake",
                    "Masisi",
                    "Nyiragongo",
                    "Bunagana",
                ],
                "COB",
            ),
        ),
        (
            "Bukavu",
            places(
                &[
                    "Kavumu",
                    "Kalehe",
                    "Minova",
                    "Walungu",
                    "Shabunda",
                    "Mwenga",
                    "Kamituga",
                    "Bunyakiri",
                    "Hombo",
                    "Nindja",
                ],
                "COB",
            ),
        ),
        (
            "Uvira",
            places(
                &[
                    "Uvira", "Sange", "Luvungi", "Kiliba", "Baraka", "Fizi", "Minembwe", "Lulenge",
                    "Mboko",
                ],
                "TOB",
            ),
        ),
        (
            "Kalemie",
            places(
                &[
                    "Kalemie", "Nyunzu", "Kabalo", "Manono", "Pweto", "Moba", "Kongolo", "Mitwaba",
                    "Dubie",
                ],
                "TOB",
            ),
        ),
        (
            "Kananga",
            places(
                &[
                    "Kananga", "Tshikapa", "Kamonia", "Luiza", "Dibaya", "Kazumba", "Demba",
                    "Mweka", "Ilebo",
                ],
                "SCD",
            ),
        ),
    ];
    let monusco_bases: usize = monusco_offices.iter().map(|o| o.1.len()).sum();
    // Most bases hold three, twenty hold two, six one, two nobody.
    let mut monusco = vec![3; monusco_bases];
    for (i, s) in monusco.iter_mut().enumerate() {
        *s = match i % 9 {
            1 | 4 => 2,
            7 if i < 54 => 1,
            _ => 3,
        };
    }
    monusco[20] = 0;
    monusco[61] = 0;
    for i in [3, 12, 33, 47, 58, 66, 70] {
        monusco[i] = 2;
    }
    // MINUSCA: 44 locations under six offices, often one CLA.
    let minusca_offices = vec![
        (
            "Bangui",
            places(
                &[
                    "Bangui",
                    "Damara",
                    "Boali",
                    "Mbaïki",
                    "Bossembélé",
                    "Sibut",
                    "Bimbo",
                ],
                "TOB",
            ),
        ),
        (
            "Bambari",
            places(
                &[
                    "Bambari", "Ippy", "Grimari", "Kouango", "Alindao", "Kembé", "Mobaye", "Zangba",
                ],
                "TOB",
            ),
        ),
        (
            "Bria",
            places(
                &[
                    "Bria",
                    "Ouadda",
                    "Sam Ouandja",
                    "Yalinga",
                    "Irabanda",
                    "Aigbando",
                    "Ndah",
                ],
                "TOB",
            ),
        ),
        (
            "Kaga-Bandoro",
            places(
                &[
                    "Kaga-Bandoro",
                    "Mbrès",
                    "Batangafo",
                    "Kabo",
                    "Ouandago",
                    "Nana-Outa",
                    "Dékoa",
                ],
                "TOB",
            ),
        ),
        (
            "Bouar",
            places(
                &[
                    "Bouar",
                    "Baboua",
                    "Niem",
                    "Abba",
                    "Baoro",
                    "Bocaranga",
                    "Koui",
                    "Ngaoundaye",
                ],
                "TOB",
            ),
        ),
        (
            "Bangassou",
            places(
                &[
                    "Bangassou",
                    "Rafaï",
                    "Zémio",
                    "Obo",
                    "Mboki",
                    "Djema",
                    "Bakouma",
                ],
                "TOB",
            ),
        ),
    ];
    let minusca_bases: usize = minusca_offices.iter().map(|o| o.1.len()).sum();
    let minusca: Vec<usize> = (0..minusca_bases)
        .map(|i| match i % 11 {
            0 | 3 | 6 | 9 => 1,
            10 => 0,
            _ => 2,
        })
        .collect();
    let unmiss_offices = vec![
        ("Juba", vec!["Juba Regional Office".to_string()]),
        ("Malakal", vec!["Malakal Regional Office".to_string()]),
        ("Bentiu", vec!["Bentiu Regional Office".to_string()]),
        ("Wau", vec!["Wau Regional Office".to_string()]),
        ("Bor", vec!["Bor Regional Office".to_string()]),
    ];
    let minusma_offices = vec![
        ("Gao", places(&["Gao", "Ansongo", "Ménaka"], "Camp")),
        ("Timbuktu", places(&["Timbuktu", "Ber", "Goundam"], "Camp")),
        ("Mopti", places(&["Mopti", "Douentza", "Sévaré"], "Camp")),
        ("Kidal", places(&["Kidal", "Aguelhok", "Tessalit"], "Camp")),
    ];
    vec![
        MissionPlan {
            code: "MONUSCO",
            name: "United Nations Organization Stabilization Mission in the Democratic Republic of the Congo",
            country: "Democratic Republic of the Congo",
            founded: date(2010, 7, 1),
            policy: policy(DeploymentModel::CoLocated, 15, 24, 45, 48),
            languages: &["Swahili", "Lingala", "Kinande", "Kinyarwanda"],
            offices: monusco_offices,
            kind: BaseKind::CompanyOperatingBase,
            strengths: monusco,
            undeployed: 23,
            closed_in: None,
        },
        MissionPlan {
            code: "MINUSCA",
            name: "United Nations Multidimensional Integrated Stabilization Mission in the Central African Republic",
            country: "Central African Republic",
            founded: date(2014, 9, 15),
            policy: policy(DeploymentModel::CoLocated, 12, 24, 60, 48),
            languages: &["Sango", "French"],
            offices: minusca_offices,
            kind: BaseKind::TemporaryOperatingBase,
            strengths: minusca,
            undeployed: 13,
            closed_in: None,
        },
        MissionPlan {
            code: "UNMISS",
            name: "United Nations Mission in the Republic of South Sudan",
            country: "South Sudan",
            founded: date(2011, 7, 9),
            policy: policy(DeploymentModel::RegionalOffices, 10, 48, 60, 36),
            languages: &["Arabic", "Dinka", "Nuer", "Bari"],
            offices: unmiss_offices,
            kind: BaseKind::RegionalOffice,
            strengths: vec![8, 6, 5, 5, 4],
            undeployed: 2,
            closed_in: None,
        },
        MissionPlan {
            code: "MINUSMA",
            name: "United Nations Multidimensional Integrated Stabilization Mission in Mali",
            country: "Mali",
            founded: date(2013, 7, 1),
            policy: policy(DeploymentModel::CoLocated, 12, 24, 60, 24),
            languages: &["Bambara", "Songhai", "Tamasheq", "Fulfulde"],
            offices: minusma_offices,
            kind: BaseKind::CompanyOperatingBase,
            strengths: vec![3, 2, 2, 3, 2, 2, 3, 2, 3, 3, 2, 3],
            undeployed: 0,
            closed_in: Some(date(2023, 12, 31)),
        },
    ]
}

/// A CLA as planned.
struct Cla {
    id: String,
    /// Where they are today (index into the mission's bases); none if not deployed.
    base: Option<usize>,
    joined: NaiveDate,
}

fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, 0, 0).expect("valid time").and_utc()
}

/// The seed `cla` loads the demo with: the demo is the same every time.
pub const SEED: u64 = 2008;

/// Loads the demo if the store is empty; answers what it made, or `None` for a store with data.
pub async fn load_if_empty(
    apps: &Apps,
    store: &dyn cla_event_store::EventStore,
    now: DateTime<Utc>,
    seed: u64,
) -> Result<Option<Summary>, DemoError> {
    let head = store
        .head()
        .await
        .map_err(|e| DemoError(format!("cannot read the store: {e:?}")))?;
    if head.is_some() {
        return Ok(None);
    }
    load(apps, now, seed).await.map(Some)
}

/// Loads the demo (the caller checks that the store is empty).
pub async fn load(apps: &Apps, now: DateTime<Utc>, seed: u64) -> Result<Summary, DemoError> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let r = Runner::new(apps);
    let today = now.date_naive();
    let mut index = 4_100_000u32;
    let mut summary = Summary::default();
    for plan in plans() {
        summary
            .missions
            .push(mission(&r, &mut rng, &plan, now, today, &mut index).await?);
    }
    summary.commands = r.commands();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

pub(crate) fn name(rng: &mut StdRng, female: bool) -> String {
    let given = if female { GIVEN_F } else { GIVEN_M };
    format!(
        "{} {}",
        given[rng.random_range(0..given.len())],
        FAMILY[rng.random_range(0..FAMILY.len())]
    )
}

pub(crate) fn gender(female: bool) -> Gender {
    if female { Gender::Female } else { Gender::Male }
}

pub(crate) fn fixed_term(start: NaiveDate, end: NaiveDate) -> Appointment {
    Appointment {
        kind: AppointmentKind::FixedTerm,
        start,
        end,
    }
}

fn language(language: &str, level: &str) -> Language {
    Language {
        language: language.to_string(),
        level: level.to_string(),
    }
}

async fn mission(
    r: &Runner<'_>,
    rng: &mut StdRng,
    plan: &MissionPlan,
    now: DateTime<Utc>,
    today: NaiveDate,
    index: &mut u32,
) -> Result<MissionSummary, DemoError> {
    let (apps, admin) = (r.apps, &r.admin);
    let founded = plan.founded;
    let create = CreateMission {
        code: plan.code.into(),
        name: plan.name.into(),
        country: plan.country.into(),
        policy: plan.policy,
        effective: founded,
    };
    r.done(
        "createMission",
        apps.registry.create_mission(admin, create).await,
    )?;
    // Offices and bases.
    let mut bases: Vec<(String, usize)> = Vec::new();
    let mut offices = Vec::new();
    for (o, (office, names)) in plan.offices.iter().enumerate() {
        let open = OpenFieldOffice {
            mission_code: plan.code.into(),
            name: (*office).into(),
            effective: founded,
        };
        let id = r
            .done(
                "openFieldOffice",
                apps.registry.open_field_office(admin, open).await,
            )?
            .id;
        for n in names {
            let languages: Vec<String> = plan
                .languages
                .iter()
                .filter(|_| rng.random_bool(0.6))
                .map(|l| l.to_string())
                .collect();
            let details = BaseDetails {
                name: n.clone(),
                kind: plan.kind,
                field_office_id: id.clone(),
                contingent: format!("Contingent {}", (n.len() % 7) + 1),
                local_languages: languages,
                alert_network_working: !rng.random_bool(0.15),
                minimum_override: None,
            };
            let open = OpenBase {
                details,
                effective: founded,
            };
            let base = r.done("openBase", apps.registry.open_base(admin, open).await)?;
            bases.push((base.base.id, o));
        }
        offices.push(id);
    }
    let open_from = plan.founded + Duration::days(90);
    let latest_join = plan
        .closed_in
        .map_or(today - Duration::days(120), |c| c - Duration::days(400));
    // Most CLAs joined within the last eight years (a closed mission: its last eight).
    let open_from = open_from.max(latest_join - Duration::days(8 * 365));
    let span_days = (latest_join - open_from).num_days().max(1);
    // People: those deployed today, base by base, then those not deployed.
    let mut clas: Vec<Cla> = Vec::new();
    let placements: Vec<Option<usize>> = plan
        .strengths
        .iter()
        .enumerate()
        .flat_map(|(b, n)| std::iter::repeat_n(Some(b), *n))
        .chain(std::iter::repeat_n(None, plan.undeployed))
        .collect();
    let mut ending = 0;
    for base in placements {
        let female = rng.random_bool(0.3);
        let joined = open_from + Duration::days(rng.random_range(0..span_days));
        let end = match plan.closed_in {
            Some(closed) => closed,
            None if rng.random_ratio(1, 16) => {
                ending += 1;
                today + Duration::days(rng.random_range(10..58))
            }
            None => today + Duration::days(rng.random_range(90..700)),
        };
        *index += 1;
        let languages: Vec<Language> = plan
            .languages
            .iter()
            .filter(|_| rng.random_bool(0.5))
            .map(|l| language(l, "FLUENT"))
            .chain((!plan.languages.contains(&"French")).then(|| language("French", "WORKING")))
            .collect();
        let home = plan.offices[base.map_or(0, |b| bases[b].1)].0;
        let register = RegisterStaff {
            base_id: Some(base.map_or_else(|| bases[0].0.clone(), |b| bases[b].0.clone())),
            field_office_id: None,
            name: name(rng, female),
            gender: gender(female),
            languages,
            home_community: format!("near {home}"),
            index_number: index.to_string(),
            grade: format!("GS-{}", rng.random_range(4..7)),
            appointment: fixed_term(joined, end),
            effective: joined,
        };
        let id = r.active_staff(register, joined + Duration::days(7)).await?;
        clas.push(Cla { id, base, joined });
    }
    // Deployments: each CLA's first base, and for some a rotation to where they are today.
    for (i, c) in clas.iter().enumerate() {
        let Some(final_base) = c.base else {
            continue;
        };
        let first_day = c.joined + Duration::days(14);
        // Two in three moved once, most of them within the last four years.
        let last_move = plan.closed_in.map_or(today, |c| date(c.year(), 6, 30));
        let rotate_on = (last_move - Duration::days(rng.random_range(150..1400)))
            .max(first_day + Duration::days(200));
        let rotated = i % 3 != 2 && rotate_on < last_move - Duration::days(60);
        let first = if rotated {
            // Another base of the same office where there is one.
            let office = bases[final_base].1;
            bases
                .iter()
                .position(|(id, o)| *o == office && *id != bases[final_base].0)
                .unwrap_or(final_base)
        } else {
            final_base
        };
        let deploy = DeployCla {
            staff_id: c.id.clone(),
            base_id: bases[first].0.clone(),
            from: Some(first_day),
        };
        r.done("deployCla", apps.staffing.deploy_cla(admin, deploy).await)?;
        if first != final_base {
            let plan_it = PlanRotation {
                staff_id: c.id.clone(),
                from_base_id: bases[first].0.clone(),
                to_base_id: bases[final_base].0.clone(),
                date: rotate_on,
            };
            r.rotate(plan_it, "the replacement arrived the following week")
                .await?;
        }
        // A rest-and-recuperation break in the past for some.
        if i % 4 == 1 {
            let from = (first_day + Duration::days(rng.random_range(60..200)))
                .min(today - Duration::days(40));
            if from > first_day {
                let absence = RecordAbsence {
                    staff_id: c.id.clone(),
                    kind: AbsenceKind::RestAndRecuperation,
                    from,
                    to: from + Duration::days(6),
                };
                r.done(
                    "recordAbsence",
                    apps.staffing.record_absence(admin, absence).await,
                )?;
            }
        }
    }
    if let Some(closed) = plan.closed_in {
        return closed_mission(r, plan, &bases, &clas, closed).await;
    }
    // On leave today: every 25th deployed CLA at a base of three or two.
    let mut absent_today = vec![0usize; bases.len()];
    let mut on_leave = std::collections::BTreeSet::new();
    for (i, c) in clas.iter().enumerate() {
        if let Some(b) = c.base
            && i % 25 == 12
            && plan.strengths[b] >= 2
        {
            let absence = RecordAbsence {
                staff_id: c.id.clone(),
                kind: AbsenceKind::Leave,
                from: today - Duration::days(3),
                to: today + Duration::days(9),
            };
            r.done(
                "recordAbsence",
                apps.staffing.record_absence(admin, absence).await,
            )?;
            absent_today[b] += 1;
            on_leave.insert(i);
        }
    }
    // Check-ins: daily over the last week by everyone deployed; every 30th stopped three days ago.
    let mut stopped = 0;
    for (i, c) in clas.iter().enumerate() {
        if c.base.is_none() {
            continue;
        }
        let stops = i % 30 == 17 && !on_leave.contains(&i);
        stopped += usize::from(stops);
        for days_ago in (if stops { 3 } else { 0 })..7 {
            let mut when = at(today - Duration::days(days_ago), 6 + (i % 10) as u32);
            if when > now {
                when = now - Duration::minutes(30);
            }
            let check_in = RecordCheckIn {
                staff_id: c.id.clone(),
                at: Some(when),
                channel: Channel::Phone,
                welfare: Welfare::Ok,
                notes: String::new(),
            };
            r.done(
                "recordCheckIn",
                apps.risk.record_check_in(admin, check_in).await,
            )?;
        }
    }
    // Managers: one per office and a second in the larger ones; the first manager of the first
    // office carries more than the span allows; the rest of the office's CLAs go unsupervised
    // beyond what the managers can take.
    let max_span = plan.policy.max_span_of_control.unwrap_or(12) as usize;
    let manager_from = (today - Duration::days(400)).max(plan.founded);
    let mut managers: Vec<(String, usize)> = Vec::new();
    for (o, office) in offices.iter().enumerate() {
        let here: Vec<&Cla> = clas
            .iter()
            .filter(|c| c.base.is_some_and(|b| bases[b].1 == o))
            .collect();
        let count = if here.len() > 35 { 2 } else { 1 };
        for k in 0..count {
            let female = rng.random_bool(0.4);
            let appoint = AppointManager {
                field_office_id: office.clone(),
                name: name(rng, female),
                kind: if k == 0 {
                    ManagerKind::InternationalStaff
                } else {
                    ManagerKind::UnVolunteer
                },
                staff_id: None,
                from: manager_from,
            };
            let id = r.appoint_manager(appoint).await?;
            managers.push((id, o));
        }
        let mine: Vec<&String> = managers
            .iter()
            .filter(|(_, x)| *x == o)
            .map(|(m, _)| m)
            .collect();
        let mut given = vec![0usize; mine.len()];
        for c in &here {
            let cap = |k: usize| {
                if o == 0 && k == 0 {
                    max_span + 3
                } else {
                    max_span.saturating_sub(3)
                }
            };
            let Some(k) = (0..mine.len()).find(|k| given[*k] < cap(*k)) else {
                break;
            };
            let assign = AssignSupervisor {
                manager_id: mine[k].clone(),
                staff_id: c.id.clone(),
                from: today - Duration::days(rng.random_range(20..300)),
            };
            r.done(
                "assignSupervisor",
                apps.supervision.assign_supervisor(admin, assign).await,
            )?;
            given[k] += 1;
        }
    }
    // Field visits: each base last visited between 3 and 80 days ago by its office's manager.
    for (b, (base, o)) in bases.iter().enumerate() {
        let Some((manager, _)) = managers.iter().find(|(_, x)| x == o) else {
            continue;
        };
        for visit in [b % 3 == 0, true] {
            let ago = if visit {
                rng.random_range(3..80)
            } else {
                rng.random_range(90..200)
            };
            let from = today - Duration::days(ago);
            let purpose = PURPOSES[rng.random_range(0..PURPOSES.len())];
            let record = RecordFieldVisit {
                manager_id: manager.clone(),
                base_id: base.clone(),
                from,
                to: from + Duration::days(1),
                purpose: purpose.into(),
                notes: String::new(),
            };
            r.done(
                "recordFieldVisit",
                apps.supervision.record_field_visit(admin, record).await,
            )?;
        }
    }
    // Risk flags, open today.
    let deployed: Vec<&Cla> = clas.iter().filter(|c| c.base.is_some()).collect();
    let flags: &[(Category, Severity, &str)] = if plan.code == "MONUSCO" {
        &[
            (
                Category::SeenAsInformant,
                Severity::Critical,
                "Named on a local radio programme as working for the troops.",
            ),
            (
                Category::ThreatReceived,
                Severity::High,
                "Threatening calls after the last alert.",
            ),
            (
                Category::ThreatReceived,
                Severity::High,
                "Family approached at the market.",
            ),
            (
                Category::HealthWelfare,
                Severity::Medium,
                "Malaria; treatment under way.",
            ),
            (
                Category::SecurityIncident,
                Severity::Low,
                "Road to the base cut for two days.",
            ),
        ]
    } else if plan.code == "MINUSCA" {
        &[
            (
                Category::SecurityIncident,
                Severity::High,
                "Armed group patrol near the CLA's house.",
            ),
            (
                Category::HealthWelfare,
                Severity::Medium,
                "Needs a medical evacuation check.",
            ),
        ]
    } else {
        &[(
            Category::ThreatReceived,
            Severity::Medium,
            "Warned by a local chief.",
        )]
    };
    for (k, (category, severity, notes)) in flags.iter().enumerate() {
        let who = deployed[(k * 37 + 5) % deployed.len()];
        let raise = RaiseRiskFlag {
            staff_id: who.id.clone(),
            category: *category,
            severity: *severity,
            notes: (*notes).into(),
        };
        r.done(
            "raiseRiskFlag",
            apps.risk.raise_risk_flag(admin, raise).await,
        )?;
    }
    // Recruitment: posts at the emptiest bases, candidates at every stage, one post filled.
    let mut open_vacancies = 0;
    let mut emptiest: Vec<usize> = (0..bases.len()).collect();
    emptiest.sort_by_key(|b| (plan.strengths[*b], *b));
    for (k, b) in emptiest.iter().take(4).enumerate() {
        let opened = today - Duration::days(20 + 25 * k as i64);
        let open = OpenVacancy {
            base_id: Some(bases[*b].0.clone()),
            field_office_id: None,
            title: "Community Liaison Assistant".into(),
            required_languages: vec![plan.languages[0].into()],
            notes: String::new(),
            effective: opened,
        };
        let vacancy = r
            .done("openVacancy", apps.staff.open_vacancy(admin, open).await)?
            .vacancy
            .id;
        let mut candidates: Vec<String> = Vec::new();
        for _ in 0..3 {
            let female = rng.random_bool(0.5);
            let candidate = NewCandidate {
                name: name(rng, female),
                gender: gender(female),
                languages: vec![language(plan.languages[0], "NATIVE")],
                effective: opened + Duration::days(3),
            };
            let added = r.done(
                "addCandidate",
                apps.staff.add_candidate(admin, &vacancy, candidate).await,
            )?;
            candidates.push(added.candidate.id);
        }
        let step = |d: i64| (opened + Duration::days(d)).min(today);
        // The first candidate goes as far as the vacancy's age allows; the last post is filled.
        let stages = [CandidateStage::Screened, CandidateStage::Interviewed];
        for (s, stage) in stages.iter().enumerate().take(k.min(2)) {
            r.done(
                "advanceCandidate",
                apps.staff
                    .advance_candidate(
                        admin,
                        &vacancy,
                        candidates[0].clone(),
                        *stage,
                        step(5 + 5 * s as i64),
                    )
                    .await,
            )?;
        }
        if k == 3 {
            let c = &candidates[0];
            let staff = &apps.staff;
            r.done(
                "recordVetting",
                staff
                    .record_vetting(
                        admin,
                        &vacancy,
                        c.clone(),
                        true,
                        "references and affiliations checked".into(),
                        step(30),
                    )
                    .await,
            )?;
            let start = opened + Duration::days(50);
            let appointment = fixed_term(start, start + Duration::days(730));
            r.done(
                "makeOffer",
                staff
                    .make_offer(
                        admin,
                        &vacancy,
                        c.clone(),
                        "GS-5".into(),
                        appointment,
                        step(40),
                    )
                    .await,
            )?;
            r.done(
                "answerOffer",
                staff
                    .answer_offer(admin, &vacancy, c.clone(), true, String::new(), step(42))
                    .await,
            )?;
            *index += 1;
            let hire = HireRequest {
                vacancy_id: vacancy.clone(),
                candidate_id: c.clone(),
                index_number: index.to_string(),
                home_community: "near the base".into(),
                effective: step(50),
            };
            r.done("hireCandidate", staff.hire_candidate(admin, hire).await)?;
            r.done(
                "rejectCandidate",
                staff
                    .reject_candidate(
                        admin,
                        &vacancy,
                        candidates[1].clone(),
                        "post filled".into(),
                        step(50),
                    )
                    .await,
            )?;
        } else {
            open_vacancies += 1;
        }
    }

    let mut summary = MissionSummary {
        code: plan.code.into(),
        field_offices: offices.len(),
        bases: bases.len(),
        // Registered (not separated), and the one hired.
        clas: clas.len() + 1,
        deployed: plan.strengths.iter().sum(),
        stopped_checking_in: stopped,
        appointments_ending: ending,
        open_flags: flags.len(),
        open_vacancies,
        ..Default::default()
    };
    let minimum = plan.policy.minimum_clas_per_base.unwrap_or(2) as usize;
    for (b, strength) in plan.strengths.iter().enumerate() {
        let present = strength - absent_today[b];
        summary.below_minimum += usize::from(present < minimum);
        summary.lone += usize::from(present == 1);
    }
    Ok(summary)
}

/// A mission that closed: CLAs released and separated, bases closed, all in its last year.
async fn closed_mission(
    r: &Runner<'_>,
    plan: &MissionPlan,
    bases: &[(String, usize)],
    clas: &[Cla],
    closed: NaiveDate,
) -> Result<MissionSummary, DemoError> {
    let (apps, admin) = (r.apps, &r.admin);
    let released = date(closed.year(), 6, 30);
    for c in clas.iter().filter(|c| c.base.is_some()) {
        let end = EndDeployment {
            staff_id: c.id.clone(),
            on: Some(released),
            reason: Some("mission drawdown".into()),
            accept_gap: Some("the mission withdraws under Security Council resolution 2690".into()),
        };
        r.done(
            "endDeployment",
            apps.staffing.end_deployment(admin, end).await,
        )?;
    }
    for (base, _) in bases {
        let closing = BaseStep {
            base_id: base.clone(),
            reason: "mission drawdown".into(),
            effective: date(closed.year(), 7, 1),
        };
        r.done(
            "startClosingBase",
            apps.registry.start_closing_base(admin, closing).await,
        )?;
        let close = BaseStep {
            base_id: base.clone(),
            reason: "handed over".into(),
            effective: closed,
        };
        r.done("closeBase", apps.registry.close_base(admin, close).await)?;
    }
    for c in clas {
        r.done(
            "separateStaff",
            apps.staff
                .separate_staff(
                    admin,
                    &c.id,
                    SeparationReason::EndOfAppointment,
                    "mission closed".into(),
                    closed,
                )
                .await,
        )?;
    }
    Ok(MissionSummary {
        code: plan.code.into(),
        field_offices: plan.offices.len(),
        ..Default::default()
    })
}
