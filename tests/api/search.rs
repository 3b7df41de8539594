//! Full-text search over threads and comments: Norwegian inflections and letters, phrases,
//! exclusions and the word being typed, ranking, the read rule inside the query, snippets that
//! are safe HTML, and exact paging.

use serde_json::{Value, json};

use crate::{
    discussions::{comment, discussion, start_thread},
    groups::create_group,
    helpers::{Account, TestApp, email, spawn_app, text},
};

const SEARCH: &str = "query($q: String!, $after: String, $first: Int) {
    search(query: $q, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { score snippet node { __typename
            ... on Thread { title } ... on Comment { body } } } } }";

async fn search(app: &TestApp, viewer: Option<&Account>, query: &str) -> Value {
    let answer = app
        .graphql(
            viewer.map(|v| v.access_token.as_str()),
            SEARCH,
            json!({ "q": query, "first": 20 }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["search"].clone()
}

/// What each hit is: a thread's title or a comment's body.
fn found(hits: &Value) -> Vec<String> {
    hits["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|hit| {
            let node = &hit["node"];
            text(if node["__typename"] == "Thread" {
                &node["title"]
            } else {
                &node["body"]
            })
        })
        .collect()
}

#[tokio::test]
async fn norwegian_words_phrases_exclusions_and_prefixes_find_what_they_should() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Digital etikk", "PUBLIC", "OPEN").await;
    let thread = start_thread(
        &app,
        &owner,
        &group,
        "Møtene våre om GDPR",
        "Vi diskuterer Facebook-sider og sosiale medier.",
    )
    .await;
    comment(&app, &owner, &thread, "Bedriftene må ta ansvar.").await;
    comment(&app, &owner, &thread, "Jeg får det ikke til.").await;
    comment(&app, &owner, &thread, "Min far sier nei.").await;

    // Inflections find each other; æ, ø and å are letters, not accents.
    assert_eq!(
        found(&search(&app, None, "møte ").await),
        ["Møtene våre om GDPR"]
    );
    assert_eq!(
        found(&search(&app, None, "bedrift ").await),
        ["Bedriftene må ta ansvar."]
    );
    assert_eq!(
        found(&search(&app, None, "får ").await),
        ["Jeg får det ikke til."]
    );
    assert_eq!(
        found(&search(&app, None, "far ").await),
        ["Min far sier nei."]
    );
    // A phrase matches in order; a word with a hyphen is a phrase of its parts.
    assert_eq!(
        found(&search(&app, None, "\"sosial medie\"").await).len(),
        1
    );
    assert!(found(&search(&app, None, "\"medier sosiale\"").await).is_empty());
    assert_eq!(found(&search(&app, None, "facebook-sider ").await).len(), 1);
    // -word excludes.
    assert!(found(&search(&app, None, "gdpr -facebook").await).is_empty());
    assert_eq!(found(&search(&app, None, "gdpr -twitter").await).len(), 1);
    // The word being typed matches as a prefix.
    assert_eq!(
        found(&search(&app, None, "bedri").await),
        ["Bedriftene må ta ansvar."]
    );
    // Nothing to match: nothing found, no error.
    assert_eq!(search(&app, None, "-gdpr").await["totalCount"], 0);
    assert_eq!(search(&app, None, "\"' OR 1=1 --").await["totalCount"], 0);
}

#[tokio::test]
async fn a_title_hit_ranks_above_a_passing_mention_and_snippets_are_safe_html() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Digital etikk", "PUBLIC", "OPEN").await;
    let other = start_thread(&app, &owner, &group, "Om kaffe", "Kaffe på møtet.").await;
    comment(
        &app,
        &owner,
        &other,
        "<script>alert(1)</script> Prat om avkastning og ROI, og mye mer.",
    )
    .await;
    start_thread(&app, &owner, &group, "ROI av fagmøter", "Hva gir effekt?").await;
    let hits = search(&app, None, "roi ").await;
    assert_eq!(
        found(&hits),
        [
            "ROI av fagmøter",
            "<script>alert(1)</script> Prat om avkastning og ROI, og mye mer."
        ]
    );
    assert_eq!(hits["nodes"][0]["snippet"], "<mark>ROI</mark> av fagmøter");
    let snippet = text(&hits["nodes"][1]["snippet"]);
    assert!(
        snippet.starts_with("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{snippet}"
    );
    assert!(snippet.contains("<mark>ROI</mark>"), "{snippet}");
    assert!(!snippet.contains("<script>"), "{snippet}");
}

