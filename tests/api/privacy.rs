//! Field-level profile privacy: each profile field is shown to everyone, to members who share an
//! active group with the member, or to the member alone, by every path that shows a profile
//! (a query by handle, `node`, a group's member list, search).

use serde_json::{Value, json};

use crate::{
    groups::{create_group, join_member},
    helpers::{Account, TestApp, email, error_code, spawn_app},
};

const FIELDS: &str = "headline organisation bio websiteUrl email profileVisibility { bio email }";

async fn by_handle(app: &TestApp, viewer: Option<&Account>, handle: &str) -> Value {
    let answer = app
        .graphql(
            viewer.map(|v| v.access_token.as_str()),
            &format!("query($h: String!) {{ memberByHandle(handle: $h) {{ {FIELDS} }} }}"),
            json!({ "h": handle }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["memberByHandle"].clone()
}

async fn by_node(app: &TestApp, viewer: Option<&Account>, id: &str) -> Value {
    let answer = app
        .graphql(
            viewer.map(|v| v.access_token.as_str()),
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on Member {{ {FIELDS} }} }} }}"),
            json!({ "id": id }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["node"].clone()
}

async fn in_member_list(app: &TestApp, viewer: Option<&Account>, slug: &str, id: &str) -> Value {
    let answer = app
        .graphql(
            viewer.map(|v| v.access_token.as_str()),
            &format!(
                "query($slug: String!) {{ group(slug: $slug) {{ members(first: 50) {{ nodes {{
                    member {{ id {FIELDS} }} }} }} }} }}"
            ),
            json!({ "slug": slug }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["group"]["members"]["nodes"]
        .as_array()
        .expect("members")
        .iter()
        .map(|node| node["member"].clone())
        .find(|member| member["id"] == id)
        .expect("the member in the list")
}

/// Which of the fields are shown, in the order headline, organisation, bio, websiteUrl, email.
fn shown(profile: &Value) -> [bool; 5] {
    ["headline", "organisation", "bio", "websiteUrl", "email"]
        .map(|field| !Value::is_null(&profile[field]))
}

#[tokio::test]
async fn each_field_is_shown_to_whom_its_member_says_by_every_path() {
    let app = spawn_app().await;
    let kari = app.register(&email("kari"), "Kari Nordmann").await;
    let group = create_group(&app, &kari, "Etikk", "PUBLIC", "OPEN").await;
    let (fellow, _) = join_member(&app, &group, "Fellow").await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    let updated = app
        .graphql(
            Some(&kari.access_token),
            "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id handle
                profileVisibility { headline organisation bio websiteUrl avatarUrl email } } }",
            json!({ "input": {
                "headline": "Jurist", "organisation": "Datatilsynet", "bio": "Skriver privat om tillitsvalgtarbeid.",
                "websiteUrl": "https://example.no/kari",
                "visibility": { "organisation": "GROUP_MEMBERS", "bio": "ONLY_ME", "email": "GROUP_MEMBERS" },
            } }),
        )
        .await;
    assert!(updated["errors"].is_null(), "{updated}");
    let me = &updated["data"]["updateProfile"];
    assert_eq!(
        me["profileVisibility"],
        json!({ "headline": "EVERYONE", "organisation": "GROUP_MEMBERS", "bio": "ONLY_ME",
                "websiteUrl": "EVERYONE", "avatarUrl": "EVERYONE", "email": "GROUP_MEMBERS" })
    );
    let handle = me["handle"].as_str().expect("handle").to_owned();
    let id = me["id"].as_str().expect("id").to_owned();

    for (viewer, expected, who) in [
        (None, [true, false, false, true, false], "anonymous"),
        (
            Some(&outsider),
            [true, false, false, true, false],
            "outsider",
        ),
        (
            Some(&fellow),
            [true, true, false, true, true],
            "fellow member",
        ),
        (Some(&kari), [true, true, true, true, true], "the member"),
    ] {
        let paths = [
            by_handle(&app, viewer, &handle).await,
            by_node(&app, viewer, &id).await,
            in_member_list(&app, viewer, &group.slug, &id).await,
        ];
        for (path, profile) in ["by handle", "node", "member list"].iter().zip(&paths) {
            assert_eq!(shown(profile), expected, "{who}, {path}: {profile}");
            // The choices themselves are the member's own business.
            assert_eq!(
                Value::is_null(&profile["profileVisibility"]),
                who != "the member",
                "{who}, {path}"
            );
        }
    }

    // Search finds a member by what everyone may see, never by a field kept from some.
    for (query, hits) in [
        ("jurist ", 1),
        ("tillitsvalgtarbeid ", 0),
        ("datatilsynet ", 0),
    ] {
        let answer = app
            .graphql(
                Some(&kari.access_token),
                "query($q: String!) { search(query: $q, kinds: [MEMBER]) { totalCount } }",
                json!({ "q": query }),
            )
            .await;
        assert_eq!(
            answer["data"]["search"]["totalCount"], hits,
            "{query}: {answer}"
        );
    }

    // A field left out keeps its setting; an unknown level is refused and changes nothing.
    let again = app
        .graphql(
            Some(&kari.access_token),
            "mutation { updateProfile(input: {visibility: {bio: EVERYONE}}) {
                profileVisibility { organisation bio } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        again["data"]["updateProfile"]["profileVisibility"],
        json!({ "organisation": "GROUP_MEMBERS", "bio": "EVERYONE" }),
        "{again}"
    );
    let refused = app
        .graphql(
            Some(&kari.access_token),
            "mutation { updateProfile(input: {visibility: {bio: FRIENDS}}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    assert!(!Value::is_null(
        &by_handle(&app, Some(&outsider), &handle).await["bio"]
    ));
}

