//! Shared set-up of the end-to-end tests: a fake Slack, the real adapter
//! pointed at it, a bot whose handlers count their runs, and signed event
//! requests sent over real HTTP.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{Request, StatusCode};
use backoffice_core::{Bot, Command, CommandInfo, Invocation, Reply, Rule};
use backoffice_slack::testing::{FakeSlack, BOT_TOKEN, BOT_USER_ID};
use backoffice_slack::{SlackConfig, SlackHandle};
use hmac::{KeyInit, Mac};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use tokio::sync::{Notify, Semaphore};

pub const SIGNING_SECRET: &str = "test-signing-secret";
pub const WAIT: Duration = Duration::from_secs(10);
pub const CHANNEL: &str = "C1";
pub const USER: &str = "U1";

/// What the test handlers record.
pub struct Recorder {
    /// How many times any handler ran.
    pub runs: AtomicUsize,
    /// The arguments `echo` received.
    pub echoed: Mutex<Vec<String>>,
    /// Notified when `block` starts.
    pub blocked: Notify,
    /// `block` waits for a permit from this semaphore.
    pub release: Semaphore,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            runs: AtomicUsize::new(0),
            echoed: Mutex::new(Vec::new()),
            blocked: Notify::new(),
            release: Semaphore::new(0),
        }
    }
}

impl Recorder {
    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

fn command(
    pattern: &str,
    run: fn(Arc<Recorder>, Option<String>) -> backoffice_core::command::BoxFuture<Reply>,
) -> Command<Arc<Recorder>> {
    let info =
        CommandInfo::new(pattern.split(' ').next().unwrap(), pattern, "test command").access("ops");
    Command::new(info, move |args| {
        let text = args.get("text").map(str::to_owned);
        Ok(Invocation::new(
            move |ctx: backoffice_core::Context<Arc<Recorder>>| {
                let recorder = Arc::clone(ctx.state());
                recorder.runs.fetch_add(1, Ordering::SeqCst);
                let reply = run(recorder, text);
                Box::pin(async move { Ok(reply.await) })
            },
        ))
    })
}

/// Builds the test bot: `ping`, `echo <text...>`, `shout` and `block`.
pub fn bot(recorder: Arc<Recorder>) -> Bot<Arc<Recorder>> {
    bot_in(recorder, CHANNEL)
}

/// Builds the test bot with its role bound to `channel`, an ID or a name.
pub fn bot_in(recorder: Arc<Recorder>, channel: &str) -> Bot<Arc<Recorder>> {
    Bot::builder(recorder)
        .command(command("ping", |_, _| {
            Box::pin(async { Reply::new("pong") })
        }))
        .command(command("echo <text...>", |recorder, text| {
            let text = text.unwrap_or_default();
            recorder.echoed.lock().unwrap().push(text.clone());
            Box::pin(async move { Reply::new(text) })
        }))
        .command(command("shout", |_, _| {
            Box::pin(async { Reply::new("<!channel> hello & <@U2>") })
        }))
        .command(command("block", |recorder, _| {
            Box::pin(async move {
                recorder.blocked.notify_one();
                let _permit = recorder.release.acquire().await.unwrap();
                Reply::new("unblocked")
            })
        }))
        .role("ops", Rule::channels([channel]))
        .build()
        .expect("the test bot is valid")
}

/// Starts a fake Slack that contains the test user and channel.
pub async fn fake_slack() -> FakeSlack {
    let fake = FakeSlack::start().await;
    fake.add_user(USER, "alice", json!({}));
    fake.add_channel(CHANNEL, "ops", json!({}));
    fake
}

/// Builds an HTTP-mode config for `fake`, on a free port, with fast retries.
pub fn http_config(fake: &FakeSlack) -> SlackConfig {
    SlackConfig::http(BOT_TOKEN, SIGNING_SECRET)
        .with_listen(SocketAddr::from(([127, 0, 0, 1], 0)))
        .with_api_url(&fake.api_url())
        .expect("the fake's URL is valid")
        .with_workers(1)
        .with_retries(3, Duration::from_millis(10))
        .with_request_timeout(Duration::from_secs(2))
}

/// A running adapter with its fake Slack and recorder.
pub struct Harness {
    pub fake: FakeSlack,
    pub handle: SlackHandle,
    pub recorder: Arc<Recorder>,
}

impl Harness {
    /// Starts the fake and the adapter with [`http_config`].
    pub async fn start() -> Self {
        Self::start_with(|config| config).await
    }

