//! Access rules end to end: the real adapter against the fake Slack over
//! HTTP. Each case checks whether the command ran and what the person saw; a
//! denied command must get exactly the reply of an unknown one.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use backoffice_core::{Bot, Command, CommandInfo, DispatchError, Invocation, Reply, Rule};
use backoffice_slack::testing::{FakeSlack, Fault, Post};
use backoffice_slack::SlackHandle;
use common::{command_text, envelope, fake_slack, http_config, send_signed, CHANNEL, USER, WAIT};
use serde_json::{json, Value};

/// Another public channel, `#general`, that no rule names by ID.
const OTHER_CHANNEL: &str = "C2";
/// The direct message between the test user and the bot.
const DIRECT: &str = "D1";
/// A second person with access, used as an approver.
const APPROVER: &str = "U2";
/// A person without access.
const OUTSIDER: &str = "U3";

/// Counts the runs of the bot's one command, `deploy`.
#[derive(Default)]
struct Runs(AtomicUsize);

fn bot(rule: Rule, approvals: u32) -> Bot<Arc<Runs>> {
    let info = CommandInfo::new("deploy", "deploy", "Deploys")
        .access("ops")
        .approvals(approvals);
    let command = Command::new(info, |_| {
        Ok(Invocation::new(
            |ctx: backoffice_core::Context<Arc<Runs>>| {
                ctx.state().0.fetch_add(1, Ordering::SeqCst);
                Box::pin(async { Ok(Reply::new("deployed")) })
            },
        ))
    });
    Bot::builder(Arc::new(Runs::default()))
        .command(command)
        .role("ops", rule)
        .build()
        .expect("the test bot is valid")
}

/// A fake Slack and the adapter running `bot` against it.
struct Setup {
    fake: FakeSlack,
    handle: SlackHandle,
    runs: Arc<Runs>,
}

impl Setup {
    /// Starts the fake with `#ops` (`C1`), `#general` (`C2`), a direct
    /// message and the test user, lets `prepare` change it, then starts the
    /// adapter with one worker, so events are handled in the order sent.
    async fn start(rule: Rule, approvals: u32, prepare: impl FnOnce(&FakeSlack)) -> Self {
        let fake = fake_slack().await;
        fake.add_channel(OTHER_CHANNEL, "general", json!({}));
        fake.add_channel(DIRECT, "", json!({ "is_im": true, "is_channel": false }));
        fake.add_user(APPROVER, "bob", json!({}));
        fake.add_user(OUTSIDER, "carol", json!({}));
        prepare(&fake);

        let bot = bot(rule, approvals);
        let runs = Arc::clone(bot.state());
        let handle = backoffice_slack::start(bot, http_config(&fake))
            .await
            .expect("the adapter starts against the fake");
        Self { fake, handle, runs }
    }

    fn runs(&self) -> usize {
        self.runs.0.load(Ordering::SeqCst)
    }

    /// Sends `event` and waits for the bot's next post.
    async fn exchange(&self, event: Value) -> Post {
        let before = self.fake.posts().len();
        let (status, _) = send_signed(self.handle.local_addr(), &envelope(event), &[]).await;
        assert!(status.is_success(), "the event was not accepted: {status}");
        self.fake.wait_for_posts(before + 1, WAIT).await[before].clone()
    }
}

/// Where and how a case's message is posted.
#[derive(Clone, Copy)]
enum Place {
    /// In `#ops` (`C1`).
    Ops,
    /// In `#general` (`C2`).
    General,
    /// In the direct message with the bot.
    Direct,
    /// As a thread reply in `#ops`.
    OpsThread,
    /// As a thread reply in `#general`.
    GeneralThread,
}

const THREAD_TS: &str = "1700000000.000100";

