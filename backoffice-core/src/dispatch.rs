//! The dispatcher: the path of one message from a front-end to a handler.
//!
//! [`Bot::handle`] drops what is not a command for this bot, normalises the
//! text, routes it among the commands the person may run in this channel,
//! parses the arguments, claims the message with the handled marker so that
//! nothing runs twice, runs the handler and posts its reply in the thread.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tracing::{debug, error, info, warn};

use crate::access::{AccessPolicy, Facts, Rule};
use crate::command::{Command, Invocation, Reply};
use crate::context::Context;
use crate::error::DispatchError;
use crate::help::{self, HelpEntry};
use crate::normalize::{normalize, strip_mention};
use crate::platform::{Destination, Message, Platform, PlatformError, ReactionOutcome};
use crate::router::{Conflict, RouteMatch, Router};

/// The reaction the bot adds to a message it has taken, unless configured otherwise.
pub const DEFAULT_HANDLED_MARKER: &str = "eyes";

/// How long a handler may run, unless the bot or the command says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What the dispatcher did with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The message was not a command for this bot: the bot's own or another
    /// bot's message, an edit or other subtype, or no mention in a channel.
    Ignored,
    /// Another claimer (a redelivery, a duplicate event, another replica) had
    /// already taken the message, so this one did nothing.
    AlreadyHandled,
    /// The bot answered with help.
    Help,
    /// The command ran and succeeded.
    Ran {
        /// The command's handler name.
        command: String,
    },
    /// The command did not run, or did not finish; the person was told why.
    Failed(DispatchError),
}

/// Errors found while building a bot.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Two or more commands can match the same message equally well.
    #[error("{}", list_conflicts(.0))]
    Conflicts(Vec<Conflict>),
}

fn list_conflicts(conflicts: &[Conflict]) -> String {
    let lines: Vec<String> = conflicts.iter().map(Conflict::to_string).collect();
    lines.join("\n")
}

/// A bot: its commands, its access policy and the application's state.
///
/// A `Bot` is cheap to clone; clones share everything.
pub struct Bot<S> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    state: Arc<S>,
    commands: Vec<Command<S>>,
    router: Router,
    policy: AccessPolicy,
    handled_marker: String,
    default_timeout: Duration,
}

impl<S> Clone for Bot<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S> fmt::Debug for Bot<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bot")
            .field("commands", &self.inner.commands)
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Bot`]: its state, commands, access roles and settings.
pub struct BotBuilder<S> {
    state: S,
    commands: Vec<Command<S>>,
    policy: AccessPolicy,
    handled_marker: String,
    default_timeout: Duration,
}

impl<S> BotBuilder<S> {
    /// Adds a command.
    pub fn command(mut self, command: Command<S>) -> Self {
        self.commands.push(command);
        self
    }

    /// Adds several commands.
    pub fn commands(mut self, commands: impl IntoIterator<Item = Command<S>>) -> Self {
        self.commands.extend(commands);
        self
    }

    /// Binds the access role `role` to `rule`. Commands whose role is bound
    /// to nothing run nowhere.
    pub fn role(mut self, role: impl Into<String>, rule: Rule) -> Self {
        self.policy.bind(role, rule);
        self
    }

    /// Sets the emoji (without colons) of the handled marker: the reaction the
    /// bot adds to a message before it acts on it. Default: `eyes`.
    pub fn handled_marker(mut self, emoji: impl Into<String>) -> Self {
        self.handled_marker = emoji.into().trim_matches(':').to_owned();
        self
    }

    /// Sets how long a handler may run when its command sets no timeout.
    /// Default: 60 seconds.
    pub fn default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = timeout;
        self
    }

    /// Builds the bot, and warns through `tracing` about every command that
    /// runs nowhere because its access role is bound to nothing.
    ///
    /// # Errors
    ///
    /// Returns [`BuildError::Conflicts`] listing every pair of commands that
    /// match the same message equally well, with an example message.
    pub fn build(self) -> Result<Bot<S>, BuildError> {
        let patterns = self.commands.iter().map(|c| c.pattern().clone()).collect();
        let router = Router::new(patterns).map_err(BuildError::Conflicts)?;
        for command in &self.commands {
            warn_if_unbound(command.info(), &self.policy);
        }
        let inner = Inner {
            state: Arc::new(self.state),
            commands: self.commands,
            router,
            policy: self.policy,
            handled_marker: self.handled_marker,
            default_timeout: self.default_timeout,
        };
        Ok(Bot {
            inner: Arc::new(inner),
        })
    }
}

fn warn_if_unbound(info: &crate::command::CommandInfo, policy: &AccessPolicy) {
    match info.access.as_deref() {
        None => {
            warn!(command = %info.name, "command has no access role, so it runs nowhere; add `access = \"ROLE\"` to its attribute")
        }
        Some(role) if policy.rule(role).is_none() => {
            warn!(command = %info.name, role, "command's access role is bound to nothing, so it runs nowhere; bind it with `.role(\"{role}\", Rule::channels([...]))`")
        }
        Some(_) => {}
    }
}

