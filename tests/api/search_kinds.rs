//! Search beyond discussions: groups, meetups, resources (with their files' text) and members,
//! found by kind and topic, only by those who may see them; English second; names despite typos
//! on PostgreSQL; and the lists whose `search` argument the same engine serves.

use serde_json::{Value, json};

use crate::{
    discussions::{comment, start_thread},
    groups::{TestGroup, create_group, join_member},
    helpers::{Account, PASSWORD, TestApp, email, outcome_where, spawn_app, spawn_app_with, text},
    meetups::create_meetup,
    resources::upload,
};

const SEARCH: &str = "query($q: String!, $kinds: [SearchKind!], $topic: String, $group: ID) {
    search(query: $q, kinds: $kinds, topic: $topic, groupId: $group, first: 20) {
        totalCount nodes { snippet node { __typename
            ... on Group { name } ... on Meetup { title } ... on Thread { title }
            ... on Comment { body } ... on Resource { title } ... on Member { displayName } } } } }";

async fn search(app: &TestApp, viewer: Option<&Account>, variables: Value) -> Value {
    let answer = app
        .graphql(viewer.map(|v| v.access_token.as_str()), SEARCH, variables)
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["search"].clone()
}

/// Each hit as "Kind: label", in the order found.
fn found(hits: &Value) -> Vec<String> {
    hits["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|hit| {
            let node = &hit["node"];
            let label = ["name", "title", "body", "displayName"]
                .iter()
                .find_map(|field| node[field].as_str())
                .unwrap_or_default();
            format!("{}: {label}", text(&node["__typename"]))
        })
        .collect()
}

/// `found` sorted, for assertions that do not depend on ranking.
async fn found_sorted(app: &TestApp, viewer: Option<&Account>, variables: Value) -> Vec<String> {
    let mut hits = found(&search(app, viewer, variables).await);
    hits.sort();
    hits
}

async fn share_link(
    app: &TestApp,
    actor: &Account,
    group: &TestGroup,
    input: Value,
) -> (String, Value) {
    let mut full = json!({ "groupId": group.id, "kind": "ARTICLE" });
    if let (Some(full), Some(input)) = (full.as_object_mut(), input.as_object()) {
        full.extend(input.clone());
    }
    let answer = app
        .graphql(
            Some(&actor.access_token),
            "mutation($input: ShareResourceInput!) { shareResource(input: $input) { id } }",
            json!({ "input": full }),
        )
        .await;
    (text(&answer["data"]["shareResource"]["id"]), answer)
}

