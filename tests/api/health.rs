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
