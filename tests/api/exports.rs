//! "My data": a member's export is built by a job into a zip of JSON files and their uploads,
//! downloadable once through a short-lived link.

use std::io::{Cursor, Read};

use serde_json::{Value, json};

use crate::{
    discussions::{comment, start_thread},
    groups::{create_group, join_member},
    helpers::{Account, TestApp, email, error_code, outcome_where, spawn_app_with, text},
    resources::upload,
};

const EXPORTS: &str = "{ me { dataExports { nodes { id status size downloadUrl } } } }";

async fn exports_of(app: &TestApp, member: &Account) -> Vec<Value> {
    let answer = app
        .graphql(Some(&member.access_token), EXPORTS, json!({}))
        .await;
    answer["data"]["me"]["dataExports"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no exports: {answer}"))
}

/// The archive's files by name.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    (0..archive.len())
        .map(|index| {
            let mut file = archive.by_index(index).expect("an entry");
            let mut content = Vec::new();
            file.read_to_end(&mut content).expect("the entry's bytes");
            (file.name().expect("a file name").into_owned(), content)
        })
        .collect()
}

fn json_file(files: &[(String, Vec<u8>)], name: &str) -> Value {
    let (_, content) = files
        .iter()
        .find(|(file, _)| file == name)
        .unwrap_or_else(|| panic!("{name} in the archive"));
    serde_json::from_slice(content).expect("JSON")
}

