//! The smallest useful bot: two commands, run in the console.
//! `cargo run --example minimal_bot`, then type `help`, `ping` or `echo hi`.

use backoffice::console::{self, ConsoleSettings};
use backoffice::prelude::*;

/// Replies pong.
#[command("ping", access = "everyone")]
async fn ping(_ctx: Context<()>) -> Result<String, Error> {
    Ok("pong".into())
}

/// Repeats the rest of the line.
#[command("echo <text...>", access = "everyone")]
async fn echo(_ctx: Context<()>, text: String) -> Result<String, Error> {
    Ok(text)
}

/// Configures the bot; tests check and build the same configuration.
pub fn bot() -> backoffice::BotBuilder<()> {
    Bot::builder(())
        .command(ping())
        .command(echo())
        .role("everyone", Rule::channels(["general"]))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let input = tokio::io::BufReader::new(tokio::io::stdin());
    let settings = ConsoleSettings::new("general", "you");
    console::run(bot().build()?, input, std::io::stdout(), settings).await?;
    Ok(())
}
