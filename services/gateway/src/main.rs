//! `cla`: serve (the default), mint a development token, print the schema; the demo, the
//! generator and the CSV client are `cla_devtools`, dispatched from here.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cla_gateway::auth::Auth;
use cla_gateway::config::Config;
use cla_platform::{Principal, Role};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "cla", about = "The CLA workforce system", version)]
struct Cli {
    /// Configuration file (default: ./cla.toml where it exists).
    #[arg(long, global = true, env = "CLA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve GraphQL. Without a command, `cla` serves with `--demo`.
    Serve {
        /// On an empty store, load the demo dataset first (a store with data is never touched).
        #[arg(long)]
        demo: bool,
    },
    /// Print a development token signed with the configured key.
    Token {
        /// The token's role; repeat for several.
        #[arg(long = "role", required = true, value_enum)]
        roles: Vec<RoleArg>,
        /// Mission code of a mission-scoped role; repeat for several.
        #[arg(long = "mission")]
        missions: Vec<String>,
        /// The name the token's holder is shown by.
        #[arg(long, default_value = "Development user")]
        name: String,
        /// The user id (`sub`); default: derived from the name.
        #[arg(long)]
        sub: Option<String>,
        /// How long the token is valid: 30m, 8h, 7d.
        #[arg(long, default_value = "8h")]
        ttl: String,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Download a CSV from a running server, as the token's holder: `board`, `staff` (the staff
    /// directory, in the import's columns) or `hq-review`.
    Export {
        /// What to download.
        #[arg(value_enum)]
        what: ExportKind,
        /// Mission code (board and staff).
        #[arg(long)]
        mission: Option<String>,
        /// YYYY-MM-DD (board and hq-review; default today).
        #[arg(long)]
        as_of: Option<String>,
        /// `fr`: for French Excel (`;`, a BOM, dd/mm/yyyy, decimal commas); default RFC 4180.
        #[arg(long, value_enum)]
        locale: Option<LocaleArg>,
        #[command(flatten)]
        remote: Remote,
    },
    /// Import a CSV into a running server, as the token's holder: `staff` or `deployments`
    /// (columns in the README). Validated whole first; a file with any error writes nothing.
    Import {
        /// What the file lists.
        #[arg(value_enum)]
        what: ImportKind,
        /// The mission the file is for (its code).
        #[arg(long)]
        mission: String,
        /// The CSV file (UTF-8; `,` or `;` between cells).
        #[arg(long)]
        file: PathBuf,
        /// Check the file and report what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// `fr`: dates are day first (dd/mm/yyyy). A `;` separator and a BOM are read either way.
        #[arg(long, value_enum)]
        locale: Option<LocaleArg>,
        /// Print the server's report as JSON instead of a summary and a table of errors.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// Back up the store and the key store into a new directory, consistently, while the server
    /// serves; sealed with the master key (which the backup does not hold: keep it apart).
    Backup {
        /// A new (or empty) directory.
        dir: PathBuf,
    },
    /// Restore a backup into the configured data directory, which must hold no store yet; it
    /// opens only with the master key it was made under.
    Restore {
        /// The backup's directory.
        dir: PathBuf,
    },
    /// Rotate the master key: wrap every data key again with the key in FILE (64 hexadecimal
    /// digits, owner-only), without touching an event. Stop the server first; start it again
    /// with `master_key_file` set to FILE.
    RotateMasterKey {
        /// The new master key's file.
        file: PathBuf,
    },
    /// Write a seeded, repeatable history into an empty store, for benchmarks: e.g. 10 years × 4
    /// missions × 300 CLAs with daily check-ins (about 4.5 million events).
    Generate {
        /// The seed: the same seed writes the same history.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Years of history.
        #[arg(long, default_value_t = 10)]
        years: u32,
        /// Days of history instead of years.
        #[arg(long)]
        days: Option<u32>,
        /// Missions.
        #[arg(long, default_value_t = 4)]
        missions: u32,
        /// CLAs per mission.
        #[arg(long, default_value_t = 300)]
        clas: u32,
        /// No daily check-ins (the structure only).
        #[arg(long)]
        no_check_ins: bool,
    },
}

/// A role, as tokens name it.
#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    #[value(name = "ADMIN")]
    Admin,
    #[value(name = "HQ_REVIEWER")]
    HqReviewer,
    #[value(name = "MISSION_HR")]
    MissionHr,
    #[value(name = "CIVIL_AFFAIRS")]
    CivilAffairs,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::HqReviewer => Role::HqReviewer,
            RoleArg::MissionHr => Role::MissionHr,
            RoleArg::CivilAffairs => Role::CivilAffairs,
        }
    }
}

