//! No restricted or personal datum reaches the log, at any level, in either format. `cla serve`
//! runs as an operator runs it, with `log = "trace"`, once writing text and once JSON; a scenario
//! puts a unique marker in every personal and restricted field it can be given (names, home
//! communities, index numbers, vetting, offer, separation, check-in, risk, mitigation, review and
//! field-visit notes), including a refused command and inline literals as well as variables, and
//! reads them back; the captured output must hold none of the markers.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "support/banner.rs"]
mod banner;

/// Every marker: none is a substring of another, none is a word the system would write.
const MARKERS: &[&str] = &[
    "Qx1StaffName",
    "Qx2HomeCommunity",
    "73519864",
    "Qx4NewName",
    "Qx5NewHome",
    "Qx6CandidateName",
    "Qx7VettingNote",
    "Qx8DeclineReason",
    "Qx9HireHome",
    "82640175",
    "Qx11CheckInNote",
    "Qx12RiskNote",
    "Qx13MitigationNote",
    "Qx14ReviewNote",
    "Qx15SeverityReason",
    "Qx16Resolution",
    "Qx17VisitNote",
    "Qx18SuspendReason",
    "Qx19SeparationNote",
    "Qx20RefusedName",
    "Qx21InlineHome",
    "91730264",
    "Qx23VacancyNote",
];

struct Served {
    child: Child,
    url: String,
    token: String,
    stderr: std::thread::JoinHandle<String>,
    stdout: std::thread::JoinHandle<String>,
}

fn cla() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cla"));
    command.env_remove("CLA_JWT_SECRET").env_remove("RUST_LOG");
    command
}

/// Starts `cla serve` on a free port with the given log format at trace level.
fn serve(dir: &std::path::Path, format: &str) -> Served {
    let out = cla()
        .args([
            "token", "--role", "ADMIN", "--name", "Operator", "--ttl", "1h",
        ])
        .env("CLA_DATA_DIR", dir)
        .output()
        .expect("cla runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let mut child = cla()
        .arg("serve")
        .env("CLA_DATA_DIR", dir)
        .env("CLA_LISTEN", "127.0.0.1:0")
        .env("CLA_LOG", "trace")
        .env("CLA_LOG_FORMAT", format)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cla serve runs");
    let (rx, stderr) = banner::watch(child.stderr.take().unwrap());
    // Standard output is kept for the check too (it should say nothing of the data).
    let mut stdout = child.stdout.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = stdout.read_to_string(&mut all);
        all
    });
    let url = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("cla serve names its address");
    Served {
        child,
        url,
        token,
        stderr,
        stdout,
    }
}

impl Served {
    /// Stops the server and gives back everything it wrote.
    fn stop(mut self) -> String {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.wait();
        let mut all = self.stdout.join().unwrap();
        all.push_str(&self.stderr.join().unwrap());
        all
    }
}

