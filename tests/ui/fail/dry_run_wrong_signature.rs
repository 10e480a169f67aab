use backoffice::prelude::*;

/// Sets an account's seat count.
#[command("set <subdomain> seats to <seats>", approvals = 1, dry_run = preview)]
async fn set_seats(_ctx: Context<()>, subdomain: String, seats: u32) -> Result<String, String> {
    Ok(format!("{subdomain}: {seats}"))
}

// The parameters are in another order than the handler's.
async fn preview(_ctx: Context<()>, seats: u32, subdomain: String) -> Result<String, String> {
    Ok(format!("{subdomain}: {seats}"))
}

fn main() {
    let _command: Command<()> = set_seats();
}
