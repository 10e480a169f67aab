//! Catch-up against the fake Slack: commands posted while the adapter was
//! down, as top-level messages or as thread replies, run once at start-up,
//! and a restart does not run them again.

mod common;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use backoffice_slack::testing::{Fault, BOT_USER_ID};
use common::*;

/// Returns the log of every test in this file, which share one global
/// subscriber, so a test finds its own lines by their values.
fn logs() -> &'static Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| capture_logs(tracing::Level::WARN))
}

/// Returns a message timestamp `seconds_ago` seconds before now.
fn ts_ago(seconds_ago: u64, sequence: u32) -> String {
    format!("{}.{sequence:06}", now() - seconds_ago)
}

#[tokio::test]
async fn start_up_runs_missed_commands_once() {
    let fake = fake_slack().await;
    let missed = ts_ago(60, 1);
    let handled = ts_ago(50, 2);
    let too_old = ts_ago(3_600, 3);
    fake.post_human_message(CHANNEL, USER, &command_text("echo missed"), &missed);
    fake.post_human_message(CHANNEL, USER, &command_text("echo handled"), &handled);
    fake.react(CHANNEL, &handled, "eyes", BOT_USER_ID);
    fake.post_human_message(CHANNEL, USER, &command_text("echo too old"), &too_old);
    fake.post_human_message(CHANNEL, USER, "lunch, anyone?", &ts_ago(40, 4));

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::from_secs(600));
    let first = backoffice_slack::start(bot(Arc::clone(&recorder)), config.clone())
        .await
        .expect("the adapter starts");

    let posts = fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts[0].text, "missed");
    assert_eq!(posts[0].thread_ts.as_deref(), Some(missed.as_str()));
    first.shutdown().await;
    assert_eq!(*recorder.echoed.lock().unwrap(), ["missed"]);

    // A restart reads the history again and finds every command marked.
    let second = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter restarts");
    fake.wait_for_calls("conversations.history", 2, WAIT).await;
    second.shutdown().await;

    assert_eq!(*recorder.echoed.lock().unwrap(), ["missed"]);
    assert_eq!(fake.posts().len(), 1);
    assert_eq!(fake.calls_to("reactions.add").len(), 1);
}

#[tokio::test]
async fn channel_bound_by_name_is_read() {
    let fake = fake_slack().await;
    let missed = ts_ago(60, 1);
    fake.post_human_message(CHANNEL, USER, &command_text("echo by name"), &missed);

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::from_secs(600));
    let handle = backoffice_slack::start(bot_in(Arc::clone(&recorder), "#ops"), config)
        .await
        .expect("the adapter starts");

    let posts = fake.wait_for_posts(1, WAIT).await;
    handle.shutdown().await;
    assert_eq!(posts[0].text, "by name");
    assert_eq!(posts[0].thread_ts.as_deref(), Some(missed.as_str()));
    assert_eq!(*recorder.echoed.lock().unwrap(), ["by name"]);
}

#[tokio::test]
async fn zero_window_turns_catch_up_off() {
    let fake = fake_slack().await;
    fake.post_human_message(CHANNEL, USER, &command_text("echo missed"), &ts_ago(60, 1));
    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::ZERO);

    let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter starts");
    assert_still_runs_ping(&handle, &fake).await;
    handle.shutdown().await;

    assert!(fake.calls_to("conversations.history").is_empty());
    assert_eq!(recorder.echoed.lock().unwrap().len(), 0);
}

#[tokio::test]
async fn history_is_read_page_by_page() {
    let fake = fake_slack().await;
    let platform = backoffice_slack::SlackPlatform::connect(&http_config(&fake))
        .await
        .expect("the platform connects");
    for sequence in 0..450 {
        let text = format!("message {sequence}");
        fake.post_human_message(CHANNEL, USER, &text, &ts_ago(100, sequence));
    }

    let oldest = std::time::SystemTime::now() - Duration::from_secs(600);
    let history = backoffice_core::Platform::history(&platform, CHANNEL, oldest)
        .await
        .expect("the history is read");

    assert_eq!(history.len(), 450);
    assert_eq!(history[0].message.text, "message 0");
    assert_eq!(history[449].message.text, "message 449");
    assert_eq!(fake.calls_to("conversations.history").len(), 3);
}

