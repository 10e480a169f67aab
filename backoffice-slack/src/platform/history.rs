//! Catch-up's read of a channel: `conversations.history` for the top-level
//! messages and `conversations.replies` for the threads with new replies.
//!
//! This module relies on what `conversations.history` returns. It lists
//! top-level messages only, with the thread replies that were also sent to
//! the channel (subtype `thread_broadcast`). A thread's parent carries
//! `reply_count` and `latest_reply`, the `ts` of its newest reply, but not
//! the replies. Slack
//! documents `oldest` as the start of the time range of the messages
//! returned, so a parent older than `oldest` is left out even when its
//! thread got replies after `oldest`. Were Slack to return such a parent,
//! the code below would still work, at the cost of the extra pages.
//!
//! So the history is read back to `oldest` minus
//! [`SlackConfig::thread_lookback`](crate::SlackConfig::thread_lookback). The
//! messages before `oldest` only serve to find parents whose `latest_reply`
//! is at or after `oldest`. For each such parent, in or before the window,
//! `conversations.replies` returns the thread, and the replies posted at or
//! after `oldest` are added with `thread_ts` set to the parent's `ts`. At
//! most [`MAX_THREADS`] threads are read, those with the newest reply first.

use std::collections::HashSet;
use std::time::SystemTime;

use backoffice_core::platform::{time_to_ts, ts_to_time};
use backoffice_core::PlatformError;
use slack_morphism::prelude::*;
use tracing::warn;

use super::{log_read_failure, lookup_error, SlackPlatform};
use crate::client::{describe, is_unavailable, CallError, Effect};

/// The number of messages requested per `conversations.history` page.
const HISTORY_PAGE_SIZE: u16 = 200;

/// The number of `conversations.history` pages catch-up reads per channel,
/// so at most 2,000 messages over the window and the thread lookback.
const MAX_HISTORY_PAGES: usize = 10;

/// The number of threads with new replies that catch-up reads per channel,
/// so that a channel with many active threads costs at most 100
/// `conversations.replies` calls when each thread fits in one page.
const MAX_THREADS: usize = 100;

/// The number of messages requested per `conversations.replies` page.
const REPLIES_PAGE_SIZE: u16 = 200;

/// The number of `conversations.replies` pages catch-up reads per thread,
/// so at most 2,000 replies posted in the window.
const MAX_REPLIES_PAGES: usize = 10;

/// The messages that one paginated read returned.
struct Pages {
    messages: Vec<SlackHistoryMessage>,
    /// Whether the read reached the last page before the page limit.
    complete: bool,
}

impl SlackPlatform {
    /// Reads the top-level messages of `channel` posted at or after `oldest`
    /// and the thread replies posted at or after `oldest`, in no particular
    /// order, as the module documentation describes.
    ///
    /// # Errors
    ///
    /// Returns an error when `conversations.history` fails before the pages
    /// read reach back past `oldest`. A later failure only costs the older
    /// thread parents and is logged. A failed `conversations.replies` is
    /// logged and leaves out that thread's replies, and when Slack is
    /// unavailable also those of the threads not read yet.
    pub(super) async fn read_window(
        &self,
        channel: &str,
        oldest: SystemTime,
    ) -> Result<Vec<SlackHistoryMessage>, PlatformError> {
        // Slack timestamps have microseconds. Truncating `oldest` to them
        // keeps a message posted exactly at `oldest` inside the window.
        let oldest = ts_to_time(&time_to_ts(oldest)).unwrap_or(oldest);
        let since = oldest
            .checked_sub(self.thread_lookback)
            .unwrap_or(SystemTime::UNIX_EPOCH);

        let (history, failure) = self.read_history(channel, since).await;
        match failure {
            // The pages read so far contain every top-level message of the
            // window only when they reach back past `oldest`, because Slack
            // returns the newest message first.
            Some(error) if !reaches_before(&history.messages, oldest) => return Err(error),
            Some(error) => warn_history_failed(channel, &history.messages, &error),
            None if !history.complete => warn_history_truncated(channel, &history.messages, oldest),
            None => {}
        }

        let threads = threads_to_read(channel, &history.messages, oldest, &self.bot_user_id);
        let mut found = self.read_threads(channel, &threads, oldest).await;
        found.extend(
            history
                .messages
                .into_iter()
                .filter(|message| posted_since(message, oldest)),
        );
        Ok(found)
    }

