use backoffice::prelude::*;

/// Shows a range.
#[command("show <range>")]
async fn show(_ctx: Context, (start, end): (u32, u32)) -> Result<String, String> {
    Ok(format!("{start}..{end}"))
}

fn main() {
    let _command: Command<()> = show();
}
