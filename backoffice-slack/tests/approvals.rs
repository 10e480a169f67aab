//! The approval flow end to end: the real adapter and its Slack client
//! against the fake Slack, with events signed and sent over HTTP. The
//! request's state lives in the reactions on the command message, which the
//! fake stores, so a restarted adapter or a second replica reads the same
//! state.

mod common;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use backoffice_core::{Bot, Command, CommandInfo, Context, DispatchError, Invocation, Reply, Rule};
use backoffice_slack::testing::{FakeSlack, Post, BOT_USER_ID};
use backoffice_slack::SlackHandle;
use common::{command_text, envelope, fake_slack, http_config, send_signed, CHANNEL, USER, WAIT};
use serde_json::{json, Value};

/// A second person with access, named bob.
const APPROVER: &str = "U2";
/// A third person with access, named carol, who approves after a decision.
const LATE_APPROVER: &str = "U3";
/// A multi-channel guest, named gus.
const GUEST: &str = "U4";
/// A person from another workspace, named eve.
const EXTERNAL: &str = "U5";

const APPROVE: &str = "white_check_mark";
const REJECT: &str = "x";

const DRY_RUN: &str = "I would deploy the main branch to production.";

/// Counts the runs of `deploy`, shared by every bot instance of a test.
#[derive(Default)]
struct Runs(AtomicUsize);

impl Runs {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Builds `deploy`: access role `ops`, the caller plus one other person must
/// approve, and a request expires after an hour.
fn deploy() -> Command<Arc<Runs>> {
    let info = CommandInfo::new("deploy", "deploy", "Deploys")
        .access("ops")
        .approvals(1)
        .expires(Duration::from_secs(3600));
    Command::new(info, |_| {
        let run = |ctx: Context<Arc<Runs>>| -> backoffice_core::command::BoxFuture<_> {
            ctx.state().0.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(Reply::new("deployed")) })
        };
        let dry_run = |_ctx: Context<Arc<Runs>>| -> backoffice_core::command::BoxFuture<_> {
            Box::pin(async { Ok(Reply::new(DRY_RUN)) })
        };
        Ok(Invocation::new(run).with_dry_run(dry_run))
    })
}

fn bot(runs: Arc<Runs>) -> Bot<Arc<Runs>> {
    Bot::builder(runs)
        .command(deploy())
        .role("ops", Rule::channels([CHANNEL]))
        .build()
        .expect("the test bot is valid")
}

/// Starts the fake with `#ops` (`C1`), the caller alice and the other
/// people of these tests.
async fn start_fake() -> FakeSlack {
    let fake = fake_slack().await;
    fake.add_user(APPROVER, "bob", json!({}));
    fake.add_user(LATE_APPROVER, "carol", json!({}));
    fake.add_user(GUEST, "gus", json!({ "is_restricted": true }));
    fake.add_user(EXTERNAL, "eve", json!({ "team_id": "T2" }));
    fake
}

/// Starts an adapter with a new bot instance that counts into `runs`. It
/// has one worker, so it handles events in the order they were sent.
async fn start_adapter(fake: &FakeSlack, runs: &Arc<Runs>) -> SlackHandle {
    backoffice_slack::start(bot(Arc::clone(runs)), http_config(fake))
        .await
        .expect("the adapter starts against the fake")
}

/// Sends `event` signed to the adapter and checks that it was accepted.
async fn send(handle: &SlackHandle, event: Value) {
    let (status, body) = send_signed(handle.local_addr(), &envelope(event), &[]).await;
    assert!(
        status.is_success(),
        "the event was not accepted: {status} {body}"
    );
}

/// Sends `event` and waits for the bot's next post.
async fn exchange(fake: &FakeSlack, handle: &SlackHandle, event: Value) -> Post {
    let before = fake.posts().len();
    send(handle, event).await;
    fake.wait_for_posts(before + 1, WAIT).await[before].clone()
}

/// Builds alice's `message` event of `deploy` in `#ops`.
fn command_message(ts: &str) -> Value {
    json!({
        "type": "message",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": USER,
        "text": command_text("deploy"),
        "ts": ts,
        "event_ts": ts,
    })
}

/// Builds the `reaction_added` event of `user`'s `emoji` on alice's message `ts`.
fn reaction(user: &str, ts: &str, emoji: &str) -> Value {
    // `envelope` derives the event ID from `ts`, so `ts` names the user and
    // the emoji to keep event IDs unique.
    let event_ts = format!("{ts}{user}{emoji}");
    json!({
        "type": "reaction_added",
        "user": user,
        "reaction": emoji,
        "item": { "type": "message", "channel": CHANNEL, "ts": ts },
        "item_user": USER,
        "event_ts": event_ts,
        "ts": event_ts,
    })
}

