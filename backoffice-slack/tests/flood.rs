//! A flood: 10,000 signed events in a burst against a small queue. Every
//! event gets `200` or `503`, every acknowledged command runs, the bot
//! answers right after the flood, and memory stays bounded.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Request, StatusCode};
use common::*;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

const EVENTS: usize = 10_000;
/// Every this many events is a command; the rest do not address the bot.
const COMMAND_EVERY: usize = 100;
const IN_FLIGHT: usize = 64;
/// A generous bound on the growth of peak resident memory during the flood.
const MAX_GROWTH_KB: u64 = 200 * 1024;

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, String>;

/// Returns the peak resident set size of this process in KiB (`VmHWM`).
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status exists");
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .expect("VmHWM is listed");
    line.split_whitespace()
        .nth(1)
        .and_then(|kb| kb.parse().ok())
        .expect("VmHWM has a number of kB")
}

fn ts_of(index: usize) -> String {
    format!("1700000500.{index:06}")
}

/// Builds event `index`: a command, an event type the bot ignores, or a
/// message that does not mention the bot.
fn event(index: usize) -> String {
    let ts = ts_of(index);
    if index % COMMAND_EVERY == 0 {
        return envelope(message(&command_text(&format!("echo flood-{index}")), &ts));
    }
    if index % 3 == 0 {
        let ignored = json!({ "type": "made_up_event", "user": USER, "ts": ts, "event_ts": ts });
        return envelope(ignored);
    }
    envelope(message(&format!("chatter {index}"), &ts))
}

async fn post(client: &HttpClient, addr: std::net::SocketAddr, body: String) -> StatusCode {
    let timestamp = now();
    let signature = sign(SIGNING_SECRET, timestamp, &body);
    let request = Request::post(format!("http://{addr}/slack/events"))
        .header("content-type", "application/json")
        .header("x-slack-signature", signature)
        .header("x-slack-request-timestamp", timestamp.to_string())
        .body(body)
        .unwrap();
    client
        .request(request)
        .await
        .expect("the adapter answers")
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_is_acknowledged_or_rejected() {
    let harness = Harness::start_with(|config| {
        config
            .with_queue_capacity(64)
            .with_workers(2)
            .with_catch_up_window(Duration::ZERO)
    })
    .await;
    let addr = harness.handle.local_addr();
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let before_kb = peak_rss_kb();
    let started = Instant::now();

    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut sends = JoinSet::new();
    for index in 0..EVENTS {
        let (client, permits) = (client.clone(), Arc::clone(&permits));
        sends.spawn(async move {
            let _permit = permits.acquire_owned().await.unwrap();
            (index, post(&client, addr, event(index)).await)
        });
    }
    let mut accepted_commands = BTreeSet::new();
    let mut rejected_commands = BTreeSet::new();
    let mut rejected = 0;
    while let Some(sent) = sends.join_next().await {
        let (index, status) = sent.unwrap();
        assert!(
            status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE,
            "event {index} got {status}"
        );
        let is_command = index % COMMAND_EVERY == 0;
        match (status == StatusCode::OK, is_command) {
            (true, true) => accepted_commands.insert(index),
            (false, true) => rejected_commands.insert(index),
            (_, false) => false,
        };
        rejected += usize::from(status != StatusCode::OK);
    }
    let flood_time = started.elapsed();

    // Each command posts one reply, and nothing else posts.
    let posts = harness
        .fake
        .wait_for_posts(accepted_commands.len(), Duration::from_secs(60))
        .await;
    assert_ran_once(&harness, &accepted_commands);

    // Slack redelivers what got 503; after the flood the queue takes them.
    for index in &rejected_commands {
        let status = post(&client, addr, event(*index)).await;
        assert_eq!(status, StatusCode::OK, "redelivery of command {index}");
    }
    let all_commands: BTreeSet<usize> = (0..EVENTS).step_by(COMMAND_EVERY).collect();
    harness
        .fake
        .wait_for_posts(all_commands.len(), Duration::from_secs(60))
        .await;
    assert_ran_once(&harness, &all_commands);
    assert_eq!(posts.len(), accepted_commands.len());

    let ping_sent = Instant::now();
    let before_posts = harness.fake.posts().len();
    let ping = envelope(message(&command_text("ping"), "1700000600.000001"));
    post(&client, addr, ping).await;
    let posts = harness
        .fake
        .wait_for_posts(before_posts + 1, Duration::from_secs(5))
        .await;
    let ping_latency = ping_sent.elapsed();
    let growth_kb = peak_rss_kb().saturating_sub(before_kb);

    eprintln!(
        "flood: {EVENTS} events in {} ms, {} rejected with 503 ({} of them commands), \
         {} commands acknowledged and run, the rejected ones run on redelivery; ping answered in {} ms; VmHWM grew {} KiB",
        flood_time.as_millis(),
        rejected,
        rejected_commands.len(),
        accepted_commands.len(),
        ping_latency.as_millis(),
        growth_kb,
    );
    assert_eq!(posts.last().unwrap().text, "pong");
    assert!(growth_kb < MAX_GROWTH_KB, "VmHWM grew {growth_kb} KiB");
}

/// Checks that each of `commands` ran exactly once.
fn assert_ran_once(harness: &Harness, commands: &BTreeSet<usize>) {
    let echoed = harness.recorder.echoed.lock().unwrap().clone();
    for index in commands {
        let text = format!("flood-{index}");
        let runs = echoed.iter().filter(|echo| **echo == text).count();
        assert_eq!(runs, 1, "command {index} ran {runs} times");
    }
}