#[tokio::test]
async fn thread_reply_runs_once_in_thread() {
    let fake = fake_slack().await;
    let parent = ts_ago(120, 11);
    let reply = ts_ago(60, 12);
    fake.post_human_message(CHANNEL, USER, "the deploy is stuck", &parent);
    fake.post_thread_reply(
        CHANNEL,
        &parent,
        USER,
        &command_text("echo in thread"),
        &reply,
    );

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::from_secs(600));
    let first = backoffice_slack::start(bot(Arc::clone(&recorder)), config.clone())
        .await
        .expect("the adapter starts");

    let posts = fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts[0].text, "in thread");
    assert_eq!(posts[0].thread_ts.as_deref(), Some(parent.as_str()));
    first.shutdown().await;
    assert_eq!(*recorder.echoed.lock().unwrap(), ["in thread"]);
    assert_eq!(fake.reactions_on(CHANNEL, &reply), ["eyes"]);

    // A restart reads the thread again and finds the reply marked.
    let second = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter restarts");
    fake.wait_for_calls("conversations.replies", 2, WAIT).await;
    second.shutdown().await;

    assert_eq!(*recorder.echoed.lock().unwrap(), ["in thread"]);
    assert_eq!(fake.posts().len(), 1);
    assert_eq!(fake.calls_to("reactions.add").len(), 1);
}

#[tokio::test]
async fn reply_to_old_parent_runs() {
    let fake = fake_slack().await;
    let parent = ts_ago(3_600, 21);
    let old_reply = ts_ago(1_800, 22);
    let reply = ts_ago(60, 23);
    fake.post_human_message(CHANNEL, USER, &command_text("echo parent"), &parent);
    fake.post_thread_reply(
        CHANNEL,
        &parent,
        USER,
        &command_text("echo old"),
        &old_reply,
    );
    fake.post_thread_reply(CHANNEL, &parent, USER, &command_text("echo reply"), &reply);

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::from_secs(600));
    let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter starts");

    let posts = fake.wait_for_posts(1, WAIT).await;
    handle.shutdown().await;
    assert_eq!(posts[0].text, "reply");
    assert_eq!(posts[0].thread_ts.as_deref(), Some(parent.as_str()));
    assert_eq!(
        *recorder.echoed.lock().unwrap(),
        ["reply"],
        "the parent and the first reply are older than the window, so they do not run"
    );
    assert_eq!(fake.posts().len(), 1);
}

#[tokio::test]
async fn zero_thread_lookback_skips_old_parents() {
    let fake = fake_slack().await;
    let parent = ts_ago(3_600, 31);
    fake.post_human_message(CHANNEL, USER, "the deploy is stuck", &parent);
    fake.post_thread_reply(
        CHANNEL,
        &parent,
        USER,
        &command_text("echo reply"),
        &ts_ago(60, 32),
    );

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake)
        .with_catch_up_window(Duration::from_secs(600))
        .with_thread_lookback(Duration::ZERO);
    let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter starts");
    fake.wait_for_calls("conversations.history", 1, WAIT).await;
    handle.shutdown().await;

    assert!(fake.calls_to("conversations.replies").is_empty());
    assert!(recorder.echoed.lock().unwrap().is_empty());
    assert!(fake.posts().is_empty());
}

#[tokio::test]
async fn thread_reply_with_marker_is_skipped() {
    let fake = fake_slack().await;
    let parent = ts_ago(120, 41);
    let handled = ts_ago(60, 42);
    let later = ts_ago(30, 43);
    fake.post_human_message(CHANNEL, USER, "the deploy is stuck", &parent);
    fake.post_thread_reply(
        CHANNEL,
        &parent,
        USER,
        &command_text("echo handled"),
        &handled,
    );
    fake.react(CHANNEL, &handled, "eyes", BOT_USER_ID);
    fake.post_human_message(CHANNEL, USER, &command_text("echo later"), &later);

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::from_secs(600));
    let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter starts");

    // Catch-up handles the channel oldest first, so the marked reply came
    // before the later command's reply.
    let posts = fake.wait_for_posts(1, WAIT).await;
    handle.shutdown().await;
    assert_eq!(posts[0].text, "later");
    assert_eq!(fake.calls_to("conversations.replies").len(), 1);
    assert_eq!(*recorder.echoed.lock().unwrap(), ["later"]);
    assert_eq!(fake.posts().len(), 1);
    assert_eq!(fake.calls_to("reactions.add").len(), 1);
}

