use backoffice::prelude::*;

struct Subdomain(String);

/// Shows an account.
#[command("show <subdomain>")]
async fn show(_ctx: Context, subdomain: Subdomain) -> Result<String, String> {
    Ok(subdomain.0)
}

fn main() {
    let _command: Command<()> = show();
}
