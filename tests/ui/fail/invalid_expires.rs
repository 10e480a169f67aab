use backoffice::prelude::*;

async fn preview<S>(_ctx: Context<S>, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

/// Deletes an account.
#[command("delete <subdomain>", approvals = 1, dry_run = preview, expires = "1 day")]
async fn delete(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

/// Suspends an account.
#[command("suspend <subdomain>", approvals = 1, dry_run = preview, expires = "0m")]
async fn suspend(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = delete();
    let _command: Command<()> = suspend();
}