#[tokio::test]
async fn failed_thread_read_keeps_channel_commands() {
    let logs = logs();
    let fake = fake_slack().await;
    let parent = ts_ago(120, 51);
    fake.post_human_message(CHANNEL, USER, "the deploy is stuck", &parent);
    fake.post_thread_reply(
        CHANNEL,
        &parent,
        USER,
        &command_text("echo reply"),
        &ts_ago(90, 52),
    );
    fake.post_human_message(CHANNEL, USER, &command_text("echo top"), &ts_ago(60, 53));
    fake.inject(
        "conversations.replies",
        Fault::ApiError("internal_error".to_owned()),
        1,
    );

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::from_secs(600));
    let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter starts");

    let posts = fake.wait_for_posts(1, WAIT).await;
    handle.shutdown().await;
    assert_eq!(posts[0].text, "top");
    assert_eq!(*recorder.echoed.lock().unwrap(), ["top"]);
    assert_eq!(fake.calls_to("conversations.replies").len(), 1);

    let logged = logs.text();
    let line = logged
        .lines()
        .find(|line| line.contains("could not read a thread"))
        .unwrap_or_else(|| panic!("no log line for the failed thread read in:\n{logged}"));
    assert!(line.contains(&format!("channel={CHANNEL}")), "{line}");
    assert!(line.contains(&format!("thread_ts={parent}")), "{line}");
    assert!(line.contains("internal_error"), "{line}");
}

#[tokio::test]
async fn thread_is_read_page_by_page() {
    let fake = fake_slack().await;
    let platform = backoffice_slack::SlackPlatform::connect(&http_config(&fake))
        .await
        .expect("the platform connects");
    let parent = ts_ago(200, 0);
    fake.post_human_message(CHANNEL, USER, "parent", &parent);
    for sequence in 1..=450 {
        let text = format!("reply {sequence}");
        fake.post_thread_reply(CHANNEL, &parent, USER, &text, &ts_ago(100, sequence));
    }

    let oldest = std::time::SystemTime::now() - Duration::from_secs(600);
    let history = backoffice_core::Platform::history(&platform, CHANNEL, oldest)
        .await
        .expect("the history is read");

    assert_eq!(history.len(), 451);
    assert_eq!(history[0].message.text, "parent");
    assert_eq!(history[1].message.text, "reply 1");
    assert_eq!(history[450].message.text, "reply 450");
    for stored in &history[1..] {
        assert_eq!(stored.message.thread_ts.as_deref(), Some(parent.as_str()));
    }
    assert_eq!(fake.calls_to("conversations.history").len(), 1);
    assert_eq!(fake.calls_to("conversations.replies").len(), 3);
}

async fn assert_still_runs_ping(
    handle: &backoffice_slack::SlackHandle,
    fake: &backoffice_slack::testing::FakeSlack,
) {
    let body = envelope(message(&command_text("ping"), &ts_ago(0, 9)));
    send_signed(handle.local_addr(), &body, &[]).await;
    let posts = fake.wait_for_posts(1, WAIT).await;
    assert_eq!(posts[0].text, "pong");
}

#[tokio::test]
async fn thread_broadcast_runs_once_in_thread() {
    let fake = fake_slack().await;
    let old_parent = ts_ago(3_600, 61);
    let new_parent = ts_ago(300, 62);
    let old_parent_broadcast = ts_ago(120, 63);
    let new_parent_broadcast = ts_ago(60, 64);
    fake.post_human_message(CHANNEL, USER, "the deploy is stuck", &old_parent);
    fake.post_human_message(CHANNEL, USER, "the queue is full", &new_parent);
    fake.post_thread_broadcast(
        CHANNEL,
        &old_parent,
        USER,
        &command_text("echo old parent"),
        &old_parent_broadcast,
    );
    fake.post_thread_broadcast(
        CHANNEL,
        &new_parent,
        USER,
        &command_text("echo new parent"),
        &new_parent_broadcast,
    );

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::from_secs(600));
    let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter starts");

    // A reply sent to the channel as well runs like any thread reply, as
    // its live `message` event does, and only once although both
    // conversations.history and conversations.replies return it.
    let posts = fake.wait_for_posts(2, WAIT).await;
    fake.wait_for_calls("conversations.replies", 2, WAIT).await;
    handle.shutdown().await;
    assert_eq!(posts[0].text, "old parent");
    assert_eq!(posts[0].thread_ts.as_deref(), Some(old_parent.as_str()));
    assert_eq!(posts[1].text, "new parent");
    assert_eq!(posts[1].thread_ts.as_deref(), Some(new_parent.as_str()));
    assert_eq!(
        *recorder.echoed.lock().unwrap(),
        ["old parent", "new parent"]
    );
    assert_eq!(fake.posts().len(), 2);
    assert_eq!(fake.calls_to("reactions.add").len(), 2);
}

