//! CSV in and out: a staff list and a deployment list imported, the base board, the staff
//! directory and the HQ review exported. Each runs as the caller, through the application layers
//! ([`Apps`]) that every door uses, so the same access rules and the same commands apply.
//!
//! An import is validated whole before anything is written: every error is reported by line and
//! column, and a file with any error writes nothing. Rows already true (a staff member with that
//! index number, a CLA already at that base since that date) are left alone, so importing the
//! same file again changes nothing. The rules are checked again by the commands themselves; a row
//! refused then (someone changed the same data at that moment) stops the import at that row with
//! its error, and importing the file again completes it.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use cla_platform::access::Principal;
use cla_platform::app::authorize;
use cla_platform::timeline::View;
use cla_platform::{AppError, Restricted};
use cla_registry::app::BaseFilter;
use cla_registry::decider::BaseStatus;
use cla_reporting::ReviewFigures;
use cla_staff::app::{RegisterStaff, StaffAnswer};
use cla_staff::commands::{Appointment, AppointmentKind, Language};
use cla_staff::decider::StaffStatus;
use cla_staff::events::Gender;
use cla_staff::projections::StaffFilter;
use cla_staffing::app::DeployCla;
use cla_staffing::projections::{BoardFilter, Coverage};
use cla_web::i18n::{L10n, Lang};
use cla_web::pages::imports::Problem;
use serde::Serialize;

use crate::schema::Apps;

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
    /// The problem in English.
    pub message: String,
    /// The problem, for a page to word in its reader's language.
    #[serde(skip)]
    pub problem: Problem,
}

impl CellError {
    fn new(line: usize, column: &str, problem: Problem) -> Self {
        Self {
            line,
            column: column.into(),
            code: "VALIDATION".into(),
            message: problem.words(L10n::new(Lang::En)),
            problem,
        }
    }
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

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Self {
            code: e.code.as_str().to_string(),
            message: e.message,
            field: e.field,
        }
    }
}

/// How a file is written and read: its separator, a byte-order mark, and how its dates and
/// decimals look. Imports read either separator and a BOM whatever the dialect; the dialect says
/// which way round a date like `03/04/2027` is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// RFC 4180: `,`, no BOM, dates as 2026-07-15, decimals as 82.9. The default.
    #[default]
    Standard,
    /// What a French spreadsheet opens on a double-click (French Excel is the norm in MONUSCO and
    /// MINUSCA): `;`, a UTF-8 BOM, dates as 15/07/2026, decimals as 82,9.
    French,
}

impl Dialect {
    /// The dialect a `locale` asks for (`fr`, `fr-CD`, `en`, …); none: the default.
    pub fn parse(locale: Option<&str>) -> Result<Self, Refusal> {
        let Some(locale) = locale.map(str::trim).filter(|l| !l.is_empty()) else {
            return Ok(Self::Standard);
        };
        let language = locale
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match language.as_str() {
            "fr" => Ok(Self::French),
            "en" => Ok(Self::Standard),
            _ => Err(Refusal {
                code: "VALIDATION".into(),
                message: format!(
                    "{locale:?} is not a locale the files are written in: fr (`;`, dd/mm/yyyy) or en (RFC 4180)"
                ),
                field: Some("locale".into()),
            }),
        }
    }

    fn separator(self) -> u8 {
        match self {
            Self::Standard => b',',
            Self::French => b';',
        }
    }

    /// A cell as this dialect writes it: ISO dates and decimal figures in the local form.
    fn localize(self, cell: &str) -> std::borrow::Cow<'_, str> {
        if self == Self::Standard {
            return cell.into();
        }
        if let Ok(d) = NaiveDate::parse_from_str(cell, "%Y-%m-%d")
            && cell.len() == 10
        {
            return d.format("%d/%m/%Y").to_string().into();
        }
        let decimal = cell.split_once('.').is_some_and(|(whole, fraction)| {
            let whole = whole.strip_prefix('-').unwrap_or(whole);
            !whole.is_empty()
                && !fraction.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && fraction.bytes().all(|b| b.is_ascii_digit())
        });
        if decimal {
            return cell.replacen('.', ",", 1).into();
        }
        cell.into()
    }
}

