//! The platform-neutral core of `backoffice`.
//!
//! Bot authors depend on the `backoffice` crate, which re-exports this one.
//! The modules follow the path of one message: a front-end delivers a
//! [`Message`] through the [`Platform`] interface, [`normalize`] undoes chat
//! markup, the [`router`] finds the [`Command`], the [`access`] policy decides
//! whether the caller may run it here, and the [`dispatch`]er runs it.

#![deny(missing_docs)]

pub mod access;
pub mod approval;
pub mod args;
pub mod audit;
pub mod check;
pub mod command;
pub mod console;
pub mod context;
pub mod dispatch;
pub mod error;
pub mod help;
pub mod normalize;
pub mod pattern;
pub mod platform;
pub mod router;
pub mod testing;

pub use access::{AccessPolicy, ConsoleAccess, Rule};
pub use check::{check, Report};
pub use command::{ArgError, Command, CommandInfo, HandlerError, Invocation, Reply};
pub use context::Context;
pub use dispatch::{Bot, BotBuilder, BuildError, Outcome};
pub use error::DispatchError;
pub use platform::{
    ChannelInfo, ChannelKind, ChannelName, Destination, Message, Platform, PlatformError, Reaction,
    ReactionEvent, ReactionOutcome, StoredMessage, UserInfo,
};

/// Items the `#[command]` macro's expansion refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::command::{
        parse_optional, parse_required, ArgError, BoxFuture, Command, CommandInfo, IntoOutcome,
        Invocation,
    };
    pub use crate::context::Context;
    pub use crate::router::Args;
    pub use std::boxed::Box;
    pub use std::result::Result::{Err, Ok};
    pub use std::sync::Arc;
    pub use std::time::Duration;
}
