use backoffice::prelude::*;

/// Moves an account.
#[command("move <subdomain> to <subdomain>")]
async fn move_account(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = move_account();
}
