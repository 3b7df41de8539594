//! The inbox: replies and quotes notify their member once, fold while unread, are marked read,
//! and stop showing (and counting) once the member may no longer read where they happened.

use serde_json::{Value, json};

use crate::{
    discussions::{comment, discussion, post},
    groups::join_member,
    helpers::{Account, TestApp, WsClient, error_code, spawn_app, text},
};

const INBOX: &str = "query($unread: Boolean) {
    me { unreadNotificationCount }
    notifications(unreadOnly: $unread, first: 10) { totalCount nodes {
        id kind count readAt actor { displayName } thread { title } comment { body } } } }";

async fn inbox(app: &TestApp, member: &Account) -> Value {
    let answer = app
        .graphql(
            Some(&member.access_token),
            INBOX,
            json!({ "unread": false }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"].clone()
}

fn unread(inbox: &Value) -> u64 {
    inbox["me"]["unreadNotificationCount"]
        .as_u64()
        .expect("a count")
}

#[tokio::test]
async fn a_reply_and_a_quote_notify_their_member_once_and_never_the_actor() {
    let app = spawn_app().await;
    // The member started the thread; the owner answers it at the top level.
    let (owner, member, _, thread) = discussion(&app, "MEMBERS_ONLY").await;
    let top = comment(&app, &owner, &thread, "Jeg mener KI-etikk er mer enn PR.").await;
    let seen = inbox(&app, &member).await;
    assert_eq!(unread(&seen), 1);
    let first = &seen["notifications"]["nodes"][0];
    assert_eq!(first["kind"], "REPLY");
    assert_eq!(first["count"], 1);
    assert_eq!(first["actor"]["displayName"], "Owner");
    assert_eq!(first["thread"]["title"], "Er KI-etikk bare PR?");
    assert_eq!(
        first["comment"]["body"],
        "Jeg mener KI-etikk er mer enn PR."
    );
    // The owner is the actor: nothing for them.
    assert_eq!(unread(&inbox(&app, &owner).await), 0);

    // The member answers and quotes the owner's comment in one: one REPLY, no QUOTE on top.
    let answer = post(
        &app,
        &member,
        json!({ "threadId": thread, "body": "Enig!", "parentId": top,
            "quote": { "commentId": top, "excerpt": "mer enn PR" } }),
    )
    .await;
    assert!(answer["errors"].is_null(), "{answer}");
    let owners = inbox(&app, &owner).await;
    assert_eq!(unread(&owners), 1);
    assert_eq!(owners["notifications"]["nodes"][0]["kind"], "REPLY");

    // Quoting the owner without answering them: a QUOTE.
    let quoted = post(
        &app,
        &member,
        json!({ "threadId": thread, "body": "Som Owner sa:",
            "quote": { "commentId": top, "excerpt": "KI-etikk" } }),
    )
    .await;
    assert!(quoted["errors"].is_null(), "{quoted}");
    let owners = inbox(&app, &owner).await;
    let kinds: Vec<&str> = owners["notifications"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|node| node["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["QUOTE", "REPLY"]);
    assert_eq!(unread(&owners), 2);
}

#[tokio::test]
async fn replies_in_one_thread_fold_into_one_unread_notification_until_it_is_read() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    let (other, _) = join_member(&app, &group, "Another Voice").await;
    comment(&app, &owner, &thread, "Første svar.").await;
    comment(&app, &other, &thread, "Andre svar.").await;
    comment(&app, &owner, &thread, "Tredje svar.").await;
    let seen = inbox(&app, &member).await;
    assert_eq!(seen["notifications"]["totalCount"], 1, "{seen}");
    let folded = &seen["notifications"]["nodes"][0];
    assert_eq!(folded["count"], 3);
    assert_eq!(folded["actor"]["displayName"], "Owner");
    assert_eq!(folded["comment"]["body"], "Tredje svar.");
    assert_eq!(unread(&seen), 1);

    let id = text(&folded["id"]);
    let marked = app
        .graphql(
            Some(&member.access_token),
            "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }",
            json!({ "ids": [id] }),
        )
        .await;
    assert_eq!(marked["data"]["markNotificationsRead"], 0, "{marked}");
    // Read: the next reply starts a new notification.
    comment(&app, &other, &thread, "Fjerde svar.").await;
    let seen = inbox(&app, &member).await;
    assert_eq!(seen["notifications"]["totalCount"], 2);
    assert_eq!(seen["notifications"]["nodes"][0]["count"], 1);
    assert!(seen["notifications"]["nodes"][1]["readAt"].is_string());
    assert_eq!(unread(&seen), 1);

    // Someone else's notification cannot be marked read by an outsider; marking all works.
    let outsider_marks = app
        .graphql(
            Some(&owner.access_token),
            "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }",
            json!({ "ids": [text(&seen["notifications"]["nodes"][0]["id"])] }),
        )
        .await;
    assert_eq!(outsider_marks["data"]["markNotificationsRead"], 0);
    assert_eq!(unread(&inbox(&app, &member).await), 1);
    let all = app
        .graphql(
            Some(&member.access_token),
            "mutation { markAllNotificationsRead }",
            json!({}),
        )
        .await;
    assert_eq!(all["data"]["markAllNotificationsRead"], 0, "{all}");
}

async fn leave(app: &TestApp, member: &Account, group: &str) {
    let left = app
        .graphql(
            Some(&member.access_token),
            "mutation($id: ID!) { leaveGroup(groupId: $id) }",
            json!({ "id": group }),
        )
        .await;
    assert_eq!(left["data"]["leaveGroup"], true, "{left}");
}

#[tokio::test]
async fn a_member_who_leaves_a_members_only_group_no_longer_sees_its_notifications() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "MEMBERS_ONLY").await;
    comment(&app, &owner, &thread, "Svar i en lukket gruppe.").await;
    assert_eq!(unread(&inbox(&app, &member).await), 1);
    leave(&app, &member, &group.id).await;
    let seen = inbox(&app, &member).await;
    assert_eq!(unread(&seen), 0);
    assert_eq!(seen["notifications"]["totalCount"], 0);
    // Nor do new replies to their old thread reach them.
    comment(&app, &owner, &thread, "Enda et svar.").await;
    assert_eq!(unread(&inbox(&app, &member).await), 0);
}

#[tokio::test]
async fn the_inbox_needs_a_sign_in_and_counts_are_private() {
    let app = spawn_app().await;
    let (owner, member, _, _) = discussion(&app, "PUBLIC").await;
    let anonymous = app
        .graphql(
            None,
            "{ notifications(first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let anonymous_marks = app
        .graphql(None, "mutation { markAllNotificationsRead }", json!({}))
        .await;
    assert_eq!(error_code(&anonymous_marks), "UNAUTHENTICATED");
    let others = app
        .graphql(
            Some(&owner.access_token),
            "query($id: ID!) { member(id: $id) { unreadNotificationCount } }",
            json!({ "id": member.id }),
        )
        .await;
    assert_eq!(
        others["data"]["member"]["unreadNotificationCount"],
        Value::Null
    );
}

const LIVE: &str = "subscription { notificationAdded { unreadCount notification {
    kind count actor { displayName } comment { body } } } }";

