//! Speaking as oneself or for an employer: organisations, affiliations, representatives, and
//! the persona each thread, comment and shared resource is written in.

use serde_json::{Value, json};

use crate::{
    discussions::start_thread,
    groups::{TestGroup, create_group, join_member},
    helpers::{Account, PASSWORD, TestApp, email, error_code, spawn_app, text},
};

const PERSONA: &str = "speakingAs organisation { name } roleTitle";

/// A site admin's token (a new sign-in carries the role).
pub async fn site_admin(app: &TestApp) -> String {
    let admin = app.register(&email("admin"), "Admin").await;
    app.execute_sql(&format!(
        "UPDATE member SET is_site_admin = TRUE WHERE email = '{}'",
        admin.email
    ))
    .await;
    let login = app.login(&admin.email, PASSWORD).await;
    text(&login["data"]["login"]["accessToken"])
}

async fn call(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql(Some(token), query, variables).await
}

pub async fn create_organisation(app: &TestApp, token: &str) -> Value {
    call(
        app,
        token,
        "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) {
            id slug name verifiedDomain } }",
        json!({ "input": { "name": "Bedrift AS", "websiteUrl": "https://bedrift.no",
                           "verifiedDomain": "Bedrift.NO" } }),
    )
    .await
}

async fn affiliate(app: &TestApp, member: &Account, organisation: &str) -> Value {
    call(
        app,
        &member.access_token,
        "mutation($input: AddAffiliationInput!) { addAffiliation(input: $input) {
            id verified roleTitle role organisation { slug } } }",
        json!({ "input": { "organisationId": organisation, "roleTitle": "Personvernombud" } }),
    )
    .await
}

async fn thread_as(app: &TestApp, author: &Account, group: &TestGroup, persona: Value) -> Value {
    let mut input =
        json!({ "groupId": group.id, "title": "Hvor går grensen?", "body": "Klokka fire?" });
    if let (Some(input), Some(persona)) = (input.as_object_mut(), persona.as_object()) {
        input.extend(persona.clone());
    }
    call(
        app,
        &author.access_token,
        &format!("mutation($input: StartThreadInput!) {{ startThread(input: $input) {{ id {PERSONA} }} }}"),
        json!({ "input": input }),
    )
    .await
}

async fn comment_as(app: &TestApp, author: &Account, thread: &str, persona: Value) -> Value {
    let mut input = json!({ "threadId": thread, "body": "Vi ser det annerledes." });
    if let (Some(input), Some(persona)) = (input.as_object_mut(), persona.as_object()) {
        input.extend(persona.clone());
    }
    call(
        app,
        &author.access_token,
        &format!("mutation($input: PostCommentInput!) {{ postComment(input: $input) {{ id {PERSONA} }} }}"),
        json!({ "input": input }),
    )
    .await
}

async fn statements(app: &TestApp, token: Option<&str>, slug: &str) -> Vec<String> {
    let answer = app
        .graphql(
            token,
            "query($slug: String!) { organisation(slug: $slug) { statements(first: 10) {
                totalCount nodes { __typename ... on Thread { id } ... on Comment { id }
                ... on Resource { id } } } } }",
            json!({ "slug": slug }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    let statements = &answer["data"]["organisation"]["statements"];
    let ids: Vec<String> = statements["nodes"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|node| text(&node["id"]))
        .collect();
    assert_eq!(statements["totalCount"], ids.len(), "{answer}");
    ids
}

