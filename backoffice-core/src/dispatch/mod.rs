//! The dispatcher: the path of one message from a front-end to a handler.
//!
//! [`Bot::handle`] drops what is not a command for this bot, normalises the
//! text, routes it among the commands the person may run in this channel,
//! parses the arguments, claims the message with the handled marker so that
//! nothing runs twice, runs the handler and posts its reply in the thread.
//! A command that needs approval posts its dry run instead, and
//! [`Bot::handle_reaction`] runs it once the approvals are there.

mod approvals;
mod catch_up;
mod message;
mod support;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tracing::warn;

use crate::access::{AccessPolicy, Rule};
use crate::check::{CommandConflict, Report};
use crate::command::Command;
use crate::error::DispatchError;
use crate::router::Router;

pub use catch_up::CatchUpReport;

/// The reaction the bot adds to a message it has taken, unless configured otherwise.
pub const DEFAULT_HANDLED_MARKER: &str = "eyes";

/// The reaction the bot adds to a command message when it posts the dry run
/// of a command that needs approval, unless configured otherwise.
pub const DEFAULT_REQUEST_MARKER: &str = "hourglass_flowing_sand";

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
    /// The command needs approval: its dry run was posted.
    AwaitingApproval,
    /// A reaction changed a request that still waits for approvals.
    Pending {
        /// Whether the caller has approved their own request.
        caller_approved: bool,
        /// How many more people besides the caller must approve.
        missing: u32,
    },
    /// The command ran and succeeded.
    Ran {
        /// The command's handler name.
        command: String,
    },
    /// The command did not run, or did not finish, and the reply explained why.
    Failed(DispatchError),
}

/// Errors found while building a bot.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Two or more commands can match the same message equally well.
    #[error("{}", list_conflicts(.0))]
    Conflicts(Vec<CommandConflict>),
}

fn list_conflicts(conflicts: &[CommandConflict]) -> String {
    let lines: Vec<String> = conflicts.iter().map(CommandConflict::to_string).collect();
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
    request_marker: String,
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
    request_marker: String,
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

    /// Sets the emoji (without colons) of the request marker: the reaction the
    /// bot adds to a command message when it posts the dry run of a command
    /// that needs approval. Default: `hourglass_flowing_sand`.
    pub fn request_marker(mut self, emoji: impl Into<String>) -> Self {
        self.request_marker = emoji.into().trim_matches(':').to_owned();
        self
    }

    /// Sets how long a handler may run when its command sets no timeout.
    /// Default: 60 seconds.
    pub fn default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = timeout;
        self
    }

    /// Checks the commands and access roles added so far: every pair of
    /// commands that match the same message equally well, and every command
    /// that runs nowhere because its access role is missing or bound to
    /// nothing. [`build`](Self::build) runs the same check.
    ///
    /// Call it in a unit test, so that a command without a rule fails the
    /// test instead of only logging a warning:
    ///
    /// ```
    /// # use backoffice_core::{Bot, Command, CommandInfo, Invocation, Reply, Rule};
    /// # fn all_commands() -> Vec<Command<()>> {
    /// #     let info = CommandInfo::new("ping", "ping", "Replies pong").access("ops");
    /// #     vec![Command::new(info, |_| Ok(Invocation::new(|_| Box::pin(async { Ok(Reply::new("pong")) }))))]
    /// # }
    /// let report = Bot::builder(())
    ///     .commands(all_commands())
    ///     .role("ops", Rule::channels(["ops"]))
    ///     .check();
    /// assert!(report.is_ok(), "{report}");
    /// ```
    pub fn check(&self) -> Report {
        crate::check::check(&self.commands, &self.policy)
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
        let (router, conflicts) = match Router::new(patterns) {
            Ok(router) => (Some(router), Vec::new()),
            Err(conflicts) => (None, conflicts),
        };
        let report = Report::new(&self.commands, conflicts, &self.policy);
        for unbound in report.unbound() {
            warn!(command = %unbound.command, "{unbound}");
        }
        let Some(router) = router else {
            return Err(BuildError::Conflicts(report.into_conflicts()));
        };
        let inner = Inner {
            state: Arc::new(self.state),
            commands: self.commands,
            router,
            policy: self.policy,
            handled_marker: self.handled_marker,
            request_marker: self.request_marker,
            default_timeout: self.default_timeout,
        };
        Ok(Bot {
            inner: Arc::new(inner),
        })
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
            request_marker: DEFAULT_REQUEST_MARKER.to_owned(),
            default_timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Returns the commands, in the order they were added.
    pub fn commands(&self) -> &[Command<S>] {
        &self.inner.commands
    }

    /// Returns every channel an access role is bound to, by ID or by name
    /// without `#`, sorted and without duplicates. Direct messages and the
    /// console are not listed.
    pub fn channels(&self) -> Vec<String> {
        self.inner.policy.channels()
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
