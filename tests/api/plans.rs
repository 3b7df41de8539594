//! Every list a client pages through is read through an index, in the index's order, on both
//! databases: the statements a request runs are explained as the database would run them with
//! any amount of data, so a missing index shows on an almost empty test database too.
//!
//! On SQLite a step that sorts (`USE TEMP B-TREE`) or reads a table whole (`SCAN`) is a problem.
//! On PostgreSQL the statement is explained as a prepared statement's generic plan with full
//! scans, bitmap scans and sorts priced out (`enable_* = off`): a plan that still scans a table
//! whole, walks a whole index without a condition, or sorts has no index to serve it.
//!
//! Allowed everywhere: the groups (the directory walks them by id and stops after a page, and
//! policies ask which are public; an association has tens of them); a walk of a whole index in
//! its order for a list of everything (no condition), which stops after a page; and a sort that
//! merges a few ranges each read in index order ([`merges`]).

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::{Value, json};

use crate::{
    discussions::{comment, post, start_thread},
    groups::{create_group, join_member},
    helpers::{PASSWORD, TestApp, email, spawn_app},
    meetups::{answer, create_meetup},
    personas::{create_organisation, site_admin},
};

/// The steps of `sql`'s plan that read more than an index lets it, or sort; empty when it is read
/// through indexes alone.
pub async fn problems(app: &TestApp, sql: &str) -> Vec<String> {
    let merges = merges(sql);
    let everything = !sql.contains(" WHERE ");
    let db = app.db().await;
    match db.get_database_backend() {
        DbBackend::Sqlite => sqlite_plan(db, sql)
            .await
            .into_iter()
            .filter(|step| sqlite_problem(step, merges, everything))
            .collect(),
        _ => {
            let mut found = Vec::new();
            postgres_steps(&postgres_plan(db, sql).await, merges, &mut found);
            found
        }
    }
}

/// Whether `sql` may sort: it reads a few ranges of an index, each in the index's order, and
/// puts them in one order.
fn merges(sql: &str) -> bool {
    // The first few children of each parent (`firsts`): each parent's in index order.
    sql.contains(") AS \"firsts\"")
        // The meetups of the viewer's groups: each group's in index order.
        || (sql.contains(" FROM \"meetup\" WHERE ")
            && sql.contains(" IN (SELECT \"group_id\" FROM \"membership\" WHERE "))
}

/// Whether a step of SQLite's plan sorts (unless the statement `merges`) or scans a table, other
/// than the groups, a subquery's rows, or a whole index in its order for a list of `everything`.
fn sqlite_problem(step: &str, merges: bool, everything: bool) -> bool {
    if step.contains("TEMP B-TREE") {
        return !merges;
    }
    let Some(scanned) = step.strip_prefix("SCAN ") else {
        return false;
    };
    let allowed = scanned.starts_with("interest_group")
        || step.contains("SUBQUERY")
        || scanned.starts_with("firsts")
        // The parts of a `firsts` union, `p0`, `p1`, …
        || scanned
            .strip_prefix('p')
            .is_some_and(|part| part.starts_with(|c: char| c.is_ascii_digit()))
        || (everything && step.contains(" USING "));
    !allowed
}

/// SQLite's plan of `sql`, one line per step.
async fn sqlite_plan(db: &sea_orm::DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(
        DbBackend::Sqlite,
        format!("EXPLAIN QUERY PLAN {sql}"),
    ))
    .await
    .expect("a statement SQLite plans")
    .iter()
    .map(|row| row.try_get::<String>("", "detail").expect("a plan step"))
    .collect()
}

/// PostgreSQL's generic plan of `sql` (its parameters unknown, as a prepared statement is run in
/// the end) with full scans, bitmap scans and sorts priced out.
async fn postgres_plan(db: &sea_orm::DatabaseConnection, sql: &str) -> Value {
    let parameters = (1..)
        .take_while(|n| sql.contains(&format!("${n}")))
        .map(|_| "NULL")
        .collect::<Vec<_>>();
    let arguments = if parameters.is_empty() {
        String::new()
    } else {
        format!("({})", parameters.join(", "))
    };
    let txn = db.begin().await.expect("a transaction to explain in");
    for setting in [
        "SET LOCAL plan_cache_mode = force_generic_plan",
        "SET LOCAL enable_seqscan = off",
        "SET LOCAL enable_bitmapscan = off",
        "SET LOCAL enable_sort = off",
        "SET LOCAL enable_incremental_sort = off",
    ] {
        txn.execute_unprepared(setting).await.expect("a setting");
    }
    txn.execute_unprepared(&format!("PREPARE explained AS {sql}"))
        .await
        .unwrap_or_else(|error| panic!("PostgreSQL prepares {sql}: {error}"));
    let row = txn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("EXPLAIN (FORMAT JSON) EXECUTE explained{arguments}"),
        ))
        .await
        .expect("a plan")
        .expect("a plan row");
    let plan: Value = row.try_get("", "QUERY PLAN").expect("the plan as JSON");
    txn.execute_unprepared("DEALLOCATE explained")
        .await
        .expect("deallocate");
    txn.rollback().await.expect("rollback");
    plan[0]["Plan"].clone()
}

