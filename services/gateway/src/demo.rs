//! The demo dataset: four missions shaped like the real programme, with years of history, made
//! through the real commands (every change is a GraphQL mutation run by the schema that serves
//! requests, so every rule applies), on an empty store only.
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

use std::time::Instant;

use async_graphql::{Request, Variables};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use cla_platform::Role;
use cla_platform::access::Principal;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::schema::ClaSchema;

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

pub(crate) struct Runner<'a> {
    pub(crate) schema: &'a ClaSchema,
    pub(crate) admin: Principal,
    pub(crate) commands: usize,
}

impl Runner<'_> {
    pub(crate) fn new(schema: &ClaSchema) -> Runner<'_> {
        Runner {
            schema,
            admin: Principal {
                id: "demo-loader".into(),
                name: "Demo loader".into(),
                roles: [Role::Admin].into(),
                missions: Default::default(),
            },
            commands: 0,
        }
    }

    pub(crate) async fn run(&mut self, query: &str, variables: Value) -> Result<Value, DemoError> {
        let request = Request::new(query)
            .variables(Variables::from_json(variables.clone()))
            .data(self.admin.clone());
        let response = self.schema.execute(request).await;
        self.commands += 1;
        if let Some(e) = response.errors.first() {
            return Err(DemoError(format!(
                "{} refused: {} ({variables})",
                query
                    .split('{')
                    .nth(1)
                    .and_then(|f| f.split('(').next())
                    .unwrap_or(query)
                    .trim(),
                e.message
            )));
        }
        response
            .data
            .into_json()
            .map_err(|e| DemoError(e.to_string()))
    }

    pub(crate) async fn id(
        &mut self,
        query: &str,
        variables: Value,
        path: &[&str],
    ) -> Result<String, DemoError> {
        let mut v = self.run(query, variables).await?;
        for p in path {
            v = v[*p].take();
        }
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| DemoError(format!("no id at {path:?}")))
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
    policy: Value,
    languages: &'static [&'static str],
    offices: Vec<(&'static str, Vec<String>)>,
    kind: &'static str,
    /// CLAs deployed at each base today, by base (in order).
    strengths: Vec<usize>,
    /// CLAs not deployed (between deployments, just registered).
    undeployed: usize,
    closed_in: Option<NaiveDate>,
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
            policy: json!({ "minimumClasPerBase": 2, "deploymentModel": "CO_LOCATED", "maxSpanOfControl": 15, "checkInIntervalHours": 24, "checkInGraceHours": 12, "fieldVisitIntervalDays": 45, "maxTourMonths": 48 }),
            languages: &["Swahili", "Lingala", "Kinande", "Kinyarwanda"],
            offices: monusco_offices,
            kind: "COMPANY_OPERATING_BASE",
            strengths: monusco,
            undeployed: 23,
            closed_in: None,
        },
        MissionPlan {
            code: "MINUSCA",
            name: "United Nations Multidimensional Integrated Stabilization Mission in the Central African Republic",
            country: "Central African Republic",
            founded: date(2014, 9, 15),
            policy: json!({ "minimumClasPerBase": 2, "deploymentModel": "CO_LOCATED", "maxSpanOfControl": 12, "checkInIntervalHours": 24, "checkInGraceHours": 12, "fieldVisitIntervalDays": 60, "maxTourMonths": 48 }),
            languages: &["Sango", "French"],
            offices: minusca_offices,
            kind: "TEMPORARY_OPERATING_BASE",
            strengths: minusca,
            undeployed: 13,
            closed_in: None,
        },
        MissionPlan {
            code: "UNMISS",
            name: "United Nations Mission in the Republic of South Sudan",
            country: "South Sudan",
            founded: date(2011, 7, 9),
            policy: json!({ "minimumClasPerBase": 2, "deploymentModel": "REGIONAL_OFFICES", "maxSpanOfControl": 10, "checkInIntervalHours": 48, "checkInGraceHours": 12, "fieldVisitIntervalDays": 60, "maxTourMonths": 36 }),
            languages: &["Arabic", "Dinka", "Nuer", "Bari"],
            offices: unmiss_offices,
            kind: "REGIONAL_OFFICE",
            strengths: vec![8, 6, 5, 5, 4],
            undeployed: 2,
            closed_in: None,
        },
        MissionPlan {
            code: "MINUSMA",
            name: "United Nations Multidimensional Integrated Stabilization Mission in Mali",
            country: "Mali",
            founded: date(2013, 7, 1),
            policy: json!({ "minimumClasPerBase": 2, "deploymentModel": "CO_LOCATED", "maxSpanOfControl": 12, "checkInIntervalHours": 24, "checkInGraceHours": 12, "fieldVisitIntervalDays": 60, "maxTourMonths": 24 }),
            languages: &["Bambara", "Songhai", "Tamasheq", "Fulfulde"],
            offices: minusma_offices,
            kind: "COMPANY_OPERATING_BASE",
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
    schema: &ClaSchema,
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
    load(schema, now, seed).await.map(Some)
}

