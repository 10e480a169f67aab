//! The adapter's settings: tokens, how events arrive, where to listen and
//! how hard to retry.
//!
//! [`SlackConfig::from_env`] reads the environment variables a deployment
//! sets. Tests and embedders build a config with [`SlackConfig::http`] or
//! [`SlackConfig::socket_mode`] and the `with_*` methods.

use std::env;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// The Web API base URL used when `SLACK_API_URL` is unset.
pub const DEFAULT_API_URL: &str = "https://slack.com/api";

/// How far back catch-up reads channel history when `BACKOFFICE_CATCH_UP` is unset.
pub const DEFAULT_CATCH_UP_WINDOW: Duration = Duration::from_secs(600);

/// The time before the catch-up window over which catch-up looks for thread
/// parents when `BACKOFFICE_CATCH_UP_THREADS` is unset: one day.
pub const DEFAULT_THREAD_LOOKBACK: Duration = Duration::from_secs(24 * 60 * 60);

/// The address the HTTP server binds when `BACKOFFICE_LISTEN` is unset.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

/// A token or signing secret: its `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret value, for passing it to Slack. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The way Slack delivers events to the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Slack posts events to `POST /slack/events`, signed with the app's
    /// signing secret.
    Http {
        /// The app's signing secret (`SLACK_SIGNING_SECRET`).
        signing_secret: Secret,
    },
    /// The adapter opens a WebSocket to Slack with an app-level token.
    SocketMode {
        /// The app-level token (`SLACK_APP_TOKEN`, `xapp-…`).
        app_token: Secret,
    },
}

/// An invalid or missing setting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Neither `SLACK_APP_TOKEN` nor `SLACK_SIGNING_SECRET` is set.
    #[error(
        "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET is: \
         set SLACK_APP_TOKEN for Socket Mode or SLACK_SIGNING_SECRET for the HTTP Events API"
    )]
    MissingEventSource,
    /// A variable contains a value that cannot be used.
    #[error("invalid {variable} value {value:?}: {reason}")]
    Invalid {
        /// The environment variable or setting.
        variable: &'static str,
        /// The rejected value.
        value: String,
        /// A description of a valid value.
        reason: String,
    },
}

/// The adapter's settings.
///
/// `Debug` output never contains a token or the signing secret.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SlackConfig {
    /// The bot token (`SLACK_BOT_TOKEN`, `xoxb-…`).
    pub bot_token: Secret,
    /// The way events arrive.
    pub mode: Mode,
    /// The address of the HTTP server (`BACKOFFICE_LISTEN`).
    pub listen: SocketAddr,
    /// The Web API base URL without a trailing slash (`SLACK_API_URL`).
    pub api_url: String,
    /// The number of commands that run at once, 16 by default.
    ///
    /// A command spends most of its time waiting: on Slack's Web API, whose
    /// round trip takes tens of milliseconds, and on the services it
    /// administers. Each command makes at least two Web API calls in turn
    /// (the handled marker, then the reply), so the bot runs at most
    /// `workers / (2 × round trip)` commands a second. More workers let
    /// quick commands pass slow ones; fewer bound the load on the services.
    pub workers: usize,
    /// The number of acknowledged events that may wait for a worker.
    /// When the queue is full, new events get `503` so Slack redelivers them.
    pub queue_capacity: usize,
    /// How long one Web API request may take before it counts as timed out.
    pub request_timeout: Duration,
    /// How many times a failed Web API request is retried when retrying is safe.
    pub max_retries: u32,
    /// The wait before the first retry of a transport or server failure;
    /// it doubles with each further retry.
    pub retry_backoff: Duration,
    /// The longest `Retry-After` the adapter waits for; a longer one fails the request.
    pub max_retry_after: Duration,
    /// How long a shutdown waits for queued and running commands.
    pub shutdown_deadline: Duration,
    /// How many recent `(channel, ts)` pairs the duplicate cache remembers.
    pub recent_messages: usize,
    /// How often the channel names in access rules are resolved to IDs again
    /// with `conversations.list`. Zero resolves them only at start-up and
    /// through [`SlackPlatform::refresh_channel_names`](crate::SlackPlatform::refresh_channel_names).
    pub channel_names_refresh: Duration,
    /// How long a `users.info` result is reused; zero disables the cache.
    pub user_cache_ttl: Duration,
    /// How long a `conversations.info` result is reused; zero disables the cache.
    pub channel_cache_ttl: Duration,
    /// How long a `usergroups.users.list` result is reused; zero disables the cache.
    pub group_cache_ttl: Duration,
    /// The maximum number of entries in each of the user, channel and group caches.
    pub cache_capacity: usize,
    /// How far back catch-up reads the history of the bot's channels at
    /// start-up and after a Socket Mode reconnect (`BACKOFFICE_CATCH_UP`);
    /// zero turns catch-up off.
    pub catch_up_window: Duration,
    /// The time before the catch-up window over which catch-up looks for
    /// thread parents (`BACKOFFICE_CATCH_UP_THREADS`).
    ///
    /// `conversations.history` selects a thread's parent by the parent's own
    /// `ts`, so a reply posted in the window to an older parent is found only
    /// if catch-up reads back to that parent. Catch-up reads the history over
    /// this time too, but runs only the replies posted in the window, not the
    /// older messages. Zero finds only threads whose parent is in the window.
    pub thread_lookback: Duration,
}