#[tokio::test]
async fn every_level_of_every_field_holds_for_each_viewer_by_each_path() {
    let app = spawn_app().await;
    let kari = app.register(&email("kari"), "Kari Nordmann").await;
    let group = create_group(&app, &kari, "Etikk", "PUBLIC", "OPEN").await;
    let (fellow, _) = join_member(&app, &group, "Fellow").await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    let filled = app
        .graphql(
            Some(&kari.access_token),
            "mutation { updateProfile(input: {headline: \"Jurist\", organisation: \"Datatilsynet\",
                bio: \"Skriver privat.\", websiteUrl: \"https://example.no/kari\"}) { id handle } }",
            json!({}),
        )
        .await;
    let id = filled["data"]["updateProfile"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let handle = filled["data"]["updateProfile"]["handle"]
        .as_str()
        .expect("handle")
        .to_owned();
    for level in ["EVERYONE", "GROUP_MEMBERS", "ONLY_ME"] {
        let set = app
            .graphql(
                Some(&kari.access_token),
                "mutation($v: FieldVisibility!) { updateProfile(input: {visibility: {
                    headline: $v, organisation: $v, bio: $v, websiteUrl: $v, avatarUrl: $v,
                    email: $v}}) { id } }",
                json!({ "v": level }),
            )
            .await;
        assert!(set["errors"].is_null(), "{set}");
        for (viewer, who, sees) in [
            (None, "anonymous", level == "EVERYONE"),
            (Some(&outsider), "outsider", level == "EVERYONE"),
            (Some(&fellow), "fellow member", level != "ONLY_ME"),
            (Some(&kari), "the member", true),
        ] {
            let paths = [
                by_handle(&app, viewer, &handle).await,
                by_node(&app, viewer, &id).await,
                in_member_list(&app, viewer, &group.slug, &id).await,
            ];
            for (path, profile) in ["by handle", "node", "member list"].iter().zip(&paths) {
                assert_eq!(
                    shown(profile),
                    [sees; 5],
                    "{level}, {who}, {path}: {profile}"
                );
            }
        }
    }
}
