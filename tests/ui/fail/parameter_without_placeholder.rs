use backoffice::prelude::*;

/// Shows an account.
#[command("show <subdomain>")]
async fn show(_ctx: Context, subdomain: String, verbose: bool) -> Result<String, String> {
    Ok(format!("{subdomain} {verbose}"))
}

fn main() {
    let _command: Command<()> = show();
}