impl SlackConfig {
    /// Creates a config for the HTTP Events API with default settings.
    pub fn http(bot_token: impl Into<String>, signing_secret: impl Into<String>) -> Self {
        let mode = Mode::Http {
            signing_secret: Secret::new(signing_secret),
        };
        Self::with_mode(Secret::new(bot_token), mode)
    }

    /// Creates a config for Socket Mode with default settings.
    pub fn socket_mode(bot_token: impl Into<String>, app_token: impl Into<String>) -> Self {
        let mode = Mode::SocketMode {
            app_token: Secret::new(app_token),
        };
        Self::with_mode(Secret::new(bot_token), mode)
    }

    fn with_mode(bot_token: Secret, mode: Mode) -> Self {
        Self {
            bot_token,
            mode,
            listen: DEFAULT_LISTEN
                .parse()
                .expect("the default address is valid"),
            api_url: DEFAULT_API_URL.to_owned(),
            workers: 16,
            queue_capacity: 256,
            request_timeout: Duration::from_secs(10),
            max_retries: 3,
            retry_backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
            shutdown_deadline: Duration::from_secs(10),
            recent_messages: 1024,
            channel_names_refresh: Duration::from_secs(10 * 60),
            user_cache_ttl: Duration::from_secs(10 * 60),
            channel_cache_ttl: Duration::from_secs(10 * 60),
            group_cache_ttl: Duration::from_secs(5 * 60),
            cache_capacity: 10_000,
            catch_up_window: DEFAULT_CATCH_UP_WINDOW,
            thread_lookback: DEFAULT_THREAD_LOOKBACK,
        }
    }

    /// Reads the config from the environment.
    ///
    /// Returns `Ok(None)` when `SLACK_BOT_TOKEN` is unset, so a program can
    /// fall back to another front-end such as the console.
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::MissingEventSource`] when the bot token is set
    /// but neither `SLACK_APP_TOKEN` nor `SLACK_SIGNING_SECRET` is, and
    /// [`ConfigError::Invalid`] for an unusable `BACKOFFICE_LISTEN`,
    /// `SLACK_API_URL`, `BACKOFFICE_CATCH_UP` or `BACKOFFICE_CATCH_UP_THREADS`.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        Self::from_lookup(|name| env::var(name).ok().filter(|value| !value.is_empty()))
    }

    /// Reads the config through `lookup`, which returns a variable's value.
    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let Some(bot_token) = lookup("SLACK_BOT_TOKEN") else {
            return Ok(None);
        };

        let mut config = match (lookup("SLACK_APP_TOKEN"), lookup("SLACK_SIGNING_SECRET")) {
            (Some(app_token), _) => Self::socket_mode(bot_token, app_token),
            (None, Some(secret)) => Self::http(bot_token, secret),
            (None, None) => return Err(ConfigError::MissingEventSource),
        };

        if let Some(listen) = lookup("BACKOFFICE_LISTEN") {
            config.listen = parse_listen(&listen)?;
        }
        if let Some(api_url) = lookup("SLACK_API_URL") {
            config = config.with_api_url(&api_url)?;
        }
        if let Some(window) = lookup("BACKOFFICE_CATCH_UP") {
            config.catch_up_window =
                parse_duration("BACKOFFICE_CATCH_UP", &window, "turn catch-up off")?;
        }
        if let Some(lookback) = lookup("BACKOFFICE_CATCH_UP_THREADS") {
            config.thread_lookback = parse_duration(
                "BACKOFFICE_CATCH_UP_THREADS",
                &lookback,
                "read threads only when their parent is in the catch-up window",
            )?;
        }
        Ok(Some(config))
    }

    /// Sets the address of the HTTP server; use port 0 to let the system pick one.
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// Sets the Web API base URL, with or without a trailing slash.
    ///
    /// # Errors
    ///
    /// Returns [`ConfigError::Invalid`] unless the URL starts with
    /// `https://` or `http://`.
    pub fn with_api_url(mut self, api_url: &str) -> Result<Self, ConfigError> {
        self.api_url = normalize_api_url(api_url)?;
        Ok(self)
    }

