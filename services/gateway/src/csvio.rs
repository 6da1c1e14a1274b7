//! CSV in and out: a staff list and a deployment list imported, the base board, the staff
//! directory and the HQ review exported. Each runs as the caller, through the GraphQL schema
//! that answers requests, so the same access rules and the same commands apply.
//!
//! An import is validated whole before anything is written: every error is reported by line and
//! column, and a file with any error writes nothing. Rows already true (a staff member with that
//! index number, a CLA already at that base since that date) are left alone, so importing the
//! same file again changes nothing. The rules are checked again by the commands themselves; a row
//! refused then (someone changed the same data at that moment) stops the import at that row with
//! its error, and importing the file again completes it.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_graphql::{Request, Variables};
use chrono::NaiveDate;
use cla_platform::Role;
use cla_platform::access::Principal;
use serde::Serialize;
use serde_json::{Value, json};

use crate::schema::ClaSchema;

/// The staff list's columns, in the order exported.
pub const STAFF_COLUMNS: [&str; 12] = [
    "index_number",
    "name",
    "gender",
    "grade",
    "appointment_type",
    "appointment_start",
    "appointment_end",
    "base",
    "languages",
    "home_community",
    "status",
    "effective",
];

/// The deployment list's columns.
pub const DEPLOYMENT_COLUMNS: [&str; 3] = ["index_number", "base", "from"];

/// One error in an imported file. Line 1 is the header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CellError {
    pub line: usize,
    pub column: String,
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub unchanged: usize,
    /// Whether anything was written (false for a dry run or a file with errors).
    pub applied: bool,
    pub errors: Vec<CellError>,
}

/// A failure that is not the file's: the caller may not import here, or the system failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl Refusal {
    fn from_graphql(e: &async_graphql::ServerError) -> Self {
        let ext = e.extensions.as_ref();
        let get = |k: &str| {
            ext.and_then(|x| x.get(k)).and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s.clone()),
                _ => None,
            })
        };
        Self {
            code: get("code").unwrap_or_else(|| "INTERNAL".into()),
            message: e.message.clone(),
            field: get("field"),
        }
    }
}

/// Runs a GraphQL operation as `who`.
async fn ask(
    schema: &ClaSchema,
    who: &Principal,
    query: &str,
    variables: Value,
) -> Result<Value, Refusal> {
    let response = schema
        .execute(
            Request::new(query)
                .variables(Variables::from_json(variables))
                .data(who.clone()),
        )
        .await;
    if let Some(e) = response.errors.first() {
        return Err(Refusal::from_graphql(e));
    }
    response.data.into_json().map_err(|e| Refusal {
        code: "INTERNAL".into(),
        message: e.to_string(),
        field: None,
    })
}

/// Every page of a connection.
async fn all_nodes(
    schema: &ClaSchema,
    who: &Principal,
    query: &str,
    mut variables: Value,
    root: &str,
) -> Result<Vec<Value>, Refusal> {
    let mut out = Vec::new();
    loop {
        let data = ask(schema, who, query, variables.clone()).await?;
        let page = &data[root];
        out.extend(
            page["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| e["node"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return Ok(out);
        }
        variables["after"] = page["pageInfo"]["endCursor"].clone();
    }
}

struct Table {
    /// Column name (lower case) → index.
    columns: HashMap<String, usize>,
    /// (line, cells)
    rows: Vec<(usize, Vec<String>)>,
}

fn read_table(text: &str, required: &[&str], known: &[&str]) -> Result<Table, Vec<CellError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let err = |line: usize, column: &str, message: String| CellError {
        line,
        column: column.into(),
        code: "VALIDATION".into(),
        message,
    };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![err(1, "", format!("not a CSV file: {e}"))]),
    };
    let mut columns = HashMap::new();
    let mut errors = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        if !known.contains(&name.as_str()) {
            errors.push(err(
                1,
                h,
                format!("unknown column {h:?}; the columns are {}", known.join(", ")),
            ));
        } else if columns.insert(name.clone(), i).is_some() {
            errors.push(err(1, h, format!("column {name} is given twice")));
        }
    }
    for r in required {
        if !columns.contains_key(*r) {
            errors.push(err(1, r, format!("column {r} is missing")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line() as usize);
                if r.iter().all(|c| c.is_empty()) {
                    continue;
                }
                if r.len() != headers.len() {
                    errors.push(err(
                        line,
                        "",
                        format!("{} cells where the header has {}", r.len(), headers.len()),
                    ));
                    continue;
                }
                rows.push((line, r.iter().map(str::to_string).collect()));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(err(line, "", format!("unreadable row: {e}")));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Table { columns, rows })
}

impl Table {
    fn cell<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        self.columns
            .get(column)
            .and_then(|i| row.get(*i))
            .map_or("", String::as_str)
    }
}

