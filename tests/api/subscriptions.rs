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
async fn a_bad_token_in_connection_init_closes_the_connection() {
    let app = spawn_app().await;
    let result = app
        .websocket(json!({ "authorization": "Bearer forged.token.here" }))
        .await;
    assert!(result.is_err());
}
