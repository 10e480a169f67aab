//! The console front-end: runs a bot without Slack.
//!
//! Each line on the input is a message from the current user in the current
//! channel, and the bot's replies are written to the output. Lines that start
//! with `/` control the session (`/channel NAME`, `/user NAME`, `/help`). The
//! console is the way to try a bot on a fresh machine.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::dispatch::Bot;
use crate::platform::{
    ChannelInfo, ChannelKind, Destination, Message, Platform, PlatformError, Reaction,
    ReactionOutcome, UserInfo,
};

/// The bot's user ID in the console.
pub const CONSOLE_BOT_USER: &str = "backoffice";

/// The workspace every console user belongs to.
pub const CONSOLE_TEAM: &str = "console";

const CONTROLS: &str = "Console controls:\n\
    /channel NAME   switch to channel NAME\n\
    /user NAME      switch to user NAME\n\
    /help           show these controls\n\
    Any other line is a message to the bot; type `help` for its commands.";

/// Where the console session starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    /// The channel messages are posted in.
    pub channel: String,
    /// The user who posts them.
    pub user: String,
}

impl ConsoleSettings {
    /// Starts as `user` in `channel`.
    pub fn new(channel: impl Into<String>, user: impl Into<String>) -> Self {
        Self {
            channel: channel.into().trim_start_matches('#').to_owned(),
            user: user.into(),
        }
    }
}

/// The console's [`Platform`]: replies are written to the output, and
/// reactions are kept in memory.
pub struct ConsolePlatform {
    output: Mutex<Box<dyn Write + Send>>,
    reactions: Mutex<HashMap<(String, String), Vec<Reaction>>>,
    next_ts: AtomicU64,
}

impl ConsolePlatform {
    /// Creates a console platform that writes replies to `output`.
    pub fn new(output: impl Write + Send + 'static) -> Self {
        Self {
            output: Mutex::new(Box::new(output)),
            reactions: Mutex::new(HashMap::new()),
            next_ts: AtomicU64::new(1),
        }
    }

    /// Returns a new message timestamp, unique within this console.
    pub fn next_ts(&self) -> String {
        let seconds = self
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let sequence = self.next_ts.fetch_add(1, Ordering::Relaxed);
        format!("{seconds}.{sequence:06}")
    }

    /// Writes `text` and a line break to the output.
    pub fn write_line(&self, text: &str) -> std::io::Result<()> {
        let mut output = self.output.lock().unwrap_or_else(|e| e.into_inner());
        writeln!(output, "{text}")?;
        output.flush()
    }

    fn add(&self, channel: &str, ts: &str, emoji: &str, user: &str) -> ReactionOutcome {
        let mut reactions = self.reactions.lock().unwrap_or_else(|e| e.into_inner());
        let list = reactions
            .entry((channel.to_owned(), ts.to_owned()))
            .or_default();
        let reaction = match list.iter_mut().find(|r| r.name == emoji) {
            Some(reaction) => reaction,
            None => {
                list.push(Reaction {
                    name: emoji.to_owned(),
                    users: Vec::new(),
                });
                list.last_mut().expect("a reaction was just pushed")
            }
        };
        if reaction.users.iter().any(|u| u == user) {
            return ReactionOutcome::AlreadyPresent;
        }
        reaction.users.push(user.to_owned());
        ReactionOutcome::Added
    }
}

#[async_trait]
impl Platform for ConsolePlatform {
    fn bot_user_id(&self) -> &str {
        CONSOLE_BOT_USER
    }

    async fn post(&self, _to: &Destination, text: &str) -> Result<String, PlatformError> {
        self.write_line(text)
            .map_err(|error| PlatformError::Transport {
                method: "write".into(),
                message: error.to_string(),
            })?;
        Ok(self.next_ts())
    }

    async fn add_reaction(
        &self,
        channel: &str,
        ts: &str,
        emoji: &str,
    ) -> Result<ReactionOutcome, PlatformError> {
        Ok(self.add(channel, ts, emoji, CONSOLE_BOT_USER))
    }

