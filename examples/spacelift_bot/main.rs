//! The reference bot: a SaaS back office on an embedded SQLite database.
//!
//! With no Slack settings it runs the console front-end, so you can try it
//! on a fresh machine: `cargo run --example spacelift_bot`.
//!
//! | variable | meaning |
//! | --- | --- |
//! | `BACKOFFICE_DB` | path of the SQLite file, created and seeded when missing (default `data/spacelift_bot.sqlite3`) |
//! | `BACKOFFICE_CHANNEL` | the channel for support and sales staff, by ID or name (default `backoffice`) |
//! | `BACKOFFICE_DEV_CHANNEL` | the channel for engineers, by ID or name (default `backoffice-developers`) |

mod commands;
mod db;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use backoffice::console::{self, ConsoleSettings};
use backoffice::{Bot, Rule};
use tokio::io::BufReader;

use crate::db::Database;

const DEFAULT_DB: &str = "data/spacelift_bot.sqlite3";

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let database = open_database()?;
    let channel = setting("BACKOFFICE_CHANNEL", "backoffice");
    let dev_channel = setting("BACKOFFICE_DEV_CHANNEL", "backoffice-developers");
    let bot = Bot::builder(database)
        .commands(commands::all())
        .role("backoffice", Rule::channels([channel.clone()]))
        .role("developers", Rule::channels([dev_channel]))
        .build()?;

    eprintln!(
        "No Slack settings found, so spacelift_bot runs in the console: type `help`, or `/help` for console controls. \
         To connect to Slack, set SLACK_BOT_TOKEN and either SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (Events API)."
    );
    let input = BufReader::new(tokio::io::stdin());
    console::run(
        bot,
        input,
        std::io::stdout(),
        ConsoleSettings::new(channel, "you"),
    )
    .await?;
    Ok(())
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

fn setting(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Logs to standard error; `RUST_LOG` overrides the default level, `warn`.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
