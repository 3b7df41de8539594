//! Meetup mail through a real SMTP server: the answer's confirmation with its calendar
//! invitation, the waitlist and its promotion, "moved" and "cancelled" to everyone coming,
//! reminders sent once with two replicas at work, and the one-click unsubscribe link.

use chrono::{Duration, Utc};
use entity::job::State;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tokio::sync::broadcast::Receiver;

use fagruppe::jobs::Outcome;

use crate::{
    groups::{TestGroup, create_group, join_member},
    helpers::{Account, TestApp, email, error_code},
    mail::{pairs, settings, spawn},
    meetups::{answer, create_meetup},
    smtp::{Received, SmtpServer},
};

const TITLE: &str = "Etikk og KI over en pils";

fn with_workers(smtp: &SmtpServer) -> Vec<(&'static str, String)> {
    settings(&smtp.url())
}

/// An owner, a public open group and a published meetup with `capacity` seats three days ahead
/// (far from any reminder).
async fn meetup_in_three_days(
    app: &TestApp,
    capacity: Option<i64>,
) -> (Account, TestGroup, String) {
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(app, &owner, "Digital etikk", "PUBLIC", "OPEN").await;
    let starts = Utc::now() + Duration::days(3);
    let meetup = create_meetup(
        app,
        &owner,
        &group,
        json!({
            "capacity": capacity,
            "publish": true,
            "startsAt": starts.to_rfc3339(),
            "endsAt": (starts + Duration::hours(2)).to_rfc3339(),
        }),
    )
    .await;
    (owner, group, meetup)
}

/// The meetup's key as the calendar's UID carries it.
fn uid_of(meetup_id: &str) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let decoded = URL_SAFE_NO_PAD
        .decode(meetup_id)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default();
    let simple = decoded.rsplit(':').next().unwrap_or_default();
    uuid::Uuid::try_parse(simple)
        .map(|id| format!("UID:{id}@fagruppe"))
        .unwrap_or_default()
}

/// Waits until `count` jobs of `kind` are done on any of the servers these outcomes come from
/// (ten seconds at most).
async fn wait_done(outcomes: &mut [Receiver<Outcome>], kind: &str, count: usize) {
    let mut seen = 0;
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while seen < count {
            let (next, _, _) =
                futures_util::future::select_all(outcomes.iter_mut().map(|r| Box::pin(r.recv())))
                    .await;
            match next {
                Ok(outcome) if outcome.kind == kind && outcome.state == State::Done => seen += 1,
                Ok(_) => {}
                Err(err) => panic!("job outcomes: {err}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{count} {kind} jobs done within ten seconds, saw {seen}"));
}

#[tokio::test]
async fn a_seat_brings_a_calendar_invitation_a_full_meetup_the_waitlist_and_a_freed_seat_the_next_in_line()
 {
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&with_workers(&smtp)).await;
    let (_, group, meetup) = meetup_in_three_days(&app, Some(1)).await;
    let (first, _) = join_member(&app, &group, "Kari").await;
    let (second, _) = join_member(&app, &group, "Ola").await;

    answer(&app, &first, &meetup, "GOING").await;
    let going = smtp
        .next_mail_to(&first.email, &format!("Du er påmeldt: {TITLE}"))
        .await;
    assert!(going.text().contains("Hei Kari!"), "{}", going.text());
    assert!(going.text().contains("Digital etikk ·"), "{}", going.text());
    assert!(going.text().contains(" kl. "), "{}", going.text());
    assert!(
        going.text().contains("Kulturhuset, Youngstorget 3, Oslo"),
        "{}",
        going.text()
    );
    let (method, ics) = going.calendar().expect("a calendar invitation");
    assert_eq!(method, "REQUEST");
    let ics = ics.replace("\r\n ", "");
    assert!(ics.contains("METHOD:REQUEST"), "{ics}");
    assert!(ics.contains(&uid_of(&meetup)), "{ics}");
    assert!(
        ics.contains("ORGANIZER;CN=Digital etikk:mailto:noreply@fagruppe.example"),
        "{ics}"
    );
    assert!(ics.contains(&format!("mailto:{}", first.email)), "{ics}");
    let unsubscribe = going.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert!(
        unsubscribe.starts_with("<https://fagruppe.example/unsubscribe?token="),
        "{unsubscribe}"
    );
    assert_eq!(
        going.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );

    answer(&app, &second, &meetup, "GOING").await;
    let waiting = smtp
        .next_mail_to(&second.email, &format!("Du står på venteliste: {TITLE}"))
        .await;
    assert!(waiting.calendar().is_none(), "no invitation without a seat");

    answer(&app, &first, &meetup, "NOT_GOING").await;
    let promoted = smtp
        .next_mail_to(&second.email, &format!("Du har fått plass: {TITLE}"))
        .await;
    let (method, ics) = promoted.calendar().expect("a calendar invitation");
    assert_eq!(method, "REQUEST");
    assert!(ics.contains(&format!("mailto:{}", second.email)), "{ics}");
}

