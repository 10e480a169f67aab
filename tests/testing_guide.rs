//! The complete example of `docs/testing.md`, run as a test. The test
//! `guide_shows_this_file` keeps the guide's copy identical to this file.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use backoffice::prelude::*;
use backoffice::testing::{TestKit, TEST_TEAM};
use backoffice::{BotBuilder, ChannelKind, DispatchError, Outcome, UserInfo};

/// The application's state: account names and whether they are active.
#[derive(Default)]
struct Accounts {
    active: Mutex<HashMap<String, bool>>,
}

/// Shows whether an account is active.
#[command("show account <name>", access = "support")]
async fn show_account(ctx: Context<Accounts>, name: String) -> Result<String, Error> {
    let accounts = ctx.state().active.lock().unwrap();
    match accounts.get(&name) {
        Some(true) => Ok(format!("{name} is active.")),
        Some(false) => Ok(format!("{name} is disabled.")),
        None => Err(format!("there is no account `{name}`").into()),
    }
}

/// Disables an account. Needs the caller plus one other person.
#[command(
    "disable account <name>",
    access = "support",
    approvals = 1,
    expires = "30m",
    dry_run = plan_disable
)]
async fn disable_account(ctx: Context<Accounts>, name: String) -> Result<String, Error> {
    ctx.state()
        .active
        .lock()
        .unwrap()
        .insert(name.clone(), false);
    Ok(format!("{name} is disabled."))
}

/// Describes what `disable account` would change.
async fn plan_disable(_ctx: Context<Accounts>, name: String) -> Result<String, Error> {
    Ok(format!("I would disable {name}."))
}

/// Configures the bot, for `main` and the tests alike.
fn bot() -> BotBuilder<Accounts> {
    let accounts = Accounts::default();
    accounts.active.lock().unwrap().insert("acme".into(), true);
    Bot::builder(accounts)
        .command(show_account())
        .command(disable_account())
        .role("support", Rule::channels(["support"]))
}

const SUPPORT: &str = "C0SUPPORT";

fn kit() -> TestKit<Accounts> {
    let bot = bot().build().expect("the commands do not conflict");
    TestKit::new(bot)
        .channel(SUPPORT, "support", ChannelKind::Public)
        .channel("C0RANDOM", "random", ChannelKind::Public)
        .user(UserInfo::member("UANN", "ann", TEST_TEAM))
        .user(UserInfo::member("UBOB", "bob", TEST_TEAM))
}

#[test]
fn configuration_is_clean() {
    let report = bot().check();
    assert!(report.is_ok(), "{report}");
}

#[tokio::test]
async fn show_account_replies() {
    let kit = kit();
    let exchange = kit.send("UANN", SUPPORT, "show account acme").await;
    assert_eq!(
        exchange.outcome,
        Outcome::Ran {
            command: "show_account".into()
        }
    );
    assert_eq!(exchange.replies, ["acme is active."]);
}

#[tokio::test]
async fn unknown_account_fails() {
    let kit = kit();
    let exchange = kit.send("UANN", SUPPORT, "show account umbrella").await;
    assert_eq!(
        exchange.replies,
        ["`show account <name>` failed: there is no account `umbrella`"]
    );
}

#[tokio::test]
async fn hidden_outside_support() {
    let kit = kit();
    let exchange = kit.send("UANN", "C0RANDOM", "show account acme").await;
    assert!(matches!(
        exchange.outcome,
        Outcome::Failed(DispatchError::UnknownCommand { .. })
    ));
}

#[tokio::test]
async fn disable_needs_two_people() {
    let kit = kit();
    let request = kit.send("UANN", SUPPORT, "disable account acme").await;
    assert_eq!(request.outcome, Outcome::AwaitingApproval);
    assert!(request.replies[0].starts_with("I would disable acme."));

    let caller = kit
        .react("UANN", SUPPORT, &request.ts, "white_check_mark")
        .await;
    assert!(
        matches!(caller.outcome, Outcome::Pending { .. }),
        "{:?}",
        caller.outcome
    );

    let other = kit
        .react("UBOB", SUPPORT, &request.ts, "white_check_mark")
        .await;
    assert_eq!(other.replies, ["Approved by bob. acme is disabled."]);
    assert!(!kit.bot().state().active.lock().unwrap()["acme"]);
}

#[tokio::test]
async fn disable_request_expires() {
    let kit = kit();
    let request = kit.send("UANN", SUPPORT, "disable account acme").await;
    kit.react("UANN", SUPPORT, &request.ts, "white_check_mark")
        .await;

    kit.advance(Duration::from_secs(31 * 60));
    let late = kit
        .react("UBOB", SUPPORT, &request.ts, "white_check_mark")
        .await;
    assert!(matches!(
        late.outcome,
        Outcome::Failed(DispatchError::Expired { .. })
    ));
    assert!(kit.bot().state().active.lock().unwrap()["acme"]);
}

#[test]
fn guide_shows_this_file() {
    let guide = include_str!("../docs/testing.md");
    let this_file = include_str!("testing_guide.rs");
    let start = guide
        .find("```rust\n")
        .expect("the guide has a Rust example")
        + "```rust\n".len();
    let length = guide[start..]
        .find("```")
        .expect("the example block is closed");
    let example = &guide[start..start + length];
    let body_start = this_file
        .find("use std::collections")
        .expect("the example's first line");
    let body_end = this_file
        .find("\n#[test]\nfn guide_shows_this_file")
        .expect("this test");
    assert_eq!(
        example,
        &this_file[body_start..=body_end],
        "docs/testing.md's example differs from tests/testing_guide.rs; copy the file's example into the guide"
    );
}