/// The separator a file uses: the one its header line holds more of, outside quotes.
fn sniff_separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Today, as every query and command without a date sees it.
fn today() -> View {
    View::now()
}

/// A date the caller gives in the query string (`asOf`), or today.
fn view_as_of(as_of: Option<&str>) -> Result<View, Refusal> {
    match as_of {
        None => Ok(today()),
        Some(text) => date(text)
            .map(|as_of| View {
                as_of,
                known_at: None,
            })
            .ok_or_else(|| Refusal {
                code: "VALIDATION".into(),
                message: format!("{text:?} is not a date (YYYY-MM-DD)"),
                field: Some("asOf".into()),
            }),
    }
}

struct Table {
    /// Column name (lower case) → index.
    columns: HashMap<String, usize>,
    /// (line, cells)
    rows: Vec<(usize, Vec<String>)>,
    /// The rows that could not be read as rows (too few or too many cells, unreadable): each is
    /// an error, reported beside every error of the rows that could.
    unread: Vec<CellError>,
}

/// Lines of a file, counted as its records are read in order: the reader's own line count, and
/// the byte it says a record starts at, both fall short by the blank lines skipped before it.
struct Lines<'a> {
    bytes: &'a [u8],
    /// Where counting stopped, and the line (from 1) that byte is on.
    at: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// The line the record the reader started at `byte` is on; bytes are counted once.
    fn of(&mut self, byte: u64) -> usize {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .clamp(self.at, self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        self.line += self.bytes[self.at..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.at = start;
        self.line
    }
}

fn read_table(text: &str, required: &[&str], known: &[&str]) -> Result<Table, Vec<CellError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_separator(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let err = CellError::new;
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![err(
                1,
                "",
                Problem::NotCsv {
                    detail: e.to_string(),
                },
            )]);
        }
    };
    let mut columns = HashMap::new();
    let mut errors = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        if !known.contains(&name.as_str()) {
            errors.push(err(
                1,
                h,
                Problem::UnknownColumn {
                    column: h.to_string(),
                    columns: known.join(", "),
                },
            ));
        } else if columns.insert(name.clone(), i).is_some() {
            errors.push(err(1, h, Problem::ColumnTwice { column: name }));
        }
    }
    for r in required {
        if !columns.contains_key(*r) {
            errors.push(err(
                1,
                r,
                Problem::ColumnMissing {
                    column: r.to_string(),
                },
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut lines = Lines::new(text);
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| lines.of(p.byte()));
                if r.iter().all(|c| c.is_empty()) {
                    continue;
                }
                if r.len() != headers.len() {
                    errors.push(err(
                        line,
                        "",
                        Problem::CellCount {
                            cells: r.len(),
                            header: headers.len(),
                        },
                    ));
                    continue;
                }
                rows.push((line, r.iter().map(str::to_string).collect()));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.of(p.byte()));
                errors.push(err(
                    line,
                    "",
                    Problem::UnreadableRow {
                        detail: e.to_string(),
                    },
                ));
            }
        }
    }
    Ok(Table {
        columns,
        rows,
        unread: errors,
    })
}

impl Table {
    fn cell<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        let text = self
            .columns
            .get(column)
            .and_then(|i| row.get(*i))
            .map_or("", String::as_str);
        // A cell an export made safe (see [`spreadsheet_safe`]) reads back as it was.
        match text.strip_prefix('\'') {
            Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
            _ => text,
        }
    }
}

/// The mission's bases, by id and by name (lower case); names given twice are ambiguous.
struct Bases {
    /// id → (name, status, opened on)
    by_id: HashMap<String, (String, BaseStatus, NaiveDate)>,
    by_name: HashMap<String, Vec<String>>,
}

impl Bases {
    fn load(apps: &Apps, who: &Principal, mission: &str) -> Result<Self, Refusal> {
        let bases = apps
            .registry
            .bases(who, mission, &BaseFilter::default(), &today())?;
        let mut by_id = HashMap::new();
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for placed in bases {
            let b = placed.base;
            by_name
                .entry(b.details.name.to_lowercase())
                .or_default()
                .push(b.id.clone());
            by_id.insert(b.id, (b.details.name, b.status, b.opened_on));
        }
        Ok(Self { by_id, by_name })
    }

