use serde_json::json;

use crate::helpers::{email, spawn_app};

const VIEWER_UPDATED: &str = "subscription { viewerUpdated { displayName } }";

#[tokio::test]
async fn a_profile_change_reaches_the_members_other_devices_over_websocket() {
    let app = spawn_app().await;
    let member = app.register(&email("live"), "Live").await;
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", member.access_token) }))
        .await
        .expect("connect");
    socket.subscribe("1", VIEWER_UPDATED, json!({})).await;
    // The subscription is registered once the server has processed the subscribe message; a
    // query on the same socket is answered after it, so it serves as the barrier.
    socket.subscribe("2", "{ me { id } }", json!({})).await;
    let barrier = socket.next_message().await.expect("query result");
    assert_eq!(barrier["id"], "2");

    let update = app
        .graphql(
            Some(&member.access_token),
            "mutation { updateProfile(input: {displayName: \"Live and well\"}) { displayName } }",
            json!({}),
        )
        .await;
    assert_eq!(
        update["data"]["updateProfile"]["displayName"],
        "Live and well"
    );

    let mut delivered = None;
    while let Some(message) = socket.next_message().await {
        if message["id"] == "1" && message["type"] == "next" {
            delivered = Some(message);
            break;
        }
    }
    let delivered = delivered.expect("an update within five seconds");
    assert_eq!(
        delivered["payload"]["data"]["viewerUpdated"]["displayName"],
        "Live and well"
    );
}

#[tokio::test]
async fn an_anonymous_subscriber_is_told_to_sign_in() {
    let app = spawn_app().await;
    let mut socket = app.websocket(json!({})).await.expect("connect");
    socket.subscribe("1", VIEWER_UPDATED, json!({})).await;
    let message = socket.next_message().await.expect("an answer");
    let code = message["payload"][0]["extensions"]["code"]
        .as_str()
        .or_else(|| message["payload"]["errors"][0]["extensions"]["code"].as_str());
    assert_eq!(code, Some("UNAUTHENTICATED"), "{message}");
}

#[tokio::test]
async fn answers_to_a_meetup_reach_its_subscribers_live() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = crate::groups::create_group(&app, &owner, "Live meetups", "PUBLIC", "OPEN").await;
    let starts = chrono::Utc::now() + chrono::Duration::days(1);
    let created = app
        .graphql(
            Some(&owner.access_token),
            "mutation($input: CreateMeetupInput!) { createMeetup(input: $input) { id } }",
            json!({ "input": { "groupId": group.id, "title": "Live counts", "venue": { "name": "Here" },
                "startsAt": starts.to_rfc3339(), "endsAt": (starts + chrono::Duration::hours(1)).to_rfc3339(),
                "capacity": 5, "publish": true } }),
        )
        .await;
    let meetup = created["data"]["createMeetup"]["id"].clone();
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", owner.access_token) }))
        .await
        .expect("connect");
    socket
        .subscribe(
            "1",
            "subscription($id: ID!) { meetupUpdated(meetupId: $id) { goingCount spotsLeft } }",
            json!({ "id": meetup }),
        )
        .await;
    socket.subscribe("2", "{ me { id } }", json!({})).await;
    assert_eq!(socket.next_message().await.expect("barrier")["id"], "2");

    let (member, _) = crate::groups::join_member(&app, &group, "Answerer").await;
    app.graphql(
        Some(&member.access_token),
        "mutation($id: ID!) { rsvp(input: {meetupId: $id, response: GOING}) { status } }",
        json!({ "id": meetup }),
    )
    .await;
    let mut update = None;
    while let Some(message) = socket.next_message().await {
        if message["id"] == "1" && message["type"] == "next" {
            update = Some(message);
            break;
        }
    }
    let update = update.expect("an update within five seconds");
    assert_eq!(
        update["payload"]["data"]["meetupUpdated"],
        json!({ "goingCount": 1, "spotsLeft": 4 })
    );
}

#[tokio::test]
async fn an_outsider_cannot_subscribe_to_a_members_only_meetup() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group =
        crate::groups::create_group(&app, &owner, "Private live", "MEMBERS_ONLY", "APPROVAL").await;
    let starts = chrono::Utc::now() + chrono::Duration::days(1);
    let created = app
        .graphql(
            Some(&owner.access_token),
            "mutation($input: CreateMeetupInput!) { createMeetup(input: $input) { id } }",
            json!({ "input": { "groupId": group.id, "title": "Secret meetup", "venue": { "name": "Here" },
                "startsAt": starts.to_rfc3339(), "endsAt": (starts + chrono::Duration::hours(1)).to_rfc3339(), "publish": true } }),
        )
        .await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", outsider.access_token) }))
        .await
        .expect("connect");
    socket
        .subscribe(
            "1",
            "subscription($id: ID!) { meetupUpdated(meetupId: $id) { title } }",
            json!({ "id": created["data"]["createMeetup"]["id"] }),
        )
        .await;
    let message = socket.next_message().await.expect("an answer");
    assert_eq!(
        message["payload"]["data"],
        serde_json::Value::Null,
        "{message}"
    );
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{message}"
    );
}
