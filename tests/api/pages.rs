//! The four pages a frontend loads most, with the documents the benchmark sends
//! (`bench/queries/`): what a visitor and a signed-in member see, and how many SQL statements the
//! server runs for each. The budgets follow the shape of the query (one statement per level that
//! is not one-to-one), never the number of rows on the page.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::{
    discussions::{comment, start_thread},
    groups::{TestGroup, create_group, join_member},
    helpers::{Account, TestApp, email, names, on_postgres, spawn_app, spawn_app_with},
    meetups::{answer, create_meetup},
    plans::problems,
};

const MEETUP_PAGE: &str = include_str!("../../bench/queries/meetup.graphql");
const GROUP_PAGE: &str = include_str!("../../bench/queries/group.graphql");
const THREAD_PAGE: &str = include_str!("../../bench/queries/thread.graphql");
const DIRECTORY: &str = include_str!("../../bench/queries/directory.graphql");

/// A public group with an owner, `members` members, three published meetups every member goes
/// to, a thread by the first member with a comment from each, and two more groups.
struct Community {
    owner: Account,
    members: Vec<Account>,
    group: TestGroup,
    meetups: Vec<String>,
    thread: String,
}

async fn community(app: &TestApp, members: usize) -> Community {
    let owner = app.register(&email("leder"), "Kari Nordmann").await;
    let group = create_group(app, &owner, "Personvern og etikk", "PUBLIC", "OPEN").await;
    let mut accounts = Vec::new();
    for i in 0..members {
        accounts.push(join_member(app, &group, &format!("Medlem {i}")).await.0);
    }
    let mut meetups = Vec::new();
    for _ in 0..3 {
        let meetup = create_meetup(app, &owner, &group, json!({ "publish": true })).await;
        for member in &accounts {
            answer(app, member, &meetup, "GOING").await;
        }
        meetups.push(meetup);
    }
    let thread = start_thread(
        app,
        &accounts[0],
        &group,
        "Hvem eier dataene?",
        "Les artikkelen først.",
    )
    .await;
    for (i, member) in accounts.iter().enumerate() {
        comment(app, member, &thread, &format!("Innlegg {i}")).await;
    }
    for name in ["Ledelse", "Sikkerhet"] {
        create_group(app, &owner, name, "PUBLIC", "OPEN").await;
    }
    Community {
        owner,
        members: accounts,
        group,
        meetups,
        thread,
    }
}

/// Runs a page as `viewer`, asserting it has no errors, and returns its data and statement count.
async fn page(
    app: &TestApp,
    viewer: Option<&Account>,
    query: &str,
    variables: Value,
) -> (Value, u64) {
    let (body, statements) = app
        .graphql_counted(viewer.map(|a| a.access_token.as_str()), query, variables)
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    (body["data"].clone(), statements)
}

#[tokio::test]
async fn the_four_pages_show_what_a_visitor_sees_within_their_statement_budgets() {
    let app = spawn_app().await;
    let community = community(&app, 6).await;
    let everyone: Vec<String> = (0..6).map(|i| format!("Medlem {i}")).collect();

    let (data, statements) = page(
        &app,
        None,
        MEETUP_PAGE,
        json!({ "id": community.meetups[0] }),
    )
    .await;
    let meetup = &data["meetup"];
    assert_eq!(meetup["group"]["name"], "Personvern og etikk");
    assert_eq!(meetup["goingCount"], 6);
    assert_eq!(meetup["attendees"]["totalCount"], 6);
    assert_eq!(
        names(&meetup["attendees"]["nodes"], &["member", "displayName"]),
        everyone
    );
    // The meetup with its group and its first attendees with their members: on PostgreSQL one
    // statement; SQLite reads the attendees after.
    let budget = if on_postgres() { 1 } else { 2 };
    assert!(statements <= budget, "meetup page: {statements} statements");

    let (data, statements) = page(
        &app,
        None,
        GROUP_PAGE,
        json!({ "slug": community.group.slug }),
    )
    .await;
    let group = &data["group"];
    assert_eq!(group["memberCount"], 7);
    let meetups = group["meetups"]["nodes"].as_array().expect("meetups");
    assert_eq!(meetups.len(), 3);
    for meetup in meetups {
        assert_eq!(meetup["goingCount"], 6);
        assert_eq!(
            names(&meetup["attendees"]["nodes"], &["member", "displayName"]),
            everyone[..5]
        );
    }
    // The group; its meetups; their first attendees with their members.
    assert!(statements <= 3, "group page: {statements} statements");

    let (data, statements) = page(&app, None, THREAD_PAGE, json!({ "id": community.thread })).await;
    let thread = &data["thread"];
    assert_eq!(thread["author"]["displayName"], "Medlem 0");
    let comments = &thread["comments"]["nodes"];
    assert_eq!(names(comments, &["author", "displayName"]), everyone);
    assert_eq!(names(comments, &["bodyHtml"])[1], "<p>Innlegg 1</p>\n");
    // The thread with its group and author; its comments with theirs.
    assert!(statements <= 2, "thread page: {statements} statements");

    let (data, statements) = page(&app, None, DIRECTORY, json!({})).await;
    let groups = &data["groups"]["nodes"];
    assert_eq!(
        names(groups, &["name"]),
        ["Sikkerhet", "Ledelse", "Personvern og etikk"]
    );
    assert_eq!(groups[2]["memberCount"], 7);
    assert_eq!(groups[0]["memberCount"], 1);
    // The groups, with their stored member counts.
    assert!(statements <= 1, "directory: {statements} statements");
}

