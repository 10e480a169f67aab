//! The path of a new message: filter, route, parse, claim, run, reply.

use std::sync::Arc;

use tracing::{debug, info, warn};

use super::support::{addressed_text, is_new_human_message, Claim};
use super::{Bot, Outcome};
use crate::access::{ConsoleAccess, Facts};
use crate::audit::{self, AuditOutcome, AuditRecord};
use crate::command::CommandInfo;
use crate::context::Context;
use crate::error::DispatchError;
use crate::help::{self, HelpEntry};
use crate::platform::{ChannelKind, Message, Platform};
use crate::router::RouteMatch;

impl<S: Send + Sync + 'static> Bot<S> {
    /// Handles one message from a front-end and returns what it did. Every
    /// answer, errors included, is posted in the message's thread; failures
    /// to post are logged.
    #[tracing::instrument(name = "message", skip_all, fields(team = %message.team, channel = %message.channel, user = %message.user, ts = %message.ts))]
    pub async fn handle(&self, platform: Arc<dyn Platform>, message: Message) -> Outcome {
        if !is_new_human_message(platform.as_ref(), &message) {
            return Outcome::Ignored;
        }
        let Some(text) = addressed_text(platform.as_ref(), &message) else {
            return Outcome::Ignored;
        };
        let facts = match self
            .gather_facts(platform.as_ref(), &message, &message.user)
            .await
        {
            Ok(facts) => facts,
            Err(error) => {
                warn!(%error, "access could not be checked");
                let failure = DispatchError::AccessCheckFailed {
                    cause: error.to_string(),
                };
                return self.refuse(&platform, &message, failure, "").await;
            }
        };
        match self.route_allowed(&text, &facts) {
            Some(found) => self.run_command(platform, message, found, &facts).await,
            None => {
                self.answer_non_command(&platform, &message, &text, &facts)
                    .await
            }
        }
    }

    /// Finds the most specific command matching `text` among those `facts` allow.
    pub(super) fn route_allowed(&self, text: &str, facts: &Facts) -> Option<RouteMatch> {
        let allowed = |index: usize| {
            let role = self.inner.commands[index].info().access.as_deref();
            self.inner.policy.allows(role, facts).is_ok()
        };
        self.inner.router.route(text, allowed)
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
        let Some(query) = help::help_query(text) else {
            self.log_denial(message, text, facts);
            let suggestions = help::suggest(text, &entries);
            return self
                .refuse(
                    platform,
                    message,
                    DispatchError::UnknownCommand { suggestions },
                    "",
                )
                .await;
        };
        match self
            .claim(platform, message, &self.inner.handled_marker)
            .await
        {
            Claim::Taken => {
                self.post(platform, message, &help::render(query, &entries))
                    .await;
                Outcome::Help
            }
            Claim::TakenByOther => Outcome::AlreadyHandled,
            Claim::Failed(outcome) => outcome,
        }
    }

    /// Parses the arguments of a matched command, then either requests
    /// approval or claims the message and runs the command.
    async fn run_command(
        &self,
        platform: Arc<dyn Platform>,
        message: Message,
        found: RouteMatch,
        facts: &Facts,
    ) -> Outcome {
        let command = &self.inner.commands[found.command];
        let usage = command.pattern().usage();
        let invocation = match command.prepare(&found.args) {
            Ok(invocation) => invocation,
            Err(error) => {
                debug!(command = %command.info().name, %error, "invalid argument");
                let placeholder = error.placeholder.clone();
                let failure = DispatchError::BadArgument {
                    placeholder,
                    message: error.to_string(),
                    usage: usage.clone(),
                };
                return self.refuse(&platform, &message, failure, &usage).await;
            }
        };
        if command.info().approvals > 0
            && !self.approval_waived(command.info(), message.channel_kind)
        {
            if message.channel_kind == ChannelKind::OperatorConsole {
                return self
                    .refuse(
                        &platform,
                        &message,
                        DispatchError::ApprovalUnavailable,
                        &usage,
                    )
                    .await;
            }
            return self
                .request_approval(platform, message, &found, invocation, facts)
                .await;
        }
        match self
            .claim(&platform, &message, &self.inner.handled_marker)
            .await
        {
            Claim::Taken => {}
            Claim::TakenByOther => return Outcome::AlreadyHandled,
            Claim::Failed(outcome) => return outcome,
        }
        info!(command = %command.info().name, "running command");
        let context = Context::new(
            Arc::clone(&self.inner.state),
            Arc::clone(&platform),
            message.clone(),
        );
        let result = self.contain(command.info(), invocation.run(context)).await;
        audit_run(&command.info().name, &found, &message, &[], &result);
        match result {
            Ok(reply) => {
                self.post(&platform, &message, reply.text()).await;
                Outcome::Ran {
                    command: command.info().name.clone(),
                }
            }
            Err(failure) => {
                self.post(&platform, &message, &failure.reply(&usage)).await;
                Outcome::Failed(failure)
            }
        }
    }

    /// Returns whether a command that needs approval runs without it: only
    /// in the operator console, when its rule says so.
    fn approval_waived(&self, info: &CommandInfo, kind: ChannelKind) -> bool {
        let rule = info
            .access
            .as_deref()
            .and_then(|role| self.inner.policy.rule(role));
        kind == ChannelKind::OperatorConsole
            && rule.is_some_and(|rule| rule.console_access() == ConsoleAccess::WithoutApproval)
    }

    /// Returns the commands the author may run here, for help and
    /// suggestions. In the operator console, which cannot collect approvals,
    /// that leaves out commands that need approval unless their rule waives it.
    fn help_entries(&self, facts: &Facts) -> Vec<HelpEntry<'_>> {
        let kind = facts.channel.kind;
        let runnable_here = |info: &CommandInfo| {
            kind != ChannelKind::OperatorConsole
                || info.approvals == 0
                || self.approval_waived(info, kind)
        };
        self.inner
            .commands
            .iter()
            .filter(|c| {
                self.inner
                    .policy
                    .allows(c.info().access.as_deref(), facts)
                    .is_ok()
                    && runnable_here(c.info())
            })
            .map(|c| HelpEntry {
                pattern: c.pattern(),
                description: &c.info().description,
            })
            .collect()
    }

    /// Logs and audits when the text matches a command the person may not
    /// run here.
    fn log_denial(&self, message: &Message, text: &str, facts: &Facts) {
        let Some(found) = self.inner.router.route(text, |_| true) else {
            return;
        };
        let info = self.inner.commands[found.command].info();
        if let Err(reason) = self.inner.policy.allows(info.access.as_deref(), facts) {
            info!(command = %info.name, %reason, "command denied");
            let detail = reason.to_string();
            audit::record(&AuditRecord {
                command: &info.name,
                args: Some(&found.args),
                message,
                approvers: &[],
                outcome: AuditOutcome::Denied,
                detail: &detail,
            });
        }
    }
}

/// Audits a finished run of a command.
pub(super) fn audit_run(
    command: &str,
    found: &RouteMatch,
    message: &Message,
    approvers: &[String],
    result: &Result<crate::command::Reply, DispatchError>,
) {
    let (outcome, detail) = match result {
        Ok(_) => (AuditOutcome::Succeeded, String::new()),
        Err(failure) => (AuditOutcome::Failed, failure.to_string()),
    };
    audit::record(&AuditRecord {
        command,
        args: Some(&found.args),
        message,
        approvers,
        outcome,
        detail: &detail,
    });
}