    /// Sets the number of worker tasks (at least one).
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// Sets the capacity of the event queue (at least one).
    pub fn with_queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// Sets the timeout of one Web API request.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the retry bound and the first backoff of Web API requests.
    pub fn with_retries(mut self, max_retries: u32, backoff: Duration) -> Self {
        self.max_retries = max_retries;
        self.retry_backoff = backoff;
        self
    }

    /// Sets how far back catch-up reads channel history; zero turns it off.
    pub fn with_catch_up_window(mut self, window: Duration) -> Self {
        self.catch_up_window = window;
        self
    }

    /// Sets the time before the catch-up window over which catch-up looks
    /// for the parents of threads with replies in the window. Default: one day.
    /// Zero finds only threads whose parent is in the window.
    pub fn with_thread_lookback(mut self, lookback: Duration) -> Self {
        self.thread_lookback = lookback;
        self
    }

    /// Sets how long a shutdown waits for queued and running commands.
    pub fn with_shutdown_deadline(mut self, deadline: Duration) -> Self {
        self.shutdown_deadline = deadline;
        self
    }

    /// Sets how often channel names in access rules are resolved to IDs
    /// again. Default: 10 minutes. Zero resolves them only at start-up.
    pub fn with_channel_names_refresh(mut self, interval: Duration) -> Self {
        self.channel_names_refresh = interval;
        self
    }

    /// Sets how long looked-up users, channels and user group members are
    /// reused. Defaults: 10 minutes, 10 minutes and 5 minutes. Zero disables
    /// a cache.
    pub fn with_cache_ttls(
        mut self,
        users: Duration,
        channels: Duration,
        groups: Duration,
    ) -> Self {
        self.user_cache_ttl = users;
        self.channel_cache_ttl = channels;
        self.group_cache_ttl = groups;
        self
    }

    /// Sets the maximum number of entries in each cache. Default: 10,000.
    pub fn with_cache_capacity(mut self, capacity: usize) -> Self {
        self.cache_capacity = capacity;
        self
    }
}

/// Parses `BACKOFFICE_LISTEN` as `host:port`.
fn parse_listen(value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| ConfigError::Invalid {
        variable: "BACKOFFICE_LISTEN",
        value: value.to_owned(),
        reason: "expected an IP address and a port, for example 127.0.0.1:3000".to_owned(),
    })
}

/// Parses the value of `variable` as a duration such as `10m`, `90s` or
/// `1h30m`, or `0`. `zero_effect` completes the error's "or 0 to …".
fn parse_duration(
    variable: &'static str,
    value: &str,
    zero_effect: &str,
) -> Result<Duration, ConfigError> {
    if value.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    let parsed: Result<backoffice_core::args::Duration, _> = value.parse();
    parsed
        .map(backoffice_core::args::Duration::get)
        .map_err(|_| ConfigError::Invalid {
            variable,
            value: value.to_owned(),
            reason: format!("expected a duration such as 10m, 90s or 1h30m, or 0 to {zero_effect}"),
        })
}

