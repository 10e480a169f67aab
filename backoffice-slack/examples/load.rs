//! A load generator for the Events API endpoint.
//!
//! It starts a fake Slack in this process and the `load_server` example as a
//! child process pinned to CPU 0, while this process pins itself to CPU 1.
//! It sends the server pre-signed events over keep-alive HTTP/1.1 at a fixed
//! concurrency. It reports the throughput, the acknowledgement latency, the
//! server's CPU time per event and its peak resident memory.
//!
//! ```sh
//! cargo build --release -p backoffice-slack --features testing --examples
//! cargo run --release -p backoffice-slack --example load --features testing -- --variant ack
//! cargo run --release -p backoffice-slack --example load --features testing -- --variant reply
//! ```
//!
//! `--variant ack` sends messages that do not address the bot, so the
//! server only acknowledges them. `--variant reply` sends `<@UBOT> ping`,
//! whose handler adds the handled marker with `reactions.add` and replies
//! with `chat.postMessage`; the run then also waits until every reply
//! reached the fake Slack. Traffic goes to 127.0.0.1 only.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use backoffice_slack::testing::{FakeSlack, BOT_TOKEN, BOT_USER_ID};
use hmac::{KeyInit, Mac};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;

const SIGNING_SECRET: &str = "load-signing-secret";
const CHANNEL: &str = "C1";
const USER: &str = "U1";
const HELP: &str = "\
usage: load [--variant ack|reply] [--events N] [--concurrency N] [--duration SECONDS]
            [--workers N] [--queue-capacity N] [--slack-latency MS] [--server PATH]

  --variant         ack: messages that do not address the bot (default);
                    reply: `<@UBOT> ping`, which the bot answers
  --events          events to send (default 50000 for ack, 5000 for reply)
  --concurrency     requests in flight at once (default 32)
  --duration        the longest the run may take, in seconds, replies
                    included (default 60)
  --workers         the server's worker tasks (default: the adapter's, 16)
  --queue-capacity  the server's event queue capacity (default: the
                    adapter's, 256, for ack; the number of events for reply)
  --slack-latency   milliseconds every fake Slack call waits before it
                    answers, as the real Web API's round trip does (default 0)
  --server          the load_server binary (default: the one next to this
                    binary)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Ack,
    Reply,
}

#[derive(Debug)]
struct Options {
    variant: Variant,
    events: usize,
    concurrency: usize,
    duration: Duration,
    workers: Option<usize>,
    queue_capacity: Option<usize>,
    slack_latency: Duration,
    server: Option<PathBuf>,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut variant = Variant::Ack;
        let (mut events, mut concurrency, mut duration) = (None, 32, 60);
        let (mut workers, mut queue_capacity, mut server) = (None, None, None);
        let mut slack_latency = 0;

        while let Some(flag) = args.next() {
            if flag == "--help" || flag == "-h" {
                return Err(HELP.to_owned());
            }
            let value = args
                .next()
                .ok_or_else(|| format!("missing value after {flag}\n\n{HELP}"))?;
            let number = || -> Result<usize, String> {
                match value.parse() {
                    Ok(number) if number > 0 => Ok(number),
                    _ => Err(format!(
                        "invalid {flag} value {value:?}: expected a positive integer"
                    )),
                }
            };
            match flag.as_str() {
                "--variant" => {
                    variant = match value.as_str() {
                        "ack" => Variant::Ack,
                        "reply" => Variant::Reply,
                        _ => {
                            return Err(format!(
                                "invalid --variant value {value:?}: expected ack or reply"
                            ))
                        }
                    }
                }
                "--events" => events = Some(number()?),
                "--concurrency" => concurrency = number()?,
                "--duration" => duration = number()? as u64,
                "--workers" => workers = Some(number()?),
                "--queue-capacity" => queue_capacity = Some(number()?),
                "--slack-latency" => slack_latency = number()? as u64,
                "--server" => server = Some(PathBuf::from(value)),
                _ => return Err(format!("unknown option {flag}\n\n{HELP}")),
            }
        }