/// Posts alice's `deploy` at `ts`, so that `reactions.get` returns it, sends
/// its event and returns the request the bot posted.
async fn request(fake: &FakeSlack, handle: &SlackHandle, ts: &str) -> Post {
    fake.add_message(CHANNEL, ts, USER, &command_text("deploy"));
    let request = exchange(fake, handle, command_message(ts)).await;

    assert!(
        request.text.starts_with(DRY_RUN),
        "request: {}",
        request.text
    );
    assert!(
        request.text.contains("needs approval"),
        "request: {}",
        request.text
    );
    assert_eq!(request.thread_ts.as_deref(), Some(ts), "request thread");
    request
}

/// Records `user`'s `emoji` reaction on message `ts` in the fake, then sends
/// its `reaction_added` event.
async fn react(fake: &FakeSlack, handle: &SlackHandle, user: &str, ts: &str, emoji: &str) {
    fake.react(CHANNEL, ts, emoji, user);
    send(handle, reaction(user, ts, emoji)).await;
}

/// Records `user`'s reaction and waits for the bot's next post.
async fn react_and_wait(
    fake: &FakeSlack,
    handle: &SlackHandle,
    user: &str,
    ts: &str,
    emoji: &str,
) -> Post {
    fake.react(CHANNEL, ts, emoji, user);
    exchange(fake, handle, reaction(user, ts, emoji)).await
}

/// Sends an unknown command and waits for its reply. The adapter's one
/// worker handles events in order, so once the reply is posted, every event
/// sent before it has been handled.
async fn barrier(fake: &FakeSlack, handle: &SlackHandle) {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let ts = format!("1700000100.{:06}", NEXT.fetch_add(1, Ordering::SeqCst));
    let mut event = command_message(&ts);
    event["text"] = json!(command_text("frobnicate"));

    let before = fake.posts().len();
    let reply = exchange(fake, handle, event).await;
    let unknown = DispatchError::UnknownCommand {
        suggestions: Vec::new(),
    }
    .reply("");
    assert_eq!(
        reply.text, unknown,
        "the post after the earlier events is the barrier's reply"
    );
    assert_eq!(fake.posts().len(), before + 1, "posts: {:?}", fake.posts());
}

/// Returns a `ts` for a command message posted now.
fn recent_ts() -> String {
    format!("{}.000001", common::now())
}

/// Shuts the adapter down and checks that it finished every queued event.
async fn shut_down(handle: SlackHandle) {
    let unfinished = handle.shutdown().await;
    assert_eq!(unfinished.queued, 0, "events still queued");
    assert_eq!(unfinished.running, 0, "commands still running");
}

#[tokio::test]
async fn quorum_runs_once() {
    let fake = start_fake().await;
    let runs = Arc::new(Runs::default());
    let handle = start_adapter(&fake, &runs).await;
    let ts = &recent_ts();
    request(&fake, &handle, ts).await;

    react(&fake, &handle, USER, ts, APPROVE).await;
    barrier(&fake, &handle).await;
    assert_eq!(runs.count(), 0, "runs after the caller's approval");

    let ran = react_and_wait(&fake, &handle, APPROVER, ts, APPROVE).await;
    assert_eq!(ran.text, "Approved by bob. deployed");
    assert_eq!(ran.channel, CHANNEL);
    assert_eq!(ran.thread_ts.as_deref(), Some(ts.as_str()), "reply thread");
    assert_eq!(runs.count(), 1, "runs after the quorum");

    react(&fake, &handle, LATE_APPROVER, ts, APPROVE).await;
    barrier(&fake, &handle).await;
    assert_eq!(runs.count(), 1, "runs after a late approval");
    shut_down(handle).await;
}

#[tokio::test]
async fn rejection_cancels_request() {
    let fake = start_fake().await;
    let runs = Arc::new(Runs::default());
    let handle = start_adapter(&fake, &runs).await;
    let ts = &recent_ts();
    request(&fake, &handle, ts).await;
    react(&fake, &handle, USER, ts, APPROVE).await;

    let rejected = react_and_wait(&fake, &handle, APPROVER, ts, REJECT).await;
    assert_eq!(rejected.text, "Rejected by bob, so nothing was changed.");
    assert_eq!(
        rejected.thread_ts.as_deref(),
        Some(ts.as_str()),
        "reply thread"
    );
    assert_eq!(runs.count(), 0, "runs after the rejection");

    react(&fake, &handle, LATE_APPROVER, ts, APPROVE).await;
    react(&fake, &handle, APPROVER, ts, APPROVE).await;
    barrier(&fake, &handle).await;
    assert_eq!(runs.count(), 0, "runs after later approvals");
    shut_down(handle).await;
}

#[tokio::test]
async fn expired_request_does_not_run() {
    let fake = start_fake().await;
    let runs = Arc::new(Runs::default());
    let handle = start_adapter(&fake, &runs).await;
    // The command message was posted two hours ago, and requests expire after one.
    let ts = &format!("{}.000001", common::now() - 2 * 3600);
    request(&fake, &handle, ts).await;

    react(&fake, &handle, USER, ts, APPROVE).await;
    let expired = react_and_wait(&fake, &handle, APPROVER, ts, APPROVE).await;
    assert!(
        expired.text.starts_with("This request expired at"),
        "reply: {}",
        expired.text
    );
    assert_eq!(
        expired.thread_ts.as_deref(),
        Some(ts.as_str()),
        "reply thread"
    );

    barrier(&fake, &handle).await;
    assert_eq!(runs.count(), 0);
    shut_down(handle).await;
}

