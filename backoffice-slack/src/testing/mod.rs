//! A fake Slack for tests: the Web API methods the adapter calls and a
//! Socket Mode WebSocket, served on `127.0.0.1` by axum.
//!
//! [`FakeSlack`] records every call, keeps reactions, posted messages and
//! seeded channel history with its threads in memory, and fails a method on request: it
//! returns `429` with a `Retry-After`, returns `5xx`, responds slowly, drops
//! the connection, or returns a Slack error code. [`FakeSlack::inject_random`]
//! fails a share of all calls at random, from a seeded generator.
//! Tests point a real adapter at [`FakeSlack::api_url`] and wait for calls
//! with a deadline instead of sleeping.
//!
//! Enabled by the `testing` feature.

mod api;
mod random;
mod socket;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

pub use random::RandomFaults;

/// The bot token the fake accepts.
pub const BOT_TOKEN: &str = "xoxb-fake-bot-token";
/// The app-level token the fake accepts for Socket Mode.
pub const APP_TOKEN: &str = "xapp-fake-app-token";
/// The bot's user ID, returned by `auth.test`.
pub const BOT_USER_ID: &str = "UBOT";
/// The workspace ID, returned by `auth.test`.
pub const TEAM_ID: &str = "T1";

/// One Web API call the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The method, such as `chat.postMessage`.
    pub method: String,
    /// The query parameters and JSON body fields, merged into one object.
    pub params: Value,
    /// The failure the fake returned instead of the normal response, if any.
    pub fault: Option<Fault>,
}

/// One message posted with `chat.postMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// The channel ID.
    pub channel: String,
    /// The thread the message was posted in.
    pub thread_ts: Option<String>,
    /// The text exactly as received.
    pub text: String,
    /// The timestamp the fake gave the message.
    pub ts: String,
}

/// A failure the fake returns instead of a method's normal response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `429 Too Many Requests` with this `Retry-After`, in seconds. Nothing is done.
    RateLimited {
        /// The `Retry-After` header value in seconds.
        retry_after_secs: u64,
    },
    /// This `5xx` status. Nothing is done.
    ServerError(u16),
    /// The method does its work, then responds after this delay.
    Slow(Duration),
    /// `{"ok": false, "error": code}`. Nothing is done.
    ApiError(String),
    /// The fake sends `200 OK` and its headers, then closes the connection
    /// before the body. Nothing is done.
    Disconnect,
}

/// A message that a person posted, as `conversations.history` and
/// `conversations.replies` return it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HistoryMessage {
    user: String,
    text: String,
    ts: String,
    /// The parent's `ts` when the message is a thread reply.
    thread_ts: Option<String>,
    /// Whether the reply was also sent to the channel, so that
    /// `conversations.history` lists it with subtype `thread_broadcast`.
    broadcast: bool,
}

/// A person's message that `reactions.get` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredText {
    user: String,
    text: String,
    /// The `ts` of the latest edit, if the message was edited.
    edited_ts: Option<String>,
    /// The parent's `ts` when the message is a thread reply.
    thread_ts: Option<String>,
}

/// A message's `(channel, ts)`.
type MessageKey = (String, String);

/// Emoji names with the users who reacted, in the order they were added.
type ReactionList = Vec<(String, Vec<String>)>;

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    posts: Vec<Post>,
    /// Reactions by `(channel, ts)`: emoji names with their users, in order.
    reactions: HashMap<MessageKey, ReactionList>,
    /// Queued faults by method. `None` lets one call through with its normal
    /// response.
    faults: HashMap<String, VecDeque<Option<Fault>>>,
    random: Option<RandomFaults>,
    /// The delay before every call's response.
    latency: Duration,
    /// Messages people posted, thread replies included, by channel, in the
    /// order they were added.
    history: HashMap<String, Vec<HistoryMessage>>,
    users: HashMap<String, Value>,
    channels: HashMap<String, Value>,
    groups: HashMap<String, Vec<String>>,
    enterprise: Option<String>,
    /// Messages people posted, by `(channel, ts)`.
    messages: HashMap<MessageKey, StoredText>,
    next_ts: u64,
    sockets: Vec<mpsc::UnboundedSender<String>>,
    acks: Vec<String>,
    next_envelope: u64,
}

