//! A fault run: the fake Slack fails about 20% of Web API calls at random
//! while a batch of commands, some of them delivered twice, goes through the
//! real adapter.
//!
//! Every replica shares one bot identity, so a lost answer to the claim
//! reaction cannot be told apart from another replica's claim. The guarantee
//! checked here is therefore at most once, with the uncertain case reported:
//! each command ran at most once, and each command that did not run was
//! answered in its thread, or the answer was attempted and its failure logged.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::StatusCode;
use backoffice_slack::testing::{Fault, RandomFaults};
use common::*;
use tokio::task::JoinSet;

const COMMANDS: usize = 50;
/// Every this many commands, the event is delivered a second time at once.
const REDELIVER_EVERY: usize = 5;
const SEED: u64 = 20_240_601;
const FAULT_PROBABILITY: f64 = 0.2;
const CLIENT_TIMEOUT: Duration = Duration::from_millis(250);

/// What came of one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fate {
    /// The handler ran once.
    Ran,
    /// The handler did not run, and a reply saying so reached the thread.
    ToldNotRun,
    /// The handler did not run, and the reply failed: its attempt is in the
    /// fake's call log and its failure in the adapter's log.
    Uncertain,
    /// The handler ran more than once.
    Duplicate,
    /// The handler did not run and nothing shows a reply attempt.
    Lost,
}

fn ts_of(index: usize) -> String {
    format!("1700000100.{index:06}")
}

fn text_of(index: usize) -> String {
    format!("fault-{index}")
}

async fn deliver(addr: std::net::SocketAddr, index: usize, retry: bool) -> StatusCode {
    let body = envelope(message(
        &command_text(&format!("echo {}", text_of(index))),
        &ts_of(index),
    ));
    let headers: &[(&str, &str)] = if retry {
        &[
            ("x-slack-retry-num", "1"),
            ("x-slack-retry-reason", "http_timeout"),
        ]
    } else {
        &[]
    };
    send_signed(addr, &body, headers).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_run_each_command_at_most_once() {
    let logs = capture_logs(tracing::Level::INFO);
    let harness = Harness::start_with(|mut config| {
        // Without the duplicate cache, redeliveries reach the claim.
        config.recent_messages = 0;
        config
            .with_workers(8)
            .with_request_timeout(CLIENT_TIMEOUT)
            .with_shutdown_deadline(Duration::from_secs(60))
    })
    .await;
    harness.fake.inject_random(RandomFaults::mixed(
        SEED,
        FAULT_PROBABILITY,
        CLIENT_TIMEOUT * 2,
    ));

    let addr = harness.handle.local_addr();
    let mut sends = JoinSet::new();
    for index in 0..COMMANDS {
        sends.spawn(deliver(addr, index, false));
        if index % REDELIVER_EVERY == 0 {
            sends.spawn(deliver(addr, index, true));
        }
    }
    while let Some(status) = sends.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
    // The shutdown waits for the workers to drain the queue.
    let unfinished = harness.handle.shutdown().await;
    assert_eq!(unfinished, backoffice_slack::Unfinished::default());
    harness.fake.stop_random();

    let fates = classify(&harness.fake, &harness.recorder, &logs.text());
    report(&harness.fake, &fates);

    for (index, fate) in &fates {
        assert_ne!(*fate, Fate::Duplicate, "command {index} ran more than once");
        assert_ne!(
            *fate,
            Fate::Lost,
            "command {index} neither ran nor was answered"
        );
    }
}

fn classify(
    fake: &backoffice_slack::testing::FakeSlack,
    recorder: &Recorder,
    logs: &str,
) -> BTreeMap<usize, Fate> {
    let echoed = recorder.echoed.lock().unwrap().clone();
    let posts = fake.posts();
    let post_calls = fake.calls_to("chat.postMessage");

    let mut fates = BTreeMap::new();
    for index in 0..COMMANDS {
        let (ts, text) = (ts_of(index), text_of(index));
        let runs = echoed.iter().filter(|echo| **echo == text).count();
        let told = posts.iter().any(|post| {
            post.thread_ts.as_deref() == Some(ts.as_str()) && post.text.contains("did not run it")
        });
        let attempted = post_calls
            .iter()
            .any(|call| call.params["thread_ts"] == ts.as_str());
        let logged = logs
            .lines()
            .any(|line| line.contains("could not post the reply") && line.contains(&ts));

        let fate = match runs {
            1 => Fate::Ran,
            0 if told => Fate::ToldNotRun,
            0 if attempted && logged => Fate::Uncertain,
            0 => Fate::Lost,
            _ => Fate::Duplicate,
        };
        fates.insert(index, fate);
    }
    fates
}

fn report(fake: &backoffice_slack::testing::FakeSlack, fates: &BTreeMap<usize, Fate>) {
    let count = |wanted: Fate| fates.values().filter(|fate| **fate == wanted).count();
    let calls = fake.calls();
    let faulted: Vec<&Fault> = calls
        .iter()
        .filter_map(|call| call.fault.as_ref())
        .collect();
    let kind = |matches: fn(&Fault) -> bool| faulted.iter().filter(|f| matches(f)).count();

    eprintln!(
        "fault run: {COMMANDS} commands, {} redelivered, seed {SEED}: \
         ran {}, told not run {}, uncertain {}, duplicates {}, lost {}",
        COMMANDS.div_ceil(REDELIVER_EVERY),
        count(Fate::Ran),
        count(Fate::ToldNotRun),
        count(Fate::Uncertain),
        count(Fate::Duplicate),
        count(Fate::Lost),
    );
    eprintln!(
        "fault run: {} Web API calls, {} failed: 429 {}, 5xx {}, slow {}, dropped {}",
        calls.len(),
        faulted.len(),
        kind(|f| matches!(f, Fault::RateLimited { .. })),
        kind(|f| matches!(f, Fault::ServerError(_))),
        kind(|f| matches!(f, Fault::Slow(_))),
        kind(|f| matches!(f, Fault::Disconnect)),
    );
}