    /// Returns the replies posted at or after `oldest` in the threads of
    /// `threads`, read one after another. A failed thread is left out, and
    /// when Slack is unavailable the threads after it are too.
    async fn read_threads(
        &self,
        channel: &str,
        threads: &[SlackTs],
        oldest: SystemTime,
    ) -> Vec<SlackHistoryMessage> {
        let mut found = Vec::new();
        for (index, thread_ts) in threads.iter().enumerate() {
            match self.read_thread(channel, thread_ts, oldest).await {
                Ok(replies) => found.extend(replies),
                // Each further thread would cost the same retries, up to
                // four request timeouts by default, while the commands of
                // this channel and of the channels after it wait.
                Err(error) if is_unavailable(&error) => {
                    warn!(
                        %channel,
                        skipped = threads.len() - index - 1,
                        "stopped reading threads because conversations.replies is unavailable, so commands typed in the skipped threads while the bot was down do not run",
                    );
                    break;
                }
                // An error such as `thread_not_found` concerns this thread only.
                Err(_) => {}
            }
        }
        found
    }

    /// Reads the messages of `channel` since `since` with
    /// `conversations.history`, following the cursor for up to
    /// [`MAX_HISTORY_PAGES`] pages.
    ///
    /// A failed call ends the read. It returns the pages read before it,
    /// marked incomplete, with the error.
    async fn read_history(
        &self,
        channel: &str,
        since: SystemTime,
    ) -> (Pages, Option<PlatformError>) {
        let target = format!("channel {channel}");
        let session = self.client.open_session(&self.token);
        let mut request = SlackApiConversationsHistoryRequest::new()
            .with_channel(channel.into())
            .with_oldest(time_to_ts(since).into())
            .with_inclusive(true)
            .with_limit(HISTORY_PAGE_SIZE);
        let mut messages = Vec::new();

        for _ in 0..MAX_HISTORY_PAGES {
            let result = self
                .retrier
                .run("conversations.history", Effect::Read, &target, || {
                    session.conversations_history(&request)
                })
                .await;
            let response = match result {
                Ok(response) => response,
                Err(error) => {
                    log_read_failure("conversations.history", &target, &error);
                    let error =
                        lookup_error("conversations.history", "channel_not_found", &target, error);
                    let complete = false;
                    return (Pages { messages, complete }, Some(error));
                }
            };

            messages.extend(response.messages);
            match next_cursor(response.response_metadata, response.has_more) {
                Some(cursor) => request.cursor = Some(cursor),
                None => {
                    let complete = true;
                    return (Pages { messages, complete }, None);
                }
            }
        }
        let complete = false;
        (Pages { messages, complete }, None)
    }

    /// Returns the replies in the thread of `thread_ts` posted at or after
    /// `oldest`, each with `thread_ts` set, without the parent.
    ///
    /// # Errors
    ///
    /// Returns the error of a failed `conversations.replies`, after logging
    /// it with the channel and the thread.
    async fn read_thread(
        &self,
        channel: &str,
        thread_ts: &SlackTs,
        oldest: SystemTime,
    ) -> Result<Vec<SlackHistoryMessage>, CallError> {
        let thread = match self.read_replies(channel, thread_ts, oldest).await {
            Ok(thread) => thread,
            Err(error) => {
                warn!(
                    method = "conversations.replies",
                    %channel,
                    thread_ts = %thread_ts,
                    error = %describe(&error),
                    "could not read a thread, so commands typed in it while the bot was down do not run",
                );
                return Err(error);
            }
        };
        if !thread.complete {
            warn!(
                %channel,
                thread_ts = %thread_ts,
                read = thread.messages.len(),
                "thread has more replies than catch-up reads; newer ones are skipped",
            );
        }

        // The thread starts with its parent, which may be older than
        // `oldest`. Older replies are dropped too, in case Slack ignores
        // `oldest`, so that nothing posted before the window runs.
        let replies = thread
            .messages
            .into_iter()
            .filter(|message| message.origin.ts != *thread_ts && posted_since(message, oldest));
        let replies = replies.map(|mut reply| {
            reply.origin.thread_ts = Some(thread_ts.clone());
            reply
        });
        Ok(replies.collect())
    }

    /// Reads the thread of `thread_ts` from `oldest` on with
    /// `conversations.replies`, following the cursor for up to
    /// [`MAX_REPLIES_PAGES`] pages.
    async fn read_replies(
        &self,
        channel: &str,
        thread_ts: &SlackTs,
        oldest: SystemTime,
    ) -> Result<Pages, CallError> {
        let target = format!("channel {channel} thread {thread_ts}");
        let session = self.client.open_session(&self.token);
        let mut request =
            SlackApiConversationsRepliesRequest::new(channel.into(), thread_ts.clone())
                .with_oldest(time_to_ts(oldest).into())
                .with_inclusive(true)
                .with_limit(REPLIES_PAGE_SIZE);
        let mut messages = Vec::new();

        for _ in 0..MAX_REPLIES_PAGES {
            let response = self
                .retrier
                .run("conversations.replies", Effect::Read, &target, || {
                    session.conversations_replies(&request)
                })
                .await?;

            messages.extend(response.messages);
            match next_cursor(response.response_metadata, response.has_more) {
                Some(cursor) => request.cursor = Some(cursor),
                None => {
                    let complete = true;
                    return Ok(Pages { messages, complete });
                }
            }
        }
        let complete = false;
        Ok(Pages { messages, complete })
    }
}