#[tokio::test]
async fn a_signed_in_member_reads_the_same_pages_in_a_few_more_statements() {
    let app = spawn_app().await;
    let community = community(&app, 3).await;
    let member = &community.members[1];

    let (data, statements) = page(
        &app,
        Some(member),
        MEETUP_PAGE,
        json!({ "id": community.meetups[1] }),
    )
    .await;
    assert_eq!(data["meetup"]["attendees"]["totalCount"], 3);
    // The session; the meetup with its group, the viewer's membership, answer and whether they
    // host, and its first attendees with their members (on SQLite, after).
    let budget = if on_postgres() { 2 } else { 3 };
    assert!(statements <= budget, "meetup page: {statements} statements");

    let (data, statements) = page(
        &app,
        Some(&community.owner),
        GROUP_PAGE,
        json!({ "slug": community.group.slug }),
    )
    .await;
    assert_eq!(data["group"]["memberCount"], 4);
    // The session; the group with the viewer's membership; its meetups with the viewer's answers
    // and hosting; the first attendees with their members.
    assert!(statements <= 4, "group page: {statements} statements");

    let (data, statements) = page(
        &app,
        Some(member),
        THREAD_PAGE,
        json!({ "id": community.thread }),
    )
    .await;
    assert_eq!(
        data["thread"]["comments"]["nodes"].as_array().map(Vec::len),
        Some(3)
    );
    // The session; the thread with its group, author and the viewer's membership; its comments
    // with their authors.
    assert!(statements <= 3, "thread page: {statements} statements");

    let (data, statements) = page(&app, Some(member), DIRECTORY, json!({})).await;
    assert_eq!(data["groups"]["nodes"].as_array().map(Vec::len), Some(3));
    // The session; the groups; the viewer's memberships in them.
    assert!(statements <= 3, "directory: {statements} statements");
}

/// Reads keep the connections they used for their next statements; writes begin their
/// transactions on the pool. With the smallest pool (one HTTP worker, two connections) a dozen
/// visitors reading the directory while the owner creates six groups all get their answers, and
/// the directory then lists every group.
#[tokio::test]
async fn visitors_reading_while_an_owner_writes_share_a_pool_of_two_connections() {
    let app = spawn_app_with(&[("WORKERS", "1"), ("DATABASE_MAX_CONNECTIONS", "2")]).await;
    let owner = app.register(&email("leder"), "Kari Nordmann").await;
    let groups: Vec<String> = (0..6).map(|i| format!("Faggruppe {i}")).collect();

    let reads = join_all((0..12).map(|_| app.graphql(None, DIRECTORY, json!({}))));
    let writes = join_all(
        groups
            .iter()
            .map(|name| create_group(&app, &owner, name, "PUBLIC", "OPEN")),
    );
    let (read, _) = tokio::join!(reads, writes);
    for answer in &read {
        assert!(answer.get("errors").is_none(), "{answer}");
        assert!(answer["data"]["groups"]["nodes"].is_array(), "{answer}");
    }

    let directory = app.graphql(None, DIRECTORY, json!({})).await;
    let mut listed = names(&directory["data"]["groups"]["nodes"], &["name"]);
    listed.sort();
    assert_eq!(listed, groups);
}

#[tokio::test]
async fn a_response_keeps_the_order_of_the_selection() {
    let app = spawn_app().await;
    let owner = app.register(&email("leder"), "Kari Nordmann").await;
    let group = create_group(&app, &owner, "Personvern og etikk", "PUBLIC", "OPEN").await;
    let response = app
        .client
        .post(app.graphql_url())
        .json(&json!({
            "query": "query($slug: String!) { group(slug: $slug) { slug name memberCount id } }",
            "variables": { "slug": group.slug },
        }))
        .send()
        .await
        .expect("send");
    let body = response.text().await.expect("body");
    let positions: Vec<usize> = ["\"slug\"", "\"name\"", "\"memberCount\"", "\"id\""]
        .iter()
        .map(|key| body.find(key).expect("each key is in the answer"))
        .collect();
    assert!(positions.is_sorted(), "keys out of selection order: {body}");
}

