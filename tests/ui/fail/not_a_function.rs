use backoffice::prelude::*;

#[command("show <subdomain>")]
struct Show;

fn main() {}
