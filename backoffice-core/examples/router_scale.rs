//! Builds a router over 10,000 generated commands and prints how long the
//! build and a batch of routed messages take.
//!
//! Run it in release mode: `cargo run --release -p backoffice-core --example router_scale`.

use std::time::Instant;

use backoffice_core::pattern::Pattern;
use backoffice_core::router::Router;

const COMMANDS: usize = 10_000;
const MESSAGES: usize = 1_000;
const VERBS: [&str; 20] = [
    "show", "list", "extend", "disable", "enable", "reset", "grant", "revoke", "export", "import",
    "archive", "restore", "pause", "resume", "rename", "merge", "split", "close", "open", "sync",
];

/// Returns the pattern of generated command `index`: a verb, a noun unique
/// to the command and one of three shapes of placeholders and groups.
fn pattern_source(index: usize) -> String {
    let verb = VERBS[index % VERBS.len()];
    match index % 3 {
        0 => format!("{verb} item{index} <id> [by <n> days]"),
        1 => format!("{verb} item{index} <id> [for <user>] [because <reason...>]"),
        _ => format!("{verb} <id> item{index} now"),
    }
}

fn main() {
    let patterns: Vec<Pattern> = (0..COMMANDS)
        .map(|index| Pattern::parse(&pattern_source(index)).expect("generated patterns parse"))
        .collect();

    let start = Instant::now();
    let found = backoffice_core::router::conflicts(&patterns);
    println!("found {} conflicts in {:?}", found.len(), start.elapsed());

    let start = Instant::now();
    let router = Router::new(patterns).expect("generated patterns do not conflict");
    println!(
        "built a router over {COMMANDS} commands in {:?}",
        start.elapsed()
    );

    let messages: Vec<String> = (0..MESSAGES)
        .map(|index| {
            let command = index * 7 % COMMANDS;
            let verb = VERBS[command % VERBS.len()];
            match command % 3 {
                0 => format!("{verb} item{command} acme by 3 days"),
                1 => format!("{verb} item{command} acme for jane because \"it was late\""),
                _ => format!("{verb} acme item{command} now"),
            }
        })
        .collect();

    let start = Instant::now();
    let routed = messages
        .iter()
        .filter(|message| router.route(message, |_| true).is_some())
        .count();
    println!(
        "routed {routed} of {} messages in {:?}",
        messages.len(),
        start.elapsed()
    );
}