/// Whether the tests run on PostgreSQL, saying why the caller, which concerns SQLite, is skipped.
fn skipped_on_postgres(why: &str) -> bool {
    let skipped = on_postgres();
    if skipped {
        eprintln!("skipped on PostgreSQL: {why}");
    }
    skipped
}

/// The rows of `sql`, run on the test's SQLite database.
async fn sqlite_rows(app: &TestApp, sql: String) -> Vec<sea_orm::QueryResult> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    app.db()
        .await
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await
        .expect("a statement SQLite runs")
}

#[tokio::test]
async fn every_statement_of_the_four_pages_uses_an_index_and_none_reads_a_password_hash() {
    let app = spawn_app().await;
    let community = community(&app, 3).await;
    let member = &community.members[0];
    let pages = [
        (MEETUP_PAGE, json!({ "id": community.meetups[0] })),
        (GROUP_PAGE, json!({ "slug": community.group.slug })),
        (THREAD_PAGE, json!({ "id": community.thread })),
        (DIRECTORY, json!({})),
    ];
    for viewer in [None, Some(member)] {
        for (query, variables) in &pages {
            let (body, statements) = app
                .graphql_recorded(
                    viewer.map(|a| a.access_token.as_str()),
                    query,
                    variables.clone(),
                )
                .await;
            assert!(body.get("errors").is_none(), "{body}");
            for sql in statements {
                // Names on a page never read the password hash (the session check, for a
                // signed-in viewer, reads the account it authenticates).
                if viewer.is_none() {
                    assert!(!sql.contains("password_hash"), "{sql}");
                }
                let bad = problems(&app, &sql).await;
                assert!(bad.is_empty(), "{bad:?} in {sql}");
            }
        }
    }
}

/// SQLite prepares a statement again whenever a parameter it planned with is bound anew (every
/// `LIMIT ?` since 3.47) unless built with the query planner stability guarantee, and counts
/// every allocation under one process-wide mutex unless built without memory statistics;
/// `.cargo/config.toml` asks for both. Without the first each page's statements are parsed on
/// every request; without the second the connections' threads queue on that mutex.
#[tokio::test]
async fn the_embedded_sqlite_keeps_its_statements_prepared_and_allocates_without_a_global_lock() {
    if skipped_on_postgres("it concerns the embedded SQLite") {
        return;
    }
    let app = spawn_app().await;
    let options: Vec<String> = sqlite_rows(&app, "PRAGMA compile_options".into())
        .await
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("an option"))
        .collect();
    for wanted in ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"] {
        assert!(
            options.iter().any(|option| option == wanted),
            "{wanted} in {options:?}"
        );
    }
}

/// Each model of `rows` read by position, and as sea-orm reads it by name.
async fn both_reads<E>(db: &fagruppe::db::Db) -> (Vec<E::Model>, Vec<E::Model>, bool)
where
    E: sea_orm::EntityTrait,
    E::Model: entity::row::FromRow,
{
    use entity::row::{FromRow, OwnedRow};
    use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, QueryTrait};
    let statement = E::find().build(DbBackend::Sqlite);
    let embedded = db.rows(statement.clone()).await.expect("rows");
    let on_this_thread = embedded
        .iter()
        .all(|row| matches!(row, OwnedRow::Table(..)));
    let by_position = embedded
        .iter()
        .map(|row| E::Model::from_row(row.row()).expect("a row read by position"))
        .collect();
    let by_name = db
        .query_all_raw(statement)
        .await
        .expect("rows")
        .iter()
        .map(|row| E::Model::from_query_result(row, "").expect("a row read by name"))
        .collect();
    (by_position, by_name, on_this_thread)
}

/// The page reads and the session check on SQLite run on the request's thread (`db::embedded`),
/// and decode every column as sqlx does: times as written and as SQLite's defaults write them,
/// UUIDs, enumerations, nulls and flags. Read both ways, each busy table's rows are the same
/// models.
#[tokio::test]
async fn rows_read_on_the_requests_thread_are_the_rows_sqlx_reads() {
    use entity::{comment, interest_group, meetup, member, membership, rsvp, session, thread};
    if skipped_on_postgres("it concerns the embedded SQLite") {
        return;
    }
    let app = spawn_app().await;
    community(&app, 3).await;
    let db = app.server_db().await;
    macro_rules! same {
        ($($table:ident),+) => {$(
            let (by_position, by_name, on_this_thread) = both_reads::<$table::Entity>(&db).await;
            assert!(!by_position.is_empty(), "rows of {}", stringify!($table));
            assert!(on_this_thread, "{} read on this thread", stringify!($table));
            assert_eq!(by_position, by_name, "{}", stringify!($table));
        )+};
    }
    same!(
        interest_group,
        meetup,
        rsvp,
        thread,
        comment,
        membership,
        member,
        session
    );
}
