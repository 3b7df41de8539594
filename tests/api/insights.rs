//! Insights for organisers: a constructed history (members who joined months ago, two past
//! meetups with check-ins, one coming, a thread) gives exactly the expected figures; small
//! cells are suppressed; only owners and organisers read them; the CSV has the same numbers.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::{
    discussions::{comment, start_thread},
    groups::{TestGroup, create_group, join_member},
    helpers::{Account, TestApp, email, error_code, raw_id, spawn_app, text},
    meetups::create_meetup,
    resources::{PDF, upload},
};

const INSIGHTS: &str = "query($slug: String!, $from: DateTime!, $to: DateTime!) {
  group(slug: $slug) { insights(from: $from, to: $to, interval: MONTH) {
    membership { members { value suppressed } joins { value } leaves { value suppressed } }
    activity { activeMembers { value } shareOfMembers { value suppressed } checkedIn { value }
               commented { value } startedThreads { value suppressed } }
    meetups { title kind going { value } checkedIn { value } showUpRate { value } noShowRate { value }
              firstTimers { value } returnRate { value suppressed } }
    meetupAggregates { byKind { key meetups going { value } waitlisted { value } waitlistPeak { value }
                                checkedIn { value } showUpRate { value } noShowRate { value }
                                firstTimers { value } returnRate { value } } }
    threads { comments participants { value } replyDepth quotes hoursToFirstReply reactions { like } }
    discussionsByTopic { key threads comments participants { value } replyDepth }
    resourcesByKind { key shared downloads }
    effect { activity participants { value } participantsActiveAgain { value }
             participantsRate { value suppressed } others { value suppressed }
             othersActiveAgain { value } othersRate { value suppressed } }
  } } }";

/// Moves a meetup to `at` and its check-ins and answers with it.
async fn hold_meetup_at(app: &TestApp, meetup: &str, at: DateTime<Utc>) {
    use entity::{meetup, rsvp};
    let id = raw_id(meetup);
    let db = app.db().await;
    meetup::Entity::update_many()
        .col_expr(meetup::Column::StartsAt, Expr::value(at))
        .col_expr(meetup::Column::EndsAt, Expr::value(at + Duration::hours(2)))
        .filter(meetup::Column::Id.eq(id))
        .exec(db)
        .await
        .expect("move the meetup");
    rsvp::Entity::update_many()
        .col_expr(rsvp::Column::CreatedAt, Expr::value(at - Duration::days(3)))
        .filter(rsvp::Column::MeetupId.eq(id))
        .exec(db)
        .await
        .expect("move the answers");
    rsvp::Entity::update_many()
        .col_expr(rsvp::Column::CheckedInAt, Expr::value(at))
        .filter(rsvp::Column::MeetupId.eq(id))
        .filter(rsvp::Column::CheckedInAt.is_not_null())
        .exec(db)
        .await
        .expect("move the check-ins");
}

async fn meetup_with(
    app: &TestApp,
    owner: &Account,
    group: &TestGroup,
    kind: &str,
    going: &[&Account],
    check_in: bool,
) -> String {
    let id = create_meetup(
        app,
        owner,
        group,
        json!({ "kind": kind, "publish": true, "title": format!("{kind} møte") }),
    )
    .await;
    for member in going {
        let answered = app
            .graphql(
                Some(&member.access_token),
                "mutation($id: ID!) { rsvp(input: {meetupId: $id, response: GOING}) { status } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(answered["data"]["rsvp"]["status"], "GOING", "{answered}");
        if check_in {
            let member_id = text(
                &app.graphql(Some(&member.access_token), "{ me { id } }", json!({}))
                    .await["data"]["me"]["id"],
            );
            let checked = app
                .graphql(
                    Some(&owner.access_token),
                    "mutation($m: ID!, $id: ID!) { checkIn(input: {meetupId: $m, memberId: $id}) { checkedInAt } }",
                    json!({ "m": id, "id": member_id }),
                )
                .await;
            assert!(checked["errors"].is_null(), "{checked}");
        }
    }
    id
}

fn values(list: &Value, field: &str) -> Vec<Value> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item[field]["value"].clone())
        .collect()
}

