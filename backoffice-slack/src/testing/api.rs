//! The fake's Web API: `/api/{method}` over GET (query parameters) or POST
//! (a JSON body), with realistic responses for the methods the adapter calls.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{json, Value};

use backoffice_core::platform::ts_to_time;

use super::{
    Call, Fault, HistoryMessage, Inner, Post, RandomFaults, Shared, APP_TOKEN, BOT_TOKEN,
    BOT_USER_ID, TEAM_ID,
};

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/{method}", any(call))
        .with_state(shared)
}

async fn call(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params: serde_json::Map<String, Value> = query
        .into_iter()
        .map(|(key, value)| (key, Value::String(value)))
        .collect();
    if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) {
        params.extend(fields);
    }
    let params = Value::Object(params);
    let token = bearer_token(&headers);

    let (fault, latency) = shared.update(|inner| {
        let queued = inner
            .faults
            .get_mut(&method)
            .and_then(|faults| faults.pop_front());
        let fault = match queued {
            Some(queued) => queued,
            None => inner.random.as_mut().and_then(RandomFaults::draw),
        };
        inner.calls.push(Call {
            method: method.clone(),
            params: params.clone(),
            fault: fault.clone(),
        });
        (fault, inner.latency)
    });
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    match fault {
        Some(Fault::RateLimited { retry_after_secs }) => rate_limited(retry_after_secs),
        Some(Fault::ServerError(status)) => server_error(status),
        Some(Fault::ApiError(code)) => slack_error(&code),
        Some(Fault::Disconnect) => disconnect(),
        Some(Fault::Slow(delay)) => {
            let answer = shared
                .update(|inner| answer(inner, &method, &params, token.as_deref(), shared.addr));
            tokio::time::sleep(delay).await;
            answer
        }
        None => {
            shared.update(|inner| answer(inner, &method, &params, token.as_deref(), shared.addr))
        }
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::to_owned)
}

fn rate_limited(retry_after_secs: u64) -> Response {
    let body = Json(json!({ "ok": false, "error": "ratelimited" }));
    let retry_after = [(header::RETRY_AFTER, retry_after_secs.to_string())];
    (StatusCode::TOO_MANY_REQUESTS, retry_after, body).into_response()
}

fn server_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, "fake server error").into_response()
}

/// Sends `200 OK` with its headers, then fails the body, so that the server
/// closes the connection before the client has a response.
fn disconnect() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the fake dropped the connection",
        ))
    });
    Response::new(axum::body::Body::from_stream(failing))
}

fn slack_error(code: &str) -> Response {
    Json(json!({ "ok": false, "error": code })).into_response()
}

fn ok(mut fields: Value) -> Response {
    if let Some(object) = fields.as_object_mut() {
        object.insert("ok".to_owned(), Value::Bool(true));
    }
    Json(fields).into_response()
}

