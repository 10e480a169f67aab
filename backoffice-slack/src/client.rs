//! The slack-morphism Web API client and the retry policy around its calls.
//!
//! slack-morphism sends one request per call and, unless rate control is
//! configured, retries nothing. [`Retrier`] decides what to retry, because
//! only the caller knows whether repeating a request is safe:
//!
//! - a `429` is retried after its `Retry-After`, for reads and writes, because
//!   Slack did not act on the request;
//! - a refused connection is retried with backoff, for reads and writes,
//!   because the request never reached Slack;
//! - a `5xx` response, a timeout or a connection dropped before the response
//!   is retried only for reads, because a write may have taken effect and
//!   repeating it could post a reply twice.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::client::legacy::connect::HttpConnector;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::{SlackClientHyperConnector, SlackClientHyperHttpsConnector};
use slack_morphism::SlackClient;
use tracing::warn;

use crate::config::SlackConfig;
use crate::error::SlackError;

/// The slack-morphism client type the adapter uses.
pub type HyperClient = SlackClient<SlackClientHyperHttpsConnector>;

/// Builds a slack-morphism client for `config.api_url`.
///
/// The connector accepts `http://` as well as `https://`, so tests can point
/// the production client at a local fake.
///
/// # Errors
///
/// Returns [`SlackError::Tls`] when the system's root certificates cannot be loaded.
pub fn build_client(config: &SlackConfig) -> Result<Arc<HyperClient>, SlackError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(config.request_timeout));

    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|error| SlackError::Tls(error.to_string()))?
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);

    let connector =
        SlackClientHyperConnector::with_connector(https).with_slack_api_url(&config.api_url);
    Ok(Arc::new(SlackClient::new(connector)))
}

/// Whether repeating a request could change something at Slack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The request only reads.
    Read,
    /// The request changes something, such as posting a message.
    Write,
}

/// A failed call, after retries.
#[derive(Debug)]
pub enum CallError {
    /// Slack responded with an error or an unexpected status.
    Slack(SlackClientError),
    /// No response came within the request timeout.
    TimedOut(Duration),
}

/// The retry decision for a failed attempt.
enum Verdict {
    /// Retry after this wait.
    RetryAfter(Duration),
    /// Retry after the backoff for this attempt.
    Backoff,
    /// Give up.
    Fail,
}

/// The retry policy of Web API calls.
#[derive(Debug, Clone)]
pub struct Retrier {
    timeout: Duration,
    max_retries: u32,
    backoff: Duration,
    max_retry_after: Duration,
}

impl Retrier {
    /// Creates the policy from the config's timeout and retry settings.
    pub fn new(config: &SlackConfig) -> Self {
        Self {
            timeout: config.request_timeout,
            max_retries: config.max_retries,
            backoff: config.retry_backoff,
            max_retry_after: config.max_retry_after,
        }
    }

    /// Runs `attempt` until it succeeds, fails in a way that must not be
    /// retried, or has been retried `max_retries` times. `target` names the
    /// channel, message or user in retry logs.
    ///
    /// # Errors
    ///
    /// Returns the last attempt's error.
    pub async fn run<T, F, Fut>(
        &self,
        method: &str,
        effect: Effect,
        target: &str,
        mut attempt: F,
    ) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SlackClientError>>,
    {
        let mut retries = 0;
        loop {
            let error = match tokio::time::timeout(self.timeout, attempt()).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(error)) => CallError::Slack(error),
                Err(_) => CallError::TimedOut(self.timeout),
            };

            let wait = match self.verdict(&error, effect) {
                _ if retries >= self.max_retries => return Err(error),
                Verdict::Fail => return Err(error),
                Verdict::RetryAfter(wait) => wait,
                Verdict::Backoff => self.backoff.saturating_mul(2u32.saturating_pow(retries)),
            };

