//! The errors that stop the adapter from starting or running.

use std::io;
use std::net::SocketAddr;

use crate::config::ConfigError;

/// A failure to start or run the Slack adapter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SlackError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The HTTPS client could not be built.
    #[error(
        "failed to load the system's root certificates: {0}: install the CA certificates package"
    )]
    Tls(String),
    /// Slack rejected the bot token.
    #[error("Slack rejected the bot token ({code}): check SLACK_BOT_TOKEN")]
    InvalidToken {
        /// Slack's error code, such as `invalid_auth` or `not_authed`.
        code: String,
    },
    /// `auth.test` failed for another reason.
    #[error("auth.test failed: {message}: check SLACK_API_URL and the network")]
    AuthTest {
        /// The cause.
        message: String,
    },
    /// The HTTP server could not bind its address.
    #[error("failed to bind {addr}: {source}: set BACKOFFICE_LISTEN to a free address")]
    Bind {
        /// The configured address.
        addr: SocketAddr,
        /// The system error.
        source: io::Error,
    },
    /// The Socket Mode listener could not register the app token.
    #[error("failed to start Socket Mode: {message}: check SLACK_APP_TOKEN")]
    SocketMode {
        /// The cause.
        message: String,
    },
    /// The HTTP server stopped with an error.
    #[error("the HTTP server failed: {0}")]
    Server(#[source] io::Error),
}