const SETTINGS: &str = "{ me { notificationSettings { rsvpConfirmations meetupReminders waitlistPromotions meetupChanges } } }";

/// The link of a mail's `List-Unsubscribe` header.
fn unsubscribe_link(mail: &Received) -> String {
    mail.header("List-Unsubscribe")
        .map(|value| value.trim_matches(|c| c == '<' || c == '>').to_owned())
        .expect("List-Unsubscribe")
}

#[tokio::test]
async fn the_unsubscribe_link_stops_one_kind_of_mail_without_signing_in() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&with_workers(&smtp)).await;
    let mut outcomes = app.outcomes_since_start();
    let (owner, group, meetup) = meetup_in_three_days(&app, None).await;
    let (member, _) = join_member(&app, &group, "Kari").await;
    answer(&app, &member, &meetup, "GOING").await;
    let mail = smtp
        .next_mail_to(&member.email, &format!("Du er påmeldt: {TITLE}"))
        .await;
    let link = unsubscribe_link(&mail);
    let path = link.replace("https://fagruppe.example", &app.address);

    // Opening the link (a person, or a scanner) asks first and changes nothing.
    let page = app.client.get(&path).send().await.expect("GET");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("a page");
    assert!(
        html.contains("Vil du slutte å få bekreftelser på påmeldinger?"),
        "{html}"
    );
    assert!(html.contains("<form method=\"post\""), "{html}");
    let token = Some(member.access_token.as_str());
    let before = app.graphql(token, SETTINGS, json!({})).await;
    assert_eq!(
        before["data"]["me"]["notificationSettings"]["rsvpConfirmations"], true,
        "{before}"
    );

    // A mail client's one-click POST (RFC 8058) turns that kind off, and only that kind.
    let clicked = app
        .client
        .post(&path)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("POST");
    assert_eq!(clicked.status(), 200);
    let after = app.graphql(token, SETTINGS, json!({})).await;
    assert_eq!(
        after["data"]["me"]["notificationSettings"],
        json!({ "rsvpConfirmations": false, "meetupReminders": true, "waitlistPromotions": true, "meetupChanges": true }),
        "{after}"
    );
    let forged = app
        .client
        .post(path.replace("token=", "token=A"))
        .send()
        .await
        .expect("POST");
    assert_eq!(forged.status(), 404);

    // The next answer is confirmed by no mail: the job ran and sent nothing.
    let second = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "publish": true, "title": "Frokostmøte" }),
    )
    .await;
    answer(&app, &member, &second, "GOING").await;
    wait_done(std::slice::from_mut(&mut outcomes), "meetup-answer", 2).await;
    assert!(
        !smtp
            .mails_so_far()
            .iter()
            .any(|mail| mail.subject() == "Du er påmeldt: Frokostmøte"),
        "no mail after unsubscribing"
    );

    // Settings are the member's own: others see null, strangers may not change them.
    let update = "mutation($input: UpdateNotificationSettingsInput!) { updateNotificationSettings(input: $input) { rsvpConfirmations meetupReminders } }";
    let anonymous = app
        .graphql(
            None,
            update,
            json!({ "input": { "rsvpConfirmations": true } }),
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    let back = app
        .graphql(
            token,
            update,
            json!({ "input": { "rsvpConfirmations": true, "meetupReminders": false } }),
        )
        .await;
    assert_eq!(
        back["data"]["updateNotificationSettings"],
        json!({ "rsvpConfirmations": true, "meetupReminders": false }),
        "{back}"
    );
    let seen = app
        .graphql(
            Some(&owner.access_token),
            "query($id: ID!) { member(id: $id) { notificationSettings { rsvpConfirmations } } }",
            json!({ "id": member.id }),
        )
        .await;
    assert_eq!(
        seen["data"]["member"]["notificationSettings"],
        Value::Null,
        "{seen}"
    );
}

