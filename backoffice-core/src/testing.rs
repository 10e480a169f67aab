//! A test kit: runs a bot in-process against an in-memory platform, with no
//! network.
//!
//! Declare the channels, users and groups a test needs, post messages as a
//! user in a channel, react, move the clock, and assert on the replies and on
//! what the dispatcher did.
//!
//! # Examples
//!
//! ```
//! use backoffice_core::testing::TestKit;
//! use backoffice_core::{Bot, ChannelKind, Command, CommandInfo, Invocation, Outcome, Reply, Rule};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let ping = Command::new(
//!     CommandInfo::new("ping", "ping", "Replies pong").access("ops"),
//!     |_args| Ok(Invocation::new(|_ctx| Box::pin(async { Ok(Reply::new("pong")) }))),
//! );
//! let bot = Bot::builder(())
//!     .command(ping)
//!     .role("ops", Rule::channels(["ops"]))
//!     .build()
//!     .unwrap();
//!
//! let kit = TestKit::new(bot).channel("C1", "ops", ChannelKind::Public);
//! let exchange = kit.send("U1", "C1", "ping").await;
//! assert_eq!(exchange.replies, ["pong"]);
//! assert_eq!(exchange.outcome, Outcome::Ran { command: "ping".into() });
//! # }
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::dispatch::{Bot, CatchUpReport, Outcome};
use crate::platform::{
    ts_to_time, ChannelInfo, ChannelKind, Destination, Message, Platform, PlatformError, Reaction,
    ReactionEvent, ReactionOutcome, StoredMessage, UserInfo,
};

/// The bot's user ID in the test kit.
pub const TEST_BOT_USER: &str = "UBOT";

/// The bot's workspace in the test kit.
pub const TEST_TEAM: &str = "T0";

/// A message the bot posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Where it was posted.
    pub to: Destination,
    /// Its text.
    pub text: String,
    /// Its timestamp.
    pub ts: String,
}

/// A message that a test sent, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The message's timestamp, for reactions.
    pub ts: String,
    /// What the dispatcher did.
    pub outcome: Outcome,
    /// The texts the bot posted while handling the message, in order.
    pub replies: Vec<String>,
}

#[derive(Default)]
struct World {
    channels: HashMap<String, ChannelInfo>,
    users: HashMap<String, UserInfo>,
    groups: HashMap<String, Vec<String>>,
    reactions: HashMap<(String, String), Vec<Reaction>>,
    messages: HashMap<(String, String), Message>,
    posts: Vec<Post>,
    failing: HashMap<String, String>,
}

/// An in-memory [`Platform`] with a clock that tests move by hand.
pub struct TestPlatform {
    world: Mutex<World>,
    clock: Mutex<SystemTime>,
    next_ts: AtomicU64,
}

impl Default for TestPlatform {
    fn default() -> Self {
        Self {
            world: Mutex::new(World::default()),
            clock: Mutex::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)),
            next_ts: AtomicU64::new(1),
        }
    }
}

impl TestPlatform {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Declares a channel.
    pub fn add_channel(&self, id: &str, name: &str, kind: ChannelKind) {
        self.world()
            .channels
            .insert(id.to_owned(), ChannelInfo::new(id, name, kind));
    }

    /// Declares a user with their facts. Undeclared users are ordinary members.
    pub fn add_user(&self, user: UserInfo) {
        self.world().users.insert(user.id.clone(), user);
    }

    /// Declares a user group and its members.
    pub fn add_group(&self, id: &str, members: &[&str]) {
        let members = members.iter().map(|m| (*m).to_owned()).collect();
        self.world().groups.insert(id.to_owned(), members);
    }

    /// Makes every later call of `method` (`post`, `add_reaction`,
    /// `reactions`, `fetch_message`, `history`, `user`, `channel`,
    /// `group_members`) fail with `code`.
    pub fn fail(&self, method: &str, code: &str) {
        self.world()
            .failing
            .insert(method.to_owned(), code.to_owned());
    }

