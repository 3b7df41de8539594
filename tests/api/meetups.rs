use chrono::{Duration, Utc};
use futures_util::future::join_all;
use icalendar::{Calendar, CalendarComponent, Component};
use serde_json::{Value, json};

use crate::{
    groups::{TestGroup, create_group, join_member},
    helpers::{Account, TestApp, email, error_code, names, on_postgres, spawn_app, text},
};

const CREATE: &str = "mutation($input: CreateMeetupInput!) { createMeetup(input: $input) {
    id title status capacity spotsLeft goingCount timezone onlineUrl viewerCanEdit hosts { displayName } } }";
const RSVP: &str = "mutation($id: ID!, $response: RsvpResponse!) { rsvp(input: {meetupId: $id, response: $response}) {
    status position } }";
const MEETUP: &str = "query($id: ID!) { meetup(id: $id) { id title status goingCount waitlistCount spotsLeft onlineUrl
    viewerRsvp { status position } } }";

/// A group with an owner, and a published in-person meetup tomorrow with `capacity` seats.
async fn meetup_with_capacity(
    app: &TestApp,
    capacity: Option<i64>,
) -> (Account, TestGroup, String) {
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(app, &owner, "Meetup group", "PUBLIC", "OPEN").await;
    let id = create_meetup(
        app,
        &owner,
        &group,
        json!({ "capacity": capacity, "publish": true }),
    )
    .await;
    (owner, group, id)
}

pub async fn create_meetup(
    app: &TestApp,
    actor: &Account,
    group: &TestGroup,
    extra: Value,
) -> String {
    let starts = Utc::now() + Duration::days(1);
    let mut input = json!({
        "groupId": group.id,
        "title": "Etikk og KI over en pils",
        "description": "Vi diskuterer artikkelen.",
        "format": "HYBRID",
        "venue": { "name": "Kulturhuset", "address": "Youngstorget 3, Oslo" },
        "onlineUrl": "https://meet.example.no/etikk",
        "startsAt": starts.to_rfc3339(),
        "endsAt": (starts + Duration::hours(2)).to_rfc3339(),
    });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    let body = app
        .graphql(Some(&actor.access_token), CREATE, json!({ "input": input }))
        .await;
    assert!(
        body["data"]["createMeetup"]["id"].is_string(),
        "createMeetup failed: {body}"
    );
    text(&body["data"]["createMeetup"]["id"])
}

/// `createMeetup` with `base` changed by `change` is refused as `BAD_USER_INPUT` naming `field`.
async fn create_is_refused_naming(
    app: &TestApp,
    actor: &Account,
    base: &Value,
    change: Value,
    field: &str,
) -> Value {
    let mut input = base.clone();
    if let (Some(input), Some(change)) = (input.as_object_mut(), change.as_object()) {
        input.extend(change.clone());
    }
    let body = app
        .graphql(Some(&actor.access_token), CREATE, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{field}: {body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    body
}

pub async fn answer(app: &TestApp, member: &Account, meetup: &str, response: &str) -> Value {
    app.graphql(
        Some(&member.access_token),
        RSVP,
        json!({ "id": meetup, "response": response }),
    )
    .await
}

async fn meetup_as(app: &TestApp, viewer: Option<&Account>, meetup: &str) -> Value {
    app.graphql(
        viewer.map(|a| a.access_token.as_str()),
        MEETUP,
        json!({ "id": meetup }),
    )
    .await
}

/// A meetup is read with its group and the viewer's answer by a statement whose text is built
/// once per shape (`db::shaped`): each reader must still get their own meetup and answer.
#[tokio::test]
async fn each_reader_sees_their_own_answer_to_each_meetup() {
    let app = spawn_app().await;
    let (owner, group, first) = meetup_with_capacity(&app, Some(10)).await;
    let second = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "title": "Frokostseminar om personvern", "publish": true }),
    )
    .await;
    let (ada, _) = join_member(&app, &group, "Ada").await;
    let (bo, _) = join_member(&app, &group, "Bo").await;
    answer(&app, &ada, &first, "GOING").await;
    answer(&app, &bo, &first, "NOT_GOING").await;
    answer(&app, &bo, &second, "GOING").await;
    for (viewer, meetup, title, status) in [
        (
            Some(&ada),
            &first,
            "Etikk og KI over en pils",
            json!("GOING"),
        ),
        (
            Some(&bo),
            &first,
            "Etikk og KI over en pils",
            json!("NOT_GOING"),
        ),
        (
            Some(&ada),
            &second,
            "Frokostseminar om personvern",
            Value::Null,
        ),
        (
            Some(&bo),
            &second,
            "Frokostseminar om personvern",
            json!("GOING"),
        ),
        (None, &second, "Frokostseminar om personvern", Value::Null),
    ] {
        let body = meetup_as(&app, viewer, meetup).await;
        assert_eq!(body["data"]["meetup"]["id"], json!(meetup), "{body}");
        assert_eq!(body["data"]["meetup"]["title"], title, "{body}");
        assert_eq!(
            body["data"]["meetup"]["viewerRsvp"]["status"], status,
            "{body}"
        );
    }
}

