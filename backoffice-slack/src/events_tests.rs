use serde_json::{json, Value};

use super::*;

const BOT: &str = "UBOT";

/// Wraps an inner event the way Slack's `event_callback` envelope does.
fn callback(event: Value) -> SlackPushEventCallback {
    let envelope = json!({
        "team_id": "T1",
        "api_app_id": "A1",
        "event": event,
        "event_id": "Ev1",
        "event_time": 1_700_000_000,
        "type": "event_callback",
    });
    serde_json::from_value(envelope).expect("the test envelope is a valid event_callback")
}

fn message_event(fields: Value) -> Value {
    let mut event = json!({
        "type": "message",
        "channel": "C1",
        "channel_type": "channel",
        "user": "U1",
        "text": "<@UBOT> ping",
        "ts": "1700000000.000100",
    });
    let object = event.as_object_mut().unwrap();
    for (key, value) in fields.as_object().unwrap() {
        if value.is_null() {
            object.remove(key);
        } else {
            object.insert(key.clone(), value.clone());
        }
    }
    event
}

fn translate_message_event(fields: Value) -> Option<Incoming> {
    translate(&callback(message_event(fields)), BOT)
}

fn expect_message(incoming: Option<Incoming>) -> Message {
    match incoming {
        Some(Incoming::Message(message)) => message,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn message_becomes_core_message() {
    let message = expect_message(translate_message_event(json!({})));

    assert_eq!(message.team, "T1");
    assert_eq!(message.channel, "C1");
    assert_eq!(message.channel_kind, ChannelKind::Public);
    assert_eq!(message.user, "U1");
    assert_eq!(message.text, "<@UBOT> ping");
    assert_eq!(message.ts, "1700000000.000100");
    assert_eq!(message.thread_ts, None);
    assert_eq!(message.subtype, None);
    assert!(!message.edited);
}

#[test]
fn message_channel_type_sets_kind() {
    for (channel_type, channel, kind) in [
        ("channel", "C1", ChannelKind::Public),
        ("group", "G1", ChannelKind::Private),
        ("group", "C2", ChannelKind::Private),
        ("im", "D1", ChannelKind::Direct),
        ("mpim", "G2", ChannelKind::Group),
    ] {
        let fields = json!({ "channel_type": channel_type, "channel": channel });
        let message = expect_message(translate_message_event(fields));
        assert_eq!(message.channel_kind, kind, "channel_type {channel_type}");
    }
}

#[test]
fn message_in_thread_keeps_thread_ts() {
    let fields = json!({ "thread_ts": "1699999999.000001" });
    let message = expect_message(translate_message_event(fields));
    assert_eq!(message.thread_ts.as_deref(), Some("1699999999.000001"));
}

#[test]
fn thread_broadcast_is_a_persons_message() {
    let fields = json!({ "subtype": "thread_broadcast", "thread_ts": "1699999999.000001" });
    let message = expect_message(translate_message_event(fields));
    assert_eq!(message.subtype, None);
    assert_eq!(message.thread_ts.as_deref(), Some("1699999999.000001"));
}

#[test]
fn message_changed_is_ignored() {
    let fields = json!({
        "subtype": "message_changed",
        "user": null,
        "text": null,
        "message": {
            "type": "message",
            "user": "U1",
            "text": "<@UBOT> ping edited",
            "ts": "1700000000.000100",
            "edited": { "user": "U1", "ts": "1700000001.000000" },
        },
    });
    assert_eq!(translate_message_event(fields), None);
}

#[test]
fn other_subtypes_are_ignored() {
    for subtype in [
        "message_deleted",
        "channel_join",
        "me_message",
        "file_share",
        "new_kind",
    ] {
        let fields = json!({ "subtype": subtype });
        assert_eq!(translate_message_event(fields), None, "subtype {subtype}");
    }
}

#[test]
fn bot_messages_are_ignored() {
    let with_bot_id = json!({ "bot_id": "B1" });
    let bot_message = json!({ "subtype": "bot_message", "user": null, "bot_id": "B2" });
    let own = json!({ "user": BOT });

    assert_eq!(translate_message_event(with_bot_id), None);
    assert_eq!(translate_message_event(bot_message), None);
    assert_eq!(translate_message_event(own), None);
}

#[test]
fn message_without_user_or_text_is_ignored() {
    assert_eq!(translate_message_event(json!({ "user": null })), None);
    assert_eq!(translate_message_event(json!({ "text": null })), None);
}

fn mention_event(fields: Value) -> Value {
    let mut event = json!({
        "type": "app_mention",
        "channel": "C1",
        "user": "U1",
        "text": "<@UBOT> ping",
        "ts": "1700000000.000100",
        "event_ts": "1700000000.000100",
    });
    let object = event.as_object_mut().unwrap();
    for (key, value) in fields.as_object().unwrap() {
        object.insert(key.clone(), value.clone());
    }
    event
}

#[test]
fn app_mention_becomes_core_message() {
    let message = expect_message(translate(&callback(mention_event(json!({}))), BOT));

    assert_eq!(message.channel, "C1");
    assert_eq!(message.channel_kind, ChannelKind::Public);
    assert_eq!(message.user, "U1");
    assert_eq!(message.text, "<@UBOT> ping");
    assert_eq!(message.ts, "1700000000.000100");
}

#[test]
fn app_mention_kind_follows_channel_id() {
    let private = mention_event(json!({ "channel": "G1" }));
    let message = expect_message(translate(&callback(private), BOT));
    assert_eq!(message.channel_kind, ChannelKind::Private);
}

#[test]
fn app_mention_edited_is_ignored() {
    let edited = mention_event(json!({ "edited": { "user": "U1", "ts": "1700000001.000000" } }));
    assert_eq!(translate(&callback(edited), BOT), None);
}

#[test]
fn app_mention_and_message_translate_alike() {
    let from_message = expect_message(translate_message_event(json!({})));
    let from_mention = expect_message(translate(&callback(mention_event(json!({}))), BOT));

    assert_eq!(from_message.channel, from_mention.channel);
    assert_eq!(from_message.ts, from_mention.ts);
    assert_eq!(from_message.text, from_mention.text);
}

fn reaction_event(kind: &str, user: &str) -> Value {
    json!({
        "type": kind,
        "user": user,
        "reaction": "white_check_mark",
        "item_user": "U1",
        "item": { "type": "message", "channel": "C1", "ts": "1700000000.000100" },
        "event_ts": "1700000005.000000",
    })
}

#[test]
fn reactions_translate_to_reaction_events() {
    for (kind, added) in [("reaction_added", true), ("reaction_removed", false)] {
        let incoming = translate(&callback(reaction_event(kind, "U2")), BOT);
        let expected =
            ReactionEvent::new("C1", "1700000000.000100", "U2", "white_check_mark", added);
        assert_eq!(incoming, Some(Incoming::Reaction(expected)), "event {kind}");
    }
}

#[test]
fn own_reaction_is_ignored() {
    assert_eq!(
        translate(&callback(reaction_event("reaction_added", BOT)), BOT),
        None
    );
}

#[test]
fn unrelated_event_is_ignored() {
    let event = json!({ "type": "channel_created", "channel": { "id": "C9", "name": "new", "created": 1, "creator": "U1" } });
    assert_eq!(translate(&callback(event), BOT), None);
}

proptest::proptest! {
    #[test]
    fn decode_arbitrary_bytes_no_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
        if let Ok(SlackPushEvent::EventCallback(callback)) = crate::events::decode(&body) {
            let _ = translate(&callback, "UBOT");
        }
    }

    #[test]
    fn decode_mutated_event_no_panic(
        text in proptest::prelude::any::<String>(),
        kind in "(message|app_mention|reaction_added|made_up)",
        cut in 0usize..400,
    ) {
        let body = serde_json::json!({
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": "Ev1",
            "event_time": 1,
            "event": { "type": kind, "channel": "C1", "user": "U1", "text": text, "ts": "1.2" },
        })
        .to_string();
        let cut = body.len().min(cut.max(1) * body.len() / 400);
        for candidate in [body.as_bytes(), &body.as_bytes()[..cut]] {
            if let Ok(SlackPushEvent::EventCallback(callback)) = crate::events::decode(candidate) {
                let _ = translate(&callback, "UBOT");
            }
        }
    }
}
