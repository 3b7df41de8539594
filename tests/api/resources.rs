use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::{
    groups::{TestGroup, create_group, join_member},
    helpers::{Account, TestApp, email, error_code, spawn_app, spawn_app_with, text},
};

const SHARE: &str = "mutation($input: ShareResourceInput!) { shareResource(input: $input) {
    id title kind url file { filename contentType size downloadUrl } addedBy { displayName } } }";
const LIBRARY: &str =
    "query($slug: String!) { group(slug: $slug) { resources { totalCount nodes { id title } } } }";

/// A small but real PDF header: enough for content sniffing.
pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

pub async fn upload(
    app: &TestApp,
    actor: &Account,
    group: &TestGroup,
    filename: &str,
    bytes: Vec<u8>,
    preflight: bool,
) -> reqwest::Response {
    let operations = json!({
        "query": SHARE,
        "variables": { "input": { "groupId": group.id, "title": "Slides fra møtet", "kind": "SLIDES", "file": null } }
    });
    let form = Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.input.file"] }).to_string())
        .part(
            "0",
            Part::bytes(bytes)
                .file_name(filename.to_owned())
                .mime_str("application/pdf")
                .expect("mime"),
        );
    let mut request = app
        .client
        .post(app.graphql_url())
        .bearer_auth(&actor.access_token)
        .multipart(form);
    if preflight {
        request = request.header("Apollo-Require-Preflight", "true");
    }
    request.send().await.expect("upload request")
}

async fn share_link(app: &TestApp, actor: &Account, group: &TestGroup, url: &str) -> Value {
    app.graphql(
        Some(&actor.access_token),
        SHARE,
        json!({ "input": { "groupId": group.id, "title": "Artikkelen", "kind": "ARTICLE", "url": url, "topics": ["ethics"] } }),
    )
    .await
}

pub fn stored_files(app: &TestApp) -> usize {
    fn count(path: &std::path::Path) -> usize {
        std::fs::read_dir(path)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&app.data_dir.join("files"))
}

async fn library(app: &TestApp, viewer: Option<&Account>, group: &TestGroup) -> Value {
    app.graphql(
        viewer.map(|a| a.access_token.as_str()),
        LIBRARY,
        json!({ "slug": group.slug }),
    )
    .await
}

#[tokio::test]
async fn links_and_files_are_shared_listed_and_downloaded_byte_for_byte() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Library", "PUBLIC", "OPEN").await;
    let (member, _) = join_member(&app, &group, "Sharer").await;

    let link = share_link(
        &app,
        &member,
        &group,
        "HTTPS://Example.NO/artikkel#avsnitt-2",
    )
    .await;
    assert_eq!(
        link["data"]["shareResource"]["url"], "https://example.no/artikkel#avsnitt-2",
        "{link}"
    );
    assert_eq!(
        link["data"]["shareResource"]["addedBy"]["displayName"],
        "Sharer"
    );

    let response = upload(
        &app,
        &member,
        &group,
        "../../slides.pdf",
        PDF.to_vec(),
        true,
    )
    .await;
    let body: Value = response.json().await.expect("json");
    let file = &body["data"]["shareResource"]["file"];
    assert_eq!(file["filename"], "slides.pdf", "{body}");
    assert_eq!(file["contentType"], "application/pdf");
    assert_eq!(file["size"], PDF.len());

    let listed = library(&app, None, &group).await;
    assert_eq!(listed["data"]["group"]["resources"]["totalCount"], 2);

    let download = app
        .client
        .get(format!("{}{}", app.address, text(&file["downloadUrl"])))
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 200);
    let header = |name: &str| {
        download
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("content-type").as_deref(), Some("application/pdf"));
    assert!(
        header("content-disposition")
            .is_some_and(|v| v.starts_with("attachment;") && v.contains("slides.pdf"))
    );
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), PDF);
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_with_413_and_leaves_nothing_behind() {
    let app = spawn_app_with(&[("UPLOAD_MAX_BYTES", "1024")]).await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Small files", "PUBLIC", "OPEN").await;
    let mut big = PDF.to_vec();
    big.resize(4096, b' ');
    let response = upload(&app, &owner, &group, "big.pdf", big, true).await;
    assert_eq!(response.status(), 413);
    assert_eq!(
        library(&app, None, &group).await["data"]["group"]["resources"]["totalCount"],
        0
    );
    assert_eq!(stored_files(&app), 0);
}

