use backoffice::prelude::*;

/// Replies to show that the bot is up.
#[command("ping")]
async fn ping(_ctx: Context) -> Result<&'static str, String> {
    Ok("pong")
}

struct FirstState;
struct SecondState;

fn main() {
    let _first: Command<FirstState> = ping();
    let _second: Command<SecondState> = ping();
    let _unit = ping::<()>();
}