        let events = events.unwrap_or(match variant {
            Variant::Ack => 50_000,
            Variant::Reply => 5_000,
        });
        Ok(Self {
            variant,
            events,
            concurrency,
            duration: Duration::from_secs(duration),
            workers,
            queue_capacity: queue_capacity.or((variant == Variant::Reply).then_some(events)),
            slack_latency: Duration::from_millis(slack_latency),
            server,
        })
    }
}

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };

    // Pin before the runtime starts, while this process has one thread.
    let pinned = pin_to_cpu(std::process::id(), 1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime can be built");
    match runtime.block_on(run(options, pinned)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Returns whether `taskset` pinned process `pid` to `cpu`.
fn pin_to_cpu(pid: u32, cpu: usize) -> bool {
    let status = Command::new("taskset")
        .args(["-p", "-c", &cpu.to_string(), &pid.to_string()])
        .stdout(Stdio::null())
        .status();
    match status {
        Ok(status) if status.success() => true,
        Ok(status) => {
            eprintln!("warning: taskset failed ({status}): running unpinned");
            false
        }
        Err(error) => {
            eprintln!("warning: taskset could not run ({error}): running unpinned");
            false
        }
    }
}

async fn run(options: Options, pinned: bool) -> Result<(), String> {
    let fake = FakeSlack::start().await;
    fake.add_user(USER, "alice", json!({}));
    fake.add_channel(CHANNEL, "ops", json!({}));
    fake.set_latency(options.slack_latency);

    let server_path = match &options.server {
        Some(path) => path.clone(),
        None => find_server()?,
    };
    let port = free_port()?;
    let mut server = Server::spawn(&server_path, &options, &fake.api_url(), port, pinned)?;
    let client = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(options.concurrency)
        .build_http::<Body>();
    let url = format!("http://127.0.0.1:{port}");
    wait_until_ready(&client, &url, &mut server).await?;

    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = server.sample()?;
    let requests = presign(options.variant, options.events);

    let generator_idle = cpu_ticks(std::process::id())?;
    let started = Instant::now();
    let deadline = started + options.duration;
    let sent = send_all(&client, &url, requests, options.concurrency, deadline).await;
    let sending = started.elapsed();

    let accepted = sent.count(StatusCode::OK);
    let replied = match options.variant {
        Variant::Ack => None,
        Variant::Reply => Some(wait_for_replies(&fake, accepted, deadline, started).await),
    };
    let loaded = server.sample()?;
    let generator_ticks = cpu_ticks(std::process::id())? - generator_idle;
    let elapsed = started.elapsed();
    let exit = server.stop().await;

    let report = Report {
        options: &options,
        pinned,
        sent: &sent,
        sending,
        replied,
        idle,
        loaded,
        generator_ticks,
        elapsed,
        fake: &fake,
    };
    report.print();
    exit
}

/// Returns the path of the `load_server` example next to this binary.
///
/// NOTE: `cargo run --example load` builds only this example, so build both
/// first with `cargo build --release -p backoffice-slack --features testing
/// --examples`, or an older `load_server` runs.
fn find_server() -> Result<PathBuf, String> {
    let this = std::env::current_exe()
        .map_err(|error| format!("failed to find this binary's path: {error}"))?;
    let server = this.with_file_name("load_server");
    if !server.exists() {
        return Err(format!(
            "{} not found: build it with `cargo build --release -p backoffice-slack \
             --features testing --examples`, or pass its path with --server",
            server.display()
        ));
    }
    Ok(server)
}

/// Returns a port of 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|error| format!("failed to bind 127.0.0.1:0: {error}"))?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|error| format!("failed to read the bound port: {error}"))
}

/// The server child process.
struct Server {
    child: Child,
}

/// The server's CPU time and memory at one moment.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// User plus system CPU time, in clock ticks.
    cpu_ticks: u64,
    /// Peak resident set size (`VmHWM`), in KiB.
    peak_rss_kib: u64,
}

impl Server {
    fn spawn(
        path: &Path,
        options: &Options,
        api_url: &str,
        port: u16,
        pinned: bool,
    ) -> Result<Self, String> {
        let mut command = if pinned {
            let mut command = Command::new("taskset");
            command.args(["-c", "0"]).arg(path);
            command
        } else {
            Command::new(path)
        };
        if let Some(workers) = options.workers {
            command.args(["--workers", &workers.to_string()]);
        }
        if let Some(capacity) = options.queue_capacity {
            command.args(["--queue-capacity", &capacity.to_string()]);
        }
        command
            .env("SLACK_BOT_TOKEN", BOT_TOKEN)
            .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
            .env("SLACK_API_URL", api_url)
            .env("BACKOFFICE_LISTEN", format!("127.0.0.1:{port}"))
            .env_remove("SLACK_APP_TOKEN");

        let child = command
            .spawn()
            .map_err(|error| format!("failed to start {}: {error}", path.display()))?;
        Ok(Self { child })
    }

    fn sample(&self) -> Result<Sample, String> {
        let pid = self.child.id();
        let cpu_ticks = cpu_ticks(pid)?;

        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .map_err(|error| format!("failed to read /proc/{pid}/status: {error}"))?;
        let peak_rss_kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("no VmHWM in /proc/{pid}/status"))?;