#[tokio::test]
async fn organisers_plan_meetups_and_members_may_not() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Planning", "PUBLIC", "OPEN").await;
    let (member, _) = join_member(&app, &group, "Member").await;
    let starts = Utc::now() + Duration::days(3);
    let input = json!({
        "groupId": group.id, "title": "Seminar om personvern", "kind": "FORMAL", "format": "IN_PERSON",
        "venue": { "name": "Auditoriet" }, "startsAt": starts.to_rfc3339(),
        "endsAt": (starts + Duration::hours(3)).to_rfc3339(), "capacity": 40, "timezone": "Europe/Oslo",
        "agenda": [{ "time": "18:00", "title": "Velkommen", "speaker": "Leder" }, { "time": "18:15", "title": "GDPR i praksis" }],
        "topics": ["data-security"],
    });
    let refused = app
        .graphql(
            Some(&member.access_token),
            CREATE,
            json!({ "input": input }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let created = app
        .graphql(Some(&owner.access_token), CREATE, json!({ "input": input }))
        .await;
    let meetup = &created["data"]["createMeetup"];
    assert_eq!(meetup["status"], "DRAFT", "{created}");
    assert_eq!(meetup["spotsLeft"], 40);
    assert_eq!(meetup["hosts"], json!([{ "displayName": "Owner" }]));
    let id = text(&meetup["id"]);

    // A draft is invisible to members until published.
    assert_eq!(
        error_code(&meetup_as(&app, Some(&member), &id).await),
        "NOT_FOUND"
    );
    let publish = "mutation($id: ID!) { publishMeetup(meetupId: $id) { status } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&member.access_token), publish, json!({ "id": id }))
                .await
        ),
        "NOT_FOUND"
    );
    let published = app
        .graphql(Some(&owner.access_token), publish, json!({ "id": id }))
        .await;
    assert_eq!(published["data"]["publishMeetup"]["status"], "PUBLISHED");
    assert_eq!(
        meetup_as(&app, Some(&member), &id).await["data"]["meetup"]["title"],
        "Seminar om personvern"
    );

    let update = "mutation($id: ID!) { updateMeetup(input: {meetupId: $id, title: \"Seminar: personvern i praksis\"}) { title } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&member.access_token), update, json!({ "id": id }))
                .await
        ),
        "FORBIDDEN"
    );
    let updated = app
        .graphql(Some(&owner.access_token), update, json!({ "id": id }))
        .await;
    assert_eq!(
        updated["data"]["updateMeetup"]["title"],
        "Seminar: personvern i praksis"
    );

    let cancel = "mutation($id: ID!) { cancelMeetup(input: {meetupId: $id, reason: \"Foredragsholder syk\"}) { status cancelReason } }";
    assert_eq!(
        error_code(
            &app.graphql(Some(&member.access_token), cancel, json!({ "id": id }))
                .await
        ),
        "FORBIDDEN"
    );
    let cancelled = app
        .graphql(Some(&owner.access_token), cancel, json!({ "id": id }))
        .await;
    assert_eq!(cancelled["data"]["cancelMeetup"]["status"], "CANCELLED");
    assert_eq!(
        cancelled["data"]["cancelMeetup"]["cancelReason"],
        "Foredragsholder syk"
    );
}

#[tokio::test]
async fn a_meetup_with_impossible_details_is_refused() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Validation", "PUBLIC", "OPEN").await;
    let starts = Utc::now() + Duration::days(1);
    let base = json!({ "groupId": group.id, "title": "Valid title", "format": "IN_PERSON", "venue": { "name": "Here" },
        "startsAt": starts.to_rfc3339(), "endsAt": (starts + Duration::hours(1)).to_rfc3339() });
    let cases = [
        (
            json!({ "endsAt": (starts - Duration::hours(1)).to_rfc3339() }),
            "endsAt",
        ),
        (json!({ "timezone": "Mars/Olympus_Mons" }), "timezone"),
        (json!({ "format": "ONLINE", "venue": null }), "onlineUrl"),
        (
            json!({ "format": "ONLINE", "onlineUrl": "javascript:alert(1)" }),
            "onlineUrl",
        ),
        (json!({ "capacity": 0 }), "capacity"),
        (
            json!({ "agenda": [{ "time": "25:99", "title": "Never" }] }),
            "agenda.time",
        ),
        (json!({ "hosts": ["TWVtYmVyOjAx"] }), "hosts"),
    ];
    for (change, field) in cases {
        create_is_refused_naming(&app, &owner, &base, change, field).await;
    }
    let list = app
        .graphql(
            None,
            "query($slug: String!) { group(slug: $slug) { meetups { totalCount } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(list["data"]["group"]["meetups"]["totalCount"], 0);
}

#[tokio::test]
async fn text_limits_count_norwegian_letters_as_one_character_and_name_the_field() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Grenser", "PUBLIC", "OPEN").await;
    // 200 Norwegian letters are 400 bytes: within the documented 200 characters.
    let at_limit: String = "æøå".chars().cycle().take(200).collect();
    let id = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "venue": { "name": at_limit, "address": "Youngstorget 3" } }),
    )
    .await;
    let venue = app
        .graphql(
            Some(&owner.access_token),
            "query($id: ID!) { meetup(id: $id) { venue { name } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(venue["data"]["meetup"]["venue"]["name"], at_limit.as_str());

    let starts = Utc::now() + Duration::days(1);
    let over = format!("{at_limit}å");
    let cases = [
        (json!({ "venue": { "name": over } }), "venue.name"),
        (json!({ "title": "ø".repeat(121) }), "title"),
        (
            json!({ "agenda": [{ "time": "18:00", "title": "å".repeat(201) }] }),
            "agenda.title",
        ),
    ];
    let base = json!({ "groupId": group.id, "title": "Frokostmøte", "format": "IN_PERSON",
        "venue": { "name": "Kulturhuset" }, "startsAt": starts.to_rfc3339(),
        "endsAt": (starts + Duration::hours(1)).to_rfc3339() });
    for (change, field) in cases {
        let body = create_is_refused_naming(&app, &owner, &base, change, field).await;
        let message = text(&body["errors"][0]["message"]);
        assert!(message.contains("characters"), "{message}");
    }
    let list = app
        .graphql(
            Some(&owner.access_token),
            "query($slug: String!) { group(slug: $slug) { meetups(when: UPCOMING) { totalCount } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(list["data"]["group"]["meetups"]["totalCount"], 1);
}

#[tokio::test]
async fn fifty_members_answering_at_once_fill_ten_seats_and_queue_the_rest_in_order() {
    let app = spawn_app().await;
    let (_, group, meetup) = meetup_with_capacity(&app, Some(10)).await;
    let mut members = Vec::new();
    for i in 0..50 {
        members.push(join_member(&app, &group, &format!("Attendee {i}")).await.0);
    }
    let answers = join_all(members.iter().map(|m| answer(&app, m, &meetup, "GOING"))).await;
    let going = answers
        .iter()
        .filter(|a| a["data"]["rsvp"]["status"] == "GOING")
        .count();
    let waitlisted = answers
        .iter()
        .filter(|a| a["data"]["rsvp"]["status"] == "WAITLISTED")
        .count();
    assert_eq!((going, waitlisted), (10, 40), "{answers:?}");

    let counts = meetup_as(&app, None, &meetup).await;
    assert_eq!(counts["data"]["meetup"]["goingCount"], 10);
    assert_eq!(counts["data"]["meetup"]["waitlistCount"], 40);
    assert_eq!(counts["data"]["meetup"]["spotsLeft"], 0);

    // Every waitlisted member holds a distinct place, 1 to 40.
    let mut positions: Vec<u64> =
        join_all(members.iter().map(|m| meetup_as(&app, Some(m), &meetup)))
            .await
            .iter()
            .filter_map(|body| body["data"]["meetup"]["viewerRsvp"]["position"].as_u64())
            .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=40).collect::<Vec<u64>>());
}