#[tokio::test]
async fn failed_lookback_page_keeps_window() {
    let logs = logs();
    let fake = fake_slack().await;
    for sequence in 0..250 {
        let text = format!("message {sequence}");
        fake.post_human_message(CHANNEL, USER, &text, &ts_ago(3_600, sequence));
    }
    fake.post_human_message(CHANNEL, USER, &command_text("echo top"), &ts_ago(60, 999));
    // The first page reaches back past the window, so the second one
    // contains only messages of the thread lookback.
    fake.inject_after(
        "conversations.history",
        1,
        Fault::ApiError("internal_error".to_owned()),
        1,
    );

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::from_secs(600));
    let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter starts");

    let posts = fake.wait_for_posts(1, WAIT).await;
    handle.shutdown().await;
    assert_eq!(posts[0].text, "top");
    assert_eq!(*recorder.echoed.lock().unwrap(), ["top"]);
    assert_eq!(fake.calls_to("conversations.history").len(), 2);

    let logged = logs.text();
    let line = logged
        .lines()
        .find(|line| line.contains("could not read the channel history before"))
        .unwrap_or_else(|| panic!("no log line for the failed history page in:\n{logged}"));
    assert!(line.contains(&format!("channel={CHANNEL}")), "{line}");
    assert!(line.contains("internal_error"), "{line}");
}

#[tokio::test]
async fn failed_window_page_fails_channel() {
    let fake = fake_slack().await;
    for sequence in 0..250 {
        let text = format!("message {sequence}");
        fake.post_human_message(CHANNEL, USER, &text, &ts_ago(60, sequence));
    }
    fake.post_human_message(CHANNEL, USER, &command_text("echo top"), &ts_ago(30, 999));
    fake.inject_after(
        "conversations.history",
        1,
        Fault::ApiError("internal_error".to_owned()),
        1,
    );
    let platform = backoffice_slack::SlackPlatform::connect(&http_config(&fake))
        .await
        .expect("the platform connects");

    // The failed page contains messages of the window, so running the rest
    // would skip commands without saying so.
    let oldest = std::time::SystemTime::now() - Duration::from_secs(600);
    let history = backoffice_core::Platform::history(&platform, CHANNEL, oldest).await;

    assert!(history.is_err(), "{history:?}");
    assert_eq!(fake.calls_to("conversations.history").len(), 2);
}