struct Shared {
    inner: Mutex<Inner>,
    changed: Notify,
    addr: SocketAddr,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Runs `change` on the state and wakes every waiter.
    fn update<T>(&self, change: impl FnOnce(&mut Inner) -> T) -> T {
        let result = change(&mut self.lock());
        self.changed.notify_waiters();
        result
    }
}

/// A fake Slack Web API and Socket Mode server on `127.0.0.1`.
///
/// The server stops when the value is dropped.
pub struct FakeSlack {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeSlack {
    /// Starts the fake on a free port of `127.0.0.1`.
    ///
    /// # Panics
    ///
    /// Panics when no port can be bound.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("failed to bind the fake Slack to 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");

        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner::default()),
            changed: Notify::new(),
            addr,
        });
        let router = api::router(Arc::clone(&shared)).merge(socket::router(Arc::clone(&shared)));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { shared, server }
    }

    /// Returns the Web API base URL, `http://127.0.0.1:PORT/api`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.shared.addr)
    }

    /// Makes the next `times` calls of `method` fail with `fault`.
    pub fn inject(&self, method: &str, fault: Fault, times: usize) {
        self.inject_after(method, 0, fault, times);
    }

    /// Lets the next `successes` calls of `method` through, then makes the
    /// `times` calls after them fail with `fault`, such as a failure on the
    /// second page of a paginated read.
    pub fn inject_after(&self, method: &str, successes: usize, fault: Fault, times: usize) {
        self.shared.update(|inner| {
            let queue = inner.faults.entry(method.to_owned()).or_default();
            queue.extend(std::iter::repeat_n(None, successes));
            queue.extend(std::iter::repeat_n(Some(fault), times));
        });
    }

    /// Fails calls at random from now on, as `faults` describes. Queued
    /// faults from [`FakeSlack::inject`] are returned first.
    pub fn inject_random(&self, faults: RandomFaults) {
        self.shared.update(|inner| inner.random = Some(faults));
    }

    /// Stops failing calls at random.
    pub fn stop_random(&self) {
        self.shared.update(|inner| inner.random = None);
    }

    /// Delays the response to every call from now on by `latency`, as the
    /// real Web API's round trip does. Each call waits on its own, so calls
    /// do not queue behind each other.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.update(|inner| inner.latency = latency);
    }

    /// Records a message that `user` posted in `channel` at `ts`, so that
    /// `conversations.history` returns it. Sending its event is up to the test.
    pub fn post_human_message(&self, channel: &str, user: &str, text: &str, ts: &str) {
        let message = HistoryMessage {
            user: user.to_owned(),
            text: text.to_owned(),
            ts: ts.to_owned(),
            thread_ts: None,
            broadcast: false,
        };
        self.shared.update(|inner| {
            inner
                .history
                .entry(channel.to_owned())
                .or_default()
                .push(message)
        });
    }

    /// Records a reply that `user` posted at `ts` in the thread of the
    /// message `thread_ts`, so that `conversations.replies` returns it and
    /// `conversations.history` counts it in the parent's `reply_count` and
    /// `latest_reply`. Sending its event is up to the test.
    ///
    /// # Panics
    ///
    /// Panics unless `thread_ts` is a top-level message recorded with
    /// [`FakeSlack::post_human_message`] in `channel`, because Slack has no
    /// thread without a parent and no thread inside a thread.
    pub fn post_thread_reply(
        &self,
        channel: &str,
        thread_ts: &str,
        user: &str,
        text: &str,
        ts: &str,
    ) {
        self.record_reply(channel, thread_ts, user, text, ts, false);
    }

    /// Records a thread reply as [`FakeSlack::post_thread_reply`] does, but
    /// also sent to the channel, as Slack's "Also send to channel" box does.
    /// `conversations.history` then lists it too, and both methods return it
    /// with subtype `thread_broadcast` and the parent's `thread_ts`.
    ///
    /// # Panics
    ///
    /// Panics unless `thread_ts` is a top-level message recorded with
    /// [`FakeSlack::post_human_message`] in `channel`.
    pub fn post_thread_broadcast(
        &self,
        channel: &str,
        thread_ts: &str,
        user: &str,
        text: &str,
        ts: &str,
    ) {
        self.record_reply(channel, thread_ts, user, text, ts, true);
    }

    fn record_reply(
        &self,
        channel: &str,
        thread_ts: &str,
        user: &str,
        text: &str,
        ts: &str,
        broadcast: bool,
    ) {
        let reply = HistoryMessage {
            user: user.to_owned(),
            text: text.to_owned(),
            ts: ts.to_owned(),
            thread_ts: Some(thread_ts.to_owned()),
            broadcast,
        };
        self.shared.update(|inner| {
            let messages = inner.history.entry(channel.to_owned()).or_default();
            let has_parent = messages
                .iter()
                .any(|message| message.ts == thread_ts && message.thread_ts.is_none());
            assert!(
                has_parent,
                "no top-level message {thread_ts} in {channel} to reply to. Post it with post_human_message first",
            );
            messages.push(reply);
        });
    }

    /// Adds a user that `users.info` returns.
    pub fn add_user(&self, id: &str, name: &str, flags: Value) {
        let mut user = json!({
            "id": id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": false,
            "is_bot": false,
            "is_restricted": false,
            "is_ultra_restricted": false,
            "profile": { "display_name": name, "real_name": name },
        });
        merge(&mut user, flags);
        self.shared
            .update(|inner| inner.users.insert(id.to_owned(), user));
    }

    /// Adds a channel that `conversations.info` returns; `flags` overrides
    /// fields such as `is_private` or `is_im`.
    pub fn add_channel(&self, id: &str, name: &str, flags: Value) {
        let mut channel = json!({
            "id": id,
            "name": name,
            "created": 1_600_000_000,
            "is_channel": true,
            "is_group": false,
            "is_im": false,
            "is_mpim": false,
            "is_private": false,
            "is_archived": false,
        });
        merge(&mut channel, flags);
        self.shared
            .update(|inner| inner.channels.insert(id.to_owned(), channel));
    }

    /// Renames a channel added with [`FakeSlack::add_channel`], as a person
    /// renaming it in Slack would.
    ///
    /// # Panics
    ///
    /// Panics when the channel was never added.
    pub fn rename_channel(&self, id: &str, name: &str) {
        self.shared.update(|inner| {
            let channel = inner
                .channels
                .get_mut(id)
                .unwrap_or_else(|| panic!("rename_channel: no channel {id}"));
            channel["name"] = Value::String(name.to_owned());
        });
    }

    /// Makes `auth.test` return `enterprise_id`, as on Enterprise Grid. Call
    /// it before the adapter connects.
    pub fn set_enterprise(&self, enterprise_id: &str) {
        self.shared
            .update(|inner| inner.enterprise = Some(enterprise_id.to_owned()));
    }

    /// Adds a user group that `usergroups.users.list` returns.
    pub fn add_group(&self, id: &str, members: &[&str]) {
        let members = members.iter().map(|member| member.to_string()).collect();
        self.shared
            .update(|inner| inner.groups.insert(id.to_owned(), members));
    }

    /// Stores a person's message, so that `reactions.get` returns its author
    /// and text, as Slack does for a command message that awaits approval.
    pub fn add_message(&self, channel: &str, ts: &str, user: &str, text: &str) {
        self.store_text(channel, ts, user, text, None);
    }

    /// Stores a person's reply in the thread of `thread_ts` as
    /// [`FakeSlack::add_message`] does, so that `reactions.get` also returns
    /// its `thread_ts`.
    pub fn add_thread_message(
        &self,
        channel: &str,
        thread_ts: &str,
        ts: &str,
        user: &str,
        text: &str,
    ) {
        self.store_text(channel, ts, user, text, Some(thread_ts.to_owned()));
    }

    fn store_text(
        &self,
        channel: &str,
        ts: &str,
        user: &str,
        text: &str,
        thread_ts: Option<String>,
    ) {
        let key = (channel.to_owned(), ts.to_owned());
        let message = StoredText {
            user: user.to_owned(),
            text: text.to_owned(),
            edited_ts: None,
            thread_ts,
        };
        self.shared
            .update(|inner| inner.messages.insert(key, message));
    }

    /// Replaces the text of a message stored with [`FakeSlack::add_message`],
    /// as its author editing it would. From then on `reactions.get` returns
    /// the new text and an `edited` field with the author and the edit's
    /// `ts`, the current time.
    ///
    /// # Panics
    ///
    /// Panics when the message was never added.
    pub fn edit_message(&self, channel: &str, ts: &str, text: &str) {
        let key = (channel.to_owned(), ts.to_owned());
        let edited_ts = current_ts();
        self.shared.update(|inner| {
            let message = inner
                .messages
                .get_mut(&key)
                .unwrap_or_else(|| panic!("edit_message: no message {ts} in {channel}"));
            message.text = text.to_owned();
            message.edited_ts = Some(edited_ts);
        });
    }

    /// Adds `user`'s `emoji` reaction to a message, as a person reacting would.
    pub fn react(&self, channel: &str, ts: &str, emoji: &str, user: &str) {
        self.shared
            .update(|inner| api::add_reaction(inner, channel, ts, emoji, user));
    }

    /// Returns every call received so far.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// Returns the calls of one method.
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        let inner = self.shared.lock();
        inner
            .calls
            .iter()
            .filter(|call| call.method == method)
            .cloned()
            .collect()
    }

    /// Returns the messages posted so far.
    pub fn posts(&self) -> Vec<Post> {
        self.shared.lock().posts.clone()
    }

    /// Returns the number of messages posted so far. Unlike
    /// [`FakeSlack::posts`] it copies nothing, so it suits polling while
    /// thousands of replies arrive.
    pub fn post_count(&self) -> usize {
        self.shared.lock().posts.len()
    }

    /// Returns the names of the reactions on a message.
    pub fn reactions_on(&self, channel: &str, ts: &str) -> Vec<String> {
        let inner = self.shared.lock();
        let key = (channel.to_owned(), ts.to_owned());
        let reactions = inner.reactions.get(&key).cloned().unwrap_or_default();
        reactions.into_iter().map(|(name, _)| name).collect()
    }

    /// Waits until at least `count` messages were posted and returns them.
    ///
    /// # Panics
    ///
    /// Panics when `timeout` passes first, listing the posts received.
    pub async fn wait_for_posts(&self, count: usize, timeout: Duration) -> Vec<Post> {
        let found = self
            .wait_until(timeout, |inner| {
                (inner.posts.len() >= count).then(|| inner.posts.clone())
            })
            .await;
        found.unwrap_or_else(|| {
            panic!(
                "expected {count} posts within {} ms, got {:?}",
                timeout.as_millis(),
                self.posts()
            )
        })
    }

    /// Waits until at least `count` calls of `method` arrived and returns them.
    ///
    /// # Panics
    ///
    /// Panics when `timeout` passes first, listing the calls received.
    pub async fn wait_for_calls(&self, method: &str, count: usize, timeout: Duration) -> Vec<Call> {
        let found = self
            .wait_until(timeout, |inner| {
                let calls: Vec<Call> = inner
                    .calls
                    .iter()
                    .filter(|call| call.method == method)
                    .cloned()
                    .collect();
                (calls.len() >= count).then_some(calls)
            })
            .await;
        found.unwrap_or_else(|| {
            panic!(
                "expected {count} {method} calls within {} ms, got {:?}",
                timeout.as_millis(),
                self.calls()
            )
        })
    }

    /// Calls `check` on every change until it returns `Some`, or returns
    /// `None` when `timeout` passes.
    async fn wait_until<T>(
        &self,
        timeout: Duration,
        check: impl Fn(&Inner) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();

            if let Some(found) = check(&self.shared.lock()) {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return None;
            }
        }
    }
}

/// Returns the current time as a Slack `ts`: seconds and microseconds.
fn current_ts() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}.{:06}",
        since_epoch.as_secs(),
        since_epoch.subsec_micros()
    )
}

/// Overwrites `target`'s fields with those of `fields`, an object or `null`.
fn merge(target: &mut Value, fields: Value) {
    if let (Some(target), Value::Object(fields)) = (target.as_object_mut(), fields) {
        target.extend(fields);
    }
}
