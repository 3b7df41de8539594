//! graphql-transport-ws as graphql-ws's PROTOCOL.md says, one rule per test, with a raw client.

use serde_json::{Value, json};

use crate::helpers::{TestApp, email, spawn_app, spawn_app_with};

async fn closed_with(app: &TestApp, messages: &[&str]) -> (u16, String) {
    let mut socket = app.raw_websocket().await;
    for message in messages {
        socket.send_text(message).await;
    }
    let frame = socket.close_frame().await.expect("a close frame");
    assert!(
        frame.1.len() <= 123,
        "the reason is {} bytes",
        frame.1.len()
    );
    frame
}

const INIT: &str = r#"{"type":"connection_init"}"#;

#[tokio::test]
async fn a_bad_token_in_connection_init_is_4403_forbidden() {
    let app = spawn_app().await;
    let init = r#"{"type":"connection_init","payload":{"authorization":"Bearer not-a-token"}}"#;
    assert_eq!(closed_with(&app, &[init]).await, (4403, "Forbidden".into()));
}

#[tokio::test]
async fn an_unknown_message_type_is_4400_within_the_frame_limit() {
    let app = spawn_app().await;
    let (code, reason) = closed_with(&app, &[INIT, r#"{"type":"subscribe_everything"}"#]).await;
    assert_eq!(code, 4400);
    assert!(reason.starts_with("Invalid message received"), "{reason}");
}

#[tokio::test]
async fn a_message_that_is_not_json_is_4400() {
    let app = spawn_app().await;
    assert_eq!(closed_with(&app, &["hello?"]).await.0, 4400);
    assert_eq!(
        closed_with(&app, &[INIT, r#"{"type":"subscribe","id":1}"#])
            .await
            .0,
        4400
    );
}

#[tokio::test]
async fn subscribing_before_the_ack_is_4401_unauthorized() {
    let app = spawn_app().await;
    let subscribe = r#"{"type":"subscribe","id":"1","payload":{"query":"{ __typename }"}}"#;
    assert_eq!(
        closed_with(&app, &[subscribe]).await,
        (4401, "Unauthorized".into())
    );
}

#[tokio::test]
async fn a_second_connection_init_is_4429() {
    let app = spawn_app().await;
    let (code, _) = closed_with(&app, &[INIT, INIT]).await;
    assert_eq!(code, 4429);
}

#[tokio::test]
async fn a_connection_that_never_initialises_is_4408() {
    let app = spawn_app_with(&[("WEBSOCKET_INIT_TIMEOUT_MS", "200")]).await;
    let (code, reason) = closed_with(&app, &[]).await;
    assert_eq!(
        (code, reason.as_str()),
        (4408, "Connection initialisation timeout")
    );
}

#[tokio::test]
async fn a_duplicate_subscription_id_is_4409() {
    let app = spawn_app().await;
    let member = app.register(&email("dup"), "Dup").await;
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", member.access_token) }))
        .await
        .expect("connected");
    let profile = "subscription { viewerUpdated { displayName } }";
    socket.subscribe("same", profile, json!({})).await;
    socket.subscribe("same", profile, json!({})).await;
    let (code, reason) = socket.close_frame().await.expect("a close frame");
    assert_eq!(
        (code, reason.as_str()),
        (4409, "Subscriber for same already exists")
    );
}

#[tokio::test]
async fn a_refused_document_is_an_error_message_and_nothing_more() {
    let app = spawn_app().await;
    let mut socket = app.websocket(json!({})).await.expect("connected");
    socket
        .subscribe("1", "subscription { nope }", json!({}))
        .await;
    let error = socket.next_message().await.expect("a message");
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["id"], "1");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert!(error["payload"][0]["extensions"]["requestId"].is_string());

    // The same pre-check as HTTP: a fragment fan-out is refused before validation.
    let mut fan_out = String::from("query { ...F0 }\n");
    for level in 0..8 {
        let spreads = vec![format!("...F{}", level + 1); 10].join(" ");
        fan_out.push_str(&format!("fragment F{level} on Query {{ {spreads} }}\n"));
    }
    fan_out.push_str("fragment F8 on Query { __typename }\n");
    socket.subscribe("2", &fan_out, json!({})).await;
    let error = socket.next_message().await.expect("a message");
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["payload"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // No `complete` follows an `error`: the next message answers the ping.
    socket.send_json(json!({ "type": "ping" })).await;
    assert_eq!(
        socket.next_message().await.map(|m| m["type"].clone()),
        Some(json!("pong"))
    );
}

#[tokio::test]
async fn a_query_over_the_socket_is_answered_once_for_its_viewer_then_completed() {
    let app = spawn_app().await;
    let member = app.register(&email("wsq"), "Over Socket").await;
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", member.access_token) }))
        .await
        .expect("connected");
    socket
        .subscribe("q", "{ me { id displayName } }", json!({}))
        .await;
    let next = socket.next_message().await.expect("a message");
    assert_eq!(next["type"], "next", "{next}");
    assert_eq!(next["payload"]["data"]["me"]["displayName"], "Over Socket");
    assert_eq!(next["payload"]["data"]["me"]["id"], Value::from(member.id));
    let complete = socket.next_message().await.expect("a message");
    assert_eq!(
        (complete["type"].clone(), complete["id"].clone()),
        (json!("complete"), json!("q"))
    );
}

#[tokio::test]
async fn a_completed_subscription_hears_no_more() {
    let app = spawn_app().await;
    let member = app.register(&email("done"), "Done").await;
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", member.access_token) }))
        .await
        .expect("connected");
    socket
        .subscribe(
            "p",
            "subscription { viewerUpdated { displayName } }",
            json!({}),
        )
        .await;
    socket
        .send_json(json!({ "type": "complete", "id": "p" }))
        .await;
    // The server has read the `complete` once it answers the ping sent after it.
    socket.send_json(json!({ "type": "ping" })).await;
    assert_eq!(
        socket.next_message().await.map(|m| m["type"].clone()),
        Some(json!("pong"))
    );
    app.graphql(
        Some(&member.access_token),
        "mutation { updateProfile(input: {headline: \"Ny\"}) { id } }",
        json!({}),
    )
    .await;
    socket.send_json(json!({ "type": "ping" })).await;
    assert_eq!(
        socket.next_message().await.map(|m| m["type"].clone()),
        Some(json!("pong"))
    );
}