/// Checks the scheme of a Web API base URL and removes trailing slashes,
/// because slack-morphism appends `/method.name` to it.
fn normalize_api_url(value: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim().trim_end_matches('/');

    let has_host = ["https://", "http://"].iter().any(|scheme| {
        trimmed
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty())
    });
    if !has_host {
        return Err(ConfigError::Invalid {
            variable: "SLACK_API_URL",
            value: value.to_owned(),
            reason: "expected an https:// or http:// URL, for example https://slack.com/api"
                .to_owned(),
        });
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Option<SlackConfig>, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        SlackConfig::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn from_env_without_bot_token_is_none() {
        let config = read(&[("SLACK_SIGNING_SECRET", "s")]).unwrap();
        assert!(config.is_none());
    }

    #[test]
    fn from_env_app_token_selects_socket_mode() {
        let config = read(&[
            ("SLACK_BOT_TOKEN", "xoxb-1"),
            ("SLACK_APP_TOKEN", "xapp-1"),
            ("SLACK_SIGNING_SECRET", "s"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            config.mode,
            Mode::SocketMode {
                app_token: Secret::new("xapp-1")
            }
        );
    }

    #[test]
    fn from_env_signing_secret_selects_http() {
        let config = read(&[("SLACK_BOT_TOKEN", "xoxb-1"), ("SLACK_SIGNING_SECRET", "s")])
            .unwrap()
            .unwrap();
        assert_eq!(
            config.mode,
            Mode::Http {
                signing_secret: Secret::new("s")
            }
        );
        assert_eq!(config.listen, DEFAULT_LISTEN.parse().unwrap());
        assert_eq!(config.api_url, DEFAULT_API_URL);
    }

    #[test]
    fn from_env_without_event_source_fails() {
        let error = read(&[("SLACK_BOT_TOKEN", "xoxb-1")]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("SLACK_APP_TOKEN"), "{message}");
        assert!(message.contains("SLACK_SIGNING_SECRET"), "{message}");
    }

    #[test]
    fn from_env_invalid_listen_names_variable_and_value() {
        let error = read(&[
            ("SLACK_BOT_TOKEN", "xoxb-1"),
            ("SLACK_SIGNING_SECRET", "s"),
            ("BACKOFFICE_LISTEN", "localhost"),
        ])
        .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("BACKOFFICE_LISTEN"), "{message}");
        assert!(message.contains("\"localhost\""), "{message}");
    }

    #[test]
    fn from_env_catch_up_window() {
        let base = [("SLACK_BOT_TOKEN", "xoxb-1"), ("SLACK_SIGNING_SECRET", "s")];
        let default = read(&base).unwrap().unwrap();
        assert_eq!(default.catch_up_window, DEFAULT_CATCH_UP_WINDOW);

        for (value, expected) in [("10m", 600), ("90s", 90), ("1h30m", 5400), ("0", 0)] {
            let mut vars = base.to_vec();
            vars.push(("BACKOFFICE_CATCH_UP", value));
            let config = read(&vars).unwrap().unwrap();
            assert_eq!(
                config.catch_up_window,
                Duration::from_secs(expected),
                "value {value}"
            );
        }
    }

    #[test]
    fn from_env_thread_lookback() {
        let base = [("SLACK_BOT_TOKEN", "xoxb-1"), ("SLACK_SIGNING_SECRET", "s")];
        let default = read(&base).unwrap().unwrap();
        assert_eq!(default.thread_lookback, DEFAULT_THREAD_LOOKBACK);

        for (value, expected) in [("1d", 86_400), ("12h", 43_200), ("0", 0)] {
            let mut vars = base.to_vec();
            vars.push(("BACKOFFICE_CATCH_UP_THREADS", value));
            let config = read(&vars).unwrap().unwrap();
            assert_eq!(
                config.thread_lookback,
                Duration::from_secs(expected),
                "value {value}"
            );
        }
    }

    #[test]
    fn from_env_invalid_thread_lookback_names_variable() {
        let error = read(&[
            ("SLACK_BOT_TOKEN", "xoxb-1"),
            ("SLACK_SIGNING_SECRET", "s"),
            ("BACKOFFICE_CATCH_UP_THREADS", "a day"),
        ])
        .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("BACKOFFICE_CATCH_UP_THREADS"), "{message}");
        assert!(message.contains("\"a day\""), "{message}");
    }

    #[test]
    fn from_env_invalid_catch_up_names_variable() {
        let error = read(&[
            ("SLACK_BOT_TOKEN", "xoxb-1"),
            ("SLACK_SIGNING_SECRET", "s"),
            ("BACKOFFICE_CATCH_UP", "ten minutes"),
        ])
        .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("BACKOFFICE_CATCH_UP"), "{message}");
        assert!(message.contains("\"ten minutes\""), "{message}");
    }

    #[test]
    fn api_url_trailing_slash_is_removed() {
        for (input, expected) in [
            ("https://slack.com/api/", "https://slack.com/api"),
            ("https://slack.com/api", "https://slack.com/api"),
            ("http://127.0.0.1:9000/api//", "http://127.0.0.1:9000/api"),
        ] {
            assert_eq!(normalize_api_url(input).unwrap(), expected, "input {input}");
        }
    }

    #[test]
    fn api_url_without_scheme_fails() {
        for input in ["slack.com/api", "ftp://slack.com", "https://", ""] {
            let error = normalize_api_url(input).unwrap_err();
            assert!(error.to_string().contains("SLACK_API_URL"), "input {input}");
        }
    }

    #[test]
    fn debug_output_hides_secrets() {
        let http = SlackConfig::http("xoxb-bot-secret", "signing-secret-value");
        let socket = SlackConfig::socket_mode("xoxb-bot-secret", "xapp-app-secret");
        for config in [http, socket] {
            let printed = format!("{config:?}");
            assert!(!printed.contains("xoxb-bot-secret"), "{printed}");
            assert!(!printed.contains("signing-secret-value"), "{printed}");
            assert!(!printed.contains("xapp-app-secret"), "{printed}");
            assert!(printed.contains("[redacted]"), "{printed}");
        }
    }
}