#[tokio::test]
async fn threads_read_per_channel_are_capped() {
    // The adapter reads at most 100 threads per channel and run.
    const MAX_THREADS: u32 = 100;
    const BUSY: &str = "C2BUSY";
    let logs = logs();
    let fake = fake_slack().await;
    fake.add_channel(BUSY, "busy", serde_json::json!({}));
    let platform = backoffice_slack::SlackPlatform::connect(&http_config(&fake))
        .await
        .expect("the platform connects");
    // Thread `n` has its parent 300 + n seconds ago and its reply n seconds
    // ago, both in the window, so the lower `n`, the newer the thread's reply.
    let threads = MAX_THREADS + 20;
    for n in 1..=threads {
        let parent = ts_ago(300 + u64::from(n), n);
        fake.post_human_message(BUSY, USER, &format!("parent {n}"), &parent);
        let reply = ts_ago(u64::from(n), n);
        fake.post_thread_reply(BUSY, &parent, USER, &format!("reply {n}"), &reply);
    }

    let oldest = std::time::SystemTime::now() - Duration::from_secs(600);
    let history = backoffice_core::Platform::history(&platform, BUSY, oldest)
        .await
        .expect("the history is read");

    assert_eq!(
        fake.calls_to("conversations.replies").len(),
        MAX_THREADS as usize
    );
    let replies: Vec<&str> = history
        .iter()
        .filter(|stored| stored.message.text.starts_with("reply"))
        .map(|stored| stored.message.text.as_str())
        .collect();
    assert_eq!(replies.len(), MAX_THREADS as usize);
    assert!(replies.contains(&"reply 1"), "the newest reply is read");
    assert!(
        !replies.contains(&format!("reply {threads}").as_str()),
        "the oldest reply is skipped"
    );
    let parents = history
        .iter()
        .filter(|stored| stored.message.text.starts_with("parent"))
        .count();
    assert_eq!(parents, threads as usize, "top-level messages are all kept");

    let logged = logs.text();
    let line = logged
        .lines()
        .find(|line| line.contains("threads") && line.contains(&format!("channel={BUSY}")))
        .unwrap_or_else(|| panic!("no log line for the skipped threads in:\n{logged}"));
    assert!(
        line.contains(&format!("with_new_replies={threads}")),
        "{line}"
    );
    assert!(line.contains(&format!("read={MAX_THREADS}")), "{line}");
}

#[tokio::test]
async fn parent_command_and_reply_run_once() {
    let fake = fake_slack().await;
    let parent = ts_ago(120, 71);
    let reply = ts_ago(60, 72);
    let own_reply = ts_ago(50, 73);
    fake.post_human_message(CHANNEL, USER, &command_text("echo parent"), &parent);
    fake.post_thread_reply(CHANNEL, &parent, USER, &command_text("echo reply"), &reply);
    // The bot's own earlier reply in the thread, worded like a command.
    fake.post_thread_reply(
        CHANNEL,
        &parent,
        BOT_USER_ID,
        &command_text("echo own"),
        &own_reply,
    );

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::from_secs(600));
    let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter starts");

    let posts = fake.wait_for_posts(2, WAIT).await;
    handle.shutdown().await;
    assert_eq!(posts[0].text, "parent");
    assert_eq!(posts[0].thread_ts.as_deref(), Some(parent.as_str()));
    assert_eq!(posts[1].text, "reply");
    assert_eq!(posts[1].thread_ts.as_deref(), Some(parent.as_str()));
    assert_eq!(*recorder.echoed.lock().unwrap(), ["parent", "reply"]);
    assert_eq!(fake.posts().len(), 2);
    assert_eq!(fake.calls_to("reactions.add").len(), 2);
    assert!(fake.reactions_on(CHANNEL, &own_reply).is_empty());
}

#[tokio::test]
async fn replies_outage_stops_thread_reads() {
    const OUTAGE: &str = "C3OUTAGE";
    let logs = logs();
    let fake = fake_slack().await;
    fake.add_channel(OUTAGE, "outage", serde_json::json!({}));
    for n in 1..=5 {
        let parent = ts_ago(300 + n, 80 + n as u32);
        fake.post_human_message(OUTAGE, USER, "the deploy is stuck", &parent);
        let reply = ts_ago(100 + n, 90 + n as u32);
        fake.post_thread_reply(OUTAGE, &parent, USER, &command_text("echo reply"), &reply);
    }
    fake.post_human_message(OUTAGE, USER, &command_text("echo top"), &ts_ago(60, 99));
    fake.inject("conversations.replies", Fault::ServerError(503), 100);
    let platform = backoffice_slack::SlackPlatform::connect(&http_config(&fake))
        .await
        .expect("the platform connects");

    // Every thread would cost the same retries, up to four attempts of the
    // request timeout each, while the channel's commands wait.
    let oldest = std::time::SystemTime::now() - Duration::from_secs(600);
    let history = backoffice_core::Platform::history(&platform, OUTAGE, oldest)
        .await
        .expect("the top-level history is read");

    let texts: Vec<&str> = history
        .iter()
        .map(|stored| stored.message.text.as_str())
        .collect();
    assert!(
        texts.contains(&command_text("echo top").as_str()),
        "{texts:?}"
    );
    assert_eq!(
        fake.calls_to("conversations.replies").len(),
        4,
        "one thread's first attempt and its 3 retries"
    );

    let logged = logs.text();
    let line = logged
        .lines()
        .find(|line| line.contains("stopped reading threads") && line.contains(OUTAGE))
        .unwrap_or_else(|| panic!("no log line for the skipped threads in:\n{logged}"));
    assert!(line.contains("skipped=4"), "{line}");
}