    /// Makes `method` succeed again.
    pub fn recover(&self, method: &str) {
        self.world().failing.remove(method);
    }

    /// Adds `user`'s reaction `emoji` to a message.
    pub fn react(&self, user: &str, channel: &str, ts: &str, emoji: &str) -> ReactionOutcome {
        let mut world = self.world();
        let list = world
            .reactions
            .entry((channel.to_owned(), ts.to_owned()))
            .or_default();
        if !list.iter().any(|r| r.name == emoji) {
            list.push(Reaction {
                name: emoji.to_owned(),
                users: Vec::new(),
            });
        }
        let reaction = list
            .iter_mut()
            .find(|r| r.name == emoji)
            .expect("the reaction exists");
        if reaction.users.iter().any(|u| u == user) {
            return ReactionOutcome::AlreadyPresent;
        }
        reaction.users.push(user.to_owned());
        ReactionOutcome::Added
    }

    /// Stores a message that people posted, so that reactions can find it.
    pub fn store_message(&self, message: &Message) {
        let key = (message.channel.clone(), message.ts.clone());
        self.world().messages.insert(key, message.clone());
    }

    /// Edits a stored message: replaces its text and marks it edited.
    ///
    /// # Panics
    ///
    /// Panics when no message `ts` was stored in `channel`.
    #[track_caller]
    pub fn edit_message(&self, channel: &str, ts: &str, text: &str) {
        let mut world = self.world();
        let key = (channel.to_owned(), ts.to_owned());
        let message = world
            .messages
            .get_mut(&key)
            .expect("edit_message: no such message");
        message.text = text.to_owned();
        message.edited = true;
    }

    /// Removes `user`'s reaction `emoji` from a message.
    pub fn unreact(&self, user: &str, channel: &str, ts: &str, emoji: &str) {
        let mut world = self.world();
        let key = (channel.to_owned(), ts.to_owned());
        if let Some(reaction) = world
            .reactions
            .get_mut(&key)
            .and_then(|list| list.iter_mut().find(|r| r.name == emoji))
        {
            reaction.users.retain(|u| u != user);
        }
    }

