use backoffice::prelude::*;

/// Shows an account.
#[command("show <subdomain>")]
async fn show(subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = show();
}
