use backoffice::prelude::*;

/// Deletes an account.
#[command("delete <subdomain>", approvals = 0, approvers = "leads")]
async fn delete(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = delete();
}
