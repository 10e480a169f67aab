//! Socket Mode end to end: the fake's `apps.connections.open` returns a
//! `ws://127.0.0.1` URL, the adapter connects with slack-morphism's
//! listener, and an `events_api` envelope runs a command.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::StatusCode;
use backoffice_slack::testing::{APP_TOKEN, BOT_TOKEN};
use backoffice_slack::{SlackConfig, SlackError};
use common::*;
use serde_json::Value;

fn socket_config(api_url: &str, app_token: &str) -> SlackConfig {
    SlackConfig::socket_mode(BOT_TOKEN, app_token)
        .with_listen(SocketAddr::from(([127, 0, 0, 1], 0)))
        .with_api_url(api_url)
        .unwrap()
        .with_workers(1)
}

fn payload(event: Value) -> Value {
    serde_json::from_str(&envelope(event)).unwrap()
}

#[tokio::test]
async fn socket_event_runs_command() {
    let fake = fake_slack().await;
    let recorder = Arc::new(Recorder::default());
    let handle = backoffice_slack::start(
        bot(Arc::clone(&recorder)),
        socket_config(&fake.api_url(), APP_TOKEN),
    )
    .await
    .expect("the adapter starts in Socket Mode");

    fake.wait_for_socket(WAIT).await;
    let ts = "1700000000.000100";
    let envelope_id = fake.send_socket_event(payload(message(&command_text("ping"), ts)));

    assert!(
        fake.wait_for_ack(&envelope_id, WAIT).await,
        "the envelope was not acknowledged"
    );
    let posts = fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts[0].text, "pong");
    assert_eq!(posts[0].thread_ts.as_deref(), Some(ts));
    assert_eq!(recorder.runs(), 1);
    assert_eq!(get(handle.local_addr(), "/healthz").await, StatusCode::OK);

    handle.shutdown().await;
}

#[tokio::test]
async fn socket_redelivery_runs_once() {
    let fake = fake_slack().await;
    let recorder = Arc::new(Recorder::default());
    let handle = backoffice_slack::start(
        bot(Arc::clone(&recorder)),
        socket_config(&fake.api_url(), APP_TOKEN),
    )
    .await
    .unwrap();
    fake.wait_for_socket(WAIT).await;
    let event = payload(message(&command_text("ping"), "1700000000.000200"));

    let first = fake.send_socket_event(event.clone());
    let second = fake.send_socket_event(event);
    assert!(fake.wait_for_ack(&first, WAIT).await);
    assert!(fake.wait_for_ack(&second, WAIT).await);
    let sentinel = fake.send_socket_event(payload(message(
        &command_text("echo sentinel"),
        "1700000000.000299",
    )));
    assert!(fake.wait_for_ack(&sentinel, WAIT).await);

    let posts = fake.wait_for_posts(2, WAIT).await;
    let texts: Vec<&str> = posts.iter().map(|post| post.text.as_str()).collect();
    assert_eq!(texts, ["pong", "sentinel"]);
    handle.shutdown().await;
}

#[tokio::test]
async fn invalid_app_token_stops_start_up() {
    let fake = fake_slack().await;

    let error = backoffice_slack::start(
        bot(Default::default()),
        socket_config(&fake.api_url(), "xapp-wrong"),
    )
    .await
    .err()
    .expect("a wrong app token must stop start-up");

    assert!(matches!(error, SlackError::SocketMode { .. }), "{error:?}");
    assert!(error.to_string().contains("SLACK_APP_TOKEN"), "{error}");
}

#[tokio::test]
async fn socket_mode_serves_no_events_endpoint() {
    let fake = fake_slack().await;
    let handle = backoffice_slack::start(
        bot(Default::default()),
        socket_config(&fake.api_url(), APP_TOKEN),
    )
    .await
    .unwrap();

    let body = envelope(message(&command_text("ping"), "1700000000.000300"));
    let (status, _) = send_signed(handle.local_addr(), &body, &[]).await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    handle.shutdown().await;
}