#[tokio::test]
async fn members_post_as_private_affiliated_and_on_behalf_and_old_posts_keep_their_persona() {
    let app = spawn_app().await;
    let admin = site_admin(&app).await;
    let kari = app.register("kari@bedrift.no", "Kari Nordmann").await;

    // Only site admins create organisations.
    assert_eq!(
        error_code(&create_organisation(&app, &kari.access_token).await),
        "FORBIDDEN"
    );
    let created = create_organisation(&app, &admin).await;
    let organisation = &created["data"]["createOrganisation"];
    assert_eq!(organisation["slug"], "bedrift-as", "{created}");
    assert_eq!(organisation["verifiedDomain"], "bedrift.no");
    let org_id = text(&organisation["id"]);

    // Kari's verified address at the verified domain confirms her affiliation at once; Ola's
    // does not, and nobody speaks for the organisation yet.
    let kari_affiliation = affiliate(&app, &kari, &org_id).await;
    assert_eq!(
        kari_affiliation["data"]["addAffiliation"]["verified"], true,
        "{kari_affiliation}"
    );
    let kari_affiliation = text(&kari_affiliation["data"]["addAffiliation"]["id"]);
    assert_eq!(
        error_code(&affiliate(&app, &kari, &org_id).await),
        "CONFLICT"
    );
    let group = create_group(&app, &kari, "Sosiale medier", "PUBLIC", "OPEN").await;
    let (ola, _) = join_member(&app, &group, "Ola").await;
    let ola_affiliation = affiliate(&app, &ola, &org_id).await;
    assert_eq!(
        ola_affiliation["data"]["addAffiliation"]["verified"], false,
        "{ola_affiliation}"
    );
    let thread = start_thread(
        &app,
        &kari,
        &group,
        "Retningslinjer",
        "Hva sier arbeidsgiver?",
    )
    .await;

    for (persona, code, field) in [
        // An unconfirmed affiliation shows no employer.
        (
            json!({ "speakingAs": "AFFILIATED", "organisationId": org_id }),
            "FORBIDDEN",
            None,
        ),
        // A non-representative cannot post on behalf.
        (
            json!({ "speakingAs": "ON_BEHALF", "organisationId": org_id }),
            "FORBIDDEN",
            None,
        ),
        // A persona names its organisation exactly when it shows one.
        (
            json!({ "speakingAs": "PRIVATE", "organisationId": org_id }),
            "BAD_USER_INPUT",
            Some("organisationId"),
        ),
        (
            json!({ "speakingAs": "AFFILIATED" }),
            "BAD_USER_INPUT",
            Some("organisationId"),
        ),
        (
            json!({ "organisationId": org_id }),
            "BAD_USER_INPUT",
            Some("speakingAs"),
        ),
    ] {
        let refused = comment_as(&app, &ola, &thread, persona.clone()).await;
        assert_eq!(error_code(&refused), code, "{persona}: {refused}");
        if let Some(field) = field {
            assert_eq!(
                refused["errors"][0]["extensions"]["field"], field,
                "{refused}"
            );
        }
    }
    // Ola cannot make himself a representative; a site admin makes Kari one.
    let grant = "mutation($input: SetOrganisationRoleInput!) { setOrganisationRole(input: $input) {
        representatives { nodes { displayName } } } }";
    let ola_id = text(
        &app.graphql(Some(&ola.access_token), "{ me { id } }", json!({}))
            .await["data"]["me"]["id"],
    );
    let kari_id = text(
        &app.graphql(Some(&kari.access_token), "{ me { id } }", json!({}))
            .await["data"]["me"]["id"],
    );
    let refused = call(&app, &ola.access_token, grant,
        json!({ "input": { "organisationId": org_id, "memberId": ola_id, "role": "REPRESENTATIVE" } })).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let granted = call(&app, &admin, grant,
        json!({ "input": { "organisationId": org_id, "memberId": kari_id, "role": "REPRESENTATIVE" } })).await;
    assert_eq!(
        granted["data"]["setOrganisationRole"]["representatives"]["nodes"],
        json!([{ "displayName": "Kari Nordmann" }]),
        "{granted}"
    );

    // The three personas, as anyone reading sees them.
    let private = comment_as(&app, &kari, &thread, json!({})).await;
    assert_eq!(
        private["data"]["postComment"],
        json!({ "id": private["data"]["postComment"]["id"], "speakingAs": "PRIVATE", "organisation": null, "roleTitle": null }),
        "{private}"
    );
    let affiliated = comment_as(
        &app,
        &kari,
        &thread,
        json!({ "speakingAs": "AFFILIATED", "organisationId": org_id }),
    )
    .await;
    let affiliated_id = text(&affiliated["data"]["postComment"]["id"]);
    assert_eq!(
        affiliated["data"]["postComment"]["speakingAs"], "AFFILIATED",
        "{affiliated}"
    );
    assert_eq!(
        affiliated["data"]["postComment"]["organisation"]["name"],
        "Bedrift AS"
    );
    assert_eq!(
        affiliated["data"]["postComment"]["roleTitle"],
        "Personvernombud"
    );
    let official = thread_as(
        &app,
        &kari,
        &group,
        json!({ "speakingAs": "ON_BEHALF", "organisationId": org_id }),
    )
    .await;
    let official_id = text(&official["data"]["startThread"]["id"]);
    assert_eq!(
        official["data"]["startThread"]["speakingAs"], "ON_BEHALF",
        "{official}"
    );
    assert_eq!(
        official["data"]["startThread"]["organisation"]["name"],
        "Bedrift AS"
    );
    assert_eq!(official["data"]["startThread"]["roleTitle"], Value::Null);
    assert_eq!(
        statements(&app, None, "bedrift-as").await,
        vec![official_id.clone()]
    );
    let shared = call(&app, &kari.access_token,
        &format!("mutation($input: ShareResourceInput!) {{ shareResource(input: $input) {{ id {PERSONA} }} }}"),
        json!({ "input": { "groupId": group.id, "title": "Våre retningslinjer", "kind": "DOCUMENT",
                           "url": "https://bedrift.no/retningslinjer",
                           "speakingAs": "ON_BEHALF", "organisationId": org_id } })).await;
    assert_eq!(
        shared["data"]["shareResource"]["organisation"]["name"], "Bedrift AS",
        "{shared}"
    );
    let shared_id = text(&shared["data"]["shareResource"]["id"]);
    assert_eq!(
        statements(&app, None, "bedrift-as").await,
        vec![shared_id.clone(), official_id.clone()]
    );

    // Editing the text never changes the persona silently.
    let edited = call(&app, &kari.access_token,
        &format!("mutation($input: EditCommentInput!) {{ editComment(input: $input) {{ body {PERSONA} }} }}"),
        json!({ "input": { "commentId": affiliated_id, "body": "Vi ser det annerledes, og her er hvorfor." } })).await;
    assert_eq!(
        edited["data"]["editComment"]["speakingAs"], "AFFILIATED",
        "{edited}"
    );
    assert_eq!(
        edited["data"]["editComment"]["organisation"]["name"],
        "Bedrift AS"
    );

    // A default: everywhere affiliated, but private in this group.
    let set_default =
        "mutation($input: SetDefaultPersonaInput!) { setDefaultPersona(input: $input) {
        defaultSpeakingAs defaultOrganisation { slug } } }";
    let default = call(
        &app,
        &kari.access_token,
        set_default,
        json!({ "input": { "speakingAs": "AFFILIATED", "organisationId": org_id } }),
    )
    .await;
    assert_eq!(
        default["data"]["setDefaultPersona"],
        json!({ "defaultSpeakingAs": "AFFILIATED", "defaultOrganisation": { "slug": "bedrift-as" } }),
        "{default}"
    );
    let by_default = comment_as(&app, &kari, &thread, json!({})).await;
    assert_eq!(
        by_default["data"]["postComment"]["speakingAs"], "AFFILIATED",
        "{by_default}"
    );
    let here = call(
        &app,
        &kari.access_token,
        set_default,
        json!({ "input": { "groupId": group.id, "speakingAs": "PRIVATE" } }),
    )
    .await;
    assert!(here["errors"].is_null(), "{here}");
    let in_group = comment_as(&app, &kari, &thread, json!({})).await;
    assert_eq!(
        in_group["data"]["postComment"]["speakingAs"], "PRIVATE",
        "{in_group}"
    );

    // Ending the affiliation ends the role; what was posted keeps its persona as written.
    let ended = call(
        &app,
        &kari.access_token,
        "mutation($id: ID!) { endAffiliation(id: $id) { endedAt role } }",
        json!({ "id": kari_affiliation }),
    )
    .await;
    assert!(
        ended["data"]["endAffiliation"]["endedAt"].is_string(),
        "{ended}"
    );
    assert_eq!(ended["data"]["endAffiliation"]["role"], Value::Null);
    let old = app
        .graphql(
            None,
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on Comment {{ {PERSONA} }} }} }}"),
            json!({ "id": affiliated_id }),
        )
        .await;
    assert_eq!(
        old["data"]["node"],
        json!({ "speakingAs": "AFFILIATED", "organisation": { "name": "Bedrift AS" }, "roleTitle": "Personvernombud" }),
        "{old}"
    );
    assert_eq!(
        statements(&app, None, "bedrift-as").await,
        vec![shared_id, official_id]
    );
    let refused = thread_as(
        &app,
        &kari,
        &group,
        json!({ "speakingAs": "ON_BEHALF", "organisationId": org_id }),
    )
    .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let me = call(&app, &kari.access_token,
        "{ me { defaultSpeakingAs affiliations { id } past: affiliations(includeEnded: true) { endedAt } } }",
        json!({})).await;
    assert_eq!(me["data"]["me"]["defaultSpeakingAs"], "PRIVATE", "{me}");
    assert_eq!(me["data"]["me"]["affiliations"], json!([]));
    assert_eq!(me["data"]["me"]["past"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn statements_and_affiliations_show_only_what_the_viewer_may_see() {
    let app = spawn_app().await;
    let admin = site_admin(&app).await;
    let kari = app.register("kari@bedrift.no", "Kari Nordmann").await;
    let org_id = text(&create_organisation(&app, &admin).await["data"]["createOrganisation"]["id"]);
    let affiliation = text(&affiliate(&app, &kari, &org_id).await["data"]["addAffiliation"]["id"]);
    let kari_id = text(
        &app.graphql(Some(&kari.access_token), "{ me { id } }", json!({}))
            .await["data"]["me"]["id"],
    );
    let granted = call(
        &app,
        &admin,
        "mutation($input: SetOrganisationRoleInput!) { setOrganisationRole(input: $input) { id } }",
        json!({ "input": { "organisationId": org_id, "memberId": kari_id, "role": "ADMIN" } }),
    )
    .await;
    assert!(granted["errors"].is_null(), "{granted}");

    // An official thread in a members-only group is a statement to its members alone.
    let closed = create_group(&app, &kari, "Lukket", "MEMBERS_ONLY", "OPEN").await;
    let official = thread_as(
        &app,
        &kari,
        &closed,
        json!({ "speakingAs": "ON_BEHALF", "organisationId": org_id }),
    )
    .await;
    let official_id = text(&official["data"]["startThread"]["id"]);
    let outsider = app.register(&email("outsider"), "Outsider").await;
    assert_eq!(
        statements(&app, None, "bedrift-as").await,
        Vec::<String>::new()
    );
    assert_eq!(
        statements(&app, Some(&outsider.access_token), "bedrift-as").await,
        Vec::<String>::new()
    );
    assert_eq!(
        statements(&app, Some(&kari.access_token), "bedrift-as").await,
        vec![official_id]
    );

    // Affiliations follow the profile's `organisation` visibility, by list and by node.
    let list = "query($m: ID!) { node(id: $m) { ... on Member { affiliations {
        organisation { slug } role verified } } } }";
    let node = "query($a: ID!) { node(id: $a) { id } }";
    let public = app.graphql(None, list, json!({ "m": kari_id })).await;
    assert_eq!(
        public["data"]["node"]["affiliations"],
        json!([{ "organisation": { "slug": "bedrift-as" }, "role": "ADMIN", "verified": true }]),
        "{public}"
    );
    let hidden = call(
        &app,
        &kari.access_token,
        "mutation { updateProfile(input: {visibility: {organisation: ONLY_ME}}) { id } }",
        json!({}),
    )
    .await;
    assert!(hidden["errors"].is_null(), "{hidden}");
    let outsider_list = call(&app, &outsider.access_token, list, json!({ "m": kari_id })).await;
    assert_eq!(
        outsider_list["data"]["node"]["affiliations"],
        json!([]),
        "{outsider_list}"
    );
    let outsider_node = call(
        &app,
        &outsider.access_token,
        node,
        json!({ "a": affiliation }),
    )
    .await;
    assert_eq!(error_code(&outsider_node), "NOT_FOUND", "{outsider_node}");
    let own_node = call(&app, &kari.access_token, node, json!({ "a": affiliation })).await;
    assert_eq!(
        own_node["data"]["node"]["id"],
        json!(affiliation),
        "{own_node}"
    );
}

