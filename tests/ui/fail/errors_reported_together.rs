use backoffice::prelude::*;

struct AppState;

/// Every problem is reported at once, and calls to the command still
/// type-check against the stub.
#[command("extend <subdomain> [by <days> days]", acess = "backoffice", timeout = "soon")]
fn extend(ctx: Context<AppState>, days: u32, verbose: bool) -> Result<String, String> {
    let _ = (ctx, days, verbose);
    Ok(String::new())
}

fn main() {
    let command: Command<AppState> = extend();
    let _ = command.info();
}