#[tokio::test]
async fn a_cancellation_promotes_exactly_the_first_in_line() {
    let app = spawn_app().await;
    let (_, group, meetup) = meetup_with_capacity(&app, Some(2)).await;
    let mut members = Vec::new();
    for i in 0..5 {
        let (member, _) = join_member(&app, &group, &format!("Queue {i}")).await;
        answer(&app, &member, &meetup, "GOING").await;
        members.push(member);
    }
    let first_waiting = meetup_as(&app, Some(&members[2]), &meetup).await;
    assert_eq!(
        first_waiting["data"]["meetup"]["viewerRsvp"],
        json!({ "status": "WAITLISTED", "position": 1 })
    );

    let cancelled = answer(&app, &members[0], &meetup, "NOT_GOING").await;
    assert_eq!(cancelled["data"]["rsvp"]["status"], "NOT_GOING");
    let promoted = meetup_as(&app, Some(&members[2]), &meetup).await;
    assert_eq!(promoted["data"]["meetup"]["viewerRsvp"]["status"], "GOING");
    let still_waiting = meetup_as(&app, Some(&members[3]), &meetup).await;
    assert_eq!(
        still_waiting["data"]["meetup"]["viewerRsvp"],
        json!({ "status": "WAITLISTED", "position": 1 })
    );
    assert_eq!(still_waiting["data"]["meetup"]["goingCount"], 2);
    assert_eq!(still_waiting["data"]["meetup"]["waitlistCount"], 2);

    // Answering going again keeps one's place.
    let again = answer(&app, &members[4], &meetup, "GOING").await;
    assert_eq!(
        again["data"]["rsvp"],
        json!({ "status": "WAITLISTED", "position": 2 })
    );
}

#[tokio::test]
async fn three_more_seats_promote_three_from_the_waitlist() {
    let app = spawn_app().await;
    let (owner, group, meetup) = meetup_with_capacity(&app, Some(1)).await;
    for i in 0..5 {
        let (member, _) = join_member(&app, &group, &format!("Seat {i}")).await;
        answer(&app, &member, &meetup, "GOING").await;
    }
    let grow = "mutation($id: ID!) { updateMeetup(input: {meetupId: $id, capacity: 4}) { goingCount waitlistCount spotsLeft } }";
    let grown = app
        .graphql(Some(&owner.access_token), grow, json!({ "id": meetup }))
        .await;
    assert_eq!(
        grown["data"]["updateMeetup"],
        json!({ "goingCount": 4, "waitlistCount": 1, "spotsLeft": 0 }),
        "{grown}"
    );
}

#[tokio::test]
async fn answers_to_drafts_cancelled_past_or_hidden_meetups_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Refusals", "PUBLIC", "OPEN").await;
    let (member, _) = join_member(&app, &group, "Member").await;
    let draft = create_meetup(&app, &owner, &group, json!({})).await;
    let cancelled = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { cancelMeetup(input: {meetupId: $id}) { status } }",
        json!({ "id": cancelled }),
    )
    .await;
    let past = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    let yesterday = Utc::now() - Duration::days(1);
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!, $s: DateTime!, $e: DateTime!) { updateMeetup(input: {meetupId: $id, startsAt: $s, endsAt: $e}) { id } }",
        json!({ "id": past, "s": yesterday.to_rfc3339(), "e": (yesterday + Duration::hours(1)).to_rfc3339() }),
    )
    .await;
    let private = create_group(&app, &owner, "Private refusals", "MEMBERS_ONLY", "APPROVAL").await;
    let hidden = create_meetup(&app, &owner, &private, json!({ "publish": true })).await;

    for (meetup, code) in [
        (&draft, "NOT_FOUND"),
        (&cancelled, "CONFLICT"),
        (&past, "CONFLICT"),
        (&hidden, "NOT_FOUND"),
    ] {
        let body = answer(&app, &member, meetup, "GOING").await;
        assert_eq!(error_code(&body), code, "{body}");
        let after = meetup_as(&app, Some(&owner), meetup).await;
        assert_eq!(after["data"]["meetup"]["goingCount"], 0, "{after}");
    }
    let mine = app
        .graphql(
            Some(&member.access_token),
            "{ myRsvps { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["data"]["myRsvps"]["totalCount"], 0);
    let in_private = app
        .graphql(
            Some(&member.access_token),
            "{ myGroups { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(in_private["data"]["myGroups"]["totalCount"], 1);
}

/// Whether answers to `meetup` are closed yet (polled, since the deadline is a moment away).
async fn meetup_closed(app: &TestApp, owner: &Account, meetup: &str) -> bool {
    let deadline = app
        .graphql(
            Some(&owner.access_token),
            "query($id: ID!) { meetup(id: $id) { rsvpDeadline } }",
            json!({ "id": meetup }),
        )
        .await;
    let deadline = deadline["data"]["meetup"]["rsvpDeadline"]
        .as_str()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok());
    deadline.is_some_and(|d| d <= Utc::now())
}

#[tokio::test]
async fn answers_after_the_deadline_are_refused() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Deadline", "PUBLIC", "OPEN").await;
    let (member, _) = join_member(&app, &group, "Late").await;
    let meetup = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "publish": true, "rsvpDeadline": (Utc::now() + Duration::milliseconds(300)).to_rfc3339() }),
    )
    .await;
    while !meetup_closed(&app, &owner, &meetup).await {
        tokio::task::yield_now().await;
    }
    let body = answer(&app, &member, &meetup, "GOING").await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
}

