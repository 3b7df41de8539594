//! The durable job queue through a real server: jobs inserted as a change would enqueue them,
//! worked off by real workers, read and retried by a site admin.

use chrono::Utc;
use entity::job;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, Database, DatabaseConnection};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, email, error_code, outcome_where, spawn_app_with, spawn_two_apps_on_one_database_with,
};

const FAST: [(&str, &str); 3] = [
    ("WORKERS_JOBS", "1"),
    ("JOBS_POLL_MS", "20"),
    ("JOBS_BACKOFF_MS", "10"),
];

pub async fn insert_job(db: &DatabaseConnection, kind: &str, max_attempts: i32) -> uuid::Uuid {
    let now = Utc::now();
    let id = uuid::Uuid::now_v7();
    job::ActiveModel {
        id: Set(id),
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
        trace_parent: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert a job");
    id
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

async fn jobs_in(app: &TestApp, token: &str, state: &str) -> Vec<Value> {
    let body = app
        .graphql(Some(token), JOBS, json!({ "state": state }))
        .await;
    body["data"]["jobs"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no jobs list: {body}"))
}

#[tokio::test]
async fn a_job_that_always_fails_is_retried_then_dead_and_an_admin_can_retry_it() {
    let app = spawn_app_with(&FAST).await;
    let token = site_admin(&app).await;
    let db = Database::connect(&app.database_url).await.expect("connect");
    let mut outcomes = app.job_outcomes.subscribe();
    let failing = insert_job(&db, "no-such-job", 3).await;
    let last = outcome_where(&mut outcomes, |o| {
        o.id == failing && o.state != job::State::Queued
    })
    .await;
    assert_eq!((last.state, last.attempts), (job::State::Dead, 3));

    let dead = jobs_in(&app, &token, "DEAD").await;
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

    // Only a dead job can be retried.
    let fine = insert_job(&db, "purge-jobs", 3).await;
    outcome_where(&mut outcomes, |o| {
        o.id == fine && o.state == job::State::Done
    })
    .await;
    let finished = app
        .graphql(
            Some(&token),
            retry,
            json!({ "id": fagruppe::ids::encode(fagruppe::ids::Kind::Job, fine) }),
        )
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
    let mut heard = [
        first.job_outcomes.subscribe(),
        second.job_outcomes.subscribe(),
    ];
    let mut inserted = std::collections::HashSet::new();
    for _ in 0..40 {
        inserted.insert(insert_job(&db, "purge-jobs", 3).await);
    }
    // Every inserted job is done once, by one replica or the other, at its first attempt.
    let mut finished = std::collections::HashSet::new();
    while finished.len() < inserted.len() {
        let [a, b] = &mut heard;
        let outcome = tokio::select! {
            outcome = outcome_where(a, |o| inserted.contains(&o.id)) => outcome,
            outcome = outcome_where(b, |o| inserted.contains(&o.id)) => outcome,
        };
        assert_eq!(
            (outcome.state, outcome.attempts),
            (job::State::Done, 1),
            "{outcome:?}"
        );
        assert!(finished.insert(outcome.id), "{} ran twice", outcome.id);
    }
    // Both replicas schedule the hourly jobs; each exists once.
    let mut sessions = 0;
    for state in ["QUEUED", "RUNNING", "DONE"] {
        sessions += jobs_in(&second, &token, state)
            .await
            .iter()
            .filter(|n| n["kind"] == "purge-sessions")
            .count();
    }
    assert_eq!(
        sessions, 1,
        "the periodic job exists {sessions} times this period"
    );
}
