//! The interface between the dispatcher and a chat platform.
//!
//! Every front-end (Slack, the console, the test kit) turns what it receives
//! into a [`Message`] and implements [`Platform`], the few operations the
//! dispatcher needs: post a reply, add and read reactions, look up users,
//! channels and groups, and tell the time. The dispatcher is written once
//! against this trait.

use std::fmt;
use std::time::SystemTime;

use async_trait::async_trait;

/// The kind of conversation a message was posted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChannelKind {
    /// A public channel.
    Public,
    /// A private channel.
    Private,
    /// A direct message between one person and the bot.
    Direct,
    /// A group direct message between several people and the bot.
    Group,
    /// A console session in demo mode, where channel names stand in for
    /// Slack's channels: no mention of the bot is needed.
    Console,
    /// The console in operator mode, the fallback while Slack is down: only
    /// roles whose rule allows the console run here.
    OperatorConsole,
}

impl ChannelKind {
    /// Returns whether a command in this kind of conversation must start with
    /// the bot's mention.
    pub fn requires_mention(self) -> bool {
        matches!(self, Self::Public | Self::Private | Self::Group)
    }
}

/// An incoming message, as a front-end received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// The workspace (Slack team) the message was posted in.
    pub team: String,
    /// The channel ID (`C…`, `G…`, `D…`, or a console channel name).
    pub channel: String,
    /// The kind of conversation.
    pub channel_kind: ChannelKind,
    /// The author's user ID.
    pub user: String,
    /// The text as the platform delivered it, markup included.
    pub text: String,
    /// The message timestamp, which identifies the message within its channel.
    pub ts: String,
    /// The timestamp of the thread's parent when the message is a thread reply.
    pub thread_ts: Option<String>,
    /// The message subtype; `None` for a person's new message.
    pub subtype: Option<String>,
    /// Whether the message was edited after it was posted.
    pub edited: bool,
    /// The bot ID when a bot posted the message.
    pub bot_id: Option<String>,
}

impl Message {
    /// Creates a person's new message with no thread, subtype, edit or bot.
    pub fn new(
        team: impl Into<String>,
        channel: impl Into<String>,
        channel_kind: ChannelKind,
        user: impl Into<String>,
        text: impl Into<String>,
        ts: impl Into<String>,
    ) -> Self {
        Self {
            team: team.into(),
            channel: channel.into(),
            channel_kind,
            user: user.into(),
            text: text.into(),
            ts: ts.into(),
            thread_ts: None,
            subtype: None,
            edited: false,
            bot_id: None,
        }
    }

    /// Returns the command text when the message addresses the bot whose
    /// user ID is `bot_user_id`, or `None` when it does not.
    ///
    /// In a channel the text must start with the bot's mention, which is
    /// removed. In a direct message or the console the whole text is the
    /// command. The text is not normalised.
    pub fn command_text(&self, bot_user_id: &str) -> Option<&str> {
        match crate::normalize::strip_mention(&self.text, bot_user_id) {
            Some(rest) => Some(rest),
            None if self.channel_kind.requires_mention() => None,
            None => Some(&self.text),
        }
    }

    /// Returns the timestamp of the thread that replies to this message go
    /// into: the thread it was typed in, or the message itself.
    pub fn reply_thread_ts(&self) -> &str {
        self.thread_ts.as_deref().unwrap_or(&self.ts)
    }
}

/// Where a reply goes: a channel and, for a thread reply, the parent's timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The channel ID.
    pub channel: String,
    /// The parent message's timestamp, or `None` for a top-level message.
    pub thread_ts: Option<String>,
}

/// What adding a reaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionOutcome {
    /// The reaction was added by this call.
    Added,
    /// The bot had already added this reaction: someone else claimed it first.
    AlreadyPresent,
}

/// One emoji on a message and the users who reacted with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    /// The emoji name without colons (`white_check_mark`).
    pub name: String,
    /// The IDs of the users who reacted with this emoji.
    pub users: Vec<String>,
}

/// A reaction added to or removed from a message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReactionEvent {
    /// The channel of the message.
    pub channel: String,
    /// The timestamp of the message the reaction is on.
    pub ts: String,
    /// Who reacted.
    pub user: String,
    /// The emoji name without colons.
    pub emoji: String,
    /// `true` when the reaction was added, `false` when it was removed.
    pub added: bool,
}

impl ReactionEvent {
    /// Creates a reaction event.
    pub fn new(
        channel: impl Into<String>,
        ts: impl Into<String>,
        user: impl Into<String>,
        emoji: impl Into<String>,
        added: bool,
    ) -> Self {
        Self {
            channel: channel.into(),
            ts: ts.into(),
            user: user.into(),
            emoji: emoji.into().trim_matches(':').to_owned(),
            added,
        }
    }
}