#[tokio::test]
async fn a_constructed_history_gives_the_expected_figures_to_organisers_alone() {
    let app = spawn_app().await;
    let now = Utc::now();
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Effekt", "PUBLIC", "OPEN").await;
    let mut members = Vec::new();
    for name in ["M1", "M2", "M3", "M4", "M5", "M6"] {
        members.push(join_member(&app, &group, name).await.0);
    }
    // Everyone joined 95 days ago.
    {
        use entity::membership_event;
        membership_event::Entity::update_many()
            .col_expr(
                membership_event::Column::At,
                Expr::value(now - Duration::days(95)),
            )
            .filter(membership_event::Column::GroupId.eq(raw_id(&group.id)))
            .exec(app.db().await)
            .await
            .expect("backdate the joins");
    }
    let all: Vec<&Account> = members.iter().collect();
    // A formal meetup 75 days ago (all six checked in), an informal one 50 days ago (five of
    // them back), a formal one in ten days (five going).
    let first = meetup_with(&app, &owner, &group, "FORMAL", &all, true).await;
    hold_meetup_at(&app, &first, now - Duration::days(75)).await;
    let second = meetup_with(&app, &owner, &group, "INFORMAL", &all[..5], true).await;
    hold_meetup_at(&app, &second, now - Duration::days(50)).await;
    let coming = meetup_with(&app, &owner, &group, "FORMAL", &all[..5], false).await;
    hold_meetup_at(&app, &coming, now + Duration::days(10)).await;
    // Today: the owner starts a thread, five members comment, and M6 leaves.
    let thread = start_thread(&app, &owner, &group, "Hva virket?", "Del erfaringer.").await;
    for member in &members[..5] {
        comment(&app, member, &thread, "Frokostseminaret.").await;
    }
    let left = app
        .graphql(
            Some(&members[5].access_token),
            "mutation($id: ID!) { leaveGroup(groupId: $id) }",
            json!({ "id": group.id }),
        )
        .await;
    assert!(left["errors"].is_null(), "{left}");

    let from = now - Duration::days(100);
    let to = now + Duration::days(15);
    let variables = json!({ "slug": group.slug, "from": from.to_rfc3339(), "to": to.to_rfc3339() });
    let answer = app
        .graphql(Some(&owner.access_token), INSIGHTS, variables.clone())
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    let insights = &answer["data"]["group"]["insights"];

    // Membership: seven from the start (owner and six), one leaving today (suppressed: 1).
    let membership = &insights["membership"];
    assert_eq!(
        values(membership, "members"),
        [json!(7), json!(7), json!(7), json!(6)]
    );
    assert_eq!(
        values(membership, "joins"),
        [json!(7), json!(0), json!(0), json!(0)]
    );
    assert_eq!(
        membership[3]["leaves"],
        json!({ "value": null, "suppressed": true })
    );

    // Activity: six checked in in the first month, five in the second, six active today.
    let activity = &insights["activity"];
    assert_eq!(
        values(activity, "activeMembers"),
        [json!(6), json!(5), json!(0), json!(6)]
    );
    assert_eq!(
        values(activity, "checkedIn"),
        [json!(6), json!(5), json!(0), json!(0)]
    );
    assert_eq!(
        values(activity, "commented"),
        [json!(0), json!(0), json!(0), json!(5)]
    );
    assert_eq!(
        activity[3]["startedThreads"],
        json!({ "value": null, "suppressed": true })
    );
    let share = activity[0]["shareOfMembers"]["value"]
        .as_f64()
        .expect("share");
    assert!((share - 6.0 / 7.0).abs() < 1e-9, "{share}");

    // Meetups: show-up, no-shows, first-timers and the return rate (five of six came back).
    assert_eq!(
        insights["meetups"],
        json!([
            { "title": "FORMAL møte", "kind": "FORMAL", "going": { "value": 6 }, "checkedIn": { "value": 6 },
              "showUpRate": { "value": 1.0 }, "noShowRate": { "value": 0.0 }, "firstTimers": { "value": 6 },
              "returnRate": { "value": 5.0 / 6.0, "suppressed": false } },
            { "title": "INFORMAL møte", "kind": "INFORMAL", "going": { "value": 5 }, "checkedIn": { "value": 5 },
              "showUpRate": { "value": 1.0 }, "noShowRate": { "value": 0.0 }, "firstTimers": { "value": 0 },
              "returnRate": { "value": null, "suppressed": false } },
            { "title": "FORMAL møte", "kind": "FORMAL", "going": { "value": 5 }, "checkedIn": { "value": 0 },
              "showUpRate": { "value": null }, "noShowRate": { "value": null }, "firstTimers": { "value": 0 },
              "returnRate": { "value": null, "suppressed": false } },
        ]),
        "{}",
        insights["meetups"]
    );
    assert_eq!(
        insights["meetupAggregates"]["byKind"],
        json!([
            { "key": "FORMAL", "meetups": 2, "going": { "value": 11 }, "waitlisted": { "value": 0 },
              "waitlistPeak": { "value": 0 }, "checkedIn": { "value": 6 }, "showUpRate": { "value": 1.0 },
              "noShowRate": { "value": 0.0 }, "firstTimers": { "value": 6 },
              "returnRate": { "value": 5.0 / 6.0 } },
            { "key": "INFORMAL", "meetups": 1, "going": { "value": 5 }, "waitlisted": { "value": 0 },
              "waitlistPeak": { "value": 0 }, "checkedIn": { "value": 5 }, "showUpRate": { "value": 1.0 },
              "noShowRate": { "value": 0.0 }, "firstTimers": { "value": 0 }, "returnRate": { "value": null } },
        ])
    );

    // Discussions: the thread with its five comments, answered within the hour.
    let thread_figures = &insights["threads"][0];
    assert_eq!(thread_figures["comments"], 5, "{thread_figures}");
    assert_eq!(thread_figures["participants"]["value"], 6);
    assert_eq!(thread_figures["replyDepth"], 0);
    assert_eq!(thread_figures["quotes"], 0);
    assert!(
        thread_figures["hoursToFirstReply"]
            .as_f64()
            .is_some_and(|hours| (0.0..1.0).contains(&hours))
    );
    assert_eq!(
        insights["discussionsByTopic"],
        json!([{ "key": "ethics", "threads": 1, "comments": 5, "participants": { "value": 6 },
                  "replyDepth": 0 }])
    );
    assert_eq!(insights["resourcesByKind"], json!([]));

    // Effect: of the six at the formal meetup five were active again within 30 days; of the
    // five at the informal one none; of the six in the thread, five answered the coming meetup
    // within 30 days; nobody touched a resource, and six of the seven active members were
    // active again within 30 days of something (an answer, then the check-in).
    assert_eq!(
        insights["effect"],
        json!([
            { "activity": "FORMAL_MEETUP", "participants": { "value": 6 }, "participantsActiveAgain": { "value": 5 },
              "participantsRate": { "value": 5.0 / 6.0, "suppressed": false },
              "others": { "value": null, "suppressed": true }, "othersActiveAgain": { "value": 0 },
              "othersRate": { "value": null, "suppressed": true } },
            { "activity": "INFORMAL_MEETUP", "participants": { "value": 5 }, "participantsActiveAgain": { "value": 0 },
              "participantsRate": { "value": 0.0, "suppressed": false },
              "others": { "value": null, "suppressed": true }, "othersActiveAgain": { "value": null },
              "othersRate": { "value": null, "suppressed": true } },
            { "activity": "THREAD", "participants": { "value": 6 }, "participantsActiveAgain": { "value": 5 },
              "participantsRate": { "value": 5.0 / 6.0, "suppressed": false },
              "others": { "value": null, "suppressed": true }, "othersActiveAgain": { "value": null },
              "othersRate": { "value": null, "suppressed": true } },
            { "activity": "RESOURCE", "participants": { "value": 0 }, "participantsActiveAgain": { "value": 0 },
              "participantsRate": { "value": null, "suppressed": false },
              "others": { "value": 7, "suppressed": false }, "othersActiveAgain": { "value": 6 },
              "othersRate": { "value": 6.0 / 7.0, "suppressed": false } },
        ]),
        "{}",
        insights["effect"]
    );

    // A plain member is refused; an outsider too; the members-only case answers NOT_FOUND.
    for viewer in [
        &members[0],
        &app.register(&email("outsider"), "Outsider").await,
    ] {
        let refused = app
            .graphql(Some(&viewer.access_token), INSIGHTS, variables.clone())
            .await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    }
    let closed = create_group(&app, &owner, "Lukket", "MEMBERS_ONLY", "OPEN").await;
    let hidden = app
        .graphql(
            Some(&members[0].access_token),
            INSIGHTS,
            json!({ "slug": closed.slug, "from": from.to_rfc3339(), "to": to.to_rfc3339() }),
        )
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND", "{hidden}");

    // The CSV says the same, to the organiser alone.
    let csv_url = format!("{}/groups/{}/insights.csv", app.address, group.slug);
    let query = [
        ("from", from.to_rfc3339()),
        ("to", to.to_rfc3339()),
        ("interval", "MONTH".into()),
    ];
    let refused = app
        .client
        .get(&csv_url)
        .query(&query)
        .bearer_auth(&members[0].access_token)
        .send()
        .await
        .expect("csv");
    assert_eq!(refused.status(), 403);
    let csv = app
        .client
        .get(&csv_url)
        .query(&query)
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .is_ok_and(|value| value.starts_with("text/csv"))
    );
    let body = csv.text().await.expect("csv body");
    for line in [
        "section,start,end,key,figure,value",
        "effect,,,FORMAL_MEETUP,participants,6",
        "effect,,,FORMAL_MEETUP,participantsRate,0.8333",
        "effect,,,FORMAL_MEETUP,others,suppressed",
        "effect,,,RESOURCE,othersRate,0.8571",
        "meetupsByKind,,,FORMAL,going,11",
    ] {
        assert!(body.lines().any(|row| row == line), "{line:?} in\n{body}");
    }
    assert_eq!(
        body.lines()
            .filter(|row| row.starts_with("membership,") && row.ends_with(",members,7"))
            .count(),
        3,
        "{body}"
    );
}

