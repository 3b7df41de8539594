//! `/metrics` on its own listener (`METRICS_ADDR`): it counts what the test did, in the
//! Prometheus text format, and is not served on the API's address.

use serde_json::json;

use crate::helpers::{TestApp, email, spawn_app, spawn_app_with};

async fn scrape(app: &TestApp) -> String {
    let port = app.metrics_port.expect("METRICS_ADDR is set");
    let response = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("a content type")
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    response.text().await.expect("text")
}

/// The value of the sample whose line starts with `series` (name and labels as written).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no sample {series} in:\n{text}"))
}

#[tokio::test]
async fn metrics_count_the_requests_operations_and_connections_the_test_made() {
    let app = spawn_app_with(&[
        ("METRICS_ADDR", "127.0.0.1:0"),
        ("REFRESH_LIMIT_PER_ADDRESS_PER_MINUTE", "1"),
    ])
    .await;
    let member = app.register(&email("metrics"), "Målt Medlem").await;
    // The second refresh within the minute is over the budget.
    for _ in 0..2 {
        app.graphql(
            None,
            "mutation($token: String!) { refreshSession(refreshToken: $token) { accessToken } }",
            json!({ "token": "not-a-session-token-but-long-enough-0123456789" }),
        )
        .await;
    }
    for _ in 0..3 {
        let answer = app
            .graphql(
                Some(&member.access_token),
                "query Profile { me { displayName } }",
                json!({}),
            )
            .await;
        assert_eq!(answer["data"]["me"]["displayName"], "Målt Medlem");
    }
    let refused = app
        .graphql(None, "query Broken { nothingHere }", json!({}))
        .await;
    assert!(refused["errors"].is_array());
    let probe = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("healthz");
    assert_eq!(probe.status(), 200);
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", member.access_token) }))
        .await
        .expect("connect");
    socket
        .subscribe(
            "1",
            "subscription { viewerUpdated { displayName } }",
            json!({}),
        )
        .await;
    socket.subscribe("2", "{ me { id } }", json!({})).await;
    assert_eq!(socket.next_message().await.expect("barrier")["id"], "2");

    let text = scrape(&app).await;
    assert_eq!(
        sample(
            &text,
            r#"fagruppe_graphql_operations_total{operation="Profile",kind="query",outcome="ok"}"#
        ),
        3.0
    );
    assert_eq!(
        sample(
            &text,
            r#"fagruppe_graphql_operations_total{operation="Broken",kind="query",outcome="GRAPHQL_VALIDATION_FAILED"}"#
        ),
        1.0
    );
    assert_eq!(
        sample(
            &text,
            r#"fagruppe_http_requests_total{route="/healthz",status="200"}"#
        ),
        1.0
    );
    // Registration, sign-in, three profiles and the refused query, all on /graphql.
    assert!(
        sample(
            &text,
            r#"fagruppe_http_requests_total{route="/graphql",status="200"}"#
        ) >= 6.0
    );
    assert!(
        sample(
            &text,
            r#"fagruppe_http_request_duration_seconds_count{route="/graphql"}"#
        ) >= 6.0
    );
    assert_eq!(sample(&text, "fagruppe_websocket_connections"), 1.0);
    assert_eq!(sample(&text, "fagruppe_subscriptions"), 1.0);
    assert!(sample(&text, "fagruppe_sql_statements_total") > 0.0);
    assert!(sample(&text, r#"fagruppe_db_pool_connections{state="idle"}"#) >= 0.0);
    // The shared pool (DATABASE_MAX_CONNECTIONS=5) and, on PostgreSQL, each of the two HTTP
    // workers' own (5 shared out between them: 3 each).
    let pools = if app.database_url.starts_with("postgres") {
        11.0
    } else {
        5.0
    };
    assert_eq!(sample(&text, "fagruppe_db_pool_max_connections"), pools);
    assert_eq!(sample(&text, r#"fagruppe_jobs{state="DEAD"}"#), 0.0);
    assert_eq!(
        sample(
            &text,
            r#"fagruppe_throttle_refusals_total{reason="limited"}"#
        ),
        1.0
    );
    assert!(
        !text.contains("Målt"),
        "no argument or answer values in metrics"
    );
}

#[tokio::test]
async fn metrics_are_served_only_where_metrics_addr_says() {
    let app = spawn_app().await;
    assert_eq!(app.metrics_port, None);
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
}