/// Applies one call's effect to the state and builds its response.
fn answer(
    inner: &mut Inner,
    method: &str,
    params: &Value,
    token: Option<&str>,
    addr: std::net::SocketAddr,
) -> Response {
    let expected_token = if method == "apps.connections.open" {
        APP_TOKEN
    } else {
        BOT_TOKEN
    };
    match token {
        None => return slack_error("not_authed"),
        Some(token) if token != expected_token => return slack_error("invalid_auth"),
        Some(_) => {}
    }

    let text = |name: &str| {
        params
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match method {
        "auth.test" => ok(json!({
            "url": "https://fake.slack.com/",
            "team": "Fake Workspace",
            "user": "backoffice",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "BBOT",
            "enterprise_id": inner.enterprise,
        })),
        "chat.postMessage" => post_message(inner, params),
        "reactions.add" => {
            let (channel, ts, emoji) = (text("channel"), text("timestamp"), text("name"));
            let key = (channel.clone(), ts.clone());
            let present = inner.reactions.get(&key).is_some_and(|reactions| {
                reactions.iter().any(|(name, users)| {
                    *name == emoji && users.iter().any(|user| user == BOT_USER_ID)
                })
            });
            if present {
                return slack_error("already_reacted");
            }
            add_reaction(inner, &channel, &ts, &emoji, BOT_USER_ID);
            ok(json!({}))
        }
        "reactions.get" => reactions_get(inner, &text("channel"), &text("timestamp")),
        "conversations.history" => history(inner, params),
        "conversations.replies" => replies(inner, params),
        "users.info" => match inner.users.get(&text("user")) {
            Some(user) => ok(json!({ "user": user })),
            None => slack_error("user_not_found"),
        },
        "conversations.info" => match inner.channels.get(&text("channel")) {
            Some(channel) => ok(json!({ "channel": channel })),
            None => slack_error("channel_not_found"),
        },
        "conversations.list" => conversations_list(inner, &text("cursor"), &text("limit")),
        "usergroups.users.list" => match inner.groups.get(&text("usergroup")) {
            Some(users) => ok(json!({ "users": users })),
            None => slack_error("no_such_subteam"),
        },
        "apps.connections.open" => ok(json!({ "url": format!("ws://{addr}/socket") })),
        _ => slack_error("unknown_method"),
    }
}

fn post_message(inner: &mut Inner, params: &Value) -> Response {
    let field = |name: &str| params.get(name).and_then(Value::as_str).map(str::to_owned);
    let Some(channel) = field("channel") else {
        return slack_error("channel_not_found");
    };
    let Some(text) = field("text") else {
        return slack_error("no_text");
    };

    inner.next_ts += 1;
    let ts = format!("1800000000.{:06}", inner.next_ts);
    let thread_ts = field("thread_ts");
    inner.posts.push(Post {
        channel: channel.clone(),
        thread_ts: thread_ts.clone(),
        text: text.clone(),
        ts: ts.clone(),
    });

    ok(json!({
        "channel": channel,
        "ts": ts,
        "message": {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": "BBOT",
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
        },
    }))
}

/// Lists channels other than direct messages, ordered by ID, `limit` per
/// page; the cursor is the index of the page's first channel.
fn conversations_list(inner: &Inner, cursor: &str, limit: &str) -> Response {
    let start: usize = if cursor.is_empty() {
        0
    } else {
        match cursor.parse() {
            Ok(start) => start,
            Err(_) => return slack_error("invalid_cursor"),
        }
    };
    let limit: usize = limit.parse().unwrap_or(100).max(1);

    let mut channels: Vec<&Value> = inner
        .channels
        .values()
        .filter(|channel| channel["is_im"] != true && channel["is_mpim"] != true)
        .collect();
    channels.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));

    let page: Vec<&Value> = channels.iter().skip(start).take(limit).copied().collect();
    let next = start + page.len();
    let next_cursor = if next < channels.len() {
        next.to_string()
    } else {
        String::new()
    };
    ok(json!({
        "channels": page,
        "response_metadata": { "next_cursor": next_cursor },
    }))
}

fn reactions_get(inner: &Inner, channel: &str, ts: &str) -> Response {
    let reactions = reaction_values(inner, channel, ts);

    let mut message = json!({
        "type": "message",
        "ts": ts,
        "text": "",
        "reactions": reactions,
    });
    let key = (channel.to_owned(), ts.to_owned());
    if let Some(stored) = inner.messages.get(&key) {
        message["user"] = Value::String(stored.user.clone());
        message["text"] = Value::String(stored.text.clone());
        if let Some(edited_ts) = &stored.edited_ts {
            message["edited"] = json!({ "user": stored.user, "ts": edited_ts });
        }
        if let Some(thread_ts) = &stored.thread_ts {
            message["thread_ts"] = Value::String(thread_ts.clone());
        }
    }
    ok(json!({
        "type": "message",
        "channel": channel,
        "message": message,
    }))
}

/// Builds the `conversations.history` response from the seeded top-level
/// messages at or after `oldest`, newest first, `limit` per page with the offset as the
/// cursor. As in Slack, thread replies are left out unless they were also
/// sent to the channel, and a thread's parent carries `reply_count` and
/// `latest_reply`.
fn history(inner: &Inner, params: &Value) -> Response {
    let field = |name: &str| params.get(name).and_then(Value::as_str).unwrap_or_default();
    let channel = field("channel");
    let Some(seeded) = inner.history.get(channel) else {
        if inner.channels.contains_key(channel) {
            return ok(json!({ "messages": [], "has_more": false }));
        }
        return slack_error("channel_not_found");
    };
    let oldest = ts_to_time(field("oldest")).unwrap_or(std::time::UNIX_EPOCH);

    let mut found: Vec<&HistoryMessage> = seeded
        .iter()
        .filter(|message| {
            let top_level = message.thread_ts.is_none() || message.broadcast;
            top_level && posted_since(message, oldest)
        })
        .collect();
    found.sort_by_key(|message| std::cmp::Reverse(ts_to_time(&message.ts)));

    messages_page(inner, channel, &found, params)
}