/// The next `notificationAdded` payload on subscription "1".
async fn next_update(socket: &mut WsClient) -> Value {
    while let Some(message) = socket.next_message().await {
        if message["id"] == "1" && message["type"] == "next" {
            return message["payload"]["data"]["notificationAdded"].clone();
        }
    }
    panic!("the subscription ended without a notification");
}

/// A socket on `app` subscribed to `member`'s notifications as subscription "1".
pub async fn listen_for_notifications(app: &TestApp, member: &Account) -> WsClient {
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", member.access_token) }))
        .await
        .expect("connect");
    socket.subscribe("1", LIVE, json!({})).await;
    socket.subscribe("2", "{ me { id } }", json!({})).await;
    assert_eq!(socket.next_message().await.expect("barrier")["id"], "2");
    socket
}

#[tokio::test]
async fn notifications_arrive_live_with_the_unread_count_and_fold_as_they_come() {
    let app = spawn_app().await;
    let (owner, member, _, thread) = discussion(&app, "MEMBERS_ONLY").await;
    let mut socket = listen_for_notifications(&app, &member).await;

    comment(&app, &owner, &thread, "Første svar.").await;
    let first = next_update(&mut socket).await;
    assert_eq!(first["unreadCount"], 1);
    assert_eq!(first["notification"]["kind"], "REPLY");
    assert_eq!(first["notification"]["count"], 1);
    assert_eq!(first["notification"]["actor"]["displayName"], "Owner");

    comment(&app, &owner, &thread, "Andre svar.").await;
    let folded = next_update(&mut socket).await;
    assert_eq!(folded["unreadCount"], 1);
    assert_eq!(folded["notification"]["count"], 2);
    assert_eq!(folded["notification"]["comment"]["body"], "Andre svar.");

    let mut anonymous = app
        .websocket(json!({}))
        .await
        .expect("connect without a token");
    anonymous.subscribe("1", LIVE, json!({})).await;
    let refused = anonymous.next_message().await.expect("an answer");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );
    assert_eq!(refused["payload"]["data"], Value::Null);
}

