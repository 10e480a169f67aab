//! Hostile input: malformed, incomplete or unexpected event bodies, and
//! arguments full of markup and control characters. Each gets a clear
//! outcome (an error status, an ignored event with a log line, or a reply
//! naming the bad value), and the adapter goes on answering.

mod common;

use std::sync::OnceLock;

use axum::http::{Request, StatusCode};
use backoffice_core::command::parse_required;
use backoffice_core::{Bot, Command, CommandInfo, Invocation, Reply, Rule};
use backoffice_slack::testing::FakeSlack;
use backoffice_slack::SlackHandle;
use common::*;
use hmac::{KeyInit, Mac};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;

/// The log of every test in this file; they share one global subscriber.
fn logs() -> &'static Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| capture_logs(tracing::Level::DEBUG))
}

/// Builds a bot with `ping` and `count <n>`, whose `<n>` is a `u32`.
fn typed_bot() -> Bot<()> {
    let ping = Command::new(
        CommandInfo::new("ping", "ping", "Replies pong").access("ops"),
        |_args| {
            Ok(Invocation::new(|_ctx| {
                Box::pin(async { Ok(Reply::new("pong")) })
            }))
        },
    );
    let count = Command::new(
        CommandInfo::new("count", "count <n>", "Counts to n").access("ops"),
        |args| {
            let n: u32 = parse_required(args, "n")?;
            Ok(Invocation::new(move |_ctx| {
                Box::pin(async move { Ok(Reply::new(format!("counted to {n}"))) })
            }))
        },
    );
    Bot::builder(())
        .command(ping)
        .command(count)
        .role("ops", Rule::channels([CHANNEL]))
        .build()
        .expect("the test bot is valid")
}

async fn start() -> (FakeSlack, SlackHandle) {
    logs();
    let fake = fake_slack().await;
    let config = http_config(&fake).with_catch_up_window(std::time::Duration::ZERO);
    let handle = backoffice_slack::start(typed_bot(), config)
        .await
        .expect("the adapter starts against the fake");
    (fake, handle)
}

/// Sends raw `body` bytes, signed with the test secret now.
async fn send_bytes(handle: &SlackHandle, body: Vec<u8>) -> StatusCode {
    let timestamp = now();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SIGNING_SECRET.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(&body);
    let signature = format!("v0={}", hex::encode(mac.finalize().into_bytes()));

    let client = Client::builder(TokioExecutor::new()).build_http::<axum::body::Body>();
    let request = Request::post(format!("http://{}/slack/events", handle.local_addr()))
        .header("content-type", "application/json")
        .header("x-slack-signature", signature)
        .header("x-slack-request-timestamp", timestamp.to_string())
        .body(axum::body::Body::from(body))
        .unwrap();
    client
        .request(request)
        .await
        .expect("the adapter answers")
        .status()
}

/// Checks that the adapter still runs commands: sends `ping` and waits for `pong`.
async fn assert_still_answers(fake: &FakeSlack, handle: &SlackHandle, ts: &str) {
    let before = fake.posts().len();
    let body = envelope(message(&command_text("ping"), ts));
    let (status, _) = send_signed(handle.local_addr(), &body, &[]).await;
    assert_eq!(status, StatusCode::OK);

    let posts = fake.wait_for_posts(before + 1, WAIT).await;
    assert_eq!(posts[before].text, "pong");
    assert_eq!(posts[before].thread_ts.as_deref(), Some(ts));
}

#[tokio::test]
async fn malformed_json_is_bad_request() {
    let (fake, handle) = start().await;

    for body in [
        "{\"type\": \"event_callback\",",
        "not json",
        "",
        "[]",
        "null",
    ] {
        let (status, _) = send_signed(handle.local_addr(), body, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "body {body:?}");
    }

    assert!(logs().text().contains("not a valid Events API payload"));
    assert_still_answers(&fake, &handle, "1700000300.000001").await;
}

#[tokio::test]
async fn invalid_utf8_is_bad_request() {
    let (fake, handle) = start().await;
    let mut body = envelope(message(&command_text("ping"), "1700000300.000010")).into_bytes();
    body.extend_from_slice(&[0xff, 0xfe, 0x80]);

    let status = send_bytes(&handle, body).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(logs().text().contains("not UTF-8"));
    assert!(fake.posts().is_empty());
    assert_still_answers(&fake, &handle, "1700000300.000011").await;
}

