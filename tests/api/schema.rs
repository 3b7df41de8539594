use std::path::Path;

use crate::helpers::spawn_app;

/// `schema.graphql` is what reviewers read; it must be exactly what the server serves. Run with
/// `UPDATE_SCHEMA=1` to rewrite it after an intended change.
#[tokio::test]
async fn the_checked_in_schema_matches_the_served_schema() {
    let app = spawn_app().await;
    let served = app
        .client
        .get(format!("{}/schema.graphql", app.address))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &served).expect("write schema.graphql");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == served,
        "schema.graphql differs from the served schema: run `UPDATE_SCHEMA=1 cargo test the_checked_in_schema` or `cargo run -- export-schema > schema.graphql`"
    );
}

/// `fagruppe export-schema` prints what the server serves.
#[tokio::test]
async fn export_schema_prints_the_served_schema() {
    let app = spawn_app().await;
    let served = app
        .client
        .get(format!("{}/schema.graphql", app.address))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    let settings = fagruppe::config::Settings::from_lookup(|name| {
        (name == "DATA_DIR").then(|| app.data_dir.display().to_string())
    })
    .expect("settings");
    assert!(fagruppe::graphql::sdl(&settings) == served);
}
