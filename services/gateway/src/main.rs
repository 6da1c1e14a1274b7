//! `cla`: serve (the default), mint a development token, print the schema.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cla_gateway::auth::Auth;
use cla_gateway::config::{Config, LogFormat};
use cla_platform::Role;
use clap::{Parser, Subcommand};

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
    /// Serve GraphQL (the default).
    Serve,
    /// Print a development token signed with the configured key.
    Token {
        /// ADMIN, HQ_REVIEWER, MISSION_HR or CIVIL_AFFAIRS; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Mission code of a mission-scoped role; repeat for several.
        #[arg(long = "mission")]
        missions: Vec<String>,
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

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
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
    match cli.command.unwrap_or(Command::Serve) {
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
            let roles: Result<Vec<Role>, String> = roles
                .iter()
                .map(|r| {
                    Role::parse(r).ok_or_else(|| {
                        format!("unknown role {r} (ADMIN, HQ_REVIEWER, MISSION_HR, CIVIL_AFFAIRS)")
                    })
                })
                .collect();
            let ttl = parse_ttl(&ttl);
            let (roles, ttl) = match (roles, ttl) {
                (Ok(r), Ok(t)) => (r, t),
                (Err(e), _) | (_, Err(e)) => {
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
        Command::Serve => serve(config),
    }
}

fn serve(config: Config) -> ExitCode {
    init_tracing(&config);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cla: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let running = match cla_gateway::start(&config).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("cla: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "CLA workforce is serving GraphQL at http://{}/graphql (GraphiQL in a browser)",
            running.addr
        );
        println!("  data directory: {}", config.data_dir.display());
        println!(
            "  get a token:    cargo run --release -- token --role ADMIN --name \"Your Name\""
        );
        println!("                  (or a scoped one: --role CIVIL_AFFAIRS --mission MONUSCO)");
        println!("  send it as:     Authorization: Bearer <token>");
        shutdown_signal().await;
        println!("stopping");
        running.stop().await;
        ExitCode::SUCCESS
    })
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
