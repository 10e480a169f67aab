//! Request verification of `POST /slack/events`: URL verification, bad,
//! stale and missing signatures.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn url_verification_returns_challenge() {
    let harness = Harness::start().await;
    let body = json!({ "token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification" });

    let (status, answer) = harness.send(&body.to_string()).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer,
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
}

#[tokio::test]
async fn bad_signature_is_rejected() {
    let harness = Harness::start().await;
    let body = envelope(message(&command_text("ping"), "1700000000.000001"));
    let timestamp = now().to_string();
    let signature = sign("another-secret", now(), &body);

    let headers = [
        ("x-slack-signature", signature.as_str()),
        ("x-slack-request-timestamp", timestamp.as_str()),
    ];
    let (status, answer) = send_raw(harness.handle.local_addr(), body, &headers).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer, "");
    assert_command_did_not_run(&harness).await;
}

#[tokio::test]
async fn stale_signature_is_rejected() {
    let harness = Harness::start().await;
    let body = envelope(message(&command_text("ping"), "1700000000.000001"));
    let stale = now() - 600;
    let signature = sign(SIGNING_SECRET, stale, &body);
    let timestamp = stale.to_string();

    let headers = [
        ("x-slack-signature", signature.as_str()),
        ("x-slack-request-timestamp", timestamp.as_str()),
    ];
    let (status, _) = send_raw(harness.handle.local_addr(), body, &headers).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_command_did_not_run(&harness).await;
}

#[tokio::test]
async fn missing_signature_headers_are_rejected() {
    let harness = Harness::start().await;
    let body = envelope(message(&command_text("ping"), "1700000000.000001"));

    let (status, _) = send_raw(harness.handle.local_addr(), body, &[]).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_command_did_not_run(&harness).await;
}

#[tokio::test]
async fn tampered_body_is_rejected() {
    let harness = Harness::start().await;
    let body = envelope(message(&command_text("ping"), "1700000000.000001"));
    let timestamp = now();
    let signature = sign(SIGNING_SECRET, timestamp, &body);
    let tampered = body.replace("ping", "echo");

    let timestamp = timestamp.to_string();
    let headers = [
        ("x-slack-signature", signature.as_str()),
        ("x-slack-request-timestamp", timestamp.as_str()),
    ];
    let (status, _) = send_raw(harness.handle.local_addr(), tampered, &headers).await;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_command_did_not_run(&harness).await;
}

#[tokio::test]
async fn healthz_is_ok_when_started() {
    let harness = Harness::start().await;
    assert_eq!(
        get(harness.handle.local_addr(), "/healthz").await,
        StatusCode::OK
    );
}

/// Sends a valid command after the rejected one; with one worker, its reply
/// being the only post shows that the rejected event never ran.
async fn assert_command_did_not_run(harness: &Harness) {
    let (status, _) = harness
        .send(&envelope(message(
            &command_text("echo sentinel"),
            "1700000000.000099",
        )))
        .await;
    assert_eq!(status, StatusCode::OK);

    let posts = harness.fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].text, "sentinel");
    assert_eq!(harness.recorder.runs(), 1);
    assert!(harness.fake.calls_to("reactions.add").len() == 1);
}