    /// A base named by id or by name.
    fn find(&self, text: &str) -> Result<String, Problem> {
        if self.by_id.contains_key(text) {
            return Ok(text.to_string());
        }
        match self.by_name.get(&text.to_lowercase()).map(Vec::as_slice) {
            Some([one]) => Ok(one.clone()),
            Some([]) | None => Err(Problem::NoSuchBase { base: text.into() }),
            Some(_) => Err(Problem::TwoBasesNamed { base: text.into() }),
        }
    }

    fn name(&self, id: &str) -> String {
        self.by_id
            .get(id)
            .map_or_else(|| id.to_string(), |b| b.0.clone())
    }
}

/// The mission's staff members who are not separated, as of today.
fn current_staff(apps: &Apps, who: &Principal, mission: &str) -> Result<Vec<StaffAnswer>, Refusal> {
    Ok(apps
        .staff
        .staff_members(who, mission, &StaffFilter::default(), &today())?
        .into_iter()
        .filter(|s| s.member.status != StaffStatus::Separated)
        .collect())
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A date in an imported cell: `YYYY-MM-DD` always; `dd/mm/yyyy` where the file's dialect puts
/// the day first (French), or where it cannot be read the other way round (`25/12/2026`). A date
/// that reads both ways (`03/04/2027`) without a dialect saying which is an error.
fn cell_date(text: &str, dialect: Dialect) -> Result<NaiveDate, Problem> {
    let not_a_date = || Problem::NotADate { text: text.into() };
    if let Some(d) = date(text) {
        return Ok(d);
    }
    let parts: Vec<&str> = text.split('/').collect();
    let numbers: Option<Vec<u32>> = match parts.as_slice() {
        [a, b, y] if y.len() == 4 && (1..=2).contains(&a.len()) && (1..=2).contains(&b.len()) => {
            [a, b, y].iter().map(|p| p.parse().ok()).collect()
        }
        _ => None,
    };
    let Some([a, b, y]) = numbers.as_deref().map(|n| [n[0], n[1], n[2]]) else {
        return Err(not_a_date());
    };
    let day_first = NaiveDate::from_ymd_opt(y as i32, b, a);
    let month_first = NaiveDate::from_ymd_opt(y as i32, a, b);
    match (dialect, day_first, month_first) {
        (Dialect::French, Some(d), _) => Ok(d),
        (Dialect::Standard, Some(d), None) => Ok(d),
        (Dialect::Standard, None, Some(d)) => Ok(d),
        (Dialect::Standard, Some(d), Some(other)) if d == other => Ok(d),
        (Dialect::Standard, Some(d), Some(other)) => Err(Problem::AmbiguousDate {
            text: text.into(),
            day_first: d,
            month_first: other,
        }),
        _ => Err(not_a_date()),
    }
}

fn languages(text: &str) -> Result<Vec<Language>, Problem> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (language, level) = part.split_once(':').unwrap_or((part, "WORKING"));
        let level = level.trim().to_ascii_uppercase();
        if !["BASIC", "WORKING", "FLUENT", "NATIVE"].contains(&level.as_str()) {
            return Err(Problem::LanguageLevel { part: part.into() });
        }
        if !seen.insert(language.trim().to_lowercase()) {
            return Err(Problem::LanguageTwice {
                language: language.trim().into(),
            });
        }
        out.push(Language {
            language: language.trim().to_string(),
            level,
        });
    }
    Ok(out)
}

/// A staff list row, validated.
struct StaffRow {
    line: usize,
    input: RegisterStaff,
    activate_on: Option<NaiveDate>,
}

/// The lists `who` may import into `mission`: the staff list (MISSION_HR of the mission or
/// ADMIN), the deployment list (CIVIL_AFFAIRS of the mission or ADMIN).
pub fn importable(who: &Principal, mission: &str) -> (bool, bool) {
    (
        authorize(who, mission, cla_staff::app::WRITERS).is_ok(),
        authorize(who, mission, cla_staffing::app::WRITERS).is_ok(),
    )
}