#[tokio::test]
async fn moving_and_cancelling_a_meetup_tells_everyone_coming_once_and_nobody_else() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&with_workers(&smtp)).await;
    let mut outcomes = app.outcomes_since_start();
    let (owner, group, meetup) = meetup_in_three_days(&app, Some(1)).await;
    let (going, _) = join_member(&app, &group, "Kari").await;
    let (waiting, _) = join_member(&app, &group, "Ola").await;
    let (declined, _) = join_member(&app, &group, "Per").await;
    answer(&app, &going, &meetup, "GOING").await;
    answer(&app, &waiting, &meetup, "GOING").await;
    answer(&app, &declined, &meetup, "NOT_GOING").await;
    wait_done(std::slice::from_mut(&mut outcomes), "meetup-answer", 2).await;

    let later = Utc::now() + Duration::days(4);
    let moved = app
        .graphql(
            Some(&owner.access_token),
            "mutation($input: UpdateMeetupInput!) { updateMeetup(input: $input) { id } }",
            json!({ "input": { "meetupId": meetup, "startsAt": later.to_rfc3339(), "endsAt": (later + Duration::hours(2)).to_rfc3339() } }),
        )
        .await;
    assert!(moved["data"]["updateMeetup"]["id"].is_string(), "{moved}");
    let subject = format!("Ny tid eller nytt sted: {TITLE}");
    let to_going = smtp.next_mail_to(&going.email, &subject).await;
    let (method, ics) = to_going.calendar().expect("an updated invitation");
    assert_eq!(method, "REQUEST");
    assert!(ics.contains("SEQUENCE:1"), "{ics}");
    let to_waiting = smtp.next_mail_to(&waiting.email, &subject).await;
    assert!(to_waiting.calendar().is_none());

    let cancelled = app
        .graphql(
            Some(&owner.access_token),
            "mutation($input: CancelMeetupInput!) { cancelMeetup(input: $input) { status } }",
            json!({ "input": { "meetupId": meetup, "reason": "Foredragsholderen er syk" } }),
        )
        .await;
    assert_eq!(
        cancelled["data"]["cancelMeetup"]["status"], "CANCELLED",
        "{cancelled}"
    );
    let subject = format!("Avlyst: {TITLE}");
    let to_going = smtp.next_mail_to(&going.email, &subject).await;
    assert!(
        to_going.text().contains("«Foredragsholderen er syk»"),
        "{}",
        to_going.text()
    );
    let (method, ics) = to_going.calendar().expect("a cancellation");
    assert_eq!(method, "CANCEL");
    assert!(ics.contains("STATUS:CANCELLED"), "{ics}");
    smtp.next_mail_to(&waiting.email, &subject).await;

    // Two changes, two members coming: four mails, and the one who declined got none.
    wait_done(std::slice::from_mut(&mut outcomes), "meetup-change-mail", 4).await;
    let others: Vec<_> = smtp
        .mails_so_far()
        .into_iter()
        .filter(|mail| mail.subject().contains(TITLE) && !mail.subject().starts_with("Du "))
        .map(|mail| (mail.to.clone(), mail.subject()))
        .collect();
    assert!(
        others.is_empty(),
        "no other mail about the change: {others:?}"
    );
    let jobs = entity::job::Entity::find()
        .filter(entity::job::Column::Kind.eq("meetup-change-mail"))
        .count(app.db().await)
        .await
        .expect("count jobs");
    assert_eq!(jobs, 4);
}

#[tokio::test]
async fn a_reminder_a_day_ahead_reaches_each_member_going_once_with_two_replicas_at_work() {
    let mut smtp = SmtpServer::start().await;
    // The meetup and its answers exist before any worker runs.
    let app = spawn(&[("PUBLIC_URL", "https://fagruppe.example".into())]).await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Lukket krets", "MEMBERS_ONLY", "OPEN").await;
    let starts = Utc::now() + Duration::hours(23);
    let meetup = create_meetup(
        &app,
        &owner,
        &group,
        json!({ "publish": true, "startsAt": starts.to_rfc3339(), "endsAt": (starts + Duration::hours(2)).to_rfc3339() }),
    )
    .await;
    let (first, _) = join_member(&app, &group, "Kari").await;
    let (second, _) = join_member(&app, &group, "Ola").await;
    let (gone, _) = join_member(&app, &group, "Per").await;
    for member in [&first, &second, &gone] {
        answer(&app, member, &meetup, "GOING").await;
    }
    // Per leaves the members-only group: still marked going, but no longer allowed to see it.
    let left = app
        .graphql(
            Some(&gone.access_token),
            "mutation($id: ID!) { leaveGroup(groupId: $id) }",
            json!({ "id": group.id }),
        )
        .await;
    assert_eq!(left["data"]["leaveGroup"], true, "{left}");

    let settings = with_workers(&smtp);
    let settings = pairs(&settings);
    let (one, two) = tokio::join!(app.replica(&settings), app.replica(&settings));
    let mut outcomes = [one.outcomes_since_start(), two.outcomes_since_start()];
    wait_done(&mut outcomes, "meetup-reminder", 3).await;

    let subject = format!("Påminnelse: {TITLE}");
    let mut reminded: Vec<String> = smtp
        .mails_so_far()
        .into_iter()
        .filter(|mail| mail.subject() == subject)
        .flat_map(|mail| mail.to)
        .collect();
    reminded.sort();
    let mut expected = vec![first.email.clone(), second.email.clone()];
    expected.sort();
    assert_eq!(reminded, expected, "one reminder each, none to who left");
    let db = app.db().await;
    let reminders = entity::meetup_reminder::Entity::find()
        .count(db)
        .await
        .expect("count reminders");
    assert_eq!(reminders, 1, "one 24-hour reminder recorded");
    let jobs = entity::job::Entity::find()
        .filter(entity::job::Column::Kind.eq("meetup-reminder"))
        .count(db)
        .await
        .expect("count jobs");
    assert_eq!(jobs, 3, "one reminder job per member going");
}
