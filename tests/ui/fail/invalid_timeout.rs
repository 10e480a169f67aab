use backoffice::prelude::*;

/// Rebuilds an account's search index.
#[command("reindex <subdomain>", timeout = "30 seconds")]
async fn reindex(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = reindex();
}
