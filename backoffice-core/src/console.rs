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

use crate::dispatch::{Bot, Outcome};
use crate::platform::{
    ts_to_time, ChannelInfo, ChannelKind, Destination, Message, Platform, PlatformError, Reaction,
    ReactionEvent, ReactionOutcome, StoredMessage, UserInfo,
};

/// The bot's user ID in the console.
pub const CONSOLE_BOT_USER: &str = "backoffice";

/// The workspace every console user belongs to.
pub const CONSOLE_TEAM: &str = "console";

const CONTROLS: &str = "Console controls:\n\
    /channel NAME   switch to channel NAME\n\
    /user NAME      switch to user NAME\n\
    /react EMOJI    react with EMOJI, as the current user, on the last message typed\n\
    \x20               in this session, whoever typed it and in whichever channel\n\
    \x20               (`/react white_check_mark` approves, `/react x` rejects)\n\
    /help           show these controls\n\
    Any other line is a message to the bot; type `help` for its commands.";

/// The channel name of the console in operator mode.
pub const OPERATOR_CHANNEL: &str = "console";

/// How the console treats identities.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsoleMode {
    /// For trying a bot: channel names stand in for Slack channels, and
    /// `/user` and `/channel` switch freely.
    Demo,
    /// The fallback while Slack is down: the identity is fixed, `/user`,
    /// `/channel` and `/react` are refused, only roles whose rule allows the
    /// console run, and every command goes to the audit trail with the
    /// operating-system user.
    Operator {
        /// The operating-system user who started the console.
        os_user: String,
    },
}

/// Where, as whom and in which mode the console session runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    /// The channel messages are posted in.
    pub channel: String,
    /// The user who posts them.
    pub user: String,
    /// Demo or operator mode.
    pub mode: ConsoleMode,
}

impl ConsoleSettings {
    /// Starts in demo mode as `user` in `channel`.
    pub fn new(channel: impl Into<String>, user: impl Into<String>) -> Self {
        Self {
            channel: channel.into().trim_start_matches('#').to_owned(),
            user: user.into(),
            mode: ConsoleMode::Demo,
        }
    }

    /// Starts in operator mode as the fixed identity `user` (a Slack user ID,
    /// so that access rules naming users apply), recording `os_user`.
    pub fn operator(user: impl Into<String>, os_user: impl Into<String>) -> Self {
        Self {
            channel: OPERATOR_CHANNEL.to_owned(),
            user: user.into(),
            mode: ConsoleMode::Operator {
                os_user: os_user.into(),
            },
        }
    }

    fn channel_kind(&self) -> ChannelKind {
        match self.mode {
            ConsoleMode::Demo => ChannelKind::Console,
            ConsoleMode::Operator { .. } => ChannelKind::OperatorConsole,
        }
    }
}

/// The console's [`Platform`]: replies are written to the output, and
/// reactions are kept in memory.
pub struct ConsolePlatform {
    output: Mutex<Box<dyn Write + Send>>,
    reactions: Mutex<HashMap<(String, String), Vec<Reaction>>>,
    messages: Mutex<HashMap<(String, String), Message>>,
    next_ts: AtomicU64,
}

