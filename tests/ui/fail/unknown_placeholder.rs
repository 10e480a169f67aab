use backoffice::prelude::*;

/// Sets how many days of trial an account has left.
#[command("set <subdomain> trial remaining to <number> days")]
async fn set_trial(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = set_trial();
}
