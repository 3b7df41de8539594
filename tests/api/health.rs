use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn liveness_and_readiness_answer_with_small_json() {
    let app = spawn_app().await;
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        assert!(response.headers().contains_key("x-request-id"));
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["status"], status);
    }
}

#[tokio::test]
async fn two_servers_starting_together_on_an_empty_database_both_come_up() {
    let (first, second) = crate::helpers::spawn_two_apps_on_one_database().await;
    let account = first
        .register(&crate::helpers::email("replica"), "Replica")
        .await;
    // The second replica sees the account the first created: one schema, one database.
    let me = second
        .graphql(
            Some(&account.access_token),
            "{ me { id } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["id"], account.id.as_str());
}

#[tokio::test]
async fn a_stopping_server_drains_before_it_stops() {
    let app = crate::helpers::spawn_app_with(&[("SHUTDOWN_DRAIN_MS", "300")]).await;
    let query = serde_json::json!({ "query": "{ __typename }" });
    let before = app
        .client
        .post(app.graphql_url())
        .json(&query)
        .send()
        .await
        .expect("request");
    assert_ne!(
        before
            .headers()
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close")
    );
    let mut socket = app
        .websocket(serde_json::json!({}))
        .await
        .expect("connected");

    app.drain.begin();
    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.expect("json");
    assert_eq!(body["status"], "draining");
    // Still answered while draining, but the kept-alive connection is closed after it.
    let during = app
        .client
        .post(app.graphql_url())
        .json(&query)
        .send()
        .await
        .expect("request");
    assert_eq!(during.status(), 200);
    assert_eq!(
        during
            .headers()
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close")
    );
    // WebSocket clients are told to go elsewhere.
    assert_eq!(socket.close_frame().await.map(|(code, _)| code), Some(1001));
    drop(socket);
    app.stopped().await.expect("a clean stop");
    assert!(
        app.client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .is_err(),
        "the stopped server still answers"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_503_with_retry_after_never_500() {
    let app = crate::helpers::spawn_app_with(&[("DATABASE_TIMEOUT_MS", "300")]).await;
    let account = app
        .register(&crate::helpers::email("outage"), "Outage")
        .await;
    // PostgreSQL: the database refuses connections and drops the server's (done from the
    // admin database). SQLite: another process holds the write lock longer than the server
    // waits for it.
    let admin = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty());
    let name = app
        .database_url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let db = sea_orm::Database::connect(admin.as_deref().unwrap_or(&app.database_url))
        .await
        .expect("connect");
    let postgres = admin.is_some();
    let lock = if postgres {
        db.execute_unprepared(&format!(
            "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
        ))
        .await
        .expect("cut the server off");
        None
    } else {
        let txn = sea_orm::TransactionTrait::begin(&db).await.expect("begin");
        txn.execute_unprepared("UPDATE member SET display_name = display_name")
            .await
            .expect("take the write lock");
        Some(txn)
    };
    let write = serde_json::json!({
        "query": "mutation { updateProfile(input: {headline: \"Nede\"}) { id } }"
    });
    let response = app
        .client
        .post(app.graphql_url())
        .bearer_auth(&account.access_token)
        .header("Accept", "application/graphql-response+json")
        .json(&write)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        crate::helpers::error_code(&body),
        "SERVICE_UNAVAILABLE",
        "{body}"
    );
    assert!(body["extensions"]["requestId"].is_string(), "{body}");

    if postgres {
        let ready = app
            .client
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .expect("request");
        assert_eq!(ready.status(), 503);
        db.execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"))
            .await
            .expect("let the server back in");
    }
    drop(lock);
    // Back: the same write succeeds.
    let again = app
        .graphql(
            Some(&account.access_token),
            "mutation { updateProfile(input: {headline: \"Oppe\"}) { headline } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        again["data"]["updateProfile"]["headline"], "Oppe",
        "{again}"
    );
}