impl<S> Bot<S> {
    /// Starts building a bot whose handlers share `state`.
    pub fn builder(state: S) -> BotBuilder<S> {
        BotBuilder {
            state,
            commands: Vec::new(),
            policy: AccessPolicy::default(),
            handled_marker: DEFAULT_HANDLED_MARKER.to_owned(),
            default_timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Returns the commands, in the order they were added.
    pub fn commands(&self) -> &[Command<S>] {
        &self.inner.commands
    }

    /// Returns the emoji of the handled marker.
    pub fn handled_marker(&self) -> &str {
        &self.inner.handled_marker
    }

    /// Returns the application's state.
    pub fn state(&self) -> &S {
        &self.inner.state
    }
}

impl<S: Send + Sync + 'static> Bot<S> {
    /// Handles one message from a front-end and returns what it did. Every
    /// answer, including errors, is posted in the message's thread; failures
    /// to post are logged.
    #[tracing::instrument(name = "message", skip_all, fields(team = %message.team, channel = %message.channel, user = %message.user, ts = %message.ts))]
    pub async fn handle(&self, platform: Arc<dyn Platform>, message: Message) -> Outcome {
        let Some(text) = command_text(platform.as_ref(), &message) else {
            return Outcome::Ignored;
        };
        let facts = match self.gather_facts(platform.as_ref(), &message).await {
            Ok(facts) => facts,
            Err(error) => {
                warn!(%error, "access could not be checked");
                let cause = error.to_string();
                return self
                    .refuse(
                        &platform,
                        &message,
                        DispatchError::AccessCheckFailed { cause },
                        "",
                    )
                    .await;
            }
        };
        let allowed = |index: usize| {
            let role = self.inner.commands[index].info().access.as_deref();
            self.inner.policy.allows(role, &facts).is_ok()
        };
        match self.inner.router.route(&text, allowed) {
            Some(found) => self.run_command(platform, message, found).await,
            None => {
                self.answer_non_command(&platform, &message, &text, &facts)
                    .await
            }
        }
    }

    /// Answers help, or the unknown-command reply with suggestions.
    async fn answer_non_command(
        &self,
        platform: &Arc<dyn Platform>,
        message: &Message,
        text: &str,
        facts: &Facts,
    ) -> Outcome {
        let entries = self.help_entries(facts);
        if let Some(query) = help::help_query(text) {
            match self.claim(platform, message).await {
                Ok(true) => {}
                Ok(false) => return Outcome::AlreadyHandled,
                Err(outcome) => return outcome,
            }
            self.post(platform, message, &help::render(query, &entries))
                .await;
            return Outcome::Help;
        }
        self.log_denial(text, facts);
        let suggestions = help::suggest(text, &entries);
        self.refuse(
            platform,
            message,
            DispatchError::UnknownCommand { suggestions },
            "",
        )
        .await
    }

    /// Parses the arguments of a matched command, claims the message and runs it.
    async fn run_command(
        &self,
        platform: Arc<dyn Platform>,
        message: Message,
        found: RouteMatch,
    ) -> Outcome {
        let command = &self.inner.commands[found.command];
        let usage = command.pattern().usage();
        let invocation = match command.prepare(&found.args) {
            Ok(invocation) => invocation,
            Err(error) => {
                debug!(command = %command.info().name, %error, "invalid argument");
                let bad = DispatchError::BadArgument {
                    placeholder: error.placeholder.clone(),
                    message: error.to_string(),
                    usage: usage.clone(),
                };
                return self.refuse(&platform, &message, bad, &usage).await;
            }
        };
        match self.claim(&platform, &message).await {
            Ok(true) => {}
            Ok(false) => return Outcome::AlreadyHandled,
            Err(outcome) => return outcome,
        }
        let name = command.info().name.clone();
        info!(command = %name, "running command");
        match self
            .execute(command, invocation, Arc::clone(&platform), message.clone())
            .await
        {
            Ok(reply) => {
                self.post(&platform, &message, reply.text()).await;
                Outcome::Ran { command: name }
            }
            Err(failure) => {
                self.post(&platform, &message, &failure.reply(&usage)).await;
                Outcome::Failed(failure)
            }
        }
    }

    /// Runs the handler in its own task, so that a panic or a timeout is
    /// contained and the bot goes on.
    async fn execute(
        &self,
        command: &Command<S>,
        invocation: Invocation<S>,
        platform: Arc<dyn Platform>,
        message: Message,
    ) -> Result<Reply, DispatchError> {
        let name = &command.info().name;
        let timeout = command.info().timeout.unwrap_or(self.inner.default_timeout);
        let context = Context::new(Arc::clone(&self.inner.state), platform, message);
        let mut task = tokio::spawn(invocation.run(context));
        let result = match tokio::time::timeout(timeout, &mut task).await {
            Ok(joined) => joined,
            Err(_) => {
                task.abort();
                error!(command = %name, ?timeout, "command timed out and was cancelled");
                return Err(DispatchError::TimedOut { timeout });
            }
        };
        match result {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(failure)) => {
                warn!(command = %name, error = %failure, "command failed");
                Err(DispatchError::HandlerFailed {
                    message: failure.to_string(),
                })
            }
            Err(join_error) => {
                let message = panic_message(join_error);
                error!(command = %name, panic = %message, "command panicked");
                Err(DispatchError::Panicked { message })
            }
        }
    }