/// Returns the cursor of the next page, or `None` after the last page.
fn next_cursor(
    metadata: Option<SlackResponseMetadata>,
    has_more: Option<bool>,
) -> Option<SlackCursorId> {
    let cursor = metadata
        .and_then(|metadata| metadata.next_cursor)
        .filter(|cursor| !cursor.0.is_empty());
    cursor.filter(|_| has_more != Some(false))
}

/// Returns whether the message was posted at or after `oldest`.
fn posted_since(message: &SlackHistoryMessage, oldest: SystemTime) -> bool {
    ts_to_time(&message.origin.ts.0).is_some_and(|posted| posted >= oldest)
}

/// Returns the `ts` of the thread parents among `messages` whose newest
/// reply was posted at or after `oldest`, newest reply first. Threads that
/// only the bot `bot_user_id` replied to are left out, because the bot's
/// own messages never run. Beyond [`MAX_THREADS`] the threads with older
/// replies are skipped with a warning.
fn threads_to_read(
    channel: &str,
    messages: &[SlackHistoryMessage],
    oldest: SystemTime,
    bot_user_id: &str,
) -> Vec<SlackTs> {
    let mut seen = HashSet::new();
    let mut threads: Vec<(SystemTime, &SlackTs)> = Vec::new();
    for message in messages {
        let latest_reply = message.parent.latest_reply.as_ref();
        let Some(replied) = latest_reply.and_then(|ts| ts_to_time(&ts.0)) else {
            continue;
        };
        if only_bot_replied(message, bot_user_id) {
            continue;
        }
        // A page boundary that moved between calls can return a parent twice.
        if replied >= oldest && seen.insert(&message.origin.ts.0) {
            threads.push((replied, &message.origin.ts));
        }
    }
    threads.sort_by(|(a_replied, a_ts), (b_replied, b_ts)| {
        (b_replied, &b_ts.0).cmp(&(a_replied, &a_ts.0))
    });

    if let Some(&(newest_skipped, _)) = threads.get(MAX_THREADS) {
        warn!(
            %channel,
            with_new_replies = threads.len(),
            read = MAX_THREADS,
            newest_skipped_reply = %time_to_ts(newest_skipped),
            "more threads have replies in the catch-up window than catch-up reads, so threads whose newest reply is at or before newest_skipped_reply are skipped",
        );
        threads.truncate(MAX_THREADS);
    }
    threads.into_iter().map(|(_, ts)| ts.clone()).collect()
}

/// Returns whether Slack lists the bot as the only person who replied in the
/// thread of `parent`. Each reply the bot posts in a thread makes the
/// thread's newest reply recent, although it never needs to run.
fn only_bot_replied(parent: &SlackHistoryMessage, bot_user_id: &str) -> bool {
    let users = parent.parent.reply_users.as_deref().unwrap_or_default();
    parent.parent.reply_users_count == Some(1) && users.len() == 1 && users[0].0 == bot_user_id
}

/// Returns whether one of the messages was posted before `oldest`.
fn reaches_before(messages: &[SlackHistoryMessage], oldest: SystemTime) -> bool {
    oldest_posted(messages).is_some_and(|posted| posted < oldest)
}

/// Returns when the oldest of the messages was posted, skipping any `ts`
/// that is not a valid time.
fn oldest_posted(messages: &[SlackHistoryMessage]) -> Option<SystemTime> {
    messages
        .iter()
        .filter_map(|message| ts_to_time(&message.origin.ts.0))
        .min()
}

/// Logs that a failed call cut the history short after the pages that cover
/// the window, so that only older thread parents are missing.
fn warn_history_failed(channel: &str, read: &[SlackHistoryMessage], error: &PlatformError) {
    let oldest_read_ts = oldest_posted(read).map_or_else(|| "-".to_owned(), time_to_ts);
    warn!(
        %channel,
        read = read.len(),
        oldest_read = %oldest_read_ts,
        %error,
        "could not read the channel history before oldest_read, so replies in threads whose parent is older are skipped",
    );
}