#[tokio::test]
async fn the_export_holds_the_members_data_and_downloads_once() {
    let app = spawn_app_with(&[("WORKERS_JOBS", "1"), ("JOBS_POLL_MS", "20")]).await;
    let kari = app.register(&email("kari"), "Kari").await;
    let group = create_group(&app, &kari, "Personvern", "PUBLIC", "OPEN").await;
    let (ola, _) = join_member(&app, &group, "Ola").await;
    let private = app
        .graphql(
            Some(&ola.access_token),
            "mutation { updateProfile(input: {bio: \"Ola sin private bio\",
                visibility: {bio: ONLY_ME, email: ONLY_ME}}) { id } }",
            json!({}),
        )
        .await;
    assert!(private["errors"].is_null(), "{private}");

    // Kari writes, edits (a revision), and shares a file; Ola answers her.
    let thread = start_thread(&app, &kari, &group, "Hvem ser hva?", "Et spørsmål.").await;
    let first = comment(&app, &kari, &thread, "Første utkast").await;
    let edited = app
        .graphql(
            Some(&kari.access_token),
            "mutation($id: ID!) { editComment(input: {commentId: $id, body: \"Endelig tekst\"}) { id } }",
            json!({ "id": first }),
        )
        .await;
    assert!(edited["errors"].is_null(), "{edited}");
    comment(&app, &ola, &thread, "Svar fra Ola").await;
    let file = b"Notater fra m\xc3\xb8tet\n".to_vec();
    let shared = upload(&app, &kari, &group, "notater.txt", file.clone(), true).await;
    assert!(shared.status().is_success());

    // Signing in is needed; asking twice while it is built answers the same export.
    let ask = "mutation { exportMyData { id status downloadUrl } }";
    assert_eq!(
        error_code(&app.graphql(None, ask, json!({})).await),
        "UNAUTHENTICATED"
    );
    let mut outcomes = app.job_outcomes.subscribe();
    let asked = app.graphql(Some(&kari.access_token), ask, json!({})).await;
    let export = &asked["data"]["exportMyData"];
    assert_eq!(export["status"], "PENDING", "{asked}");
    assert_eq!(export["downloadUrl"], Value::Null);
    let built = outcome_where(&mut outcomes, |o| o.kind == "data-export").await;
    assert!(built.error.is_none(), "{built:?}");

    // Ready for Kari alone.
    let ready = exports_of(&app, &kari).await;
    assert_eq!(ready.len(), 1, "{ready:?}");
    assert_eq!(ready[0]["id"], export["id"]);
    assert_eq!(ready[0]["status"], "READY");
    let others = app.graphql(
        Some(&ola.access_token),
        "query($id: ID!) { node(id: $id) { ... on Member { dataExports { totalCount } } } }",
        json!({ "id": text(&app.graphql(Some(&kari.access_token), "{ me { id } }", json!({})).await["data"]["me"]["id"]) }),
    ).await;
    assert_eq!(
        others["data"]["node"]["dataExports"],
        Value::Null,
        "{others}"
    );

    let link = format!("{}{}", app.address, text(&ready[0]["downloadUrl"]));
    let response = app.client.get(&link).send().await.expect("download");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/zip",
        "{:?}",
        response.headers()
    );
    let bytes = response.bytes().await.expect("the archive");
    assert_eq!(ready[0]["size"], bytes.len());
    let files = unzip(&bytes);

    let profile = json_file(&files, "profile.json");
    assert_eq!(profile["email"], json!(kari.email));
    assert!(profile.get("password_hash").is_none(), "{profile}");
    let comments = json_file(&files, "comments.json");
    let bodies: Vec<&str> = comments
        .as_array()
        .expect("comments")
        .iter()
        .filter_map(|comment| comment["body"].as_str())
        .collect();
    assert_eq!(bodies, vec!["Endelig tekst"], "{comments}");
    let revisions = json_file(&files, "comment_revisions.json");
    assert_eq!(revisions[0]["body"], "Første utkast", "{revisions}");
    assert_eq!(
        json_file(&files, "threads.json")[0]["title"],
        "Hvem ser hva?"
    );
    assert_eq!(json_file(&files, "memberships.json")[0]["role"], "OWNER");
    let (_, stored) = files
        .iter()
        .find(|(name, _)| name.starts_with("files/") && name.ends_with("-notater.txt"))
        .expect("the uploaded file");
    assert_eq!(stored, &file);
    // Nothing of another member's: not Ola's words, address or private bio.
    for (name, content) in &files {
        let content = String::from_utf8_lossy(content);
        for foreign in [ola.email.as_str(), "Ola sin private bio", "Svar fra Ola"] {
            assert!(!content.contains(foreign), "{name} holds {foreign:?}");
        }
    }

    // Once: the link is spent and the export says so.
    let again = app.client.get(&link).send().await.expect("second download");
    assert_eq!(again.status(), 404);
    let after = exports_of(&app, &kari).await;
    assert_eq!(after[0]["status"], "DOWNLOADED", "{after:?}");
    assert_eq!(after[0]["downloadUrl"], Value::Null);
    let forged = app
        .client
        .get(format!("{}/exports/{}", app.address, "AAAA".repeat(10)))
        .send()
        .await
        .expect("forged link");
    assert_eq!(forged.status(), 404);
}

#[tokio::test]
async fn of_two_downloads_at_once_with_one_link_only_one_gets_the_archive() {
    let app = spawn_app_with(&[("WORKERS_JOBS", "1"), ("JOBS_POLL_MS", "20")]).await;
    let kari = app.register(&email("kari"), "Kari").await;
    let mut outcomes = app.job_outcomes.subscribe();
    let asked = app
        .graphql(
            Some(&kari.access_token),
            "mutation { exportMyData { id } }",
            json!({}),
        )
        .await;
    assert!(asked["errors"].is_null(), "{asked}");
    outcome_where(&mut outcomes, |o| o.kind == "data-export").await;
    let link = format!(
        "{}{}",
        app.address,
        text(&exports_of(&app, &kari).await[0]["downloadUrl"])
    );
    let (first, second) = tokio::join!(app.client.get(&link).send(), app.client.get(&link).send());
    let mut statuses = [
        first.expect("first").status().as_u16(),
        second.expect("second").status().as_u16(),
    ];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 404]);
}
