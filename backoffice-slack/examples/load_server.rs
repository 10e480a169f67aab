//! The server side of the `load` example: a bot with one command, `ping`,
//! which replies `pong`, on the real Slack adapter in HTTP mode.
//!
//! It reads the adapter's usual variables (`SLACK_BOT_TOKEN`,
//! `SLACK_SIGNING_SECRET`, `SLACK_API_URL`, `BACKOFFICE_LISTEN`) and stops
//! gracefully on `SIGTERM` or Ctrl-C. `--workers N` and `--queue-capacity N`
//! override the adapter's defaults. The `load` example starts it; to run it
//! alone, point `SLACK_API_URL` at a fake Slack.

use std::process::ExitCode;

use backoffice_core::{Bot, Command, CommandInfo, Invocation, Reply, Rule};
use backoffice_slack::SlackConfig;
use tokio::signal::unix::{signal, SignalKind};
use tracing::{error, info};
use tracing_subscriber::EnvFilter;

/// The channel where `ping` is allowed; the `load` example posts there.
const CHANNEL: &str = "C1";

fn ping() -> Command<()> {
    let info = CommandInfo::new("ping", "ping", "Replies pong.").access("ops");
    Command::new(info, |_| {
        Ok(Invocation::new(|_ctx: backoffice_core::Context<()>| {
            Box::pin(async { Ok(Reply::new("pong")) })
        }))
    })
}

/// Reads `--workers N` and `--queue-capacity N` into `config`.
fn apply_args(mut config: SlackConfig) -> Result<SlackConfig, String> {
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("missing value after {flag}"))?;
        let number: usize = value
            .parse()
            .map_err(|_| format!("invalid {flag} value {value:?}: expected a positive integer"))?;
        config = match flag.as_str() {
            "--workers" => config.with_workers(number),
            "--queue-capacity" => config.with_queue_capacity(number),
            _ => {
                return Err(format!(
                    "unknown option {flag}: expected --workers or --queue-capacity"
                ))
            }
        };
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .init();

    let config = match SlackConfig::from_env() {
        Ok(Some(config)) => config,
        Ok(None) => {
            error!("SLACK_BOT_TOKEN is not set: set it, SLACK_SIGNING_SECRET and SLACK_API_URL");
            return ExitCode::FAILURE;
        }
        Err(error) => {
            error!(%error, "invalid configuration");
            return ExitCode::FAILURE;
        }
    };
    let config = match apply_args(config) {
        Ok(config) => config,
        Err(message) => {
            error!("{message}");
            return ExitCode::FAILURE;
        }
    };

    let bot = Bot::builder(())
        .command(ping())
        .role("ops", Rule::channels([CHANNEL]))
        .build()
        .expect("the ping bot is valid");

    let shutdown = async {
        let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM can be handled");
        tokio::select! {
            _ = terminate.recv() => info!("received SIGTERM"),
            _ = tokio::signal::ctrl_c() => info!("received Ctrl-C"),
        }
    };
    match backoffice_slack::serve(bot, config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            error!(%error, "the Slack adapter failed to start");
            ExitCode::FAILURE
        }
    }
}
