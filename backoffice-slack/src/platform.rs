//! [`SlackPlatform`]: the core's [`Platform`] over the Slack Web API.

mod history;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use backoffice_core::platform::ts_to_time;
use backoffice_core::{
    ChannelInfo, ChannelKind, ChannelName, Destination, Message, Platform, PlatformError, Reaction,
    ReactionOutcome, StoredMessage, UserInfo,
};
use serde::Deserialize;
use slack_morphism::prelude::*;
use tracing::{error, info, warn};

use crate::client::{
    api_error_code, build_client, describe, CallError, Effect, HyperClient, Retrier,
};
use crate::config::SlackConfig;
use crate::directory::Directory;
use crate::error::SlackError;
use crate::events::channel_kind;
use crate::text::{escape_and_split, MAX_MESSAGE_CHARS};

/// The maximum number of channels requested per `conversations.list` page.
const CHANNEL_PAGE_SIZE: u16 = 200;

/// The Slack implementation of [`Platform`], on slack-morphism's Web API client.
///
/// It caches users, channels and user group members for the intervals set in
/// [`SlackConfig`]. It resolves the channel names in access rules to IDs from
/// `conversations.list`, as [`SlackPlatform::refresh_channel_names`] describes.
///
/// Cheap to clone: clones share the HTTP client and the caches.
#[derive(Clone)]
pub struct SlackPlatform {
    client: Arc<HyperClient>,
    token: SlackApiToken,
    bot_user_id: String,
    team_id: String,
    enterprise_id: Option<String>,
    retrier: Retrier,
    directory: Arc<Directory>,
    thread_lookback: Duration,
}

/// The fields of `auth.test` the adapter reads. slack-morphism's response
/// type has no `enterprise_id`, which Slack sets on Enterprise Grid.
#[derive(Debug, Deserialize)]
struct Identity {
    user_id: String,
    team_id: String,
    #[serde(default)]
    enterprise_id: Option<String>,
}

impl std::fmt::Debug for SlackPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackPlatform")
            .field("bot_user_id", &self.bot_user_id)
            .field("team_id", &self.team_id)
            .field("enterprise_id", &self.enterprise_id)
            .finish_non_exhaustive()
    }
}

impl SlackPlatform {
    /// Connects to the Web API, learns the bot's user ID, team and
    /// organisation with `auth.test`, and resolves channel names with
    /// `conversations.list`.
    ///
    /// A failed `conversations.list` does not stop start-up: it is logged,
    /// and rules that name channels by name deny until a later refresh
    /// succeeds, while rules that name channel IDs work.
    ///
    /// # Errors
    ///
    /// Returns [`SlackError::InvalidToken`] when Slack rejects the bot token,
    /// and [`SlackError::AuthTest`] when `auth.test` fails otherwise.
    pub async fn connect(config: &SlackConfig) -> Result<Self, SlackError> {
        let client = build_client(config)?;
        let token = SlackApiToken::new(config.bot_token.expose().to_owned().into());
        let retrier = Retrier::new(config);

        let session = client.open_session(&token);
        let no_params: Vec<(&str, Option<String>)> = Vec::new();
        let identity: Identity = retrier
            .run("auth.test", Effect::Read, "bot", || {
                session
                    .http_session_api
                    .http_get("auth.test", &no_params, None)
            })
            .await
            .map_err(auth_test_error)?;
        let enterprise_id = identity.enterprise_id.filter(|id| !id.is_empty());

        info!(
            bot_user_id = %identity.user_id,
            team_id = %identity.team_id,
            enterprise_id = enterprise_id.as_deref().unwrap_or("-"),
            api_url = %config.api_url,
            "connected to the Slack Web API",
        );
        let platform = Self {
            bot_user_id: identity.user_id,
            team_id: identity.team_id,
            enterprise_id,
            client,
            token,
            retrier,
            directory: Arc::new(Directory::new(config)),
            thread_lookback: config.thread_lookback,
        };
        // A failure is logged inside; names deny until a refresh succeeds.
        let _ = platform.refresh_channel_names().await;
        Ok(platform)
    }