    /// Claims the message with the handled marker. Returns `Ok(true)` when this
    /// call took it, `Ok(false)` when another claimer already had, and
    /// `Err(outcome)` after telling the person that the claim failed.
    async fn claim(
        &self,
        platform: &Arc<dyn Platform>,
        message: &Message,
    ) -> Result<bool, Outcome> {
        let marker = &self.inner.handled_marker;
        match platform
            .add_reaction(&message.channel, &message.ts, marker)
            .await
        {
            Ok(ReactionOutcome::Added) => Ok(true),
            Ok(ReactionOutcome::AlreadyPresent) => {
                debug!("message already claimed by another delivery or replica");
                Ok(false)
            }
            Err(error) => {
                error!(%error, "could not claim the message, so the command did not run");
                let failure = DispatchError::ClaimFailed {
                    cause: error.to_string(),
                };
                self.post(platform, message, &failure.reply("")).await;
                Err(Outcome::Failed(failure))
            }
        }
    }

    /// Claims the message, then posts the reply for `failure`.
    async fn refuse(
        &self,
        platform: &Arc<dyn Platform>,
        message: &Message,
        failure: DispatchError,
        usage: &str,
    ) -> Outcome {
        match self.claim(platform, message).await {
            Ok(true) => {
                self.post(platform, message, &failure.reply(usage)).await;
                Outcome::Failed(failure)
            }
            Ok(false) => Outcome::AlreadyHandled,
            Err(outcome) => outcome,
        }
    }

    /// Posts `text` in the message's thread; a failure is logged, never retried
    /// by running the command again.
    async fn post(&self, platform: &Arc<dyn Platform>, message: &Message, text: &str) {
        let to = Destination {
            channel: message.channel.clone(),
            thread_ts: Some(message.reply_thread_ts().to_owned()),
        };
        if let Err(error) = platform.post(&to, text).await {
            error!(%error, "could not post the reply");
        }
    }

    /// Looks up what access rules need: the author, the channel and the
    /// author's membership of the groups that rules name.
    async fn gather_facts(
        &self,
        platform: &dyn Platform,
        message: &Message,
    ) -> Result<Facts, PlatformError> {
        let user = platform.user(&message.user).await?;
        let mut channel = platform.channel(&message.channel).await?;
        channel.kind = message.channel_kind;
        let mut groups = HashSet::new();
        for group in self.inner.policy.group_ids() {
            if platform.group_members(group).await?.contains(&message.user) {
                groups.insert(group.to_owned());
            }
        }
        let external = platform
            .bot_team()
            .is_some_and(|team| user.team != team || message.team != team);
        Ok(Facts {
            user,
            channel,
            groups,
            external,
        })
    }

    fn help_entries(&self, facts: &Facts) -> Vec<HelpEntry<'_>> {
        self.inner
            .commands
            .iter()
            .filter(|c| {
                self.inner
                    .policy
                    .allows(c.info().access.as_deref(), facts)
                    .is_ok()
            })
            .map(|c| HelpEntry {
                pattern: c.pattern(),
                description: &c.info().description,
            })
            .collect()
    }

    /// Logs when the text matches a command the person may not run here.
    fn log_denial(&self, text: &str, facts: &Facts) {
        let Some(found) = self.inner.router.route(text, |_| true) else {
            return;
        };
        let info = self.inner.commands[found.command].info();
        if let Err(reason) = self.inner.policy.allows(info.access.as_deref(), facts) {
            info!(command = %info.name, %reason, "command denied");
        }
    }
}

/// Returns the normalised command text when `message` addresses the bot, or
/// `None` when it is not a command for this bot.
fn command_text(platform: &dyn Platform, message: &Message) -> Option<String> {
    let own = message.user == platform.bot_user_id();
    if message.bot_id.is_some() || own || message.subtype.is_some() || message.edited {
        debug!(subtype = ?message.subtype, "ignored: not a person's new message");
        return None;
    }
    let text = if message.channel_kind.requires_mention() {
        strip_mention(&message.text, platform.bot_user_id())?
    } else {
        strip_mention(&message.text, platform.bot_user_id()).unwrap_or(&message.text)
    };
    let text = normalize(text);
    (!text.is_empty()).then_some(text)
}

fn panic_message(join_error: tokio::task::JoinError) -> String {
    if !join_error.is_panic() {
        return "the task was cancelled".into();
    }
    let payload = join_error.into_panic();
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".into()
    }
}
