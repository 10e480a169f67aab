//! The approval path: a command that needs approval posts its dry run, and
//! every later reaction on the command message recomputes the request's state
//! from the reactions themselves, so a restarted bot or another replica
//! reaches the same decision.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::{debug, info, warn};

use super::message::audit_run;
use super::support::{addressed_text, Claim};
use super::{Bot, Outcome};
use crate::access::Facts;
use crate::approval::{
    decide, Decision, Request, Voter, APPROVE_EMOJI, DEFAULT_EXPIRY, REJECT_EMOJI,
};
use crate::audit::{self, AuditOutcome, AuditRecord};
use crate::command::{Command, Invocation};
use crate::context::Context;
use crate::error::{format_duration, format_utc, DispatchError};
use crate::platform::{Message, Platform, ReactionEvent, StoredMessage};
use crate::router::RouteMatch;

impl<S: Send + Sync + 'static> Bot<S> {
    /// Claims the message with the request marker, then posts the command's
    /// dry run and how to approve it.
    pub(super) async fn request_approval(
        &self,
        platform: Arc<dyn Platform>,
        message: Message,
        found: &RouteMatch,
        invocation: Invocation<S>,
        facts: &Facts,
    ) -> Outcome {
        let command = &self.inner.commands[found.command];
        let usage = command.pattern().usage();
        let Some(posted_at) = posting_time(&message.ts, platform.now()) else {
            warn!(ts = %message.ts, "the message timestamp is not a valid time or lies in the future, so no request was made");
            let failure = DispatchError::InvalidTimestamp {
                ts: message.ts.clone(),
            };
            return self.refuse(&platform, &message, failure, &usage).await;
        };
        match self
            .claim(&platform, &message, &self.inner.request_marker)
            .await
        {
            Claim::Taken => {}
            Claim::TakenByOther => return Outcome::AlreadyHandled,
            Claim::Failed(outcome) => return outcome,
        }
        let info = command.info();
        let context = Context::new(
            Arc::clone(&self.inner.state),
            Arc::clone(&platform),
            message.clone(),
        );
        let described = match invocation.dry_run(context) {
            Some(dry_run) => self
                .contain(info, dry_run)
                .await
                .map(|reply| reply.text().to_owned()),
            None => Ok(format!("I would run `{usage}`.")),
        };
        match described {
            Ok(plan) => {
                info!(command = %info.name, approvals = info.approvals, "approval requested");
                audit_decision(
                    &info.name,
                    Some(found),
                    &message,
                    &[],
                    AuditOutcome::ApprovalRequested,
                );
                let expires = info.expires.unwrap_or(DEFAULT_EXPIRY);
                let text =
                    request_text(&plan, &facts.user.name, info.approvals, posted_at, expires);
                self.post(&platform, &message, &text).await;
                Outcome::AwaitingApproval
            }
            Err(failure) => {
                // A request whose dry run failed must not run later: take the message for good.
                self.claim(&platform, &message, &self.inner.handled_marker)
                    .await;
                self.post(&platform, &message, &failure.reply(&usage)).await;
                Outcome::Failed(failure)
            }
        }
    }

    /// Handles a reaction added to or removed from a message. Approval and
    /// rejection emoji on a command message that awaits approval recompute the
    /// request's state; the command runs, once, when the approvals are there.
    #[tracing::instrument(name = "reaction", skip_all, fields(channel = %event.channel, ts = %event.ts, user = %event.user, emoji = %event.emoji))]
    pub async fn handle_reaction(
        &self,
        platform: Arc<dyn Platform>,
        event: ReactionEvent,
    ) -> Outcome {
        let relevant = event.emoji == APPROVE_EMOJI || event.emoji == REJECT_EMOJI;
        if !relevant || event.user == platform.bot_user_id() {
            return Outcome::Ignored;
        }
        let stored = match platform.fetch_message(&event.channel, &event.ts).await {
            Ok(stored) => stored,
            Err(error) => {
                warn!(%error, "could not read the message that was reacted to");
                return Outcome::Ignored;
            }
        };
        let bot = platform.bot_user_id().to_owned();
        let marked = |emoji: &str| stored.reactors(emoji).contains(&bot);
        if !marked(&self.inner.request_marker) {
            return Outcome::Ignored;
        }
        if marked(&self.inner.handled_marker) {
            return Outcome::AlreadyHandled;
        }
        self.decide_request(platform, stored).await
    }

    /// Decides a pending request from its message and reactions, and acts on
    /// the decision.
    async fn decide_request(&self, platform: Arc<dyn Platform>, stored: StoredMessage) -> Outcome {
        let message = stored.message.clone();
        if message.edited {
            audit_decision("", None, &message, &[], AuditOutcome::Voided);
            return self
                .close_request(&platform, &message, DispatchError::Void)
                .await;
        }

        // Without a trustworthy posting time the request might never expire, so it closes.
        let Some(posted_at) = posting_time(&message.ts, platform.now()) else {
            warn!(ts = %message.ts, "the message timestamp is not a valid time or lies in the future, so the request was closed");
            audit_decision("", None, &message, &[], AuditOutcome::Voided);
            let failure = DispatchError::InvalidTimestamp {
                ts: message.ts.clone(),
            };
            return self.close_request(&platform, &message, failure).await;
        };

        let (found, invocation) = match self.resolve_request(&platform, &message).await {
            Ok(resolved) => resolved,
            Err(outcome) => return outcome,
        };
        let command = &self.inner.commands[found.command];
        let info = command.info();
        let request = Request {
            caller: message.user.clone(),
            others: info.approvals,
            posted_at,
            expires_after: info.expires.unwrap_or(DEFAULT_EXPIRY),
        };

        let approvals = self
            .voters(&platform, &message, command, stored.reactors(APPROVE_EMOJI))
            .await;
        let rejections = self
            .voters(&platform, &message, command, stored.reactors(REJECT_EMOJI))
            .await;
        let decision = decide(&request, &approvals.0, &rejections.0, false, platform.now());
        info!(command = %info.name, ?decision, "approval state");

        let name = |id: &String| {
            approvals
                .1
                .get(id)
                .or(rejections.1.get(id))
                .cloned()
                .unwrap_or_else(|| id.clone())
        };
        let (failure, approvers) = match decision {
            Decision::Pending {
                caller_approved,
                missing,
                ..
            } => {
                return Outcome::Pending {
                    caller_approved,
                    missing,
                }
            }
            Decision::Approved { approved_by } => {
                let approvers: Vec<String> = approved_by.iter().map(name).collect();
                return self
                    .run_approved(platform, message, &found, invocation, &approvers)
                    .await;
            }
            Decision::Void => (DispatchError::Void, Vec::new()),
            Decision::Expired => (
                DispatchError::Expired {
                    at: format_utc(request.expires_at()),
                },
                Vec::new(),
            ),
            Decision::Rejected { by } => {
                (DispatchError::Rejected { by: name(&by) }, vec![name(&by)])
            }
        };
        audit_decision(
            &info.name,
            Some(&found),
            &message,
            &approvers,
            audit_outcome(&failure),
        );
        self.close_request(&platform, &message, failure).await
    }

    /// Finds the command of a request's message and parses its arguments
    /// again, exactly as when the dry run was shown.
    async fn resolve_request(
        &self,
        platform: &Arc<dyn Platform>,
        message: &Message,
    ) -> Result<(RouteMatch, Invocation<S>), Outcome> {
        let facts = match self
            .gather_facts(platform.as_ref(), message, &message.user)
            .await
        {
            Ok(facts) => facts,
            Err(error) => {
                warn!(%error, "access could not be checked");
                let failure = DispatchError::AccessCheckFailed {
                    cause: error.to_string(),
                };
                self.post(platform, message, &failure.reply("")).await;
                return Err(Outcome::Failed(failure));
            }
        };

        let found = addressed_text(platform.as_ref(), message)
            .and_then(|text| self.route_allowed(&text, &facts));
        let Some(found) = found else {
            debug!("the request's command is no longer allowed here");
            return Err(Outcome::Ignored);
        };
        let command = &self.inner.commands[found.command];
        if command.info().approvals == 0 {
            // NOTE: the bot keeps no record of which command the dry run was
            // for, so this catches only a change to a command without approval.
            warn!(command = %command.info().name, "the request's text now routes to a command that needs no approval, so the request is void");
            audit_decision(
                &command.info().name,
                Some(&found),
                message,
                &[],
                AuditOutcome::Voided,
            );
            return Err(self
                .close_request(platform, message, DispatchError::Void)
                .await);
        }
        match command.prepare(&found.args) {
            Ok(invocation) => Ok((found, invocation)),
            Err(_) => Err(Outcome::Ignored),
        }
    }

    /// Claims the message with the handled marker and runs the approved command.
    async fn run_approved(
        &self,
        platform: Arc<dyn Platform>,
        message: Message,
        found: &RouteMatch,
        invocation: Invocation<S>,
        approvers: &[String],
    ) -> Outcome {
        let command = &self.inner.commands[found.command];
        match self
            .claim(&platform, &message, &self.inner.handled_marker)
            .await
        {
            Claim::Taken => {}
            Claim::TakenByOther => return Outcome::AlreadyHandled,
            Claim::Failed(outcome) => return outcome,
        }

        let info = command.info();
        info!(command = %info.name, ?approvers, "running approved command");
        audit_decision(
            &info.name,
            Some(found),
            &message,
            approvers,
            AuditOutcome::Approved,
        );

        let context = Context::new(
            Arc::clone(&self.inner.state),
            Arc::clone(&platform),
            message.clone(),
        );
        let result = self.contain(info, invocation.run(context)).await;
        audit_run(&info.name, found, &message, approvers, &result);

        let approved = if approvers.is_empty() {
            String::from("Approved.")
        } else {
            format!("Approved by {}.", approvers.join(", "))
        };
        let (text, outcome) = match result {
            Ok(reply) => (
                reply.text().to_owned(),
                Outcome::Ran {
                    command: info.name.clone(),
                },
            ),
            Err(failure) => (
                failure.reply(&command.pattern().usage()),
                Outcome::Failed(failure),
            ),
        };
        self.post(&platform, &message, &format!("{approved} {text}"))
            .await;
        outcome
    }

    /// Closes a request that will never run: claims the handled marker and
    /// posts why.
    async fn close_request(
        &self,
        platform: &Arc<dyn Platform>,
        message: &Message,
        failure: DispatchError,
    ) -> Outcome {
        info!(reason = %failure, "approval request closed");
        self.refuse(platform, message, failure, "").await
    }

    /// Returns who reacted, each marked eligible when they are a person who
    /// may approve the command, and their names.
    async fn voters(
        &self,
        platform: &Arc<dyn Platform>,
        message: &Message,
        command: &Command<S>,
        users: &[String],
    ) -> (Vec<Voter>, HashMap<String, String>) {
        let info = command.info();
        let role = info.approvers.as_deref().or(info.access.as_deref());
        let mut voters = Vec::new();
        let mut names = HashMap::new();
        for user in users {
            if user == platform.bot_user_id() {
                voters.push(Voter {
                    user: user.clone(),
                    eligible: false,
                });
                continue;
            }
            let eligible = match self.gather_facts(platform.as_ref(), message, user).await {
                Ok(facts) => {
                    names.insert(user.clone(), facts.user.name.clone());
                    self.inner.policy.allows(role, &facts).is_ok()
                }
                Err(error) => {
                    warn!(%error, voter = %user, "could not check an approver's access, so their reaction does not count");
                    false
                }
            };
            voters.push(Voter {
                user: user.clone(),
                eligible,
            });
        }
        (voters, names)
    }
}