#[tokio::test]
async fn edit_voids_request() {
    let fake = start_fake().await;
    let runs = Arc::new(Runs::default());
    let handle = start_adapter(&fake, &runs).await;
    let ts = &recent_ts();
    request(&fake, &handle, ts).await;

    // The new text still routes to `deploy`, so only the edit voids the request.
    fake.edit_message(CHANNEL, ts, &command_text("deploy"));
    let void = react_and_wait(&fake, &handle, USER, ts, APPROVE).await;
    assert_eq!(
        void.text,
        DispatchError::Void.reply(""),
        "reply to the caller's approval"
    );

    react(&fake, &handle, APPROVER, ts, APPROVE).await;
    barrier(&fake, &handle).await;
    assert_eq!(runs.count(), 0);
    shut_down(handle).await;
}

#[tokio::test]
async fn restart_keeps_pending_request() {
    let fake = start_fake().await;
    let runs = Arc::new(Runs::default());
    let first = start_adapter(&fake, &runs).await;
    let ts = &recent_ts();
    request(&fake, &first, ts).await;
    react(&fake, &first, USER, ts, APPROVE).await;
    // Shutting down finishes the queued events, the caller's approval included.
    shut_down(first).await;
    assert_eq!(runs.count(), 0, "runs before the restart");

    let second = start_adapter(&fake, &runs).await;
    let ran = react_and_wait(&fake, &second, APPROVER, ts, APPROVE).await;
    assert_eq!(ran.text, "Approved by bob. deployed");
    assert_eq!(runs.count(), 1, "runs after the restart");
    shut_down(second).await;
}

#[tokio::test]
async fn replicas_run_approved_once() {
    let fake = start_fake().await;
    let runs = Arc::new(Runs::default());
    let first = start_adapter(&fake, &runs).await;
    let second = start_adapter(&fake, &runs).await;
    let ts = &recent_ts();
    request(&fake, &first, ts).await;
    react(&fake, &first, USER, ts, APPROVE).await;
    barrier(&fake, &first).await;

    fake.react(CHANNEL, ts, APPROVE, APPROVER);
    let last = reaction(APPROVER, ts, APPROVE);
    tokio::join!(send(&first, last.clone()), send(&second, last));
    // Shutting down finishes the queued events of both replicas.
    shut_down(first).await;
    shut_down(second).await;

    assert_eq!(runs.count(), 1, "runs across both replicas");
    let results: Vec<String> = fake
        .posts()
        .into_iter()
        .map(|post| post.text)
        .filter(|text| text.starts_with("Approved"))
        .collect();
    assert_eq!(results, ["Approved by bob. deployed"]);
}

#[tokio::test]
async fn ineligible_approvals_do_not_count() {
    let fake = start_fake().await;
    let runs = Arc::new(Runs::default());
    let handle = start_adapter(&fake, &runs).await;
    let ts = &recent_ts();
    request(&fake, &handle, ts).await;

    react(&fake, &handle, USER, ts, APPROVE).await;
    for voter in [BOT_USER_ID, GUEST, EXTERNAL] {
        react(&fake, &handle, voter, ts, APPROVE).await;
    }
    barrier(&fake, &handle).await;
    assert_eq!(
        runs.count(),
        0,
        "runs with the approvals of the caller, the bot, a guest and an external user"
    );

    // Had the guest or the external user counted, the reply would name them.
    let ran = react_and_wait(&fake, &handle, APPROVER, ts, APPROVE).await;
    assert_eq!(ran.text, "Approved by bob. deployed");
    assert_eq!(runs.count(), 1, "runs after an eligible approval");
    shut_down(handle).await;
}

#[tokio::test]
async fn thread_request_runs_in_thread() {
    let fake = start_fake().await;
    let runs = Arc::new(Runs::default());
    let handle = start_adapter(&fake, &runs).await;
    let parent = &format!("{}.000001", common::now() - 60);
    let ts = &recent_ts();
    fake.add_thread_message(CHANNEL, parent, ts, USER, &command_text("deploy"));
    let mut event = command_message(ts);
    event["thread_ts"] = json!(parent);

    let request = exchange(&fake, &handle, event).await;
    assert!(
        request.text.contains("needs approval"),
        "request: {}",
        request.text
    );
    assert_eq!(
        request.thread_ts.as_deref(),
        Some(parent.as_str()),
        "request thread"
    );

    react(&fake, &handle, USER, ts, APPROVE).await;
    let ran = react_and_wait(&fake, &handle, APPROVER, ts, APPROVE).await;
    assert_eq!(ran.text, "Approved by bob. deployed");
    assert_eq!(
        ran.thread_ts.as_deref(),
        Some(parent.as_str()),
        "result thread"
    );
    assert_eq!(runs.count(), 1, "runs after the quorum");
    shut_down(handle).await;
}