#[tokio::test]
async fn shares_and_downloads_are_counted_by_kind_and_topic() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Deling", "PUBLIC", "OPEN").await;
    let (reader, _) = join_member(&app, &group, "Reader").await;
    let shared = upload(&app, &owner, &group, "slides.pdf", PDF.to_vec(), true).await;
    let shared: Value = shared.json().await.expect("share answer");
    let download = text(&shared["data"]["shareResource"]["file"]["downloadUrl"]);
    for viewer in [&reader, &reader, &owner] {
        let fetched = app
            .client
            .get(format!("{}{download}", app.address))
            .bearer_auth(&viewer.access_token)
            .send()
            .await
            .expect("download");
        assert_eq!(fetched.status(), 200);
    }
    let now = Utc::now();
    let answer = app
        .graphql(
            Some(&owner.access_token),
            "query($slug: String!, $from: DateTime!, $to: DateTime!) { group(slug: $slug) {
                insights(from: $from, to: $to) { resourcesByKind { key shared downloads } } } }",
            json!({ "slug": group.slug, "from": (now - Duration::days(1)).to_rfc3339(),
                    "to": (now + Duration::days(1)).to_rfc3339() }),
        )
        .await;
    assert_eq!(
        answer["data"]["group"]["insights"]["resourcesByKind"],
        json!([{ "key": "SLIDES", "shared": 1, "downloads": 3 }]),
        "{answer}"
    );
}

