//! Runs the built `spacelift_bot` example in Slack mode against the
//! project's fake Slack, over real HTTP on 127.0.0.1.

mod support;

#[path = "../backoffice-slack/tests/common/mod.rs"]
mod common;

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use backoffice_slack::testing::{FakeSlack, Fault, BOT_TOKEN};
use serde_json::json;

const DEADLINE: Duration = Duration::from_secs(60);

/// Returns a free port on 127.0.0.1 for the example's endpoint.
fn free_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("a bound address")
}

fn start_example(fake: &FakeSlack, listen: SocketAddr, database: &std::path::Path) -> Child {
    Command::new(support::example_binary("spacelift_bot"))
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_SIGNING_SECRET", common::SIGNING_SECRET)
        .env_remove("SLACK_APP_TOKEN")
        .env("SLACK_API_URL", fake.api_url())
        .env("BACKOFFICE_LISTEN", listen.to_string())
        .env("BACKOFFICE_CHANNEL", common::CHANNEL)
        .env("BACKOFFICE_DB", database)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts")
}

/// Waits for the process to exit, with a deadline, and returns its output.
/// The wait runs on a blocking thread so that the fake Slack, which runs on
/// this test's runtime, keeps answering.
async fn wait_for_exit(child: Child) -> std::process::Output {
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output());
    tokio::time::timeout(DEADLINE, waiting)
        .await
        .expect("the example exits in time")
        .expect("the waiting thread finishes")
        .expect("output is read")
}

async fn wait_until_healthy(listen: SocketAddr) {
    let started = Instant::now();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<String>();
    loop {
        let request = axum::http::Request::get(format!("http://{listen}/healthz"))
            .body(String::new())
            .unwrap();
        if let Ok(response) = client.request(request).await {
            if response.status() == StatusCode::OK {
                return;
            }
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the example's endpoint never became healthy"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_over_events_api() {
    let fake = common::fake_slack().await;
    let listen = free_address();
    let folder = support::TempDir::new("slack-events");
    let child = start_example(&fake, listen, &folder.database());
    wait_until_healthy(listen).await;

    let event = json!({
        "type": "message", "channel": common::CHANNEL, "channel_type": "channel",
        "user": common::USER, "text": "<@UBOT> show account acme", "ts": "1800000000.000100",
    });
    let (status, _) = common::send_signed(listen, &common::envelope(event), &[]).await;
    assert_eq!(status, StatusCode::OK);

    let posts = fake.wait_for_posts(1, Duration::from_secs(30)).await;
    assert!(
        posts[0]
            .text
            .starts_with("acme: plan trial, status active, trial ends"),
        "{posts:?}"
    );
    assert_eq!(posts[0].thread_ts.as_deref(), Some("1800000000.000100"));

    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let output = wait_for_exit(child).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}, stderr:\n{stderr}",
        output.status
    );
    assert!(
        stderr.contains("Events API"),
        "the mode is not logged:\n{stderr}"
    );
    assert!(
        !stderr.contains(BOT_TOKEN),
        "the token was logged:\n{stderr}"
    );
    assert!(
        !stderr.contains(common::SIGNING_SECRET),
        "the secret was logged:\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_token_names_variable() {
    let fake = FakeSlack::start().await;
    fake.inject("auth.test", Fault::ApiError("invalid_auth".into()), 1);
    let folder = support::TempDir::new("slack-token");
    let child = start_example(&fake, free_address(), &folder.database());
    let output = wait_for_exit(child).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("SLACK_BOT_TOKEN"), "{stderr}");
}
