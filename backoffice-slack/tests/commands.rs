//! Commands over the HTTP Events API: replies in the thread, markup in
//! arguments, escaping of replies, and messages the bot must ignore.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn command_reply_goes_into_thread() {
    let harness = Harness::start().await;
    let ts = "1700000000.000100";

    let (status, _) = harness
        .send(&envelope(message(&command_text("ping"), ts)))
        .await;
    assert_eq!(status, StatusCode::OK);

    let posts = harness.fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts[0].text, "pong");
    assert_eq!(posts[0].channel, CHANNEL);
    assert_eq!(posts[0].thread_ts.as_deref(), Some(ts));
    assert_eq!(harness.fake.reactions_on(CHANNEL, ts), vec!["eyes"]);
    assert_eq!(harness.recorder.runs(), 1);
}

#[tokio::test]
async fn thread_reply_stays_in_thread() {
    let harness = Harness::start().await;
    let mut event = message(&command_text("ping"), "1700000000.000200");
    event["thread_ts"] = json!("1700000000.000001");

    harness.send(&envelope(event)).await;

    let posts = harness.fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts[0].thread_ts.as_deref(), Some("1700000000.000001"));
}

#[tokio::test]
async fn link_markup_arrives_as_text() {
    let harness = Harness::start().await;
    let text = command_text("echo <http://acme.com|acme.com>");

    harness
        .send(&envelope(message(&text, "1700000000.000300")))
        .await;

    let posts = harness.fake.wait_for_posts(1, WAIT).await;
    assert_eq!(
        harness.recorder.echoed.lock().unwrap().as_slice(),
        ["acme.com"]
    );
    assert_eq!(posts[0].text, "acme.com");
}

#[tokio::test]
async fn reply_is_escaped() {
    let harness = Harness::start().await;

    harness
        .send(&envelope(message(
            &command_text("shout"),
            "1700000000.000400",
        )))
        .await;

    let posts = harness.fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts[0].text, "&lt;!channel&gt; hello &amp; &lt;@U2&gt;");
}

#[tokio::test]
async fn own_and_bot_messages_are_ignored() {
    let harness = Harness::start().await;
    let mut own = message(&command_text("ping"), "1700000000.000501");
    own["user"] = json!(backoffice_slack::testing::BOT_USER_ID);
    let mut from_bot = message(&command_text("ping"), "1700000000.000502");
    from_bot["bot_id"] = json!("B9");
    let mut bot_message = message(&command_text("ping"), "1700000000.000503");
    bot_message["subtype"] = json!("bot_message");

    for event in [own, from_bot, bot_message] {
        let (status, _) = harness.send(&envelope(event)).await;
        assert_eq!(status, StatusCode::OK);
    }

    assert_only_sentinel_ran(&harness).await;
}

#[tokio::test]
async fn edits_are_ignored() {
    let harness = Harness::start().await;
    let edit = json!({
        "type": "message",
        "subtype": "message_changed",
        "channel": CHANNEL,
        "channel_type": "channel",
        "hidden": true,
        "ts": "1700000001.000000",
        "event_ts": "1700000001.000000",
        "message": {
            "type": "message",
            "user": USER,
            "text": command_text("ping"),
            "ts": "1700000000.000600",
            "edited": { "user": USER, "ts": "1700000001.000000" },
        },
        "previous_message": {
            "type": "message",
            "user": USER,
            "text": command_text("pong"),
            "ts": "1700000000.000600",
        },
    });

    let (status, _) = harness.send(&envelope(edit)).await;
    assert_eq!(status, StatusCode::OK);

    assert_only_sentinel_ran(&harness).await;
}

#[tokio::test]
async fn message_without_mention_in_channel_is_ignored() {
    let harness = Harness::start().await;

    harness
        .send(&envelope(message("ping", "1700000000.000700")))
        .await;

    assert_only_sentinel_ran(&harness).await;
}

/// Sends a valid command; with one worker, its reply being the only post
/// shows that the events sent before it did nothing.
async fn assert_only_sentinel_ran(harness: &Harness) {
    let sentinel = envelope(message(&command_text("echo sentinel"), "1700000000.000999"));
    harness.send(&sentinel).await;

    let posts = harness.fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].text, "sentinel");
    assert_eq!(harness.recorder.runs(), 1);
}
