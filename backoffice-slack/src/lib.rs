//! The Slack adapter of `backoffice`.
//!
//! It connects a [`Bot`] to Slack through slack-morphism. Events arrive over
//! the HTTP Events API or Socket Mode, are acknowledged at once and queued,
//! and a pool of workers runs them through [`Bot::handle`]; replies and
//! reactions go out through [`SlackPlatform`].
//!
//! ```no_run
//! # async fn run(bot: backoffice_core::Bot<()>) -> Result<(), Box<dyn std::error::Error>> {
//! if let Some(config) = backoffice_slack::SlackConfig::from_env()? {
//!     let shutdown = async {
//!         let _ = tokio::signal::ctrl_c().await;
//!     };
//!     backoffice_slack::serve(bot, config, shutdown).await?;
//! }
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod catch_up;
mod client;
pub mod config;
mod directory;
mod error;
pub mod events;
mod http;
pub mod platform;
mod queue;
mod socket;
pub mod text;

#[cfg(feature = "testing")]
pub mod testing;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use backoffice_core::{Bot, Platform};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{info, warn};

pub use client::HyperClient;
pub use config::{ConfigError, Mode, Secret, SlackConfig};
pub use error::SlackError;
pub use events::{decode, translate, DecodeError, Incoming};
#[doc(hidden)]
pub use http::bench;
pub use http::MAX_BODY_BYTES;
pub use platform::SlackPlatform;
pub use queue::Unfinished;

use crate::catch_up::CatchUp;
use crate::http::Health;
use crate::queue::Workers;
use crate::socket::SocketMode;

/// Runs `bot` on Slack until `shutdown` completes, then shuts down gracefully.
///
/// # Errors
///
/// Returns an error when start-up fails; see [`start`].
pub async fn serve<S: Send + Sync + 'static>(
    bot: Bot<S>,
    config: SlackConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SlackError> {
    let handle = start(bot, config).await?;
    shutdown.await;
    handle.shutdown().await;
    Ok(())
}

/// Starts the adapter and returns once it accepts events.
///
/// It checks the bot token with `auth.test`, starts the workers, binds the
/// HTTP server (the Events API endpoint in HTTP mode, `/healthz` in both
/// modes) and, in Socket Mode, opens the WebSocket connections. Catch-up
/// over the bot's channels starts in the background.
///
/// # Errors
///
/// Returns [`SlackError::InvalidToken`] for a rejected bot token,
/// [`SlackError::Bind`] when the address is taken, and
/// [`SlackError::SocketMode`] for a rejected app token.
pub async fn start<S: Send + Sync + 'static>(
    bot: Bot<S>,
    config: SlackConfig,
) -> Result<SlackHandle, SlackError> {
    let platform = Arc::new(SlackPlatform::connect(&config).await?);
    let refresher = spawn_channel_names_refresh(&platform, config.channel_names_refresh);
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| SlackError::Bind {
            addr: config.listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(SlackError::Server)?;

    let dyn_platform: Arc<dyn Platform> = platform.clone();
    let catch_up = start_catch_up(&bot, &dyn_platform, &config);
    let (queue, workers) = queue::spawn(
        bot,
        dyn_platform,
        config.workers,
        config.queue_capacity,
        config.recent_messages,
    );
    let health = Health::default();

    let (router, socket) = match &config.mode {
        Mode::Http { signing_secret } => {
            let secret = signing_secret.expose().to_owned().into();
            health.set(true);
            if let Some(catch_up) = &catch_up {
                catch_up.trigger();
            }
            (http::router(Some((&secret, queue)), health.clone()), None)
        }
        Mode::SocketMode { app_token } => {
            // Each `hello`, on the first connection and after every
            // reconnect, triggers a catch-up.
            let trigger = catch_up.as_ref().map(CatchUp::trigger_handle);
            let socket =
                SocketMode::start(&config, app_token, queue, health.clone(), trigger).await?;
            (http::router(None, health.clone()), Some(socket))
        }
    };

    let (stop, stopped) = oneshot::channel::<()>();
    let server = axum::serve(listener, router).with_graceful_shutdown(async {
        let _ = stopped.await;
    });
    let server = tokio::spawn(async move { server.await });

    log_started(&config, local_addr);
    Ok(SlackHandle {
        local_addr,
        platform,
        health,
        workers,
        catch_up,
        socket,
        stop,
        server,
        refresher,
        shutdown_deadline: config.shutdown_deadline,
    })
}

/// Resolves channel names again every `interval` until the handle shuts
/// down; a zero interval starts nothing. Failures are logged by
/// [`SlackPlatform::refresh_channel_names`], and the next tick tries again.
fn spawn_channel_names_refresh(
    platform: &Arc<SlackPlatform>,
    interval: std::time::Duration,
) -> Option<JoinHandle<()>> {
    if interval.is_zero() {
        return None;
    }
    let platform = Arc::clone(platform);
    Some(tokio::spawn(async move {
        let start = tokio::time::Instant::now() + interval;
        let mut ticks = tokio::time::interval_at(start, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let _ = platform.refresh_channel_names().await;
        }
    }))
}

/// Starts the catch-up task, unless the config turns catch-up off.
fn start_catch_up<S: Send + Sync + 'static>(
    bot: &Bot<S>,
    platform: &Arc<dyn Platform>,
    config: &SlackConfig,
) -> Option<CatchUp> {
    if config.catch_up_window.is_zero() {
        info!("catch-up is off: commands posted while the adapter is down do not run");
        return None;
    }
    let window = config.catch_up_window;
    Some(CatchUp::spawn(bot.clone(), Arc::clone(platform), window))
}