/// The steps of a PostgreSQL plan that read a table whole, walk an index whole only to filter
/// what they read, or sort (unless `merges`), depth first.
fn postgres_steps(node: &Value, merges: bool, found: &mut Vec<String>) {
    let kind = node["Node Type"].as_str().unwrap_or_default();
    let relation = node["Relation Name"].as_str().unwrap_or_default();
    let allowed = matches!(relation, "interest_group");
    let filtered = node.get("Filter").is_some();
    match kind {
        "Seq Scan" if !allowed => found.push(format!("a full scan of {relation}")),
        "Index Scan" | "Index Only Scan"
            if !allowed && filtered && node.get("Index Cond").is_none() =>
        {
            found.push(format!(
                "a walk of all of {} ({relation})",
                node["Index Name"].as_str().unwrap_or_default()
            ));
        }
        "Sort" | "Incremental Sort" if !merges => found.push(format!(
            "a sort by {}",
            node["Sort Key"]
                .as_array()
                .map(|keys| keys
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        )),
        _ => {}
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        postgres_steps(child, merges, found);
    }
}

/// Runs `query` as `token` (anonymous without), asserting it has no errors, and returns the
/// statements with a problem in their plans, each with its problems. Inserts are left out: SQLite
/// plans an `INSERT … RETURNING` into a parent table with a scan of each child table whose key
/// has no index, which it skips when it runs (no deferred foreign key is pending).
async fn badly_planned(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Vec<(String, Vec<String>)> {
    let (body, statements) = app.graphql_recorded(token, query, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    let mut bad = Vec::new();
    for sql in statements
        .into_iter()
        .filter(|sql| !sql.starts_with("INSERT"))
    {
        let found = problems(app, &sql).await;
        if !found.is_empty() {
            bad.push((sql, found));
        }
    }
    bad
}

/// The statements of the page after the first of each list in `lists` (each the start of a field
/// call, its arguments open: `members(`, `meetups(when: PAST, `), under `parent` (a field call
/// declaring `declared` variables, or none for the root), with their problems: a page of one is
/// read first for its cursor, then the page after it, so that the keyset condition a client
/// pages by is explained too.
async fn later_pages(
    app: &TestApp,
    token: &str,
    (declared, parent): (&str, Option<&str>),
    lists: &[&str],
    variables: &Value,
) -> Vec<(String, Vec<String>)> {
    let document = |list: &str, arguments: &str, selection: &str| {
        let after = arguments.contains("$after");
        let declared = match (declared.is_empty(), after) {
            (true, false) => String::new(),
            (true, true) => "($after: String)".to_owned(),
            (false, false) => format!("({declared})"),
            (false, true) => format!("({declared}, $after: String)"),
        };
        let page = format!("page: {list}{arguments}) {{ {selection} }}");
        match parent {
            Some(parent) => format!("query{declared} {{ parent: {parent} {{ {page} }} }}"),
            None => format!("query{declared} {{ {page} }}"),
        }
    };
    let mut bad = Vec::new();
    for list in lists {
        let first = app
            .graphql(
                Some(token),
                &document(list, "first: 1", "pageInfo { endCursor }"),
                variables.clone(),
            )
            .await;
        let page = match parent {
            Some(_) => &first["data"]["parent"]["page"],
            None => &first["data"]["page"],
        };
        let cursor = page["pageInfo"]["endCursor"].clone();
        assert!(
            cursor.is_string(),
            "{list} has a first row to page after: {first}"
        );
        let mut variables = variables.clone();
        variables["after"] = cursor;
        bad.extend(
            badly_planned(
                app,
                Some(token),
                &document(list, "first: 1, after: $after", "nodes { __typename }"),
                variables,
            )
            .await,
        );
    }
    bad
}

const GROUP_LISTS: &str = "query($slug: String!) { group(slug: $slug) {
    members(first: 20) { nodes { role } }
    membershipRequests(first: 20) { nodes { __typename } }
    invitations(first: 20) { nodes { __typename } }
    upcoming: meetups(first: 10) { nodes { id } }
    past: meetups(when: PAST, first: 10) { nodes { id } }
    threads(first: 20) { nodes { id } }
    moderationQueue(first: 20) { nodes { __typename } }
    resources(first: 20) { nodes { id } }
    auditLog(first: 20) { nodes { __typename } }
    tagged: threads(topic: \"ethics\", first: 20) { nodes { id } }
    taggedResources: resources(topic: \"ethics\", first: 20) { nodes { id } }
} }";

const THREAD_LISTS: &str = "query($id: ID!) { thread(id: $id) {
    comments(first: 20) { nodes { id replies(first: 3) { nodes { id } } } }
} }";

const MEETUP_LISTS: &str = "query($id: ID!) { meetup(id: $id) {
    going: attendees(first: 20) { nodes { member { displayName } } }
    waiting: attendees(status: WAITLISTED, first: 20) { nodes { __typename } }
    resources(first: 20) { nodes { id } }
} }";