/// Imports a staff list into a mission (MISSION_HR of the mission or ADMIN).
pub async fn import_staff(
    apps: &Apps,
    who: &Principal,
    mission: &str,
    text: &str,
    dialect: Dialect,
    dry_run: bool,
) -> Result<ImportReport, Refusal> {
    authorize(who, mission, cla_staff::app::WRITERS)?;
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
    let bases = Bases::load(apps, who, mission)?;
    let held: HashSet<String> = current_staff(apps, who, mission)?
        .into_iter()
        .map(|s| s.member.index_number)
        .collect();
    let mut errors = table.unread.clone();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut unchanged = 0;
    for (line, cells) in &table.rows {
        let line = *line;
        let mut bad =
            |column: &str, problem: Problem| errors.push(CellError::new(line, column, problem));
        let get = |c: &str| table.cell(cells, c).to_string();
        let index = match cla_staff::decider::check_index_number(&get("index_number")) {
            Ok(i) => i,
            Err(_) => {
                bad("index_number", Problem::IndexNumber);
                continue;
            }
        };
        if let Some(first) = seen.insert(index.clone(), line) {
            bad(
                "index_number",
                Problem::IndexTwice {
                    index: index.clone(),
                    first,
                },
            );
            continue;
        }
        if held.contains(&index) {
            unchanged += 1;
            continue;
        }
        let name = get("name");
        if name.is_empty() || name.chars().count() > 200 {
            bad("name", Problem::Name);
        }
        let gender = get("gender").to_ascii_uppercase();
        let gender = match gender.as_str() {
            "FEMALE" => Some(Gender::Female),
            "MALE" => Some(Gender::Male),
            "OTHER" => Some(Gender::Other),
            _ => {
                bad(
                    "gender",
                    Problem::Gender {
                        given: gender.clone(),
                    },
                );
                None
            }
        };
        let grade = cla_staff::decider::check_grade(&get("grade")).unwrap_or_else(|_| {
            bad("grade", Problem::Grade);
            String::new()
        });
        let kind = get("appointment_type").to_ascii_uppercase();
        let kind = match kind.as_str() {
            "TEMPORARY" => Some(AppointmentKind::Temporary),
            "FIXED_TERM" => Some(AppointmentKind::FixedTerm),
            _ => {
                bad(
                    "appointment_type",
                    Problem::AppointmentType {
                        given: kind.clone(),
                    },
                );
                None
            }
        };
        let start = cell_date(&get("appointment_start"), dialect)
            .map_err(|m| bad("appointment_start", m))
            .ok();
        let end = cell_date(&get("appointment_end"), dialect)
            .map_err(|m| bad("appointment_end", m))
            .ok();
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                bad("appointment_end", Problem::AppointmentEndsBeforeStart);
            } else if kind == Some(AppointmentKind::Temporary) && (e - s).num_days() + 1 > 364 {
                bad("appointment_end", Problem::TemporaryTooLong);
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
                bad(
                    "status",
                    Problem::Status {
                        given: other.into(),
                    },
                );
                false
            }
        };
        let effective = cell_date(&get("effective"), dialect)
            .map_err(|m| bad("effective", m))
            .ok();
        if let (Some(b), Some(on)) = (&base, effective)
            && let Some((name, _, opened)) = bases.by_id.get(b)
            && on < *opened
        {
            bad(
                "effective",
                Problem::BaseOpenedAfter {
                    base: name.clone(),
                    opened: *opened,
                    on,
                },
            );
            continue;
        }
        let (
            Some(base),
            Some(gender),
            Some(kind),
            Some(langs),
            Some(start),
            Some(end),
            Some(effective),
        ) = (base, gender, kind, langs, start, end, effective)
        else {
            continue;
        };
        let input = RegisterStaff {
            base_id: Some(base),
            field_office_id: None,
            name,
            gender,
            languages: langs,
            home_community: get("home_community"),
            index_number: index,
            grade,
            appointment: Appointment { kind, start, end },
            effective,
        };
        rows.push(StaffRow {
            line,
            input,
            activate_on: status.then_some(effective),
        });
    }
    let mut report = match before_applying(
        table.rows.len() + table.unread.len(),
        errors,
        unchanged,
        dry_run,
        rows.len(),
    ) {
        Ok(report) => report,
        Err(done) => return Ok(done),
    };
    for row in rows {
        let id = match apps.staff.register_staff_member(who, row.input).await {
            Ok(created) => created.member.id,
            Err(e) => return Ok(stopped(report, row.line, &e.into(), "index_number")),
        };
        if let Some(on) = row.activate_on
            && let Err(e) = apps.staff.activate_staff(who, &id, on).await
        {
            return Ok(stopped(report, row.line, &e.into(), "status"));
        }
        report.created += 1;
    }
    Ok(report)
}

