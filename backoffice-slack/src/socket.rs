//! Socket Mode: events over a WebSocket that the adapter opens to Slack.
//!
//! slack-morphism's [`SlackClientSocketModeListener`] keeps the connections
//! open and reconnects them. Its callbacks are plain `fn` pointers, so the
//! queue reaches them through the listener's user state. An event is
//! acknowledged once it is queued; when the queue is full the callback fails,
//! no acknowledgement is sent, and Slack redelivers the event.

use std::sync::Arc;

use slack_morphism::listener::{SlackClientEventsListenerEnvironment, SlackClientEventsUserState};
use slack_morphism::prelude::*;
use tokio::sync::Notify;
use tracing::{info, warn};

use crate::client::{api_error_code, build_client, describe, Effect, HyperClient, Retrier};
use crate::config::{Secret, SlackConfig};
use crate::error::SlackError;
use crate::http::Health;
use crate::queue::{PushError, Queue};

/// The queue, health flag and catch-up trigger of the listener's callbacks,
/// stored as its user state.
struct SocketState {
    queue: Queue,
    health: Health,
    catch_up: Option<Arc<Notify>>,
}

/// A running Socket Mode listener.
pub struct SocketMode {
    listener: SlackClientSocketModeListener<SlackClientHyperHttpsConnector>,
}

impl SocketMode {
    /// Checks the app token and starts the listener's connections.
    ///
    /// # Errors
    ///
    /// Returns [`SlackError::SocketMode`] when Slack rejects the app token or
    /// `apps.connections.open` fails.
    pub async fn start(
        config: &SlackConfig,
        app_token: &Secret,
        queue: Queue,
        health: Health,
        catch_up: Option<Arc<Notify>>,
    ) -> Result<Self, SlackError> {
        let client = build_client(config)?;
        let token = SlackApiToken::new(app_token.expose().to_owned().into());
        check_app_token(&client, &token, &Retrier::new(config)).await?;

        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_hello_events(on_hello)
            .with_push_events(on_push_event);
        let environment = SlackClientEventsListenerEnvironment::new(client)
            .with_error_handler(on_error)
            .with_user_state(SocketState {
                queue,
                health,
                catch_up,
            });
        let listener = SlackClientSocketModeListener::new(
            &SlackClientSocketModeConfig::new(),
            Arc::new(environment),
            callbacks,
        );

        listener
            .listen_for(&token)
            .await
            .map_err(|error| SlackError::SocketMode {
                message: error.to_string(),
            })?;
        listener.start().await;
        info!("started the Socket Mode listener");
        Ok(Self { listener })
    }

    /// Closes the WebSocket connections.
    pub async fn shutdown(&self) {
        self.listener.shutdown().await;
        info!("stopped the Socket Mode listener");
    }
}

/// Calls `apps.connections.open` once so that a bad app token stops
/// start-up instead of failing in the listener's reconnect loop.
async fn check_app_token(
    client: &HyperClient,
    token: &SlackApiToken,
    retrier: &Retrier,
) -> Result<(), SlackError> {
    let session = client.open_session(token);
    let request = SlackApiAppsConnectionOpenRequest::new();
    let result = retrier
        .run("apps.connections.open", Effect::Read, "app", || {
            session.apps_connections_open(&request)
        })
        .await;

    result.map(|_| ()).map_err(|error| {
        let message = match api_error_code(&error) {
            Some(code) => format!("Slack rejected the app token ({code})"),
            None => format!("apps.connections.open failed: {}", describe(&error)),
        };
        SlackError::SocketMode { message }
    })
}

/// Marks the adapter ready and triggers a catch-up when Slack sends `hello`
/// on a new connection: events sent while the connection was down may be
/// lost, and catch-up finds their commands in the channel history.
///
/// Generic over the event because slack-morphism 2.31 does not export the
/// hello event's type; it is inferred from the callback slot.
async fn on_hello<HelloEvent: Send + 'static>(
    _event: HelloEvent,
    _client: Arc<HyperClient>,
    state: SlackClientEventsUserState,
) {
    let state = state.read().await;
    if let Some(socket) = state.get_user_state::<SocketState>() {
        socket.health.set(true);
        if let Some(catch_up) = &socket.catch_up {
            catch_up.notify_one();
        }
    }
    info!("connected to Slack in Socket Mode");
}

async fn on_push_event(
    event: SlackPushEventCallback,
    _client: Arc<HyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let state = state.read().await;
    let Some(socket) = state.get_user_state::<SocketState>() else {
        warn!(event_id = %event.event_id, "the Socket Mode listener has no queue: dropping an event");
        return Ok(());
    };
    socket.queue.accept(&event)?;
    Ok(())
}

/// Decides whether a failed event is acknowledged: a rejected push is not,
/// so Slack redelivers it; any other error is logged and acknowledged.
fn on_error(
    error: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<HyperClient>,
    _state: SlackClientEventsUserState,
) -> HttpStatusCode {
    if error.downcast_ref::<PushError>().is_some() {
        return HttpStatusCode::SERVICE_UNAVAILABLE;
    }
    warn!(%error, "Socket Mode listener error");
    HttpStatusCode::OK
}
