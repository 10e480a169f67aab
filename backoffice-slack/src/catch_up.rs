//! Catch-up in the adapter: reads the history of the bot's channels at
//! start-up and, in Socket Mode, after each new connection.
//!
//! Slack does not redeliver an event it saw acknowledged, so commands posted
//! while the adapter was down, or queued and unfinished at the last shutdown,
//! run only through catch-up. One task runs [`Bot::catch_up`] whenever it is
//! triggered. Triggers that arrive during a run are merged into one more run,
//! and the handled marker keeps every command at most once.
//!
//! Rules may list channels by name, but `conversations.history` needs an ID.
//! The adapter does not resolve names, so it catches up only on channels
//! listed by ID and logs the names it skips.

use std::sync::Arc;
use std::time::Duration;

use backoffice_core::{Bot, Platform};
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
        let channels = channel_ids(&bot.channels());
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
        bot.catch_up(Arc::clone(&platform), &channels, window).await;
    }
}

/// Keeps the channels listed by ID and logs the names, which catch-up skips.
fn channel_ids(listed: &[String]) -> Vec<String> {
    let (ids, names): (Vec<String>, Vec<String>) =
        listed.iter().cloned().partition(|c| is_channel_id(c));
    if !names.is_empty() {
        warn!(
            channels = ?names,
            "catch-up skips channels that rules list by name; list them by ID to catch up on them",
        );
    }
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