#[tokio::test]
async fn an_executable_renamed_to_pdf_is_refused() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "No binaries", "PUBLIC", "OPEN").await;
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.resize(512, 0);
    let response = upload(&app, &owner, &group, "innocent.pdf", elf, true).await;
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "file");
    assert_eq!(
        library(&app, None, &group).await["data"]["group"]["resources"]["totalCount"],
        0
    );
    assert_eq!(stored_files(&app), 0);
}

#[tokio::test]
async fn an_upload_without_the_preflight_header_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Csrf", "PUBLIC", "OPEN").await;
    let response = upload(&app, &owner, &group, "slides.pdf", PDF.to_vec(), false).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        library(&app, None, &group).await["data"]["group"]["resources"]["totalCount"],
        0
    );
}

#[tokio::test]
async fn an_outsider_can_neither_list_nor_download_a_members_only_groups_files() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Closed library", "MEMBERS_ONLY", "APPROVAL").await;
    let response = upload(&app, &owner, &group, "internal.pdf", PDF.to_vec(), true).await;
    let body: Value = response.json().await.expect("json");
    let id = text(&body["data"]["shareResource"]["id"]);
    let url = format!(
        "{}{}",
        app.address,
        text(&body["data"]["shareResource"]["file"]["downloadUrl"])
    );
    let outsider = app.register(&email("outsider"), "Outsider").await;
    for viewer in [None, Some(&outsider)] {
        assert_eq!(
            error_code(&library(&app, viewer, &group).await),
            "NOT_FOUND"
        );
        let token = viewer.map(|a| a.access_token.as_str());
        let node = app
            .graphql(
                token,
                "query($id: ID!) { resource(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&node), "NOT_FOUND");
        let mut request = app.client.get(&url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_eq!(request.send().await.expect("download").status(), 404);
    }
    let member_download = app
        .client
        .get(&url)
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .expect("download");
    assert_eq!(member_download.status(), 200);
}

#[tokio::test]
async fn only_web_links_are_accepted() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Links", "PUBLIC", "OPEN").await;
    for url in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.no/x",
    ] {
        let body = share_link(&app, &owner, &group, url).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{url}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "url");
    }
    let neither = app
        .graphql(
            Some(&owner.access_token),
            SHARE,
            json!({ "input": { "groupId": group.id, "title": "Nothing", "kind": "LINK" } }),
        )
        .await;
    assert_eq!(error_code(&neither), "BAD_USER_INPUT");
    assert_eq!(
        library(&app, None, &group).await["data"]["group"]["resources"]["totalCount"],
        0
    );
}

#[tokio::test]
async fn sharing_a_link_already_in_the_library_is_a_conflict_naming_it() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "No duplicates", "PUBLIC", "OPEN").await;
    let first = share_link(&app, &owner, &group, "https://example.no/rapport").await;
    let first_id = text(&first["data"]["shareResource"]["id"]);
    let again = share_link(&app, &owner, &group, "https://EXAMPLE.no/rapport#side-3").await;
    assert_eq!(error_code(&again), "CONFLICT", "{again}");
    assert_eq!(
        again["errors"][0]["extensions"]["existingId"],
        first_id.as_str()
    );

    // Another group may share the same link; a removed one may be shared again.
    let other = create_group(&app, &owner, "Other library", "PUBLIC", "OPEN").await;
    assert!(share_link(&app, &owner, &other, "https://example.no/rapport").await["data"]["shareResource"].is_object());
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { removeResource(resourceId: $id) }",
        json!({ "id": first_id }),
    )
    .await;
    assert!(share_link(&app, &owner, &group, "https://example.no/rapport").await["data"]["shareResource"].is_object());
}

