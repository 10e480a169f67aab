//! The event queue and the workers that run commands.
//!
//! Slack expects an acknowledgement within 3 seconds, but a command can take
//! longer. The HTTP endpoint and Socket Mode therefore only translate an event
//! and push it into a bounded queue. `N` workers take events from the queue
//! and call [`Bot::handle`]. A full queue rejects the event, and the caller
//! answers so that Slack redelivers it later.
//!
//! A small cache of recently handled `(channel, ts)` pairs skips obvious
//! duplicates, such as the `app_mention` and `message` events of one message,
//! before they reach a worker. It is only a shortcut: running a command once
//! is guaranteed by the dispatcher's claim reaction, which also holds across
//! replicas and restarts.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backoffice_core::{Bot, Message, Outcome, Platform, ReactionEvent};
use slack_morphism::prelude::SlackPushEventCallback;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tracing::{debug, error, warn};

use crate::events::{translate, Incoming};

/// A failure to queue an event.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// Every slot of the queue is taken.
    #[error("the event queue is full ({capacity} events): Slack will redeliver the event")]
    Full {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The adapter is shutting down.
    #[error("the adapter is shutting down: Slack will redeliver the event")]
    Closed,
}

/// The sending side of the queue, shared by the HTTP endpoint and Socket Mode.
#[derive(Clone)]
pub struct Queue {
    sender: mpsc::Sender<Incoming>,
    recent: Arc<RecentMessages>,
    closed: Arc<AtomicBool>,
    bot_user_id: Arc<str>,
}

impl Queue {
    /// Translates one Slack event and queues it when it can be a command.
    ///
    /// Events that are never commands, messages that do not address the bot
    /// and recent duplicates are accepted without being queued, so chatter
    /// in a busy channel costs no worker time.
    ///
    /// # Errors
    ///
    /// Returns [`PushError`] when the event could not be queued; the caller
    /// must not acknowledge it, so Slack redelivers it.
    pub fn accept(&self, callback: &SlackPushEventCallback) -> Result<(), PushError> {
        let Some(incoming) = translate(callback, &self.bot_user_id) else {
            return Ok(());
        };

        if let Incoming::Message(message) = &incoming {
            if message.command_text(&self.bot_user_id).is_none() {
                debug!(channel = %message.channel, ts = %message.ts, "ignoring a message that does not address the bot");
                return Ok(());
            }
            if self.recent.contains(&message.channel, &message.ts) {
                debug!(channel = %message.channel, ts = %message.ts, "skipping a recently handled message");
                return Ok(());
            }
        }
        self.push(incoming, callback.event_id.as_ref())
    }

    fn push(&self, incoming: Incoming, event_id: &str) -> Result<(), PushError> {
        let (channel, ts, user) = match &incoming {
            Incoming::Message(message) => (&message.channel, &message.ts, &message.user),
            Incoming::Reaction(reaction) => (&reaction.channel, &reaction.ts, &reaction.user),
        };
        let (channel, ts, user) = (channel.clone(), ts.clone(), user.clone());

        let result = if self.closed.load(Ordering::Acquire) {
            Err(PushError::Closed)
        } else {
            self.sender.try_send(incoming).map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => PushError::Full {
                    capacity: self.sender.max_capacity(),
                },
                mpsc::error::TrySendError::Closed(_) => PushError::Closed,
            })
        };

        if let Err(error) = &result {
            warn!(event_id, channel, ts, user, %error, "rejected a Slack event");
        }
        result
    }

    /// Builds a queue of `capacity` events with no workers, whose receiving
    /// side the caller drains, and an empty duplicate cache.
    pub(crate) fn detached(bot_user_id: &str, capacity: usize) -> (Self, mpsc::Receiver<Incoming>) {
        let (sender, receiver) = mpsc::channel(capacity);
        let queue = Self {
            sender,
            recent: Arc::new(RecentMessages::new(0)),
            closed: Arc::new(AtomicBool::new(false)),
            bot_user_id: bot_user_id.into(),
        };
        (queue, receiver)
    }

    /// Returns the number of events waiting for a worker.
    fn len(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }
}

/// The worker tasks and what they need to stop.
pub struct Workers {
    tasks: JoinSet<()>,
    stop: watch::Sender<bool>,
    running: Arc<AtomicUsize>,
    queue: Queue,
}

/// The work a shutdown left unfinished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unfinished {
    /// Events still in the queue.
    pub queued: usize,
    /// Commands still running.
    pub running: usize,
}