            retries += 1;
            warn!(
                method,
                target,
                retry = retries,
                max_retries = self.max_retries,
                wait_ms = wait.as_millis() as u64,
                error = %describe(&error),
                "retrying Slack Web API call",
            );
            tokio::time::sleep(wait).await;
        }
    }

    fn verdict(&self, error: &CallError, effect: Effect) -> Verdict {
        let slack_error = match error {
            CallError::TimedOut(_) if effect == Effect::Read => return Verdict::Backoff,
            CallError::TimedOut(_) => return Verdict::Fail,
            CallError::Slack(slack_error) => slack_error,
        };

        match slack_error {
            SlackClientError::RateLimitError(limit) => {
                let wait = limit.retry_after.unwrap_or(Duration::from_secs(1));
                if wait > self.max_retry_after {
                    Verdict::Fail
                } else {
                    Verdict::RetryAfter(wait)
                }
            }
            SlackClientError::HttpProtocolError(_) if is_connect_error(slack_error) => {
                Verdict::Backoff
            }
            SlackClientError::HttpProtocolError(_) if effect == Effect::Read => Verdict::Backoff,
            SlackClientError::HttpError(http)
                if http.status_code.is_server_error() && effect == Effect::Read =>
            {
                Verdict::Backoff
            }
            _ => Verdict::Fail,
        }
    }
}

/// Returns whether the request failed while connecting, so Slack never received it.
fn is_connect_error(error: &SlackClientError) -> bool {
    let SlackClientError::HttpProtocolError(protocol) = error else {
        return false;
    };
    protocol
        .cause
        .as_ref()
        .and_then(|cause| cause.downcast_ref::<hyper_util::client::legacy::Error>())
        .is_some_and(|cause| cause.is_connect())
}

/// Returns whether a read failed because the method is unavailable, not
/// because of its arguments: a timeout, a dropped connection, a `5xx` or a
/// rate limit. These are the failures [`Retrier::run`] retries for reads,
/// so by the time it returns one, the next call would most likely fail too.
pub fn is_unavailable(error: &CallError) -> bool {
    match error {
        CallError::TimedOut(_) => true,
        CallError::Slack(
            SlackClientError::RateLimitError(_) | SlackClientError::HttpProtocolError(_),
        ) => true,
        CallError::Slack(SlackClientError::HttpError(http)) => http.status_code.is_server_error(),
        CallError::Slack(_) => false,
    }
}

/// Returns the Slack error code of an API error, such as `already_reacted`.
pub fn api_error_code(error: &CallError) -> Option<&str> {
    match error {
        CallError::Slack(SlackClientError::ApiError(api)) => Some(&api.code),
        _ => None,
    }
}

/// Describes a failed call for logs and errors, without the response body,
/// which can contain message text.
pub fn describe(error: &CallError) -> String {
    match error {
        CallError::TimedOut(timeout) => format!("timed out after {} ms", timeout.as_millis()),
        CallError::Slack(SlackClientError::ApiError(api)) => api.code.clone(),
        CallError::Slack(SlackClientError::HttpError(http)) => {
            format!("HTTP status {}", http.status_code)
        }
        CallError::Slack(SlackClientError::RateLimitError(limit)) => match limit.retry_after {
            Some(wait) => format!("rate limited, retry after {} s", wait.as_secs()),
            None => "rate limited".to_owned(),
        },
        CallError::Slack(SlackClientError::ProtocolError(protocol)) => {
            format!("invalid response: {}", protocol.json_error)
        }
        CallError::Slack(other) if is_connect_error(other) => "connection failed".to_owned(),
        CallError::Slack(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use slack_morphism::errors::{SlackClientApiError, SlackClientHttpError, SlackRateLimitError};

    use super::*;

    #[test]
    fn unavailable_reads_told_from_argument_errors() {
        let unavailable = [
            CallError::TimedOut(Duration::from_secs(10)),
            CallError::Slack(SlackClientError::RateLimitError(SlackRateLimitError::new())),
            CallError::Slack(SlackClientError::HttpError(SlackClientHttpError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
            ))),
        ];
        for error in &unavailable {
            assert!(is_unavailable(error), "{}", describe(error));
        }

        let argument_errors = [
            CallError::Slack(SlackClientError::ApiError(SlackClientApiError::new(
                "thread_not_found".to_owned(),
            ))),
            CallError::Slack(SlackClientError::HttpError(SlackClientHttpError::new(
                axum::http::StatusCode::NOT_FOUND,
            ))),
        ];
        for error in &argument_errors {
            assert!(!is_unavailable(error), "{}", describe(error));
        }
    }
}
