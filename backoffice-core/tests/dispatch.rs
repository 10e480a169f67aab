//! The dispatcher's path of one message, through the test kit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use backoffice_core::router::Args;
use backoffice_core::testing::{TestKit, TEST_BOT_USER, TEST_TEAM};
use backoffice_core::{
    Bot, ChannelKind, Command, CommandInfo, DispatchError, HandlerError, Invocation, Message,
    Outcome, Reply, Rule, UserInfo,
};

/// Counts how many times the handlers ran.
#[derive(Default)]
struct Runs {
    count: AtomicUsize,
}

type Handler = fn(&Args) -> Result<Reply, HandlerError>;

fn command(name: &str, pattern: &str, role: &str, handler: Handler) -> Command<Runs> {
    let info = CommandInfo::new(name, pattern, format!("Runs {name}")).access(role);
    Command::new(info, move |args| {
        let result = handler(args);
        Ok(Invocation::new(
            move |ctx: backoffice_core::Context<Runs>| {
                Box::pin(async move {
                    ctx.state().count.fetch_add(1, Ordering::SeqCst);
                    result
                })
            },
        ))
    })
}

fn echo(args: &Args) -> Result<Reply, HandlerError> {
    Ok(Reply::new(format!(
        "shown {}",
        args.get("name").unwrap_or("?")
    )))
}

fn kit() -> TestKit<Runs> {
    let bot = Bot::builder(Runs::default())
        .command(command("show", "show account <name>", "support", echo))
        .command(command(
            "delete",
            "delete account <name>",
            "developers",
            echo,
        ))
        .command(command("fail", "break things", "support", |_| {
            Err(HandlerError::new("the database is read-only"))
        }))
        .role("support", Rule::channels(["support"]))
        .role(
            "developers",
            Rule::channels(["C0DEV"]).allow_direct_messages(),
        )
        .build()
        .expect("no conflicts");
    TestKit::new(bot)
        .channel("C0SUP", "support", ChannelKind::Public)
        .channel("C0DEV", "developers", ChannelKind::Private)
        .channel("D0ADA", "", ChannelKind::Direct)
}

fn runs(kit: &TestKit<Runs>) -> usize {
    kit.bot().state().count.load(Ordering::SeqCst)
}

fn channel_message(user: &str, text: &str, ts: &str) -> Message {
    Message::new(TEST_TEAM, "C0SUP", ChannelKind::Public, user, text, ts)
}

#[tokio::test]
async fn command_runs_and_replies_in_thread() {
    let kit = kit();
    let exchange = kit.send("U1", "C0SUP", "show account acme").await;
    assert_eq!(
        exchange.outcome,
        Outcome::Ran {
            command: "show".into()
        }
    );
    assert_eq!(exchange.replies, ["shown acme"]);
    let post = &kit.platform().posts()[0];
    assert_eq!(post.to.thread_ts.as_deref(), Some(exchange.ts.as_str()));
    assert_eq!(
        kit.platform().reactors("C0SUP", &exchange.ts, "eyes"),
        [TEST_BOT_USER]
    );
}

#[tokio::test]
async fn thread_reply_uses_thread_channel() {
    let kit = kit();
    let mut reply = channel_message(
        "U1",
        &format!("<@{TEST_BOT_USER}> show account acme"),
        "1700000000.000200",
    );
    reply.thread_ts = Some("1700000000.000100".into());
    let exchange = kit.deliver(reply).await;

    assert_eq!(
        exchange.outcome,
        Outcome::Ran {
            command: "show".into()
        }
    );
    let post = &kit.platform().posts()[0];
    assert_eq!(post.to.channel, "C0SUP");
    assert_eq!(post.to.thread_ts.as_deref(), Some("1700000000.000100"));
}