        Ok(Sample {
            cpu_ticks,
            peak_rss_kib,
        })
    }

    /// Sends `SIGTERM` and waits up to 15 seconds for the server to exit.
    async fn stop(mut self) -> Result<(), String> {
        let pid = self.child.id().to_string();
        let signalled = Command::new("kill").args(["-TERM", &pid]).status();
        if !matches!(signalled, Ok(status) if status.success()) {
            let _ = self.child.kill();
            return Err(format!("failed to send SIGTERM to the server (PID {pid})"));
        }

        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("the server exited with {status}")),
                Ok(None) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok(None) => {
                    let _ = self.child.kill();
                    return Err(format!(
                        "the server (PID {pid}) did not stop within 15 s of SIGTERM: killed it"
                    ));
                }
                Err(error) => return Err(format!("failed to wait for the server: {error}")),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Stops the child when the run fails early; after `stop` it has exited.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Returns the user plus system CPU time of process `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|error| format!("failed to read /proc/{pid}/stat: {error}"))?;
    // The fields after the command name, which is in parentheses and may
    // contain spaces: state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |index: usize| {
        fields
            .get(index)
            .and_then(|value| value.parse::<u64>().ok())
    };
    match (field(11), field(12)) {
        (Some(utime), Some(stime)) => Ok(utime + stime),
        _ => Err(format!("unexpected /proc/{pid}/stat format: {stat}")),
    }
}

/// Returns the kernel's clock ticks per second (`getconf CLK_TCK`), or the
/// usual 100 when `getconf` fails.
fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100)
}

type HttpClient = Client<HttpConnector, Body>;

async fn wait_until_ready(
    client: &HttpClient,
    url: &str,
    server: &mut Server,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            return Err(format!("the server exited during start-up with {status}"));
        }
        let request = Request::get(format!("{url}/healthz"))
            .body(Body::empty())
            .expect("the health check request is valid");
        if let Ok(response) = client.request(request).await {
            if response.status() == StatusCode::OK {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return Err("the server did not become ready within 30 s".to_owned());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One signed event request.
struct Signed {
    body: Bytes,
    signature: String,
    timestamp: String,
}

/// Builds and signs `count` distinct events now: unique event IDs and
/// message timestamps, in channel `C1` from user `U1`.
fn presign(variant: Variant, count: usize) -> Vec<Signed> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs();
    let text = match variant {
        Variant::Ack => "the deploy of web-3 finished".to_owned(),
        Variant::Reply => format!("<@{BOT_USER_ID}> ping"),
    };
    let timestamp = now.to_string();

    (0..count)
        .map(|index| {
            // `now` in the ts keeps runs in different seconds from reusing a ts.
            let ts = format!(
                "{}.{:06}",
                now + (index / 1_000_000) as u64,
                index % 1_000_000
            );
            let body = json!({
                "token": "unused",
                "team_id": "T1",
                "api_app_id": "A1",
                "event": {
                    "type": "message",
                    "channel": CHANNEL,
                    "channel_type": "channel",
                    "user": USER,
                    "text": text,
                    "ts": ts,
                    "event_ts": ts,
                },
                "type": "event_callback",
                "event_id": format!("EvLoad{now}x{index}"),
                "event_time": now,
            })
            .to_string();
            Signed {
                signature: sign(&timestamp, &body),
                timestamp: timestamp.clone(),
                body: Bytes::from(body),
            }
        })
        .collect()
}

fn sign(timestamp: &str, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SIGNING_SECRET.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// What the senders recorded.
#[derive(Default)]
struct Sent {
    /// Acknowledgement latencies of the responses, in microseconds.
    latencies: Vec<u64>,
    /// The status of each response.
    statuses: Vec<StatusCode>,
    /// Requests that failed without a response.
    errors: usize,
    /// Events left unsent when the deadline passed.
    unsent: usize,
}

impl Sent {
    fn count(&self, status: StatusCode) -> usize {
        self.statuses
            .iter()
            .filter(|&&found| found == status)
            .count()
    }
}

/// Sends every request with `concurrency` senders until all are sent or
/// `deadline` passes.
async fn send_all(
    client: &HttpClient,
    url: &str,
    requests: Vec<Signed>,
    concurrency: usize,
    deadline: Instant,
) -> Sent {
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let endpoint = format!("{url}/slack/events");

    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, requests, next) = (client.clone(), Arc::clone(&requests), Arc::clone(&next));
        let endpoint = endpoint.clone();
        senders.spawn(async move {
            let mut sent = Sent::default();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(signed) = requests.get(index) else {
                    break;
                };
                if Instant::now() > deadline {
                    sent.unsent += 1;
                    continue;
                }
                let request = Request::post(endpoint.as_str())
                    .header("content-type", "application/json")
                    .header("x-slack-signature", signed.signature.as_str())
                    .header("x-slack-request-timestamp", signed.timestamp.as_str())
                    .body(Body::from(signed.body.clone()))
                    .expect("the event request is valid");

                let started = Instant::now();
                let response = match client.request(request).await {
                    Ok(response) => response,
                    Err(_) => {
                        sent.errors += 1;
                        continue;
                    }
                };
                let status = response.status();
                let body = axum::body::to_bytes(Body::new(response.into_body()), 64 * 1024).await;
                if body.is_err() {
                    sent.errors += 1;
                    continue;
                }
                sent.latencies.push(started.elapsed().as_micros() as u64);
                sent.statuses.push(status);
            }
            sent
        });
    }

    let mut all = Sent::default();
    while let Some(joined) = senders.join_next().await {
        let sent = joined.expect("a sender task does not panic");
        all.latencies.extend(sent.latencies);
        all.statuses.extend(sent.statuses);
        all.errors += sent.errors;
        all.unsent += sent.unsent;
    }
    all.latencies.sort_unstable();
    all
}

/// Waits until `count` replies were posted and returns the time from
/// `started`, or `None` when `deadline` passes first.
async fn wait_for_replies(
    fake: &FakeSlack,
    count: usize,
    deadline: Instant,
    started: Instant,
) -> Option<Duration> {
    loop {
        if fake.post_count() >= count {
            return Some(started.elapsed());
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

struct Report<'a> {
    options: &'a Options,
    pinned: bool,
    sent: &'a Sent,
    sending: Duration,
    replied: Option<Option<Duration>>,
    idle: Sample,
    loaded: Sample,
    /// This process's CPU time during the run, in clock ticks.
    generator_ticks: u64,
    /// The run's wall time, replies included.
    elapsed: Duration,
    fake: &'a FakeSlack,
}

impl Report<'_> {
    fn print(&self) {
        let sent = self.sent;
        let answered = sent.statuses.len();
        let percentile = |fraction: f64| -> f64 {
            let Some(last) = sent.latencies.len().checked_sub(1) else {
                return f64::NAN;
            };
            let index = ((last as f64) * fraction).round() as usize;
            sent.latencies[index] as f64 / 1000.0
        };

        println!("variant:            {:?}", self.options.variant);
        println!(
            "pinning:            {}",
            if self.pinned {
                "server on CPU 0, generator and fake Slack on CPU 1 (taskset)"
            } else {
                "none (taskset unavailable)"
            }
        );
        println!(
            "events:             {} sent at concurrency {}, {} unsent at the {} s cap",
            self.options.events - sent.unsent,
            self.options.concurrency,
            sent.unsent,
            self.options.duration.as_secs()
        );
        println!(
            "responses:          {answered} ({} 200, {} other), {} failed requests",
            sent.count(StatusCode::OK),
            answered - sent.count(StatusCode::OK),
            sent.errors
        );
        println!(
            "throughput:         {:.0} events/s over {:.3} s",
            answered as f64 / self.sending.as_secs_f64(),
            self.sending.as_secs_f64()
        );
        println!(
            "ack latency:        p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            percentile(0.50),
            percentile(0.99),
            percentile(1.0)
        );
        if let Some(replied) = self.replied {
            let posts = self.fake.post_count();
            let reactions = self.fake.calls_to("reactions.add").len();
            match replied {
                Some(time) => println!(
                    "replies:            all {posts} posted {:.3} s after the first event ({:.0} replies/s)",
                    time.as_secs_f64(),
                    posts as f64 / time.as_secs_f64()
                ),
                None => println!("replies:            only {posts} posted before the cap"),
            }
            println!(
                "fake Slack calls:   {} in all, {reactions} reactions.add, {} ms latency each",
                self.fake.calls().len(),
                self.options.slack_latency.as_millis()
            );
        }

        let ticks = self.loaded.cpu_ticks - self.idle.cpu_ticks;
        let cpu = self.ticks_to_seconds(ticks);
        println!(
            "server CPU:         {:.3} s, {:.1} µs per event",
            cpu,
            cpu * 1e6 / answered.max(1) as f64
        );
        println!(
            "generator CPU:      {:.3} s over {:.3} s of wall time (one CPU at most)",
            self.ticks_to_seconds(self.generator_ticks),
            self.elapsed.as_secs_f64()
        );
        println!(
            "server peak RSS:    {:.1} MiB idle, {:.1} MiB after load",
            self.idle.peak_rss_kib as f64 / 1024.0,
            self.loaded.peak_rss_kib as f64 / 1024.0
        );
    }

    fn ticks_to_seconds(&self, ticks: u64) -> f64 {
        ticks as f64 / clock_ticks_per_second() as f64
    }
}
