use backoffice::prelude::*;

/// Shows an account.
#[command(access = "backoffice")]
async fn show(_ctx: Context) -> Result<String, String> {
    Ok(String::new())
}

fn main() {
    let _command: Command<()> = show();
}
