use serde_json::{Value, json};

use crate::helpers::{email, error_code, spawn_app};

#[tokio::test]
async fn a_query_deeper_than_twelve_levels_is_refused() {
    let app = spawn_app().await;
    let mut selection = String::from("name");
    for _ in 0..12 {
        selection = format!("ofType {{ {selection} }}");
    }
    let query = format!("{{ __schema {{ types {{ fields {{ type {{ {selection} }} }} }} }} }}");
    let body = app.graphql(None, &query, json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nested too deep")),
        "{body}"
    );
}

#[tokio::test]
async fn a_query_over_the_complexity_budget_is_refused() {
    let app = spawn_app().await;
    let member = app.register(&email("complex"), "Complex").await;
    let page = "mySessions(first: 100) { edges { cursor node { id userAgent createdAt lastUsedAt expiresAt current } } }";
    let query = format!("{{ a: {page} b: {page} }}");
    let body = app
        .graphql(Some(&member.access_token), &query, json!({}))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("complex")),
        "{body}"
    );
}

#[tokio::test]
async fn a_fragment_fan_out_document_is_refused_before_it_is_validated() {
    let app = spawn_app().await;
    let mut document = String::from("query { ...F0 }\n");
    for level in 0..8 {
        let spreads = vec![format!("...F{}", level + 1); 10].join(" ");
        document.push_str(&format!("fragment F{level} on Query {{ {spreads} }}\n"));
    }
    document.push_str("fragment F8 on Query { me { id } }\n");
    assert!(document.len() < 1000);
    let body = app.graphql(None, &document, json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("expands")),
        "{body}"
    );
}

#[tokio::test]
async fn aliased_logins_in_one_operation_are_refused() {
    let app = spawn_app().await;
    let guesses: Vec<String> = (0..5)
        .map(|i| format!("g{i}: login(input: {{email: \"x@example.no\", password: \"guess number {i}\"}}) {{ accessToken }}"))
        .collect();
    let body = app
        .graphql(
            None,
            &format!("mutation {{ {} }}", guesses.join(" ")),
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["data"], Value::Null);
}

#[tokio::test]
async fn asking_for_more_than_a_hundred_items_is_bad_user_input() {
    let app = spawn_app().await;
    let member = app.register(&email("page"), "Page").await;
    let body = app
        .graphql(
            Some(&member.access_token),
            "{ mySessions(first: 101) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "first");
}

#[tokio::test]
async fn an_overlong_string_argument_is_refused() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            None,
            "mutation($token: String!) { logout(refreshToken: $token) }",
            json!({ "token": "x".repeat(5000) }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
}

#[tokio::test]
async fn an_internal_error_leaks_no_sql_and_names_the_request() {
    let app = spawn_app().await;
    let address = email("broken");
    app.register(&address, "Broken").await;
    app.execute_sql("ALTER TABLE member RENAME TO member_gone")
        .await;

    let response = app
        .client
        .post(app.graphql_url())
        .json(&json!({
            "query": "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            "variables": { "input": { "email": address, "password": "whatever it is" } }
        }))
        .send()
        .await
        .expect("request");
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let raw = response.text().await.expect("body");
    let body: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    assert_eq!(body["errors"][0]["message"], "Internal error");
    for leak in ["SELECT", "select", "member", "table", "relation", "sqlx"] {
        assert!(!raw.contains(leak), "the response leaks {leak:?}: {raw}");
    }
    assert_eq!(
        body["extensions"]["requestId"].as_str(),
        request_id.as_deref()
    );
}