async fn update_profile(app: &TestApp, member: &Account, input: Value) {
    let answer = app
        .graphql(
            Some(&member.access_token),
            "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
}

#[tokio::test]
async fn every_kind_is_found_by_its_text_and_narrowed_by_kind_and_topic() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Kari Nordmann").await;
    update_profile(
        &app,
        &owner,
        json!({ "headline": "Rådgiver for personvern", "organisation": "Datatilsynet" }),
    )
    .await;
    let group = create_group(&app, &owner, "Personvern i praksis", "PUBLIC", "OPEN").await;
    create_meetup(
        &app,
        &owner,
        &group,
        json!({
            "title": "Kveld om personvern",
            "publish": true,
            "topics": ["data-security"],
            "agenda": [{ "time": "18:00", "title": "Innledning", "speaker": "Ola Innleder" }],
        }),
    )
    .await;
    start_thread(&app, &owner, &group, "Personvern og GDPR", "Hva gjør dere?").await;
    let (_, shared) = share_link(
        &app,
        &owner,
        &group,
        json!({
            "title": "Veileder",
            "description": "Alt om personvern på arbeidsplassen.",
            "url": "https://example.no/veileder",
            "topics": ["data-security"],
        }),
    )
    .await;
    assert!(shared["errors"].is_null(), "{shared}");

    assert_eq!(
        found_sorted(&app, None, json!({ "q": "personvern " })).await,
        [
            "Group: Personvern i praksis",
            "Meetup: Kveld om personvern",
            "Member: Kari Nordmann",
            "Resource: Veileder",
            "Thread: Personvern og GDPR",
        ]
    );
    // A speaker on the agenda finds the meetup; a link's address finds the resource.
    assert_eq!(
        found(&search(&app, None, json!({ "q": "innleder " })).await),
        ["Meetup: Kveld om personvern"]
    );
    assert_eq!(
        found(&search(&app, None, json!({ "q": "example.no/veileder " })).await),
        ["Resource: Veileder"]
    );
    // A member by handle and name (the e-mail address is never searched).
    assert_eq!(
        found(&search(&app, None, json!({ "q": "kari_nordmann " })).await),
        ["Member: Kari Nordmann"]
    );
    assert!(found(&search(&app, None, json!({ "q": "owner " })).await).is_empty());

    assert_eq!(
        found_sorted(
            &app,
            None,
            json!({ "q": "personvern ", "kinds": ["RESOURCE", "MEETUP"] })
        )
        .await,
        ["Meetup: Kveld om personvern", "Resource: Veileder"]
    );
    assert_eq!(
        found_sorted(
            &app,
            None,
            json!({ "q": "personvern ", "topic": "data-security" })
        )
        .await,
        ["Meetup: Kveld om personvern", "Resource: Veileder"]
    );
    let other = create_group(&app, &owner, "Personvern i nord", "PUBLIC", "OPEN").await;
    assert_eq!(
        found(
            &search(
                &app,
                None,
                json!({ "q": "personvern ", "group": other.id, "kinds": ["GROUP"] })
            )
            .await
        ),
        ["Group: Personvern i nord"]
    );
}

#[tokio::test]
async fn drafts_removed_resources_deleted_accounts_and_archived_groups_are_found_only_as_they_should()
 {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Etikkforum", "MEMBERS_ONLY", "OPEN").await;
    let (member, _) = join_member(&app, &group, "Medlem").await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    let draft = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "title": "Sommerfest planlegges" }),
    )
    .await;
    let meetups = json!({ "q": "sommerfest ", "kinds": ["MEETUP"] });

    // A draft: its organisers find it, members and outsiders do not.
    assert_eq!(
        search(&app, Some(&owner), meetups.clone()).await["totalCount"],
        1
    );
    assert_eq!(
        search(&app, Some(&member), meetups.clone()).await["totalCount"],
        0
    );
    let published = app
        .graphql(
            Some(&owner.access_token),
            "mutation($id: ID!) { publishMeetup(meetupId: $id) { status } }",
            json!({ "id": draft }),
        )
        .await;
    assert_eq!(published["data"]["publishMeetup"]["status"], "PUBLISHED");
    assert_eq!(
        search(&app, Some(&member), meetups.clone()).await["totalCount"],
        1
    );
    // A members-only group's meetup is not for outsiders; its name card is.
    assert_eq!(
        search(&app, Some(&outsider), meetups).await["totalCount"],
        0
    );
    assert_eq!(
        found(&search(&app, Some(&outsider), json!({ "q": "etikkforum " })).await),
        ["Group: Etikkforum"]
    );

    // A removed resource is not found.
    let (resource, _) = share_link(
        &app,
        &member,
        &group,
        json!({ "title": "Lysark om etikk", "url": "https://example.no/lysark" }),
    )
    .await;
    let lysark = json!({ "q": "lysark " });
    assert_eq!(
        search(&app, Some(&member), lysark.clone()).await["totalCount"],
        1
    );
    app.graphql(
        Some(&member.access_token),
        "mutation($id: ID!) { removeResource(resourceId: $id) }",
        json!({ "id": resource }),
    )
    .await;
    assert_eq!(search(&app, Some(&member), lysark).await["totalCount"], 0);

    // A deleted account is not found by its old name.
    let leaving = app.register(&email("leaving"), "Synnøve Slutter").await;
    assert_eq!(
        search(&app, None, json!({ "q": "synnøve " })).await["totalCount"],
        1
    );
    let deleted = app
        .graphql(
            Some(&leaving.access_token),
            "mutation($password: String!) { deleteAccount(input: {password: $password}) }",
            json!({ "password": PASSWORD }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteAccount"], true, "{deleted}");
    assert_eq!(
        search(&app, None, json!({ "q": "synnøve " })).await["totalCount"],
        0
    );

    // An archived group leaves the directory, and so its name card leaves search.
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { archiveGroup(groupId: $id) { id } }",
        json!({ "id": group.id }),
    )
    .await;
    assert_eq!(
        search(&app, Some(&outsider), json!({ "q": "etikkforum " })).await["totalCount"],
        0
    );
}