/// Converts a message timestamp (`1700000000.000100`, seconds and
/// microseconds since the Unix epoch) into a time, or `None` when it has
/// another form.
pub fn ts_to_time(ts: &str) -> Option<SystemTime> {
    let (seconds, fraction) = ts.split_once('.').unwrap_or((ts, "0"));
    let seconds: u64 = seconds.parse().ok()?;
    let digits = fraction.get(..fraction.len().min(6))?;
    let micros: u64 = format!("{digits:0<6}").parse().ok()?;
    let since_epoch =
        std::time::Duration::from_secs(seconds) + std::time::Duration::from_micros(micros);
    SystemTime::UNIX_EPOCH.checked_add(since_epoch)
}

/// Converts a time into a message timestamp with microseconds,
/// `1700000000.000100`. Times before the Unix epoch become `0.000000`.
pub fn time_to_ts(time: SystemTime) -> String {
    let since_epoch = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}.{:06}",
        since_epoch.as_secs(),
        since_epoch.subsec_micros()
    )
}

/// A message as the platform stores it, with its reactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// The message, with its current text and edit flag.
    pub message: Message,
    /// Its reactions.
    pub reactions: Vec<Reaction>,
}

impl StoredMessage {
    /// Returns the users who reacted with `emoji`.
    pub fn reactors(&self, emoji: &str) -> &[String] {
        self.reactions
            .iter()
            .find(|r| r.name == emoji)
            .map_or(&[], |r| r.users.as_slice())
    }
}

/// Facts about a user that access rules and approvals depend on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct UserInfo {
    /// The user ID.
    pub id: String,
    /// The display or user name.
    pub name: String,
    /// The workspace the user belongs to.
    pub team: String,
    /// Whether the user is a bot.
    pub is_bot: bool,
    /// Whether the account is deactivated.
    pub deleted: bool,
    /// Whether the user is a guest (Slack's `is_restricted` or `is_ultra_restricted`).
    pub is_guest: bool,
    /// The organisation the user's workspace belongs to (a Slack Enterprise
    /// Grid ID), when the platform has one.
    pub enterprise: Option<String>,
}

impl UserInfo {
    /// Creates the facts of an ordinary member of `team`.
    pub fn member(id: impl Into<String>, name: impl Into<String>, team: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            team: team.into(),
            ..Self::default()
        }
    }
}

/// Facts about a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChannelInfo {
    /// The channel ID.
    pub id: String,
    /// The channel name without `#`; empty for direct messages.
    pub name: String,
    /// The kind of conversation.
    pub kind: ChannelKind,
}

impl ChannelInfo {
    /// Creates the facts of a channel.
    pub fn new(id: impl Into<String>, name: impl Into<String>, kind: ChannelKind) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            kind,
        }
    }
}

/// What a channel name in an access rule stands for on a platform.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelName {
    /// The platform does not resolve names: the name matches the channel
    /// that has it when the message arrives.
    Current,
    /// The channel with this ID had the name when the platform last listed
    /// its channels.
    Resolved(String),
    /// No channel had the name when the platform last listed its channels,
    /// or the platform could not list them yet: the name matches no channel.
    Unknown,
}

/// A failed platform operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlatformError {
    /// The platform answered with an error code (Slack's `error` field).
    #[error("{method} failed: {code}")]
    Api {
        /// The operation, for example `chat.postMessage`.
        method: String,
        /// The platform's error code.
        code: String,
    },
    /// The request may or may not have reached the platform.
    #[error("{method} failed: {message}")]
    Transport {
        /// The operation, for example `chat.postMessage`.
        method: String,
        /// What went wrong.
        message: String,
    },
    /// The user, channel or group does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was looked up, for example `user U123`.
        what: String,
    },
}

