use backoffice::prelude::*;

/// Refunds an invoice after two people besides the caller approve.
#[command(
    "refund <invoice> [reason <reason...>]",
    access = "billing",
    approvals = 2,
    expires = "30m",
    approvers = "billing-leads",
    dry_run = preview_refund,
)]
async fn refund(
    invoice: u64,
    ctx: Context<()>,
    reason: Option<String>,
) -> Result<String, String> {
    let _ = ctx;
    Ok(format!("refunded {invoice}: {}", reason.unwrap_or_default()))
}

async fn preview_refund(
    invoice: u64,
    _ctx: Context<()>,
    reason: Option<String>,
) -> Result<Reply, std::io::Error> {
    Ok(Reply::new(format!("would refund {invoice}: {reason:?}")))
}

/// Closes an account; a stateless command with a generic dry run.
#[command("close <subdomain>", approvals = 1, dry_run = dry::preview_close)]
async fn close(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

mod dry {
    use backoffice::Context;

    pub async fn preview_close<S>(_ctx: Context<S>, subdomain: String) -> Result<String, String> {
        Ok(format!("would close {subdomain}"))
    }
}

/// Shows an account; `approvals = 0` means no approval.
#[command("show <subdomain>", approvals = 0)]
async fn show(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _refund: Command<()> = refund();
    let _close: Command<()> = close();
    let _show: Command<()> = show();
}
