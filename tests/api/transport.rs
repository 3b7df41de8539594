use serde_json::{Value, json};

use crate::helpers::{email, error_code, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_batch_is_refused_with_400() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.graphql_url())
        .json(&json!([{ "query": "{ me { id } }" }, { "query": "{ me { id } }" }]))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_mutation_over_get_is_refused_with_405_and_changes_nothing() {
    let app = spawn_app().await;
    let address = email("get");
    let mutation = format!(
        "mutation {{ register(input: {{email: \"{address}\", password: \"long enough password\", displayName: \"Get\"}}) {{ email }} }}"
    );
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[("query", mutation.as_str())])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 405);
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("POST")
    );

    let login = app.login(&address, "long enough password").await;
    assert_eq!(
        error_code(&login),
        "UNAUTHENTICATED",
        "the GET registered an account: {login}"
    );
}

#[tokio::test]
async fn a_query_over_get_works() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[
            ("query", "query($id: ID!) { member(id: $id) { id } }"),
            ("variables", "{\"id\":\"nope\"}"),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_with_415() {
    let app = spawn_app().await;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let response = app
            .client
            .post(app.graphql_url())
            .header("Content-Type", content_type)
            .body(r#"{"query":"{ me { id } }"}"#)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 415, "{content_type}");
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app().await;
    let padding = " ".repeat(70 * 1024);
    let response = app
        .client
        .post(app.graphql_url())
        .header("Content-Type", "application/json")
        .body(format!(r#"{{"query":"{{ me {{ id }} }}"{padding}}}"#))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn the_response_type_follows_the_accept_header() {
    let app = spawn_app().await;
    for (accept, expected) in [
        (
            "application/graphql-response+json, application/json;q=0.9",
            "application/graphql-response+json",
        ),
        ("application/json", "application/json"),
    ] {
        let response = app
            .client
            .post(app.graphql_url())
            .header("Accept", accept)
            .json(&json!({ "query": "{ me { id } }" }))
            .send()
            .await
            .expect("request");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            content_type.starts_with(expected),
            "{accept} gave {content_type}"
        );
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.graphql_url())
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .expect("request");
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(id.len() >= 16, "{id:?}");
    assert_eq!(
        response
            .headers()
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
}

#[tokio::test]
async fn a_browser_gets_graphiql_in_development() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.graphql_url())
        .header("Accept", "text/html")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let policy = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let page = response.text().await.expect("html");
    assert!(page.contains("/graphiql/3.8.3/graphiql.min.js"), "{page}");
    assert!(
        !page.contains("https://"),
        "the page loads something from elsewhere: {page}"
    );
    let script = app
        .client
        .get(format!("{}/graphiql/3.8.3/graphiql.min.js", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(script.status(), 200);
    assert!(script.bytes().await.expect("body").len() > 1_000_000);
}

#[tokio::test]
async fn production_hides_graphiql_introspection_and_suggestions() {
    let app = spawn_app_with(&[
        ("APP_ENV", "production"),
        ("MAIL", "off"),
        ("PASSWORD_HASH_MEMORY_KIB", "19456"),
        ("PASSWORD_HASH_ITERATIONS", "2"),
    ])
    .await;
    let page = app
        .client
        .get(app.graphql_url())
        .header("Accept", "text/html")
        .send()
        .await
        .expect("request");
    assert_ne!(page.status(), 200);

    // Refused with an error and no data at all, never a null in the non-null `__schema`.
    for query in [
        "{ __schema { queryType { name } } }",
        "{ ...F } fragment F on Query { __type(name: \"Query\") { name } }",
    ] {
        let introspection = app.graphql(None, query, json!({})).await;
        assert_eq!(
            error_code(&introspection),
            "GRAPHQL_VALIDATION_FAILED",
            "{introspection}"
        );
        assert_eq!(introspection["data"], Value::Null, "{introspection}");
    }
    let typename = app.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(typename["data"]["__typename"], "Query", "{typename}");
    let typo = app.graphql(None, "{ mee { id } }", json!({})).await;
    let message = typo["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("Did you mean"), "{message}");
    let sdl = app
        .client
        .get(format!("{}/schema.graphql", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(sdl.status(), 404);
}

#[tokio::test]
async fn a_refused_document_is_400_without_data_for_graphql_response_json_clients() {
    let app = spawn_app().await;
    let send = |accept: &'static str| {
        app.client
            .post(app.graphql_url())
            .header("Accept", accept)
            .json(&json!({ "query": "{ me { id } nope }" }))
            .send()
    };
    let modern = send("application/graphql-response+json")
        .await
        .expect("request");
    assert_eq!(modern.status(), 400);
    let body: Value = modern.json().await.expect("json");
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED");

    let legacy = send("application/json").await.expect("request");
    assert_eq!(legacy.status(), 200);
    let body: Value = legacy.json().await.expect("json");
    assert_eq!(body["data"], Value::Null);

    // A field error is not a request error: 200 with partial data.
    let field_error = app
        .client
        .post(app.graphql_url())
        .header("Accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ me { id } member(id: \"nope\") { id } }" }))
        .send()
        .await
        .expect("request");
    assert_eq!(field_error.status(), 200);
    let body: Value = field_error.json().await.expect("json");
    assert_eq!(error_code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn a_syntax_error_says_where_and_what_was_expected() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.graphql_url())
        .header("Accept", "application/graphql-response+json")
        .json(&json!({ "query": "{\n  me {\n    id\n" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "GRAPHQL_PARSE_FAILED", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Syntax error at line 4, column 1: expected"),
        "{message}"
    );
    assert!(
        !message.contains('\n') && !message.contains("-->"),
        "{message}"
    );
}

#[tokio::test]
async fn document_errors_and_input_errors_have_different_codes() {
    let app = spawn_app().await;
    let unknown = app.graphql(None, "{ me { id } nope }", json!({})).await;
    assert_eq!(
        error_code(&unknown),
        "GRAPHQL_VALIDATION_FAILED",
        "{unknown}"
    );

    let wrong_value = app
        .graphql(
            None,
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({ "input": { "email": "a@example.no", "password": 42 } }),
        )
        .await;
    assert_eq!(error_code(&wrong_value), "BAD_USER_INPUT", "{wrong_value}");
    assert_eq!(
        wrong_value["errors"][0]["extensions"]["field"], "password",
        "{wrong_value}"
    );

    // A DateTime that does not parse names its field too.
    let member = app.register(&email("coerce"), "Coerce").await;
    let bad_time = app
        .graphql(
            Some(&member.access_token),
            "mutation($input: CreateMeetupInput!) { createMeetup(input: $input) { id } }",
            json!({ "input": { "groupId": "x", "title": "Frokost", "kind": "FORMAL", "format": "IN_PERSON", "startsAt": "i morgen", "endsAt": "i morgen" } }),
        )
        .await;
    assert_eq!(error_code(&bad_time), "BAD_USER_INPUT", "{bad_time}");
    assert_eq!(
        bad_time["errors"][0]["extensions"]["field"], "startsAt",
        "{bad_time}"
    );
}

#[tokio::test]
async fn a_body_without_a_query_is_400_missing_query() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.graphql_url())
        .json(&json!({ "variables": {} }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["message"], "Missing query");
}

#[tokio::test]
async fn every_refusal_names_its_request_id() {
    let app = spawn_app().await;
    let url = app.graphql_url();
    let refusals = [
        app.client
            .post(&url)
            .bearer_auth("not-a-token")
            .json(&json!({ "query": "{ me { id } }" })),
        app.client
            .post(&url)
            .json(&json!([{ "query": "{ me { id } }" }])),
        app.client
            .put(&url)
            .json(&json!({ "query": "{ me { id } }" })),
        app.client
            .post(&url)
            .header("Content-Type", "text/plain")
            .body("{ me { id } }"),
    ];
    let mut statuses = Vec::new();
    for refusal in refusals {
        let response = refusal.send().await.expect("request");
        statuses.push(response.status().as_u16());
        let header = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value = response.json().await.expect("json");
        assert!(header.is_some());
        assert_eq!(
            body["extensions"]["requestId"].as_str(),
            header.as_deref(),
            "{body}"
        );
    }
    assert_eq!(statuses, [401, 400, 405, 415]);
}

#[tokio::test]
async fn a_browser_on_an_allowed_origin_passes_the_preflight() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", "https://app.example.no")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.graphql_url())
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://app.example.no").await.expect("request");
    assert!(allowed.status().is_success(), "{}", allowed.status());
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default()
    };
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        "https://app.example.no"
    );
    let methods = header(&allowed, "access-control-allow-methods");
    assert!(
        methods.contains("post") && methods.contains("get"),
        "{methods}"
    );
    let headers = header(&allowed, "access-control-allow-headers");
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
    assert!(header(&allowed, "vary").contains("origin"));

    let refused = preflight("https://evil.example").await.expect("request");
    assert!(header(&refused, "access-control-allow-origin").is_empty());

    // The request itself: the allowed origin may read the answer and its request id.
    let response = app
        .client
        .post(app.graphql_url())
        .header("Origin", "https://app.example.no")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("request");
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        "https://app.example.no"
    );
    assert!(header(&response, "access-control-expose-headers").contains("x-request-id"));
    // Another origin is answered (the browser withholds it) without CORS headers.
    let other = app
        .client
        .post(app.graphql_url())
        .header("Origin", "https://evil.example")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("request");
    assert_eq!(other.status(), 200);
    assert!(header(&other, "access-control-allow-origin").is_empty());
}

#[tokio::test]
async fn development_allows_a_frontend_dev_server_on_any_local_port() {
    let app = spawn_app().await;
    let response = app
        .client
        .request(reqwest::Method::OPTIONS, app.graphql_url())
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("request");
    assert!(response.status().is_success());
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:5173")
    );
}