/// Imports a deployment list: each CLA (by index number) at a base from a date (CIVIL_AFFAIRS
/// of the mission or ADMIN).
pub async fn import_deployments(
    apps: &Apps,
    who: &Principal,
    mission: &str,
    text: &str,
    dialect: Dialect,
    dry_run: bool,
) -> Result<ImportReport, Refusal> {
    authorize(who, mission, cla_staffing::app::WRITERS)?;
    let table = match read_table(text, &DEPLOYMENT_COLUMNS, &DEPLOYMENT_COLUMNS) {
        Ok(t) => t,
        Err(errors) => return Ok(refused(0, errors)),
    };
    let bases = Bases::load(apps, who, mission)?;
    let staff = current_staff(apps, who, mission)?;
    let by_index: HashMap<&str, &StaffAnswer> = staff
        .iter()
        .map(|s| (s.member.index_number.as_str(), s))
        .collect();
    let mut errors = table.unread.clone();
    let mut rows: Vec<(usize, String, String, NaiveDate)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut unchanged = 0;
    for (line, cells) in &table.rows {
        let line = *line;
        let mut bad =
            |column: &str, problem: Problem| errors.push(CellError::new(line, column, problem));
        let get = |c: &str| table.cell(cells, c).to_string();
        let index = get("index_number").to_ascii_uppercase();
        let member = by_index.get(index.as_str()).map(|s| &s.member);
        if member.is_none() {
            bad(
                "index_number",
                Problem::NoCurrentStaff {
                    index: index.clone(),
                },
            );
        }
        if let Some(first) = seen.insert(index.clone(), line) {
            bad(
                "index_number",
                Problem::IndexTwice {
                    index: index.clone(),
                    first,
                },
            );
        }
        let base = bases.find(&get("base")).map_err(|m| bad("base", m)).ok();
        let from = cell_date(&get("from"), dialect)
            .map_err(|m| bad("from", m))
            .ok();
        let (Some(member), Some(base), Some(from)) = (member, base, from) else {
            continue;
        };
        if bases
            .by_id
            .get(&base)
            .is_some_and(|b| b.1 != BaseStatus::Open)
        {
            bad(
                "base",
                Problem::BaseNotOpen {
                    base: bases.name(&base),
                },
            );
            continue;
        }
        if let Some((name, _, opened)) = bases.by_id.get(&base)
            && from < *opened
        {
            bad(
                "from",
                Problem::BaseOpenedAfter {
                    base: name.clone(),
                    opened: *opened,
                    on: from,
                },
            );
            continue;
        }
        let deployments = apps.staff.deployments(who, &member.id, &today())?;
        if deployments
            .iter()
            .any(|d| d.base_id == base && d.from.0 == from)
        {
            unchanged += 1;
            continue;
        }
        if let Some(open) = deployments.iter().find(|d| d.to.is_none()) {
            bad(
                "base",
                Problem::AlreadyDeployed {
                    name: member.name.clone(),
                    base: bases.name(&open.base_id),
                    since: open.from.0,
                },
            );
            continue;
        }
        if member.status != StaffStatus::Active {
            bad("index_number", Problem::NotActive { index });
            continue;
        }
        rows.push((line, member.id.clone(), base, from));
    }
    let mut report = match before_applying(
        table.rows.len() + table.unread.len(),
        errors,
        unchanged,
        dry_run,
        rows.len(),
    ) {
        Ok(report) => report,
        Err(done) => return Ok(done),
    };
    for (line, staff_id, base_id, from) in rows {
        let deploy = DeployCla {
            staff_id,
            base_id,
            from: Some(from),
        };
        if let Err(e) = apps.staffing.deploy_cla(who, deploy).await {
            return Ok(stopped(report, line, &e.into(), "base"));
        }
        report.created += 1;
    }
    Ok(report)
}

