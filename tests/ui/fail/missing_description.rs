use backoffice::prelude::*;

#[command("show <subdomain>")]
async fn show(_ctx: Context, subdomain: String) -> Result<String, String> {
    Ok(subdomain)
}

fn main() {
    let _command: Command<()> = show();
}
