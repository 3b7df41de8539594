//! Group guidelines: owners publish versions, joining asks for the current one, and a new
//! version must be accepted once before a member writes in the group again.

use serde_json::{Value, json};

use crate::{
    discussions::start_thread,
    groups::{TestGroup, create_group},
    helpers::{Account, TestApp, email, error_code, spawn_app},
};

const PUBLISH: &str = "mutation($input: PublishGroupGuidelinesInput!) {
    publishGroupGuidelines(input: $input) { guidelines { version bodyHtml publishedBy { displayName } } } }";
const JOIN: &str = "mutation($input: JoinGroupInput!) { joinGroup(input: $input) { status } }";
const GROUP: &str = "query($slug: String!) { group(slug: $slug) { memberCount
    viewerMustAcceptGuidelines guidelines { version body } viewerMembership { acceptedGuidelinesVersion } } }";

async fn publish(app: &TestApp, actor: &Account, group: &TestGroup, body: &str) -> Value {
    app.graphql(
        Some(&actor.access_token),
        PUBLISH,
        json!({ "input": { "groupId": group.id, "body": body } }),
    )
    .await
}

async fn group_page(app: &TestApp, viewer: Option<&Account>, group: &TestGroup) -> Value {
    let answer = app
        .graphql(
            viewer.map(|v| v.access_token.as_str()),
            GROUP,
            json!({ "slug": group.slug }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["group"].clone()
}

async fn comment(app: &TestApp, author: &Account, thread: &str) -> Value {
    app.graphql(
        Some(&author.access_token),
        "mutation($input: PostCommentInput!) { postComment(input: $input) { id } }",
        json!({ "input": { "threadId": thread, "body": "Enig." } }),
    )
    .await
}

#[tokio::test]
async fn a_new_version_of_the_guidelines_must_be_accepted_before_posting_again() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Sosiale medier", "PUBLIC", "OPEN").await;
    let kari = app.register(&email("kari"), "Kari").await;

    // Only owners publish; anyone may read them before joining.
    assert_eq!(
        error_code(&publish(&app, &kari, &group, "Vær snill.").await),
        "FORBIDDEN"
    );
    let published = publish(
        &app,
        &owner,
        &group,
        "# Retningslinjer\n\nSi hvem du snakker for.",
    )
    .await;
    assert_eq!(
        published["data"]["publishGroupGuidelines"]["guidelines"],
        json!({ "version": 1, "bodyHtml": "<h1>Retningslinjer</h1>\n<p>Si hvem du snakker for.</p>\n",
                "publishedBy": { "displayName": "Owner" } }),
        "{published}"
    );
    assert_eq!(
        group_page(&app, None, &group).await["guidelines"]["version"],
        1
    );

    // Joining asks for the current version, and a refused join changes nothing.
    let without = app
        .graphql(
            Some(&kari.access_token),
            JOIN,
            json!({ "input": { "groupId": group.id } }),
        )
        .await;
    assert_eq!(error_code(&without), "BAD_USER_INPUT", "{without}");
    assert_eq!(
        without["errors"][0]["extensions"]["field"],
        "acceptedGuidelinesVersion"
    );
    let older_clients = app
        .graphql(
            Some(&kari.access_token),
            "mutation($id: ID!) { joinGroup(groupId: $id) { status } }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(
        error_code(&older_clients),
        "BAD_USER_INPUT",
        "{older_clients}"
    );
    assert_eq!(group_page(&app, None, &group).await["memberCount"], 1);
    let joined = app
        .graphql(
            Some(&kari.access_token),
            JOIN,
            json!({ "input": { "groupId": group.id, "acceptedGuidelinesVersion": 1 } }),
        )
        .await;
    assert_eq!(joined["data"]["joinGroup"]["status"], "ACTIVE", "{joined}");
    let thread = start_thread(&app, &kari, &group, "Privat eller ansatt?", "Klokka fire?").await;

    // A second version: Kari is asked once; the owner who published it is not.
    publish(
        &app,
        &owner,
        &group,
        "Si hvem du snakker for, og vær saklig.",
    )
    .await;
    let refused = comment(&app, &kari, &thread).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["guidelinesVersion"], 2,
        "{refused}"
    );
    let seen = group_page(&app, Some(&kari), &group).await;
    assert_eq!(seen["viewerMustAcceptGuidelines"], true, "{seen}");
    assert_eq!(seen["viewerMembership"]["acceptedGuidelinesVersion"], 1);
    assert!(comment(&app, &owner, &thread).await["errors"].is_null());
    let accept = "mutation($input: AcceptGroupGuidelinesInput!) {
        acceptGroupGuidelines(input: $input) { viewerMustAcceptGuidelines } }";
    let stale = app
        .graphql(
            Some(&kari.access_token),
            accept,
            json!({ "input": { "groupId": group.id, "version": 1 } }),
        )
        .await;
    assert_eq!(error_code(&stale), "CONFLICT", "{stale}");
    let accepted = app
        .graphql(
            Some(&kari.access_token),
            accept,
            json!({ "input": { "groupId": group.id, "version": 2 } }),
        )
        .await;
    assert_eq!(
        accepted["data"]["acceptGroupGuidelines"]["viewerMustAcceptGuidelines"], false,
        "{accepted}"
    );
    let posted = comment(&app, &kari, &thread).await;
    assert!(posted["data"]["postComment"]["id"].is_string(), "{posted}");

    // Someone who read the old version cannot join with it; an outsider cannot accept.
    let ola = app.register(&email("ola"), "Ola").await;
    let stale_join = app
        .graphql(
            Some(&ola.access_token),
            JOIN,
            json!({ "input": { "groupId": group.id, "acceptedGuidelinesVersion": 1 } }),
        )
        .await;
    assert_eq!(error_code(&stale_join), "CONFLICT", "{stale_join}");
    let outsider = app
        .graphql(
            Some(&ola.access_token),
            accept,
            json!({ "input": { "groupId": group.id, "version": 2 } }),
        )
        .await;
    assert_eq!(error_code(&outsider), "FORBIDDEN", "{outsider}");
}
