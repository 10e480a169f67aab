use std::str::FromStr;

use backoffice::prelude::*;

struct Subdomain(String);

impl FromStr for Subdomain {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(text.to_owned()))
    }
}

async fn preview<S>(_ctx: Context<S>, subdomain: Subdomain) -> Result<String, String> {
    Ok(subdomain.0)
}

/// Deletes an account.
#[command("delete <subdomain>", approvals = 1, dry_run = preview)]
async fn delete(_ctx: Context, subdomain: Subdomain) -> Result<String, String> {
    Ok(subdomain.0)
}

fn main() {
    let _command: Command<()> = delete();
}
