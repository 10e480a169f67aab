//! Runs commands built by `#[command]`: argument parsing, command facts and
//! the handler's reply.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use backoffice::router::Args;
use backoffice::{
    command, ChannelInfo, ChannelKind, Command, Context, Destination, Message, Platform,
    PlatformError, Reaction, ReactionOutcome, StoredMessage, UserInfo,
};

/// A platform that accepts every post and reaction, stores no message, and
/// returns a fixed user, channel and group for any lookup.
struct StubPlatform;

#[async_trait]
impl Platform for StubPlatform {
    fn bot_user_id(&self) -> &str {
        "UBOT"
    }

    async fn post(&self, _to: &Destination, _text: &str) -> Result<String, PlatformError> {
        Ok("1700000000.000200".into())
    }

    async fn add_reaction(
        &self,
        _channel: &str,
        _ts: &str,
        _emoji: &str,
    ) -> Result<ReactionOutcome, PlatformError> {
        Ok(ReactionOutcome::Added)
    }

    async fn reactions(&self, _channel: &str, _ts: &str) -> Result<Vec<Reaction>, PlatformError> {
        Ok(Vec::new())
    }

    async fn fetch_message(&self, channel: &str, ts: &str) -> Result<StoredMessage, PlatformError> {
        Err(PlatformError::NotFound {
            what: format!("message {ts} in #{channel}"),
        })
    }

    async fn user(&self, user: &str) -> Result<UserInfo, PlatformError> {
        Ok(UserInfo::member(user, "alice", "T1"))
    }

    async fn channel(&self, channel: &str) -> Result<ChannelInfo, PlatformError> {
        Ok(ChannelInfo::new(
            channel,
            "backoffice",
            ChannelKind::Private,
        ))
    }

    async fn group_members(&self, _group: &str) -> Result<Vec<String>, PlatformError> {
        Ok(vec!["U1".into()])
    }
}

struct AppState {
    currency: &'static str,
}

fn context<S>(state: S) -> Context<S> {
    let message = Message::new(
        "T1",
        "C1",
        ChannelKind::Private,
        "U1",
        "set acme trial remaining to 5 days",
        "1700000000.000100",
    );
    Context::new(Arc::new(state), Arc::new(StubPlatform), message)
}

fn args(values: &[(&str, &str)]) -> Args {
    let mut args = Args::default();
    for (name, value) in values {
        args.insert(*name, *value);
    }
    args
}

/// Sets how many days of trial
/// an account has left.
///
/// This paragraph is not part of the description.
#[command(
    "set <subdomain> trial remaining to <number> days",
    access = "backoffice",
    timeout = "30s"
)]
async fn set_trial(
    number: u32,
    ctx: Context<AppState>,
    subdomain: String,
) -> Result<String, String> {
    if number > 90 {
        return Err(format!("{number} days is more than the 90 allowed"));
    }
    Ok(format!(
        "{subdomain} has {number} days left, caller {} ({})",
        ctx.caller(),
        ctx.state().currency
    ))
}

#[command(
    "extend <subdomain> trial [by <days> days]",
    description = "Extends a trial."
)]
async fn extend_trial(
    _ctx: Context,
    subdomain: String,
    days: Option<u16>,
) -> Result<String, String> {
    Ok(format!("{subdomain} +{}", days.unwrap_or(14)))
}

/// Posts a note on an account.
#[command("note <subdomain> <text...>", timeout = "500ms")]
async fn note(subdomain: String, text: String, ctx: Context) -> Result<&'static str, String> {
    ctx.say(format!("noting on {subdomain}: {text}"))
        .await
        .map_err(|error| error.to_string())?;
    Ok("noted")
}

/// Sets an account's seat count.
#[command(
    "set <subdomain> seats to <seats>",
    access = "backoffice",
    approvals = 2,
    expires = "30m",
    approvers = "leads",
    dry_run = preview_set_seats
)]
async fn set_seats(
    subdomain: String,
    ctx: Context<AppState>,
    seats: u32,
) -> Result<String, String> {
    Ok(format!(
        "{subdomain} now has {seats} seats, billed in {}",
        ctx.state().currency
    ))
}

async fn preview_set_seats(
    subdomain: String,
    ctx: Context<AppState>,
    seats: u32,
) -> Result<String, String> {
    Ok(format!(
        "would give {subdomain} {seats} seats, billed in {}",
        ctx.state().currency
    ))
}

#[tokio::test]
async fn required_arguments_run_handler() {
    let command: Command<AppState> = set_trial();
    let invocation = command
        .prepare(&args(&[("subdomain", "acme"), ("number", "5")]))
        .expect("valid arguments");

    let reply = invocation
        .run(context(AppState { currency: "EUR" }))
        .await
        .expect("handler succeeds");

    assert_eq!(reply.text(), "acme has 5 days left, caller U1 (EUR)");
}

#[tokio::test]
async fn handler_error_becomes_failure() {
    let invocation = set_trial()
        .prepare(&args(&[("subdomain", "acme"), ("number", "120")]))
        .expect("valid arguments");

    let error = invocation
        .run(context(AppState { currency: "EUR" }))
        .await
        .expect_err("handler fails");

    assert_eq!(error.to_string(), "120 days is more than the 90 allowed");
}

