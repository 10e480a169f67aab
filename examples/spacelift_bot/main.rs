//! The reference bot: a SaaS back office on an embedded SQLite database.
//!
//! With no Slack settings it runs the console front-end, so you can try it
//! on a fresh machine: `cargo run --example spacelift_bot`. With
//! `SLACK_BOT_TOKEN` set it connects to Slack instead.
//!
//! | variable | meaning |
//! | --- | --- |
//! | `SLACK_BOT_TOKEN` | bot token (`xoxb-…`); with it the bot talks to Slack |
//! | `SLACK_APP_TOKEN` | app-level token (`xapp-…`); with it the bot uses Socket Mode |
//! | `SLACK_SIGNING_SECRET` | with it, and no app token, the bot serves the Events API over HTTP |
//! | `BACKOFFICE_LISTEN` | address of the HTTP endpoint, default `127.0.0.1:3000` |
//! | `SLACK_API_URL` | Web API base URL, default Slack's own |
//! | `BACKOFFICE_DB` | path of the SQLite file, created and seeded when missing (default `data/spacelift_bot.sqlite3`) |
//! | `BACKOFFICE_CHANNEL` | the channel for support and sales staff, by ID or name (default `backoffice`) |
//! | `BACKOFFICE_DEV_CHANNEL` | the channel for engineers, by ID or name (default `backoffice-developers`) |
//! | `BACKOFFICE_OPERATOR` | a Slack user ID: runs the console in operator mode, the fallback while Slack is down, as that user |

mod commands;
mod db;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use backoffice::console::{self, ConsoleSettings};
use backoffice::slack::SlackConfig;
use backoffice::{Bot, Rule};
use tokio::io::BufReader;

use crate::db::Database;

const DEFAULT_DB: &str = "data/spacelift_bot.sqlite3";

#[tokio::main]
async fn main() -> ExitCode {
    let slack = match SlackConfig::from_env() {
        Ok(slack) => slack,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The demo console logs errors only, to keep the conversation readable.
    // The operator console also writes the audit trail of what it ran.
    let default_level = if slack.is_some() {
        "info"
    } else if operator().is_some() {
        "error,backoffice::audit=info"
    } else {
        "error"
    };
    init_logging(default_level);
    match run(slack).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(slack: Option<SlackConfig>) -> Result<(), Box<dyn std::error::Error>> {
    let database = open_database()?;
    let channel = setting("BACKOFFICE_CHANNEL", "backoffice");
    let dev_channel = setting("BACKOFFICE_DEV_CHANNEL", "backoffice-developers");
    let bot = Bot::builder(database)
        .commands(commands::all())
        .role(
            "backoffice",
            Rule::channels([channel.clone()]).allow_console(),
        )
        .role("developers", Rule::channels([dev_channel]).allow_console())
        .build()?;

    if let Some(config) = slack {
        backoffice::slack::serve(bot, config, shutdown_signal()).await?;
        return Ok(());
    }
    let settings = match operator() {
        Some(operator) => {
            let os_user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
            eprintln!("spacelift_bot runs in the operator console as {operator}: commands that need approval are refused.");
            ConsoleSettings::operator(operator, os_user)
        }
        None => {
            eprintln!(
                "No Slack settings found, so spacelift_bot runs in the console: type `help`, or `/help` for console controls. \
                 To connect to Slack, set SLACK_BOT_TOKEN and either SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (Events API)."
            );
            ConsoleSettings::new(channel, "you")
        }
    };
    let input = BufReader::new(tokio::io::stdin());
    console::run(bot, input, std::io::stdout(), settings).await?;
    Ok(())
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}

fn open_database() -> Result<Database, Box<dyn std::error::Error>> {
    let path =
        std::env::var_os("BACKOFFICE_DB").map_or_else(|| PathBuf::from(DEFAULT_DB), PathBuf::from);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            format!(
                "cannot create the folder {} for BACKOFFICE_DB: {e}",
                parent.display()
            )
        })?;
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let database = Database::open(&path, now).map_err(|e| {
        format!(
            "cannot open the database {} (BACKOFFICE_DB): {e}",
            path.display()
        )
    })?;
    tracing::info!(path = %path.display(), "database open");
    Ok(database)
}

/// Returns the Slack user ID that `BACKOFFICE_OPERATOR` sets for the
/// operator console, or `None` for the demo console.
fn operator() -> Option<String> {
    std::env::var("BACKOFFICE_OPERATOR")
        .ok()
        .filter(|id| !id.trim().is_empty())
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Logs to standard error at `default_level`, unless `RUST_LOG` says otherwise.
fn init_logging(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
