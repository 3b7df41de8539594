//! `fagruppe seed demo` writes a community a newcomer can use at once: its members sign in, its
//! group, meetups, thread and library read back through the API with the counts the commands
//! would have kept; and a seed never mixes its data into a database that holds members.

use fagruppe::{auth::password::Passwords, config::Settings, seed};
use sea_orm::Database;
use serde_json::json;

use crate::helpers::{JWT_SECRET, TestApp, spawn_app};

async fn seed_into(app: &TestApp, data_set: seed::DataSet, force: bool) -> Result<String, String> {
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(app.database_url.clone()),
        "JWT_SECRET" => Some(JWT_SECRET.to_owned()),
        "PASSWORD_HASH_MEMORY_KIB" => Some("1024".to_owned()),
        "PASSWORD_HASH_ITERATIONS" => Some("1".to_owned()),
        _ => None,
    })
    .expect("settings");
    let passwords = Passwords::for_settings(&settings).expect("hasher");
    let db = Database::connect(&app.database_url).await.expect("connect");
    let summary = seed::run(&db, &passwords, data_set, force).await;
    db.close().await.expect("close");
    summary.map(|summary| summary.to_string())
}

#[tokio::test]
async fn the_demo_community_reads_back_and_its_leader_signs_in() {
    let app = spawn_app().await;
    let summary = seed_into(&app, seed::DataSet::Demo, false)
        .await
        .expect("seeded");
    assert!(summary.starts_with("12 members, 1 groups"), "{summary}");

    let body = app
        .graphql(
            None,
            "{ group(slug: \"digital-ledelse-og-etikk\") { name memberCount
                meetups(first: 3) { nodes { title kind goingCount waitlistCount spotsLeft agenda { title speaker } } }
                threads(first: 1) { nodes { title commentCount pinned author { displayName }
                  comments(first: 10) { nodes { depth author { displayName } quote { excerpt }
                    replies(first: 3) { nodes { author { displayName } quote { excerpt } } } } } } }
                resources(first: 5) { nodes { title kind } } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let group = &body["data"]["group"];
    assert_eq!(group["name"], "Digital ledelse og etikk");
    assert_eq!(group["memberCount"], 12);
    let seminar = &group["meetups"]["nodes"][0];
    assert_eq!(seminar["kind"], "FORMAL");
    assert_eq!(
        (
            &seminar["goingCount"],
            &seminar["waitlistCount"],
            &seminar["spotsLeft"]
        ),
        (&json!(6), &json!(2), &json!(0))
    );
    assert_eq!(seminar["agenda"][1]["speaker"], "Ingrid Berg");
    assert_eq!(group["meetups"]["nodes"][1]["kind"], "INFORMAL");
    let thread = &group["threads"]["nodes"][0];
    assert_eq!(thread["pinned"], true);
    assert_eq!(thread["author"]["displayName"], "Kari Nordmann");
    assert_eq!(thread["commentCount"], 14);
    let quotes: Vec<&str> = thread["comments"]["nodes"]
        .as_array()
        .expect("comments")
        .iter()
        .flat_map(|c| {
            c["replies"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|reply| reply["quote"]["excerpt"].as_str().map(str::to_owned))
        .map(|excerpt| {
            if excerpt.contains("målte") {
                "målte"
            } else {
                "other"
            }
        })
        .collect();
    assert!(quotes.contains(&"målte"), "{thread}");
    assert_eq!(
        group["resources"]["nodes"].as_array().map(Vec::len),
        Some(3)
    );

    let signed_in = app
        .login("kari.nordmann@demo.fagruppe.test", seed::PASSWORD)
        .await;
    assert_eq!(
        signed_in["data"]["login"]["member"]["displayName"], "Kari Nordmann",
        "{signed_in}"
    );
    // The article the thread discusses is the seminar's starting point: the thread led to it.
    let insights = app
        .graphql(
            signed_in["data"]["login"]["accessToken"].as_str(),
            "query($from: DateTime!, $to: DateTime!) { group(slug: \"digital-ledelse-og-etikk\") {
                insights(from: $from, to: $to) { threads { participants { value } }
                discussionsByOutcome { key threads participants { value } } } } }",
            json!({ "from": (chrono::Utc::now() - chrono::Duration::days(30)).to_rfc3339(),
                    "to": chrono::Utc::now().to_rfc3339() }),
        )
        .await;
    let figures = &insights["data"]["group"]["insights"];
    let participants = &figures["threads"][0]["participants"];
    assert!(participants["value"].as_i64() > Some(5), "{insights}");
    assert_eq!(
        figures["discussionsByOutcome"],
        json!([{ "key": "LED_TO_MEETUP", "threads": 1, "participants": participants },
               { "key": "NO_MEETUP", "threads": 0, "participants": { "value": 0 } }]),
        "{insights}"
    );
}

#[tokio::test]
async fn seeding_refuses_a_database_with_members_unless_forced_and_then_replaces_them() {
    let app = spawn_app().await;
    let someone = app.register("someone@example.no", "Someone").await;
    let refused = seed_into(&app, seed::DataSet::Demo, false)
        .await
        .expect_err("refused");
    assert!(refused.contains("already holds 1 members"), "{refused}");
    let me = app
        .graphql(
            Some(&someone.access_token),
            "{ me { displayName } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["displayName"], "Someone");

    seed_into(&app, seed::DataSet::Demo, true)
        .await
        .expect("forced");
    let gone = app
        .login("someone@example.no", crate::helpers::PASSWORD)
        .await;
    assert!(gone.get("errors").is_some(), "{gone}");
    let topics = app.graphql(None, "{ topics { slug } }", json!({})).await;
    assert_eq!(topics["data"]["topics"].as_array().map(Vec::len), Some(6));
}

#[test]
fn the_seed_command_reads_its_arguments() {
    assert_eq!(
        seed::parse(&["standard", "--scale", "5"]),
        Ok((seed::DataSet::Standard { scale: 5 }, false))
    );
    assert_eq!(
        seed::parse(&["demo", "--force"]),
        Ok((seed::DataSet::Demo, true))
    );
    assert!(seed::parse(&["standard", "--scale", "0"]).is_err());
    assert!(seed::parse(&["demo", "--scale", "2"]).is_err());
    assert!(seed::parse(&["everything"]).is_err());
}