/// Builds the `message` event of `command` posted by `user` at `place`.
fn event(place: Place, user: &str, command: &str, ts: &str) -> Value {
    let (channel, channel_type, thread) = match place {
        Place::Ops => (CHANNEL, "channel", None),
        Place::General => (OTHER_CHANNEL, "channel", None),
        Place::Direct => (DIRECT, "im", None),
        Place::OpsThread => (CHANNEL, "channel", Some(THREAD_TS)),
        Place::GeneralThread => (OTHER_CHANNEL, "channel", Some(THREAD_TS)),
    };
    let text = match place {
        Place::Direct => command.to_owned(),
        _ => command_text(command),
    };
    let mut event = json!({
        "type": "message",
        "channel": channel,
        "channel_type": channel_type,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
    });
    if let Some(thread) = thread {
        event["thread_ts"] = Value::String(thread.to_owned());
    }
    event
}

fn unknown_command_reply() -> String {
    DispatchError::UnknownCommand {
        suggestions: Vec::new(),
    }
    .reply("")
}

/// One row of the table: a rule, a change to the fake, where the command is
/// typed, and whether it runs.
struct Case {
    name: &'static str,
    rule: fn() -> Rule,
    prepare: fn(&FakeSlack),
    place: Place,
    runs: bool,
}

fn ops_by_id() -> Rule {
    Rule::channels([CHANNEL])
}

fn ops_by_name() -> Rule {
    Rule::channels(["#ops"])
}

fn unchanged(_: &FakeSlack) {}

fn user_flags(flags: Value) -> impl Fn(&FakeSlack) {
    move |fake| fake.add_user(USER, "alice", flags.clone())
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "channel by ID",
            rule: ops_by_id,
            prepare: unchanged,
            place: Place::Ops,
            runs: true,
        },
        Case {
            name: "channel by ID, other channel",
            rule: ops_by_id,
            prepare: unchanged,
            place: Place::General,
            runs: false,
        },
        Case {
            name: "channel by name",
            rule: ops_by_name,
            prepare: unchanged,
            place: Place::Ops,
            runs: true,
        },
        Case {
            name: "channel by name, other channel",
            rule: ops_by_name,
            prepare: unchanged,
            place: Place::General,
            runs: false,
        },
        Case {
            name: "direct message allowed",
            rule: || ops_by_id().allow_direct_messages(),
            prepare: unchanged,
            place: Place::Direct,
            runs: true,
        },
        Case {
            name: "direct message not allowed",
            rule: ops_by_id,
            prepare: unchanged,
            place: Place::Direct,
            runs: false,
        },
        Case {
            name: "listed user",
            rule: || ops_by_id().users([USER]),
            prepare: unchanged,
            place: Place::Ops,
            runs: true,
        },
        Case {
            name: "unlisted user",
            rule: || ops_by_id().users([APPROVER]),
            prepare: unchanged,
            place: Place::Ops,
            runs: false,
        },
        Case {
            name: "group member",
            rule: || ops_by_id().groups(["S1"]),
            prepare: |fake| fake.add_group("S1", &[USER]),
            place: Place::Ops,
            runs: true,
        },
        Case {
            name: "group non-member",
            rule: || ops_by_id().groups(["S1"]),
            prepare: |fake| fake.add_group("S1", &[APPROVER]),
            place: Place::Ops,
            runs: false,
        },
        Case {
            name: "multi-channel guest",
            rule: ops_by_id,
            prepare: |fake| user_flags(json!({ "is_restricted": true }))(fake),
            place: Place::Ops,
            runs: false,
        },
        Case {
            name: "single-channel guest",
            rule: ops_by_id,
            prepare: |fake| user_flags(json!({ "is_ultra_restricted": true }))(fake),
            place: Place::Ops,
            runs: false,
        },
        Case {
            name: "guest allowed",
            rule: || ops_by_id().allow_guests(),
            prepare: |fake| user_flags(json!({ "is_restricted": true }))(fake),
            place: Place::Ops,
            runs: true,
        },
        Case {
            name: "external user",
            rule: ops_by_id,
            prepare: |fake| user_flags(json!({ "team_id": "T2" }))(fake),
            place: Place::Ops,
            runs: false,
        },
        Case {
            name: "external user allowed",
            rule: || ops_by_id().allow_external_users(),
            prepare: |fake| user_flags(json!({ "team_id": "T2" }))(fake),
            place: Place::Ops,
            runs: true,
        },
        Case {
            name: "same enterprise, other workspace",
            rule: ops_by_id,
            prepare: |fake| {
                fake.set_enterprise("E1");
                user_flags(json!({
                    "team_id": "T2",
                    "enterprise_user": { "id": USER, "enterprise_id": "E1" },
                }))(fake);
            },
            place: Place::Ops,
            runs: true,
        },
        Case {
            name: "other enterprise",
            rule: ops_by_id,
            prepare: |fake| {
                fake.set_enterprise("E1");
                user_flags(json!({
                    "team_id": "T2",
                    "enterprise_user": { "id": USER, "enterprise_id": "E2" },
                }))(fake);
            },
            place: Place::Ops,
            runs: false,
        },
        Case {
            name: "deleted user",
            rule: ops_by_id,
            prepare: |fake| user_flags(json!({ "deleted": true }))(fake),
            place: Place::Ops,
            runs: false,
        },
        Case {
            name: "bot user",
            rule: ops_by_id,
            prepare: |fake| user_flags(json!({ "is_bot": true }))(fake),
            place: Place::Ops,
            runs: false,
        },
        Case {
            name: "thread reply in allowed channel",
            rule: ops_by_id,
            prepare: unchanged,
            place: Place::OpsThread,
            runs: true,
        },
        Case {
            name: "thread reply in other channel",
            rule: ops_by_id,
            prepare: unchanged,
            place: Place::GeneralThread,
            runs: false,
        },
    ]
}