/// Returns the audit outcome of a request closed with `failure`.
fn audit_outcome(failure: &DispatchError) -> AuditOutcome {
    match failure {
        DispatchError::Rejected { .. } => AuditOutcome::Rejected,
        DispatchError::Expired { .. } => AuditOutcome::Expired,
        _ => AuditOutcome::Voided,
    }
}

/// Audits a decision about a request for approval.
fn audit_decision(
    command: &str,
    found: Option<&RouteMatch>,
    message: &Message,
    approvers: &[String],
    outcome: AuditOutcome,
) {
    audit::record(&AuditRecord {
        command,
        args: found.map(|found| &found.args),
        message,
        approvers,
        outcome,
        detail: "",
    });
}

/// Returns the text posted with a dry run: the plan, who must approve, how,
/// and until when.
fn request_text(
    plan: &str,
    caller: &str,
    others: u32,
    posted_at: SystemTime,
    expires: Duration,
) -> String {
    let people = if others == 1 {
        "1 other person".to_owned()
    } else {
        format!("{others} other people")
    };
    format!(
        "{plan}\n\nThis needs approval from {caller} and {people} who may run this command. \
         React to the command message with :{APPROVE_EMOJI}: to approve or :{REJECT_EMOJI}: to reject. \
         The request expires in {}, at {}.",
        format_duration(expires),
        format_utc(posted_at + expires)
    )
}

