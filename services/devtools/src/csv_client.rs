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

/// Imports `staff` or `deployments` from a file; the server validates it whole first, and a file
/// with any error writes nothing. `dry_run`: report what would change, writing nothing. `locale`
/// `fr`: dates day first (a `;` separator and a BOM are read whatever the locale).
pub fn import(
    remote: &Remote,
    what: &str,
    mission: String,
    file: &Path,
    dry_run: bool,
    locale: Option<String>,
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
    let mut query = vec![("missionCode", mission), ("dryRun", dry_run.to_string())];
    if let Some(l) = locale {
        query.push(("locale", l));
    }
    call(
        remote,
        reqwest::Method::POST,
        &format!("/import/{what}"),
        &query,
        Some(body),
    )
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
    crate::on_runtime(async {
        let url = format!("{}{path}", remote.server.trim_end_matches('/'));
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
                let ok = response.status().is_success();
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                if ok {
                    print!("{text}");
                    if !text.ends_with('\n') {
                        println!();
                    }
                    ExitCode::SUCCESS
                } else {
                    eprintln!("cla: {url}: {status}");
                    eprintln!("{text}");
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("cla: {url}: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
