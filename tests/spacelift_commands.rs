//! The `spacelift_bot` example's real commands, run in-process with the test
//! kit against the example's SQLite database in a temporary file per test.
//!
//! The example's modules are compiled into this test with the same layout as
//! in the example (`crate::commands`, `crate::db`), so these tests exercise
//! exactly the code that `cargo run --example spacelift_bot` runs.

#[path = "../examples/spacelift_bot/commands.rs"]
mod commands;
#[path = "../examples/spacelift_bot/db.rs"]
mod db;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use backoffice::testing::{TestKit, TestPlatform, TEST_TEAM};
use backoffice::{Bot, BotBuilder, ChannelKind, DispatchError, Outcome, Platform, Rule, UserInfo};

use crate::db::{Database, DAY};

const BACKOFFICE: &str = "C0BACKOFFICE";
const DEVELOPERS: &str = "C0DEVELOPERS";
const APPROVE: &str = "white_check_mark";
const REJECT: &str = "x";

/// A SQLite file in the system's temporary folder, removed when dropped.
struct TempDatabase {
    path: PathBuf,
}

impl TempDatabase {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "backoffice-spacelift-commands-{}-{}.sqlite3",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_file(&path);
        Self { path }
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A test kit running the example's commands, and its database file.
struct Harness {
    kit: TestKit<Database>,
    /// The kit's clock when the database was seeded, in Unix seconds.
    start: i64,
    _file: TempDatabase,
}

/// Returns the example's bot configuration: the same commands and roles as
/// its `main.rs`, with the channels named as in its defaults.
fn builder(database: Database) -> BotBuilder<Database> {
    Bot::builder(database)
        .commands(commands::all())
        .role("backoffice", Rule::channels(["backoffice"]))
        .role("developers", Rule::channels(["backoffice-developers"]))
}

fn harness() -> Harness {
    let file = TempDatabase::new();
    let platform = Arc::new(TestPlatform::default());
    let start = platform
        .now()
        .duration_since(UNIX_EPOCH)
        .expect("the test clock is after 1970")
        .as_secs() as i64;
    let database = Database::open(&file.path, start).expect("the database opens");
    let bot = builder(database)
        .build()
        .expect("the example's commands do not conflict");

    let mut guest = UserInfo::member("UGUS", "gus", TEST_TEAM);
    guest.is_guest = true;
    let kit = TestKit::with_platform(bot, platform)
        .channel(BACKOFFICE, "backoffice", ChannelKind::Public)
        .channel(DEVELOPERS, "backoffice-developers", ChannelKind::Public)
        .user(UserInfo::member("UANN", "ann", TEST_TEAM))
        .user(UserInfo::member("UBOB", "bob", TEST_TEAM))
        .user(UserInfo::member("UCAT", "cat", TEST_TEAM))
        .user(guest);
    Harness {
        kit,
        start,
        _file: file,
    }
}

impl Harness {
    fn db(&self) -> &Database {
        self.kit.bot().state()
    }

    fn account(&self, subdomain: &str) -> Option<db::Account> {
        self.db().account(subdomain).expect("the query runs")
    }

