//! The fake's Socket Mode endpoint: `apps.connections.open` points clients
//! at `ws://127.0.0.1:PORT/socket`, where the fake sends `hello`, pushes
//! `events_api` envelopes and records the acknowledgements.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{FakeSlack, Shared};

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/socket", get(upgrade))
        .with_state(shared)
}

async fn upgrade(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| serve(shared, socket))
}

/// Sends `hello`, then forwards queued envelopes and records acknowledgements
/// until either side closes.
async fn serve(shared: Arc<Shared>, mut socket: WebSocket) {
    let hello = json!({
        "type": "hello",
        "num_connections": 1,
        "debug_info": { "host": "fake-slack", "approximate_connection_time": 18060 },
        "connection_info": { "app_id": "A1" },
    });
    if socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }

    let (sender, mut outgoing) = mpsc::unbounded_channel::<String>();
    shared.update(|inner| inner.sockets.push(sender));

    loop {
        tokio::select! {
            frame = outgoing.recv() => {
                let Some(frame) = frame else { break };
                if socket.send(Message::Text(frame.into())).await.is_err() {
                    break;
                }
            }
            received = socket.recv() => match received {
                Some(Ok(Message::Text(text))) => record_ack(&shared, text.as_str()),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
}

fn record_ack(shared: &Shared, text: &str) {
    let envelope_id = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|frame| frame.get("envelope_id")?.as_str().map(str::to_owned));
    if let Some(envelope_id) = envelope_id {
        shared.update(|inner| inner.acks.push(envelope_id));
    }
}

impl FakeSlack {
    /// Waits until a Socket Mode client is connected.
    ///
    /// # Panics
    ///
    /// Panics when `timeout` passes first.
    pub async fn wait_for_socket(&self, timeout: Duration) {
        let connected = self
            .wait_until(timeout, |inner| {
                inner
                    .sockets
                    .iter()
                    .any(|socket| !socket.is_closed())
                    .then_some(())
            })
            .await;
        assert!(
            connected.is_some(),
            "no Socket Mode client connected within {} ms",
            timeout.as_millis()
        );
    }

    /// Sends `payload`, an `event_callback` body, as an `events_api` envelope
    /// to one connected client and returns the envelope ID.
    ///
    /// # Panics
    ///
    /// Panics when no client is connected.
    pub fn send_socket_event(&self, payload: Value) -> String {
        self.shared.update(|inner| {
            inner.next_envelope += 1;
            let envelope_id = format!("envelope-{}", inner.next_envelope);
            let envelope = json!({
                "envelope_id": envelope_id,
                "type": "events_api",
                "accepts_response_payload": false,
                "retry_attempt": 0,
                "retry_reason": "",
                "payload": payload,
            });

            inner.sockets.retain(|socket| !socket.is_closed());
            let socket = inner
                .sockets
                .first()
                .expect("no Socket Mode client is connected");
            socket
                .send(envelope.to_string())
                .expect("the Socket Mode client disconnected");
            envelope_id
        })
    }

    /// Waits until the client acknowledged `envelope_id`; returns whether it did.
    pub async fn wait_for_ack(&self, envelope_id: &str, timeout: Duration) -> bool {
        self.wait_until(timeout, |inner| {
            inner
                .acks
                .iter()
                .any(|ack| ack == envelope_id)
                .then_some(())
        })
        .await
        .is_some()
    }
}