#[tokio::test]
async fn an_outsider_of_a_public_open_group_joins_it_by_answering() {
    let app = spawn_app().await;
    let (_, group, meetup) = meetup_with_capacity(&app, None).await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    let body = answer(&app, &outsider, &meetup, "GOING").await;
    assert_eq!(body["data"]["rsvp"]["status"], "GOING", "{body}");
    let role = app
        .graphql(
            Some(&outsider.access_token),
            "query($slug: String!) { group(slug: $slug) { viewerRole } }",
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(role["data"]["group"]["viewerRole"], "MEMBER");

    let owner = app.register(&email("owner2"), "Owner two").await;
    let approval = create_group(&app, &owner, "Approval only", "PUBLIC", "APPROVAL").await;
    let gated = create_meetup(&app, &owner, &approval, json!({ "publish": true })).await;
    assert_eq!(
        error_code(&answer(&app, &outsider, &gated, "GOING").await),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn the_online_link_is_shown_only_to_those_going_hosts_and_organisers() {
    let app = spawn_app().await;
    let (owner, group, meetup) = meetup_with_capacity(&app, Some(1)).await;
    let (going, _) = join_member(&app, &group, "Going").await;
    let (waiting, _) = join_member(&app, &group, "Waiting").await;
    let (member, _) = join_member(&app, &group, "Member").await;
    answer(&app, &going, &meetup, "GOING").await;
    answer(&app, &waiting, &meetup, "GOING").await;
    let link = "https://meet.example.no/etikk";
    assert_eq!(
        meetup_as(&app, Some(&owner), &meetup).await["data"]["meetup"]["onlineUrl"],
        link
    );
    assert_eq!(
        meetup_as(&app, Some(&going), &meetup).await["data"]["meetup"]["onlineUrl"],
        link
    );
    for viewer in [Some(&waiting), Some(&member), None] {
        assert_eq!(
            meetup_as(&app, viewer, &meetup).await["data"]["meetup"]["onlineUrl"],
            Value::Null
        );
    }
}

#[tokio::test]
async fn hosts_and_organisers_check_members_in_and_members_may_not() {
    let app = spawn_app().await;
    let (owner, group, meetup) = meetup_with_capacity(&app, None).await;
    let (guest, _) = join_member(&app, &group, "Guest").await;
    let (other, _) = join_member(&app, &group, "Other").await;
    answer(&app, &guest, &meetup, "GOING").await;
    let check_in = "mutation($m: ID!, $id: ID!) { checkIn(input: {meetupId: $m, memberId: $id}) { checkedInAt member { displayName } } }";
    let refused = app
        .graphql(
            Some(&other.access_token),
            check_in,
            json!({ "m": meetup, "id": guest.id }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let not_going = app
        .graphql(
            Some(&owner.access_token),
            check_in,
            json!({ "m": meetup, "id": other.id }),
        )
        .await;
    assert_eq!(error_code(&not_going), "BAD_USER_INPUT");
    let checked = app
        .graphql(
            Some(&owner.access_token),
            check_in,
            json!({ "m": meetup, "id": guest.id }),
        )
        .await;
    assert!(
        checked["data"]["checkIn"]["checkedInAt"].is_string(),
        "{checked}"
    );
}

fn parse_calendar(body: &str) -> Calendar {
    body.parse::<Calendar>()
        .unwrap_or_else(|e| panic!("not iCalendar: {e}\n{body}"))
}

fn only_event(calendar: &Calendar) -> &icalendar::Event {
    let events: Vec<&icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(event) => Some(event),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1);
    events[0]
}

#[tokio::test]
async fn the_calendar_feed_parses_and_follows_updates_and_cancellation() {
    let app = spawn_app().await;
    let (owner, group, meetup) = meetup_with_capacity(&app, Some(10)).await;
    let feed_url = format!("{}/groups/{}/meetups.ics", app.address, group.slug);
    let fetch = |url: String| {
        let client = app.client.clone();
        async move {
            let response = client.get(url).send().await.expect("request");
            assert_eq!(response.status(), 200);
            assert!(
                response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("text/calendar"))
            );
            response.text().await.expect("body")
        }
    };
    let first = fetch(feed_url.clone()).await;
    let calendar = parse_calendar(&first);
    let event = only_event(&calendar);
    assert_eq!(event.get_summary(), Some("Etikk og KI over en pils"));
    let uid = event.get_uid().map(str::to_owned);
    assert_eq!(event.property_value("STATUS"), Some("CONFIRMED"));
    let sequence: u32 = event
        .property_value("SEQUENCE")
        .and_then(|s| s.parse().ok())
        .expect("SEQUENCE");

    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { updateMeetup(input: {meetupId: $id, title: \"Etikk, KI; og en pils\"}) { id } }",
        json!({ "id": meetup }),
    )
    .await;
    let updated = parse_calendar(&fetch(feed_url.clone()).await);
    let event = only_event(&updated);
    assert_eq!(event.get_summary(), Some("Etikk, KI; og en pils"));
    assert_eq!(event.get_uid().map(str::to_owned), uid);
    let newer: u32 = event
        .property_value("SEQUENCE")
        .and_then(|s| s.parse().ok())
        .expect("SEQUENCE");
    assert!(newer > sequence);

    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!) { cancelMeetup(input: {meetupId: $id, reason: \"Storm\"}) { id } }",
        json!({ "id": meetup }),
    )
    .await;
    let single = parse_calendar(&fetch(format!("{}/meetups/{meetup}.ics", app.address)).await);
    let event = only_event(&single);
    assert_eq!(event.property_value("STATUS"), Some("CANCELLED"));
    assert_eq!(event.get_uid().map(str::to_owned), uid);
}

#[tokio::test]
async fn a_members_only_groups_feed_is_hidden_from_outsiders() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Hidden feed", "MEMBERS_ONLY", "APPROVAL").await;
    let meetup = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    for url in [
        format!("{}/groups/{}/meetups.ics", app.address, group.slug),
        format!("{}/meetups/{meetup}.ics", app.address),
    ] {
        let anonymous = app.client.get(&url).send().await.expect("request");
        assert_eq!(anonymous.status(), 404, "{url}");
        let member = app
            .client
            .get(&url)
            .bearer_auth(&owner.access_token)
            .send()
            .await
            .expect("request");
        assert_eq!(member.status(), 200, "{url}");
    }
}

#[tokio::test]
async fn an_outsider_never_sees_a_members_only_groups_meetup() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Private meetups", "MEMBERS_ONLY", "APPROVAL").await;
    let meetup = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    let outsider = app.register(&email("outsider"), "Outsider").await;
    for viewer in [None, Some(&outsider)] {
        assert_eq!(
            error_code(&meetup_as(&app, viewer, &meetup).await),
            "NOT_FOUND"
        );
        let node = app
            .graphql(
                viewer.map(|a| a.access_token.as_str()),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": meetup }),
            )
            .await;
        assert_eq!(error_code(&node), "NOT_FOUND");
        let list = app
            .graphql(
                viewer.map(|a| a.access_token.as_str()),
                "query($slug: String!) { group(slug: $slug) { meetups { totalCount } } }",
                json!({ "slug": group.slug }),
            )
            .await;
        assert_eq!(error_code(&list), "NOT_FOUND");
    }
}

/// The node of `meetup` among a page's `nodes`, or a failure that shows the whole `body`.
fn node_of<'a>(nodes: &'a [Value], meetup: &str, body: &Value) -> &'a Value {
    nodes
        .iter()
        .find(|node| node["id"] == meetup)
        .unwrap_or_else(|| panic!("{meetup} is missing: {body}"))
}

#[tokio::test]
async fn each_meetup_on_a_group_page_shows_its_own_first_attendees() {
    // The first answers of a page of meetups come in one statement for all of them (on
    // PostgreSQL one subquery over an array of the meetups): each meetup gets its own.
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Two evenings", "PUBLIC", "OPEN").await;
    let mut members = Vec::new();
    for name in ["Anne", "Bjorn", "Cecilie", "Dag"] {
        members.push(join_member(&app, &group, name).await.0);
    }
    let first = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    let second = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    let empty = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    for (meetup, who) in [(&first, [0, 1].as_slice()), (&second, &[3, 2, 0])] {
        for &member in who {
            let body = answer(&app, &members[member], meetup, "GOING").await;
            assert_eq!(body["data"]["rsvp"]["status"], "GOING", "{body}");
        }
    }
    let body = app
        .graphql(
            None,
            "query($slug: String!) { group(slug: $slug) { meetups(first: 10) { nodes {
                id attendees(first: 2) { totalCount nodes { member { displayName } } } } } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    let nodes = body["data"]["group"]["meetups"]["nodes"]
        .as_array()
        .expect("meetups");
    assert_eq!(nodes.len(), 3, "{body}");
    let attendees = |meetup: &str| {
        let node = node_of(nodes, meetup, &body);
        (
            node["attendees"]["totalCount"].clone(),
            names(&node["attendees"]["nodes"], &["member", "displayName"]),
        )
    };
    assert_eq!(
        attendees(&first),
        (json!(2), vec!["Anne".to_owned(), "Bjorn".to_owned()])
    );
    assert_eq!(
        attendees(&second),
        (json!(3), vec!["Dag".to_owned(), "Cecilie".to_owned()])
    );
    assert_eq!(attendees(&empty), (json!(0), Vec::<String>::new()));
}

#[tokio::test]
async fn group_pages_of_one_shape_show_each_their_own_answers_of_each_status() {
    // The first answers of a page of meetups are read by a statement built once per shape (the
    // status, how many, and on SQLite how many meetups), then filled in with each page's
    // meetups: two groups' pages of one shape, each asking for those going and those waiting.
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let mut pages = Vec::new();
    for (name, people) in [
        ("North", ["Anne", "Bjorn", "Cecilie"]),
        ("South", ["Dag", "Eva", "Frode"]),
    ] {
        let group = create_group(&app, &owner, name, "PUBLIC", "OPEN").await;
        let mut members = Vec::new();
        for person in people {
            members.push(join_member(&app, &group, person).await.0);
        }
        let mut meetups = Vec::new();
        // One seat each: the first to answer goes, the next waits.
        for (first, next) in [(0, 1), (2, 0)] {
            let meetup = create_meetup(
                &app,
                &owner,
                &group,
                json!({ "publish": true, "capacity": 1 }),
            )
            .await;
            for (member, status) in [(first, "GOING"), (next, "WAITLISTED")] {
                let body = answer(&app, &members[member], &meetup, "GOING").await;
                assert_eq!(body["data"]["rsvp"]["status"], status, "{body}");
            }
            meetups.push(meetup);
        }
        pages.push((group, people, meetups));
    }
    for (group, people, meetups) in &pages {
        let body = app
            .graphql(
                None,
                "query($slug: String!) { group(slug: $slug) { meetups(first: 10) { nodes { id
                    going: attendees(first: 5) { nodes { member { displayName } } }
                    waiting: attendees(status: WAITLISTED, first: 5) { nodes { member { displayName } } }
                } } } }",
                json!({ "slug": group.slug }),
            )
            .await;
        let nodes = body["data"]["group"]["meetups"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("no meetups: {body}"));
        let shown = |meetup: &str, list: &str| {
            names(
                &node_of(nodes, meetup, &body)[list]["nodes"],
                &["member", "displayName"],
            )
        };
        let [first, second, third] = people.map(|name| vec![name.to_owned()]);
        assert_eq!(shown(&meetups[0], "going"), first, "{body}");
        assert_eq!(shown(&meetups[0], "waiting"), second, "{body}");
        assert_eq!(shown(&meetups[1], "going"), third, "{body}");
        assert_eq!(shown(&meetups[1], "waiting"), first, "{body}");
    }
}

