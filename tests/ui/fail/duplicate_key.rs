use backoffice::prelude::*;

/// Shows an account.
#[command("show <subdomain>", access = "backoffice", access = "support")]
async fn show(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = show();
}