/// Builds the `conversations.replies` response: the parent `ts` first, then
/// its replies at or after `oldest`, oldest first, `limit` per page with the offset as
/// the cursor.
///
/// The parent comes first on the first page even when it is older than
/// `oldest`, so a client must tell it from the replies by its `ts`. A `ts`
/// that is not a top-level message of the channel gets `thread_not_found`.
fn replies(inner: &Inner, params: &Value) -> Response {
    let field = |name: &str| params.get(name).and_then(Value::as_str).unwrap_or_default();
    let (channel, thread_ts) = (field("channel"), field("ts"));
    if !inner.history.contains_key(channel) && !inner.channels.contains_key(channel) {
        return slack_error("channel_not_found");
    }
    let parent = inner.history.get(channel).and_then(|messages| {
        messages
            .iter()
            .find(|message| message.ts == thread_ts && message.thread_ts.is_none())
    });
    let Some(parent) = parent else {
        return slack_error("thread_not_found");
    };
    let oldest = ts_to_time(field("oldest")).unwrap_or(std::time::UNIX_EPOCH);

    let mut thread = vec![parent];
    let replies = thread_replies(inner, channel, thread_ts);
    thread.extend(
        replies
            .into_iter()
            .filter(|reply| posted_since(reply, oldest)),
    );

    messages_page(inner, channel, &thread, params)
}

/// Builds the response of a paginated read of `channel`'s messages: the
/// page of `found` that the parameters select, and the next cursor.
fn messages_page(
    inner: &Inner,
    channel: &str,
    found: &[&HistoryMessage],
    params: &Value,
) -> Response {
    let (page, cursor) = page_of(found, params);
    let messages: Vec<Value> = page
        .iter()
        .map(|message| message_value(inner, channel, message))
        .collect();
    ok(json!({
        "messages": messages,
        "has_more": !cursor.is_empty(),
        "response_metadata": { "next_cursor": cursor },
    }))
}

/// Returns the page of `found` that the `cursor` and `limit` parameters
/// select, and the cursor of the next page, empty after the last.
fn page_of<'a>(found: &[&'a HistoryMessage], params: &Value) -> (Vec<&'a HistoryMessage>, String) {
    let field = |name: &str| params.get(name).and_then(Value::as_str).unwrap_or_default();
    let limit: usize = field("limit").parse().unwrap_or(100).max(1);
    let offset: usize = field("cursor").parse().unwrap_or(0);

    let page: Vec<&HistoryMessage> = found.iter().skip(offset).take(limit).copied().collect();
    let next = offset + page.len();
    let cursor = if next < found.len() {
        next.to_string()
    } else {
        String::new()
    };
    (page, cursor)
}

/// Returns the replies in the thread of `thread_ts`, oldest first.
fn thread_replies<'a>(inner: &'a Inner, channel: &str, thread_ts: &str) -> Vec<&'a HistoryMessage> {
    let mut replies: Vec<&HistoryMessage> = inner
        .history
        .get(channel)
        .into_iter()
        .flatten()
        .filter(|message| message.thread_ts.as_deref() == Some(thread_ts))
        .collect();
    replies.sort_by_key(|reply| ts_to_time(&reply.ts));
    replies
}

fn posted_since(message: &HistoryMessage, oldest: std::time::SystemTime) -> bool {
    ts_to_time(&message.ts).is_some_and(|posted| posted >= oldest)
}

/// Builds a message as Slack returns it in a history or a thread: with its
/// reactions, the `thread_ts` of its thread, and for a thread's parent
/// `reply_count` and `latest_reply`.
fn message_value(inner: &Inner, channel: &str, message: &HistoryMessage) -> Value {
    let mut value = json!({
        "type": "message",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "reactions": reaction_values(inner, channel, &message.ts),
    });
    if let Some(thread_ts) = &message.thread_ts {
        value["thread_ts"] = json!(thread_ts);
        if message.broadcast {
            value["subtype"] = json!("thread_broadcast");
        }
        return value;
    }

    let replies = thread_replies(inner, channel, &message.ts);
    if let Some(latest) = replies.last() {
        value["thread_ts"] = json!(message.ts);
        value["reply_count"] = json!(replies.len());
        value["latest_reply"] = json!(latest.ts);
    }
    value
}

fn reaction_values(inner: &Inner, channel: &str, ts: &str) -> Vec<Value> {
    let key = (channel.to_owned(), ts.to_owned());
    inner
        .reactions
        .get(&key)
        .into_iter()
        .flatten()
        .map(|(name, users)| json!({ "name": name, "count": users.len(), "users": users }))
        .collect()
}

/// Adds `user`'s `emoji` reaction; a repeated reaction by the same user is kept once.
pub(super) fn add_reaction(inner: &mut Inner, channel: &str, ts: &str, emoji: &str, user: &str) {
    let key = (channel.to_owned(), ts.to_owned());
    let reactions = inner.reactions.entry(key).or_default();

    match reactions.iter_mut().find(|(name, _)| name == emoji) {
        Some((_, users)) if users.iter().any(|existing| existing == user) => {}
        Some((_, users)) => users.push(user.to_owned()),
        None => reactions.push((emoji.to_owned(), vec![user.to_owned()])),
    }
}
