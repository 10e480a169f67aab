//! The context a handler runs with.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::platform::{Destination, Message, Platform, PlatformError};

/// What a handler knows about its invocation: the caller, the channel, the
/// message, the application's state, and a way to post progress.
///
/// `S` is the application's state, such as a database pool, given to the bot
/// builder once and shared by every handler.
pub struct Context<S> {
    state: Arc<S>,
    platform: Arc<dyn Platform>,
    message: Message,
}

impl<S> Context<S> {
    /// Creates a context. Front-ends and the test kit call this; handlers
    /// receive a context.
    pub fn new(state: Arc<S>, platform: Arc<dyn Platform>, message: Message) -> Self {
        Self {
            state,
            platform,
            message,
        }
    }

    /// Returns the application's state.
    pub fn state(&self) -> &S {
        &self.state
    }

    /// Returns the caller's user ID.
    pub fn caller(&self) -> &str {
        &self.message.user
    }

    /// Returns the channel ID the command was posted in.
    pub fn channel(&self) -> &str {
        &self.message.channel
    }

    /// Returns the command message.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// Returns the current time, from the platform's clock.
    pub fn now(&self) -> SystemTime {
        self.platform.now()
    }

    /// Posts `text` in the command's thread while the handler runs, for
    /// progress on long commands. The handler's return value is its final
    /// reply; use this only for what comes before it.
    ///
    /// # Errors
    ///
    /// Returns an error when the platform did not accept the message.
    pub async fn say(&self, text: impl AsRef<str>) -> Result<(), PlatformError> {
        let to = Destination {
            channel: self.message.channel.clone(),
            thread_ts: Some(self.message.reply_thread_ts().to_owned()),
        };
        self.platform.post(&to, text.as_ref()).await.map(drop)
    }
}

impl<S> fmt::Debug for Context<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}