    async fn reactions(&self, channel: &str, ts: &str) -> Result<Vec<Reaction>, PlatformError> {
        let reactions = self.reactions.lock().unwrap_or_else(|e| e.into_inner());
        let key = (channel.to_owned(), ts.to_owned());
        Ok(reactions.get(&key).cloned().unwrap_or_default())
    }

    async fn user(&self, user: &str) -> Result<UserInfo, PlatformError> {
        Ok(UserInfo::member(user, user, CONSOLE_TEAM))
    }

    async fn channel(&self, channel: &str) -> Result<ChannelInfo, PlatformError> {
        Ok(ChannelInfo::new(channel, channel, ChannelKind::Console))
    }

    async fn group_members(&self, _group: &str) -> Result<Vec<String>, PlatformError> {
        Ok(Vec::new())
    }

    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Runs `bot` on the lines of `input` until the input ends, writing replies
/// to `output`. Each line is handled to the end before the next is read, so
/// every reply has been written when this returns.
///
/// # Errors
///
/// Returns an error when reading the input or writing the output fails.
pub async fn run<S, R, W>(
    bot: Bot<S>,
    input: R,
    output: W,
    settings: ConsoleSettings,
) -> std::io::Result<()>
where
    S: Send + Sync + 'static,
    R: AsyncBufRead + Unpin,
    W: Write + Send + 'static,
{
    let platform = Arc::new(ConsolePlatform::new(output));
    let mut session = settings;
    let mut lines = input.lines();
    while let Some(line) = lines.next_line().await? {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(control) = line.strip_prefix('/') {
            platform.write_line(&apply_control(&mut session, control))?;
            continue;
        }
        let message = Message::new(
            CONSOLE_TEAM,
            session.channel.as_str(),
            ChannelKind::Console,
            session.user.as_str(),
            line,
            platform.next_ts(),
        );
        bot.handle(Arc::clone(&platform) as Arc<dyn Platform>, message)
            .await;
    }
    Ok(())
}

/// Applies a control line (without its `/`) and returns the text to show.
fn apply_control(session: &mut ConsoleSettings, control: &str) -> String {
    let (name, argument) = control.split_once(' ').unwrap_or((control, ""));
    let argument = argument.trim();
    match (name, argument) {
        ("help", _) => CONTROLS.into(),
        ("channel", "") => format!(
            "You are in #{}. Switch with `/channel NAME`.",
            session.channel
        ),
        ("user", "") => format!("You are {}. Switch with `/user NAME`.", session.user),
        ("channel", channel) => {
            session.channel = channel.trim_start_matches('#').to_owned();
            format!("You are now in #{}.", session.channel)
        }
        ("user", user) => {
            session.user = user.trim_start_matches('@').to_owned();
            format!("You are now {}.", session.user)
        }
        _ => format!("Unknown console control `/{name}`. Type `/help` for the controls."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_switch_channel_and_user() {
        let mut session = ConsoleSettings::new("backoffice", "you");
        assert_eq!(
            apply_control(&mut session, "channel #ops"),
            "You are now in #ops."
        );
        assert_eq!(session.channel, "ops");
        assert_eq!(apply_control(&mut session, "user bob"), "You are now bob.");
        assert_eq!(session.user, "bob");
        assert!(apply_control(&mut session, "fly").starts_with("Unknown console control `/fly`"));
    }

    #[test]
    fn reactions_report_duplicates() {
        let platform = ConsolePlatform::new(std::io::sink());
        assert_eq!(
            platform.add("c", "1", "eyes", "bot"),
            ReactionOutcome::Added
        );
        assert_eq!(
            platform.add("c", "1", "eyes", "bot"),
            ReactionOutcome::AlreadyPresent
        );
        assert_eq!(
            platform.add("c", "1", "eyes", "ann"),
            ReactionOutcome::Added
        );
    }
}