#[tokio::test]
async fn each_member_sees_their_own_answers_and_hosting_on_a_groups_page_of_meetups() {
    // A signed-in viewer's answer to each meetup of a page, and whether they host it, are read
    // with the page. One seat at the first meetup: Anne goes, Bjorn waits. At the second,
    // which Anne hosts, Bjorn goes. Cecilie answered neither. The online link shows to those
    // going and to hosts.
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Meetup group", "PUBLIC", "OPEN").await;
    let mut members = Vec::new();
    for name in ["Anne", "Bjorn", "Cecilie"] {
        members.push(join_member(&app, &group, name).await.0);
    }
    let first = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "publish": true, "capacity": 1 }),
    )
    .await;
    let starts = Utc::now() + Duration::days(2);
    let second = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "publish": true, "hosts": [members[0].id],
            "startsAt": starts.to_rfc3339(), "endsAt": (starts + Duration::hours(2)).to_rfc3339() }),
    )
    .await;
    answer(&app, &members[0], &first, "GOING").await;
    answer(&app, &members[1], &first, "GOING").await;
    answer(&app, &members[1], &second, "GOING").await;
    let link = "https://meet.example.no/etikk";
    let expected = [
        (
            "Anne",
            [(json!("GOING"), json!(link)), (Value::Null, json!(link))],
        ),
        (
            "Bjorn",
            [
                (json!("WAITLISTED"), Value::Null),
                (json!("GOING"), json!(link)),
            ],
        ),
        (
            "Cecilie",
            [(Value::Null, Value::Null), (Value::Null, Value::Null)],
        ),
    ];
    for (member, (name, shown)) in members.iter().zip(expected) {
        let (body, statements) = app
            .graphql_counted(
                Some(&member.access_token),
                "query($slug: String!) { group(slug: $slug) { meetups(first: 10) { nodes {
                    id viewerRsvp { status } onlineUrl } } } }",
                json!({ "slug": group.slug }),
            )
            .await;
        let nodes = &body["data"]["group"]["meetups"]["nodes"];
        for (index, (meetup, (status, url))) in [&first, &second].into_iter().zip(shown).enumerate()
        {
            assert_eq!(nodes[index]["id"], json!(meetup), "{name}: {body}");
            assert_eq!(
                nodes[index]["viewerRsvp"]["status"], status,
                "{name}: {body}"
            );
            assert_eq!(nodes[index]["onlineUrl"], url, "{name}: {body}");
        }
        // The session; the group with the viewer's membership; the meetups with the viewer's
        // answers and hosting.
        assert!(statements <= 3, "{name}: {statements} statements");
    }
}