#[tokio::test]
async fn a_member_has_one_current_affiliation_per_organisation_under_concurrent_requests() {
    let app = spawn_app().await;
    let admin = site_admin(&app).await;
    let kari = app.register("kari@bedrift.no", "Kari Nordmann").await;
    let org_id = text(&create_organisation(&app, &admin).await["data"]["createOrganisation"]["id"]);
    let answers =
        futures_util::future::join_all((0..8).map(|_| affiliate(&app, &kari, &org_id))).await;
    let added = answers
        .iter()
        .filter(|answer| answer["data"]["addAffiliation"]["id"].is_string())
        .count();
    assert_eq!(added, 1, "{answers:?}");
    for answer in answers.iter().filter(|answer| answer["errors"].is_array()) {
        assert_eq!(error_code(answer), "CONFLICT", "{answer}");
    }
    let me = call(
        &app,
        &kari.access_token,
        "{ me { affiliations(includeEnded: true) { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        me["data"]["me"]["affiliations"].as_array().map(Vec::len),
        Some(1),
        "{me}"
    );
}

#[tokio::test]
async fn each_organisation_mutation_is_refused_to_those_it_is_not_for() {
    let app = spawn_app().await;
    let admin = site_admin(&app).await;
    let org_id = text(&create_organisation(&app, &admin).await["data"]["createOrganisation"]["id"]);
    let ola = app.register(&email("ola"), "Ola").await;
    let kari = app.register(&email("kari"), "Kari").await;

    // Only site admins change an organisation or vouch for its domain.
    let update = "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) {
        name verifiedDomain } }";
    let input = json!({ "input": { "organisationId": org_id, "name": "Bedrift ASA",
                                   "verifiedDomain": null } });
    assert_eq!(
        error_code(&call(&app, &ola.access_token, update, input.clone()).await),
        "FORBIDDEN"
    );
    let updated = call(&app, &admin, update, input).await;
    assert_eq!(
        updated["data"]["updateOrganisation"],
        json!({ "name": "Bedrift ASA", "verifiedDomain": null }),
        "{updated}"
    );
    let bad = call(
        &app,
        &admin,
        update,
        json!({ "input": { "organisationId": org_id, "verifiedDomain": "not a domain" } }),
    )
    .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "verifiedDomain",
        "{bad}"
    );

    // Signing in is needed to say where one works.
    let anonymous = app
        .graphql(
            None,
            "mutation($o: ID!) { addAffiliation(input: {organisationId: $o}) { id } }",
            json!({ "o": org_id }),
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let ola_affiliation =
        text(&affiliate(&app, &ola, &org_id).await["data"]["addAffiliation"]["id"]);

    // Ola cannot confirm his own claim (no address at a verified domain), and Kari does not
    // see it to end it; a site admin confirms it.
    let confirm = "mutation($id: ID!) { confirmAffiliation(id: $id) { verified } }";
    let id = json!({ "id": ola_affiliation });
    assert_eq!(
        error_code(&call(&app, &ola.access_token, confirm, id.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&call(&app, &kari.access_token, confirm, id.clone()).await),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(
            &call(
                &app,
                &kari.access_token,
                "mutation($id: ID!) { endAffiliation(id: $id) { id } }",
                id.clone()
            )
            .await
        ),
        "NOT_FOUND"
    );
    let confirmed = call(&app, &admin, confirm, id).await;
    assert_eq!(
        confirmed["data"]["confirmAffiliation"]["verified"], true,
        "{confirmed}"
    );

    // A default persona is checked like a post: Ola may not speak on behalf by default.
    let set_default =
        "mutation($input: SetDefaultPersonaInput!) { setDefaultPersona(input: $input) {
        defaultSpeakingAs } }";
    let refused = call(
        &app,
        &ola.access_token,
        set_default,
        json!({ "input": { "speakingAs": "ON_BEHALF", "organisationId": org_id } }),
    )
    .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let allowed = call(
        &app,
        &ola.access_token,
        set_default,
        json!({ "input": { "speakingAs": "AFFILIATED", "organisationId": org_id } }),
    )
    .await;
    assert_eq!(
        allowed["data"]["setDefaultPersona"]["defaultSpeakingAs"], "AFFILIATED",
        "{allowed}"
    );
}

