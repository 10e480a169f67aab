use backoffice::prelude::*;

/// Disables an account, with an optional reason.
#[command("disable <subdomain> [because <reason...>]")]
async fn disable(
    _ctx: Context,
    subdomain: String,
    reason: Option<String>,
) -> Result<Reply, String> {
    Ok(Reply::new(format!("{subdomain}: {reason:?}")))
}

/// Posts a note on an account.
#[command("note <subdomain> <text...>")]
async fn note(_ctx: Context, subdomain: String, text: String) -> Result<String, String> {
    Ok(format!("{subdomain}: {text}"))
}

fn main() {
    let _disable: Command<()> = disable();
    let _note: Command<()> = note();
}