/// What an import's checks leave: `Err` with the whole answer where a row is wrong (nothing is
/// written) or where it is a dry run (what it would create counted), else the report to fill in
/// as the `to_create` rows are applied.
fn before_applying(
    total: usize,
    errors: Vec<CellError>,
    unchanged: usize,
    dry_run: bool,
    to_create: usize,
) -> Result<ImportReport, ImportReport> {
    if !errors.is_empty() {
        let mut errors = errors;
        errors.sort_by_key(|e| e.line);
        return Err(refused(total, errors));
    }
    let mut report = ImportReport {
        rows: total,
        unchanged,
        ..Default::default()
    };
    if dry_run {
        report.created = to_create;
        return Err(report);
    }
    report.applied = true;
    Ok(report)
}

fn refused(rows: usize, errors: Vec<CellError>) -> ImportReport {
    ImportReport {
        rows,
        errors,
        ..Default::default()
    }
}

fn stopped(mut report: ImportReport, line: usize, r: &Refusal, column: &str) -> ImportReport {
    let problem = Problem::Stopped {
        message: r.message.clone(),
    };
    report.errors.push(CellError {
        line,
        column: r.field.clone().unwrap_or_else(|| column.to_string()),
        code: r.code.clone(),
        message: problem.words(L10n::new(Lang::En)),
        problem,
    });
    report
}

/// What a spreadsheet takes for the start of a formula (OWASP, CSV injection).
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet shows as text: one that would start a formula (a base named
/// `=HYPERLINK(…)`, say) gets a leading apostrophe, which spreadsheets show as text and the
/// imports here read back off.
fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn write(header: &[&str], rows: Vec<Vec<String>>, dialect: Dialect) -> String {
    let mut w = csv::WriterBuilder::new()
        .delimiter(dialect.separator())
        .from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(
            r.iter()
                .map(|c| spreadsheet_safe(&dialect.localize(c)).into_owned()),
        );
    }
    let text = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
    match dialect {
        Dialect::Standard => text,
        // The mark a spreadsheet needs to read the file as UTF-8 (names with accents).
        Dialect::French => format!("\u{feff}{text}"),
    }
}

fn gender(g: Gender) -> &'static str {
    match g {
        Gender::Female => "FEMALE",
        Gender::Male => "MALE",
        Gender::Other => "OTHER",
        Gender::Unspecified => "",
    }
}

fn appointment_type(k: AppointmentKind) -> &'static str {
    match k {
        AppointmentKind::Temporary => "TEMPORARY",
        AppointmentKind::FixedTerm => "FIXED_TERM",
    }
}

fn staff_status(s: StaffStatus) -> &'static str {
    match s {
        StaffStatus::Onboarding => "ONBOARDING",
        StaffStatus::Active => "ACTIVE",
        StaffStatus::Suspended => "SUSPENDED",
        StaffStatus::Separated => "SEPARATED",
    }
}

fn coverage(c: Coverage) -> &'static str {
    match c {
        Coverage::Ok => "OK",
        Coverage::BelowMinimum => "BELOW_MINIMUM",
        Coverage::Empty => "EMPTY",
    }
}

/// The staff directory in the staff list's columns (so that it can be imported again). The home
/// community is left empty for those who may not see it.
pub fn export_staff(
    apps: &Apps,
    who: &Principal,
    mission: &str,
    dialect: Dialect,
) -> Result<String, Refusal> {
    let bases = Bases::load(apps, who, mission)?;
    let mut rows = Vec::new();
    for s in current_staff(apps, who, mission)? {
        let m = &s.member;
        let langs: Vec<String> = m
            .languages
            .iter()
            .map(|l| format!("{}:{}", l.language, l.level))
            .collect();
        let base = Some(m.place.base_id.as_str())
            .filter(|b| !b.is_empty())
            .map(|b| bases.name(b))
            .unwrap_or_default();
        let home = match s.home_community {
            Restricted::Shown(home) => home,
            // Withheld from this reader, or erased: left empty.
            Restricted::Withheld | Restricted::Erased => String::new(),
        };
        rows.push(vec![
            m.index_number.clone(),
            m.name.clone(),
            gender(m.gender).to_string(),
            m.grade.clone(),
            appointment_type(m.appointment.kind).to_string(),
            m.appointment.start.to_string(),
            m.appointment.end.to_string(),
            base,
            langs.join(";"),
            home,
            staff_status(m.status).to_string(),
            m.since.to_string(),
        ]);
    }
    rows.sort();
    Ok(write(&STAFF_COLUMNS, rows, dialect))
}