#[tokio::test]
async fn a_meetups_waitlist_peak_is_kept_after_the_waitlist_empties() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Køen", "PUBLIC", "OPEN").await;
    let meetup = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "capacity": 1, "publish": true, "title": "Fullt" }),
    )
    .await;
    let answer = "mutation($id: ID!, $r: RsvpResponse!) { rsvp(input: {meetupId: $id, response: $r}) { status } }";
    let mut members = Vec::new();
    for name in ["A", "B", "C", "D", "E", "F"] {
        let (member, _) = join_member(&app, &group, name).await;
        let answered = app
            .graphql(
                Some(&member.access_token),
                answer,
                json!({ "id": meetup, "r": "GOING" }),
            )
            .await;
        assert!(answered["errors"].is_null(), "{answered}");
        members.push(member);
    }
    for member in &members[1..] {
        let declined = app
            .graphql(
                Some(&member.access_token),
                answer,
                json!({ "id": meetup, "r": "NOT_GOING" }),
            )
            .await;
        assert!(declined["errors"].is_null(), "{declined}");
    }
    let now = Utc::now();
    let figures = app
        .graphql(
            Some(&owner.access_token),
            "query($slug: String!, $from: DateTime!, $to: DateTime!) { group(slug: $slug) {
                insights(from: $from, to: $to) { meetups { going { value suppressed }
                waitlisted { value } waitlistPeak { value } }
                meetupAggregates { byKind { key waitlistPeak { value } } } } } }",
            json!({ "slug": group.slug, "from": now.to_rfc3339(),
                    "to": (now + Duration::days(7)).to_rfc3339() }),
        )
        .await;
    assert_eq!(
        figures["data"]["group"]["insights"]["meetups"],
        json!([{ "going": { "value": null, "suppressed": true }, "waitlisted": { "value": 0 },
                 "waitlistPeak": { "value": 5 } }]),
        "{figures}"
    );
    assert_eq!(
        figures["data"]["group"]["insights"]["meetupAggregates"]["byKind"],
        json!([{ "key": "INFORMAL", "waitlistPeak": { "value": 5 } }]),
        "{figures}"
    );
}

