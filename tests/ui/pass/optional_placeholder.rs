use backoffice::prelude::*;

/// Extends a trial, by 14 days unless told otherwise.
#[command("extend <subdomain> trial [by <days> days]")]
async fn extend_trial(
    days: Option<u16>,
    subdomain: String,
    _ctx: backoffice::Context<()>,
) -> Result<String, std::io::Error> {
    Ok(format!("{subdomain} +{}", days.unwrap_or(14)))
}

fn main() {
    let _command: Command<()> = extend_trial();
}
