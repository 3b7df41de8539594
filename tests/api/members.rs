use serde_json::{Value, json};

use crate::helpers::{email, error_code, spawn_app, text};

const MEMBER: &str = "query($id: ID!) { member(id: $id) { id displayName email } }";
const UPDATE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) {
    displayName headline organisation bio websiteUrl avatarUrl } }";

#[tokio::test]
async fn an_email_is_visible_only_to_its_member_and_site_admins() {
    let app = spawn_app().await;
    let kari = app.register(&email("kari"), "Kari").await;
    let ola = app.register(&email("ola"), "Ola").await;
    let admin = app.register(&email("admin"), "Admin").await;
    app.execute_sql(&format!(
        "UPDATE member SET is_site_admin = true WHERE email_key = '{}'",
        admin.email.to_lowercase()
    ))
    .await;

    let by_self = app
        .graphql(Some(&kari.access_token), MEMBER, json!({ "id": kari.id }))
        .await;
    let by_other = app
        .graphql(Some(&ola.access_token), MEMBER, json!({ "id": kari.id }))
        .await;
    let by_stranger = app.graphql(None, MEMBER, json!({ "id": kari.id })).await;
    let by_admin = app
        .graphql(Some(&admin.access_token), MEMBER, json!({ "id": kari.id }))
        .await;

    assert_eq!(by_self["data"]["member"]["email"], kari.email.as_str());
    assert_eq!(by_other["data"]["member"]["email"], Value::Null);
    assert_eq!(by_other["data"]["member"]["displayName"], "Kari");
    assert_eq!(by_stranger["data"]["member"]["email"], Value::Null);
    assert_eq!(by_admin["data"]["member"]["email"], kari.email.as_str());
}

#[tokio::test]
async fn a_profile_round_trips_norwegian_letters_in_normalised_form() {
    let app = spawn_app().await;
    let member = app.register(&email("aase"), "Aase").await;
    // "Åse Bjørnstad" typed with a combining ring above: stored composed, trimmed.
    let body = app
        .graphql(
            Some(&member.access_token),
            UPDATE,
            json!({ "input": {
                "displayName": "  A\u{30a}se Bjørnstad ",
                "headline": "Personvernombud, uttaler seg privat",
                "organisation": "Ærlig Øl på Åsen AS",
                "websiteUrl": "https://example.no/åse",
            } }),
        )
        .await;
    let profile = &body["data"]["updateProfile"];
    assert_eq!(profile["displayName"], "Åse Bjørnstad", "{body}");
    assert_eq!(profile["organisation"], "Ærlig Øl på Åsen AS");
    assert_eq!(profile["websiteUrl"], "https://example.no/%C3%A5se");

    let read = app.graphql(None, MEMBER, json!({ "id": member.id })).await;
    assert_eq!(read["data"]["member"]["displayName"], "Åse Bjørnstad");

    let cleared = app
        .graphql(
            Some(&member.access_token),
            UPDATE,
            json!({ "input": { "headline": "" } }),
        )
        .await;
    assert_eq!(cleared["data"]["updateProfile"]["headline"], Value::Null);
    assert_eq!(
        cleared["data"]["updateProfile"]["organisation"],
        "Ærlig Øl på Åsen AS"
    );
}

#[tokio::test]
async fn markup_in_a_profile_is_stored_and_returned_as_written() {
    let app = spawn_app().await;
    let member = app.register(&email("xss"), "X").await;
    let markup = "<img src=x onerror=alert(1)>";
    let body = app
        .graphql(
            Some(&member.access_token),
            UPDATE,
            json!({ "input": { "displayName": markup, "bio": markup } }),
        )
        .await;
    assert_eq!(body["data"]["updateProfile"]["displayName"], markup);
    assert_eq!(body["data"]["updateProfile"]["bio"], markup);
}

#[tokio::test]
async fn a_script_url_in_a_profile_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let member = app.register(&email("url"), "Url").await;
    for url in ["javascript:alert(1)", "file:///etc/passwd", "not a url"] {
        let body = app
            .graphql(
                Some(&member.access_token),
                UPDATE,
                json!({ "input": { "displayName": "Changed", "websiteUrl": url } }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "websiteUrl");
    }
    let read = app.graphql(None, MEMBER, json!({ "id": member.id })).await;
    assert_eq!(read["data"]["member"]["displayName"], "Url");
}

