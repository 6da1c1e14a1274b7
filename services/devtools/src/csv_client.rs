//! The CSV command-line client (`cla export`, `cla import`): asks a running server over HTTP, as
//! the token's holder, and prints its answer: the CSV or the import's report on stdout, a refusal
//! on stderr (exit 1). A wrong request is refused here, before anything is sent (exit 2).

use std::path::Path;
use std::process::ExitCode;

/// The server to ask, and who asks.
#[derive(Clone, Debug)]
pub struct Remote {
    /// The server's address (`http://127.0.0.1:8080`).
    pub server: String,
    /// A bearer token (see `cla token`).
    pub token: String,
}

/// Downloads `board`, `staff` (the staff directory, in the import's columns) or `hq-review`.
pub fn export(
    remote: &Remote,
    what: &str,
    mission: Option<String>,
    as_of: Option<String>,
    locale: Option<String>,
) -> ExitCode {
    let path = match what {
        "board" => "board.csv",
        "staff" => "staff.csv",
        "hq-review" => "hq-review.csv",
        other => {
            eprintln!("cla export: {other}? board, staff or hq-review");
            return ExitCode::from(2);
        }
    };
    let mut query: Vec<(&str, String)> = Vec::new();
    if let Some(m) = mission {
        query.push(("missionCode", m));
    }
    if let Some(d) = as_of {
        query.push(("asOf", d));
    }
    if let Some(l) = locale {
        query.push(("locale", l));
    }
    call(
        remote,
        reqwest::Method::GET,
        &format!("/export/{path}"),
        &query,
        None,
    )
}

/// How `cla import` asks and answers.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Report what would change, writing nothing.
    pub dry_run: bool,
    /// `fr`: dates day first (a `;` separator and a BOM are read whatever the locale).
    pub locale: Option<String>,
    /// Print the server's report as JSON, not as a summary and a table.
    pub json: bool,
}

