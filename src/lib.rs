//! `backoffice`: ChatOps back-office bots on Slack.
//!
//! Write each admin action as one annotated async function; the framework
//! routes messages to it, checks who may run it where, and runs it once.
//!
//! ```
//! use backoffice::prelude::*;
//! use backoffice::testing::TestKit;
//! use backoffice::ChannelKind;
//!
//! /// Adds two whole numbers.
//! #[command("add <a> and <b>", access = "everyone")]
//! async fn add(_ctx: Context<()>, a: i64, b: i64) -> Result<String, Error> {
//!     let sum = a.checked_add(b).ok_or("the sum is too large")?;
//!     Ok(format!("{a} + {b} = {sum}"))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let bot = Bot::builder(())
//!     .command(add())
//!     .role("everyone", Rule::channels(["general"]))
//!     .build()?;
//!
//! // Run it in a test, with no Slack account.
//! let kit = TestKit::new(bot).channel("C1", "general", ChannelKind::Public);
//! let exchange = kit.send("U1", "C1", "add 2 and 40").await;
//! assert_eq!(exchange.replies, ["2 + 40 = 42"]);
//! # Ok(())
//! # }
//! ```
//!
//! The guides in the repository's `docs/` folder cover writing commands,
//! approvals, access control, testing and the console.
//!
//! # Crate layout
//!
//! This crate re-exports the platform-neutral core, `backoffice-core`, at its
//! root, and the `#[command]` attribute from `backoffice-macros`. Most bots
//! need only [`prelude`], [`console`] and [`testing`].
//!
//! # Features
//!
//! - `slack` (on by default): the Slack adapter, as the module `slack`, from
//!   the `backoffice-slack` crate. Turn it off with `default-features = false`
//!   for a bot that only runs in the console or in tests.

#![deny(missing_docs)]

pub use backoffice_core::*;
pub use backoffice_macros::command;

#[cfg(feature = "slack")]
pub use backoffice_slack as slack;

/// The guides in `docs/`, compiled as doctests so that their examples stay
/// correct.
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../docs/writing-commands.md")]
    struct WritingCommands;

    #[doc = include_str!("../docs/approvals.md")]
    struct Approvals;

    #[doc = include_str!("../docs/access-control.md")]
    struct AccessControl;

    #[doc = include_str!("../docs/console.md")]
    struct Console;
}

/// An error a handler can return: any error type, or a `String` or `&str`
/// turned into one with `?` or `.into()`. Its text is shown to the person who
/// ran the command.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Everything a bot author needs: `use backoffice::prelude::*;`.
///
/// It brings the bot builder, commands, the handler context, access rules,
/// the `#[command]` attribute, the [`Error`] alias, and the
/// argument types for mentions, emails and URLs. The duration argument type
/// is reached through the module, as `args::Duration`, so that it does not
/// shadow [`std::time::Duration`].
pub mod prelude {
    pub use crate::Error;
    pub use backoffice_core::args::{self, ChannelMention, Email, Url, UserMention};
    pub use backoffice_core::{Bot, Command, Context, Reply, Rule};
    pub use backoffice_macros::command;
}