const VIEWER_LISTS: &str = "{
    mySessions(first: 10) { nodes { __typename } }
    myGroups(first: 10) { nodes { id } }
    myInvitations(first: 10) { nodes { __typename } }
    upcomingMeetups(first: 10) { nodes { id } }
    myRsvps(first: 10) { nodes { __typename } }
    notifications(first: 10) { nodes { __typename } }
    unread: notifications(unreadOnly: true, first: 10) { nodes { __typename } }
    organisations(first: 10) { nodes { __typename } }
    groups(first: 10) { nodes { id } }
    taggedGroups: groups(topic: \"ethics\", first: 10) { nodes { id } }
    me { dataExports(first: 5) { nodes { __typename } } }
}";

const ADMIN_LISTS: &str = "query($id: ID!) {
    jobs(state: QUEUED, first: 10) { nodes { __typename } }
    organisation(id: $id) {
        representatives(first: 10) { nodes { id } }
        statements(first: 10) { nodes { __typename } }
    }
}";

#[tokio::test]
async fn every_list_a_client_pages_through_is_read_in_the_order_of_an_index() {
    let app = spawn_app().await;
    let owner = app.register(&email("leder"), "Kari Nordmann").await;
    let group = create_group(&app, &owner, "Personvern og etikk", "PUBLIC", "OPEN").await;
    let (member, _) = join_member(&app, &group, "Ola Nordmann").await;
    let meetup = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    answer(&app, &member, &meetup, "GOING").await;
    let thread = start_thread(&app, &member, &group, "Hvem eier dataene?", "Les først.").await;
    let first = comment(&app, &owner, &thread, "Vi gjør det.").await;
    let reply = post(
        &app,
        &member,
        json!({ "threadId": thread, "parentId": first, "body": "Enig." }),
    )
    .await;
    assert!(reply["data"]["postComment"]["id"].is_string(), "{reply}");

    let admin = site_admin(&app).await;
    let organisation = create_organisation(&app, &admin).await;
    let organisation = &organisation["data"]["createOrganisation"]["id"];

    let mut bad = Vec::new();
    for (token, query, variables) in [
        (
            &owner.access_token,
            GROUP_LISTS,
            json!({ "slug": group.slug }),
        ),
        (&member.access_token, THREAD_LISTS, json!({ "id": thread })),
        (&owner.access_token, MEETUP_LISTS, json!({ "id": meetup })),
        (&member.access_token, VIEWER_LISTS, json!({})),
        (&owner.access_token, VIEWER_LISTS, json!({})),
        (&admin, ADMIN_LISTS, json!({ "id": organisation })),
    ] {
        bad.extend(badly_planned(&app, Some(token), query, variables).await);
    }
    // The page after the first, for the lists with rows here.
    for (token, parent, lists, variables) in [
        (
            &owner.access_token,
            ("$slug: String!", Some("group(slug: $slug)")),
            &[
                "members(",
                "meetups(",
                "threads(",
                "threads(topic: \"ethics\", ",
            ][..],
            json!({ "slug": group.slug }),
        ),
        (
            &member.access_token,
            ("$id: ID!", Some("thread(id: $id)")),
            &["comments("][..],
            json!({ "id": thread }),
        ),
        (
            &owner.access_token,
            ("$id: ID!", Some("meetup(id: $id)")),
            &["attendees("][..],
            json!({ "id": meetup }),
        ),
        (
            &member.access_token,
            ("", None),
            &[
                "mySessions(",
                "myGroups(",
                "upcomingMeetups(",
                "myRsvps(",
                "notifications(",
                "groups(",
            ][..],
            json!({}),
        ),
        (&admin, ("", None), &["organisations("][..], json!({})),
    ] {
        bad.extend(later_pages(&app, token, parent, lists, &variables).await);
    }

    // Signing up finds a free handle by the handle's index.
    bad.extend(
        badly_planned(
            &app,
            None,
            "mutation($input: RegisterInput!) { register(input: $input) { email } }",
            json!({ "input": { "email": email("ny"), "password": PASSWORD,
                               "displayName": "Kari Nordmann" } }),
        )
        .await,
    );
    assert!(
        bad.is_empty(),
        "statements without an index for their filter and order:\n{}",
        bad.iter()
            .map(|(sql, found)| format!("{found:?} in {sql}"))
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