#[tokio::test]
async fn access_table() {
    for case in cases() {
        let name = case.name;
        let setup = Setup::start((case.rule)(), 0, case.prepare).await;

        let ts = "1700000001.000001";
        let post = setup.exchange(event(case.place, USER, "deploy", ts)).await;
        let expected_channel = match case.place {
            Place::Ops | Place::OpsThread => CHANNEL,
            Place::General | Place::GeneralThread => OTHER_CHANNEL,
            Place::Direct => DIRECT,
        };
        let expected_thread = match case.place {
            Place::OpsThread | Place::GeneralThread => THREAD_TS,
            _ => ts,
        };
        assert_eq!(post.channel, expected_channel, "case {name}: reply channel");
        assert_eq!(
            post.thread_ts.as_deref(),
            Some(expected_thread),
            "case {name}: reply thread"
        );

        if case.runs {
            assert_eq!(setup.runs(), 1, "case {name}: runs");
            assert_eq!(post.text, "deployed", "case {name}: reply");
        } else {
            assert_eq!(setup.runs(), 0, "case {name}: runs");
            assert_eq!(post.text, unknown_command_reply(), "case {name}: reply");
            let unknown = setup
                .exchange(event(case.place, USER, "frobnicate", "1700000001.000002"))
                .await;
            assert_eq!(
                post.text, unknown.text,
                "case {name}: denied reply differs from unknown reply"
            );
        }
        setup.handle.shutdown().await;
    }
}

#[tokio::test]
async fn renamed_channel_follows_refresh() {
    let setup = Setup::start(ops_by_name(), 0, unchanged).await;
    setup.fake.rename_channel(CHANNEL, "ops-old");
    setup.fake.add_channel("C3", "ops", json!({}));

    let in_renamed = setup
        .exchange(event(Place::Ops, USER, "deploy", "1700000002.000001"))
        .await;
    assert_eq!(
        in_renamed.text, "deployed",
        "before refresh, renamed channel"
    );
    let mut in_new = event(Place::Ops, USER, "deploy", "1700000002.000002");
    in_new["channel"] = json!("C3");
    let in_new_reply = setup.exchange(in_new.clone()).await;
    assert_eq!(
        in_new_reply.text,
        unknown_command_reply(),
        "before refresh, new channel with the old name"
    );

    let listed = setup
        .handle
        .platform()
        .refresh_channel_names()
        .await
        .expect("the fake lists channels");
    assert_eq!(listed, 3, "channels listed: C1, C2 and C3");

    let in_renamed = setup
        .exchange(event(Place::Ops, USER, "deploy", "1700000002.000003"))
        .await;
    assert_eq!(
        in_renamed.text,
        unknown_command_reply(),
        "after refresh, renamed channel"
    );
    in_new["ts"] = json!("1700000002.000004");
    in_new["event_ts"] = json!("1700000002.000004");
    let in_new_reply = setup.exchange(in_new).await;
    assert_eq!(
        in_new_reply.text, "deployed",
        "after refresh, new channel with the old name"
    );
    assert_eq!(setup.runs(), 2);
}

