//! `backoffice`: ChatOps back-office bots on Slack.
//!
//! Write each admin action as one annotated async function; the framework
//! routes messages to it, checks who may run it where, and runs it once.

pub use backoffice_core::*;
pub use backoffice_macros::command;

#[cfg(feature = "slack")]
pub use backoffice_slack as slack;

/// Everything a bot author needs: `use backoffice::prelude::*;`.
pub mod prelude {
    pub use backoffice_core::{Bot, Command, Context, Reply, Rule};
    pub use backoffice_macros::command;
}