    /// Returns the ID of the workspace the bot token belongs to.
    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// Returns the Enterprise Grid organisation of the bot's workspace, if any.
    pub fn enterprise_id(&self) -> Option<&str> {
        self.enterprise_id.as_deref()
    }

    /// Lists the public and private channels the bot can see with
    /// `conversations.list`, page by page, and from then on resolves the
    /// channel names in access rules to these channels' IDs. Returns the
    /// number of channels listed.
    ///
    /// The adapter calls this at start-up and every
    /// [`SlackConfig::channel_names_refresh`]. Between two calls a name keeps
    /// standing for the channel that had it, even if that channel was
    /// renamed. A name that two channels share matches neither. Archived
    /// channels are left out.
    ///
    /// # Errors
    ///
    /// Returns an error when a page cannot be read; the previous names stay.
    pub async fn refresh_channel_names(&self) -> Result<usize, PlatformError> {
        let channels = match self.list_channels().await {
            Ok(channels) => channels,
            Err(error) => {
                error!(%error, method = "conversations.list", "could not resolve channel names, so the previous ones stay");
                return Err(error);
            }
        };
        let count = channels.len();
        let shared = self.directory.channel_names.replace(channels);
        for name in shared {
            warn!(channel_name = %name, "several channels have this name, so rules naming it match none; name the channel by ID");
        }
        info!(channels = count, "resolved channel names");
        Ok(count)
    }

    /// Drops every cached user, channel and user group membership, so the
    /// next lookups ask Slack.
    pub fn clear_caches(&self) {
        self.directory.clear();
    }

    /// Returns the name and ID of every channel `conversations.list` returns.
    async fn list_channels(&self) -> Result<Vec<(String, String)>, PlatformError> {
        let session = self.client.open_session(&self.token);
        let mut channels = Vec::new();
        let mut cursor: Option<SlackCursorId> = None;
        loop {
            let request = SlackApiConversationsListRequest::new()
                .with_limit(CHANNEL_PAGE_SIZE)
                .with_exclude_archived(true)
                .with_types(vec![
                    SlackConversationType::Public,
                    SlackConversationType::Private,
                ])
                .opt_cursor(cursor.clone());
            let target = format!(
                "channels after cursor {}",
                cursor.as_ref().map_or("-", |c| c.0.as_str())
            );
            let page = self
                .retrier
                .run("conversations.list", Effect::Read, &target, || {
                    session.conversations_list(&request)
                })
                .await
                .map_err(|error| {
                    log_read_failure("conversations.list", &target, &error);
                    platform_error("conversations.list", error)
                })?;

            channels.extend(page.channels.into_iter().filter_map(|channel| {
                let name = channel.name?;
                Some((name, channel.id.to_string()))
            }));
            cursor = page
                .response_metadata
                .and_then(|metadata| metadata.next_cursor)
                .filter(|next| !next.0.is_empty());
            if cursor.is_none() {
                return Ok(channels);
            }
        }
    }

    /// Returns the slack-morphism client, for calls the [`Platform`] trait does not cover.
    pub fn client(&self) -> &Arc<HyperClient> {
        &self.client
    }

    /// Reads one message with its reactions through `reactions.get`.
    async fn get_message(
        &self,
        channel: &str,
        ts: &str,
    ) -> Result<SlackHistoryMessage, PlatformError> {
        let request = SlackApiReactionsGetRequest::new()
            .with_channel(channel.into())
            .with_timestamp(ts.to_owned().into())
            .with_full(true);
        let target = message_target(channel, Some(ts));

        let session = self.client.open_session(&self.token);
        let result = self
            .retrier
            .run("reactions.get", Effect::Read, &target, || {
                session.reactions_get(&request)
            })
            .await;

        let response = result.map_err(|error| {
            log_read_failure("reactions.get", &target, &error);
            lookup_error("reactions.get", "message_not_found", &target, error)
        })?;
        match response {
            SlackApiReactionsGetResponse::Message(found) => Ok(found.message),
            SlackApiReactionsGetResponse::File(_) => Err(PlatformError::NotFound { what: target }),
        }
    }

