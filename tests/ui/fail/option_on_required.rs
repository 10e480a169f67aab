use backoffice::prelude::*;

/// Extends a trial.
#[command("extend <subdomain> trial by <days> days")]
async fn extend(_ctx: Context, subdomain: String, days: Option<u32>) -> Result<String, String> {
    Ok(format!("{subdomain} {days:?}"))
}

fn main() {
    let _command: Command<()> = extend();
}