/// Imports `staff` or `deployments` from a file; the server validates it whole first, and a file
/// with any error writes nothing. The answer is a summary on stdout and, for a file with errors, a
/// table of every error (line, column, message) on stderr and exit 1.
pub fn import(
    remote: &Remote,
    what: &str,
    mission: String,
    file: &Path,
    options: ImportOptions,
) -> ExitCode {
    if what != "staff" && what != "deployments" {
        eprintln!("cla import: {what}? staff or deployments");
        return ExitCode::from(2);
    }
    let body = match std::fs::read_to_string(file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            eprintln!(
                "cla import: {}: not UTF-8 text (in Excel, save as \"CSV UTF-8\")",
                file.display()
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("cla import: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let mut query = vec![
        ("missionCode", mission),
        ("dryRun", options.dry_run.to_string()),
    ];
    if let Some(l) = options.locale {
        query.push(("locale", l));
    }
    if options.json {
        return call(
            remote,
            reqwest::Method::POST,
            &format!("/import/{what}"),
            &query,
            Some(body),
        );
    }
    let rows = body.lines().count().saturating_sub(1);
    let label = format!("checking and importing {} ({rows} rows)", file.display());
    let path = format!("/import/{what}");
    let answer = crate::block_on(async {
        // The server checks the whole file before it writes: a spinner while it does.
        let progress =
            crate::progress::Progress::new(&label, "", None, crate::progress::Lines::Stderr);
        let asked = ask(remote, reqwest::Method::POST, &path, &query, Some(body));
        tokio::pin!(asked);
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        let answer = loop {
            tokio::select! {
                answer = &mut asked => break answer,
                _ = tick.tick() => progress.set(0),
            }
        };
        progress.finish("");
        answer
    })
    .unwrap_or(Err(ExitCode::FAILURE));
    let (status, text) = match answer {
        Ok(a) => a,
        Err(code) => return code,
    };
    match serde_json::from_str::<Report>(&text) {
        Ok(report) => {
            print!("{}", report.summary(&file.display().to_string()));
            if report.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                eprint!("{}", report.table());
                ExitCode::FAILURE
            }
        }
        // Not a report: a refusal (a role, a mission, a token), said as the server said it.
        Err(_) => {
            eprintln!(
                "cla import: {}/import/{what}: {status}",
                remote.server.trim_end_matches('/')
            );
            eprintln!("{text}");
            ExitCode::FAILURE
        }
    }
}

/// An import's report, as the server answers it.
#[derive(Debug, serde::Deserialize)]
struct Report {
    rows: usize,
    created: usize,
    unchanged: usize,
    applied: bool,
    errors: Vec<ReportError>,
}

#[derive(Debug, serde::Deserialize)]
struct ReportError {
    line: usize,
    column: String,
    message: String,
}

impl Report {
    fn summary(&self, file: &str) -> String {
        if !self.errors.is_empty() {
            let written = if self.applied || self.created > 0 {
                format!(
                    "{} rows were imported before the error; import the file again once it is fixed",
                    self.created
                )
            } else {
                "nothing was written".to_string()
            };
            return format!(
                "{file}: {} rows, {} {}; {written}\n",
                self.rows,
                self.errors.len(),
                if self.errors.len() == 1 {
                    "error"
                } else {
                    "errors"
                },
            );
        }
        if self.applied {
            format!(
                "{file}: {} rows: {} created, {} already there (unchanged)\n",
                self.rows, self.created, self.unchanged
            )
        } else {
            format!(
                "{file}: {} rows: {} would be created, {} already there; a dry run, nothing written\n",
                self.rows, self.created, self.unchanged
            )
        }
    }

    /// Every error as a table: line, column, message.
    fn table(&self) -> String {
        let column_width = self
            .errors
            .iter()
            .map(|e| e.column.chars().count())
            .chain(["column".len()])
            .max()
            .unwrap_or(6);
        let mut out = format!("{:>5}  {:<column_width$}  message\n", "line", "column");
        for e in &self.errors {
            out.push_str(&format!(
                "{:>5}  {:<column_width$}  {}\n",
                e.line,
                if e.column.is_empty() { "-" } else { &e.column },
                e.message
            ));
        }
        out
    }
}

/// Calls the server and prints its answer: the CSV or the import's report on stdout, a refusal on
/// stderr (exit 1).
pub fn call(
    remote: &Remote,
    method: reqwest::Method,
    path: &str,
    query: &[(&str, String)],
    body: Option<String>,
) -> ExitCode {
    let (status, text) = match send(remote, method, path, query, body) {
        Ok(answer) => answer,
        Err(code) => return code,
    };
    if status.is_success() {
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "cla: {}{path}: {status}",
            remote.server.trim_end_matches('/')
        );
        eprintln!("{text}");
        ExitCode::FAILURE
    }
}

/// Asks the server: its status and text, or (said on stderr) why it could not be asked.
fn send(
    remote: &Remote,
    method: reqwest::Method,
    path: &str,
    query: &[(&str, String)],
    body: Option<String>,
) -> Result<(reqwest::StatusCode, String), ExitCode> {
    crate::block_on(ask(remote, method, path, query, body)).unwrap_or(Err(ExitCode::FAILURE))
}

async fn ask(
    remote: &Remote,
    method: reqwest::Method,
    path: &str,
    query: &[(&str, String)],
    body: Option<String>,
) -> Result<(reqwest::StatusCode, String), ExitCode> {
    let server = remote.server.trim_end_matches('/');
    let url = format!("{server}{path}");
    let mut request = reqwest::Client::new()
        .request(method, &url)
        .query(query)
        .bearer_auth(&remote.token);
    if let Some(body) = body {
        request = request
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(body);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            Ok((status, response.text().await.unwrap_or_default()))
        }
        Err(e) if e.is_connect() || e.is_timeout() => {
            eprintln!(
                "cla: no server answered at {server} (is it running? --server or CLA_SERVER names another)"
            );
            Err(ExitCode::FAILURE)
        }
        Err(e) => {
            eprintln!("cla: {url}: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}