struct Client {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Client {
    /// Runs an operation; `refused` says whether an error with that code is expected.
    async fn run(&self, query: &str, variables: Value, refused: Option<&str>) -> Value {
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers");
        let body: Value = response.json().await.unwrap();
        match refused {
            None => {
                assert!(body.get("errors").is_none(), "{query}: {body}");
                body["data"].clone()
            }
            Some(code) => {
                assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
                body
            }
        }
    }
}

/// Runs each operation in turn, every one expected to succeed.
async fn steps(c: &Client, list: &[(&str, Value)]) {
    for (query, variables) in list {
        c.run(query, variables.clone(), None).await;
    }
}

/// Screens, interviews and vets a candidate, with `notes` on the vetting.
async fn vetted(c: &Client, vacancy: &str, candidate: &str, notes: &str) {
    let ids = json!({ "v": vacancy, "c": candidate, "n": notes });
    steps(
        c,
        &[
            ("mutation($v: String!, $c: String!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: SCREENED) { id } }", ids.clone()),
            ("mutation($v: String!, $c: String!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: INTERVIEWED) { id } }", ids.clone()),
            ("mutation($v: String!, $c: String!, $n: String) { recordVetting(vacancyId: $v, candidateId: $c, passed: true, notes: $n) { id } }", ids),
        ],
    )
    .await;
}

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

/// Every door a personal or restricted datum comes in by, and the questions that read them back.
async fn scenario(c: &Client) {
    let m = &MARKERS;
    c.run(
        "mutation($f: Date!) { createMission(input: {code: \"LOGM\", name: \"Mission\", country: \"Country\", effective: $f}) { code } }",
        json!({ "f": day(-400) }),
        None,
    )
    .await;
    let office = c
        .run(
            "mutation($f: Date!) { openFieldOffice(input: {missionCode: \"LOGM\", name: \"Office\", effective: $f}) { id } }",
            json!({ "f": day(-400) }),
            None,
        )
        .await["openFieldOffice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let base = c
        .run(
            "mutation($o: String!, $f: Date!) { openBase(input: {fieldOfficeId: $o, name: \"Base\", kind: COMPANY_OPERATING_BASE, effective: $f}) { id } }",
            json!({ "o": office, "f": day(-400) }),
            None,
        )
        .await["openBase"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let register = "mutation($b: String!, $n: String!, $h: String!, $i: String!, $f: Date!) { registerStaffMember(input: {baseId: $b, name: $n, gender: FEMALE, homeCommunity: $h, indexNumber: $i, grade: \"GS-4\", appointment: {type: FIXED_TERM, start: $f, end: \"2030-12-31\"}, effective: $f}) { id } }";
    let staff = c
        .run(
            register,
            json!({ "b": base, "n": m[0], "h": m[1], "i": m[2], "f": day(-300) }),
            None,
        )
        .await["registerStaffMember"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Refused: the index number is taken. The refusal is logged by its code, not its input.
    c.run(
        register,
        json!({ "b": base, "n": m[19], "h": m[1], "i": m[2], "f": day(-300) }),
        Some("CONFLICT"),
    )
    .await;
    // Inline literals rather than variables: the operation's text is not logged either.
    c.run(
        &format!(
            "mutation {{ registerStaffMember(input: {{baseId: \"{base}\", name: \"Inline Person\", gender: MALE, homeCommunity: \"{}\", indexNumber: \"{}\", grade: \"GS-5\", appointment: {{type: FIXED_TERM, start: \"{}\", end: \"2030-12-31\"}}, effective: \"{}\"}}) {{ id }} }}",
            m[20],
            m[21],
            day(-300),
            day(-300)
        ),
        json!({}),
        None,
    )
    .await;
    c.run(
        "mutation($s: String!, $f: Date!) { activateStaff(staffId: $s, effective: $f) { id } }",
        json!({ "s": staff, "f": day(-290) }),
        None,
    )
    .await;
    c.run(
        "mutation($s: String!, $n: String!, $h: String!, $f: Date!) { changeStaffDetails(staffId: $s, input: {name: $n, homeCommunity: $h, effective: $f}) { id } }",
        json!({ "s": staff, "n": m[3], "h": m[4], "f": day(-280) }),
        None,
    )
    .await;
    c.run(
        "mutation($s: String!, $b: String!, $f: Date!) { deployCla(staffId: $s, baseId: $b, from: $f) { staffId } }",
        json!({ "s": staff, "b": base, "f": day(-270) }),
        None,
    )
    .await;

    // Recruitment: candidate name, vetting notes, an offer declined with a reason, then a hire.
    let vacancy = c
        .run(
            "mutation($b: String!, $n: String!, $f: Date!) { openVacancy(input: {baseId: $b, title: \"CLA\", notes: $n, effective: $f}) { id } }",
            json!({ "b": base, "n": m[22], "f": day(-200) }),
            None,
        )
        .await["openVacancy"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let candidate = c
        .run(
            "mutation($v: String!, $n: String!, $f: Date!) { addCandidate(vacancyId: $v, input: {name: $n, gender: MALE, effective: $f}) { vacancy { candidates { edges { node { id } } } } } }",
            json!({ "v": vacancy, "n": m[5], "f": day(-190) }),
            None,
        )
        .await["addCandidate"]["vacancy"]["candidates"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    vetted(c, &vacancy, &candidate, m[6]).await;
    let offer = "mutation($v: String!, $c: String!, $f: Date!) { makeOffer(vacancyId: $v, candidateId: $c, grade: \"GS-4\", appointment: {type: FIXED_TERM, start: $f, end: \"2030-12-31\"}) { id } }";
    c.run(
        offer,
        json!({ "v": vacancy, "c": candidate, "f": day(10) }),
        None,
    )
    .await;
    c.run(
        "mutation($v: String!, $c: String!, $r: String!) { answerOffer(vacancyId: $v, candidateId: $c, accepted: false, reason: $r) { id } }",
        json!({ "v": vacancy, "c": candidate, "r": m[7] }),
        None,
    )
    .await;

    // A second candidate is hired, with a home community and an index number.
    let hired = c
        .run(
            "mutation($v: String!) { addCandidate(vacancyId: $v, input: {name: \"Second Candidate\", gender: FEMALE}) { vacancy { candidates { edges { node { id name } } } } } }",
            json!({ "v": vacancy }),
            None,
        )
        .await["addCandidate"]["vacancy"]["candidates"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "Second Candidate")
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    vetted(c, &vacancy, &hired, "").await;
    c.run(
        offer,
        json!({ "v": vacancy, "c": hired, "f": day(0) }),
        None,
    )
    .await;
    c.run(
        "mutation($v: String!, $c: String!) { answerOffer(vacancyId: $v, candidateId: $c, accepted: true) { id } }",
        json!({ "v": vacancy, "c": hired }),
        None,
    )
    .await;
    let second = c
        .run(
            "mutation($v: String!, $c: String!, $i: String!, $h: String!) { hireCandidate(vacancyId: $v, candidateId: $c, input: {indexNumber: $i, homeCommunity: $h}) { id } }",
            json!({ "v": vacancy, "c": hired, "i": m[9], "h": m[8] }),
            None,
        )
        .await["hireCandidate"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Safety: a check-in's notes, a risk flag's notes, its mitigation, review, severity change
    // and resolution.
    c.run(
        "mutation($s: String!, $n: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: NEEDS_ASSISTANCE, notes: $n) { checkInId } }",
        json!({ "s": staff, "n": m[10] }),
        None,
    )
    .await;
    let flag = c
        .run(
            "mutation($s: String!, $n: String!) { raiseRiskFlag(staffId: $s, category: SEEN_AS_INFORMANT, severity: HIGH, notes: $n) { id } }",
            json!({ "s": staff, "n": m[11] }),
            None,
        )
        .await["raiseRiskFlag"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    steps(
        c,
        &[
            ("mutation($f: String!, $n: String!) { addMitigation(flagId: $f, action: RELOCATION, notes: $n) { id } }", json!({ "f": flag, "n": m[12] })),
            ("mutation($f: String!, $n: String!) { reviewRiskFlag(flagId: $f, notes: $n) { id } }", json!({ "f": flag, "n": m[13] })),
            ("mutation($f: String!, $r: String!) { changeRiskSeverity(flagId: $f, severity: CRITICAL, reason: $r) { id } }", json!({ "f": flag, "r": m[14] })),
            ("mutation($f: String!, $r: String!) { closeRiskFlag(flagId: $f, resolution: $r) { id } }", json!({ "f": flag, "r": m[15] })),
        ],
    )
    .await;

    // Supervision: a field visit's notes.
    let manager = c
        .run(
            "mutation($o: String!, $f: Date!) { appointManager(input: {fieldOfficeId: $o, name: \"Manager\", kind: INTERNATIONAL_STAFF, from: $f}) { coverage { mission { spans { managerId } } } } }",
            json!({ "o": office, "f": day(-100) }),
            None,
        )
        .await["appointManager"]["coverage"]["mission"]["spans"][0]["managerId"]
        .as_str()
        .unwrap()
        .to_string();
    c.run(
        "mutation($m: String!, $b: String!, $f: Date!, $t: Date!, $n: String!) { recordFieldVisit(managerId: $m, baseId: $b, from: $f, to: $t, purpose: \"Visit\", notes: $n) { missionCode } }",
        json!({ "m": manager, "b": base, "f": day(-20), "t": day(-19), "n": m[16] }),
        None,
    )
    .await;

    // Suspension and separation with their reasons.
    steps(
        c,
        &[
            ("mutation($s: String!) { activateStaff(staffId: $s) { id } }", json!({ "s": second })),
            ("mutation($s: String!, $r: String!) { suspendStaff(staffId: $s, reason: $r) { id } }", json!({ "s": second, "r": m[17] })),
            ("mutation($s: String!, $n: String!) { separateStaff(staffId: $s, reason: RESIGNED, notes: $n) { id } }", json!({ "s": second, "n": m[18] })),
        ],
    )
    .await;

    // Read everything back: the answers hold the markers, the log must not.
    let read = c
        .run(
            "query($s: String!, $f: String!) { staffMember(id: $s) { name homeCommunity indexNumber } riskFlag(id: $f) { notes mitigations { notes } } }",
            json!({ "s": staff, "f": flag }),
            None,
        )
        .await;
    let text = read.to_string();
    for marker in [m[3], m[4], m[2], m[11], m[12]] {
        assert!(text.contains(marker), "{marker} read back: {text}");
    }
}

fn markers_absent(format: &str) {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), format);
    let client = Client {
        http: reqwest::Client::new(),
        url: served.url.clone(),
        token: served.token.clone(),
    };
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(scenario(&client));
    let output = served.stop();
    // The log was really written at trace level, in the format asked for.
    // (The command path's own trace line: each decision, with how many events it gave.)
    let decided = output
        .lines()
        .filter(|l| l.contains("TRACE") && l.contains("decided"))
        .count();
    assert!(decided >= 20, "{decided} trace lines of decisions");
    let requests = output
        .lines()
        .filter(|l| l.contains("request served"))
        .count();
    assert!(requests >= 30, "{requests} request lines");
    if format == "json" {
        let json_lines = output
            .lines()
            .filter(|l| l.starts_with('{'))
            .filter(|l| serde_json::from_str::<Value>(l).is_ok())
            .count();
        assert!(json_lines > 30, "{json_lines} JSON lines");
        // The message at the top level of each line, the start-up banner's lines too.
        let banner = output
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| {
                v["target"] == "cla::banner"
                    && v["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("serving GraphQL at"))
            })
            .unwrap_or_else(|| panic!("no banner line in JSON:\n{output}"));
        assert!(banner.get("fields").is_none(), "{banner}");
        let lines_with_fields = output
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v.get("fields").is_some())
            .count();
        assert_eq!(
            lines_with_fields, 0,
            "an event's fields nested rather than flattened"
        );
    }
    // Written to a pipe, not a terminal: no colours.
    assert!(
        !output.contains('\u{1b}'),
        "ANSI escapes in a log written to a pipe"
    );
    let leaks: Vec<String> = MARKERS
        .iter()
        .filter_map(|marker| {
            output
                .lines()
                .find(|l| l.contains(marker))
                .map(|line| format!("{marker}: {line}"))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "personal or restricted data reached the {format} log:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn no_marker_reaches_the_text_log_at_trace_level() {
    markers_absent("text");
}

#[test]
fn no_marker_reaches_the_json_log_at_trace_level() {
    markers_absent("json");
}
