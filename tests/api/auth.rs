use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::helpers::{JWT_SECRET, PASSWORD, email, error_code, spawn_app, spawn_app_with, text};

const ME: &str = "{ me { id displayName email } }";
const REFRESH: &str = "mutation($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken } }";

#[tokio::test]
async fn a_member_registers_logs_in_and_sees_themself_in_me() {
    let app = spawn_app().await;
    let address = email("kari");
    let registered = app.register(&address, "Kari Nordmann").await;

    let login = app.login(&address.to_uppercase(), PASSWORD).await;
    let token = text(&login["data"]["login"]["accessToken"]);
    assert_eq!(
        login["data"]["login"]["member"]["id"],
        registered.id.as_str()
    );

    let me = app.graphql(Some(&token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["displayName"], "Kari Nordmann");
    assert_eq!(me["data"]["me"]["email"], address.as_str());
}

#[tokio::test]
async fn me_is_null_for_an_anonymous_viewer() {
    let app = spawn_app().await;
    let body = app.graphql(None, ME, json!({})).await;
    assert_eq!(body["data"]["me"], Value::Null);
    assert!(body.get("errors").is_none());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_give_the_same_error() {
    let app = spawn_app().await;
    let address = email("ola");
    app.register(&address, "Ola").await;

    let wrong_password = app.login(&address, "not the password at all").await;
    let unknown_email = app.login(&email("nobody"), PASSWORD).await;

    assert_eq!(error_code(&wrong_password), "UNAUTHENTICATED");
    assert_eq!(
        wrong_password["errors"][0]["message"],
        unknown_email["errors"][0]["message"]
    );
    assert_eq!(error_code(&unknown_email), "UNAUTHENTICATED");
    assert_eq!(wrong_password["data"], Value::Null);
}

#[tokio::test]
async fn registering_a_taken_address_answers_as_for_a_new_one_and_changes_nothing() {
    let app = spawn_app().await;
    let address = email("ingrid");
    app.register(&address, "Ingrid").await;
    let register = "mutation($input: RegisterInput!) { register(input: $input) { email } }";

    let again = app
        .graphql(
            None,
            register,
            json!({ "input": { "email": address.to_uppercase(), "password": "another password 123", "displayName": "Impostor" } }),
        )
        .await;
    let fresh_address = email("fresh").to_uppercase();
    let fresh = app
        .graphql(
            None,
            register,
            json!({ "input": { "email": fresh_address, "password": "another password 123", "displayName": "Fresh" } }),
        )
        .await;
    // The same shape of answer: a stranger learns nothing about who has an account.
    assert_eq!(
        again,
        json!({ "data": { "register": { "email": address.to_uppercase() } } })
    );
    assert_eq!(
        fresh,
        json!({ "data": { "register": { "email": fresh_address } } })
    );

    // The original account still signs in with its own password, and the impostor's does not.
    let login = app.login(&address, PASSWORD).await;
    assert_eq!(login["data"]["login"]["member"]["displayName"], "Ingrid");
    let impostor = app.login(&address, "another password 123").await;
    assert_eq!(error_code(&impostor), "UNAUTHENTICATED", "{impostor}");
}

#[tokio::test]
async fn registration_names_the_field_that_is_wrong() {
    let app = spawn_app().await;
    let register = "mutation($input: RegisterInput!) { register(input: $input) { email } }";
    let cases = [
        (
            json!({ "email": email("a"), "password": "short", "displayName": "A" }),
            "password",
        ),
        (
            json!({ "email": "not-an-address", "password": PASSWORD, "displayName": "A" }),
            "email",
        ),
        (
            json!({ "email": email("b"), "password": PASSWORD, "displayName": "   " }),
            "displayName",
        ),
    ];
    for (input, field) in cases {
        let body = app.graphql(None, register, json!({ "input": input })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn refreshing_rotates_the_refresh_token() {
    let app = spawn_app().await;
    let account = app.register(&email("per"), "Per").await;

    let first = app
        .graphql(None, REFRESH, json!({ "token": account.refresh_token }))
        .await;
    let rotated = text(&first["data"]["refreshSession"]["refreshToken"]);
    assert_ne!(rotated, account.refresh_token);
    let access = text(&first["data"]["refreshSession"]["accessToken"]);
    let me = app.graphql(Some(&access), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["id"], account.id.as_str());

    let second = app
        .graphql(None, REFRESH, json!({ "token": rotated }))
        .await;
    assert!(
        second["data"]["refreshSession"]["refreshToken"].is_string(),
        "{second}"
    );
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_session() {
    let app = spawn_app().await;
    let account = app.register(&email("lise"), "Lise").await;
    let first = app
        .graphql(None, REFRESH, json!({ "token": account.refresh_token }))
        .await;
    let newest = text(&first["data"]["refreshSession"]["refreshToken"]);
    let newest_access = text(&first["data"]["refreshSession"]["accessToken"]);

    let reuse = app
        .graphql(None, REFRESH, json!({ "token": account.refresh_token }))
        .await;
    assert_eq!(error_code(&reuse), "UNAUTHENTICATED");

    // The thief's copy and the client's newest token both stop working.
    let after = app.graphql(None, REFRESH, json!({ "token": newest })).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED");
    let me = app.graphql(Some(&newest_access), ME, json!({})).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED");
}

#[tokio::test]
async fn logout_ends_the_access_token() {
    let app = spawn_app().await;
    let account = app.register(&email("nils"), "Nils").await;
    let logout = app
        .graphql(
            Some(&account.access_token),
            "mutation($token: String!) { logout(refreshToken: $token) }",
            json!({ "token": account.refresh_token }),
        )
        .await;
    assert_eq!(logout["data"]["logout"], true);

    let response = app
        .client
        .post(app.graphql_url())
        .bearer_auth(&account.access_token)
        .json(&json!({ "query": ME }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "UNAUTHENTICATED");

    let refresh = app
        .graphql(None, REFRESH, json!({ "token": account.refresh_token }))
        .await;
    assert_eq!(error_code(&refresh), "UNAUTHENTICATED");
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json claims")
}

fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("sign")
}

#[tokio::test]
async fn expired_forged_unsigned_and_wrong_audience_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    let account = app.register(&email("berit"), "Berit").await;
    let claims = claims_of(&account.access_token);
    let now = chrono::Utc::now().timestamp();

    let mut expired = claims.clone();
    expired["exp"] = json!(now - 3600);
    let mut wrong_audience = claims.clone();
    wrong_audience["aud"] = json!("someone-else");
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let tokens = [
        sign(&expired, JWT_SECRET.as_bytes()),
        sign(&claims, b"another-secret-that-is-long-enough-0123456789"),
        unsigned,
        sign(&wrong_audience, JWT_SECRET.as_bytes()),
        "not a token".to_owned(),
    ];
    for token in tokens {
        let body = app.graphql(Some(&token), ME, json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{token}: {body}");
        assert!(body.get("data").is_none_or(Value::is_null));
    }
    // The genuine token still works.
    let me = app
        .graphql(Some(&account.access_token), ME, json!({}))
        .await;
    assert_eq!(me["data"]["me"]["id"], account.id.as_str());
}

#[tokio::test]
async fn a_malformed_authorization_header_is_not_silently_anonymous() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.graphql_url())
        .header("Authorization", "Basic a2FyaTpwYXNz")
        .json(&json!({ "query": ME }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn repeated_failed_logins_from_one_address_are_rate_limited() {
    let app = spawn_app_with(&[("LOGIN_LIMIT_PER_ADDRESS_PER_MINUTE", "3")]).await;
    let address = email("target");
    // Registering signed in once: two more attempts fill the minute's budget.
    app.register(&address, "Target").await;
    for _ in 0..2 {
        let body = app.login(&address, "wrong password guess").await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    let limited = app.login(&address, PASSWORD).await;
    assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited}");
    let retry = limited["errors"][0]["extensions"]["retryAfterSeconds"].as_u64();
    assert!(
        retry.is_some_and(|seconds| (1..=60).contains(&seconds)),
        "{limited}"
    );
}

#[tokio::test]
async fn registrations_from_one_address_are_rate_limited() {
    let app = spawn_app_with(&[("REGISTER_LIMIT_PER_ADDRESS_PER_HOUR", "2")]).await;
    app.register(&email("one"), "One").await;
    app.register(&email("two"), "Two").await;
    let third = app
        .graphql(
            None,
            "mutation($input: RegisterInput!) { register(input: $input) { email } }",
            json!({ "input": { "email": email("three"), "password": PASSWORD, "displayName": "Three" } }),
        )
        .await;
    assert_eq!(error_code(&third), "RATE_LIMITED", "{third}");
    assert!(
        third["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .is_some_and(|s| s > 60)
    );
}

#[tokio::test]
async fn throttles_can_be_switched_off_for_load_tests() {
    let app = spawn_app_with(&[
        ("LOGIN_LIMIT_PER_ADDRESS_PER_MINUTE", "1"),
        ("RATE_LIMIT", "off"),
    ])
    .await;
    let address = email("load");
    app.register(&address, "Load").await;
    for _ in 0..3 {
        let body = app.login(&address, PASSWORD).await;
        assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn changing_the_password_signs_out_the_other_sessions() {
    let app = spawn_app().await;
    let address = email("eva");
    let laptop = app.register(&address, "Eva").await;
    let phone = app.login(&address, PASSWORD).await;
    let phone_token = text(&phone["data"]["login"]["accessToken"]);

    let change = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) }";
    let wrong = app
        .graphql(
            Some(&laptop.access_token),
            change,
            json!({ "input": { "currentPassword": "not my password", "newPassword": "a brand new password" } }),
        )
        .await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT");
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "currentPassword");

    let changed = app
        .graphql(
            Some(&laptop.access_token),
            change,
            json!({ "input": { "currentPassword": PASSWORD, "newPassword": "a brand new password" } }),
        )
        .await;
    assert_eq!(changed["data"]["changePassword"], true, "{changed}");

    let phone_me = app.graphql(Some(&phone_token), ME, json!({})).await;
    assert_eq!(error_code(&phone_me), "UNAUTHENTICATED");
    let laptop_me = app.graphql(Some(&laptop.access_token), ME, json!({})).await;
    assert_eq!(laptop_me["data"]["me"]["id"], laptop.id.as_str());
    assert_eq!(
        error_code(&app.login(&address, PASSWORD).await),
        "UNAUTHENTICATED"
    );
    assert!(app.login(&address, "a brand new password").await["data"]["login"].is_object());
}

#[tokio::test]
async fn changing_the_password_requires_signing_in() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            None,
            "mutation { changePassword(input: {currentPassword: \"x\", newPassword: \"yyyyyyyyyyyy\"}) }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_member_pages_through_and_revokes_their_sessions() {
    let app = spawn_app().await;
    let address = email("tor");
    let first = app.register(&address, "Tor").await;
    for _ in 0..4 {
        app.login(&address, PASSWORD).await;
    }
    let sessions = "query($after: String) { mySessions(first: 2, after: $after) {
        totalCount edges { cursor node { id current } } pageInfo { hasNextPage endCursor } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .graphql(
                Some(&first.access_token),
                sessions,
                json!({ "after": after }),
            )
            .await;
        let connection = &page["data"]["mySessions"];
        assert_eq!(connection["totalCount"], 5, "{page}");
        for edge in connection["edges"].as_array().expect("edges") {
            seen.push(text(&edge["node"]["id"]));
        }
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 5);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "pages overlapped: {seen:?}");

    let other = app.register(&email("other"), "Other").await;
    let refused = app
        .graphql(
            Some(&other.access_token),
            "mutation($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": seen[0] }),
        )
        .await;
    assert_eq!(error_code(&refused), "NOT_FOUND");

    let revoked = app
        .graphql(
            Some(&first.access_token),
            "mutation($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": seen[0] }),
        )
        .await;
    assert_eq!(revoked["data"]["revokeSession"], true);
    let count = app
        .graphql(
            Some(&first.access_token),
            "{ mySessions { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(count["data"]["mySessions"]["totalCount"], 4, "{count}");
}

#[tokio::test]
async fn password_reset_requests_are_rate_limited_per_client_address() {
    let app = spawn_app_with(&[("PASSWORD_RESET_LIMIT_PER_ADDRESS_PER_HOUR", "2")]).await;
    let request = "mutation($email: String!) { requestPasswordReset(input: {email: $email}) }";
    for _ in 0..2 {
        let body = app
            .graphql(None, request, json!({ "email": email("someone") }))
            .await;
        assert_eq!(body["data"]["requestPasswordReset"], true, "{body}");
    }
    let limited = app
        .graphql(None, request, json!({ "email": email("someone") }))
        .await;
    assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited}");
    let not_an_address = app
        .graphql(None, request, json!({ "email": "nobody" }))
        .await;
    assert_eq!(
        error_code(&not_an_address),
        "RATE_LIMITED",
        "{not_an_address}"
    );
}