#[test]
fn bad_number_gives_arg_error() {
    let error = set_trial()
        .prepare(&args(&[("subdomain", "acme"), ("number", "many")]))
        .expect_err("`many` is not a number");

    assert_eq!(error.placeholder, "number");
    assert_eq!(error.value, "many");
    assert_eq!(
        error.to_string(),
        "`many` is not a whole number from 0 to 4294967295"
    );
}

#[test]
fn info_takes_doc_comment_and_arguments() {
    let command = set_trial();
    let info = command.info();

    assert_eq!(info.name, "set_trial");
    assert_eq!(
        info.pattern,
        "set <subdomain> trial remaining to <number> days"
    );
    assert_eq!(
        info.description,
        "Sets how many days of trial an account has left."
    );
    assert_eq!(info.access.as_deref(), Some("backoffice"));
    assert_eq!(info.timeout, Some(Duration::from_secs(30)));
    assert_eq!(command.pattern().placeholders().len(), 2);
}

#[test]
fn info_without_access_or_timeout() {
    let command: Command<()> = extend_trial();
    let info = command.info();

    assert_eq!(info.description, "Extends a trial.");
    assert_eq!(info.access, None);
    assert_eq!(info.timeout, None);
}

#[tokio::test]
async fn optional_argument_absent_is_none() {
    let invocation = extend_trial::<()>()
        .prepare(&args(&[("subdomain", "acme")]))
        .expect("valid arguments");

    let reply = invocation.run(context(())).await.expect("handler succeeds");

    assert_eq!(reply.text(), "acme +14");
}

#[tokio::test]
async fn optional_argument_present_is_parsed() {
    let invocation = extend_trial::<()>()
        .prepare(&args(&[("subdomain", "acme"), ("days", "30")]))
        .expect("valid arguments");

    let reply = invocation.run(context(())).await.expect("handler succeeds");

    assert_eq!(reply.text(), "acme +30");
}

#[test]
fn optional_argument_invalid_is_error() {
    let error = extend_trial::<()>()
        .prepare(&args(&[("subdomain", "acme"), ("days", "-3")]))
        .expect_err("-3 is not a u16");

    assert_eq!(error.placeholder, "days");
    assert!(error.to_string().contains("whole number"), "{error}");
}

#[tokio::test]
async fn stateless_command_fits_any_state() {
    let command: Command<AppState> = note();
    let invocation = command
        .prepare(&args(&[
            ("subdomain", "acme"),
            ("text", "called about billing"),
        ]))
        .expect("valid arguments");

    let reply = invocation
        .run(context(AppState { currency: "USD" }))
        .await
        .expect("handler succeeds");

    assert_eq!(reply.text(), "noted");
    assert_eq!(command.info().timeout, Some(Duration::from_millis(500)));
    assert_eq!(command.info().description, "Posts a note on an account.");
}

#[test]
fn missing_required_argument_is_error() {
    let error = set_trial()
        .prepare(&args(&[("number", "5")]))
        .expect_err("subdomain is missing");

    assert_eq!(error.placeholder, "subdomain");
}

#[test]
fn info_takes_approval_arguments() {
    let command = set_seats();
    let info = command.info();

    assert_eq!(info.approvals, 2);
    assert_eq!(info.expires, Some(Duration::from_secs(30 * 60)));
    assert_eq!(info.approvers.as_deref(), Some("leads"));
    assert_eq!(info.access.as_deref(), Some("backoffice"));
}

#[test]
fn info_without_approval_arguments() {
    let command = set_trial();
    let info = command.info();

    assert_eq!(info.approvals, 0);
    assert_eq!(info.expires, None);
    assert_eq!(info.approvers, None);
}

#[tokio::test]
async fn dry_run_and_handler_get_same_arguments() {
    let command = set_seats();
    let arguments = args(&[("subdomain", "acme"), ("seats", "12")]);

    let preview = command
        .prepare(&arguments)
        .expect("valid arguments")
        .dry_run(context(AppState { currency: "EUR" }))
        .expect("the command has a dry run")
        .await
        .expect("dry run succeeds");
    let reply = command
        .prepare(&arguments)
        .expect("valid arguments")
        .run(context(AppState { currency: "EUR" }))
        .await
        .expect("handler succeeds");

    assert_eq!(preview.text(), "would give acme 12 seats, billed in EUR");
    assert_eq!(reply.text(), "acme now has 12 seats, billed in EUR");
}

#[tokio::test]
async fn command_without_dry_run_has_none() {
    let invocation = set_trial()
        .prepare(&args(&[("subdomain", "acme"), ("number", "5")]))
        .expect("valid arguments");

    let dry_run = invocation.dry_run(context(AppState { currency: "EUR" }));

    assert!(dry_run.is_none());
}

#[test]
fn bad_argument_fails_before_dry_run() {
    let error = set_seats()
        .prepare(&args(&[("subdomain", "acme"), ("seats", "twelve")]))
        .expect_err("`twelve` is not a number");

    assert_eq!(error.placeholder, "seats");
}