#[tokio::test]
async fn thread_reply_in_other_channel_denied() {
    let kit = kit();
    let mut reply = Message::new(
        TEST_TEAM,
        "C0DEV",
        ChannelKind::Private,
        "U1",
        format!("<@{TEST_BOT_USER}> show account acme"),
        "1700000000.000200",
    );
    reply.thread_ts = Some("1700000000.000100".into());
    let exchange = kit.deliver(reply).await;

    assert!(matches!(
        exchange.outcome,
        Outcome::Failed(DispatchError::UnknownCommand { .. })
    ));
    assert_eq!(runs(&kit), 0);
    let post = &kit.platform().posts()[0];
    assert_eq!(post.to.thread_ts.as_deref(), Some("1700000000.000100"));
}

#[tokio::test]
async fn same_message_twice_runs_once() {
    let kit = kit();
    let message = channel_message("U1", "<@UBOT> show account acme", "1.000001");
    let first = kit.deliver(message.clone()).await;
    let second = kit.deliver(message).await;
    assert_eq!(
        first.outcome,
        Outcome::Ran {
            command: "show".into()
        }
    );
    assert_eq!(second.outcome, Outcome::AlreadyHandled);
    assert!(second.replies.is_empty());
    assert_eq!(runs(&kit), 1);
}

#[tokio::test]
async fn channel_message_needs_mention() {
    let kit = kit();
    let exchange = kit
        .deliver(channel_message("U1", "show account acme", "1.000001"))
        .await;
    assert_eq!(exchange.outcome, Outcome::Ignored);
    assert!(exchange.replies.is_empty());
}

#[tokio::test]
async fn direct_message_needs_no_mention() {
    let kit = kit();
    let exchange = kit.send("U1", "D0ADA", "delete account acme").await;
    assert_eq!(
        exchange.outcome,
        Outcome::Ran {
            command: "delete".into()
        }
    );
}

#[tokio::test]
async fn bot_own_and_edited_messages_ignored() {
    let kit = kit();
    let mut from_bot = channel_message("U2", "<@UBOT> show account a", "1.1");
    from_bot.bot_id = Some("B1".into());
    let own = channel_message(TEST_BOT_USER, "<@UBOT> show account a", "1.2");
    let mut edited = channel_message("U1", "<@UBOT> show account a", "1.3");
    edited.edited = true;
    let mut changed = channel_message("U1", "<@UBOT> show account a", "1.4");
    changed.subtype = Some("message_changed".into());
    for message in [from_bot, own, edited, changed] {
        assert_eq!(kit.deliver(message).await.outcome, Outcome::Ignored);
    }
    assert_eq!(runs(&kit), 0);
}

#[tokio::test]
async fn help_lists_only_allowed_commands() {
    let kit = kit();
    let support = kit.send("U1", "C0SUP", "help").await;
    assert_eq!(support.outcome, Outcome::Help);
    assert!(
        support.replies[0].contains("show account <name>"),
        "{:?}",
        support.replies
    );
    assert!(
        !support.replies[0].contains("delete account"),
        "{:?}",
        support.replies
    );

    let developers = kit.send("U1", "C0DEV", "help delete").await;
    assert!(
        developers.replies[0].contains("delete account <name>"),
        "{:?}",
        developers.replies
    );
}

#[tokio::test]
async fn denied_command_looks_unknown() {
    let kit = kit();
    let denied = kit.send("U1", "C0SUP", "delete account acme").await;
    assert!(matches!(
        denied.outcome,
        Outcome::Failed(DispatchError::UnknownCommand { .. })
    ));
    assert!(
        !denied.replies[0].contains("delete"),
        "{:?}",
        denied.replies
    );
    assert_eq!(runs(&kit), 0);

    let without_delete = Bot::builder(Runs::default())
        .command(command("show", "show account <name>", "support", echo))
        .command(command("fail", "break things", "support", echo))
        .role("support", Rule::channels(["support"]))
        .build()
        .expect("no conflicts");
    let other = TestKit::new(without_delete).channel("C0SUP", "support", ChannelKind::Public);
    let unknown = other.send("U1", "C0SUP", "delete account acme").await;
    assert_eq!(denied.replies, unknown.replies);
}

#[tokio::test]
async fn typo_gets_suggestion() {
    let kit = kit();
    let exchange = kit.send("U1", "C0SUP", "shw acount acme").await;
    assert!(
        exchange.replies[0].contains("Did you mean:\n• `show account <name>`"),
        "{:?}",
        exchange.replies
    );
}

