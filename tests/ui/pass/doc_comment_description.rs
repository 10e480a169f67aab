use backoffice::prelude::*;

/**
 * Shows an account's plan
 * and its renewal date.
 */
#[command("show <subdomain> plan")]
#[allow(clippy::needless_pass_by_value)]
async fn show_plan(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

/// The attribute's description wins over the doc comment.
#[command("show <subdomain> owner", description = "Shows who owns an account.")]
async fn show_owner(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

/// Looks up an account by type; `type` is a keyword, so the parameter is raw.
#[command("find <type> accounts")]
async fn find(_ctx: Context, r#type: String) -> Result<String, String> {
    Ok(r#type)
}

fn main() {
    let plan: Command<()> = show_plan();
    assert_eq!(plan.info().description, "Shows an account's plan and its renewal date.");
    let owner: Command<()> = show_owner();
    assert_eq!(owner.info().description, "Shows who owns an account.");
    let _find: Command<()> = find();
}
