//! The Slack adapter of `backoffice`.
//!
//! It connects a [`Bot`](backoffice_core::Bot) to Slack through slack-morphism:
//! events arrive over the HTTP Events API or Socket Mode, are acknowledged at
//! once, and are run by a pool of workers; replies and reactions go out
//! through [`SlackPlatform`].

mod client;
pub mod config;
mod error;
pub mod events;
pub mod platform;
pub mod text;

pub use client::HyperClient;
pub use config::{ConfigError, Mode, Secret, SlackConfig};
pub use error::SlackError;
pub use events::{translate, Incoming, ReactionChange, ReactionEvent};
pub use platform::SlackPlatform;