impl ConsolePlatform {
    /// Creates a console platform that writes replies to `output`.
    pub fn new(output: impl Write + Send + 'static) -> Self {
        Self {
            output: Mutex::new(Box::new(output)),
            reactions: Mutex::new(HashMap::new()),
            messages: Mutex::new(HashMap::new()),
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

    /// Stores a message typed in the console, so that reactions can find it.
    pub fn store_message(&self, message: &Message) {
        let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        messages.insert(
            (message.channel.clone(), message.ts.clone()),
            message.clone(),
        );
    }

    /// Adds `user`'s reaction `emoji` to a message.
    pub fn react(&self, user: &str, channel: &str, ts: &str, emoji: &str) -> ReactionOutcome {
        self.add(channel, ts, emoji, user)
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

    async fn fetch_message(&self, channel: &str, ts: &str) -> Result<StoredMessage, PlatformError> {
        let key = (channel.to_owned(), ts.to_owned());
        let stored = {
            let messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
            messages.get(&key).cloned()
        };
        let message = stored.ok_or_else(|| PlatformError::NotFound {
            what: format!("message {ts} in #{channel}"),
        })?;
        let reactions = self.reactions(channel, ts).await?;
        Ok(StoredMessage { message, reactions })
    }

    async fn history(
        &self,
        channel: &str,
        oldest: SystemTime,
    ) -> Result<Vec<StoredMessage>, PlatformError> {
        let mut found: Vec<(SystemTime, Message)> = {
            let messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
            messages
                .values()
                .filter(|m| m.channel == channel)
                .filter_map(|m| Some((ts_to_time(&m.ts)?, m.clone())))
                .filter(|(posted, _)| *posted >= oldest)
                .collect()
        };
        found.sort_by_key(|(posted, _)| *posted);

        let mut history = Vec::with_capacity(found.len());
        for (_, message) in found {
            let reactions = self.reactions(channel, &message.ts).await?;
            history.push(StoredMessage { message, reactions });
        }
        Ok(history)
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
    if let ConsoleMode::Operator { os_user } = &session.mode {
        tracing::info!(target: crate::audit::AUDIT_TARGET, caller = %session.user, os_user = %os_user, "operator console started");
    }
    let mut last_message: Option<Message> = None;
    let mut lines = input.lines();
    while let Some(line) = lines.next_line().await? {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(refusal) = operator_refusal(&session, line) {
            platform.write_line(refusal)?;
            continue;
        }
        if let Some(emoji) = line
            .strip_prefix("/react")
            .filter(|rest| rest.is_empty() || rest.starts_with(' '))
        {
            react(&bot, &platform, &session, last_message.as_ref(), emoji).await?;
            continue;
        }
        if let Some(control) = line.strip_prefix('/') {
            platform.write_line(&apply_control(&mut session, control))?;
            continue;
        }
        let message = Message::new(
            CONSOLE_TEAM,
            session.channel.as_str(),
            session.channel_kind(),
            session.user.as_str(),
            without_typed_mention(line),
            platform.next_ts(),
        );
        if let ConsoleMode::Operator { os_user } = &session.mode {
            tracing::info!(target: crate::audit::AUDIT_TARGET, caller = %session.user, os_user = %os_user, ts = %message.ts, "operator console command");
        }
        platform.store_message(&message);
        last_message = Some(message.clone());
        bot.handle(Arc::clone(&platform) as Arc<dyn Platform>, message)
            .await;
    }
    Ok(())
}

/// Adds the current user's reaction `emoji` to the last message and tells the bot.
async fn react<S: Send + Sync + 'static>(
    bot: &Bot<S>,
    platform: &Arc<ConsolePlatform>,
    session: &ConsoleSettings,
    last_message: Option<&Message>,
    emoji: &str,
) -> std::io::Result<()> {
    let emoji = emoji.trim().trim_matches(':');
    if emoji.is_empty() || emoji.contains(char::is_whitespace) {
        return platform.write_line(
            "Write one emoji name: `/react white_check_mark` approves, `/react x` rejects.",
        );
    }
    let Some(message) = last_message else {
        return platform.write_line("There is no message to react to yet: send a command first.");
    };
    if platform.react(&session.user, &message.channel, &message.ts, emoji)
        == ReactionOutcome::AlreadyPresent
    {
        return platform.write_line(&format!("{} already reacted with :{emoji}:.", session.user));
    }
    let event = ReactionEvent::new(&message.channel, &message.ts, &session.user, emoji, true);
    let outcome = bot
        .handle_reaction(Arc::clone(platform) as Arc<dyn Platform>, event)
        .await;
    match reaction_feedback(&outcome) {
        Some(feedback) => platform.write_line(&feedback),
        None => Ok(()),
    }
}

/// Returns what to show after a reaction that posted nothing itself: in
/// Slack people see the reaction, in the console they would see nothing.
fn reaction_feedback(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Pending {
            caller_approved,
            missing,
        } => {
            let mut waiting = Vec::new();
            if !caller_approved {
                waiting.push("the caller's own approval".to_owned());
            }
            if *missing > 0 {
                let people = if *missing == 1 { "person" } else { "people" };
                waiting.push(format!("{missing} more {people}"));
            }
            Some(format!(
                "Reaction recorded. The request still needs {}.",
                waiting.join(" and ")
            ))
        }
        Outcome::Ignored => {
            Some("Reaction recorded. That message is not waiting for approval.".into())
        }
        Outcome::AlreadyHandled => {
            Some("Reaction recorded. That request was already decided.".into())
        }
        _ => None,
    }
}

/// Drops a typed `@backoffice` in front of a command, which people copy from
/// Slack, where the mention is required.
fn without_typed_mention(line: &str) -> &str {
    let mention = format!("@{CONSOLE_BOT_USER}");
    match line.get(..mention.len()) {
        Some(start) if start.eq_ignore_ascii_case(&mention) => line[mention.len()..]
            .trim_start_matches([':', ','])
            .trim_start(),
        _ => line,
    }
}

/// Returns the refusal for a control line that operator mode does not allow.
fn operator_refusal(session: &ConsoleSettings, line: &str) -> Option<&'static str> {
    let ConsoleMode::Operator { .. } = session.mode else {
        return None;
    };
    let control = line
        .strip_prefix('/')?
        .split_whitespace()
        .next()
        .unwrap_or("");
    match control {
        "user" | "channel" => Some("The operator console runs as a fixed identity in one place; `/user` and `/channel` are for demo mode."),
        "react" => Some("Approvals cannot be given from the operator console: approve in Slack."),
        _ => None,
    }
}

/// Returns the controls of operator mode, which runs as one identity in one
/// place and cannot approve.
fn operator_controls(session: &ConsoleSettings) -> String {
    format!(
        "Console controls:\n\
        /help           show these controls\n\
        The operator console runs as {} in #{}: `/user`, `/channel` and `/react` are for\n\
        demo mode, and approvals are given in Slack.\n\
        Any other line is a message to the bot; type `help` for its commands.",
        session.user, session.channel
    )
}

/// Applies a control line (without its `/`) and returns the text to show.
fn apply_control(session: &mut ConsoleSettings, control: &str) -> String {
    let (name, argument) = control.split_once(' ').unwrap_or((control, ""));
    let argument = argument.trim();
    match (name, argument) {
        ("help", _) => match session.mode {
            ConsoleMode::Operator { .. } => operator_controls(session),
            _ => CONTROLS.into(),
        },
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
    fn operator_help_lists_only_its_controls() {
        let mut operator = ConsoleSettings::operator("ops", "alice");
        let mut demo = ConsoleSettings::new("backoffice", "you");

        let operator_help = apply_control(&mut operator, "help");
        let demo_help = apply_control(&mut demo, "help");

        assert!(
            operator_help.contains("runs as ops in #console"),
            "{operator_help}"
        );
        assert!(!operator_help.contains("/react EMOJI"), "{operator_help}");
        assert!(!operator_help.contains("/user NAME"), "{operator_help}");
        assert!(demo_help.contains("/react EMOJI"), "{demo_help}");
    }

    #[test]
    fn typed_mention_dropped() {
        assert_eq!(
            without_typed_mention("@backoffice show account acme"),
            "show account acme"
        );
        assert_eq!(without_typed_mention("@Backoffice: help"), "help");
        assert_eq!(
            without_typed_mention("show @backoffice"),
            "show @backoffice"
        );
    }

    #[test]
    fn pending_feedback_names_what_is_missing() {
        let both = reaction_feedback(&Outcome::Pending {
            caller_approved: false,
            missing: 2,
        });
        assert_eq!(both.as_deref(), Some("Reaction recorded. The request still needs the caller's own approval and 2 more people."));
        let one = reaction_feedback(&Outcome::Pending {
            caller_approved: true,
            missing: 1,
        });
        assert_eq!(
            one.as_deref(),
            Some("Reaction recorded. The request still needs 1 more person.")
        );
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
