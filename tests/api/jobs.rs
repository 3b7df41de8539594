//! The durable job queue through a real server: jobs inserted as a change would enqueue them,
//! worked off by real workers, read and retried by a site admin.

use chrono::Utc;
use entity::job;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, Database, DatabaseConnection};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, email, error_code, spawn_app_with, spawn_two_apps_on_one_database_with,
};

const FAST: [(&str, &str); 3] = [
    ("WORKERS_JOBS", "1"),
    ("JOBS_POLL_MS", "20"),
    ("JOBS_BACKOFF_MS", "10"),
];

async fn insert_job(db: &DatabaseConnection, kind: &str, max_attempts: i32) {
    let now = Utc::now();
    job::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        kind: Set(kind.to_owned()),
        payload: Set("{}".into()),
        idempotency_key: Set(None),
        state: Set(job::State::Queued),
        attempts: Set(0),
        max_attempts: Set(max_attempts),
        run_at: Set(now),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert a job");
}

/// A site admin's token.
async fn site_admin(app: &TestApp) -> String {
    let admin = app.register(&email("admin"), "Admin").await;
    app.execute_sql(&format!(
        "UPDATE member SET is_site_admin = TRUE WHERE email = '{}'",
        admin.email
    ))
    .await;
    // A new sign-in carries the new role.
    let login = app.login(&admin.email, crate::helpers::PASSWORD).await;
    crate::helpers::text(&login["data"]["login"]["accessToken"])
}

const JOBS: &str = "query($state: JobState!) { jobs(state: $state, first: 100) { totalCount nodes { id kind state attempts maxAttempts lastError } } }";

/// The jobs in `state` once `done` holds for them; the workers run in the background, so this
/// asks again every 20 ms, for at most ten seconds.
async fn jobs_when(
    app: &TestApp,
    token: &str,
    state: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..500 {
        let body = app
            .graphql(Some(token), JOBS, json!({ "state": state }))
            .await;
        let nodes = body["data"]["jobs"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("no jobs list: {body}"));
        if done(&nodes) {
            return nodes;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the {state} jobs never came to the expected state");
}

#[tokio::test]
async fn a_job_that_always_fails_is_retried_then_dead_and_an_admin_can_retry_it() {
    let app = spawn_app_with(&FAST).await;
    let token = site_admin(&app).await;
    let db = Database::connect(&app.database_url).await.expect("connect");
    insert_job(&db, "no-such-job", 3).await;

    let dead = jobs_when(&app, &token, "DEAD", |nodes| {
        nodes.iter().any(|n| n["kind"] == "no-such-job")
    })
    .await;
    let failed = dead
        .iter()
        .find(|n| n["kind"] == "no-such-job")
        .cloned()
        .unwrap_or_default();
    assert_eq!(failed["attempts"], 3, "{failed}");
    assert!(
        failed["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("no handler")),
        "{failed}"
    );

    // Members may neither read nor steer the queue.
    let member = app.register(&email("member"), "Member").await;
    let refused = app
        .graphql(Some(&member.access_token), JOBS, json!({ "state": "DEAD" }))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let retry = "mutation($id: ID!) { retryJob(id: $id) { state attempts } }";
    let vars = json!({ "id": failed["id"] });
    let refused = app
        .graphql(Some(&member.access_token), retry, vars.clone())
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");

    let retried = app.graphql(Some(&token), retry, vars).await;
    assert_eq!(retried["data"]["retryJob"]["state"], "QUEUED", "{retried}");
    assert_eq!(retried["data"]["retryJob"]["attempts"], 0, "{retried}");
    // Only a dead job can be retried: the periodic jobs the worker ran are done.
    let done = jobs_when(&app, &token, "DONE", |nodes| !nodes.is_empty()).await;
    let finished = app
        .graphql(Some(&token), retry, json!({ "id": done[0]["id"] }))
        .await;
    assert_eq!(error_code(&finished), "CONFLICT", "{finished}");
}

#[tokio::test]
async fn two_replicas_work_off_the_queue_each_job_once() {
    let (first, second) = spawn_two_apps_on_one_database_with(&FAST).await;
    let token = site_admin(&first).await;
    let db = Database::connect(&first.database_url)
        .await
        .expect("connect");
    for _ in 0..40 {
        insert_job(&db, "purge-jobs", 3).await;
    }
    let done = jobs_when(&second, &token, "DONE", |nodes| {
        nodes.iter().filter(|n| n["kind"] == "purge-jobs").count() >= 41
    })
    .await;
    // Each job ran once: one attempt each, none left running or queued. The periodic
    // purge-jobs of this hour ran once too, though both replicas schedule it.
    let purges: Vec<&Value> = done.iter().filter(|n| n["kind"] == "purge-jobs").collect();
    assert_eq!(purges.len(), 41, "{done:?}");
    assert!(purges.iter().all(|n| n["attempts"] == 1), "{done:?}");
    for state in ["QUEUED", "RUNNING"] {
        let left = first
            .graphql(Some(&token), JOBS, json!({ "state": state }))
            .await;
        let purge_jobs = left["data"]["jobs"]["nodes"].as_array().map_or(0, |nodes| {
            nodes.iter().filter(|n| n["kind"] == "purge-jobs").count()
        });
        assert_eq!(purge_jobs, 0, "{left}");
    }
    let sessions = done
        .iter()
        .filter(|n| n["kind"] == "purge-sessions")
        .count();
    assert_eq!(
        sessions, 1,
        "the periodic job ran {sessions} times this period"
    );
}