#[tokio::test]
async fn missing_thread_keeps_other_threads() {
    let fake = fake_slack().await;
    let first_parent = ts_ago(300, 101);
    let second_parent = ts_ago(290, 102);
    fake.post_human_message(CHANNEL, USER, "the deploy is stuck", &first_parent);
    fake.post_human_message(CHANNEL, USER, "the queue is full", &second_parent);
    fake.post_thread_reply(
        CHANNEL,
        &first_parent,
        USER,
        &command_text("echo first"),
        &ts_ago(60, 103),
    );
    fake.post_thread_reply(
        CHANNEL,
        &second_parent,
        USER,
        &command_text("echo second"),
        &ts_ago(50, 104),
    );
    // The thread with the newest reply is read first, and its parent was
    // deleted since the history was read.
    fake.inject(
        "conversations.replies",
        Fault::ApiError("thread_not_found".to_owned()),
        1,
    );

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake).with_catch_up_window(Duration::from_secs(600));
    let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter starts");

    let posts = fake.wait_for_posts(1, WAIT).await;
    handle.shutdown().await;
    assert_eq!(posts[0].text, "first");
    assert_eq!(posts[0].thread_ts.as_deref(), Some(first_parent.as_str()));
    assert_eq!(*recorder.echoed.lock().unwrap(), ["first"]);
    assert_eq!(fake.calls_to("conversations.replies").len(), 2);
}

#[tokio::test]
async fn reply_at_window_edge_is_read() {
    let fake = fake_slack().await;
    let platform = backoffice_slack::SlackPlatform::connect(&http_config(&fake))
        .await
        .expect("the platform connects");
    let seconds = now() - 300;
    let parent = format!("{}.000001", seconds - 3_600);
    let edge = format!("{seconds}.000500");
    fake.post_human_message(CHANNEL, USER, "parent", &parent);
    fake.post_thread_reply(
        CHANNEL,
        &parent,
        USER,
        "before",
        &format!("{seconds}.000499"),
    );
    fake.post_thread_reply(CHANNEL, &parent, USER, "at edge", &edge);
    fake.post_human_message(CHANNEL, USER, "top before", &format!("{seconds}.000498"));
    fake.post_human_message(CHANNEL, USER, "top after", &format!("{seconds}.000501"));

    // The window starts at the edge reply's ts, to the microsecond.
    let oldest = backoffice_core::platform::ts_to_time(&edge).expect("a valid ts");
    let history = backoffice_core::Platform::history(&platform, CHANNEL, oldest)
        .await
        .expect("the history is read");

    let texts: Vec<&str> = history
        .iter()
        .map(|stored| stored.message.text.as_str())
        .collect();
    assert_eq!(texts, ["at edge", "top after"]);
    assert_eq!(
        history[0].message.thread_ts.as_deref(),
        Some(parent.as_str())
    );
}

#[tokio::test]
async fn broadcast_to_parent_beyond_lookback_runs() {
    let fake = fake_slack().await;
    let parent = ts_ago(3_600, 111);
    fake.post_human_message(CHANNEL, USER, "the deploy is stuck", &parent);
    fake.post_thread_broadcast(
        CHANNEL,
        &parent,
        USER,
        &command_text("echo broadcast"),
        &ts_ago(60, 112),
    );

    let recorder = Arc::new(Recorder::default());
    let config = http_config(&fake)
        .with_catch_up_window(Duration::from_secs(600))
        .with_thread_lookback(Duration::ZERO);
    let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
        .await
        .expect("the adapter starts");

    // conversations.history lists the reply itself, so catch-up finds it
    // without reading the thread.
    let posts = fake.wait_for_posts(1, WAIT).await;
    handle.shutdown().await;
    assert_eq!(posts[0].text, "broadcast");
    assert_eq!(posts[0].thread_ts.as_deref(), Some(parent.as_str()));
    assert!(fake.calls_to("conversations.replies").is_empty());
    assert_eq!(*recorder.echoed.lock().unwrap(), ["broadcast"]);
}