#[tokio::test]
async fn a_meetup_page_shows_the_first_attendees_it_asks_for_read_with_the_meetup() {
    // The meetup field looks ahead at its selection: the first page of attendees it shows is
    // read with the meetup, in one statement on PostgreSQL. Two seats, four answers: two going,
    // two waiting; a meetup nobody answered shows nobody.
    let app = spawn_app().await;
    let (owner, group, meetup) = meetup_with_capacity(&app, Some(2)).await;
    let mut members = Vec::new();
    for name in ["Anne", "Bjorn", "Cecilie", "Dag"] {
        let member = join_member(&app, &group, name).await.0;
        answer(&app, &member, &meetup, "GOING").await;
        members.push(member);
    }
    let empty = create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    let page = "query($id: ID!, $first: Int, $status: RsvpStatus!) { meetup(id: $id) { title
        attendees(status: $status, first: $first) { totalCount pageInfo { hasNextPage }
            nodes { status position member { displayName } } } } }";
    let shown = |body: &Value| {
        names(
            &body["data"]["meetup"]["attendees"]["nodes"],
            &["member", "displayName"],
        )
    };
    for (viewer, token) in [
        ("a visitor", None),
        ("a member", Some(&members[3].access_token)),
    ] {
        // A signed-in viewer's session is read first.
        let session = u64::from(token.is_some());
        let asked = [
            ("GOING", Some(1), vec!["Anne"], true),
            ("GOING", None, vec!["Anne", "Bjorn"], false),
            ("WAITLISTED", Some(5), vec!["Cecilie", "Dag"], false),
        ];
        for (status, first, expected, more) in asked {
            let (body, statements) = app
                .graphql_counted(
                    token.map(String::as_str),
                    page,
                    json!({ "id": meetup, "first": first, "status": status }),
                )
                .await;
            assert_eq!(shown(&body), expected, "{viewer}, {status}: {body}");
            let attendees = &body["data"]["meetup"]["attendees"];
            assert_eq!(attendees["pageInfo"]["hasNextPage"], more, "{body}");
            assert_eq!(attendees["totalCount"], 2, "{body}");
            if status == "WAITLISTED" {
                let places: Vec<&Value> = attendees["nodes"]
                    .as_array()
                    .map(|nodes| nodes.iter().map(|node| &node["position"]).collect())
                    .unwrap_or_default();
                assert_eq!(places, [&json!(1), &json!(2)], "{body}");
            }
            let budget = session + if on_postgres() { 1 } else { 2 };
            assert!(
                statements <= budget,
                "{viewer}, {status}: {statements} statements"
            );
        }
        let (body, _) = app
            .graphql_counted(
                token.map(String::as_str),
                page,
                json!({ "id": empty, "first": 5, "status": "GOING" }),
            )
            .await;
        assert_eq!(shown(&body), Vec::<String>::new(), "{viewer}: {body}");
        assert_eq!(
            body["data"]["meetup"]["attendees"]["totalCount"], 0,
            "{body}"
        );
        // Two meetups in one document are read together, each with its own first attendees.
        let (body, statements) = app
            .graphql_counted(
                token.map(String::as_str),
                "query($busy: ID!, $empty: ID!) {
                    busy: meetup(id: $busy) { title attendees(first: 3) {
                        nodes { member { displayName } } } }
                    empty: meetup(id: $empty) { title attendees(first: 3) {
                        nodes { member { displayName } } } } }",
                json!({ "busy": meetup, "empty": empty }),
            )
            .await;
        assert_eq!(
            names(
                &body["data"]["busy"]["attendees"]["nodes"],
                &["member", "displayName"]
            ),
            ["Anne", "Bjorn"],
            "{viewer}: {body}"
        );
        assert_eq!(
            body["data"]["empty"]["attendees"]["nodes"],
            json!([]),
            "{viewer}: {body}"
        );
        assert!(body["data"]["empty"]["title"].is_string(), "{body}");
        let budget = session + if on_postgres() { 1 } else { 2 };
        assert!(statements <= budget, "{viewer}: {statements} statements");
    }
    // Those not going are never read ahead, and a later page starts after its cursor.
    let body = app
        .graphql(
            None,
            "query($id: ID!) { meetup(id: $id) { first: attendees(first: 1) {
                pageInfo { endCursor } nodes { member { displayName } } } } }",
            json!({ "id": meetup }),
        )
        .await;
    let cursor = &body["data"]["meetup"]["first"]["pageInfo"]["endCursor"];
    let body = app
        .graphql(
            None,
            "query($id: ID!, $after: String) { meetup(id: $id) {
                next: attendees(first: 1, after: $after) { nodes { member { displayName } } }
                gone: attendees(status: NOT_GOING) { totalCount } } }",
            json!({ "id": meetup, "after": cursor }),
        )
        .await;
    assert_eq!(
        names(
            &body["data"]["meetup"]["next"]["nodes"],
            &["member", "displayName"]
        ),
        ["Bjorn"],
        "{body}"
    );
    assert_eq!(body["data"]["meetup"]["gone"]["totalCount"], 0, "{body}");
}