#[tokio::test]
async fn unknown_event_type_is_ignored() {
    let (fake, handle) = start().await;
    let event = json!({
        "type": "made_up_event",
        "user": USER,
        "channel": CHANNEL,
        "ts": "1700000300.000020",
        "event_ts": "1700000300.000020",
    });

    let (status, _) = send_signed(handle.local_addr(), &envelope(event), &[]).await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        logs().text().contains("Ev1700000300000020"),
        "{}",
        logs().text()
    );
    assert_still_answers(&fake, &handle, "1700000300.000021").await;
    assert_eq!(fake.posts().len(), 1);
}

#[tokio::test]
async fn event_with_missing_fields_runs_nothing() {
    let (fake, handle) = start().await;
    let text = command_text("ping");
    let incomplete = [
        json!({ "type": "message", "channel": CHANNEL, "user": USER, "text": text }),
        json!({ "type": "message", "user": USER, "text": text, "ts": "1700000300.000031" }),
        json!({ "type": "message", "channel": CHANNEL, "text": text, "ts": "1700000300.000032" }),
        json!({ "type": "message", "channel": CHANNEL, "user": USER, "ts": "1700000300.000033" }),
        json!({ "type": "app_mention", "channel": CHANNEL, "ts": "1700000300.000034" }),
        json!({ "type": "reaction_added", "user": USER, "reaction": "eyes" }),
    ];

    for event in incomplete {
        let (status, _) = send_signed(handle.local_addr(), &envelope(event.clone()), &[]).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
            "{status} for {event}"
        );
    }
    let no_event = json!({ "type": "event_callback", "team_id": "T1", "event_id": "Ev9" });
    let (status, _) = send_signed(handle.local_addr(), &no_event.to_string(), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    assert_still_answers(&fake, &handle, "1700000300.000039").await;
    assert_eq!(fake.posts().len(), 1, "only the final ping is answered");
}

#[tokio::test]
async fn markup_in_arguments_is_escaped() {
    let (fake, handle) = start().await;
    let cases = [
        (
            "count <!channel>",
            "`&lt;!channel&gt;` is not a whole number",
        ),
        ("count <@U2>", "`&lt;@U2&gt;` is not a whole number"),
        (
            "count <#C2|general>",
            "`&lt;#C2|general&gt;` is not a whole number",
        ),
        ("count <http://evil.example|5>", "counted to 5"),
    ];

    for (index, (command, expected)) in cases.iter().enumerate() {
        let ts = format!("1700000300.00004{index}");
        let body = envelope(message(&command_text(command), &ts));
        send_signed(handle.local_addr(), &body, &[]).await;

        let posts = fake.wait_for_posts(index + 1, WAIT).await;
        let reply = &posts[index];
        assert_eq!(reply.thread_ts.as_deref(), Some(ts.as_str()));
        assert!(reply.text.contains(expected), "{command}: {}", reply.text);
        assert!(
            !reply.text.contains("<!channel>"),
            "{command}: {}",
            reply.text
        );
        assert!(!reply.text.contains("<@U2>"), "{command}: {}", reply.text);
    }
}

#[tokio::test]
async fn control_characters_are_named_in_reply() {
    let (fake, handle) = start().await;
    let text = command_text("count 1\u{7}\u{1b}[31m");

    let (status, _) = send_signed(
        handle.local_addr(),
        &envelope(message(&text, "1700000300.000050")),
        &[],
    )
    .await;

    assert_eq!(status, StatusCode::OK);
    let posts = fake.wait_for_posts(1, WAIT).await;
    assert!(
        posts[0]
            .text
            .contains("`1\\u{7}\\u{1b}[31m` is not a whole number"),
        "{}",
        posts[0].text
    );
    assert!(!posts[0].text.contains('\u{7}'), "{}", posts[0].text);
    assert!(!posts[0].text.contains('\u{1b}'), "{}", posts[0].text);
}

#[tokio::test]
async fn huge_number_is_named_in_reply() {
    let (fake, handle) = start().await;
    let text = command_text("count 99999999999999999999999");

    send_signed(
        handle.local_addr(),
        &envelope(message(&text, "1700000300.000060")),
        &[],
    )
    .await;

    let posts = fake.wait_for_posts(1, WAIT).await;
    assert!(
        posts[0]
            .text
            .contains("`99999999999999999999999` is not a whole number"),
        "{}",
        posts[0].text
    );
}
