//! The approval path end to end through the test kit: dry run, quorum,
//! rejection, expiry, edits, restarts and replicas.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use backoffice_core::testing::{TestKit, TEST_BOT_USER, TEST_TEAM};
use backoffice_core::{
    Bot, ChannelKind, Command, CommandInfo, Context, DispatchError, Invocation, Message, Outcome,
    Platform, Reply, Rule, UserInfo,
};

#[derive(Default)]
struct Runs {
    deleted: AtomicUsize,
}

const APPROVE: &str = "white_check_mark";
const REJECT: &str = "x";

fn delete_account() -> Command<Runs> {
    let info = CommandInfo::new(
        "delete_account",
        "delete account <name>",
        "Deletes an account",
    )
    .access("developers")
    .approvals(1)
    .expires(Duration::from_secs(3600));
    Command::new(info, |args| {
        let name = args.get("name").unwrap_or_default().to_owned();
        let shown = name.clone();
        let run = move |ctx: Context<Runs>| -> backoffice_core::command::BoxFuture<_> {
            Box::pin(async move {
                ctx.state().deleted.fetch_add(1, Ordering::SeqCst);
                Ok(Reply::new(format!("{name} is deleted.")))
            })
        };
        let dry_run = move |_ctx: Context<Runs>| -> backoffice_core::command::BoxFuture<_> {
            Box::pin(async move {
                Ok(Reply::new(format!(
                    "I would delete {shown} and its 12 users."
                )))
            })
        };
        Ok(Invocation::new(run).with_dry_run(dry_run))
    })
}

fn bot() -> Bot<Runs> {
    Bot::builder(Runs::default())
        .command(delete_account())
        .role("developers", Rule::channels(["C0DEV"]))
        .build()
        .expect("no conflicts")
}

fn kit() -> TestKit<Runs> {
    let mut guest = UserInfo::member("UGUEST", "gus", TEST_TEAM);
    guest.is_guest = true;
    let mut other_bot = UserInfo::member("UOTHERBOT", "helper", TEST_TEAM);
    other_bot.is_bot = true;
    TestKit::new(bot())
        .channel("C0DEV", "developers", ChannelKind::Public)
        .user(UserInfo::member("UANN", "ann", TEST_TEAM))
        .user(UserInfo::member("UBOB", "bob", TEST_TEAM))
        .user(UserInfo::member("UEXT", "eve", "T_OTHER_ORG"))
        .user(guest)
        .user(other_bot)
}

fn deleted(kit: &TestKit<Runs>) -> usize {
    kit.bot().state().deleted.load(Ordering::SeqCst)
}

#[tokio::test]
async fn dry_run_posted_with_instructions() {
    let kit = kit();
    let request = kit.send("UANN", "C0DEV", "delete account acme").await;
    assert_eq!(request.outcome, Outcome::AwaitingApproval);
    let text = &request.replies[0];
    assert!(
        text.starts_with("I would delete acme and its 12 users."),
        "{text}"
    );
    assert!(
        text.contains("approval from ann and 1 other person"),
        "{text}"
    );
    assert!(text.contains(":white_check_mark: to approve"), "{text}");
    assert!(text.contains("expires in 1h"), "{text}");
    assert_eq!(deleted(&kit), 0);
}

#[tokio::test]
async fn quorum_runs_once() {
    let kit = kit();
    let request = kit.send("UANN", "C0DEV", "delete account acme").await;

    let caller = kit.react("UANN", "C0DEV", &request.ts, APPROVE).await;
    assert!(
        matches!(caller.outcome, Outcome::Pending { .. }),
        "{:?}",
        caller.outcome
    );
    assert_eq!(deleted(&kit), 0);

    let other = kit.react("UBOB", "C0DEV", &request.ts, APPROVE).await;
    assert_eq!(
        other.outcome,
        Outcome::Ran {
            command: "delete_account".into()
        }
    );
    assert_eq!(other.replies, ["Approved by bob. acme is deleted."]);

    let late = kit.react("UCAT", "C0DEV", &request.ts, APPROVE).await;
    assert_eq!(late.outcome, Outcome::AlreadyHandled);
    assert_eq!(deleted(&kit), 1);
}

#[tokio::test]
async fn others_without_caller_pending() {
    let kit = kit();
    let request = kit.send("UANN", "C0DEV", "delete account acme").await;
    kit.react("UBOB", "C0DEV", &request.ts, APPROVE).await;
    let third = kit.react("UCAT", "C0DEV", &request.ts, APPROVE).await;
    assert!(
        matches!(third.outcome, Outcome::Pending { .. }),
        "{:?}",
        third.outcome
    );
    assert_eq!(deleted(&kit), 0);
}

#[tokio::test]
async fn rejection_cancels_for_good() {
    let kit = kit();
    let request = kit.send("UANN", "C0DEV", "delete account acme").await;
    kit.react("UANN", "C0DEV", &request.ts, APPROVE).await;
    let rejected = kit.react("UBOB", "C0DEV", &request.ts, REJECT).await;
    assert_eq!(
        rejected.outcome,
        Outcome::Failed(DispatchError::Rejected { by: "bob".into() })
    );
    assert_eq!(
        rejected.replies,
        ["Rejected by bob, so nothing was changed."]
    );

    let after = kit.react("UCAT", "C0DEV", &request.ts, APPROVE).await;
    assert_eq!(after.outcome, Outcome::AlreadyHandled);
    assert_eq!(deleted(&kit), 0);
}