#[tokio::test]
async fn handler_error_reported() {
    let kit = kit();
    let exchange = kit.send("U1", "C0SUP", "break things").await;
    assert_eq!(
        exchange.replies,
        ["`break things` failed: the database is read-only"]
    );
}

#[tokio::test]
async fn failed_claim_runs_nothing() {
    let kit = kit();
    kit.platform().fail("add_reaction", "internal_error");
    let exchange = kit.send("U1", "C0SUP", "show account acme").await;
    assert!(matches!(
        exchange.outcome,
        Outcome::Failed(DispatchError::ClaimFailed { .. })
    ));
    assert!(
        exchange.replies[0].contains("did not run"),
        "{:?}",
        exchange.replies
    );
    assert_eq!(runs(&kit), 0);
}

#[tokio::test]
async fn failed_lookup_denies() {
    let kit = kit();
    kit.platform().fail("user", "internal_error");
    let exchange = kit.send("U1", "C0SUP", "show account acme").await;
    assert!(matches!(
        exchange.outcome,
        Outcome::Failed(DispatchError::AccessCheckFailed { .. })
    ));
    assert!(
        exchange.replies[0].contains("could not check"),
        "{:?}",
        exchange.replies
    );
    assert_eq!(runs(&kit), 0);
}

#[tokio::test]
async fn guest_is_denied() {
    let mut guest = UserInfo::member("UGUEST", "guest", TEST_TEAM);
    guest.is_guest = true;
    let kit = kit().user(guest);
    let exchange = kit.send("UGUEST", "C0SUP", "show account acme").await;
    assert!(matches!(
        exchange.outcome,
        Outcome::Failed(DispatchError::UnknownCommand { .. })
    ));
    assert_eq!(runs(&kit), 0);
}

fn ops_kit(command: Command<()>) -> TestKit<()> {
    let bot = Bot::builder(())
        .command(command)
        .role("ops", Rule::channels(["ops"]))
        .default_timeout(Duration::from_secs(5))
        .build()
        .expect("no conflicts");
    TestKit::new(bot).channel("C1", "ops", ChannelKind::Public)
}

#[tokio::test(start_paused = true)]
async fn slow_handler_times_out() {
    let hang = Command::new(
        CommandInfo::new("hang", "hang", "Hangs").access("ops"),
        |_| {
            Ok(Invocation::new(|_ctx| {
                Box::pin(async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok(Reply::new("never"))
                })
            }))
        },
    );
    let kit = ops_kit(hang);
    let exchange = kit.send("U1", "C1", "hang").await;
    let expected = DispatchError::TimedOut {
        timeout: Duration::from_secs(5),
    };
    assert_eq!(exchange.outcome, Outcome::Failed(expected));
    assert!(
        exchange.replies[0].contains("took longer than 5s"),
        "{:?}",
        exchange.replies
    );
}

#[tokio::test]
async fn panicking_handler_is_contained() {
    let boom = Command::new(
        CommandInfo::new("boom", "boom", "Panics").access("ops"),
        |_| Ok(Invocation::new(|_ctx| Box::pin(async { panic!("kaboom") }))),
    );
    let kit = ops_kit(boom);
    let exchange = kit.send("U1", "C1", "boom").await;
    let panicked = matches!(&exchange.outcome, Outcome::Failed(DispatchError::Panicked { message }) if message == "kaboom");
    assert!(panicked, "{:?}", exchange.outcome);
    assert!(
        exchange.replies[0].contains("internal error"),
        "{:?}",
        exchange.replies
    );

    let after = kit.send("U1", "C1", "help").await;
    assert_eq!(after.outcome, Outcome::Help);
}

#[test]
fn conflicting_commands_fail_build() {
    let result = Bot::builder(Runs::default())
        .command(command("a", "show <what> now", "support", echo))
        .command(command("b", "show <item> now", "support", echo))
        .build();
    let error = result.expect_err("the patterns conflict").to_string();
    assert!(error.contains("show <what> now"), "{error}");
    assert!(error.contains("show <item> now"), "{error}");
}