#[tokio::test]
async fn concurrent_replies_fold_into_one_notification_and_concurrent_reads_lose_none() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    let mut voices = vec![owner];
    for name in ["Voice Two", "Voice Three", "Voice Four"] {
        voices.push(join_member(&app, &group, name).await.0);
    }
    // Eight replies at once: they fold into one unread notification counting eight.
    let replies = voices.iter().cycle().take(8).enumerate().map(|(i, voice)| {
        let app = &app;
        let thread = &thread;
        async move { comment(app, voice, thread, &format!("Svar {i}")).await }
    });
    futures_util::future::join_all(replies).await;
    let seen = inbox(&app, &member).await;
    assert_eq!(seen["notifications"]["totalCount"], 1, "{seen}");
    assert_eq!(seen["notifications"]["nodes"][0]["count"], 8);
    assert_eq!(unread(&seen), 1);

    // Eight more while the member marks everything read, again and again: every reply is
    // counted exactly once, in a read or an unread notification, and at most one is unread.
    let replies = voices.iter().cycle().take(8).enumerate().map(|(i, voice)| {
        let app = &app;
        let thread = &thread;
        async move { comment(app, voice, thread, &format!("Mer {i}")).await }
    });
    let reads = (0..8).map(|_| {
        app.graphql(
            Some(&member.access_token),
            "mutation { markAllNotificationsRead }",
            json!({}),
        )
    });
    let (_, marked) = futures_util::future::join(
        futures_util::future::join_all(replies),
        futures_util::future::join_all(reads),
    )
    .await;
    assert!(
        marked.iter().all(|answer| answer["errors"].is_null()),
        "{marked:?}"
    );
    let seen = inbox(&app, &member).await;
    let nodes = seen["notifications"]["nodes"].as_array().expect("nodes");
    let counted: i64 = nodes.iter().filter_map(|node| node["count"].as_i64()).sum();
    assert_eq!(counted, 16, "{seen}");
    let unread_rows = nodes.iter().filter(|node| node["readAt"].is_null()).count();
    assert!(unread_rows <= 1, "{seen}");
    assert_eq!(unread(&seen), unread_rows as u64);
}