    fn date_in_days(&self, days: i64) -> String {
        self.db()
            .iso_date(self.start + days * DAY)
            .expect("SQLite formats dates")
    }
}

fn ran(command: &str) -> Outcome {
    Outcome::Ran {
        command: command.into(),
    }
}

#[test]
fn configuration_check_is_clean() {
    let file = TempDatabase::new();
    let database = Database::open(&file.path, 0).expect("the database opens");
    let report = builder(database).check();
    assert!(report.is_ok(), "{report}");
}

#[tokio::test]
async fn set_trial_updates_database() {
    let harness = harness();
    let exchange = harness
        .kit
        .send("UANN", BACKOFFICE, "set acme trial remaining to 14 days")
        .await;
    assert_eq!(exchange.outcome, ran("set_trial"));
    let expected = harness.date_in_days(14);
    assert_eq!(expected, "2027-01-29");
    assert_eq!(
        exchange.replies,
        [format!(
            "acme's trial now ends on {expected}, 14 days from now."
        )]
    );
    assert_eq!(harness.account("acme").unwrap().trial_end, Some(expected));
}

#[tokio::test]
async fn set_trial_rejects_long_trial() {
    let harness = harness();
    let before = harness.account("acme").unwrap();
    let exchange = harness
        .kit
        .send("UANN", BACKOFFICE, "set acme trial remaining to 400 days")
        .await;
    assert!(
        matches!(
            exchange.outcome,
            Outcome::Failed(DispatchError::HandlerFailed { .. })
        ),
        "{:?}",
        exchange.outcome
    );
    assert_eq!(exchange.replies.len(), 1);
    assert!(
        exchange.replies[0].contains("400 days is more than the 365 days a trial may last"),
        "{:?}",
        exchange.replies
    );
    assert_eq!(harness.account("acme").unwrap(), before);
}

#[tokio::test]
async fn set_trial_unknown_account() {
    let harness = harness();
    let exchange = harness
        .kit
        .send("UANN", BACKOFFICE, "set umbrella trial remaining to 3 days")
        .await;
    assert!(
        exchange.replies[0].contains("there is no account `umbrella`"),
        "{:?}",
        exchange.replies
    );
    assert_eq!(harness.account("umbrella"), None);
}

#[tokio::test]
async fn set_trial_bad_number() {
    let harness = harness();
    let exchange = harness
        .kit
        .send("UANN", BACKOFFICE, "set acme trial remaining to many days")
        .await;
    assert!(
        matches!(
            exchange.outcome,
            Outcome::Failed(DispatchError::BadArgument { .. })
        ),
        "{:?}",
        exchange.outcome
    );
    assert_eq!(
        exchange.replies,
        ["`many` is not a whole number from 0 to 4294967295.\nUsage: `set <subdomain> trial remaining to <number> days`"]
    );
}

#[tokio::test]
async fn show_account_reply() {
    let harness = harness();
    let exchange = harness
        .kit
        .send("UANN", BACKOFFICE, "show account ACME")
        .await;
    assert_eq!(exchange.outcome, ran("show_account"));
    assert_eq!(
        exchange.replies,
        ["acme: plan trial, status active, trial ends 2027-01-22."]
    );

    let globex = harness
        .kit
        .send("UANN", BACKOFFICE, "show account globex")
        .await;
    assert_eq!(
        globex.replies,
        ["globex: plan business, status active, no trial."]
    );
}

#[tokio::test]
async fn help_lists_channel_commands() {
    let harness = harness();
    let support = harness.kit.send("UANN", BACKOFFICE, "help").await;
    let text = &support.replies[0];
    assert!(text.contains("`show account <subdomain>`"), "{text}");
    assert!(
        text.contains("`disable account <subdomain> because <reason...>`"),
        "{text}"
    );
    assert!(!text.contains("delete account"), "{text}");

    let developers = harness.kit.send("UANN", DEVELOPERS, "help").await;
    let text = &developers.replies[0];
    assert!(text.contains("`delete account <subdomain>`"), "{text}");
    assert!(text.contains("`cycle workers in pool <pool>`"), "{text}");
    assert!(!text.contains("set <subdomain>"), "{text}");
}

#[tokio::test]
async fn developers_command_hidden_in_backoffice() {
    let harness = harness();
    let exchange = harness
        .kit
        .send("UANN", BACKOFFICE, "delete account acme")
        .await;
    assert!(
        matches!(
            exchange.outcome,
            Outcome::Failed(DispatchError::UnknownCommand { .. })
        ),
        "{:?}",
        exchange.outcome
    );
    assert!(
        exchange.replies[0].starts_with("I don't know that command."),
        "{:?}",
        exchange.replies
    );
    assert!(harness.account("acme").is_some());
}

#[tokio::test]
async fn guest_cannot_run_commands() {
    let harness = harness();
    let exchange = harness
        .kit
        .send("UGUS", BACKOFFICE, "show account acme")
        .await;
    assert!(
        matches!(
            exchange.outcome,
            Outcome::Failed(DispatchError::UnknownCommand { .. })
        ),
        "{:?}",
        exchange.outcome
    );
}

#[tokio::test]
async fn show_diagnostics_for_developers() {
    let harness = harness();
    let exchange = harness
        .kit
        .send("UANN", DEVELOPERS, "show diagnostics for initech")
        .await;
    assert_eq!(exchange.outcome, ran("show_diagnostics"));
    assert_eq!(
        exchange.replies,
        ["initech: shard us-1, 3 users, created 2026-12-30, plan trial, status active."]
    );
}

#[tokio::test]
async fn disable_account_after_approval() {
    let harness = harness();
    let request = harness
        .kit
        .send(
            "UANN",
            BACKOFFICE,
            "disable account globex because unpaid invoices",
        )
        .await;
    assert_eq!(request.outcome, Outcome::AwaitingApproval);
    let dry_run = &request.replies[0];
    assert!(
        dry_run.starts_with(
            "I would disable globex (plan business, status active, 240 users), recording the reason: unpaid invoices"
        ),
        "{dry_run}"
    );
    assert!(
        dry_run.contains("approval from ann and 1 other person"),
        "{dry_run}"
    );
    assert_eq!(harness.account("globex").unwrap().status, "active");

    let caller = harness
        .kit
        .react("UANN", BACKOFFICE, &request.ts, APPROVE)
        .await;
    assert!(
        matches!(caller.outcome, Outcome::Pending { .. }),
        "{:?}",
        caller.outcome
    );
    assert_eq!(harness.account("globex").unwrap().status, "active");

    let other = harness
        .kit
        .react("UBOB", BACKOFFICE, &request.ts, APPROVE)
        .await;
    assert_eq!(other.outcome, ran("disable_account"));
    assert_eq!(
        other.replies,
        ["Approved by bob. globex is disabled. Reason recorded: unpaid invoices"]
    );
    let globex = harness.account("globex").unwrap();
    assert_eq!(globex.status, "disabled");
    assert_eq!(globex.disabled_reason.as_deref(), Some("unpaid invoices"));
}

#[tokio::test]
async fn disable_account_rejected() {
    let harness = harness();
    let request = harness
        .kit
        .send(
            "UANN",
            BACKOFFICE,
            "disable account globex because unpaid invoices",
        )
        .await;
    harness
        .kit
        .react("UANN", BACKOFFICE, &request.ts, APPROVE)
        .await;
    let rejected = harness
        .kit
        .react("UBOB", BACKOFFICE, &request.ts, REJECT)
        .await;
    assert_eq!(
        rejected.outcome,
        Outcome::Failed(DispatchError::Rejected { by: "bob".into() })
    );
    assert_eq!(
        rejected.replies,
        ["Rejected by bob, so nothing was changed."]
    );

    let late = harness
        .kit
        .react("UCAT", BACKOFFICE, &request.ts, APPROVE)
        .await;
    assert_eq!(late.outcome, Outcome::AlreadyHandled);
    let globex = harness.account("globex").unwrap();
    assert_eq!(globex.status, "active");
    assert_eq!(globex.disabled_reason, None);
}

#[tokio::test]
async fn delete_account_needs_two_others() {
    let harness = harness();
    let request = harness
        .kit
        .send("UANN", DEVELOPERS, "delete account initech")
        .await;
    assert_eq!(request.outcome, Outcome::AwaitingApproval);
    assert!(
        request.replies[0].contains("approval from ann and 2 other people"),
        "{:?}",
        request.replies
    );

    harness
        .kit
        .react("UANN", DEVELOPERS, &request.ts, APPROVE)
        .await;
    let first = harness
        .kit
        .react("UBOB", DEVELOPERS, &request.ts, APPROVE)
        .await;
    assert!(
        matches!(first.outcome, Outcome::Pending { .. }),
        "{:?}",
        first.outcome
    );
    assert!(harness.account("initech").is_some());

    let second = harness
        .kit
        .react("UCAT", DEVELOPERS, &request.ts, APPROVE)
        .await;
    assert_eq!(second.outcome, ran("delete_account"));
    assert_eq!(
        second.replies,
        ["Approved by bob, cat. initech is deleted."]
    );
    assert_eq!(harness.account("initech"), None);
}

#[tokio::test]
async fn delete_request_expires() {
    let harness = harness();
    let request = harness
        .kit
        .send("UANN", DEVELOPERS, "delete account initech")
        .await;
    harness
        .kit
        .react("UANN", DEVELOPERS, &request.ts, APPROVE)
        .await;
    harness
        .kit
        .react("UBOB", DEVELOPERS, &request.ts, APPROVE)
        .await;

    harness.kit.advance(Duration::from_secs(3601));
    let late = harness
        .kit
        .react("UCAT", DEVELOPERS, &request.ts, APPROVE)
        .await;
    assert!(
        matches!(late.outcome, Outcome::Failed(DispatchError::Expired { .. })),
        "{:?}",
        late.outcome
    );
    assert!(
        late.replies[0].starts_with("This request expired at"),
        "{:?}",
        late.replies
    );
    assert!(harness.account("initech").is_some());
}

#[tokio::test]
async fn guest_approval_does_not_count() {
    let harness = harness();
    let request = harness
        .kit
        .send("UANN", DEVELOPERS, "delete account initech")
        .await;
    harness
        .kit
        .react("UANN", DEVELOPERS, &request.ts, APPROVE)
        .await;
    harness
        .kit
        .react("UBOB", DEVELOPERS, &request.ts, APPROVE)
        .await;
    let guest = harness
        .kit
        .react("UGUS", DEVELOPERS, &request.ts, APPROVE)
        .await;
    assert!(
        matches!(guest.outcome, Outcome::Pending { .. }),
        "{:?}",
        guest.outcome
    );
    assert!(harness.account("initech").is_some());
}

#[tokio::test]
async fn cycle_workers_records_time() {
    let harness = harness();
    let request = harness
        .kit
        .send("UANN", DEVELOPERS, "cycle workers in pool default")
        .await;
    assert!(
        request.replies[0]
            .starts_with("I would restart the 4 workers of pool default (never cycled)."),
        "{:?}",
        request.replies
    );
    assert_eq!(harness.db().pool("default").unwrap().unwrap().cycled, None);

    harness.kit.advance(Duration::from_secs(60));
    harness
        .kit
        .react("UANN", DEVELOPERS, &request.ts, APPROVE)
        .await;
    let approved = harness
        .kit
        .react("UBOB", DEVELOPERS, &request.ts, APPROVE)
        .await;
    assert_eq!(approved.outcome, ran("cycle_workers"));
    assert_eq!(
        approved.replies,
        ["Approved by bob. Cycled 4 workers in pool default."]
    );
    let pool = harness.db().pool("default").unwrap().unwrap();
    assert_eq!(pool.cycled.as_deref(), Some("2027-01-15 08:01:00"));
}

#[tokio::test]
async fn cycle_unknown_pool() {
    let harness = harness();
    let request = harness
        .kit
        .send("UANN", DEVELOPERS, "cycle workers in pool nightly")
        .await;
    assert!(
        request.replies[0]
            .contains("there is no worker pool `nightly`; the pools are: default, reports"),
        "{:?}",
        request.replies
    );
    assert!(
        matches!(
            request.outcome,
            Outcome::Failed(DispatchError::HandlerFailed { .. })
        ),
        "{:?}",
        request.outcome
    );
}