#[tokio::test]
async fn an_anonymous_viewer_cannot_update_a_profile() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            None,
            UPDATE,
            json!({ "input": { "displayName": "Nobody" } }),
        )
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn an_unknown_member_id_is_not_found() {
    let app = spawn_app().await;
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let nobody = URL_SAFE_NO_PAD.encode(format!("Member:{}", uuid::Uuid::nil().simple()));
    for id in ["garbage", nobody.as_str()] {
        let body = app.graphql(None, MEMBER, json!({ "id": id })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    }
}

#[tokio::test]
async fn node_resolves_members_and_only_the_viewers_own_sessions() {
    let app = spawn_app().await;
    let kari = app.register(&email("kari"), "Kari").await;
    let ola = app.register(&email("ola"), "Ola").await;
    let node = "query($id: ID!) { node(id: $id) { id ... on Member { displayName } ... on Session { current } } }";

    let member = app.graphql(None, node, json!({ "id": kari.id })).await;
    assert_eq!(member["data"]["node"]["displayName"], "Kari");

    let sessions = app
        .graphql(
            Some(&kari.access_token),
            "{ mySessions { nodes { id } } }",
            json!({}),
        )
        .await;
    let session_id = text(&sessions["data"]["mySessions"]["nodes"][0]["id"]);
    let own = app
        .graphql(Some(&kari.access_token), node, json!({ "id": session_id }))
        .await;
    assert_eq!(own["data"]["node"]["current"], true, "{own}");
    let other = app
        .graphql(Some(&ola.access_token), node, json!({ "id": session_id }))
        .await;
    assert_eq!(error_code(&other), "NOT_FOUND");
    let stranger = app.graphql(None, node, json!({ "id": session_id })).await;
    assert_eq!(error_code(&stranger), "NOT_FOUND");
}

#[tokio::test]
async fn reading_me_runs_one_statement() {
    let app = spawn_app().await;
    let member = app.register(&email("count"), "Count").await;
    let (body, statements) = app
        .graphql_counted(
            Some(&member.access_token),
            "{ me { id displayName email } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["me"]["displayName"], "Count");
    // The session check reads the member with it; `me` reuses that row.
    assert_eq!(statements, 1);
}

#[tokio::test]
async fn deleting_an_account_anonymises_the_author_and_ends_every_session() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = crate::groups::create_group(&app, &owner, "Farewell", "PUBLIC", "OPEN").await;
    let (leaving, _) = crate::groups::join_member(&app, &group, "Leaving Member").await;
    let thread = app
        .graphql(
            Some(&leaving.access_token),
            "mutation($input: StartThreadInput!) { startThread(input: $input) { id } }",
            json!({ "input": { "groupId": group.id, "title": "Mitt siste innlegg", "body": "Takk for meg." } }),
        )
        .await;
    let thread_id = text(&thread["data"]["startThread"]["id"]);
    let delete = "mutation($password: String!) { deleteAccount(input: {password: $password}) }";

    let wrong = app
        .graphql(
            Some(&leaving.access_token),
            delete,
            json!({ "password": "not my password" }),
        )
        .await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT");
    let deleted = app
        .graphql(
            Some(&leaving.access_token),
            delete,
            json!({ "password": crate::helpers::PASSWORD }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteAccount"], true, "{deleted}");

    let me = app
        .graphql(Some(&leaving.access_token), "{ me { id } }", json!({}))
        .await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED");
    assert_eq!(
        error_code(&app.login(&leaving.email, crate::helpers::PASSWORD).await),
        "UNAUTHENTICATED"
    );
    let author = app
        .graphql(
            None,
            "query($id: ID!) { thread(id: $id) { body author { displayName headline } } }",
            json!({ "id": thread_id }),
        )
        .await;
    assert_eq!(author["data"]["thread"]["body"], "Takk for meg.");
    assert_eq!(
        author["data"]["thread"]["author"],
        json!({ "displayName": "Deleted member", "headline": null })
    );
    let admin_view = app
        .graphql(
            Some(&owner.access_token),
            MEMBER,
            json!({ "id": leaving.id }),
        )
        .await;
    assert_eq!(admin_view["data"]["member"]["email"], Value::Null);
    let members = app
        .graphql(
            None,
            "query($slug: String!) { group(slug: $slug) { memberCount } }",
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(members["data"]["group"]["memberCount"], 1);
}

#[tokio::test]
async fn the_last_owner_of_a_group_cannot_delete_their_account() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    crate::groups::create_group(&app, &owner, "Still needed", "PUBLIC", "OPEN").await;
    let refused = app
        .graphql(
            Some(&owner.access_token),
            "mutation($password: String!) { deleteAccount(input: {password: $password}) }",
            json!({ "password": crate::helpers::PASSWORD }),
        )
        .await;
    assert_eq!(error_code(&refused), "CONFLICT", "{refused}");
    let me = app
        .graphql(
            Some(&owner.access_token),
            "{ me { displayName } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["displayName"], "Owner");
}

#[tokio::test]
async fn a_list_of_members_reads_the_rest_of_their_profiles_only_for_a_field_that_shows_it() {
    let app = spawn_app().await;
    let owner = app.register(&email("lead"), "Leder").await;
    let group = crate::groups::create_group(&app, &owner, "Profiler", "PUBLIC", "OPEN").await;
    for (name, bio) in [("Kari Nordmann", "Jurist."), ("Ola Hansen", "Utvikler.")] {
        let (member, _) = crate::groups::join_member(&app, &group, name).await;
        let body = app
            .graphql(
                Some(&member.access_token),
                "mutation($bio: String!) { updateProfile(input: {bio: $bio}) { id } }",
                json!({ "bio": bio }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let page = |fields: &str| {
        format!(
            "query($slug: String!) {{ group(slug: $slug) {{ members(first: 10) {{
                nodes {{ member {{ displayName {fields} }} }} }} }} }}"
        )
    };
    let names = |body: &Value, field: &str| -> Vec<Value> {
        body["data"]["group"]["members"]["nodes"]
            .as_array()
            .map(|nodes| nodes.iter().map(|n| n["member"][field].clone()).collect())
            .unwrap_or_default()
    };

    let (body, by_name) = app
        .graphql_counted(None, &page("headline"), json!({ "slug": group.slug }))
        .await;
    assert_eq!(
        names(&body, "displayName"),
        [json!("Leder"), json!("Kari Nordmann"), json!("Ola Hansen")]
    );

    // The bios are shown to a visitor (their default), read for the whole page at once.
    let (body, with_bio) = app
        .graphql_counted(None, &page("bio"), json!({ "slug": group.slug }))
        .await;
    assert_eq!(
        names(&body, "bio"),
        [Value::Null, json!("Jurist."), json!("Utvikler.")]
    );
    assert_eq!(with_bio, by_name + 1, "{body}");
}