#[tokio::test]
async fn a_comment_costs_the_same_statements_however_many_members_took_part_before() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    const POST: &str = "mutation($input: PostCommentInput!) { postComment(input: $input) { id } }";
    let input = |body: &str| json!({ "input": { "threadId": thread, "body": body } });
    comment(&app, &owner, &thread, "Første.").await;
    let (first, before) = app
        .graphql_counted(Some(&owner.access_token), POST, input("Andre."))
        .await;
    assert!(first["errors"].is_null(), "{first}");
    for i in 0..10 {
        let (voice, _) = join_member(&app, &group, &format!("Voice {i}")).await;
        comment(&app, &voice, &thread, "Jeg er også med.").await;
    }
    let (second, after) = app
        .graphql_counted(Some(&owner.access_token), POST, input("Tredje."))
        .await;
    assert!(second["errors"].is_null(), "{second}");
    // Both fold into the thread author's unread notification (one statement); the ten members
    // who took part in between cost nothing.
    assert_eq!(after, before);
    assert_eq!(unread(&inbox(&app, &member).await), 1);
}

#[tokio::test]
async fn a_group_shows_the_viewers_unread_count_only_to_readers() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "MEMBERS_ONLY").await;
    comment(&app, &owner, &thread, "Svar.").await;
    const GROUP: &str = "query($slug: String!) { group(slug: $slug) { viewerUnreadCount } }";
    let slug = json!({ "slug": group.slug });
    let mine = app
        .graphql(Some(&member.access_token), GROUP, slug.clone())
        .await;
    assert_eq!(mine["data"]["group"]["viewerUnreadCount"], 1, "{mine}");
    let owners = app
        .graphql(Some(&owner.access_token), GROUP, slug.clone())
        .await;
    assert_eq!(owners["data"]["group"]["viewerUnreadCount"], 0);
    let anonymous = app.graphql(None, GROUP, slug).await;
    assert_eq!(anonymous["data"]["group"]["viewerUnreadCount"], Value::Null);
}

#[tokio::test]
async fn notifications_older_than_the_retention_are_purged() {
    let app = crate::helpers::spawn_app_with(&[
        ("WORKERS_JOBS", "1"),
        ("JOBS_POLL_MS", "20"),
        ("NOTIFICATION_RETENTION_DAYS", "0"),
    ])
    .await;
    // The hourly purge runs once at start: let it, so that the one below is the one that counts.
    let mut since_start = app.outcomes_since_start();
    crate::helpers::outcome_where(&mut since_start, |o| o.kind == "purge-notifications").await;
    let (owner, member, _, thread) = discussion(&app, "PUBLIC").await;
    comment(&app, &owner, &thread, "Snart borte.").await;
    assert_eq!(unread(&inbox(&app, &member).await), 1);
    let mut outcomes = app.job_outcomes.subscribe();
    let purge = crate::jobs::insert_job(app.db().await, "purge-notifications", 3).await;
    let outcome = crate::helpers::outcome_where(&mut outcomes, |o| o.id == purge).await;
    assert_eq!(outcome.state, entity::job::State::Done, "{outcome:?}");
    let seen = inbox(&app, &member).await;
    assert_eq!(seen["notifications"]["totalCount"], 0, "{seen}");
}

#[tokio::test]
async fn a_member_who_left_hears_nothing_more_from_the_group_live() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "MEMBERS_ONLY").await;
    let mut socket = listen_for_notifications(&app, &member).await;
    leave(&app, &member, &group.id).await;
    // A reply to their old thread, then an invitation elsewhere: only the invitation arrives.
    comment(&app, &owner, &thread, "Svar etter at du gikk.").await;
    let other =
        crate::groups::create_group(&app, &owner, "Open door", "PUBLIC", "INVITE_ONLY").await;
    let invited = app
        .graphql(
            Some(&owner.access_token),
            "mutation($input: InviteToGroupInput!) { inviteToGroup(input: $input) { id } }",
            json!({ "input": { "groupId": other.id, "email": member.email } }),
        )
        .await;
    assert!(invited["errors"].is_null(), "{invited}");
    let next = next_update(&mut socket).await;
    assert_eq!(next["notification"]["kind"], "INVITATION", "{next}");
    assert_eq!(next["unreadCount"], 1);
}
