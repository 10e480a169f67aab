//! Translation of Slack events into the core's [`Message`] and into
//! [`ReactionEvent`].
//!
//! [`translate`] is pure: the HTTP endpoint and Socket Mode both call it,
//! and it decides which events can be commands. It keeps:
//!
//! - `message` events that a person posted, with no subtype or with
//!   `thread_broadcast` (a thread reply also sent to the channel, which the
//!   person typed like any other message);
//! - `app_mention` events that were not edited;
//! - `reaction_added` and `reaction_removed` on messages, except the bot's own.
//!
//! It drops, with a debug log: edits and deletions (`message_changed`, which
//! also carries link unfurls, and `message_deleted`), every other subtype
//! (joins, topic changes, file shares, `me_message`, …), messages from bots
//! (`bot_id` set or subtype `bot_message`) and from the bot itself, and
//! events without a user, text or channel.

use backoffice_core::{ChannelKind, Message, ReactionEvent};
use slack_morphism::prelude::*;
use tracing::debug;

/// A request body that is not an Events API payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The body is not UTF-8.
    #[error("the body is not UTF-8: invalid byte at offset {valid_up_to}")]
    NotUtf8 {
        /// The length of the valid UTF-8 prefix.
        valid_up_to: usize,
    },
    /// The body is not JSON, or not one of the payloads slack-morphism knows.
    #[error("the body is not a valid Events API payload: {0}")]
    Invalid(String),
}

/// Decodes a raw Events API request body. The signature must be checked on
/// the same bytes before the result is trusted.
///
/// # Errors
///
/// Returns [`DecodeError`] when the body is not UTF-8 or not a valid payload.
pub fn decode(body: &[u8]) -> Result<SlackPushEvent, DecodeError> {
    let text = std::str::from_utf8(body).map_err(|error| DecodeError::NotUtf8 {
        valid_up_to: error.valid_up_to(),
    })?;
    serde_json::from_str(text).map_err(|error| DecodeError::Invalid(error.to_string()))
}

/// An event the workers act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A message that may be a command.
    Message(Message),
    /// A reaction on a message.
    Reaction(ReactionEvent),
}

/// Translates one event; returns `None` for events that are never commands.
/// `bot_user_id` is the bot's own user ID, whose messages are dropped.
pub fn translate(callback: &SlackPushEventCallback, bot_user_id: &str) -> Option<Incoming> {
    let team = callback.team_id.to_string();
    match &callback.event {
        SlackEventCallbackBody::Message(event) => {
            translate_message(event, team, bot_user_id).map(Incoming::Message)
        }
        SlackEventCallbackBody::AppMention(event) => {
            translate_mention(event, team, bot_user_id).map(Incoming::Message)
        }
        SlackEventCallbackBody::ReactionAdded(event) => {
            let reaction = (&event.user, &event.reaction, &event.item);
            translate_reaction(reaction, true, bot_user_id).map(Incoming::Reaction)
        }
        SlackEventCallbackBody::ReactionRemoved(event) => {
            let reaction = (&event.user, &event.reaction, &event.item);
            translate_reaction(reaction, false, bot_user_id).map(Incoming::Reaction)
        }
        _ => {
            debug!(event_id = %callback.event_id, "ignoring an event type the bot does not handle");
            None
        }
    }
}

fn translate_message(
    event: &SlackMessageEvent,
    team: String,
    bot_user_id: &str,
) -> Option<Message> {
    let ts = event.origin.ts.to_string();
    let channel = event.origin.channel.as_ref().map(ToString::to_string);

    match &event.subtype {
        None | Some(SlackMessageEventType::ThreadBroadcast) => {}
        Some(subtype) => {
            debug!(ts, channel = ?channel, subtype = ?subtype, "ignoring a message subtype");
            return None;
        }
    }
    if event.sender.bot_id.is_some() {
        debug!(ts, channel = ?channel, "ignoring a bot's message");
        return None;
    }

    let (Some(channel), Some(user), Some(text)) = (
        channel,
        event.sender.user.as_ref().map(ToString::to_string),
        event
            .content
            .as_ref()
            .and_then(|content| content.text.clone()),
    ) else {
        debug!(ts, "ignoring a message without channel, user or text");
        return None;
    };
    if user == bot_user_id {
        debug!(ts, channel, "ignoring the bot's own message");
        return None;
    }

    let channel_type = event
        .origin
        .channel_type
        .as_ref()
        .map(|kind| kind.0.as_str());
    let kind = channel_kind(channel_type, &channel);
    let mut message = Message::new(team, channel, kind, user, text, ts);
    message.thread_ts = event.origin.thread_ts.as_ref().map(ToString::to_string);
    Some(message)
}

fn translate_mention(
    event: &SlackAppMentionEvent,
    team: String,
    bot_user_id: &str,
) -> Option<Message> {
    let ts = event.origin.ts.to_string();
    let channel = event.channel.to_string();
    let user = event.user.to_string();

    if event.edited.is_some() {
        debug!(ts, channel, "ignoring an edited mention");
        return None;
    }
    if user == bot_user_id {
        debug!(ts, channel, "ignoring the bot's own mention");
        return None;
    }
    let Some(text) = event.content.text.clone() else {
        debug!(ts, channel, "ignoring a mention without text");
        return None;
    };

    let kind = channel_kind(None, &channel);
    let mut message = Message::new(team, channel, kind, user, text, ts);
    message.thread_ts = event.origin.thread_ts.as_ref().map(ToString::to_string);
    Some(message)
}

fn translate_reaction(
    (user, emoji, item): (&SlackUserId, &SlackReactionName, &SlackReactionsItem),
    added: bool,
    bot_user_id: &str,
) -> Option<ReactionEvent> {
    if user.0 == bot_user_id {
        debug!("ignoring the bot's own reaction");
        return None;
    }
    let SlackReactionsItem::Message(message) = item else {
        debug!(user = %user, "ignoring a reaction on a file");
        return None;
    };
    let Some(channel) = &message.origin.channel else {
        debug!(user = %user, "ignoring a reaction without a channel");
        return None;
    };

    Some(ReactionEvent::new(
        channel.to_string(),
        message.origin.ts.to_string(),
        user.to_string(),
        emoji.to_string(),
        added,
    ))
}

/// Maps `channel_type` (`channel`, `group`, `im`, `mpim`) to a kind. Without
/// one, as in `app_mention`, the ID's first letter decides: `D` is a direct
/// message and `G` a private channel.
///
/// NOTE: newer private channels have `C…` IDs, so an `app_mention` in one is
/// reported as [`ChannelKind::Public`]. Both kinds require the mention, so
/// routing is unaffected.
pub(crate) fn channel_kind(channel_type: Option<&str>, channel: &str) -> ChannelKind {
    match channel_type {
        Some("channel") => ChannelKind::Public,
        Some("group") => ChannelKind::Private,
        Some("im") => ChannelKind::Direct,
        Some("mpim") => ChannelKind::Group,
        _ if channel.starts_with('D') => ChannelKind::Direct,
        _ if channel.starts_with('G') => ChannelKind::Private,
        _ => ChannelKind::Public,
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