/// How far ahead of the bot's clock a message's time may be. Slack sets the
/// time, so a larger lead is clock skew or a forged time that would push the
/// request's expiry away. Slack itself accepts 5 minutes of skew on signed
/// requests.
const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// The room a message's time must leave before `SystemTime` overflows, so
/// that adding an expiry of up to 100 years to it cannot panic.
const EXPIRY_HEADROOM: Duration = Duration::from_secs(100 * 366 * 24 * 3600);

/// Converts a message timestamp (`1733350000.000100`, seconds since the Unix
/// epoch) into the time the message was posted. Returns `None` when `ts` is
/// not a number, is negative, lies more than [`MAX_CLOCK_SKEW`] after `now`,
/// or lies within [`EXPIRY_HEADROOM`] of the largest `SystemTime`.
fn posting_time(ts: &str, now: SystemTime) -> Option<SystemTime> {
    let seconds: f64 = ts.parse().ok()?;
    let since_epoch = Duration::try_from_secs_f64(seconds).ok()?;
    let posted_at = UNIX_EPOCH.checked_add(since_epoch)?;
    posted_at.checked_add(EXPIRY_HEADROOM)?;
    let latest = now.checked_add(MAX_CLOCK_SKEW)?;
    (posted_at <= latest).then_some(posted_at)
}