/// The base board of a mission as of a date.
pub fn export_board(
    apps: &Apps,
    who: &Principal,
    mission: &str,
    as_of: Option<&str>,
    dialect: Dialect,
) -> Result<String, Refusal> {
    let view = view_as_of(as_of)?;
    let board = apps
        .staffing
        .base_board(who, mission, &BoardFilter::default(), &view)?;
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
    let rows = board
        .into_iter()
        .map(|r| {
            // A count withheld from this reader (too few CLAs at the base) says so.
            let flags = |n: u32| {
                if r.open_flags.withheld {
                    "withheld".to_string()
                } else {
                    n.to_string()
                }
            };
            vec![
                r.base_id.clone(),
                r.name.clone(),
                r.field_office_id.clone(),
                r.deployed.to_string(),
                r.effective_strength.to_string(),
                r.minimum.to_string(),
                coverage(r.status).to_string(),
                r.women.to_string(),
                r.languages_covered.join(";"),
                r.languages_missing.join(";"),
                r.rotation_due.len().to_string(),
                flags(r.open_flags.low),
                flags(r.open_flags.medium),
                flags(r.open_flags.high),
                flags(r.open_flags.critical),
            ]
        })
        .collect();
    Ok(write(&header, rows, dialect))
}

/// The review's columns after `as_of`, in order.
const REVIEW_COLUMNS: [&str; 17] = [
    "scope",
    "clas",
    "deployed",
    "bases",
    "bases_at_minimum",
    "bases_at_minimum_percent",
    "vacancy_percent",
    "mean_time_to_fill_days",
    "women_percent",
    "open_flags_low",
    "open_flags_medium",
    "open_flags_high",
    "open_flags_critical",
    "supervision_coverage_percent",
    "check_in_compliance_percent",
    "rotations_due",
    "appointments_ending_60_days",
];

/// A share or a mean as JSON writes it (`75.0`, `33.33333333333333`); empty where there is none.
fn figure(value: Option<f64>) -> String {
    value
        .and_then(serde_json::Number::from_f64)
        .map(|n| n.to_string())
        .unwrap_or_default()
}

fn review_row(as_of: NaiveDate, f: &ReviewFigures) -> Vec<String> {
    // A count withheld from this reader (too few CLAs in the mission) says so.
    let flags = |n: u32| {
        if f.open_flags_withheld {
            "withheld".to_string()
        } else {
            n.to_string()
        }
    };
    vec![
        as_of.to_string(),
        f.scope.clone(),
        f.clas.to_string(),
        f.deployed.to_string(),
        f.bases.to_string(),
        f.bases_at_minimum.to_string(),
        figure(f.bases_at_minimum_percent),
        figure(cla_platform::graphql::percent(f.vacancy_rate)),
        figure(f.mean_time_to_fill_days),
        figure(cla_platform::graphql::percent(f.share_of_women)),
        flags(f.open_flags_low),
        flags(f.open_flags_medium),
        flags(f.open_flags_high),
        flags(f.open_flags_critical),
        figure(f.supervision_coverage_percent),
        if f.open_flags_withheld {
            "withheld".to_string()
        } else {
            figure(f.check_in_compliance_percent)
        },
        f.rotations_due.to_string(),
        f.appointments_ending_60_days.to_string(),
    ]
}