#[tokio::test]
async fn expired_request_never_runs() {
    let kit = kit();
    let request = kit.send("UANN", "C0DEV", "delete account acme").await;
    kit.react("UANN", "C0DEV", &request.ts, APPROVE).await;
    kit.advance(Duration::from_secs(2 * 3600));
    let late = kit.react("UBOB", "C0DEV", &request.ts, APPROVE).await;
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
    assert_eq!(deleted(&kit), 0);
}

#[tokio::test]
async fn edit_voids_request() {
    let kit = kit();
    let request = kit.send("UANN", "C0DEV", "delete account acme").await;
    kit.react("UANN", "C0DEV", &request.ts, APPROVE).await;
    kit.platform()
        .edit_message("C0DEV", &request.ts, "<@UBOT> delete account globex");
    let approval = kit.react("UBOB", "C0DEV", &request.ts, APPROVE).await;
    assert_eq!(approval.outcome, Outcome::Failed(DispatchError::Void));
    assert!(
        approval.replies[0].contains("was edited"),
        "{:?}",
        approval.replies
    );
    assert_eq!(deleted(&kit), 0);
}

#[tokio::test]
async fn bot_guest_and_external_approvals_ignored() {
    let kit = kit();
    let request = kit.send("UANN", "C0DEV", "delete account acme").await;
    kit.react("UANN", "C0DEV", &request.ts, APPROVE).await;
    for user in [TEST_BOT_USER, "UOTHERBOT", "UGUEST", "UEXT"] {
        let reaction = kit.react(user, "C0DEV", &request.ts, APPROVE).await;
        assert_ne!(
            reaction.outcome,
            Outcome::Ran {
                command: "delete_account".into()
            },
            "{user}"
        );
    }
    assert_eq!(deleted(&kit), 0);
}

#[tokio::test]
async fn removed_approval_stops_counting() {
    let kit = kit();
    let request = kit.send("UANN", "C0DEV", "delete account acme").await;
    kit.react("UBOB", "C0DEV", &request.ts, APPROVE).await;
    let removed = kit.unreact("UBOB", "C0DEV", &request.ts, APPROVE).await;
    assert!(
        matches!(removed.outcome, Outcome::Pending { .. }),
        "{:?}",
        removed.outcome
    );
    let caller = kit.react("UANN", "C0DEV", &request.ts, APPROVE).await;
    assert!(
        matches!(caller.outcome, Outcome::Pending { .. }),
        "{:?}",
        caller.outcome
    );
    assert_eq!(deleted(&kit), 0);
}

#[tokio::test]
async fn redelivered_request_posts_dry_run_once() {
    let kit = kit();
    let message = Message::new(
        TEST_TEAM,
        "C0DEV",
        ChannelKind::Public,
        "UANN",
        "<@UBOT> delete account acme",
        "1800000000.000100",
    );
    let first = kit.deliver(message.clone()).await;
    let second = kit.deliver(message).await;
    assert_eq!(first.outcome, Outcome::AwaitingApproval);
    assert_eq!(second.outcome, Outcome::AlreadyHandled);
    assert!(second.replies.is_empty());
}

#[tokio::test]
async fn restarted_bot_finishes_request() {
    let before = kit();
    let request = before.send("UANN", "C0DEV", "delete account acme").await;
    before.react("UANN", "C0DEV", &request.ts, APPROVE).await;

    let after = TestKit::with_platform(bot(), Arc::clone(before.platform()));
    let approval = after.react("UBOB", "C0DEV", &request.ts, APPROVE).await;
    assert_eq!(
        approval.outcome,
        Outcome::Ran {
            command: "delete_account".into()
        }
    );
    assert_eq!(deleted(&after), 1);
}

#[tokio::test]
async fn two_replicas_run_once() {
    let first = kit();
    let second = TestKit::with_platform(bot(), Arc::clone(first.platform()));
    let request = first.send("UANN", "C0DEV", "delete account acme").await;
    first.react("UANN", "C0DEV", &request.ts, APPROVE).await;
    first
        .platform()
        .react("UBOB", "C0DEV", &request.ts, APPROVE);

    let event = backoffice_core::ReactionEvent::new("C0DEV", &request.ts, "UBOB", APPROVE, true);
    let (a, b) = tokio::join!(
        first.reaction_event(event.clone()),
        second.reaction_event(event)
    );
    let ran = [&a.outcome, &b.outcome]
        .iter()
        .filter(|o| matches!(o, Outcome::Ran { .. }))
        .count();
    assert_eq!(ran, 1, "{:?} {:?}", a.outcome, b.outcome);
    assert_eq!(deleted(&first) + deleted(&second), 1);
}