#[tokio::test]
async fn threads_that_led_to_a_meetup_are_told_from_those_that_did_not() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Fra prat til møte", "PUBLIC", "OPEN").await;
    let other = create_group(&app, &owner, "En annen gruppe", "PUBLIC", "OPEN").await;
    let (member, _) = join_member(&app, &group, "Medlem").await;
    let page = |kind: &str, id: &str| format!("{}/{kind}/{id}", app.address);
    let earlier = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    let elsewhere = create_meetup(&app, &owner, &other, json!({ "publish": true })).await;

    // Links to an article; the article is shared later, with the seminar it led to.
    let article = start_thread(
        &app,
        &member,
        &group,
        "Veilederen",
        "Har dere lest https://example.no/veileder#kapittel-2?",
    )
    .await;
    // A comment links to the meetup planned after the thread began.
    let asked = start_thread(&app, &member, &group, "Et møte om ROI?", "Noen som vil?").await;
    // The meetup's description names the thread it follows up.
    let named = start_thread(&app, &member, &group, "Etikk i praksis", "Hva gjør dere?").await;
    // Links only to a meetup planned before it, to one of another group, and in a comment that
    // was deleted or edited since.
    let before = start_thread(
        &app,
        &member,
        &group,
        "Om forrige møte",
        &format!("Takk for [sist]({})!", page("meetups", &earlier)),
    )
    .await;
    let foreign = start_thread(&app, &member, &group, "Andre steder", "Se lenken.").await;
    comment(&app, &member, &foreign, &page("meetups", &elsewhere)).await;
    let withdrawn = start_thread(&app, &member, &group, "Avlyst idé", "Kanskje.").await;

    let seminar = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "publish": true, "kind": "FORMAL" }),
    )
    .await;
    let shared = app
        .graphql(
            Some(&owner.access_token),
            "mutation($input: ShareResourceInput!) { shareResource(input: $input) { id } }",
            json!({ "input": { "groupId": group.id, "meetupId": seminar, "title": "Veilederen",
                               "kind": "ARTICLE", "url": "https://example.no/veileder" } }),
        )
        .await;
    assert!(shared["errors"].is_null(), "{shared}");
    let roi = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    comment(
        &app,
        &owner,
        &asked,
        &format!("Ja: [ROI-kveld]({})", page("meetups", &roi)),
    )
    .await;
    create_meetup(
        &app,
        &owner,
        &group,
        json!({ "publish": true,
                "description": format!("Videre fra [tråden]({}).", page("threads", &named)) }),
    )
    .await;
    let deleted = comment(&app, &member, &withdrawn, &page("meetups", &roi)).await;
    let deleted = app
        .graphql(
            Some(&member.access_token),
            "mutation($id: ID!) { deleteComment(commentId: $id) { deleted } }",
            json!({ "id": deleted }),
        )
        .await;
    assert_eq!(
        deleted["data"]["deleteComment"]["deleted"], true,
        "{deleted}"
    );
    let edited = comment(&app, &member, &withdrawn, &page("meetups", &roi)).await;
    let edited = app
        .graphql(
            Some(&member.access_token),
            "mutation($id: ID!) { editComment(input: {commentId: $id, body: \"Glem det.\"}) { id } }",
            json!({ "id": edited }),
        )
        .await;
    assert!(edited["errors"].is_null(), "{edited}");

    let now = Utc::now();
    let (from, to) = (
        (now - Duration::days(1)).to_rfc3339(),
        (now + Duration::days(1)).to_rfc3339(),
    );
    let outcome = || async {
        app.graphql(
            Some(&owner.access_token),
            "query($slug: String!, $from: DateTime!, $to: DateTime!) { group(slug: $slug) {
                insights(from: $from, to: $to) { threads { threadId meetups }
                discussionsByOutcome { key threads comments participants { suppressed } } } } }",
            json!({ "slug": group.slug, "from": from, "to": to }),
        )
        .await
    };
    let figures = outcome().await;
    let insights = &figures["data"]["group"]["insights"];
    assert_eq!(
        insights["threads"],
        json!([
            { "threadId": article, "meetups": 1 }, { "threadId": asked, "meetups": 1 },
            { "threadId": named, "meetups": 1 }, { "threadId": before, "meetups": 0 },
            { "threadId": foreign, "meetups": 0 }, { "threadId": withdrawn, "meetups": 0 },
        ]),
        "{figures}"
    );
    assert_eq!(
        insights["discussionsByOutcome"],
        json!([{ "key": "LED_TO_MEETUP", "threads": 3, "comments": 1,
                 "participants": { "suppressed": true } },
               { "key": "NO_MEETUP", "threads": 3, "comments": 2,
                 "participants": { "suppressed": true } }]),
        "{figures}"
    );

    let csv = app
        .client
        .get(format!(
            "{}/groups/{}/insights.csv",
            app.address, group.slug
        ))
        .query(&[("from", &from), ("to", &to)])
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("csv body");
    for line in [
        "discussionsByOutcome,,,LED_TO_MEETUP,threads,3",
        "discussionsByOutcome,,,NO_MEETUP,comments,2",
    ] {
        assert!(csv.contains(line), "{line} is missing from:\n{csv}");
    }
    let led: Vec<&str> = csv
        .lines()
        .filter(|line| line.starts_with("thread,") && line.ends_with(",meetups,1"))
        .collect();
    assert_eq!(led.len(), 3, "{csv}");
    assert!(led[0].contains("Veilederen ("), "{csv}");

    // `fagruppe reindex` builds the same links from the posts.
    let posts = fagruppe::discussions::links::rebuild(app.db().await)
        .await
        .expect("rebuild the links");
    assert!(posts >= 9, "{posts}");
    assert_eq!(outcome().await, figures);

    // A link whose comment is gone counts for nothing.
    entity::discussion_link::Entity::insert(entity::discussion_link::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        thread_id: Set(raw_id(&before)),
        source: Set(entity::discussion_link::Source::Comment),
        source_id: Set(uuid::Uuid::now_v7()),
        meetup_id: Set(Some(raw_id(&roi))),
        resource_id: Set(None),
        url_key: Set(None),
        created_at: Set(Utc::now()),
    })
    .exec(app.db().await)
    .await
    .expect("an orphaned link");
    assert_eq!(outcome().await, figures);
}

/// Insights' aggregates are estimated far above what they cost, and PostgreSQL's JIT compiled
/// each for longer than it ran: the server's connections turn it off.
#[tokio::test]
async fn the_servers_postgresql_connections_run_without_jit() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = spawn_app().await;
    if !app.database_url.starts_with("postgres") {
        eprintln!("skipped on SQLite: JIT compilation is PostgreSQL's");
        return;
    }
    let jit = app
        .server_db()
        .await
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SHOW jit"))
        .await
        .expect("SHOW jit")
        .expect("a row");
    assert_eq!(
        jit.try_get::<String>("", "jit").ok().as_deref(),
        Some("off")
    );
}