#[tokio::test]
async fn deleting_the_account_ends_affiliations_and_roles_and_keeps_old_posts_persona() {
    let app = spawn_app().await;
    let admin = site_admin(&app).await;
    let kari = app.register("kari@bedrift.no", "Kari Nordmann").await;
    let created = create_organisation(&app, &admin).await;
    let org_id = text(&created["data"]["createOrganisation"]["id"]);
    affiliate(&app, &kari, &org_id).await;
    let kari_id = text(
        &app.graphql(Some(&kari.access_token), "{ me { id } }", json!({}))
            .await["data"]["me"]["id"],
    );
    let granted = call(
        &app,
        &admin,
        "mutation($input: SetOrganisationRoleInput!) { setOrganisationRole(input: $input) { id } }",
        json!({ "input": { "organisationId": org_id, "memberId": kari_id, "role": "REPRESENTATIVE" } }),
    )
    .await;
    assert!(granted["errors"].is_null(), "{granted}");
    let group = create_group(&app, &group_owner(&app).await, "Åpen", "PUBLIC", "OPEN").await;
    let joined = call(
        &app,
        &kari.access_token,
        "mutation($id: ID!) { joinGroup(groupId: $id) { status } }",
        json!({ "id": group.id }),
    )
    .await;
    assert!(joined["errors"].is_null(), "{joined}");
    let official = thread_as(
        &app,
        &kari,
        &group,
        json!({ "speakingAs": "ON_BEHALF", "organisationId": org_id }),
    )
    .await;
    let official_id = text(&official["data"]["startThread"]["id"]);

    let deleted = call(
        &app,
        &kari.access_token,
        "mutation($password: String!) { deleteAccount(input: {password: $password}) }",
        json!({ "password": PASSWORD }),
    )
    .await;
    assert_eq!(deleted["data"]["deleteAccount"], true, "{deleted}");
    let organisation = app
        .graphql(
            None,
            "query($slug: String!) { organisation(slug: $slug) {
                representatives { totalCount } statements { totalCount } } }",
            json!({ "slug": "bedrift-as" }),
        )
        .await;
    assert_eq!(
        organisation["data"]["organisation"],
        json!({ "representatives": { "totalCount": 0 }, "statements": { "totalCount": 1 } }),
        "{organisation}"
    );
    let thread = app
        .graphql(
            None,
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on Thread {{ {PERSONA} author {{ displayName }} }} }} }}"),
            json!({ "id": official_id }),
        )
        .await;
    assert_eq!(
        thread["data"]["node"],
        json!({ "speakingAs": "ON_BEHALF", "organisation": { "name": "Bedrift AS" },
                "roleTitle": null, "author": { "displayName": "Deleted member" } }),
        "{thread}"
    );
    let kept: Vec<(Option<chrono::DateTime<chrono::Utc>>,)> = {
        use sea_orm::{EntityTrait, QuerySelect};
        entity::affiliation::Entity::find()
            .select_only()
            .column(entity::affiliation::Column::EndedAt)
            .into_tuple()
            .all(app.db().await)
            .await
            .expect("affiliations")
    };
    assert!(kept.iter().all(|(ended,)| ended.is_some()), "{kept:?}");
}

/// A member who owns groups in these tests, apart from the members under test.
async fn group_owner(app: &TestApp) -> Account {
    app.register(&email("owner"), "Owner").await
}