/// Loads the demo (the caller checks that the store is empty).
pub async fn load(schema: &ClaSchema, now: DateTime<Utc>, seed: u64) -> Result<Summary, DemoError> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut r = Runner {
        schema,
        admin: Principal {
            id: "demo-loader".into(),
            name: "Demo loader".into(),
            roles: [Role::Admin].into(),
            missions: Default::default(),
        },
        commands: 0,
    };
    let today = now.date_naive();
    let mut index = 4_100_000u32;
    let mut summary = Summary::default();
    for plan in plans() {
        summary
            .missions
            .push(mission(&mut r, &mut rng, &plan, now, today, &mut index).await?);
    }
    summary.commands = r.commands;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The rotation a `planRotation` answer shows planned (for a date already past: overdue).
pub(crate) fn planned_rotation(answer: &Value) -> Result<String, DemoError> {
    answer["planRotation"]["rotations"]
        .as_array()
        .and_then(|rs| {
            rs.iter()
                .find(|x| x["state"] == "PLANNED" || x["state"] == "OVERDUE")
        })
        .and_then(|x| x["id"].as_str())
        .map(str::to_string)
        .ok_or_else(|| DemoError("no planned rotation".into()))
}

pub(crate) fn name(rng: &mut StdRng, female: bool) -> String {
    let given = if female { GIVEN_F } else { GIVEN_M };
    format!(
        "{} {}",
        given[rng.random_range(0..given.len())],
        FAMILY[rng.random_range(0..FAMILY.len())]
    )
}