/// Logs that the page limit cut the history short, and whether that cost
/// top-level messages of the window or only older thread parents.
fn warn_history_truncated(channel: &str, read: &[SlackHistoryMessage], oldest: SystemTime) {
    let oldest_read = oldest_posted(read);
    let oldest_read_ts = oldest_read.map_or_else(|| "-".to_owned(), time_to_ts);

    if oldest_read.is_some_and(|posted| posted >= oldest) {
        warn!(
            %channel,
            read = read.len(),
            oldest_read = %oldest_read_ts,
            "channel history has more messages than catch-up reads; older ones are skipped",
        );
    } else {
        warn!(
            %channel,
            read = read.len(),
            oldest_read = %oldest_read_ts,
            "channel history has more messages than catch-up reads, so replies in threads whose parent is older than oldest_read are skipped",
        );
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;

    /// Builds a message as `conversations.history` returns it, a thread's
    /// parent when `latest_reply` is set.
    fn message(ts: &str, latest_reply: Option<&str>) -> SlackHistoryMessage {
        let mut value = json!({ "type": "message", "user": "U1", "text": "hi", "ts": ts });
        if let Some(latest_reply) = latest_reply {
            value["thread_ts"] = json!(ts);
            value["reply_count"] = json!(1);
            value["latest_reply"] = json!(latest_reply);
        }
        serde_json::from_value(value).expect("the message is valid")
    }

    fn read(messages: &[SlackHistoryMessage], oldest: SystemTime) -> Vec<String> {
        let threads = threads_to_read("C1", messages, oldest, "UBOT");
        threads.into_iter().map(|ts| ts.0).collect()
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    /// Builds a thread's parent, newest reply at 2500, that `users` replied to.
    fn parent_replied_by(ts: &str, users: &[&str]) -> SlackHistoryMessage {
        let mut value = serde_json::to_value(message(ts, Some("2500.000000"))).unwrap();
        value["reply_users"] = json!(users);
        value["reply_users_count"] = json!(users.len());
        serde_json::from_value(value).expect("the message is valid")
    }

    #[test]
    fn threads_only_bot_replied_skipped() {
        let messages = [
            parent_replied_by("1000.000001", &["UBOT"]),
            parent_replied_by("1000.000002", &["UBOT", "U1"]),
            parent_replied_by("1000.000003", &["U1"]),
            message("1000.000004", Some("2500.000000")),
        ];

        let threads = read(&messages, at(2_000));

        assert_eq!(threads, ["1000.000004", "1000.000003", "1000.000002"]);
    }

    #[test]
    fn threads_need_reply_at_or_after_oldest() {
        let messages = [
            message("1000.000001", Some("1999.999999")),
            message("1000.000002", Some("2000.000000")),
            message("1000.000003", Some("2500.000000")),
            message("2100.000000", None),
        ];

        let threads = read(&messages, at(2_000));

        assert_eq!(threads, ["1000.000003", "1000.000002"]);
    }

    #[test]
    fn threads_with_invalid_latest_reply_skipped() {
        for latest_reply in ["", "soon", "-1.5", "1.2.3", "99999999999999999999.0"] {
            let messages = [message("1000.000001", Some(latest_reply))];

            let threads = read(&messages, at(0));

            assert!(threads.is_empty(), "{latest_reply:?}: {threads:?}");
        }
    }

    #[test]
    fn parent_listed_twice_read_once() {
        let parent = message("1000.000001", Some("2500.000000"));
        let messages = [parent.clone(), message("1000.000002", None), parent];

        let threads = read(&messages, at(2_000));

        assert_eq!(threads, ["1000.000001"]);
    }

    #[test]
    fn threads_beyond_max_skip_oldest_replies() {
        let messages: Vec<SlackHistoryMessage> = (0..MAX_THREADS + 3)
            .map(|n| {
                let latest_reply = format!("{}.000000", 3_000 + n);
                message(&format!("1000.{n:06}"), Some(&latest_reply))
            })
            .collect();

        let threads = read(&messages, at(2_000));

        assert_eq!(threads.len(), MAX_THREADS);
        let newest = MAX_THREADS + 2;
        assert_eq!(threads[0], format!("1000.{newest:06}"));
        assert!(!threads.contains(&"1000.000000".to_owned()));
        assert!(!threads.contains(&"1000.000002".to_owned()));
        assert!(threads.contains(&"1000.000003".to_owned()));
    }

    #[test]
    fn invalid_ts_is_not_in_window() {
        for ts in ["", "abc", "-1", "1.2.3", "18446744073709551615.999999"] {
            assert!(!posted_since(&message(ts, None), at(0)), "{ts:?}");
        }
    }
}
