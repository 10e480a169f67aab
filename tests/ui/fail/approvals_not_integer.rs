use backoffice::prelude::*;

async fn preview<S>(_ctx: Context<S>, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

/// Deletes an account.
#[command("delete <subdomain>", approvals = "2", dry_run = preview)]
async fn delete(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

/// Suspends an account.
#[command("suspend <subdomain>", approvals = -1, dry_run = preview)]
async fn suspend(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

/// Purges an account.
#[command("purge <subdomain>", approvals = 4294967296, dry_run = preview)]
async fn purge(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = delete();
    let _command: Command<()> = suspend();
    let _command: Command<()> = purge();
}
