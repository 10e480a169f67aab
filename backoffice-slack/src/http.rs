//! The HTTP server: the Events API endpoint `POST /slack/events` and the
//! health check `GET /healthz`.
//!
//! The endpoint reads the raw body itself, with a size limit, because Slack
//! signs the exact bytes it sends: the body is verified with slack-morphism's
//! [`SlackEventSignatureVerifier`] before it is parsed. A valid event is
//! acknowledged as soon as it is queued, well within Slack's 3-second limit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use slack_morphism::prelude::*;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use tracing::{debug, info, warn};

use crate::events::decode;
use crate::queue::{PushError, Queue};

/// The largest event body accepted, in bytes; larger bodies get `413`.
///
/// A message has at most 40,000 characters, which is at most 160,000 bytes
/// of UTF-8 plus the envelope, so 1 MiB leaves ample room.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Whether the adapter is connected to Slack and accepting events.
#[derive(Debug, Clone, Default)]
pub struct Health(Arc<AtomicBool>);

impl Health {
    /// Marks the adapter as ready or not.
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Release);
    }

    fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

#[derive(Clone)]
struct Events {
    verifier: Arc<SlackEventSignatureVerifier>,
    queue: Queue,
}

/// Builds the router. Without `events`, as in Socket Mode, only `/healthz` is served.
pub fn router(events: Option<(&SlackSigningSecret, Queue)>, health: Health) -> Router {
    let healthz = Router::new()
        .route("/healthz", get(healthz))
        .with_state(health);
    let Some((secret, queue)) = events else {
        return healthz;
    };

    let events = Events {
        verifier: Arc::new(SlackEventSignatureVerifier::new(secret)),
        queue,
    };
    let events = Router::new()
        .route("/slack/events", post(receive_event))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(events);
    healthz.merge(events)
}

async fn healthz(State(health): State<Health>) -> StatusCode {
    if health.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

async fn receive_event(
    State(events): State<Events>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match body {
        Ok(body) => acknowledge(&events, &headers, &body),
        Err(rejection) => {
            warn!(status = %rejection.status(), error = %rejection.body_text(), "rejected an event body");
            rejection.into_response()
        }
    }
}

/// Verifies, decodes and queues one raw event body, and returns the response
/// Slack gets: the whole acknowledgement path after the body is read.
fn acknowledge(events: &Events, headers: &HeaderMap, body: &[u8]) -> Response {
    let Ok(body) = std::str::from_utf8(body) else {
        warn!(
            bytes = body.len(),
            "rejected an event body that is not UTF-8"
        );
        return StatusCode::BAD_REQUEST.into_response();
    };

    if let Err(reason) = verify(&events.verifier, headers, body) {
        warn!(
            reason,
            bytes = body.len(),
            "rejected an event with an invalid signature"
        );
        return StatusCode::UNAUTHORIZED.into_response();
    }
    log_redelivery(headers);

    match decode(body.as_bytes()) {
        Ok(event) => dispatch(&events.queue, event),
        Err(error) => {
            warn!(%error, "rejected an event that is not a valid Events API payload");
            StatusCode::BAD_REQUEST.into_response()
        }
    }
}

/// Checks `X-Slack-Signature` over the timestamp and the raw body.
fn verify(
    verifier: &SlackEventSignatureVerifier,
    headers: &HeaderMap,
    body: &str,
) -> Result<(), String> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let signature = header(SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER);
    let timestamp = header(SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP);

    let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
        return Err("missing X-Slack-Signature or X-Slack-Request-Timestamp".to_owned());
    };
    verifier
        .verify(signature, body, timestamp)
        .map_err(|error| error.to_string())
}

/// Logs Slack's redeliveries of an event it considers unacknowledged.
fn log_redelivery(headers: &HeaderMap) {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(retry) = header("x-slack-retry-num") {
        let reason = header("x-slack-retry-reason").unwrap_or("-");
        info!(retry, reason, "Slack redelivered an event");
    }
}

fn dispatch(queue: &Queue, event: SlackPushEvent) -> Response {
    match event {
        SlackPushEvent::UrlVerification(verification) => {
            info!("returned the challenge of Slack's URL verification");
            verification.challenge.into_response()
        }
        SlackPushEvent::AppRateLimited(limited) => {
            warn!(team_id = %limited.team_id, "Slack is dropping events: the app exceeded its event rate limit");
            StatusCode::OK.into_response()
        }
        SlackPushEvent::EventCallback(callback) => match queue.accept(&callback) {
            Ok(()) => {
                debug!(event_id = %callback.event_id, "acknowledged an event");
                StatusCode::OK.into_response()
            }
            Err(PushError::Full { .. } | PushError::Closed) => {
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        },
    }
}

/// The acknowledgement path without the HTTP server, for the `ack` benchmark.
/// Not part of the public API.
#[doc(hidden)]
pub mod bench {
    use axum::http::{HeaderMap, StatusCode};
    use slack_morphism::prelude::SlackSigningSecret;
    use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
    use tokio::sync::mpsc;

    use super::Events;
    use crate::events::Incoming;
    use crate::queue::Queue;

    /// The endpoint's state over a queue whose receiving side the caller drains.
    pub struct AckPath(Events);

    impl AckPath {
        /// Builds the path for `signing_secret` over a queue of `capacity`
        /// events; `bot_user_id` is the bot's own user ID.
        pub fn new(
            signing_secret: &str,
            bot_user_id: &str,
            capacity: usize,
        ) -> (Self, mpsc::Receiver<Incoming>) {
            let secret = SlackSigningSecret::new(signing_secret.to_owned());
            let (queue, receiver) = Queue::detached(bot_user_id, capacity);
            let events = super::Events {
                verifier: std::sync::Arc::new(SlackEventSignatureVerifier::new(&secret)),
                queue,
            };
            (Self(events), receiver)
        }

        /// Runs the endpoint's work on one raw body and returns its status.
        pub fn acknowledge(&self, headers: &HeaderMap, body: &[u8]) -> StatusCode {
            super::acknowledge(&self.0, headers, body).status()
        }
    }
}
