//! Steps the message path and the approval path share: claiming a message,
//! posting in its thread, running a handler with containment, and looking up
//! the facts that access rules need.

use std::collections::HashSet;
use std::sync::Arc;

use tracing::{debug, error, warn};

use super::{Bot, Outcome};
use crate::access::{is_external, Facts};
use crate::command::{BoxFuture, CommandInfo, HandlerError, Reply};
use crate::error::DispatchError;
use crate::normalize::normalize;
use crate::platform::{
    ChannelInfo, ChannelName, Destination, Message, Platform, PlatformError, ReactionOutcome,
};

/// The result of claiming a message with a marker reaction.
pub(super) enum Claim {
    /// This call added the marker: go on.
    Taken,
    /// The marker was already there: another claimer acts on the message.
    TakenByOther,
    /// The claim failed; the person was told, and this is the outcome.
    Failed(Outcome),
}

impl<S: Send + Sync + 'static> Bot<S> {
    /// Claims `message` by adding the bot's `marker` reaction. Slack answers
    /// `already_reacted` to every claimer after the first, so only one
    /// delivery, replica or approval event acts on a message.
    pub(super) async fn claim(
        &self,
        platform: &Arc<dyn Platform>,
        message: &Message,
        marker: &str,
    ) -> Claim {
        match platform
            .add_reaction(&message.channel, &message.ts, marker)
            .await
        {
            Ok(ReactionOutcome::Added) => Claim::Taken,
            Ok(ReactionOutcome::AlreadyPresent) => {
                debug!(
                    marker,
                    "message already claimed by another delivery or replica"
                );
                Claim::TakenByOther
            }
            Err(error) => {
                error!(%error, marker, "could not claim the message, so the command did not run");
                let failure = DispatchError::ClaimFailed {
                    cause: error.to_string(),
                };
                self.post(platform, message, &failure.reply("")).await;
                Claim::Failed(Outcome::Failed(failure))
            }
        }
    }

    /// Claims the message with the handled marker, then posts the reply for `failure`.
    pub(super) async fn refuse(
        &self,
        platform: &Arc<dyn Platform>,
        message: &Message,
        failure: DispatchError,
        usage: &str,
    ) -> Outcome {
        match self
            .claim(platform, message, &self.inner.handled_marker)
            .await
        {
            Claim::Taken => {
                self.post(platform, message, &failure.reply(usage)).await;
                Outcome::Failed(failure)
            }
            Claim::TakenByOther => Outcome::AlreadyHandled,
            Claim::Failed(outcome) => outcome,
        }
    }

    /// Posts `text` in the message's thread. A failure is logged; it never
    /// makes the command run again.
    pub(super) async fn post(&self, platform: &Arc<dyn Platform>, message: &Message, text: &str) {
        let to = Destination {
            channel: message.channel.clone(),
            thread_ts: Some(message.reply_thread_ts().to_owned()),
        };
        if let Err(error) = platform.post(&to, text).await {
            error!(%error, channel = %message.channel, ts = %message.ts, "could not post the reply");
        }
    }

    /// Runs a handler or dry run in its own task, so that a panic or a
    /// timeout is contained and the bot goes on.
    pub(super) async fn contain(
        &self,
        info: &CommandInfo,
        future: BoxFuture<Result<Reply, HandlerError>>,
    ) -> Result<Reply, DispatchError> {
        let timeout = info.timeout.unwrap_or(self.inner.default_timeout);
        let mut task = tokio::spawn(future);
        let Ok(joined) = tokio::time::timeout(timeout, &mut task).await else {
            task.abort();
            error!(command = %info.name, ?timeout, "command timed out and was cancelled");
            return Err(DispatchError::TimedOut { timeout });
        };
        match joined {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(failure)) => {
                warn!(command = %info.name, error = %failure, "command failed");
                Err(DispatchError::HandlerFailed {
                    message: failure.to_string(),
                })
            }
            Err(join_error) => {
                let message = panic_message(join_error);
                error!(command = %info.name, panic = %message, "command panicked");
                Err(DispatchError::Panicked { message })
            }
        }
    }

    /// Looks up what access rules need about `user` acting in `message`'s
    /// channel: the user, the channel, the rules' channel names that stand
    /// for the channel, and the user's membership of the groups that rules name.
    pub(super) async fn gather_facts(
        &self,
        platform: &dyn Platform,
        message: &Message,
        user: &str,
    ) -> Result<Facts, PlatformError> {
        let user = platform.user(user).await?;
        let mut channel = platform.channel(&message.channel).await?;
        channel.kind = message.channel_kind;
        let channel_names = self
            .inner
            .policy
            .channel_names()
            .filter(|name| stands_for(platform, name, &channel))
            .map(str::to_owned)
            .collect();
        let mut groups = HashSet::new();
        for group in self.inner.policy.group_ids() {
            if platform.group_members(group).await?.contains(&user.id) {
                groups.insert(group.to_owned());
            }
        }
        let external = is_external(
            platform.bot_team(),
            platform.bot_enterprise(),
            &user,
            &message.team,
        );
        Ok(Facts {
            user,
            channel,
            channel_names,
            groups,
            external,
        })
    }
}

/// Returns whether the rule entry `name` stands for `channel` on `platform`.
/// Entries that are channel IDs are matched by the rule itself.
fn stands_for(platform: &dyn Platform, name: &str, channel: &ChannelInfo) -> bool {
    match platform.resolve_channel(name) {
        ChannelName::Current => !channel.name.is_empty() && channel.name == name,
        ChannelName::Resolved(id) => id == channel.id,
        ChannelName::Unknown => false,
    }
}

/// Returns the normalised command text when `message` addresses the bot, or
/// `None` when it does not. Channels need the bot's mention first; direct
/// messages and the console do not.
pub(super) fn addressed_text(platform: &dyn Platform, message: &Message) -> Option<String> {
    let text = normalize(message.command_text(platform.bot_user_id())?);
    (!text.is_empty()).then_some(text)
}

/// Returns whether `message` is a person's new message: not the bot's own,
/// not another bot's, not an edit or another subtype.
pub(super) fn is_new_human_message(platform: &dyn Platform, message: &Message) -> bool {
    let own = message.user == platform.bot_user_id();
    let human = message.bot_id.is_none() && !own && message.subtype.is_none() && !message.edited;
    if !human {
        debug!(subtype = ?message.subtype, edited = message.edited, "ignored: not a person's new message");
    }
    human
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
