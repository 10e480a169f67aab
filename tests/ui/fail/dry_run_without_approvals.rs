use backoffice::prelude::*;

/// Deletes an account.
#[command("delete <subdomain>", dry_run = preview_delete)]
async fn delete(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

async fn preview_delete<S>(_ctx: Context<S>, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

/// Deletes a user.
#[command("delete user <email>", approvals = 0, dry_run = preview_delete_user)]
async fn delete_user(_ctx: Context, email: String) -> Result<String, String> {
    Ok(email)
}

async fn preview_delete_user<S>(_ctx: Context<S>, email: String) -> Result<String, String> {
    Ok(email)
}

fn main() {
    let _command: Command<()> = delete();
    let _command: Command<()> = delete_user();
}