/// The HQ staffing review as of a date: one row per mission in the caller's scope and `ALL`.
pub fn export_review(
    apps: &Apps,
    who: &Principal,
    as_of: Option<&str>,
    dialect: Dialect,
) -> Result<String, Refusal> {
    let review = apps.reporting.hq_review(who, &view_as_of(as_of)?)?;
    let mut header = vec!["as_of"];
    header.extend(REVIEW_COLUMNS);
    let rows = review
        .missions
        .iter()
        .chain(std::iter::once(&review.overall))
        .map(|f| review_row(review.as_of, f))
        .collect();
    Ok(write(&header, rows, dialect))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_that_would_start_a_formula_is_text() {
        for payload in ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(payload), format!("'{payload}"));
        }
        for plain in ["Beni", "2024-01-01", "12", "", "a=b"] {
            assert_eq!(spreadsheet_safe(plain), plain);
        }
    }

    #[test]
    fn rows_are_numbered_by_their_line_in_the_file_whatever_its_line_endings() {
        let known = ["a", "b"];
        for text in [
            "a,b\n1,2\n\n3,4\n5\n",
            "a,b\r\n1,2\r\n\r\n3,4\r\n5\r\n",
            "\u{feff}a;b\r\n1;2\r\n\r\n3;4\r\n5\r\n",
        ] {
            let table = read_table(text, &known, &known).unwrap();
            let lines: Vec<usize> = table.rows.iter().map(|(line, _)| *line).collect();
            assert_eq!(lines, vec![2, 4], "{text:?}");
            let unread: Vec<usize> = table.unread.iter().map(|e| e.line).collect();
            assert_eq!(unread, vec![5], "{text:?}");
        }
    }

    #[test]
    fn a_file_is_read_with_the_separator_its_header_uses() {
        assert_eq!(sniff_separator("a;b;c\n1;2;3"), b';');
        assert_eq!(sniff_separator("a,b,c\n1;2;3"), b',');
        assert_eq!(sniff_separator("\"a;b\",c,d"), b',');
    }

    #[test]
    fn dates_day_first_where_the_file_says_so_and_ambiguous_ones_named() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            cell_date("2027-04-03", Dialect::Standard),
            Ok(d(2027, 4, 3))
        );
        assert_eq!(cell_date("03/04/2027", Dialect::French), Ok(d(2027, 4, 3)));
        assert_eq!(cell_date("3/4/2027", Dialect::French), Ok(d(2027, 4, 3)));
        assert_eq!(
            cell_date("25/12/2026", Dialect::Standard),
            Ok(d(2026, 12, 25))
        );
        assert_eq!(
            cell_date("12/25/2026", Dialect::Standard),
            Ok(d(2026, 12, 25))
        );
        assert_eq!(
            cell_date("04/04/2027", Dialect::Standard),
            Ok(d(2027, 4, 4))
        );
        let ambiguous = cell_date("03/04/2027", Dialect::Standard)
            .unwrap_err()
            .words(L10n::new(Lang::En));
        assert!(
            ambiguous.contains("3 April 2027") && ambiguous.contains("4 March 2027"),
            "{ambiguous}"
        );
        let en_francais = cell_date("03/04/2027", Dialect::Standard)
            .unwrap_err()
            .words(L10n::new(Lang::Fr));
        assert!(
            en_francais.contains("3 avril 2027") && en_francais.contains("4 mars 2027"),
            "{en_francais}"
        );
        assert!(cell_date("12/25/2026", Dialect::French).is_err());
        assert!(cell_date("31/02/2027", Dialect::French).is_err());
        assert!(cell_date("2027/04/03", Dialect::French).is_err());
    }

    #[test]
    fn the_french_dialect_writes_semicolons_a_bom_local_dates_and_decimal_commas() {
        let text = write(
            &["as_of", "share", "name", "count"],
            vec![vec![
                "2026-07-15".into(),
                "82.9".into(),
                "Kambi; Oicha".into(),
                "12".into(),
            ]],
            Dialect::French,
        );
        assert_eq!(
            text,
            "\u{feff}as_of;share;name;count\n15/07/2026;82,9;\"Kambi; Oicha\";12\n"
        );
        let plain = write(
            &["a", "b"],
            vec![vec!["2026-07-15".into(), "82.9".into()]],
            Dialect::Standard,
        );
        assert_eq!(plain, "a,b\n2026-07-15,82.9\n");
        assert_eq!(Dialect::parse(Some("fr-CD")).unwrap(), Dialect::French);
        assert_eq!(Dialect::parse(None).unwrap(), Dialect::Standard);
        assert_eq!(
            Dialect::parse(Some("de")).unwrap_err().field.as_deref(),
            Some("locale")
        );
    }
}