/// Starts `workers` worker tasks over a queue of `capacity` events.
pub fn spawn<S: Send + Sync + 'static>(
    bot: Bot<S>,
    platform: Arc<dyn Platform>,
    workers: usize,
    capacity: usize,
    recent: usize,
) -> (Queue, Workers) {
    let (sender, receiver) = mpsc::channel(capacity);
    let queue = Queue {
        sender,
        recent: Arc::new(RecentMessages::new(recent)),
        closed: Arc::new(AtomicBool::new(false)),
        bot_user_id: platform.bot_user_id().into(),
    };
    let (stop, stopped) = watch::channel(false);
    let running = Arc::new(AtomicUsize::new(0));
    let receiver = Arc::new(tokio::sync::Mutex::new(receiver));

    let mut tasks = JoinSet::new();
    for _ in 0..workers {
        let worker = Worker {
            bot: bot.clone(),
            platform: Arc::clone(&platform),
            receiver: Arc::clone(&receiver),
            stopped: stopped.clone(),
            running: Arc::clone(&running),
            recent: Arc::clone(&queue.recent),
        };
        tasks.spawn(worker.run());
    }

    let workers = Workers {
        tasks,
        stop,
        running,
        queue: queue.clone(),
    };
    (queue, workers)
}

impl Workers {
    /// Stops taking new events, lets the workers finish the queued ones, and
    /// aborts them when `deadline` passes.
    ///
    /// Returns what could not finish, which is also logged.
    pub async fn shutdown(mut self, deadline: Duration) -> Unfinished {
        self.queue.closed.store(true, Ordering::Release);
        self.stop.send_replace(true);

        let drained = tokio::time::timeout(deadline, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_ok() {
            return Unfinished::default();
        }

        let unfinished = Unfinished {
            queued: self.queue.len(),
            running: self.running.load(Ordering::Acquire),
        };
        warn!(
            deadline_ms = deadline.as_millis() as u64,
            queued = unfinished.queued,
            running = unfinished.running,
            "shutdown deadline passed: aborting the workers; these events will not run",
        );
        self.tasks.abort_all();
        unfinished
    }
}

struct Worker<S> {
    bot: Bot<S>,
    platform: Arc<dyn Platform>,
    receiver: Arc<tokio::sync::Mutex<mpsc::Receiver<Incoming>>>,
    stopped: watch::Receiver<bool>,
    running: Arc<AtomicUsize>,
    recent: Arc<RecentMessages>,
}

impl<S: Send + Sync + 'static> Worker<S> {
    async fn run(mut self) {
        while let Some(incoming) = self.next().await {
            self.running.fetch_add(1, Ordering::AcqRel);
            match incoming {
                Incoming::Message(message) => self.handle(message).await,
                Incoming::Reaction(reaction) => self.handle_reaction(reaction).await,
            }
            self.running.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Returns the next event, or `None` once a shutdown started and the queue is empty.
    async fn next(&mut self) -> Option<Incoming> {
        let mut receiver = self.receiver.lock().await;
        tokio::select! {
            biased;
            incoming = receiver.recv() => incoming,
            _ = self.stopped.wait_for(|stopped| *stopped) => receiver.try_recv().ok(),
        }
    }

    async fn handle(&self, message: Message) {
        if self.recent.contains(&message.channel, &message.ts) {
            debug!(channel = %message.channel, ts = %message.ts, "skipping a recently handled message");
            return;
        }
        let (channel, ts, user) = (
            message.channel.clone(),
            message.ts.clone(),
            message.user.clone(),
        );

        // The command runs in its own task so that a panicking handler is
        // logged and does not take the worker down.
        let bot = self.bot.clone();
        let platform = Arc::clone(&self.platform);
        let outcome = tokio::spawn(async move { bot.handle(platform, message).await }).await;

        self.recent.insert(&channel, &ts);
        match outcome {
            Ok(Outcome::Failed(failure)) => {
                warn!(%channel, %ts, %user, error = %failure, "command failed");
            }
            Ok(outcome) => debug!(%channel, %ts, %user, ?outcome, "message handled"),
            Err(join_error) => {
                error!(%channel, %ts, %user, error = %join_error, "command panicked");
            }
        }
    }
}

impl<S: Send + Sync + 'static> Worker<S> {
    async fn handle_reaction(&self, reaction: ReactionEvent) {
        let (channel, ts, user) = (
            reaction.channel.clone(),
            reaction.ts.clone(),
            reaction.user.clone(),
        );

        let bot = self.bot.clone();
        let platform = Arc::clone(&self.platform);
        let outcome =
            tokio::spawn(async move { bot.handle_reaction(platform, reaction).await }).await;

        match outcome {
            Ok(Outcome::Failed(failure)) => {
                warn!(%channel, %ts, %user, error = %failure, "approval by reaction failed");
            }
            Ok(outcome) => debug!(%channel, %ts, %user, ?outcome, "reaction handled"),
            Err(join_error) => {
                error!(%channel, %ts, %user, error = %join_error, "reaction handling panicked");
            }
        }
    }
}

/// A `(channel, ts)` pair, which identifies a message.
type MessageKey = (String, String);

/// A bounded set of recently handled `(channel, ts)` pairs; the oldest is
/// forgotten first.
struct RecentMessages {
    capacity: usize,
    entries: Mutex<(HashSet<MessageKey>, VecDeque<MessageKey>)>,
}

impl RecentMessages {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new((HashSet::new(), VecDeque::new())),
        }
    }

    fn contains(&self, channel: &str, ts: &str) -> bool {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        entries.0.contains(&(channel.to_owned(), ts.to_owned()))
    }

    fn insert(&self, channel: &str, ts: &str) {
        if self.capacity == 0 {
            return;
        }
        let key = (channel.to_owned(), ts.to_owned());
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let (set, order) = &mut *entries;

        if !set.insert(key.clone()) {
            return;
        }
        order.push_back(key);
        if order.len() > self.capacity {
            if let Some(oldest) = order.pop_front() {
                set.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Builds a `message` event from `U1` in `channel`, of `channel_type`, with `text`.
    fn message(channel: &str, channel_type: &str, text: &str) -> SlackPushEventCallback {
        let envelope = json!({
            "team_id": "T1",
            "api_app_id": "A1",
            "event": {
                "type": "message",
                "channel": channel,
                "channel_type": channel_type,
                "user": "U1",
                "text": text,
                "ts": "1700000000.000100",
            },
            "event_id": "Ev1",
            "event_time": 1_700_000_000,
            "type": "event_callback",
        });
        serde_json::from_value(envelope).expect("the test envelope is a valid event_callback")
    }

    /// Accepts `callback` on a fresh queue and returns whether it was queued.
    fn is_queued(callback: &SlackPushEventCallback) -> bool {
        let (queue, mut receiver) = Queue::detached("UBOT", 4);
        queue
            .accept(callback)
            .expect("a queue with room accepts the event");
        receiver.try_recv().is_ok()
    }

    #[test]
    fn channel_chatter_is_accepted_without_queueing() {
        assert!(!is_queued(&message("C1", "channel", "lunch at noon?")));
        assert!(!is_queued(&message("C1", "channel", "ask <@UBOT> ping")));
        assert!(!is_queued(&message("C1", "channel", "<@UOTHER> ping")));
    }

    #[test]
    fn chatter_accepted_when_queue_full() {
        let (queue, _receiver) = Queue::detached("UBOT", 1);
        queue
            .accept(&message("C1", "channel", "<@UBOT> ping"))
            .expect("the first command fills the queue");

        let chatter = queue.accept(&message("C1", "channel", "lunch at noon?"));

        assert!(chatter.is_ok(), "chatter got {chatter:?}");
    }

    #[test]
    fn messages_that_address_the_bot_are_queued() {
        assert!(is_queued(&message("C1", "channel", "<@UBOT> ping")));
        assert!(is_queued(&message(
            "C1",
            "channel",
            "  <@UBOT|backoffice>: ping"
        )));
        assert!(is_queued(&message("D1", "im", "ping")));
    }

    #[test]
    fn recent_messages_forget_the_oldest() {
        let recent = RecentMessages::new(2);
        recent.insert("C1", "1");
        recent.insert("C1", "2");
        recent.insert("C1", "3");

        assert!(!recent.contains("C1", "1"));
        assert!(recent.contains("C1", "2"));
        assert!(recent.contains("C1", "3"));
    }

    #[test]
    fn recent_messages_key_includes_channel() {
        let recent = RecentMessages::new(4);
        recent.insert("C1", "1");

        assert!(recent.contains("C1", "1"));
        assert!(!recent.contains("C2", "1"));
    }

    #[test]
    fn recent_messages_repeated_insert_keeps_one_entry() {
        let recent = RecentMessages::new(2);
        recent.insert("C1", "1");
        recent.insert("C1", "1");
        recent.insert("C1", "2");

        assert!(recent.contains("C1", "1"));
        assert!(recent.contains("C1", "2"));
    }
}