/// Sets `account`'s headline, shown to `level` (`EVERYONE`, `GROUP_MEMBERS`, `ONLY_ME`).
async fn set_headline(app: &TestApp, account: &Account, headline: &str, level: &str) {
    let body = app
        .graphql(
            Some(&account.access_token),
            "mutation($headline: String!, $level: FieldVisibility!) { updateProfile(input: {
                headline: $headline, visibility: {headline: $level}}) { id } }",
            json!({ "headline": headline, "level": level }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn attendees_shown_by_name_are_read_by_name_and_a_field_that_shows_more_still_shows_it() {
    // A list of attendees that shows their names reads their names alone; one that shows more
    // reads the profile with them. The host is also going: the hosts' list shows more of the
    // member the attendees' list read by name, and shows it as the member chose.
    let app = spawn_app().await;
    let (owner, group, meetup) = meetup_with_capacity(&app, None).await;
    let (anne, _) = join_member(&app, &group, "Anne").await;
    set_headline(&app, &owner, "Leder", "GROUP_MEMBERS").await;
    set_headline(&app, &anne, "Jurist", "EVERYONE").await;
    answer(&app, &owner, &meetup, "GOING").await;
    answer(&app, &anne, &meetup, "GOING").await;
    // The attendees' statement names the joined member's columns with a prefix (`J_`).
    let profile_read =
        |statements: &[String]| statements.iter().any(|sql| sql.contains(r#""J_headline""#));

    let by_name = "query($id: ID!) { meetup(id: $id) { attendees(first: 5) {
        nodes { member { id displayName } } } } }";
    for (viewer, token) in [("a visitor", None), ("Anne", Some(&anne.access_token))] {
        let (body, statements) = app
            .graphql_recorded(token.map(String::as_str), by_name, json!({ "id": meetup }))
            .await;
        let nodes = &body["data"]["meetup"]["attendees"]["nodes"];
        assert_eq!(
            names(nodes, &["member", "displayName"]),
            ["Owner", "Anne"],
            "{viewer}: {body}"
        );
        assert_eq!(nodes[1]["member"]["id"], anne.id, "{body}");
        assert!(!profile_read(&statements), "{viewer}: {statements:#?}");
    }

    let with_headlines = "query($id: ID!) { meetup(id: $id) { attendees(first: 5) {
        edges { node { member { displayName ...Line } } } } } }
        fragment Line on Member { headline }";
    for (viewer, token, owners) in [
        ("a visitor", None, Value::Null),
        ("Anne", Some(&anne.access_token), json!("Leder")),
    ] {
        let (body, statements) = app
            .graphql_recorded(
                token.map(String::as_str),
                with_headlines,
                json!({ "id": meetup }),
            )
            .await;
        let edges = &body["data"]["meetup"]["attendees"]["edges"];
        assert_eq!(
            edges[0]["node"]["member"]["headline"], owners,
            "{viewer}: {body}"
        );
        assert_eq!(edges[1]["node"]["member"]["headline"], "Jurist", "{body}");
        assert!(profile_read(&statements), "{viewer}: {statements:#?}");
        let session = usize::from(token.is_some());
        // A fellow member's headline asks whether they share a group.
        let budget = 2 * session + if on_postgres() { 1 } else { 2 };
        assert!(statements.len() <= budget, "{viewer}: {statements:#?}");
    }

    let with_hosts = "query($id: ID!) { meetup(id: $id) {
        attendees(first: 5) { nodes { member { displayName } } }
        hosts { displayName handle headline } } }";
    for (viewer, token, headline) in [
        ("a visitor", None, Value::Null),
        ("Anne", Some(&anne.access_token), json!("Leder")),
        ("the host", Some(&owner.access_token), json!("Leder")),
    ] {
        let body = app
            .graphql(
                token.map(String::as_str),
                with_hosts,
                json!({ "id": meetup }),
            )
            .await;
        let meetup = &body["data"]["meetup"];
        assert_eq!(
            names(&meetup["attendees"]["nodes"], &["member", "displayName"]),
            ["Owner", "Anne"],
            "{viewer}: {body}"
        );
        assert_eq!(
            meetup["hosts"][0]["displayName"], "Owner",
            "{viewer}: {body}"
        );
        assert!(
            text(&meetup["hosts"][0]["handle"]).starts_with("owner"),
            "{viewer}: {body}"
        );
        assert_eq!(meetup["hosts"][0]["headline"], headline, "{viewer}: {body}");
    }
}

#[tokio::test]
async fn a_groups_meetups_with_counts_and_five_attendees_run_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Busy group", "PUBLIC", "OPEN").await;
    let mut members = Vec::new();
    for i in 0..6 {
        members.push(join_member(&app, &group, &format!("Regular {i}")).await.0);
    }
    let query = "query($slug: String!) { group(slug: $slug) { meetups(first: 20) { nodes {
        title goingCount waitlistCount spotsLeft viewerRsvp { status } hosts { displayName } topics { slug }
        attendees(first: 5) { totalCount nodes { member { displayName } } } } } } }";
    let mut counts = Vec::new();
    for round in 0..2 {
        for _ in 0..(round * 4 + 2) {
            let meetup = create_meetup(
                &app,
                &owner,
                &group,
                json!({ "publish": true, "capacity": 4 }),
            )
            .await;
            for member in &members {
                answer(&app, member, &meetup, "GOING").await;
            }
        }
        let (body, statements) = app
            .graphql_counted(
                Some(&owner.access_token),
                query,
                json!({ "slug": group.slug }),
            )
            .await;
        let nodes = body["data"]["group"]["meetups"]["nodes"]
            .as_array()
            .expect("nodes");
        assert!(
            nodes
                .iter()
                .all(|n| n["goingCount"] == 4 && n["waitlistCount"] == 2),
            "{body}"
        );
        assert!(
            nodes
                .iter()
                .all(|n| n["attendees"]["nodes"].as_array().map(Vec::len) == Some(4))
        );
        counts.push((nodes.len(), statements));
    }
    // 2 meetups and 8 meetups stay under the same fixed bound: one query per kind of data
    // (members may load in two batches, for hosts and for attendees), never one per meetup.
    assert!(
        counts.iter().all(|(_, statements)| *statements <= 14),
        "{counts:?}"
    );
}

