//! The dispatcher: the path of one message from a front-end to a handler.

use std::sync::Arc;

use crate::command::Command;
use crate::platform::{Message, Platform};

/// What the dispatcher did with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The message was not a command for this bot (own or bot message, edit,
    /// no mention in a channel).
    Ignored,
    /// Another claimer had already handled the message.
    AlreadyHandled,
    /// The command ran.
    Ran,
}

/// Errors found while building a bot.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Placeholder.
    #[error("placeholder")]
    Placeholder,
}

/// A bot: its commands, its access policy and the application's state.
///
/// A `Bot` is cheap to clone; clones share everything.
pub struct Bot<S> {
    inner: Arc<Vec<Command<S>>>,
}

impl<S> Clone for Bot<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// Builds a [`Bot`].
pub struct BotBuilder<S> {
    commands: Vec<Command<S>>,
}

impl<S: Send + Sync + 'static> Bot<S> {
    /// Handles one message from a front-end.
    pub async fn handle(&self, platform: Arc<dyn Platform>, message: Message) -> Outcome {
        todo!("{:?} {}", message, platform.bot_user_id())
    }
}

impl<S> BotBuilder<S> {
    /// Placeholder.
    pub fn build(self) -> Result<Bot<S>, BuildError> {
        Ok(Bot {
            inner: Arc::new(self.commands),
        })
    }
}
