//! Drives the built `spacelift_bot` example through its console front-end
//! with a scripted conversation, against its real SQLite database.

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long one run of the example may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs the example with `script` on standard input and returns its output.
fn run_console(database: &PathBuf, script: &str) -> Output {
    let mut child = Command::new(support::example_binary("spacelift_bot"))
        .env("BACKOFFICE_DB", database)
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_APP_TOKEN")
        .env_remove("SLACK_SIGNING_SECRET")
        .env_remove("BACKOFFICE_CHANNEL")
        .env_remove("BACKOFFICE_DEV_CHANNEL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(script.as_bytes())
        .expect("the script is written");

    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    receiver
        .recv_timeout(DEADLINE)
        .expect("the example exits before the deadline")
        .expect("the example's output is read")
}

/// Asserts that `fragments` appear in `text` in this order.
fn assert_in_order(text: &str, fragments: &[&str]) {
    let mut rest = text;
    for fragment in fragments {
        let Some(at) = rest.find(fragment) else {
            panic!("expected {fragment:?} after what came before, in output:\n{text}");
        };
        rest = &rest[at + fragment.len()..];
    }
}

/// Returns the ISO date `days` from now in UTC, as SQLite computes it.
fn date_in_days(days: u32) -> String {
    let connection = rusqlite::Connection::open_in_memory().expect("in-memory database");
    connection
        .query_row(&format!("SELECT date('now', '+{days} days')"), [], |row| {
            row.get(0)
        })
        .expect("SQLite computes dates")
}

#[test]
fn scripted_conversation() {
    let folder = support::TempDir::new("conversation");
    let database = folder.database();
    let script = "help\n\
        /channel backoffice-developers\n\
        help\n\
        /channel backoffice\n\
        set acme trial remaining to 14 days\n\
        show account acme\n\
        set acme trial remaining to many days\n\
        shwo account acme\n\
        delete account acme\n\
        show diagnostics for acme\n";
    let output = run_console(&database, script);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert!(
        output.status.success(),
        "exit status {:?}, stderr:\n{stderr}",
        output.status
    );
    assert!(
        stderr.contains("runs in the console"),
        "banner missing from stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("SLACK_BOT_TOKEN"),
        "banner does not say how to connect:\n{stderr}"
    );

    let expected_date = date_in_days(14);
    let acme_trial = format!("acme's trial now ends on {expected_date}");
    let acme_shown = format!("acme: plan trial, status active, trial ends {expected_date}.");
    assert_in_order(
        &stdout,
        &[
            "Commands you can run here:",
            "`set <subdomain> trial remaining to <number> days`: Sets how many days are left in an account's trial.",
            "`show account <subdomain>`",
            "`disable account <subdomain> because <reason...>`",
            "You are now in #backoffice-developers.",
            "Commands you can run here:",
            "`show diagnostics for <subdomain>`",
            "`cycle workers in pool <pool>`",
            "`delete account <subdomain>`",
            "You are now in #backoffice.",
            &acme_trial,
            &acme_shown,
            "`many` is not a whole number",
            "Usage: `set <subdomain> trial remaining to <number> days`",
            "I don't know that command. Did you mean:\n• `show account <subdomain>`",
            "I don't know that command.",
            "I don't know that command.",
        ],
    );

    let help_in_backoffice = stdout.split("You are now in").next().unwrap_or_default();
    assert!(
        !help_in_backoffice.contains("delete account"),
        "developers' command listed in #backoffice:\n{stdout}"
    );
    let developers_help = stdout
        .split("You are now in #backoffice-developers.")
        .nth(1)
        .unwrap_or_default();
    let developers_help = developers_help
        .split("You are now in #backoffice.")
        .next()
        .unwrap_or_default();
    assert!(
        !developers_help.contains("set <subdomain>"),
        "support command listed in #backoffice-developers:\n{stdout}"
    );
    assert!(
        !stdout.contains("acme is deleted"),
        "a developers-only command ran in #backoffice:\n{stdout}"
    );
}

#[test]
fn database_persists_between_runs() {
    let folder = support::TempDir::new("persist");
    let database = folder.database();
    let first = run_console(&database, "set globex trial remaining to 3 days\n");
    assert!(first.status.success());

    let second = run_console(&database, "show account globex\n");
    let stdout = String::from_utf8_lossy(&second.stdout);
    let expected = format!("trial ends {}", date_in_days(3));
    assert!(
        stdout.contains(&expected),
        "expected {expected:?} in:\n{stdout}"
    );
}

#[test]
fn approval_conversation() {
    let folder = support::TempDir::new("approvals");
    let database = folder.database();
    let script = "/channel backoffice-developers\n\
        delete account initech\n\
        /react white_check_mark\n\
        /user bob\n\
        /react white_check_mark\n\
        /user cat\n\
        /react white_check_mark\n\
        show diagnostics for initech\n\
        /channel backoffice\n\
        /user you\n\
        disable account globex because unpaid invoices\n\
        /user bob\n\
        /react x\n\
        show account globex\n";
    let output = run_console(&database, script);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    assert_in_order(
        &stdout,
        &[
            "I would delete initech for good: plan trial, status active, 3 users",
            "This needs approval from you and 2 other people who may run this command.",
            "You are now bob.",
            "You are now cat.",
            "Approved by bob, cat. initech is deleted.",
            "there is no account `initech`",
            "I would disable globex (plan business, status active, 240 users), recording the reason: unpaid invoices",
            "This needs approval from you and 1 other person",
            "Rejected by bob, so nothing was changed.",
            "globex: plan business, status active, no trial.",
        ],
    );
    let deletions = stdout.matches("initech is deleted").count();
    assert_eq!(deletions, 1, "{stdout}");
}