async fn mission(
    r: &mut Runner<'_>,
    rng: &mut StdRng,
    plan: &MissionPlan,
    now: DateTime<Utc>,
    today: NaiveDate,
    index: &mut u32,
) -> Result<MissionSummary, DemoError> {
    let founded = plan.founded.to_string();
    r.run(
        "mutation($i: CreateMissionInput!) { createMission(input: $i) { code } }",
        json!({ "i": { "code": plan.code, "name": plan.name, "country": plan.country, "policy": plan.policy, "effective": founded } }),
    )
    .await?;
    // Offices and bases.
    let mut bases: Vec<(String, usize)> = Vec::new();
    let mut offices = Vec::new();
    for (o, (office, names)) in plan.offices.iter().enumerate() {
        let id = r
            .id(
                "mutation($i: OpenFieldOfficeInput!) { openFieldOffice(input: $i) { id } }",
                json!({ "i": { "missionCode": plan.code, "name": office, "effective": founded } }),
                &["openFieldOffice", "id"],
            )
            .await?;
        for n in names {
            let languages: Vec<&str> = plan
                .languages
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.6))
                .collect();
            let base = r
                .id(
                    "mutation($i: OpenBaseInput!) { openBase(input: $i) { id } }",
                    json!({ "i": { "fieldOfficeId": id, "name": n, "kind": plan.kind, "contingent": format!("Contingent {}", (n.len() % 7) + 1), "localLanguages": languages, "alertNetworkWorking": !rng.random_bool(0.15), "effective": founded } }),
                    &["openBase", "id"],
                )
                .await?;
            bases.push((base, o));
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
        let languages: Vec<Value> = plan
            .languages
            .iter()
            .filter(|_| rng.random_bool(0.5))
            .map(|l| json!({ "language": l, "level": "FLUENT" }))
            .chain(
                (!plan.languages.contains(&"French"))
                    .then(|| json!({ "language": "French", "level": "WORKING" })),
            )
            .collect();
        let home = plan.offices[base.map_or(0, |b| bases[b].1)].0;
        let id = r
            .id(
                "mutation($i: RegisterStaffInput!) { registerStaffMember(input: $i) { id } }",
                json!({ "i": {
                    "baseId": base.map_or_else(|| bases[0].0.clone(), |b| bases[b].0.clone()),
                    "name": name(rng, female),
                    "gender": if female { "FEMALE" } else { "MALE" },
                    "languages": languages,
                    "homeCommunity": format!("near {home}"),
                    "indexNumber": index.to_string(),
                    "grade": format!("GS-{}", rng.random_range(4..7)),
                    "appointment": { "type": "FIXED_TERM", "start": joined.to_string(), "end": end.to_string() },
                    "effective": joined.to_string(),
                } }),
                &["registerStaffMember", "id"],
            )
            .await?;
        r.run(
            "mutation($s: String!, $e: Date!) { activateStaff(staffId: $s, effective: $e) { id } }",
            json!({ "s": id, "e": (joined + Duration::days(7)).to_string() }),
        )
        .await?;
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
        r.run(
            "mutation($s: String!, $b: String!, $f: Date!) { deployCla(staffId: $s, baseId: $b, from: $f) { staffId } }",
            json!({ "s": c.id, "b": bases[first].0, "f": first_day.to_string() }),
        )
        .await?;
        if first != final_base {
            let planned = r
                .run(
                    "mutation($s: String!, $f: String!, $t: String!, $d: Date!) { planRotation(staffId: $s, fromBaseId: $f, toBaseId: $t, date: $d) { rotations { id state } } }",
                    json!({ "s": c.id, "f": bases[first].0, "t": bases[final_base].0, "d": rotate_on.to_string() }),
                )
                .await?;
            let rotation = planned_rotation(&planned)?;
            r.run(
                "mutation($r: String!, $d: Date!) { completeRotation(rotationId: $r, on: $d, acceptGap: \"the replacement arrived the following week\") { staffId } }",
                json!({ "r": rotation, "d": rotate_on.to_string() }),
            )
            .await?;
        }
        // A rest-and-recuperation break in the past for some.
        if i % 4 == 1 {
            let from = (first_day + Duration::days(rng.random_range(60..200)))
                .min(today - Duration::days(40));
            if from > first_day {
                r.run(
                    "mutation($s: String!, $f: Date!, $t: Date!) { recordAbsence(staffId: $s, kind: REST_AND_RECUPERATION, from: $f, to: $t) { staffId } }",
                    json!({ "s": c.id, "f": from.to_string(), "t": (from + Duration::days(6)).to_string() }),
                )
                .await?;
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
            r.run(
                "mutation($s: String!, $f: Date!, $t: Date!) { recordAbsence(staffId: $s, kind: LEAVE, from: $f, to: $t) { staffId } }",
                json!({ "s": c.id, "f": (today - Duration::days(3)).to_string(), "t": (today + Duration::days(9)).to_string() }),
            )
            .await?;
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
            r.run(
                "mutation($s: String!, $at: DateTime!) { recordCheckIn(staffId: $s, at: $at, channel: PHONE, welfare: OK) { checkInId } }",
                json!({ "s": c.id, "at": when.to_rfc3339() }),
            )
            .await?;
        }
    }
    // Managers: one per office and a second in the larger ones; the first manager of the first
    // office carries more than the span allows; the rest of the office's CLAs go unsupervised
    // beyond what the managers can take.
    let max_span = plan.policy["maxSpanOfControl"].as_u64().unwrap_or(12) as usize;
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
            let data = r
                .run(
                    "mutation($i: AppointManagerInput!) { appointManager(input: $i) { mission { spans { managerId name } } } }",
                    json!({ "i": { "fieldOfficeId": office, "name": name(rng, female), "kind": if k == 0 { "INTERNATIONAL_STAFF" } else { "UN_VOLUNTEER" }, "from": manager_from.to_string() } }),
                )
                .await?;
            let id = data["appointManager"]["mission"]["spans"]
                .as_array()
                .and_then(|s| {
                    s.iter()
                        .filter_map(|m| m["managerId"].as_str())
                        .find(|m| !managers.iter().any(|(x, _)| x == m))
                })
                .ok_or_else(|| DemoError("no manager id".into()))?
                .to_string();
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
            r.run(
                "mutation($m: String!, $s: String!, $f: Date!) { assignSupervisor(managerId: $m, staffId: $s, from: $f) { mission { clas } } }",
                json!({ "m": mine[k], "s": c.id, "f": (today - Duration::days(rng.random_range(20..300))).to_string() }),
            )
            .await?;
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
            r.run(
                "mutation($m: String!, $b: String!, $f: Date!, $t: Date!, $p: String!) { recordFieldVisit(managerId: $m, baseId: $b, from: $f, to: $t, purpose: $p) { mission { clas } } }",
                json!({ "m": manager, "b": base, "f": from.to_string(), "t": (from + Duration::days(1)).to_string(), "p": purpose }),
            )
            .await?;
        }
    }
    // Risk flags, open today.
    let deployed: Vec<&Cla> = clas.iter().filter(|c| c.base.is_some()).collect();
    let flags: &[(&str, &str, &str)] = if plan.code == "MONUSCO" {
        &[
            (
                "SEEN_AS_INFORMANT",
                "CRITICAL",
                "Named on a local radio programme as working for the troops.",
            ),
            (
                "THREAT_RECEIVED",
                "HIGH",
                "Threatening calls after the last alert.",
            ),
            (
                "THREAT_RECEIVED",
                "HIGH",
                "Family approached at the market.",
            ),
            ("HEALTH_WELFARE", "MEDIUM", "Malaria; treatment under way."),
            (
                "SECURITY_INCIDENT",
                "LOW",
                "Road to the base cut for two days.",
            ),
        ]
    } else if plan.code == "MINUSCA" {
        &[
            (
                "SECURITY_INCIDENT",
                "HIGH",
                "Armed group patrol near the CLA's house.",
            ),
            (
                "HEALTH_WELFARE",
                "MEDIUM",
                "Needs a medical evacuation check.",
            ),
        ]
    } else {
        &[("THREAT_RECEIVED", "MEDIUM", "Warned by a local chief.")]
    };
    for (k, (category, severity, notes)) in flags.iter().enumerate() {
        let who = deployed[(k * 37 + 5) % deployed.len()];
        r.run(
            "mutation($s: String!, $c: RiskCategory!, $v: Severity!, $n: String!) { raiseRiskFlag(staffId: $s, category: $c, severity: $v, notes: $n) { id } }",
            json!({ "s": who.id, "c": category, "v": severity, "n": notes }),
        )
        .await?;
    }
    // Recruitment: posts at the emptiest bases, candidates at every stage, one post filled.
    let mut open_vacancies = 0;
    let mut emptiest: Vec<usize> = (0..bases.len()).collect();
    emptiest.sort_by_key(|b| (plan.strengths[*b], *b));
    for (k, b) in emptiest.iter().take(4).enumerate() {
        let opened = today - Duration::days(20 + 25 * k as i64);
        let vacancy = r
            .id(
                "mutation($i: OpenVacancyInput!) { openVacancy(input: $i) { id } }",
                json!({ "i": { "baseId": bases[*b].0, "title": "Community Liaison Assistant", "requiredLanguages": [plan.languages[0]], "effective": opened.to_string() } }),
                &["openVacancy", "id"],
            )
            .await?;
        let mut candidates = Vec::new();
        for _ in 0..3 {
            let female = rng.random_bool(0.5);
            let v = r
                .run(
                    "mutation($v: String!, $i: CandidateInput!) { addCandidate(vacancyId: $v, input: $i) { candidates { edges { node { id } } } } }",
                    json!({ "v": vacancy, "i": { "name": name(rng, female), "gender": if female { "FEMALE" } else { "MALE" }, "languages": [{ "language": plan.languages[0], "level": "NATIVE" }], "effective": (opened + Duration::days(3)).to_string() } }),
                )
                .await?;
            let id = v["addCandidate"]["candidates"]["edges"]
                .as_array()
                .and_then(|e| e.last())
                .and_then(|e| e["node"]["id"].as_str())
                .ok_or_else(|| DemoError("no candidate id".into()))?
                .to_string();
            candidates.push(id);
        }
        let step = |d: i64| (opened + Duration::days(d)).min(today).to_string();
        // The first candidate goes as far as the vacancy's age allows; the last post is filled.
        let stages = ["SCREENED", "INTERVIEWED"];
        for (s, stage) in stages.iter().enumerate().take(k.min(2)) {
            r.run(
                "mutation($v: String!, $c: String!, $s: Stage!, $e: Date!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: $s, effective: $e) { id } }",
                json!({ "v": vacancy, "c": candidates[0], "s": stage, "e": step(5 + 5 * s as i64) }),
            )
            .await?;
        }
        if k == 3 {
            let c = &candidates[0];
            r.run("mutation($v: String!, $c: String!, $e: Date!) { recordVetting(vacancyId: $v, candidateId: $c, passed: true, notes: \"references and affiliations checked\", effective: $e) { id } }", json!({ "v": vacancy, "c": c, "e": step(30) })).await?;
            let start = opened + Duration::days(50);
            r.run("mutation($v: String!, $c: String!, $e: Date!, $a: AppointmentInput!) { makeOffer(vacancyId: $v, candidateId: $c, grade: \"GS-5\", appointment: $a, effective: $e) { id } }", json!({ "v": vacancy, "c": c, "e": step(40), "a": { "type": "FIXED_TERM", "start": start.to_string(), "end": (start + Duration::days(730)).to_string() } })).await?;
            r.run("mutation($v: String!, $c: String!, $e: Date!) { answerOffer(vacancyId: $v, candidateId: $c, accepted: true, effective: $e) { id } }", json!({ "v": vacancy, "c": c, "e": step(42) })).await?;
            *index += 1;
            r.run("mutation($v: String!, $c: String!, $i: HireInput!) { hireCandidate(vacancyId: $v, candidateId: $c, input: $i) { id } }", json!({ "v": vacancy, "c": c, "i": { "indexNumber": index.to_string(), "homeCommunity": "near the base", "effective": step(50) } })).await?;
            r.run("mutation($v: String!, $c: String!, $e: Date!) { rejectCandidate(vacancyId: $v, candidateId: $c, reason: \"post filled\", effective: $e) { id } }", json!({ "v": vacancy, "c": candidates[1], "e": step(50) })).await?;
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
    let minimum = plan.policy["minimumClasPerBase"].as_u64().unwrap_or(2) as usize;
    for (b, strength) in plan.strengths.iter().enumerate() {
        let present = strength - absent_today[b];
        summary.below_minimum += usize::from(present < minimum);
        summary.lone += usize::from(present == 1);
    }
    Ok(summary)
}

/// A mission that closed: CLAs released and separated, bases closed, all in its last year.
async fn closed_mission(
    r: &mut Runner<'_>,
    plan: &MissionPlan,
    bases: &[(String, usize)],
    clas: &[Cla],
    closed: NaiveDate,
) -> Result<MissionSummary, DemoError> {
    let released = date(closed.year(), 6, 30);
    for c in clas.iter().filter(|c| c.base.is_some()) {
        r.run(
            "mutation($s: String!, $d: Date!) { endDeployment(staffId: $s, on: $d, reason: \"mission drawdown\", acceptGap: \"the mission withdraws under Security Council resolution 2690\") { staffId } }",
            json!({ "s": c.id, "d": released.to_string() }),
        )
        .await?;
    }
    for (base, _) in bases {
        r.run(
            "mutation($b: String!, $d: Date!) { startClosingBase(baseId: $b, reason: \"mission drawdown\", effective: $d) { id } }",
            json!({ "b": base, "d": date(closed.year(), 7, 1).to_string() }),
        )
        .await?;
        r.run(
            "mutation($b: String!, $d: Date!) { closeBase(baseId: $b, reason: \"handed over\", effective: $d) { id } }",
            json!({ "b": base, "d": closed.to_string() }),
        )
        .await?;
    }
    for c in clas {
        r.run(
            "mutation($s: String!, $d: Date!) { separateStaff(staffId: $s, reason: END_OF_APPOINTMENT, notes: \"mission closed\", effective: $d) { id } }",
            json!({ "s": c.id, "d": closed.to_string() }),
        )
        .await?;
    }
    Ok(MissionSummary {
        code: plan.code.into(),
        field_offices: plan.offices.len(),
        ..Default::default()
    })
}