/// A one-page PDF whose text is `words` (ASCII, in the standard Helvetica font).
fn pdf_with_text(words: &str) -> Vec<u8> {
    let content = format!("BT /F1 18 Tf 72 700 Td ({words}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (number, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{object}\nendobj\n", number + 1).bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for offset in offsets {
        pdf.extend(format!("{offset:010} 00000 n \n").bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    pdf
}

#[tokio::test]
async fn uploaded_pdfs_and_text_files_are_found_by_their_text_once_read() {
    let app = spawn_app_with(&[("WORKERS_JOBS", "1"), ("JOBS_POLL_MS", "20")]).await;
    let mut outcomes = app.job_outcomes.subscribe();
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Sikkerhet", "PUBLIC", "OPEN").await;

    let response = upload(
        &app,
        &owner,
        &group,
        "rapport.pdf",
        pdf_with_text("Informasjonssikkerhet i kommunene"),
        true,
    )
    .await;
    let body: Value = response.json().await.expect("json");
    assert!(body["errors"].is_null(), "{body}");
    let read = outcome_where(&mut outcomes, |o| o.kind == "resource-text").await;
    assert_eq!(read.error, None);
    let hits = search(&app, None, json!({ "q": "kommune " })).await;
    assert_eq!(found(&hits), ["Resource: Slides fra møtet"]);
    assert_eq!(
        hits["nodes"][0]["snippet"],
        "Informasjonssikkerhet i <mark>kommunene</mark>"
    );

    let response = upload(
        &app,
        &owner,
        &group,
        "notater.txt",
        "Notater: beredskapsplanen må øves.".as_bytes().to_vec(),
        true,
    )
    .await;
    let body: Value = response.json().await.expect("json");
    assert!(body["errors"].is_null(), "{body}");
    outcome_where(&mut outcomes, |o| o.kind == "resource-text").await;
    assert_eq!(
        found(&search(&app, None, json!({ "q": "beredskapsplan " })).await),
        ["Resource: Slides fra møtet"]
    );
}

#[tokio::test]
async fn english_comes_second_and_names_survive_typos_on_postgresql() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Kari Nordmann").await;
    let group = create_group(&app, &owner, "Security circle", "PUBLIC", "OPEN").await;
    let thread = start_thread(&app, &owner, &group, "Notes", "From the meetup.").await;
    comment(
        &app,
        &owner,
        &thread,
        "Our security policies are running late.",
    )
    .await;
    // English inflections find each other where Norwegian stems do not.
    for query in ["policy ", "run ", "policies running"] {
        assert_eq!(
            found(&search(&app, None, json!({ "q": query, "kinds": ["COMMENT"] })).await),
            ["Comment: Our security policies are running late."],
            "{query}"
        );
    }
    // A typo in a name: PostgreSQL finds it by trigram similarity; SQLite needs the name.
    let typo = found(&search(&app, None, json!({ "q": "nordmaan " })).await);
    if app.database_url.starts_with("postgres") {
        assert_eq!(typo, ["Member: Kari Nordmann"]);
        assert_eq!(
            found(&search(&app, None, json!({ "q": "securty circle " })).await),
            ["Group: Security circle"]
        );
    } else {
        assert!(typo.is_empty());
    }
    assert_eq!(
        found(&search(&app, None, json!({ "q": "nordmann " })).await),
        ["Member: Kari Nordmann"]
    );
}

#[tokio::test]
async fn groups_threads_and_resources_search_through_the_same_engine() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Ledelse og kultur", "PUBLIC", "OPEN").await;
    create_group(&app, &owner, "Kaffeklubben", "PUBLIC", "OPEN").await;
    start_thread(
        &app,
        &owner,
        &group,
        "Organisasjonskultur",
        "Hva er kultur?",
    )
    .await;
    start_thread(&app, &owner, &group, "Budsjett", "Tallene for i år.").await;
    share_link(
        &app,
        &owner,
        &group,
        json!({ "title": "Kulturboka", "url": "https://example.no/kultur", "kind": "PAPER" }),
    )
    .await;
    share_link(
        &app,
        &owner,
        &group,
        json!({ "title": "Kultur i praksis", "url": "https://example.no/praksis" }),
    )
    .await;

    let directory = app
        .graphql(
            None,
            "{ groups(search: \"kulturen\") { totalCount nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(directory["data"]["groups"]["totalCount"], 1, "{directory}");
    assert_eq!(
        directory["data"]["groups"]["nodes"][0]["name"],
        "Ledelse og kultur"
    );
    let lists = app
        .graphql(
            None,
            "query($slug: String!) { group(slug: $slug) {
                threads(search: \"kultur\") { nodes { title } }
                papers: resources(search: \"kultur\", kind: PAPER) { nodes { title } }
                all: resources(search: \"kultur\") { totalCount } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    assert!(lists["errors"].is_null(), "{lists}");
    let group = &lists["data"]["group"];
    // The thread by its opening post ("Hva er kultur?"); the resources by title, "Kulturboka"
    // because the word being typed matches as a prefix.
    assert_eq!(group["threads"]["nodes"][0]["title"], "Organisasjonskultur");
    assert_eq!(group["threads"]["nodes"].as_array().map(Vec::len), Some(1));
    assert_eq!(group["papers"]["nodes"][0]["title"], "Kulturboka");
    assert_eq!(group["papers"]["nodes"].as_array().map(Vec::len), Some(1));
    assert_eq!(group["all"]["totalCount"], 2);
}

#[tokio::test]
async fn a_page_of_every_kind_runs_the_same_statements_however_many_of_each() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let viewer = app.register(&email("viewer"), "Viewer").await;
    const PAGE: &str = "{ search(query: \"kultur\", first: 50) { nodes { snippet node {
        ... on Group { name viewerRole } ... on Meetup { title group { name } }
        ... on Thread { title group { name } } ... on Comment { body author { displayName } }
        ... on Resource { title addedBy { displayName } } ... on Member { displayName } } } } }";
    let mut counts = Vec::new();
    for round in 0..2 {
        let group = create_group(&app, &owner, &format!("Kultur {round}"), "PUBLIC", "OPEN").await;
        app.register(
            &email(&format!("k{round}")),
            &format!("Kultur Kari {round}"),
        )
        .await;
        create_meetup(
            &app,
            &owner,
            &group,
            json!({ "title": "Kulturkveld", "publish": true }),
        )
        .await;
        let thread = start_thread(&app, &owner, &group, "Kultur", "Om kultur.").await;
        comment(&app, &owner, &thread, "Mer om kultur.").await;
        share_link(
            &app,
            &owner,
            &group,
            json!({ "title": "Kultur", "url": format!("https://example.no/{round}") }),
        )
        .await;
        let (page, statements) = app
            .graphql_counted(Some(&viewer.access_token), PAGE, json!({}))
            .await;
        assert!(page["errors"].is_null(), "{page}");
        assert_eq!(
            page["data"]["search"]["nodes"].as_array().map(Vec::len),
            Some(6 * (round + 1)),
            "{page}"
        );
        counts.push(statements);
    }
    // The session, the hits, then a statement or two per kind of thing loaded (rows a loader
    // reads in one batch or, as the resolvers happen to run, two), however many of each.
    assert!(counts.iter().all(|count| *count <= 11), "{counts:?}");
}
