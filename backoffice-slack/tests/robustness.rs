//! Failure handling: rate limits, server errors and timeouts of the Web API,
//! large and oversized bodies, a full queue, a rejected token and shutdown.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use backoffice_slack::testing::{FakeSlack, Fault};
use backoffice_slack::{SlackConfig, SlackError};
use common::*;

#[tokio::test]
async fn rate_limited_post_is_retried() {
    let harness = Harness::start().await;
    harness.fake.inject(
        "chat.postMessage",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );

    harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000000.000100",
        )))
        .await;

    let posts = harness.fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts[0].text, "pong");
    assert_eq!(harness.fake.calls_to("chat.postMessage").len(), 2);
}

#[tokio::test]
async fn failed_read_is_retried() {
    let harness = Harness::start().await;
    harness
        .fake
        .inject("users.info", Fault::ServerError(503), 2);

    harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000000.000150",
        )))
        .await;

    let posts = harness.fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts[0].text, "pong");
    assert_eq!(harness.fake.calls_to("users.info").len(), 3);
}

#[tokio::test]
async fn server_error_on_post_is_not_repeated() {
    let harness = Harness::start().await;
    harness
        .fake
        .inject("chat.postMessage", Fault::ServerError(500), 1);

    harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000000.000200",
        )))
        .await;
    harness
        .send(&envelope(message(
            &command_text("echo next"),
            "1700000000.000201",
        )))
        .await;

    // The second command's reply is the second call: the first was not repeated.
    let calls = harness
        .fake
        .wait_for_calls("chat.postMessage", 2, WAIT)
        .await;
    assert_eq!(calls[1].params["text"], "next");
    assert_eq!(harness.fake.posts().len(), 1);
}

#[tokio::test]
async fn timed_out_post_is_not_repeated() {
    let harness =
        Harness::start_with(|config| config.with_request_timeout(Duration::from_millis(300))).await;
    harness
        .fake
        .inject("chat.postMessage", Fault::Slow(Duration::from_secs(2)), 1);

    harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000000.000300",
        )))
        .await;
    harness
        .send(&envelope(message(
            &command_text("echo next"),
            "1700000000.000301",
        )))
        .await;

    let posts = harness.fake.wait_for_posts(2, WAIT).await;
    let texts: Vec<&str> = posts.iter().map(|post| post.text.as_str()).collect();
    assert_eq!(texts, ["pong", "next"]);
    assert_eq!(harness.fake.calls_to("chat.postMessage").len(), 2);
}

#[tokio::test]
async fn long_message_is_accepted() {
    let harness = Harness::start().await;
    let long_text = command_text(&format!("echo {}", "x".repeat(40_000)));

    let (status, _) = harness
        .send(&envelope(message(&long_text, "1700000000.000400")))
        .await;
    assert_eq!(status, StatusCode::OK);
    harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000000.000401",
        )))
        .await;

    // The 40,000-character echo is split into several posts, then `pong` follows.
    let posts = harness.fake.wait_for_posts(12, WAIT).await;
    let echoed: usize = posts[..11].iter().map(|post| post.text.len()).sum();
    assert_eq!(echoed, 40_000);
    assert_eq!(posts[11].text, "pong");
    assert!(posts.iter().all(|post| post.text.len() <= 3_900));
}

#[tokio::test]
async fn oversized_body_is_rejected() {
    let harness = Harness::start().await;
    let huge = command_text(&format!(
        "echo {}",
        "x".repeat(backoffice_slack::MAX_BODY_BYTES)
    ));

    let (status, _) = harness
        .send(&envelope(message(&huge, "1700000000.000500")))
        .await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(harness.recorder.runs(), 0);
}

#[tokio::test]
async fn full_queue_answers_service_unavailable() {
    let harness = Harness::start_with(|config| config.with_queue_capacity(1)).await;
    let blocked = harness.recorder.blocked.notified();

    harness
        .send(&envelope(message(
            &command_text("block"),
            "1700000000.000600",
        )))
        .await;
    blocked.await;
    let (queued, _) = harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000000.000601",
        )))
        .await;
    let overflow = envelope(message(&command_text("echo again"), "1700000000.000602"));
    let (rejected, _) = harness.send(&overflow).await;

    assert_eq!(queued, StatusCode::OK);
    assert_eq!(rejected, StatusCode::SERVICE_UNAVAILABLE);

    // Once the worker is free, Slack's redelivery of the rejected event runs.
    harness.recorder.release.add_permits(1);
    harness.fake.wait_for_posts(2, WAIT).await;
    let headers = [
        ("x-slack-retry-num", "1"),
        ("x-slack-retry-reason", "http_error"),
    ];
    let (redelivered, _) = send_signed(harness.handle.local_addr(), &overflow, &headers).await;
    assert_eq!(redelivered, StatusCode::OK);

    let posts = harness.fake.wait_for_posts(3, WAIT).await;
    let texts: Vec<&str> = posts.iter().map(|post| post.text.as_str()).collect();
    assert_eq!(texts, ["unblocked", "pong", "again"]);
}

#[tokio::test]
async fn invalid_bot_token_stops_start_up() {
    let fake = FakeSlack::start().await;
    let config = SlackConfig::http("xoxb-wrong", SIGNING_SECRET)
        .with_listen(([127, 0, 0, 1], 0).into())
        .with_api_url(&fake.api_url())
        .unwrap();

    let error = backoffice_slack::start(bot(Default::default()), config)
        .await
        .err()
        .expect("a wrong token must stop start-up");

    assert!(
        matches!(error, SlackError::InvalidToken { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("SLACK_BOT_TOKEN"), "{error}");
}

#[tokio::test]
async fn unreachable_api_fails_start_up() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let api_url = format!("http://{}/api", unused.local_addr().unwrap());
    drop(unused);
    let config = SlackConfig::http("xoxb-any", SIGNING_SECRET)
        .with_listen(([127, 0, 0, 1], 0).into())
        .with_api_url(&api_url)
        .unwrap()
        .with_retries(2, Duration::from_millis(10));

    let error = backoffice_slack::start(bot(Default::default()), config)
        .await
        .err()
        .expect("an unreachable Web API must stop start-up");

    assert!(matches!(error, SlackError::AuthTest { .. }), "{error:?}");
}

#[tokio::test]
async fn shutdown_finishes_queued_commands() {
    let harness = Harness::start_with(|config| config.with_shutdown_deadline(WAIT)).await;
    let blocked = harness.recorder.blocked.notified();
    harness
        .send(&envelope(message(
            &command_text("block"),
            "1700000000.000700",
        )))
        .await;
    blocked.await;
    harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000000.000701",
        )))
        .await;

    harness.recorder.release.add_permits(1);
    let unfinished = harness.handle.shutdown().await;

    assert_eq!(unfinished, backoffice_slack::Unfinished::default());
    let texts: Vec<String> = harness
        .fake
        .posts()
        .into_iter()
        .map(|post| post.text)
        .collect();
    assert_eq!(texts, ["unblocked", "pong"]);
}

#[tokio::test]
async fn shutdown_deadline_reports_unfinished() {
    let harness =
        Harness::start_with(|config| config.with_shutdown_deadline(Duration::from_millis(100)))
            .await;
    let blocked = harness.recorder.blocked.notified();
    harness
        .send(&envelope(message(
            &command_text("block"),
            "1700000000.000800",
        )))
        .await;
    blocked.await;
    harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000000.000801",
        )))
        .await;

    let unfinished = harness.handle.shutdown().await;

    assert_eq!(unfinished.running, 1);
    assert_eq!(unfinished.queued, 1);
}
