use backoffice::prelude::*;

/// Shows an account.
#[command("show <subdomain>")]
async fn show(ctx: Context<()>, subdomain: String, other: Context<()>) -> Result<String, String> {
    let _ = (ctx, other);
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = show();
}