/// What `cla export` downloads.
#[derive(Clone, Copy, ValueEnum)]
enum ExportKind {
    /// The base board.
    Board,
    /// The staff directory, in the staff list's columns.
    Staff,
    /// The HQ staffing review.
    HqReview,
}

/// What an imported file lists.
#[derive(Clone, Copy, ValueEnum)]
enum ImportKind {
    /// Staff members (the staff list's columns).
    Staff,
    /// Who is at which base since when.
    Deployments,
}

/// The locale a CSV file is written in.
#[derive(Clone, Copy, ValueEnum)]
enum LocaleArg {
    /// RFC 4180: `,`, dates as 2026-07-15.
    En,
    /// French Excel: `;`, a byte-order mark, dates as 15/07/2026.
    Fr,
}

impl LocaleArg {
    fn code(self) -> String {
        match self {
            LocaleArg::En => "en".into(),
            LocaleArg::Fr => "fr".into(),
        }
    }
}

#[derive(clap::Args)]
struct Remote {
    /// The server's address.
    #[arg(long, default_value = "http://127.0.0.1:8080", env = "CLA_SERVER")]
    server: String,
    /// A bearer token (see `cla token`).
    #[arg(long, env = "CLA_TOKEN")]
    token: String,
}

impl From<Remote> for cla_devtools::csv_client::Remote {
    fn from(r: Remote) -> Self {
        Self {
            server: r.server,
            token: r.token,
        }
    }
}

/// Whether the start-up banner is written as JSON lines (the log format is JSON).
static BANNER_AS_JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A line of the start-up banner, on standard error beside the logs (standard output stays for
/// what a command answers): as it is for a person, or as a JSON log line in JSON mode.
fn say(line: &str) {
    if BANNER_AS_JSON.load(std::sync::atomic::Ordering::Relaxed) {
        tracing::info!(target: "cla::banner", "{}", line.trim());
    } else {
        eprintln!("{line}");
    }
}

macro_rules! say {
    ($($arg:tt)*) => { say(&format!($($arg)*)) };
}

/// The first start's rebuild of the read models (or a long catch-up after a restart), shown
/// moving: a bar where standard error is a terminal, else a line every few seconds (in the log,
/// in JSON mode). A short catch-up says nothing.
fn watch_rebuild(running: &cla_gateway::Running, json: bool) {
    use cla_devtools::progress::{Lines, Progress};
    let hub = running.state.hub.clone();
    tokio::spawn(async move {
        let Ok(total) = hub.lag().await else { return };
        if total < 50_000 {
            return;
        }
        let started = std::time::Instant::now();
        let lines = if json { Lines::Log } else { Lines::Stderr };
        let progress = Progress::new("rebuilding the read models", "events", Some(total), lines);
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tick.tick().await;
            match hub.lag().await {
                Ok(0) => break,
                Ok(left) => progress.set(total.saturating_sub(left)),
                Err(_) => {}
            }
        }
        progress.finish(&format!(
            "the read models have caught up: {total} events in {:.1} s",
            started.elapsed().as_secs_f64()
        ));
    });
}