/// The operations the dispatcher needs from a chat platform.
///
/// Implementations must be cheap to share: the dispatcher keeps one behind an
/// `Arc` and calls it from many tasks at once.
#[async_trait]
pub trait Platform: Send + Sync + 'static {
    /// Returns the bot's own user ID, used to recognise its mention and its
    /// own messages.
    fn bot_user_id(&self) -> &str;

    /// Returns the bot's own workspace (Slack team ID), when the platform has
    /// workspaces. People whose team differs are treated as external users.
    fn bot_team(&self) -> Option<&str> {
        None
    }

    /// Returns the organisation the bot's workspace belongs to (a Slack
    /// Enterprise Grid ID). People whose user record names the same
    /// organisation are not external, whatever their workspace.
    fn bot_enterprise(&self) -> Option<&str> {
        None
    }

    /// Resolves a channel name from an access rule. The default,
    /// [`ChannelName::Current`], compares the name with the channel's current
    /// name; the console and the test kit keep it. A platform where a new
    /// channel can take an old name should resolve names to IDs instead.
    fn resolve_channel(&self, _name: &str) -> ChannelName {
        ChannelName::Current
    }

    /// Posts `text` to `to` and returns the new message's timestamp.
    ///
    /// # Errors
    ///
    /// Returns an error when the platform rejects the message or cannot be reached.
    async fn post(&self, to: &Destination, text: &str) -> Result<String, PlatformError>;

    /// Adds the bot's `emoji` reaction to the message `ts` in `channel`.
    ///
    /// # Errors
    ///
    /// Returns an error when the reaction could not be added, or when it is
    /// unknown whether it was added.
    async fn add_reaction(
        &self,
        channel: &str,
        ts: &str,
        emoji: &str,
    ) -> Result<ReactionOutcome, PlatformError>;

    /// Returns the reactions on the message `ts` in `channel`.
    ///
    /// # Errors
    ///
    /// Returns an error when the message cannot be read.
    async fn reactions(&self, channel: &str, ts: &str) -> Result<Vec<Reaction>, PlatformError>;

    /// Returns the message `ts` in `channel` as it is now, with its reactions.
    ///
    /// # Errors
    ///
    /// Returns [`PlatformError::NotFound`] when the message is gone, or
    /// another error when it cannot be read.
    async fn fetch_message(&self, channel: &str, ts: &str) -> Result<StoredMessage, PlatformError>;

    /// Returns the messages of `channel` posted at or after `oldest`, thread
    /// replies included, oldest first, each with its reactions.
    ///
    /// Replies are selected by their own timestamp and have `thread_ts` set
    /// to their parent's. A reply posted at or after `oldest` is therefore
    /// returned even when its parent is older, and that parent is not. A
    /// platform may bound how much older the parent can be: Slack's adapter
    /// looks back one day by default.
    /// Catch-up reads it to find commands that arrived while the bot was
    /// down. The default implementation fails, so a platform without
    /// history has no catch-up.
    ///
    /// # Errors
    ///
    /// Returns an error when the history cannot be read.
    async fn history(
        &self,
        channel: &str,
        oldest: SystemTime,
    ) -> Result<Vec<StoredMessage>, PlatformError> {
        let _ = oldest;
        Err(PlatformError::Api {
            method: "history".to_owned(),
            code: format!("not_supported: this platform keeps no history of {channel}"),
        })
    }

    /// Looks up a user.
    ///
    /// # Errors
    ///
    /// Returns [`PlatformError::NotFound`] for an unknown user, or another
    /// error when the lookup failed.
    async fn user(&self, user: &str) -> Result<UserInfo, PlatformError>;

    /// Looks up a channel.
    ///
    /// # Errors
    ///
    /// Returns [`PlatformError::NotFound`] for an unknown channel, or another
    /// error when the lookup failed.
    async fn channel(&self, channel: &str) -> Result<ChannelInfo, PlatformError>;

    /// Returns the user IDs of the members of a user group.
    ///
    /// # Errors
    ///
    /// Returns [`PlatformError::NotFound`] for an unknown group, or another
    /// error when the lookup failed.
    async fn group_members(&self, group: &str) -> Result<Vec<String>, PlatformError>;

    /// Returns the current time.
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Public => "public channel",
            Self::Private => "private channel",
            Self::Direct => "direct message",
            Self::Group => "group direct message",
            Self::Console => "console",
            Self::OperatorConsole => "operator console",
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: ChannelKind, text: &str) -> Message {
        Message::new("T1", "C1", kind, "U1", text, "1.0")
    }

    #[test]
    fn command_text_in_channel() {
        let addressed = message(ChannelKind::Public, "<@UBOT> show acme");
        let chatter = message(ChannelKind::Private, "show acme");
        let later_mention = message(ChannelKind::Group, "hey <@UBOT> show acme");

        assert_eq!(addressed.command_text("UBOT"), Some("show acme"));
        assert_eq!(chatter.command_text("UBOT"), None);
        assert_eq!(later_mention.command_text("UBOT"), None);
    }

    #[test]
    fn command_text_in_direct_message() {
        let direct = message(ChannelKind::Direct, "show acme");
        let console = message(ChannelKind::Console, "show acme");
        let mentioned = message(ChannelKind::Direct, "<@UBOT> show acme");

        assert_eq!(direct.command_text("UBOT"), Some("show acme"));
        assert_eq!(console.command_text("UBOT"), Some("show acme"));
        assert_eq!(mentioned.command_text("UBOT"), Some("show acme"));
    }
}