/// The mission's bases, by id and by name (lower case); names given twice are ambiguous.
struct Bases {
    /// id → (name, status, opened on)
    by_id: HashMap<String, (String, String, String)>,
    by_name: HashMap<String, Vec<String>>,
}

impl Bases {
    async fn load(schema: &ClaSchema, who: &Principal, mission: &str) -> Result<Self, Refusal> {
        let nodes = all_nodes(
            schema,
            who,
            "query($m: String!, $after: String) { bases(missionCode: $m, first: 500, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id name status openedOn } } } }",
            json!({ "m": mission }),
            "bases",
        )
        .await?;
        let mut by_id = HashMap::new();
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for n in nodes {
            let id = n["id"].as_str().unwrap_or_default().to_string();
            let name = n["name"].as_str().unwrap_or_default().to_string();
            by_name
                .entry(name.to_lowercase())
                .or_default()
                .push(id.clone());
            by_id.insert(
                id,
                (
                    name,
                    n["status"].as_str().unwrap_or_default().to_string(),
                    n["openedOn"].as_str().unwrap_or_default().to_string(),
                ),
            );
        }
        Ok(Self { by_id, by_name })
    }

    /// A base named by id or by name.
    fn find(&self, text: &str) -> Result<String, String> {
        if self.by_id.contains_key(text) {
            return Ok(text.to_string());
        }
        match self.by_name.get(&text.to_lowercase()).map(Vec::as_slice) {
            Some([one]) => Ok(one.clone()),
            Some([]) | None => Err(format!("no base {text:?} in this mission")),
            Some(_) => Err(format!("two bases are named {text:?}: give the base id")),
        }
    }

    fn name(&self, id: &str) -> String {
        self.by_id
            .get(id)
            .map_or_else(|| id.to_string(), |b| b.0.clone())
    }
}

async fn staff_of(
    schema: &ClaSchema,
    who: &Principal,
    mission: &str,
) -> Result<Vec<Value>, Refusal> {
    all_nodes(
        schema,
        who,
        "query($m: String!, $after: String) { staffMembers(missionCode: $m, first: 500, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id name gender grade indexNumber status since baseId languages { language level } appointment { type start end } deployments { baseId from to } } } } }",
        json!({ "m": mission }),
        "staffMembers",
    )
    .await
}

/// The index numbers held by the mission's staff members who are not separated.
async fn held_index_numbers(
    schema: &ClaSchema,
    who: &Principal,
    mission: &str,
) -> Result<HashSet<String>, Refusal> {
    Ok(staff_of(schema, who, mission)
        .await?
        .into_iter()
        .filter(|s| s["status"] != "SEPARATED")
        .map(|s| text(&s["indexNumber"]))
        .collect())
}

fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD)"))
}

fn languages(text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (language, level) = part.split_once(':').unwrap_or((part, "WORKING"));
        let level = level.trim().to_ascii_uppercase();
        if !["BASIC", "WORKING", "FLUENT", "NATIVE"].contains(&level.as_str()) {
            return Err(format!(
                "{part:?}: a level is BASIC, WORKING, FLUENT or NATIVE (write Swahili:NATIVE;French:WORKING)"
            ));
        }
        if !seen.insert(language.trim().to_lowercase()) {
            return Err(format!("{} is listed twice", language.trim()));
        }
        out.push(json!({ "language": language.trim(), "level": level }));
    }
    Ok(out)
}

