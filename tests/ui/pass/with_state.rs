use backoffice::prelude::*;

struct AppState {
    trial_days: u32,
}

/// Sets how many days of trial an account has left.
#[command("set <subdomain> trial remaining to <number> days", access = "backoffice")]
pub async fn set_trial(
    ctx: Context<AppState>,
    subdomain: String,
    number: u32,
) -> Result<String, String> {
    Ok(format!("{subdomain}: {number} of {}", ctx.state().trial_days))
}

fn main() {
    let command: Command<AppState> = set_trial();
    assert_eq!(command.info().name, "set_trial");
}
