use std::time::Duration;

use backoffice::prelude::*;

/// Rebuilds an account's search index.
#[command("reindex <subdomain>", timeout = "5m", access = "backoffice")]
async fn reindex(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

/// Checks an account's health.
#[command("check <subdomain>", timeout = "500ms")]
async fn check(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let reindex: Command<()> = reindex();
    assert_eq!(reindex.info().timeout, Some(Duration::from_secs(300)));
    let check: Command<()> = check();
    assert_eq!(check.info().timeout, Some(Duration::from_millis(500)));
}
