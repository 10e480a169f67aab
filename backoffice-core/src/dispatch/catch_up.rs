//! Catch-up: commands posted while the bot could not receive them.
//!
//! Slack does not redeliver an event once it was acknowledged, so a command
//! posted while the bot was down, or acknowledged but still queued when it
//! stopped, would be lost. [`Bot::catch_up`] reads the recent history of the
//! given channels, thread replies included, and passes every message to
//! [`Bot::handle`], which replies in the message's thread.
//!
//! The handled marker keeps this at most once. A message that the bot
//! already took carries the marker in the history and is skipped without a
//! call, and a message that a live delivery takes at the same time loses the
//! claim on one side, so only one of them acts.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tracing::{info, warn};

use super::{Bot, Outcome};
use crate::platform::{Platform, StoredMessage};

/// What one catch-up found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CatchUpReport {
    /// The channels whose history was read.
    pub channels_read: usize,
    /// The channels whose history could not be read; the errors were logged.
    pub failed_channels: Vec<String>,
    /// The messages found in the histories.
    pub messages: usize,
    /// Messages skipped because they carry the bot's handled or request marker.
    pub already_marked: usize,
    /// Messages whose command ran.
    pub ran: usize,
    /// Messages the bot answered without running a command: help, a request
    /// for approval, or a failure reply.
    pub answered: usize,
    /// Messages that were not commands for this bot.
    pub ignored: usize,
    /// Messages that another delivery or replica claimed first.
    pub claimed_by_other: usize,
}

impl CatchUpReport {
    fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Ran { .. } => self.ran += 1,
            Outcome::Ignored | Outcome::Pending { .. } => self.ignored += 1,
            Outcome::AlreadyHandled => self.claimed_by_other += 1,
            Outcome::Help | Outcome::AwaitingApproval | Outcome::Failed(_) => self.answered += 1,
        }
    }
}

impl<S: Send + Sync + 'static> Bot<S> {
    /// Reads the history of each of `channels` over the last `window`,
    /// thread replies included, and handles every message in it that the
    /// bot has not marked, oldest first.
    ///
    /// A channel whose history cannot be read is logged and listed in the
    /// report; the others are still read.
    #[tracing::instrument(name = "catch_up", skip_all, fields(channels = channels.len(), window_secs = window.as_secs()))]
    pub async fn catch_up(
        &self,
        platform: Arc<dyn Platform>,
        channels: &[String],
        window: Duration,
    ) -> CatchUpReport {
        let oldest = platform
            .now()
            .checked_sub(window)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let mut report = CatchUpReport::default();

        for channel in channels {
            match platform.history(channel, oldest).await {
                Ok(messages) => {
                    report.channels_read += 1;
                    self.catch_up_channel(&platform, messages, &mut report)
                        .await;
                }
                Err(error) => {
                    warn!(%channel, %error, "could not read the channel history, so commands posted there while the bot was down do not run");
                    report.failed_channels.push(channel.clone());
                }
            }
        }

        info!(
            channels_read = report.channels_read,
            failed_channels = report.failed_channels.len(),
            messages = report.messages,
            already_marked = report.already_marked,
            ran = report.ran,
            answered = report.answered,
            "caught up on channel history",
        );
        report
    }

    async fn catch_up_channel(
        &self,
        platform: &Arc<dyn Platform>,
        messages: Vec<StoredMessage>,
        report: &mut CatchUpReport,
    ) {
        for stored in messages {
            report.messages += 1;
            if self.is_marked(platform.as_ref(), &stored) {
                report.already_marked += 1;
                continue;
            }
            let outcome = self.handle(Arc::clone(platform), stored.message).await;
            report.count(&outcome);
        }
    }

    /// Returns whether the bot added its handled or request marker to the message.
    fn is_marked(&self, platform: &dyn Platform, stored: &StoredMessage) -> bool {
        let bot = platform.bot_user_id();
        [&self.inner.handled_marker, &self.inner.request_marker]
            .iter()
            .any(|marker| stored.reactors(marker).iter().any(|user| user == bot))
    }
}
