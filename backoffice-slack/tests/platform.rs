//! SlackPlatform's lookups against the fake Slack: users, channels, user
//! groups, reactions and the claim reaction.

mod common;

use backoffice_core::{
    ChannelKind, ChannelName, Destination, Platform, PlatformError, ReactionOutcome,
};
use backoffice_slack::testing::{FakeSlack, Fault};
use backoffice_slack::SlackPlatform;
use common::*;
use serde_json::json;

async fn connect(fake: &FakeSlack) -> SlackPlatform {
    SlackPlatform::connect(&http_config(fake))
        .await
        .expect("auth.test succeeds")
}

#[tokio::test]
async fn connect_learns_bot_identity() {
    let fake = fake_slack().await;
    let platform = connect(&fake).await;

    assert_eq!(platform.bot_user_id(), "UBOT");
    assert_eq!(platform.bot_team(), Some("T1"));
}

#[tokio::test]
async fn user_flags_are_mapped() {
    let fake = fake_slack().await;
    fake.add_user("U7", "guest", json!({ "is_restricted": true }));
    fake.add_user("U8", "gone", json!({ "deleted": true, "team_id": "T9" }));
    fake.add_user(
        "U9",
        "robot",
        json!({ "is_bot": true, "is_ultra_restricted": true }),
    );
    let platform = connect(&fake).await;

    let guest = platform.user("U7").await.unwrap();
    let deactivated = platform.user("U8").await.unwrap();
    let robot = platform.user("U9").await.unwrap();

    assert!(guest.is_guest);
    assert!(!guest.deleted);
    assert!(!guest.is_bot);
    assert_eq!(guest.name, "guest");
    assert!(deactivated.deleted);
    assert!(!deactivated.is_guest);
    assert_eq!(deactivated.team, "T9");
    assert!(robot.is_bot);
    assert!(robot.is_guest);
}

#[tokio::test]
async fn unknown_user_is_not_found() {
    let fake = fake_slack().await;
    let platform = connect(&fake).await;

    let error = platform.user("U404").await.unwrap_err();

    assert!(matches!(error, PlatformError::NotFound { .. }), "{error:?}");
}

#[tokio::test]
async fn channel_kinds_are_mapped() {
    let fake = fake_slack().await;
    fake.add_channel(
        "G1",
        "secret",
        json!({ "is_private": true, "is_channel": false }),
    );
    fake.add_channel("D1", "", json!({ "is_im": true, "is_channel": false }));
    fake.add_channel("G2", "mpdm", json!({ "is_mpim": true, "is_private": true }));
    let platform = connect(&fake).await;

    for (id, kind) in [
        ("C1", ChannelKind::Public),
        ("G1", ChannelKind::Private),
        ("D1", ChannelKind::Direct),
        ("G2", ChannelKind::Group),
    ] {
        assert_eq!(
            platform.channel(id).await.unwrap().kind,
            kind,
            "channel {id}"
        );
    }
    assert_eq!(platform.channel("C1").await.unwrap().name, "ops");
}

#[tokio::test]
async fn group_members_are_listed() {
    let fake = fake_slack().await;
    fake.add_group("S1", &["U1", "U2"]);
    let platform = connect(&fake).await;

    assert_eq!(platform.group_members("S1").await.unwrap(), ["U1", "U2"]);
    let missing = platform.group_members("S404").await.unwrap_err();
    assert!(
        matches!(missing, PlatformError::NotFound { .. }),
        "{missing:?}"
    );
}

#[tokio::test]
async fn second_claim_is_already_present() {
    let fake = fake_slack().await;
    let platform = connect(&fake).await;

    let first = platform
        .add_reaction("C1", "1.000001", "eyes")
        .await
        .unwrap();
    let second = platform
        .add_reaction("C1", "1.000001", "eyes")
        .await
        .unwrap();

    assert_eq!(first, ReactionOutcome::Added);
    assert_eq!(second, ReactionOutcome::AlreadyPresent);
}