#[tokio::test]
async fn a_member_sees_upcoming_meetups_of_their_groups_and_their_own_answers() {
    let app = spawn_app().await;
    let (owner, group, first) = meetup_with_capacity(&app, None).await;
    let second = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "publish": true, "title": "Second evening" }),
    )
    .await;
    create_meetup(&app, &owner, &group, json!({ "title": "Still a draft" })).await;
    let other_owner = app.register(&email("elsewhere"), "Elsewhere").await;
    let elsewhere = create_group(&app, &other_owner, "Not my group", "PUBLIC", "OPEN").await;
    create_meetup(&app, &other_owner, &elsewhere, json!({ "publish": true })).await;
    let (member, _) = join_member(&app, &group, "Planner").await;
    answer(&app, &member, &second, "GOING").await;

    let upcoming = app
        .graphql(
            Some(&member.access_token),
            "{ upcomingMeetups { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        upcoming["data"]["upcomingMeetups"]["totalCount"], 2,
        "{upcoming}"
    );
    let ids: Vec<String> = upcoming["data"]["upcomingMeetups"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| text(&n["id"]))
        .collect();
    assert!(ids.contains(&first) && ids.contains(&second));

    let mine = app
        .graphql(
            Some(&member.access_token),
            "{ myRsvps { totalCount nodes { status meetup { title } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["data"]["myRsvps"]["nodes"],
        json!([{ "status": "GOING", "meetup": { "title": "Second evening" } }])
    );
}

#[tokio::test]
async fn a_calendar_app_reads_a_members_only_feed_with_a_feed_token_until_it_is_replaced() {
    let app = spawn_app().await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Token feed", "MEMBERS_ONLY", "APPROVAL").await;
    create_meetup(&app, &owner, &group, json!({ "publish": true })).await;
    let create = "mutation { createCalendarToken }";
    assert_eq!(
        error_code(&app.graphql(None, create, json!({})).await),
        "UNAUTHENTICATED"
    );
    let first = text(
        &app.graphql(Some(&owner.access_token), create, json!({}))
            .await["data"]["createCalendarToken"],
    );
    let feed = |token: String| {
        let url = format!("{}/groups/{}/meetups.ics", app.address, group.slug);
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .query(&[("token", token)])
                .send()
                .await
                .expect("request")
                .status()
        }
    };
    assert_eq!(feed(first.clone()).await, 200);

    let outsider = app.register(&email("outsider"), "Outsider").await;
    let theirs = text(
        &app.graphql(Some(&outsider.access_token), create, json!({}))
            .await["data"]["createCalendarToken"],
    );
    assert_eq!(feed(theirs).await, 404);

    let second = text(
        &app.graphql(Some(&owner.access_token), create, json!({}))
            .await["data"]["createCalendarToken"],
    );
    assert_eq!(feed(first).await, 401, "the replaced token no longer works");
    assert_eq!(feed(second).await, 200);
}

#[tokio::test]
async fn a_deleted_accounts_seat_goes_to_the_first_in_line() {
    let app = spawn_app().await;
    let (_, group, meetup) = meetup_with_capacity(&app, Some(1)).await;
    let (seated, _) = join_member(&app, &group, "Seated").await;
    let (waiting, _) = join_member(&app, &group, "Waiting").await;
    answer(&app, &seated, &meetup, "GOING").await;
    answer(&app, &waiting, &meetup, "GOING").await;
    let deleted = app
        .graphql(
            Some(&seated.access_token),
            "mutation($password: String!) { deleteAccount(input: {password: $password}) }",
            json!({ "password": crate::helpers::PASSWORD }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteAccount"], true, "{deleted}");
    let after = meetup_as(&app, Some(&waiting), &meetup).await;
    assert_eq!(
        after["data"]["meetup"]["viewerRsvp"]["status"], "GOING",
        "{after}"
    );
    assert_eq!(after["data"]["meetup"]["goingCount"], 1);
}

#[tokio::test]
async fn waitlist_pages_number_places_in_order_and_declines_are_counted() {
    let app = spawn_app().await;
    let (_, group, meetup) = meetup_with_capacity(&app, Some(1)).await;
    for i in 0..5 {
        let (member, _) = join_member(&app, &group, &format!("Line {i}")).await;
        answer(&app, &member, &meetup, "GOING").await;
    }
    let (decliner, _) = join_member(&app, &group, "Decliner").await;
    answer(&app, &decliner, &meetup, "NOT_GOING").await;
    let page = "query($id: ID!, $status: RsvpStatus!, $after: String) { meetup(id: $id) {
        attendees(status: $status, first: 2, after: $after) { totalCount nodes { position }
        pageInfo { endCursor } } } }";
    let mut places = Vec::new();
    let mut after = Value::Null;
    for _ in 0..2 {
        let body = app
            .graphql(
                None,
                page,
                json!({ "id": meetup, "status": "WAITLISTED", "after": after }),
            )
            .await;
        let attendees = &body["data"]["meetup"]["attendees"];
        assert_eq!(attendees["totalCount"], 4, "{body}");
        places.extend(
            attendees["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["position"].clone()),
        );
        after = attendees["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(places, [json!(1), json!(2), json!(3), json!(4)]);
    let declined = app
        .graphql(
            None,
            page,
            json!({ "id": meetup, "status": "NOT_GOING", "after": null }),
        )
        .await;
    assert_eq!(
        declined["data"]["meetup"]["attendees"]["totalCount"], 1,
        "{declined}"
    );
}