fn log_started(config: &SlackConfig, local_addr: SocketAddr) {
    let mode = match config.mode {
        Mode::Http { .. } => "HTTP Events API on POST /slack/events",
        Mode::SocketMode { .. } => "Socket Mode",
    };
    info!(
        mode,
        %local_addr,
        workers = config.workers,
        queue_capacity = config.queue_capacity,
        "started the Slack adapter",
    );
}

/// A running adapter, returned by [`start`].
pub struct SlackHandle {
    local_addr: SocketAddr,
    platform: Arc<SlackPlatform>,
    health: Health,
    workers: Workers,
    catch_up: Option<CatchUp>,
    socket: Option<SocketMode>,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    refresher: Option<JoinHandle<()>>,
    shutdown_deadline: std::time::Duration,
}

impl SlackHandle {
    /// Returns the address the HTTP server is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Returns the platform the workers use.
    pub fn platform(&self) -> &Arc<SlackPlatform> {
        &self.platform
    }

    /// Shuts the adapter down.
    ///
    /// It stops accepting events (new ones get `503`, so Slack redelivers
    /// them), lets a running catch-up and the workers finish the queued
    /// events within the configured shutdown deadline each, and returns and
    /// logs what could not finish. Catch-up at the next start runs the
    /// commands that were acknowledged but did not finish.
    pub async fn shutdown(self) -> Unfinished {
        info!("stopping the Slack adapter");
        self.health.set(false);
        if let Some(refresher) = &self.refresher {
            refresher.abort();
        }

        if let Some(socket) = &self.socket {
            socket.shutdown().await;
        }
        let _ = self.stop.send(());
        match self.server.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => warn!(%error, "the HTTP server stopped with an error"),
            Err(error) => warn!(%error, "the HTTP server task failed"),
        }

        if let Some(catch_up) = self.catch_up {
            catch_up.shutdown(self.shutdown_deadline).await;
        }
        let unfinished = self.workers.shutdown(self.shutdown_deadline).await;
        info!(
            queued = unfinished.queued,
            running = unfinished.running,
            "stopped the Slack adapter",
        );
        unfinished
    }
}