#[tokio::test]
async fn reactions_and_message_are_read() {
    let fake = fake_slack().await;
    fake.react("C1", "1.000002", "white_check_mark", "U2");
    fake.react("C1", "1.000002", "white_check_mark", "U3");
    let platform = connect(&fake).await;

    let reactions = platform.reactions("C1", "1.000002").await.unwrap();
    let stored = platform.fetch_message("C1", "1.000002").await.unwrap();

    assert_eq!(reactions.len(), 1);
    assert_eq!(reactions[0].name, "white_check_mark");
    assert_eq!(reactions[0].users, ["U2", "U3"]);
    assert_eq!(stored.reactors("white_check_mark"), ["U2", "U3"]);
    assert_eq!(stored.message.ts, "1.000002");
}

#[tokio::test]
async fn long_reply_is_split_in_order() {
    let fake = fake_slack().await;
    let platform = connect(&fake).await;
    let text: String = (0..400)
        .map(|i| format!("line {i:04} of the report\n"))
        .collect();
    let to = Destination {
        channel: "C1".to_owned(),
        thread_ts: Some("1.000003".to_owned()),
    };

    platform.post(&to, &text).await.unwrap();

    let posts = fake.posts();
    assert!(posts.len() > 1, "{} posts", posts.len());
    assert!(posts
        .iter()
        .all(|post| post.thread_ts.as_deref() == Some("1.000003")));
    let joined: Vec<&str> = posts.iter().map(|post| post.text.as_str()).collect();
    assert_eq!(joined.join("\n"), text);
}

#[tokio::test]
async fn enterprise_ids_are_mapped() {
    let fake = fake_slack().await;
    fake.set_enterprise("E1");
    let grid_user = json!({ "enterprise_user": { "id": "U8", "enterprise_id": "E1" } });
    fake.add_user("U8", "grid", grid_user);
    let platform = connect(&fake).await;

    assert_eq!(platform.bot_enterprise(), Some("E1"));
    let user = platform.user("U8").await.unwrap();
    assert_eq!(user.enterprise.as_deref(), Some("E1"));
    let plain = platform.user(USER).await.unwrap();
    assert_eq!(plain.enterprise, None);
}

#[tokio::test]
async fn channel_names_resolve_across_pages() {
    let fake = fake_slack().await;
    for index in 0..205 {
        fake.add_channel(
            &format!("C9{index:03}"),
            &format!("team-{index}"),
            json!({}),
        );
    }
    fake.add_channel("D1", "", json!({ "is_im": true }));
    let platform = connect(&fake).await;

    assert_eq!(fake.calls_to("conversations.list").len(), 2, "pages");
    assert_eq!(
        platform.resolve_channel("team-204"),
        ChannelName::Resolved("C9204".into())
    );
    assert_eq!(
        platform.resolve_channel("ops"),
        ChannelName::Resolved(CHANNEL.into())
    );
    assert_eq!(platform.resolve_channel("missing"), ChannelName::Unknown);
}

#[tokio::test]
async fn failed_channel_listing_keeps_names() {
    let fake = fake_slack().await;
    let platform = connect(&fake).await;
    fake.inject(
        "conversations.list",
        Fault::ApiError("internal_error".into()),
        1,
    );

    let refreshed = platform.refresh_channel_names().await;

    assert!(refreshed.is_err(), "{refreshed:?}");
    assert_eq!(
        platform.resolve_channel("ops"),
        ChannelName::Resolved(CHANNEL.into())
    );
}

#[tokio::test]
async fn failed_start_up_listing_denies_names() {
    let fake = fake_slack().await;
    fake.inject(
        "conversations.list",
        Fault::ApiError("missing_scope".into()),
        1,
    );

    let platform = connect(&fake).await;

    assert_eq!(platform.resolve_channel("ops"), ChannelName::Unknown);
}