    /// Returns the users who reacted with `emoji` on a message.
    pub fn reactors(&self, channel: &str, ts: &str, emoji: &str) -> Vec<String> {
        let world = self.world();
        let key = (channel.to_owned(), ts.to_owned());
        let reactions = world
            .reactions
            .get(&key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        reactions
            .iter()
            .find(|r| r.name == emoji)
            .map(|r| r.users.clone())
            .unwrap_or_default()
    }

    /// Returns every message the bot posted, in order.
    pub fn posts(&self) -> Vec<Post> {
        self.world().posts.clone()
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut clock = self.clock.lock().unwrap_or_else(|e| e.into_inner());
        *clock += by;
    }

    /// Returns a new message timestamp.
    pub fn next_ts(&self) -> String {
        let seconds = self
            .now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!(
            "{seconds}.{:06}",
            self.next_ts.fetch_add(1, Ordering::Relaxed)
        )
    }

    fn check(&self, method: &str) -> Result<(), PlatformError> {
        match self.world().failing.get(method) {
            Some(code) => Err(PlatformError::Api {
                method: method.to_owned(),
                code: code.clone(),
            }),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl Platform for TestPlatform {
    fn bot_user_id(&self) -> &str {
        TEST_BOT_USER
    }

    fn bot_team(&self) -> Option<&str> {
        Some(TEST_TEAM)
    }

    async fn post(&self, to: &Destination, text: &str) -> Result<String, PlatformError> {
        self.check("post")?;
        let ts = self.next_ts();
        let post = Post {
            to: to.clone(),
            text: text.to_owned(),
            ts: ts.clone(),
        };
        self.world().posts.push(post);
        Ok(ts)
    }

    async fn add_reaction(
        &self,
        channel: &str,
        ts: &str,
        emoji: &str,
    ) -> Result<ReactionOutcome, PlatformError> {
        self.check("add_reaction")?;
        Ok(self.react(TEST_BOT_USER, channel, ts, emoji))
    }

    async fn reactions(&self, channel: &str, ts: &str) -> Result<Vec<Reaction>, PlatformError> {
        self.check("reactions")?;
        let key = (channel.to_owned(), ts.to_owned());
        Ok(self
            .world()
            .reactions
            .get(&key)
            .cloned()
            .unwrap_or_default())
    }

    async fn fetch_message(&self, channel: &str, ts: &str) -> Result<StoredMessage, PlatformError> {
        self.check("fetch_message")?;
        let world = self.world();
        let key = (channel.to_owned(), ts.to_owned());
        let message = world
            .messages
            .get(&key)
            .cloned()
            .ok_or_else(|| PlatformError::NotFound {
                what: format!("message {ts} in {channel}"),
            })?;
        let reactions = world.reactions.get(&key).cloned().unwrap_or_default();
        Ok(StoredMessage { message, reactions })
    }

    async fn history(
        &self,
        channel: &str,
        oldest: SystemTime,
    ) -> Result<Vec<StoredMessage>, PlatformError> {
        self.check("history")?;
        let world = self.world();
        let mut found: Vec<(SystemTime, StoredMessage)> = world
            .messages
            .values()
            .filter(|m| m.channel == channel)
            .filter_map(|m| Some((ts_to_time(&m.ts)?, m)))
            .filter(|(posted, _)| *posted >= oldest)
            .map(|(posted, message)| {
                let key = (message.channel.clone(), message.ts.clone());
                let reactions = world.reactions.get(&key).cloned().unwrap_or_default();
                let stored = StoredMessage {
                    message: message.clone(),
                    reactions,
                };
                (posted, stored)
            })
            .collect();
        found.sort_by_key(|(posted, _)| *posted);
        Ok(found.into_iter().map(|(_, stored)| stored).collect())
    }

    async fn user(&self, user: &str) -> Result<UserInfo, PlatformError> {
        self.check("user")?;
        let known = self.world().users.get(user).cloned();
        Ok(known.unwrap_or_else(|| UserInfo::member(user, user, TEST_TEAM)))
    }

    async fn channel(&self, channel: &str) -> Result<ChannelInfo, PlatformError> {
        self.check("channel")?;
        let known = self.world().channels.get(channel).cloned();
        Ok(known.unwrap_or_else(|| ChannelInfo::new(channel, channel, ChannelKind::Public)))
    }

    async fn group_members(&self, group: &str) -> Result<Vec<String>, PlatformError> {
        self.check("group_members")?;
        let members = self.world().groups.get(group).cloned();
        members.ok_or_else(|| PlatformError::NotFound {
            what: format!("user group {group}"),
        })
    }

    fn now(&self) -> SystemTime {
        *self.clock.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A bot wired to a [`TestPlatform`].
pub struct TestKit<S> {
    bot: Bot<S>,
    platform: Arc<TestPlatform>,
}

impl<S: Send + Sync + 'static> TestKit<S> {
    /// Wires `bot` to a new, empty test platform.
    pub fn new(bot: Bot<S>) -> Self {
        Self {
            bot,
            platform: Arc::new(TestPlatform::default()),
        }
    }

    /// Wires `bot` to an existing platform: a second bot on the same platform
    /// acts like a restarted bot or another replica.
    pub fn with_platform(bot: Bot<S>, platform: Arc<TestPlatform>) -> Self {
        Self { bot, platform }
    }

    /// Declares a channel.
    pub fn channel(self, id: &str, name: &str, kind: ChannelKind) -> Self {
        self.platform.add_channel(id, name, kind);
        self
    }

    /// Declares a user with their facts.
    pub fn user(self, user: UserInfo) -> Self {
        self.platform.add_user(user);
        self
    }

    /// Declares a user group and its members.
    pub fn group(self, id: &str, members: &[&str]) -> Self {
        self.platform.add_group(id, members);
        self
    }

    /// Returns the platform, to inspect posts and reactions or inject faults.
    pub fn platform(&self) -> &Arc<TestPlatform> {
        &self.platform
    }

    /// Returns the bot.
    pub fn bot(&self) -> &Bot<S> {
        &self.bot
    }

    /// Sends `text` as `user` in `channel`, adding the bot's mention where the
    /// channel's kind requires one, and returns what came of it.
    pub async fn send(&self, user: &str, channel: &str, text: &str) -> Exchange {
        let message = self.compose(user, channel, text).await;
        self.deliver(message).await
    }

    /// Posts `text` as `user` in `channel` like [`TestKit::send`], but while
    /// the bot is down: the message is stored in the channel's history and
    /// the bot is not told. Returns the message's timestamp.
    pub async fn post_unseen(&self, user: &str, channel: &str, text: &str) -> String {
        let message = self.compose(user, channel, text).await;
        self.platform.store_message(&message);
        message.ts
    }

    /// Runs [`Bot::catch_up`] over the bot's channels with `window`. Channels
    /// that rules list by name are looked up among the declared channels.
    pub async fn catch_up(&self, window: Duration) -> CatchUpReport {
        let channels: Vec<String> = {
            let world = self.platform.world();
            let id_of = |listed: String| {
                let declared = world.channels.values().find(|c| c.name == listed);
                declared.map_or(listed, |c| c.id.clone())
            };
            self.bot.channels().into_iter().map(id_of).collect()
        };
        let platform = Arc::clone(&self.platform) as Arc<dyn Platform>;
        self.bot.catch_up(platform, &channels, window).await
    }

    /// Builds `user`'s message in `channel`, with the bot's mention where
    /// the channel's kind requires one.
    async fn compose(&self, user: &str, channel: &str, text: &str) -> Message {
        let kind = self
            .platform
            .channel(channel)
            .await
            .map_or(ChannelKind::Public, |c| c.kind);
        let text = if kind.requires_mention() {
            format!("<@{TEST_BOT_USER}> {text}")
        } else {
            text.to_owned()
        };
        Message::new(
            TEST_TEAM,
            channel,
            kind,
            user,
            text,
            self.platform.next_ts(),
        )
    }

    /// Delivers `message` exactly as given and returns what came of it.
    pub async fn deliver(&self, message: Message) -> Exchange {
        self.platform.store_message(&message);
        let before = self.platform.posts().len();
        let ts = message.ts.clone();
        let platform = Arc::clone(&self.platform) as Arc<dyn Platform>;
        let outcome = self.bot.handle(platform, message).await;
        let replies = self.platform.posts()[before..]
            .iter()
            .map(|p| p.text.clone())
            .collect();
        Exchange {
            ts,
            outcome,
            replies,
        }
    }

    /// Adds `user`'s reaction `emoji` to the message `ts` in `channel`, tells
    /// the bot, and returns what came of it.
    pub async fn react(&self, user: &str, channel: &str, ts: &str, emoji: &str) -> Exchange {
        self.platform.react(user, channel, ts, emoji);
        self.reaction_event(ReactionEvent::new(channel, ts, user, emoji, true))
            .await
    }

    /// Removes `user`'s reaction `emoji` from the message, tells the bot, and
    /// returns what came of it.
    pub async fn unreact(&self, user: &str, channel: &str, ts: &str, emoji: &str) -> Exchange {
        self.platform.unreact(user, channel, ts, emoji);
        self.reaction_event(ReactionEvent::new(channel, ts, user, emoji, false))
            .await
    }

    /// Delivers a reaction event exactly as given and returns what came of it.
    pub async fn reaction_event(&self, event: ReactionEvent) -> Exchange {
        let before = self.platform.posts().len();
        let ts = event.ts.clone();
        let platform = Arc::clone(&self.platform) as Arc<dyn Platform>;
        let outcome = self.bot.handle_reaction(platform, event).await;
        let replies = self.platform.posts()[before..]
            .iter()
            .map(|p| p.text.clone())
            .collect();
        Exchange {
            ts,
            outcome,
            replies,
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.platform.advance(by);
    }
}