    /// Converts a message that Slack returned into the core's form.
    fn stored_message(
        &self,
        channel: &str,
        ts: &str,
        stored: &SlackHistoryMessage,
    ) -> StoredMessage {
        let reactions = reactions_of(stored);

        let kind = channel_kind(None, channel);
        let user = stored
            .sender
            .user
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let text = stored.content.text.clone().unwrap_or_default();
        let mut message = Message::new(self.team_id.clone(), channel, kind, user, text, ts);
        message.thread_ts = stored.origin.thread_ts.as_ref().map(ToString::to_string);
        message.edited = stored.edited.is_some();
        message.bot_id = stored.sender.bot_id.as_ref().map(ToString::to_string);
        // A thread reply also sent to the channel is a person's message, as
        // its live event is in `events::translate`.
        message.subtype = stored
            .subtype
            .as_ref()
            .filter(|subtype| !matches!(subtype, SlackMessageEventType::ThreadBroadcast))
            .and_then(subtype_name);

        StoredMessage { message, reactions }
    }

    async fn post_part(&self, to: &Destination, text: String) -> Result<String, PlatformError> {
        let content = SlackMessageContent::new().with_text(text);
        let mut request = SlackApiChatPostMessageRequest::new(to.channel.clone().into(), content);
        request.thread_ts = to.thread_ts.clone().map(Into::into);
        let target = message_target(&to.channel, to.thread_ts.as_deref());

        let session = self.client.open_session(&self.token);
        let result = self
            .retrier
            .run("chat.postMessage", Effect::Write, &target, || {
                session.chat_post_message(&request)
            })
            .await;

        match result {
            Ok(response) => Ok(response.ts.to_string()),
            Err(error) => {
                error!(
                    method = "chat.postMessage",
                    channel = %to.channel,
                    thread_ts = to.thread_ts.as_deref().unwrap_or("-"),
                    error = %describe(&error),
                    "failed to post a reply",
                );
                Err(platform_error("chat.postMessage", error))
            }
        }
    }
}

#[async_trait]
impl Platform for SlackPlatform {
    fn bot_user_id(&self) -> &str {
        &self.bot_user_id
    }

    fn bot_team(&self) -> Option<&str> {
        Some(&self.team_id)
    }

    fn bot_enterprise(&self) -> Option<&str> {
        self.enterprise_id.as_deref()
    }

    fn resolve_channel(&self, name: &str) -> ChannelName {
        self.directory.channel_names.resolve(name)
    }

    async fn post(&self, to: &Destination, text: &str) -> Result<String, PlatformError> {
        let parts = escape_and_split(text, MAX_MESSAGE_CHARS);
        let mut first_ts = None;

        // Parts go out one after another so they appear in order in the thread.
        for part in parts {
            let ts = self.post_part(to, part).await?;
            first_ts.get_or_insert(ts);
        }
        Ok(first_ts.unwrap_or_default())
    }

    async fn add_reaction(
        &self,
        channel: &str,
        ts: &str,
        emoji: &str,
    ) -> Result<ReactionOutcome, PlatformError> {
        let request =
            SlackApiReactionsAddRequest::new(channel.into(), emoji.into(), ts.to_owned().into());
        let target = message_target(channel, Some(ts));

        let session = self.client.open_session(&self.token);
        let result = self
            .retrier
            .run("reactions.add", Effect::Write, &target, || {
                session.reactions_add(&request)
            })
            .await;

        match result {
            Ok(_) => Ok(ReactionOutcome::Added),
            Err(error) if api_error_code(&error) == Some("already_reacted") => {
                Ok(ReactionOutcome::AlreadyPresent)
            }
            Err(error) => {
                error!(
                    method = "reactions.add",
                    channel,
                    ts,
                    emoji,
                    error = %describe(&error),
                    "failed to add a reaction",
                );
                Err(platform_error("reactions.add", error))
            }
        }
    }

