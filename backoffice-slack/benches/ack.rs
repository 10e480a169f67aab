//! The acknowledgement path of `POST /slack/events` as a function: signature
//! verification, event decoding and the enqueue, for one event of 1 KB and
//! one of 40 KB. The queue's receiving side is drained after each event.
//!
//! Run with `cargo bench -p backoffice-slack --bench ack`.

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use backoffice_slack::bench::AckPath;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{KeyInit, Mac};
use serde_json::json;

const SIGNING_SECRET: &str = "bench-signing-secret";

/// Builds an `event_callback` with a person's message to the bot, padded
/// with text to about `size` bytes. The message addresses the bot, so it
/// takes the whole path, the enqueue included.
fn event_body(size: usize) -> String {
    let envelope = |text: &str| {
        json!({
            "token": "unused",
            "team_id": "T1",
            "api_app_id": "A1",
            "event": {
                "type": "message",
                "channel": "C1",
                "channel_type": "channel",
                "user": "U1",
                "text": text,
                "ts": "1700000000.000100",
                "event_ts": "1700000000.000100",
            },
            "type": "event_callback",
            "event_id": "Ev0001",
            "event_time": 1_700_000_000,
        })
        .to_string()
    };
    let padding = size.saturating_sub(envelope("").len());
    let text = format!(
        "<@UBOT> {}",
        "deploy the service to production ".repeat(padding / 33 + 1)
    );
    envelope(&text[..padding])
}

/// Signs `body` now, as Slack does, and returns the request headers.
fn signed_headers(body: &str) -> HeaderMap {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SIGNING_SECRET.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    let signature = format!("v0={}", hex::encode(mac.finalize().into_bytes()));

    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert(
        "x-slack-signature",
        HeaderValue::from_str(&signature).expect("a hex signature is a valid header"),
    );
    headers.insert("x-slack-request-timestamp", HeaderValue::from(timestamp));
    headers
}

fn acknowledge(c: &mut Criterion) {
    let mut group = c.benchmark_group("acknowledge");
    for (name, size) in [("1KB", 1024), ("40KB", 40 * 1024)] {
        let body = event_body(size);
        // The verifier rejects signatures older than 5 minutes, so each size
        // is signed just before it runs.
        let headers = signed_headers(&body);
        let (path, mut receiver) = AckPath::new(SIGNING_SECRET, "UBOT", 16);
        assert_eq!(path.acknowledge(&headers, body.as_bytes()), StatusCode::OK);
        assert!(receiver.try_recv().is_ok(), "the event was not queued");

        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &body, |b, body| {
            b.iter(|| {
                let status = path.acknowledge(&headers, black_box(body.as_bytes()));
                while receiver.try_recv().is_ok() {}
                status
            });
        });
    }
    group.finish();
}

criterion_group!(benches, acknowledge);
criterion_main!(benches);