/// A staff list row, validated.
struct StaffRow {
    line: usize,
    input: Value,
    activate_on: Option<NaiveDate>,
}

/// Imports a staff list into a mission (MISSION_HR of the mission or ADMIN).
pub async fn import_staff(
    schema: &ClaSchema,
    who: &Principal,
    mission: &str,
    text: &str,
    dry_run: bool,
) -> Result<ImportReport, Refusal> {
    check_writer(who, mission, &[Role::Admin, Role::MissionHr])?;
    let table = match read_table(
        text,
        &STAFF_COLUMNS[..8]
            .iter()
            .copied()
            .chain(["effective"])
            .collect::<Vec<_>>(),
        &STAFF_COLUMNS,
    ) {
        Ok(t) => t,
        Err(errors) => return Ok(refused(0, errors)),
    };
    let bases = Bases::load(schema, who, mission).await?;
    let held = held_index_numbers(schema, who, mission).await?;
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut unchanged = 0;
    for (line, cells) in &table.rows {
        let line = *line;
        let mut bad = |column: &str, message: String| {
            errors.push(CellError {
                line,
                column: column.into(),
                code: "VALIDATION".into(),
                message,
            })
        };
        let get = |c: &str| table.cell(cells, c).to_string();
        let index = match cla_staff::decider::check_index_number(&get("index_number")) {
            Ok(i) => i,
            Err(e) => {
                bad("index_number", e.message);
                continue;
            }
        };
        if let Some(first) = seen.insert(index.clone(), line) {
            bad(
                "index_number",
                format!("{index} is on line {first} already"),
            );
            continue;
        }
        if held.contains(&index) {
            unchanged += 1;
            continue;
        }
        let name = get("name");
        if name.is_empty() || name.chars().count() > 200 {
            bad("name", "a name of 1 to 200 characters".into());
        }
        let gender = get("gender").to_ascii_uppercase();
        if !["FEMALE", "MALE", "OTHER"].contains(&gender.as_str()) {
            bad("gender", format!("{gender:?}: FEMALE, MALE or OTHER"));
        }
        let grade = cla_staff::decider::check_grade(&get("grade")).unwrap_or_else(|e| {
            bad("grade", e.message);
            String::new()
        });
        let kind = get("appointment_type").to_ascii_uppercase();
        if !["TEMPORARY", "FIXED_TERM"].contains(&kind.as_str()) {
            bad(
                "appointment_type",
                format!("{kind:?}: TEMPORARY or FIXED_TERM"),
            );
        }
        let start = date(&get("appointment_start"))
            .map_err(|m| bad("appointment_start", m))
            .ok();
        let end = date(&get("appointment_end"))
            .map_err(|m| bad("appointment_end", m))
            .ok();
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                bad(
                    "appointment_end",
                    "an appointment ends on or after its start".into(),
                );
            } else if kind == "TEMPORARY" && (e - s).num_days() + 1 > 364 {
                bad(
                    "appointment_end",
                    "a temporary appointment lasts at most 364 days".into(),
                );
            }
        }
        let base = bases.find(&get("base")).map_err(|m| bad("base", m)).ok();
        let langs = languages(&get("languages"))
            .map_err(|m| bad("languages", m))
            .ok();
        let status = match get("status").to_ascii_uppercase().as_str() {
            "" | "ONBOARDING" => false,
            "ACTIVE" => true,
            other => {
                bad("status", format!("{other:?}: ONBOARDING or ACTIVE"));
                false
            }
        };
        let effective = date(&get("effective"))
            .map_err(|m| bad("effective", m))
            .ok();
        if let (Some(b), Some(on)) = (&base, effective)
            && let Some((name, _, opened)) = bases.by_id.get(b)
            && on.to_string() < *opened
        {
            bad(
                "effective",
                format!("{name} opened on {opened}, after {on}"),
            );
            continue;
        }
        let (Some(base), Some(langs), Some(start), Some(end), Some(effective)) =
            (base, langs, start, end, effective)
        else {
            continue;
        };
        let mut input = json!({
            "baseId": base,
            "name": name,
            "gender": gender,
            "languages": langs,
            "indexNumber": index,
            "grade": grade,
            "appointment": { "type": kind, "start": start.to_string(), "end": end.to_string() },
            "effective": effective.to_string(),
        });
        let home = get("home_community");
        if !home.is_empty() {
            input["homeCommunity"] = json!(home);
        }
        rows.push(StaffRow {
            line,
            input,
            activate_on: status.then_some(effective),
        });
    }
    let total = table.rows.len();
    if !errors.is_empty() {
        return Ok(refused(total, errors));
    }
    let mut report = ImportReport {
        rows: total,
        unchanged,
        ..Default::default()
    };
    if dry_run {
        report.created = rows.len();
        return Ok(report);
    }
    report.applied = true;
    for row in rows {
        let created = ask(
            schema,
            who,
            "mutation($i: RegisterStaffInput!) { registerStaffMember(input: $i) { id } }",
            json!({ "i": row.input }),
        )
        .await;
        let id = match created {
            Ok(v) => v["registerStaffMember"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            Err(r) => return Ok(stopped(report, row.line, &r, "index_number")),
        };
        if let Some(on) = row.activate_on
            && let Err(r) = ask(
                schema,
                who,
                "mutation($s: String!, $e: Date!) { activateStaff(staffId: $s, effective: $e) { id } }",
                json!({ "s": id, "e": on.to_string() }),
            )
            .await
        {
            return Ok(stopped(report, row.line, &r, "status"));
        }
        report.created += 1;
    }
    Ok(report)
}