    async fn reactions(&self, channel: &str, ts: &str) -> Result<Vec<Reaction>, PlatformError> {
        let message = self.get_message(channel, ts).await?;
        Ok(reactions_of(&message))
    }

    async fn fetch_message(&self, channel: &str, ts: &str) -> Result<StoredMessage, PlatformError> {
        let stored = self.get_message(channel, ts).await?;
        Ok(self.stored_message(channel, ts, &stored))
    }

    async fn history(
        &self,
        channel: &str,
        oldest: SystemTime,
    ) -> Result<Vec<StoredMessage>, PlatformError> {
        let found = self.read_window(channel, oldest).await?;
        let mut history: Vec<(SystemTime, StoredMessage)> = found
            .iter()
            .map(|stored| {
                let ts = stored.origin.ts.to_string();
                let posted = ts_to_time(&ts).unwrap_or(SystemTime::UNIX_EPOCH);
                (posted, self.stored_message(channel, &ts, stored))
            })
            .collect();

        // Slack returns the newest message first, and replies come after
        // the history. A reply also sent to the channel is in both.
        history.sort_by(|(a_posted, a), (b_posted, b)| {
            (a_posted, &a.message.ts).cmp(&(b_posted, &b.message.ts))
        });
        history.dedup_by(|(_, a), (_, b)| a.message.ts == b.message.ts);
        Ok(history.into_iter().map(|(_, stored)| stored).collect())
    }

    async fn user(&self, user: &str) -> Result<UserInfo, PlatformError> {
        if let Some(cached) = self.directory.users.get(user) {
            return Ok(cached);
        }
        let request = SlackApiUsersInfoRequest::new(user.into());
        let target = format!("user {user}");

        let session = self.client.open_session(&self.token);
        let result = self
            .retrier
            .run("users.info", Effect::Read, &target, || {
                session.users_info(&request)
            })
            .await;

        let response = result.map_err(|error| {
            log_read_failure("users.info", &target, &error);
            lookup_error("users.info", "user_not_found", &target, error)
        })?;
        let info = user_info(response.user, &self.team_id);
        self.directory.users.insert(user, info.clone());
        Ok(info)
    }

    async fn channel(&self, channel: &str) -> Result<ChannelInfo, PlatformError> {
        if let Some(cached) = self.directory.channels.get(channel) {
            return Ok(cached);
        }
        let request = SlackApiConversationsInfoRequest::new(channel.into());
        let target = format!("channel {channel}");

        let session = self.client.open_session(&self.token);
        let result = self
            .retrier
            .run("conversations.info", Effect::Read, &target, || {
                session.conversations_info(&request)
            })
            .await;

        let response = result.map_err(|error| {
            log_read_failure("conversations.info", &target, &error);
            lookup_error("conversations.info", "channel_not_found", &target, error)
        })?;
        let info = channel_info(response.channel);
        self.directory.channels.insert(channel, info.clone());
        Ok(info)
    }

    async fn group_members(&self, group: &str) -> Result<Vec<String>, PlatformError> {
        if let Some(cached) = self.directory.groups.get(group) {
            return Ok(cached);
        }
        let request = SlackApiUserGroupsUsersListRequest::new(group.into());
        let target = format!("user group {group}");

        let session = self.client.open_session(&self.token);
        let result = self
            .retrier
            .run("usergroups.users.list", Effect::Read, &target, || {
                session.usergroups_users_list(&request)
            })
            .await;

        let response = result.map_err(|error| {
            log_read_failure("usergroups.users.list", &target, &error);
            lookup_error("usergroups.users.list", "no_such_subteam", &target, error)
        })?;
        let members: Vec<String> = response
            .users
            .into_iter()
            .map(|id| id.to_string())
            .collect();
        self.directory.groups.insert(group, members.clone());
        Ok(members)
    }
}