    /// Starts the fake and the adapter with a changed config.
    pub async fn start_with(change: impl FnOnce(SlackConfig) -> SlackConfig) -> Self {
        let fake = fake_slack().await;
        let recorder = Arc::new(Recorder::default());
        let config = change(http_config(&fake));
        let handle = backoffice_slack::start(bot(Arc::clone(&recorder)), config)
            .await
            .expect("the adapter starts against the fake");
        Self {
            fake,
            handle,
            recorder,
        }
    }

    /// Sends `body`, signed now, to `POST /slack/events`.
    pub async fn send(&self, body: &str) -> (StatusCode, String) {
        send_signed(self.handle.local_addr(), body, &[]).await
    }
}

/// Returns the current Unix time in seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Computes Slack's `v0=` signature of `body` at `timestamp`.
pub fn sign(secret: &str, timestamp: u64, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends `body` signed with the test secret now, with extra headers.
pub async fn send_signed(
    addr: SocketAddr,
    body: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let timestamp = now();
    let signature = sign(SIGNING_SECRET, timestamp, body);
    let timestamp = timestamp.to_string();
    let mut all = vec![
        ("x-slack-signature", signature.as_str()),
        ("x-slack-request-timestamp", timestamp.as_str()),
    ];
    all.extend_from_slice(headers);
    send_raw(addr, body.to_owned(), &all).await
}

/// Sends `body` to `POST /slack/events` with exactly these headers.
pub async fn send_raw(
    addr: SocketAddr,
    body: String,
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<String>();
    let mut request = Request::post(format!("http://{addr}/slack/events"))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }

    let response = client
        .request(request.body(body).unwrap())
        .await
        .expect("the adapter answers");
    let status = response.status();
    let body = axum::body::to_bytes(axum::body::Body::new(response.into_body()), usize::MAX)
        .await
        .expect("the answer has a body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Sends `GET path` and returns the status.
pub async fn get(addr: SocketAddr, path: &str) -> StatusCode {
    let client = Client::builder(TokioExecutor::new()).build_http::<String>();
    let request = Request::get(format!("http://{addr}{path}"))
        .body(String::new())
        .unwrap();
    client
        .request(request)
        .await
        .expect("the adapter answers")
        .status()
}

/// Wraps an inner event in an `event_callback` envelope.
pub fn envelope(event: Value) -> String {
    json!({
        "token": "unused",
        "team_id": "T1",
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": format!("Ev{}", event["ts"].as_str().unwrap_or("0").replace('.', "")),
        "event_time": now(),
    })
    .to_string()
}

/// Builds a person's `message` event in the test channel.
pub fn message(text: &str, ts: &str) -> Value {
    json!({
        "type": "message",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": USER,
        "text": text,
        "ts": ts,
        "event_ts": ts,
    })
}

/// Builds the `app_mention` event of the same message.
pub fn mention(text: &str, ts: &str) -> Value {
    json!({
        "type": "app_mention",
        "channel": CHANNEL,
        "user": USER,
        "text": text,
        "ts": ts,
        "event_ts": ts,
    })
}

/// Builds a command addressed to the bot.
pub fn command_text(command: &str) -> String {
    format!("<@{BOT_USER_ID}> {command}")
}

/// The log lines written through `tracing` since [`capture_logs`] was called.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Returns everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs a global subscriber that keeps every event at `level` and above,
/// from every crate, without colours, and returns its log. A test binary can
/// install one global subscriber, so call this from at most one test per file.
pub fn capture_logs(level: tracing::Level) -> Logs {
    let logs = Logs::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("no other test in this file installed a subscriber");
    logs
}
