use backoffice::prelude::*;

/// Posts a note on an account.
#[command("note <text...> on <subdomain>")]
async fn note(_ctx: Context, text: String, subdomain: String) -> Result<String, String> {
    Ok(format!("{subdomain}: {text}"))
}

fn main() {
    let _command: Command<()> = note();
}