#[tokio::test]
async fn outsiders_never_find_members_only_words_and_hidden_comments_vanish_at_once() {
    let app = spawn_app().await;
    let (owner, member, group, thread) = discussion(&app, "PUBLIC").await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    let secret = comment(&app, &member, &thread, "Personvernombudet sa nei.").await;
    assert_eq!(
        search(&app, Some(&outsider), "personvernombud ").await["totalCount"],
        1
    );

    // Made members-only later: outsiders (and anonymous readers) find nothing any more.
    let changed = app
        .graphql(
            Some(&owner.access_token),
            "mutation($id: ID!) { updateGroup(input: {groupId: $id, visibility: MEMBERS_ONLY}) { visibility } }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(
        changed["data"]["updateGroup"]["visibility"], "MEMBERS_ONLY",
        "{changed}"
    );
    assert_eq!(
        search(&app, Some(&outsider), "personvernombud ").await["totalCount"],
        0
    );
    assert_eq!(
        search(&app, None, "personvernombud ").await["totalCount"],
        0
    );
    assert_eq!(
        search(&app, Some(&member), "personvernombud ").await["totalCount"],
        1
    );

    // Hidden: gone from everyone's results at once, the author's too.
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { hideComment(input: {commentId: $id, reason: \"Personopplysninger\"}) { hidden } }",
        json!({ "id": secret }),
    )
    .await;
    assert_eq!(
        search(&app, Some(&member), "personvernombud ").await["totalCount"],
        0
    );
    assert_eq!(
        search(&app, Some(&owner), "personvernombud ").await["totalCount"],
        0
    );
}

#[tokio::test]
async fn paging_through_forty_five_hits_twenty_at_a_time_returns_each_once() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Digitalt fellesskap", "PUBLIC", "OPEN").await;
    let thread = start_thread(&app, &owner, &group, "Innspill", "Samler innspill her.").await;
    for i in 0..45 {
        comment(&app, &owner, &thread, &format!("Etikk nummer {i}")).await;
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = app
            .graphql(
                None,
                SEARCH,
                json!({ "q": "etikk ", "first": 20, "after": after }),
            )
            .await;
        assert!(page["errors"].is_null(), "{page}");
        let page = &page["data"]["search"];
        assert_eq!(page["totalCount"], 45);
        seen.extend(found(page));
        pages += 1;
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(text(&page["pageInfo"]["endCursor"]));
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 45);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 45);
}

#[tokio::test]
async fn a_page_of_hits_runs_the_same_statements_however_many_match() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Digitalt fellesskap", "PUBLIC", "OPEN").await;
    // Only comments match, so both pages load the same kinds of things.
    let thread = start_thread(&app, &owner, &group, "Samling", "Her samler vi.").await;
    const PAGE: &str = "{ search(query: \"etikk \", first: 20) { nodes { snippet node {
        ... on Comment { body author { displayName } thread { title group { name } } } } } } }";
    for i in 0..25 {
        comment(&app, &owner, &thread, &format!("Etikk {i}")).await;
    }
    let (first, before) = app.graphql_counted(None, PAGE, json!({})).await;
    assert_eq!(
        first["data"]["search"]["nodes"].as_array().map(Vec::len),
        Some(20)
    );
    for i in 0..25 {
        comment(&app, &owner, &thread, &format!("Mer etikk {i}")).await;
    }
    let (second, after) = app.graphql_counted(None, PAGE, json!({})).await;
    assert!(second["errors"].is_null(), "{second}");
    assert_eq!(after, before);
    // The hits, then one statement per kind of thing loaded (comments, threads, groups,
    // members): no count, as `totalCount` was not asked for.
    assert!(before <= 6, "{before} statements");
}