fn message_target(channel: &str, ts: Option<&str>) -> String {
    format!("channel {channel} message {}", ts.unwrap_or("-"))
}

fn log_read_failure(method: &str, target: &str, error: &CallError) {
    warn!(method, target, error = %describe(error), "Slack Web API lookup failed");
}

/// Maps a failed `auth.test` to a start-up error.
fn auth_test_error(error: CallError) -> SlackError {
    match api_error_code(&error) {
        Some(code @ ("invalid_auth" | "not_authed" | "account_inactive" | "token_revoked")) => {
            SlackError::InvalidToken {
                code: code.to_owned(),
            }
        }
        _ => SlackError::AuthTest {
            message: describe(&error),
        },
    }
}

/// Maps a failed call to the core's error type.
fn platform_error(method: &str, error: CallError) -> PlatformError {
    match api_error_code(&error) {
        Some(code) => PlatformError::Api {
            method: method.to_owned(),
            code: code.to_owned(),
        },
        None => PlatformError::Transport {
            method: method.to_owned(),
            message: describe(&error),
        },
    }
}

/// Maps a failed lookup, turning Slack's `not_found_code` into [`PlatformError::NotFound`].
fn lookup_error(
    method: &str,
    not_found_code: &str,
    target: &str,
    error: CallError,
) -> PlatformError {
    if api_error_code(&error) == Some(not_found_code) {
        return PlatformError::NotFound {
            what: target.to_owned(),
        };
    }
    platform_error(method, error)
}

fn reactions_of(message: &SlackHistoryMessage) -> Vec<Reaction> {
    let reactions = message.content.reactions.iter().flatten();
    reactions
        .map(|reaction| Reaction {
            name: reaction.name.to_string(),
            users: reaction.users.iter().map(ToString::to_string).collect(),
        })
        .collect()
}

/// Returns Slack's name of a message subtype, such as `bot_message`.
fn subtype_name(subtype: &SlackMessageEventType) -> Option<String> {
    match serde_json::to_value(subtype) {
        Ok(serde_json::Value::String(name)) => Some(name),
        _ => None,
    }
}

/// Converts `users.info`'s user; `default_team` fills a missing `team_id`.
fn user_info(user: SlackUser, default_team: &str) -> UserInfo {
    let name = user
        .profile
        .as_ref()
        .and_then(|profile| profile.display_name.clone())
        .filter(|name| !name.is_empty())
        .or(user.name.clone())
        .unwrap_or_default();
    let team = user
        .team_id
        .map(|team| team.to_string())
        .unwrap_or_else(|| default_team.to_owned());

    let mut info = UserInfo::member(user.id.to_string(), name, team);
    info.is_bot = user.flags.is_bot.unwrap_or(false);
    info.deleted = user.deleted.unwrap_or(false);
    info.is_guest = user.flags.is_restricted.unwrap_or(false)
        || user.flags.is_ultra_restricted.unwrap_or(false);
    info.enterprise = user
        .enterprise_user
        .map(|enterprise| enterprise.enterprise_id.to_string());
    info
}

fn channel_info(channel: SlackChannelInfo) -> ChannelInfo {
    let flags = &channel.flags;
    let kind = if flags.is_im == Some(true) {
        ChannelKind::Direct
    } else if flags.is_mpim == Some(true) {
        ChannelKind::Group
    } else if flags.is_private == Some(true) || flags.is_group == Some(true) {
        ChannelKind::Private
    } else {
        ChannelKind::Public
    };
    ChannelInfo::new(
        channel.id.to_string(),
        channel.name.unwrap_or_default(),
        kind,
    )
}