#[tokio::test]
async fn members_share_and_the_adder_and_organisers_edit_and_remove() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Permissions", "PUBLIC", "OPEN").await;
    let (adder, _) = join_member(&app, &group, "Adder").await;
    let (other, _) = join_member(&app, &group, "Other").await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    assert_eq!(
        error_code(&share_link(&app, &outsider, &group, "https://example.no/a").await),
        "FORBIDDEN"
    );
    let shared = share_link(&app, &adder, &group, "https://example.no/b").await;
    let id = text(&shared["data"]["shareResource"]["id"]);

    let update = "mutation($id: ID!) { updateResource(input: {resourceId: $id, title: \"Bedre tittel\", kind: PAPER}) { title kind } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&other.access_token), update, json!({ "id": id }))
                .await
        ),
        "FORBIDDEN"
    );
    let updated = app
        .graphql(Some(&adder.access_token), update, json!({ "id": id }))
        .await;
    assert_eq!(
        updated["data"]["updateResource"],
        json!({ "title": "Bedre tittel", "kind": "PAPER" })
    );
    assert_eq!(
        app.graphql(Some(&owner.access_token), update, json!({ "id": id }))
            .await["data"]["updateResource"]["title"],
        "Bedre tittel"
    );

    let remove = "mutation($id: ID!) { removeResource(resourceId: $id) }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&other.access_token), remove, json!({ "id": id }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        app.graphql(Some(&owner.access_token), remove, json!({ "id": id }))
            .await["data"]["removeResource"],
        true
    );
    assert_eq!(
        error_code(
            &app.graphql(
                None,
                "query($id: ID!) { resource(id: $id) { id } }",
                json!({ "id": id })
            )
            .await
        ),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn resources_attach_to_meetups_and_twenty_list_in_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Busy library", "PUBLIC", "OPEN").await;
    let starts = chrono::Utc::now() + chrono::Duration::days(2);
    let meetup = app
        .graphql(
            Some(&owner.access_token),
            "mutation($input: CreateMeetupInput!) { createMeetup(input: $input) { id } }",
            json!({ "input": { "groupId": group.id, "title": "Foredrag", "venue": { "name": "Salen" }, "publish": true,
                "startsAt": starts.to_rfc3339(), "endsAt": (starts + chrono::Duration::hours(2)).to_rfc3339() } }),
        )
        .await;
    let meetup_id = text(&meetup["data"]["createMeetup"]["id"]);
    for i in 0..20 {
        let (member, _) = join_member(&app, &group, &format!("Sharer {i}")).await;
        let body = app
            .graphql(
                Some(&member.access_token),
                SHARE,
                json!({ "input": { "groupId": group.id, "meetupId": meetup_id, "title": format!("Ressurs {i}"),
                    "kind": "LINK", "url": format!("https://example.no/{i}") } }),
            )
            .await;
        assert!(body["data"]["shareResource"].is_object(), "{body}");
    }
    let attached = app
        .graphql(
            None,
            "query($id: ID!) { meetup(id: $id) { resources { totalCount } } }",
            json!({ "id": meetup_id }),
        )
        .await;
    assert_eq!(attached["data"]["meetup"]["resources"]["totalCount"], 20);
    let (body, statements) = app
        .graphql_counted(
            Some(&owner.access_token),
            "query($slug: String!) { group(slug: $slug) { resources(first: 20) { nodes {
                title addedBy { displayName } meetup { title goingCount } topics { slug } } } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    let nodes = body["data"]["group"]["resources"]["nodes"]
        .as_array()
        .expect("nodes");
    assert_eq!(nodes.len(), 20);
    assert!(
        nodes.iter().all(|n| n["meetup"]["title"] == "Foredrag"),
        "{body}"
    );
    assert!(statements <= 12, "{statements} statements");
}

#[tokio::test]
async fn uploads_and_shares_are_throttled_per_member() {
    let app = spawn_app_with(&[
        ("RESOURCE_LIMIT_PER_MEMBER_PER_MINUTE", "3"),
        ("UPLOAD_LIMIT_PER_MEMBER_PER_MINUTE", "1"),
    ])
    .await;
    let owner = app.register(&email("lib"), "Bibliotekar").await;
    let group = create_group(&app, &owner, "Bibliotek", "PUBLIC", "OPEN").await;
    let first = upload(&app, &owner, &group, "a.pdf", PDF.to_vec(), true).await;
    assert_eq!(first.status(), 200);
    let second: Value = upload(&app, &owner, &group, "b.pdf", PDF.to_vec(), true)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(error_code(&second), "RATE_LIMITED", "{second}");
    assert_eq!(stored_files(&app), 1);
    let link = share_link(&app, &owner, &group, "https://example.no/a").await;
    assert!(link.get("errors").is_none(), "{link}");
    let over = share_link(&app, &owner, &group, "https://example.no/b").await;
    assert_eq!(error_code(&over), "RATE_LIMITED", "{over}");
}
