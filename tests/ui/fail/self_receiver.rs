use backoffice::prelude::*;

struct Commands;

impl Commands {
    /// Shows an account.
    #[command("show <subdomain>")]
    async fn show(&self, _ctx: Context<()>, subdomain: String) -> Result<String, String> {
        Ok(subdomain)
    }
}

fn main() {
    let _command: Command<()> = Commands::show();
}
