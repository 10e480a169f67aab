//! Catch-up in the adapter: reads the history of the bot's channels at
//! start-up and, in Socket Mode, after each new connection.
//!
//! Slack does not redeliver an event it saw acknowledged, so commands posted
//! while the adapter was down, or queued and unfinished at the last shutdown,
//! run only through catch-up. One task runs [`Bot::catch_up`] whenever it is
//! triggered. Triggers that arrive during a run are merged into one more run,
//! and the handled marker keeps every command at most once.
//!
//! Rules may list channels by name, but `conversations.history` needs an ID:
//! each run resolves names through the platform's channel directory (filled
//! from `conversations.list`) and logs the names it cannot resolve.

use std::sync::Arc;
use std::time::Duration;

use backoffice_core::{Bot, ChannelName, Platform};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tracing::{info, warn};

/// The catch-up task and its trigger.
pub struct CatchUp {
    trigger: Arc<Notify>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl CatchUp {
    /// Starts the task that catches up on `bot`'s channels over `window`
    /// each time [`CatchUp::trigger`] is called.
    pub fn spawn<S: Send + Sync + 'static>(
        bot: Bot<S>,
        platform: Arc<dyn Platform>,
        window: Duration,
    ) -> Self {
        let channels = bot.channels();
        let trigger = Arc::new(Notify::new());
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(
            bot,
            platform,
            channels,
            window,
            Arc::clone(&trigger),
            stopped,
        ));
        Self {
            trigger,
            stop,
            task,
        }
    }

    /// Returns the trigger, for the Socket Mode listener's `hello` callback.
    pub fn trigger_handle(&self) -> Arc<Notify> {
        Arc::clone(&self.trigger)
    }

    /// Asks for one more run.
    pub fn trigger(&self) {
        self.trigger.notify_one();
    }

    /// Stops the task: a run in progress may finish within `deadline`, and
    /// is cancelled when the deadline passes.
    pub async fn shutdown(mut self, deadline: Duration) {
        self.stop.send_replace(true);
        if tokio::time::timeout(deadline, &mut self.task)
            .await
            .is_err()
        {
            warn!(
                deadline_ms = deadline.as_millis() as u64,
                "catch-up did not finish before the shutdown deadline: cancelled it",
            );
            self.task.abort();
        }
    }
}

async fn run<S: Send + Sync + 'static>(
    bot: Bot<S>,
    platform: Arc<dyn Platform>,
    channels: Vec<String>,
    window: Duration,
    trigger: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            biased;
            _ = stopped.wait_for(|stopped| *stopped) => return,
            () = trigger.notified() => {}
        }
        let ids = channel_ids(&channels, platform.as_ref());
        bot.catch_up(Arc::clone(&platform), &ids, window).await;
    }
}

/// Returns the IDs of the listed channels: IDs as they are, names resolved
/// through `platform`. Names that do not resolve are logged and skipped.
fn channel_ids(listed: &[String], platform: &dyn Platform) -> Vec<String> {
    let mut ids = Vec::new();
    let mut unresolved = Vec::new();
    for channel in listed {
        if is_channel_id(channel) {
            ids.push(channel.clone());
            continue;
        }
        match platform.resolve_channel(channel) {
            ChannelName::Resolved(id) => ids.push(id),
            _ => unresolved.push(channel.clone()),
        }
    }
    if !unresolved.is_empty() {
        warn!(
            channels = ?unresolved,
            "catch-up skips channel names that match no channel the bot can see; list them by ID or invite the bot",
        );
    }
    ids.sort();
    ids.dedup();
    info!(channels = ?ids, "catch-up reads these channels");
    ids
}

/// Returns whether `channel` is a Slack conversation ID (`C…`, `G…`, `D…`)
/// rather than a name. Slack channel names have no capital letters, and IDs
/// contain only capital letters and digits.
fn is_channel_id(channel: &str) -> bool {
    let mut chars = channel.chars();
    let kind = chars.next();
    matches!(kind, Some('C' | 'G' | 'D'))
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_ids_and_names_told_apart() {
        for id in ["C024BE91L", "G0PRIVATE", "D1", "C1"] {
            assert!(is_channel_id(id), "{id}");
        }
        for name in ["ops", "backoffice", "c024be91l", "Cops", "", "X123"] {
            assert!(!is_channel_id(name), "{name}");
        }
    }
}
