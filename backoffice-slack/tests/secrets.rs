//! Secrets stay secret: the bot token and the signing secret appear in no
//! `Debug` output, no log line at any level from any crate, and no reply,
//! through a start, a command, failures and a shutdown.

mod common;

use backoffice_slack::testing::{Fault, BOT_TOKEN};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_stay_out_of_output() {
    let logs = capture_logs(tracing::Level::TRACE);
    let harness = Harness::start().await;

    // A command that runs, then one whose claim fails and one whose reply fails.
    harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000700.000001",
        )))
        .await;
    harness.fake.wait_for_posts(1, WAIT).await;
    harness
        .fake
        .inject("reactions.add", Fault::ApiError("invalid_auth".into()), 1);
    harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000700.000002",
        )))
        .await;
    harness.fake.wait_for_posts(2, WAIT).await;
    harness
        .fake
        .inject("chat.postMessage", Fault::ServerError(500), 1);
    harness
        .send(&envelope(message(
            &command_text("ping"),
            "1700000700.000003",
        )))
        .await;
    harness
        .fake
        .wait_for_calls("chat.postMessage", 3, WAIT)
        .await;
    // A request with a bad signature is rejected and logged.
    let body = envelope(message(&command_text("ping"), "1700000700.000004"));
    let bad = [
        ("x-slack-signature", "v0=00"),
        ("x-slack-request-timestamp", "1"),
    ];
    send_raw(harness.handle.local_addr(), body, &bad).await;

    let debug = format!(
        "{:?} {:?}",
        harness.handle.platform(),
        http_config(&harness.fake)
    );
    let posts = harness.fake.posts();
    harness.handle.shutdown().await;
    let logged = logs.text();

    assert!(
        logged.contains("could not claim the message"),
        "the failure run was logged"
    );
    for secret in [BOT_TOKEN, SIGNING_SECRET] {
        assert!(!debug.contains(secret), "Debug output contains {secret}");
        assert!(!logged.contains(secret), "the log contains {secret}");
        for post in &posts {
            assert!(!post.text.contains(secret), "a reply contains {secret}");
        }
    }
}