fn parse_ttl(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(
        text.trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .len(),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("not a duration: {text} (use 30m, 8h, 7d)"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" | "" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("not a duration: {text} (use 30m, 8h, 7d)")),
    };
    Ok(Duration::from_secs(seconds))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref(), std::env::vars()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("cla: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command.unwrap_or(Command::Serve { demo: true }) {
        Command::Backup { dir } => match cla_gateway::backup::backup(&config, &dir) {
            Ok(m) => {
                println!(
                    "backed up {} events (to position {}) and the key store into {}, sealed with master key {}",
                    m.events,
                    m.last_position.map_or("none".into(), |p| p.to_string()),
                    dir.display(),
                    m.master_key_id
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cla backup: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Restore { dir } => match cla_gateway::backup::restore(&config, &dir) {
            Ok(m) => {
                println!(
                    "restored {} events (to position {}) and the key store into {}; the read models are rebuilt at the next start",
                    m.events,
                    m.last_position.map_or("none".into(), |p| p.to_string()),
                    config.data_dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cla restore: {e}");
                ExitCode::FAILURE
            }
        },
        Command::RotateMasterKey { file } => {
            match cla_gateway::backup::rotate_master_key(&config, &file) {
                Ok(n) => {
                    println!(
                        "wrapped {n} data keys again with the master key in {}; start the server with master_key_file set to it",
                        file.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cla rotate-master-key: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Schema => {
            print!("{}", cla_gateway::schema::sdl());
            ExitCode::SUCCESS
        }
        Command::Token {
            roles,
            missions,
            name,
            sub,
            ttl,
        } => {
            let roles: Vec<Role> = roles.into_iter().map(Role::from).collect();
            let ttl = match parse_ttl(&ttl) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("cla token: {e}");
                    return ExitCode::from(2);
                }
            };
            let sub = sub.unwrap_or_else(|| {
                name.to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            });
            match Auth::load(&config)
                .and_then(|auth| auth.mint(&sub, &name, &roles, &missions, ttl))
            {
                Ok(token) => {
                    println!("{token}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cla token: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve { demo } => serve(config, demo),
        Command::Export {
            what,
            mission,
            as_of,
            locale,
            remote,
        } => cla_devtools::csv_client::export(
            &remote.into(),
            match what {
                ExportKind::Board => "board",
                ExportKind::Staff => "staff",
                ExportKind::HqReview => "hq-review",
            },
            mission,
            as_of,
            locale.map(LocaleArg::code),
        ),
        Command::Import {
            what,
            mission,
            file,
            dry_run,
            locale,
            json,
            remote,
        } => cla_devtools::csv_client::import(
            &remote.into(),
            match what {
                ImportKind::Staff => "staff",
                ImportKind::Deployments => "deployments",
            },
            mission,
            &file,
            cla_devtools::csv_client::ImportOptions {
                dry_run,
                locale: locale.map(LocaleArg::code),
                json,
            },
        ),
        Command::Generate {
            seed,
            years,
            days,
            missions,
            clas,
            no_check_ins,
        } => generate(
            config,
            cla_devtools::generate::Params {
                seed,
                years,
                days,
                missions,
                clas,
                daily_check_ins: !no_check_ins,
            },
        ),
    }
}

fn serve(mut config: Config, demo: bool) -> ExitCode {
    cla_gateway::telemetry::init(&config);
    BANNER_AS_JSON.store(
        config.log_format == cla_gateway::config::LogFormat::Json,
        std::sync::atomic::Ordering::Relaxed,
    );
    // The detector and the alert watch start after the demo is loaded, not half-way through it.
    let scan_every = Duration::from_secs(config.scan_interval_seconds);
    if demo {
        config.scan_interval_seconds = 0;
    }
    cla_devtools::on_runtime(async {
        let mut running = match cla_gateway::start(&config).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("cla: {e}");
                return ExitCode::FAILURE;
            }
        };
        watch_rebuild(
            &running,
            config.log_format == cla_gateway::config::LogFormat::Json,
        );
        let mut loaded = None;
        if demo {
            let state = &running.state;
            if matches!(state.store.head().await, Ok(None)) {
                say!("the store is empty: loading the demo dataset…");
            }
            match cla_devtools::demo::load_if_empty(
                &cla_gateway::demo::tool_apps(&state.apps),
                state.store.as_ref(),
                state.clock.now(),
                cla_devtools::demo::SEED,
            )
            .await
            {
                Ok(summary) => loaded = summary,
                Err(e) => {
                    eprintln!("cla: {e}");
                    running.stop().await;
                    return ExitCode::FAILURE;
                }
            }
        }
        if demo {
            running.spawn_scanners(scan_every);
        }
        let url = format!("http://{}/graphql", running.addr);
        say!("CLA workforce is serving GraphQL at {url} (GraphiQL in a browser)");
        say!("  data directory: {}", config.data_dir.display());
        match &loaded {
            Some(summary) => print_demo(&config, summary),
            None => {
                if demo {
                    say!("  the store has data: nothing loaded");
                }
                say!(
                    "  get a token:    cargo run --release -- token --role ADMIN --name \"Your Name\""
                );
                say!("                  (or a scoped one: --role CIVIL_AFFAIRS --mission MONUSCO)");
            }
        }
        say!("  send a token as: Authorization: Bearer <token>");
        if demo {
            print_sign_in_links(&config, running.addr);
        }
        shutdown_signal().await;
        say!("stopping");
        running.stop().await;
        ExitCode::SUCCESS
    })
}

fn generate(mut config: Config, params: cla_devtools::generate::Params) -> ExitCode {
    // Nothing watches while the history is written: it is written, not lived.
    config.scan_interval_seconds = 0;
    cla_devtools::on_runtime(async {
        let app = cla_gateway::server::open_store(&config).and_then(|store| {
            cla_gateway::server::app(
                &config,
                store,
                std::sync::Arc::new(cla_platform::clock::SystemClock),
            )
        });
        let app = match app {
            Ok(app) => app,
            Err(e) => {
                eprintln!("cla generate: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "generating {} × {} missions × {} CLAs (seed {}) into {}",
            params.days.map_or_else(
                || format!("{} years", params.years),
                |d| format!("{d} days")
            ),
            params.missions,
            params.clas,
            params.seed,
            config.data_dir.display()
        );
        let state = &app.state;
        let outcome = cla_devtools::generate::generate(
            &cla_gateway::demo::tool_apps(&state.apps),
            state.store.as_ref(),
            chrono::Utc::now(),
            &params,
            Some(cla_devtools::progress::Lines::Stderr),
        )
        .await;
        for task in &app.tasks {
            task.abort();
        }
        match outcome {
            Ok(report) => {
                println!(
                    "wrote {} events ({} commands through the application layer, {} check-ins) in {:.1} s: {:.0} events/s",
                    report.events,
                    report.commands,
                    report.check_ins,
                    report.seconds,
                    report.events_per_second()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cla generate: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn print_demo(config: &Config, summary: &cla_devtools::demo::Summary) {
    say!(
        "  demo loaded: {} commands in {:.1} s",
        summary.commands,
        summary.seconds
    );
    for m in &summary.missions {
        if m.clas == 0 {
            say!(
                "    {:<8} closed: its bases closed, its CLAs separated",
                m.code
            );
            continue;
        }
        say!(
            "    {:<8} {} field offices, {} bases, {} CLAs ({} deployed); {} bases below minimum, {} lone CLAs, {} stopped checking in, {} appointments ending within 60 days",
            m.code,
            m.field_offices,
            m.bases,
            m.clas,
            m.deployed,
            m.below_minimum,
            m.lone,
            m.stopped_checking_in,
            m.appointments_ending
        );
    }
    // The tokens go to an owner-only file, never to the terminal or the log: whatever captures
    // the server's output (a service manager's journal, a CI log) does not capture sign-ins.
    let tokens = Auth::load(config).and_then(|auth| {
        Ok((
            auth.mint(
                "demo-admin",
                "Demo Admin",
                &[Role::Admin],
                &[],
                Duration::from_secs(7 * 86_400),
            )?,
            auth.mint(
                "demo-civil-affairs",
                "Demo Civil Affairs Officer",
                &[Role::CivilAffairs],
                &["MONUSCO".to_string()],
                Duration::from_secs(7 * 86_400),
            )?,
        ))
    });
    match tokens {
        Ok((admin, civil_affairs)) => {
            let path = config.data_dir.join(DEMO_TOKENS_FILE);
            let text = format!(
                "# Demo tokens (7 days), signed with this server's key: source this file, then send\n\
                 # Authorization: Bearer $ADMIN_TOKEN (or $CIVIL_AFFAIRS_TOKEN, CIVIL_AFFAIRS in MONUSCO).\n\
                 ADMIN_TOKEN={admin}\nCIVIL_AFFAIRS_TOKEN={civil_affairs}\n"
            );
            match write_private(&path, &text) {
                Ok(()) => {
                    say!(
                        "  demo tokens (ADMIN; CIVIL_AFFAIRS for MONUSCO; 7 days) are in {} (owner-only)",
                        path.display()
                    );
                    say!("    use them: . {}", path.display());
                }
                Err(e) => say!("  no demo tokens written to {}: {e}", path.display()),
            }
        }
        Err(e) => say!("  no tokens minted here: {e}"),
    }
    say!("  or mint one:     cargo run --release -- token --role ADMIN --name \"Your Name\"");
    say!("  try, in GraphiQL with a token in the headers:");
    say!(
        "    {{ baseBoard(missionCode: \"MONUSCO\", status: BELOW_MINIMUM, first: 10) {{ totalCount edges {{ node {{ name effectiveStrength minimum clas {{ name tourDays }} }} }} }} }}"
    );
    say!(
        "    {{ hqStaffingReview {{ overall {{ clas deployed basesAtMinimumPercent supervisionCoveragePercent }} missions {{ scope clas deployed basesAtMinimum bases }} }} }}"
    );
}

/// The web app's address and a one-time sign-in link per demo role: each works once, within 12
/// hours (only their digests are kept, in the data directory), so printing them gives nothing
/// lasting away, unlike a token.
fn print_sign_in_links(config: &Config, addr: std::net::SocketAddr) {
    let address = config.web_address(addr);
    let people = [
        (
            "ADMIN",
            Principal::new("demo-admin", "Demo Admin", &[Role::Admin], &[]),
        ),
        (
            "HQ_REVIEWER",
            Principal::new(
                "demo-hq-reviewer",
                "Demo HQ Reviewer",
                &[Role::HqReviewer],
                &[],
            ),
        ),
        (
            "MISSION_HR for MONUSCO",
            Principal::new(
                "demo-mission-hr",
                "Demo HR Officer",
                &[Role::MissionHr],
                &["MONUSCO"],
            ),
        ),
        (
            "CIVIL_AFFAIRS for MONUSCO",
            Principal::new(
                "demo-civil-affairs",
                "Demo Civil Affairs Officer",
                &[Role::CivilAffairs],
                &["MONUSCO"],
            ),
        ),
    ];
    let who: Vec<Principal> = people.iter().map(|(_, p)| p.clone()).collect();
    say!("The web app is at {address}/");
    match cla_web::issue_sign_in_codes(&config.data_dir, &who, Duration::from_secs(12 * 3600)) {
        Ok(codes) => {
            say!("  one-time sign-in links (each works once, within 12 hours):");
            for ((role, _), code) in people.iter().zip(codes) {
                say!("    {role:<26} {address}/sign-in/{code}");
            }
        }
        Err(e) => say!("  no sign-in links: {e}"),
    }
}

/// The demo's tokens, in the data directory.
const DEMO_TOKENS_FILE: &str = "demo-tokens";

/// Writes `text` to `path`, readable and writable by the owner only (0600), replacing what was
/// there.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An older file keeps its mode when opened: narrow it first.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Ctrl-C, or SIGTERM (what service managers and container runtimes send).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
