//! A command runs once however often its message arrives: Slack's
//! redeliveries, the `app_mention` and `message` events of one message, and
//! two replicas sharing one workspace.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn redeliveries_run_once() {
    let harness = Harness::start().await;
    let body = envelope(message(&command_text("ping"), "1700000000.000100"));

    let (status, _) = harness.send(&body).await;
    assert_eq!(status, StatusCode::OK);
    for retry in ["1", "2", "3"] {
        let headers = [
            ("x-slack-retry-num", retry),
            ("x-slack-retry-reason", "http_timeout"),
        ];
        let (status, _) = send_signed(harness.handle.local_addr(), &body, &headers).await;
        assert_eq!(status, StatusCode::OK, "retry {retry}");
    }

    assert_ran_once(&harness).await;
}

#[tokio::test]
async fn redelivery_of_unprocessed_event_runs() {
    let harness = Harness::start().await;
    let body = envelope(message(&command_text("ping"), "1700000000.000150"));

    let headers = [
        ("x-slack-retry-num", "1"),
        ("x-slack-retry-reason", "http_error"),
    ];
    let (status, _) = send_signed(harness.handle.local_addr(), &body, &headers).await;
    assert_eq!(status, StatusCode::OK);

    let posts = harness.fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts[0].text, "pong");
}

#[tokio::test]
async fn mention_and_message_run_once() {
    let harness = Harness::start().await;
    let text = command_text("ping");
    let ts = "1700000000.000200";

    harness.send(&envelope(message(&text, ts))).await;
    harness.send(&envelope(mention(&text, ts))).await;

    assert_ran_once(&harness).await;
}

#[tokio::test]
async fn two_replicas_run_once() {
    let fake = fake_slack().await;
    let recorder = Arc::new(Recorder::default());
    let first = backoffice_slack::start(bot(Arc::clone(&recorder)), http_config(&fake))
        .await
        .unwrap();
    let second = backoffice_slack::start(bot(Arc::clone(&recorder)), http_config(&fake))
        .await
        .unwrap();
    let body = envelope(message(&command_text("ping"), "1700000000.000300"));

    let (first_status, _) = send_signed(first.local_addr(), &body, &[]).await;
    let (second_status, _) = send_signed(second.local_addr(), &body, &[]).await;
    assert_eq!(first_status, StatusCode::OK);
    assert_eq!(second_status, StatusCode::OK);

    // Both replicas try to claim the message; the second claim fails.
    fake.wait_for_calls("reactions.add", 2, WAIT).await;
    let sentinel = envelope(message(&command_text("echo sentinel"), "1700000000.000399"));
    send_signed(first.local_addr(), &sentinel, &[]).await;
    send_signed(second.local_addr(), &sentinel, &[]).await;

    let posts = fake.wait_for_posts(2, WAIT).await;
    fake.wait_for_calls("reactions.add", 4, WAIT).await;
    // Shutting down drains both queues, so no reply can still be on its way.
    first.shutdown().await;
    second.shutdown().await;
    let pongs = posts.iter().filter(|post| post.text == "pong").count();
    assert_eq!(pongs, 1, "{posts:?}");
    assert_eq!(fake.posts().len(), 2, "{:?}", fake.posts());
    assert_eq!(recorder.runs(), 2);
}

/// Checks, after a later sentinel command, that `ping` replied once.
async fn assert_ran_once(harness: &Harness) {
    let sentinel = envelope(message(&command_text("echo sentinel"), "1700000000.000999"));
    harness.send(&sentinel).await;

    let posts = harness.fake.wait_for_posts(2, WAIT).await;
    let texts: Vec<&str> = posts.iter().map(|post| post.text.as_str()).collect();
    assert_eq!(texts, ["pong", "sentinel"]);
    assert_eq!(harness.recorder.runs(), 2);
}
