//! The bot's configuration checked before it runs: conflicts between
//! commands, and commands that run nowhere because no access rule covers them.
//!
//! [`BotBuilder::build`](crate::BotBuilder::build) runs the same check: it
//! fails on conflicts and logs a warning for each command without a rule. Call
//! [`BotBuilder::check`](crate::BotBuilder::check) or [`check`] in a unit test
//! to turn those warnings into a failing test.
//!
//! # Examples
//!
//! ```
//! use backoffice_core::{Bot, Command, CommandInfo, Invocation, Reply, Rule};
//!
//! fn command(name: &str, pattern: &str, role: &str) -> Command<()> {
//!     let info = CommandInfo::new(name, pattern, "Does something").access(role);
//!     Command::new(info, |_args| {
//!         Ok(Invocation::new(|_ctx| Box::pin(async { Ok(Reply::new("done")) })))
//!     })
//! }
//!
//! let builder = Bot::builder(())
//!     .command(command("show_account", "show account <name>", "support"))
//!     .command(command("show_user", "show account <user>", "support"))
//!     .command(command("delete_account", "delete account <name>", "developers"))
//!     .role("support", Rule::channels(["support"]));
//!
//! let report = builder.check();
//! assert!(!report.is_ok());
//! assert_eq!(report.conflicts()[0].commands(), ["show_account", "show_user"]);
//! assert_eq!(report.unbound()[0].command, "delete_account");
//! println!("{report}");
//! ```

use std::fmt;

use crate::access::AccessPolicy;
use crate::command::{Command, CommandInfo};
use crate::router::{self, Conflict};

/// Checks `commands` against `policy`: every pair of commands that match the
/// same message equally well, and every command that runs nowhere.
pub fn check<S>(commands: &[Command<S>], policy: &AccessPolicy) -> Report {
    let patterns: Vec<_> = commands.iter().map(|c| c.pattern().clone()).collect();
    let conflicts = router::conflicts(&patterns);
    Report::new(commands, conflicts, policy)
}

/// Every problem [`check`] found. Its `Display` lists them, one per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    conflicts: Vec<CommandConflict>,
    unbound: Vec<UnboundCommand>,
}

impl Report {
    /// Builds the report from conflicts that the router already found, so
    /// that the bot builder does not search for them twice.
    pub(crate) fn new<S>(
        commands: &[Command<S>],
        conflicts: Vec<Conflict>,
        policy: &AccessPolicy,
    ) -> Self {
        let conflicts = conflicts
            .into_iter()
            .map(|conflict| CommandConflict::name(commands, conflict))
            .collect();
        let unbound = commands
            .iter()
            .filter_map(|command| UnboundCommand::find(command.info(), policy))
            .collect();
        Self { conflicts, unbound }
    }

    /// Returns whether the check found no problem.
    pub fn is_ok(&self) -> bool {
        self.conflicts.is_empty() && self.unbound.is_empty()
    }

    /// Returns every pair of commands that match the same message equally
    /// well. A bot with any of them does not build.
    pub fn conflicts(&self) -> &[CommandConflict] {
        &self.conflicts
    }

    /// Returns every command that runs nowhere, or that nobody may approve.
    /// The bot builds with them, and logs a warning for each.
    pub fn unbound(&self) -> &[UnboundCommand] {
        &self.unbound
    }

    pub(crate) fn into_conflicts(self) -> Vec<CommandConflict> {
        self.conflicts
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ok() {
            return f.write_str("no conflicts, and every command has an access rule");
        }
        let problems = self.conflicts.len() + self.unbound.len();
        write!(f, "{problems} problem(s) in the bot's commands:")?;
        for conflict in &self.conflicts {
            write!(f, "\n- {conflict}")?;
        }
        for unbound in &self.unbound {
            write!(f, "\n- {unbound}")?;
        }
        Ok(())
    }
}

/// Two commands that are equally specific and can match the same message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandConflict {
    commands: [String; 2],
    conflict: Conflict,
}

impl CommandConflict {
    /// Finds the names of the two commands whose patterns conflict. Two
    /// commands may have the same pattern, so the second name is taken from
    /// another command than the first.
    fn name<S>(commands: &[Command<S>], conflict: Conflict) -> Self {
        let first = commands
            .iter()
            .position(|c| c.info().pattern == conflict.first);
        let second = commands
            .iter()
            .enumerate()
            .position(|(index, c)| Some(index) != first && c.info().pattern == conflict.second);
        let name = |index: Option<usize>| {
            index.map_or_else(String::new, |i| commands[i].info().name.clone())
        };
        Self {
            commands: [name(first), name(second)],
            conflict,
        }
    }

    /// Returns the two commands' handler names.
    pub fn commands(&self) -> [&str; 2] {
        [&self.commands[0], &self.commands[1]]
    }

    /// Returns both patterns and a message that both match.
    pub fn conflict(&self) -> &Conflict {
        &self.conflict
    }

    /// Returns a message that both commands match.
    pub fn example(&self) -> &str {
        &self.conflict.example
    }
}

impl fmt::Display for CommandConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [first, second] = self.commands();
        write!(
            f,
            "commands `{first}` (`{}`) and `{second}` (`{}`) conflict: both match `{}` equally well; add a literal word to one of them",
            self.conflict.first, self.conflict.second, self.conflict.example
        )
    }
}

/// A command that runs nowhere, or that nobody may approve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnboundCommand {
    /// The command's handler name.
    pub command: String,
    /// The command's pattern.
    pub pattern: String,
    /// The reason it cannot run.
    pub reason: Unbound,
}

/// The reason a command cannot run, or cannot be approved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unbound {
    /// The command names no access role.
    NoAccessRole,
    /// The command's access role is bound to no rule.
    RoleBoundToNothing {
        /// The role.
        role: String,
    },
    /// The command needs approval, and the role of its approvers is bound to
    /// no rule, so no reaction counts and it never runs.
    ApproversBoundToNothing {
        /// The approvers' role.
        role: String,
    },
}

impl UnboundCommand {
    fn find(info: &CommandInfo, policy: &AccessPolicy) -> Option<Self> {
        let reason = match info.access.as_deref() {
            None => Unbound::NoAccessRole,
            Some(role) if policy.rule(role).is_none() => Unbound::RoleBoundToNothing {
                role: role.to_owned(),
            },
            Some(_) => match info.approvers.as_deref() {
                Some(role) if info.approvals > 0 && policy.rule(role).is_none() => {
                    Unbound::ApproversBoundToNothing {
                        role: role.to_owned(),
                    }
                }
                _ => return None,
            },
        };
        Some(Self {
            command: info.name.clone(),
            pattern: info.pattern.clone(),
            reason,
        })
    }
}

impl fmt::Display for UnboundCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            command, pattern, ..
        } = self;
        match &self.reason {
            Unbound::NoAccessRole => write!(
                f,
                "command `{command}` (`{pattern}`) has no access role, so it runs nowhere; add `access = \"ROLE\"` to its attribute"
            ),
            Unbound::RoleBoundToNothing { role } => write!(
                f,
                "command `{command}` (`{pattern}`) has the access role `{role}`, which is bound to nothing, so it runs nowhere; bind it with `.role(\"{role}\", Rule::channels([...]))`"
            ),
            Unbound::ApproversBoundToNothing { role } => write!(
                f,
                "command `{command}` (`{pattern}`) needs approval from the role `{role}`, which is bound to nothing, so it never runs; bind it with `.role(\"{role}\", Rule::channels([...]))`"
            ),
        }
    }
}
