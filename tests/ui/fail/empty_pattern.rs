use backoffice::prelude::*;

/// Does nothing.
#[command("   ")]
async fn nothing(_ctx: Context) -> Result<String, String> {
    Ok(String::new())
}

fn main() {
    let _command: Command<()> = nothing();
}
