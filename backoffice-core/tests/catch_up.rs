//! Catch-up through the test kit: commands posted while the bot was down
//! run once, and messages the bot already marked are skipped.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use backoffice_core::testing::{TestKit, TEST_BOT_USER, TEST_TEAM};
use backoffice_core::{Bot, ChannelKind, Command, CommandInfo, Invocation, Message, Reply, Rule};

const WINDOW: Duration = Duration::from_secs(600);

#[derive(Default)]
struct Runs {
    count: AtomicUsize,
}

fn kit() -> TestKit<Runs> {
    let info = CommandInfo::new("ping", "ping", "Replies pong").access("ops");
    let ping = Command::new(info, |_args| {
        Ok(Invocation::new(|ctx: backoffice_core::Context<Runs>| {
            Box::pin(async move {
                ctx.state().count.fetch_add(1, Ordering::SeqCst);
                Ok(Reply::new("pong"))
            })
        }))
    });
    let bot = Bot::builder(Runs::default())
        .command(ping)
        .role("ops", Rule::channels(["ops", "C0ID"]))
        .build()
        .expect("no conflicts");
    TestKit::new(bot)
        .channel("C0OPS", "ops", ChannelKind::Public)
        .channel("C0ID", "by-id", ChannelKind::Public)
}

fn runs(kit: &TestKit<Runs>) -> usize {
    kit.bot().state().count.load(Ordering::SeqCst)
}

#[tokio::test]
async fn message_posted_while_down_runs_once() {
    let kit = kit();
    let ts = kit.post_unseen("U1", "C0OPS", "ping").await;

    let first = kit.catch_up(WINDOW).await;

    assert_eq!(runs(&kit), 1);
    assert_eq!(first.ran, 1);
    assert_eq!(first.channels_read, 2);
    let posts = kit.platform().posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].text, "pong");
    assert_eq!(posts[0].to.thread_ts.as_deref(), Some(ts.as_str()));

    let second = kit.catch_up(WINDOW).await;

    assert_eq!(runs(&kit), 1);
    assert_eq!(second.ran, 0);
    assert_eq!(second.already_marked, 1);
    assert_eq!(kit.platform().posts().len(), 1);
}

#[tokio::test]
async fn message_handled_live_is_skipped() {
    let kit = kit();
    kit.send("U1", "C0ID", "ping").await;

    let report = kit.catch_up(WINDOW).await;

    assert_eq!(runs(&kit), 1);
    assert_eq!(report.already_marked, 1);
    assert_eq!(report.ran, 0);
}

#[tokio::test]
async fn message_older_than_window_is_not_run() {
    let kit = kit();
    kit.post_unseen("U1", "C0OPS", "ping").await;
    kit.advance(WINDOW + Duration::from_secs(1));

    let report = kit.catch_up(WINDOW).await;

    assert_eq!(runs(&kit), 0);
    assert_eq!(report.messages, 0);
}

#[tokio::test]
async fn message_marked_by_other_replica_is_skipped() {
    let kit = kit();
    let ts = kit.post_unseen("U1", "C0OPS", "ping").await;
    kit.platform().react(TEST_BOT_USER, "C0OPS", &ts, "eyes");

    let report = kit.catch_up(WINDOW).await;

    assert_eq!(runs(&kit), 0);
    assert_eq!(report.already_marked, 1);
}

#[tokio::test]
async fn unreadable_history_is_reported() {
    let kit = kit();
    kit.post_unseen("U1", "C0OPS", "ping").await;
    kit.platform().fail("history", "ratelimited");

    let report = kit.catch_up(WINDOW).await;

    assert_eq!(report.failed_channels, ["C0ID", "C0OPS"]);
    assert_eq!(report.channels_read, 0);
    assert_eq!(runs(&kit), 0);
}

#[tokio::test]
async fn message_without_mention_is_ignored() {
    let kit = kit();
    let ts = kit.platform().next_ts();
    let message = Message::new(TEST_TEAM, "C0OPS", ChannelKind::Public, "U1", "lunch?", ts);
    kit.platform().store_message(&message);

    let report = kit.catch_up(WINDOW).await;

    assert_eq!(report.messages, 1);
    assert_eq!(report.ignored, 1);
    assert!(kit.platform().posts().is_empty());
}

#[tokio::test]
async fn reply_to_old_parent_runs_in_thread() {
    let kit = kit();
    let parent_ts = kit.platform().next_ts();
    let parent = Message::new(
        TEST_TEAM,
        "C0OPS",
        ChannelKind::Public,
        "U1",
        "deploy?",
        &parent_ts,
    );
    kit.platform().store_message(&parent);
    kit.advance(WINDOW + Duration::from_secs(1));
    let reply_ts = kit.platform().next_ts();
    let text = format!("<@{TEST_BOT_USER}> ping");
    let mut reply = Message::new(
        TEST_TEAM,
        "C0OPS",
        ChannelKind::Public,
        "U1",
        text,
        &reply_ts,
    );
    reply.thread_ts = Some(parent_ts.clone());
    kit.platform().store_message(&reply);

    let report = kit.catch_up(WINDOW).await;

    assert_eq!(runs(&kit), 1);
    assert_eq!(report.messages, 1, "the parent is older than the window");
    assert_eq!(report.ran, 1);
    let posts = kit.platform().posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].to.thread_ts.as_deref(), Some(parent_ts.as_str()));
    assert!(kit
        .platform()
        .reactors("C0OPS", &reply_ts, "eyes")
        .contains(&TEST_BOT_USER.to_owned()));
}