/// Imports a deployment list: each CLA (by index number) at a base from a date (CIVIL_AFFAIRS
/// of the mission or ADMIN).
pub async fn import_deployments(
    schema: &ClaSchema,
    who: &Principal,
    mission: &str,
    text: &str,
    dry_run: bool,
) -> Result<ImportReport, Refusal> {
    check_writer(who, mission, &[Role::Admin, Role::CivilAffairs])?;
    let table = match read_table(text, &DEPLOYMENT_COLUMNS, &DEPLOYMENT_COLUMNS) {
        Ok(t) => t,
        Err(errors) => return Ok(refused(0, errors)),
    };
    let bases = Bases::load(schema, who, mission).await?;
    let staff = staff_of(schema, who, mission).await?;
    let by_index: HashMap<String, &Value> = staff
        .iter()
        .filter(|s| s["status"] != "SEPARATED")
        .map(|s| (s["indexNumber"].as_str().unwrap_or_default().to_string(), s))
        .collect();
    let mut errors = Vec::new();
    let mut rows: Vec<(usize, String, String, NaiveDate)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut unchanged = 0;
    for (line, cells) in &table.rows {
        let line = *line;
        let mut bad = |column: &str, message: String| {
            errors.push(CellError {
                line,
                column: column.into(),
                code: "VALIDATION".into(),
                message,
            })
        };
        let get = |c: &str| table.cell(cells, c).to_string();
        let index = get("index_number").to_ascii_uppercase();
        let member = by_index.get(&index);
        if member.is_none() {
            bad(
                "index_number",
                format!("no current staff member {index:?} in this mission"),
            );
        }
        if let Some(first) = seen.insert(index.clone(), line) {
            bad(
                "index_number",
                format!("{index} is on line {first} already"),
            );
        }
        let base = bases.find(&get("base")).map_err(|m| bad("base", m)).ok();
        let from = date(&get("from")).map_err(|m| bad("from", m)).ok();
        let (Some(member), Some(base), Some(from)) = (member, base, from) else {
            continue;
        };
        if bases.by_id.get(&base).is_some_and(|b| b.1 != "OPEN") {
            bad("base", format!("{} is not open", bases.name(&base)));
            continue;
        }
        if let Some((name, _, opened)) = bases.by_id.get(&base)
            && from.to_string() < *opened
        {
            bad("from", format!("{name} opened on {opened}, after {from}"));
            continue;
        }
        let deployments = member["deployments"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if deployments
            .iter()
            .any(|d| d["baseId"] == base.as_str() && d["from"] == from.to_string().as_str())
        {
            unchanged += 1;
            continue;
        }
        if let Some(open) = deployments.iter().find(|d| d["to"].is_null()) {
            bad(
                "base",
                format!(
                    "{} is deployed at {} since {}: end that deployment or plan a rotation first",
                    member["name"].as_str().unwrap_or_default(),
                    bases.name(open["baseId"].as_str().unwrap_or_default()),
                    open["from"].as_str().unwrap_or_default()
                ),
            );
            continue;
        }
        if member["status"] != "ACTIVE" {
            bad("index_number", format!("{index} is not active"));
            continue;
        }
        rows.push((
            line,
            member["id"].as_str().unwrap_or_default().to_string(),
            base,
            from,
        ));
    }
    let total = table.rows.len();
    if !errors.is_empty() {
        return Ok(refused(total, errors));
    }
    let mut report = ImportReport {
        rows: total,
        unchanged,
        ..Default::default()
    };
    if dry_run {
        report.created = rows.len();
        return Ok(report);
    }
    report.applied = true;
    for (line, staff, base, from) in rows {
        if let Err(r) = ask(
            schema,
            who,
            "mutation($s: String!, $b: String!, $f: Date!) { deployCla(staffId: $s, baseId: $b, from: $f) { staffId } }",
            json!({ "s": staff, "b": base, "f": from.to_string() }),
        )
        .await
        {
            return Ok(stopped(report, line, &r, "base"));
        }
        report.created += 1;
    }
    Ok(report)
}

fn check_writer(who: &Principal, mission: &str, roles: &[Role]) -> Result<(), Refusal> {
    cla_platform::access::check_mission(who, mission, roles).map_err(|e| Refusal {
        code: e.code.as_str().to_string(),
        message: e.message,
        field: e.field,
    })
}

fn refused(rows: usize, errors: Vec<CellError>) -> ImportReport {
    ImportReport {
        rows,
        errors,
        ..Default::default()
    }
}

fn stopped(mut report: ImportReport, line: usize, r: &Refusal, column: &str) -> ImportReport {
    report.errors.push(CellError {
        line,
        column: r.field.clone().unwrap_or_else(|| column.to_string()),
        code: r.code.clone(),
        message: format!(
            "{} (the rows before this one were imported; import the file again once this is fixed)",
            r.message
        ),
    });
    report
}

fn write(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The staff directory in the staff list's columns (so that it can be imported again). The home
/// community is left empty for those who may not see it.
pub async fn export_staff(
    schema: &ClaSchema,
    who: &Principal,
    mission: &str,
) -> Result<String, Refusal> {
    let bases = Bases::load(schema, who, mission).await?;
    let restricted = who.holds_for(mission, &[Role::Admin, Role::MissionHr, Role::CivilAffairs]);
    let home: BTreeMap<String, String> = if restricted {
        all_nodes(
            schema,
            who,
            "query($m: String!, $after: String) { staffMembers(missionCode: $m, first: 500, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id homeCommunity } } } }",
            json!({ "m": mission }),
            "staffMembers",
        )
        .await?
        .into_iter()
        .map(|n| (text(&n["id"]), text(&n["homeCommunity"])))
        .collect()
    } else {
        BTreeMap::new()
    };
    let mut rows = Vec::new();
    for s in staff_of(schema, who, mission).await? {
        if s["status"] == "SEPARATED" {
            continue;
        }
        let langs: Vec<String> = s["languages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| format!("{}:{}", text(&l["language"]), text(&l["level"])))
            .collect();
        let base = s["baseId"]
            .as_str()
            .map(|b| bases.name(b))
            .unwrap_or_default();
        rows.push(vec![
            text(&s["indexNumber"]),
            text(&s["name"]),
            text(&s["gender"]),
            text(&s["grade"]),
            text(&s["appointment"]["type"]),
            text(&s["appointment"]["start"]),
            text(&s["appointment"]["end"]),
            base,
            langs.join(";"),
            home.get(&text(&s["id"])).cloned().unwrap_or_default(),
            text(&s["status"]),
            text(&s["since"]),
        ]);
    }
    rows.sort();
    Ok(write(&STAFF_COLUMNS, rows))
}

/// The base board of a mission as of a date.
pub async fn export_board(
    schema: &ClaSchema,
    who: &Principal,
    mission: &str,
    as_of: Option<&str>,
) -> Result<String, Refusal> {
    let nodes = all_nodes(
        schema,
        who,
        "query($m: String!, $d: Date, $after: String) { baseBoard(missionCode: $m, asOf: $d, first: 500, after: $after) { pageInfo { hasNextPage endCursor } edges { node { baseId name fieldOfficeId deployed effectiveStrength minimum status women languagesCovered languagesMissing rotationDue openFlags { low medium high critical } } } } }",
        json!({ "m": mission, "d": as_of }),
        "baseBoard",
    )
    .await?;
    let header = [
        "base_id",
        "base",
        "field_office_id",
        "deployed",
        "effective_strength",
        "minimum",
        "status",
        "women",
        "languages_covered",
        "languages_missing",
        "rotation_due",
        "open_flags_low",
        "open_flags_medium",
        "open_flags_high",
        "open_flags_critical",
    ];
    let join = |v: &Value| {
        v.as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect::<Vec<_>>()
            .join(";")
    };
    let rows = nodes
        .iter()
        .map(|n| {
            vec![
                text(&n["baseId"]),
                text(&n["name"]),
                text(&n["fieldOfficeId"]),
                text(&n["deployed"]),
                text(&n["effectiveStrength"]),
                text(&n["minimum"]),
                text(&n["status"]),
                text(&n["women"]),
                join(&n["languagesCovered"]),
                join(&n["languagesMissing"]),
                n["rotationDue"].as_array().map_or(0, Vec::len).to_string(),
                text(&n["openFlags"]["low"]),
                text(&n["openFlags"]["medium"]),
                text(&n["openFlags"]["high"]),
                text(&n["openFlags"]["critical"]),
            ]
        })
        .collect();
    Ok(write(&header, rows))
}

/// The HQ staffing review as of a date: one row per mission in the caller's scope and `ALL`.
pub async fn export_review(
    schema: &ClaSchema,
    who: &Principal,
    as_of: Option<&str>,
) -> Result<String, Refusal> {
    const FIELDS: [&str; 17] = [
        "scope",
        "clas",
        "deployed",
        "bases",
        "basesAtMinimum",
        "basesAtMinimumPercent",
        "vacancyRate",
        "meanTimeToFillDays",
        "shareOfWomen",
        "openFlagsLow",
        "openFlagsMedium",
        "openFlagsHigh",
        "openFlagsCritical",
        "supervisionCoveragePercent",
        "checkInCompliancePercent",
        "rotationsDue",
        "appointmentsEnding60Days",
    ];
    let fields = FIELDS.join(" ");
    let data = ask(
        schema,
        who,
        &format!("query($d: Date) {{ hqStaffingReview(asOf: $d) {{ asOf overall {{ {fields} }} missions {{ {fields} }} }} }}"),
        json!({ "d": as_of }),
    )
    .await?;
    let review = &data["hqStaffingReview"];
    let mut header = vec!["as_of".to_string()];
    header.extend(FIELDS.iter().map(|f| snake(f)));
    let rows = review["missions"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(std::iter::once(&review["overall"]))
        .map(|m| {
            std::iter::once(text(&review["asOf"]))
                .chain(FIELDS.iter().map(|f| text(&m[*f])))
                .collect()
        })
        .collect();
    Ok(write(
        &header.iter().map(String::as_str).collect::<Vec<_>>(),
        rows,
    ))
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in camel.chars() {
        let starts_word = c.is_ascii_uppercase()
            || (c.is_ascii_digit() && !previous.is_some_and(|p| p.is_ascii_digit()));
        if starts_word && previous.is_some() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    out
}