#[tokio::test]
async fn approval_by_outsider_does_not_count() {
    let rule = ops_by_id().users([USER, APPROVER]);
    let setup = Setup::start(rule, 1, unchanged).await;
    // A request expires, so its message must be recent.
    let ts = &format!("{}.000001", common::now());
    setup
        .fake
        .add_message(CHANNEL, ts, USER, &command_text("deploy"));

    let request = setup.exchange(event(Place::Ops, USER, "deploy", ts)).await;
    assert!(
        request.text.contains("needs approval"),
        "request: {}",
        request.text
    );

    for approver in [USER, OUTSIDER] {
        setup.fake.react(CHANNEL, ts, "white_check_mark", approver);
        let (status, _) = send_signed(
            setup.handle.local_addr(),
            &envelope(reaction(approver, ts)),
            &[],
        )
        .await;
        assert!(status.is_success());
    }
    // One worker handles events in order, so once the last approval's reply
    // is posted, the earlier reactions have been decided.
    setup.fake.react(CHANNEL, ts, "white_check_mark", APPROVER);
    let ran = setup.exchange(reaction(APPROVER, ts)).await;

    assert_eq!(ran.text, "Approved by bob. deployed");
    assert_eq!(setup.runs(), 1);
    assert_eq!(setup.fake.posts().len(), 2, "posts: request and result");
}

fn reaction(user: &str, ts: &str) -> Value {
    json!({
        "type": "reaction_added",
        "user": user,
        "reaction": "white_check_mark",
        "item": { "type": "message", "channel": CHANNEL, "ts": ts },
        "item_user": USER,
        "event_ts": format!("{ts}{user}"),
        "ts": format!("{ts}{user}"),
    })
}

#[tokio::test]
async fn failed_lookup_denies_and_is_not_cached() {
    let setup = Setup::start(ops_by_id(), 0, |fake| {
        // The first attempt and its three retries fail.
        fake.inject("users.info", Fault::ServerError(500), 4);
    })
    .await;

    let failed = setup
        .exchange(event(Place::Ops, USER, "deploy", "1700000004.000001"))
        .await;
    assert!(
        failed.text.contains("could not check"),
        "reply: {}",
        failed.text
    );
    assert_eq!(setup.runs(), 0);

    let retried = setup
        .exchange(event(Place::Ops, USER, "deploy", "1700000004.000002"))
        .await;
    assert_eq!(retried.text, "deployed");
    assert_eq!(setup.runs(), 1);
}

#[tokio::test]
async fn lookups_are_cached() {
    let rule = ops_by_id().groups(["S1"]);
    let setup = Setup::start(rule, 0, |fake| fake.add_group("S1", &[USER])).await;

    for ts in ["1700000005.000001", "1700000005.000002"] {
        let post = setup.exchange(event(Place::Ops, USER, "deploy", ts)).await;
        assert_eq!(post.text, "deployed");
    }
    assert_eq!(setup.fake.calls_to("users.info").len(), 1, "users.info");
    assert_eq!(
        setup.fake.calls_to("conversations.info").len(),
        1,
        "conversations.info"
    );
    assert_eq!(
        setup.fake.calls_to("usergroups.users.list").len(),
        1,
        "usergroups.users.list"
    );
}