/// Delivers "delete account acme" from ann in #developers with the timestamp `ts`.
async fn request_with_ts(kit: &TestKit<Runs>, ts: &str) -> backoffice_core::testing::Exchange {
    let message = Message::new(
        TEST_TEAM,
        "C0DEV",
        ChannelKind::Public,
        "UANN",
        "<@UBOT> delete account acme",
        ts,
    );
    kit.deliver(message).await
}

#[tokio::test]
async fn unreadable_ts_refuses_request() {
    for ts in [
        "1e19",
        "99999999999999999999.000100",
        "18446744073709551615.0",
        "not-a-ts",
        "",
    ] {
        let kit = kit();
        let request = request_with_ts(&kit, ts).await;
        assert_eq!(
            request.outcome,
            Outcome::Failed(DispatchError::InvalidTimestamp { ts: ts.into() }),
            "{ts}"
        );
        kit.react("UANN", "C0DEV", ts, APPROVE).await;
        kit.react("UBOB", "C0DEV", ts, APPROVE).await;
        assert_eq!(deleted(&kit), 0, "{ts}");
    }
}

#[tokio::test]
async fn unparseable_ts_request_closes() {
    // The request marker is already there, as an older version of the bot
    // left it, so only the reaction path can stop this request.
    let kit = kit();
    let ts = "not-a-ts";
    let message = Message::new(
        TEST_TEAM,
        "C0DEV",
        ChannelKind::Public,
        "UANN",
        "<@UBOT> delete account acme",
        ts,
    );
    kit.platform().store_message(&message);
    kit.platform()
        .react(TEST_BOT_USER, "C0DEV", ts, "hourglass_flowing_sand");
    let caller = kit.react("UANN", "C0DEV", ts, APPROVE).await;
    assert_eq!(
        caller.outcome,
        Outcome::Failed(DispatchError::InvalidTimestamp { ts: ts.into() })
    );

    kit.advance(Duration::from_secs(30 * 24 * 3600));
    let late = kit.react("UBOB", "C0DEV", ts, APPROVE).await;
    assert_eq!(late.outcome, Outcome::AlreadyHandled);
    assert_eq!(deleted(&kit), 0);
}

#[tokio::test]
async fn future_ts_refuses_request() {
    let kit = kit();
    let now = kit.platform().now();
    let seconds = now
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the test clock is after 1970")
        .as_secs();
    let ts = format!("{}.000100", seconds + 30 * 24 * 3600);

    let request = request_with_ts(&kit, &ts).await;
    assert_eq!(
        request.outcome,
        Outcome::Failed(DispatchError::InvalidTimestamp { ts: ts.clone() })
    );

    kit.react("UANN", "C0DEV", &ts, APPROVE).await;
    kit.advance(Duration::from_secs(2 * 3600));
    kit.react("UBOB", "C0DEV", &ts, APPROVE).await;
    assert_eq!(deleted(&kit), 0);
}

#[tokio::test]
async fn slightly_future_ts_allowed() {
    // Slack's clock and the bot's may differ by a few seconds.
    let kit = kit();
    let now = kit.platform().now();
    let seconds = now
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the test clock is after 1970")
        .as_secs();
    let ts = format!("{}.000100", seconds + 30);

    let request = request_with_ts(&kit, &ts).await;
    assert_eq!(request.outcome, Outcome::AwaitingApproval);
}

#[tokio::test]
async fn rerouted_request_does_not_run() {
    let restart_database = Command::new(
        CommandInfo::new(
            "restart_database",
            "restart database",
            "Restarts the database",
        )
        .access("dba")
        .approvals(1),
        |_args| {
            let run = |ctx: Context<Runs>| -> backoffice_core::command::BoxFuture<_> {
                Box::pin(async move {
                    ctx.state().deleted.fetch_add(1, Ordering::SeqCst);
                    Ok(Reply::new("database restarted"))
                })
            };
            Ok(Invocation::new(run))
        },
    );
    let restart_service = Command::new(
        CommandInfo::new("restart_service", "restart <service>", "Restarts a service")
            .access("ops"),
        |_args| {
            let run = |ctx: Context<Runs>| -> backoffice_core::command::BoxFuture<_> {
                Box::pin(async move {
                    ctx.state().deleted.fetch_add(1, Ordering::SeqCst);
                    Ok(Reply::new("service restarted"))
                })
            };
            Ok(Invocation::new(run))
        },
    );
    let bot = Bot::builder(Runs::default())
        .command(restart_database)
        .command(restart_service)
        .role("dba", Rule::channels(["C0DEV"]).groups(["SDBA"]))
        .role("ops", Rule::channels(["C0DEV"]))
        .build()
        .expect("no conflicts");
    let kit = TestKit::new(bot)
        .channel("C0DEV", "developers", ChannelKind::Public)
        .group("SDBA", &["UANN"]);

    let request = kit.send("UANN", "C0DEV", "restart database").await;
    assert_eq!(request.outcome, Outcome::AwaitingApproval);
    kit.platform().add_group("SDBA", &[]);

    let approval = kit.react("UANN", "C0DEV", &request.ts, APPROVE).await;
    assert_eq!(approval.outcome, Outcome::Failed(DispatchError::Void));
    assert_eq!(deleted(&kit), 0);
}
