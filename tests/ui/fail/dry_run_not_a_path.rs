use backoffice::prelude::*;

/// Deletes an account.
#[command("delete <subdomain>", approvals = 1, dry_run = "preview")]
async fn delete(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = delete();
}
