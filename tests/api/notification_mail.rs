//! Notifications by mail through a real SMTP server: the daily digest lists every watched thread
//! with news, an immediate mail goes out once per thread however many replies fold into it within
//! ten minutes, and the one-click unsubscribe turns notification mail off.

use chrono::{Duration, Utc};
use entity::job::State;
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use fagruppe::jobs::Outcome;

use crate::{
    discussions::{comment, start_thread},
    groups::{create_group, join_member},
    helpers::{Account, TestApp, email, outcome_where},
    jobs::insert_job,
    mail::{settings, spawn},
    smtp::SmtpServer,
};

/// Runs the scan now and waits until it and the mail jobs it enqueued are done.
async fn scan(
    app: &TestApp,
    outcomes: &mut tokio::sync::broadcast::Receiver<Outcome>,
    mails: usize,
) {
    let scan = insert_job(app.db().await, "notification-mail-scan", 3).await;
    let outcome = outcome_where(outcomes, |o| o.id == scan).await;
    assert_eq!(outcome.state, State::Done, "{outcome:?}");
    for _ in 0..mails {
        let sent = outcome_where(outcomes, |o| o.kind == "notification-mail").await;
        assert_eq!(sent.state, State::Done, "{sent:?}");
    }
}

/// Waits for the next fan-out to watchers (of a new thread or comment) to be done.
async fn watchers_told(outcomes: &mut tokio::sync::broadcast::Receiver<Outcome>) {
    let fanned = outcome_where(outcomes, |o| o.kind == "notify-watchers").await;
    assert_eq!(fanned.state, State::Done, "{fanned:?}");
}

async fn mail_jobs(app: &TestApp) -> u64 {
    entity::job::Entity::find()
        .filter(entity::job::Column::Kind.eq("notification-mail"))
        .count(app.db().await)
        .await
        .expect("count jobs")
}

async fn set_mail(app: &TestApp, member: &Account, frequency: &str) {
    let set = app
        .graphql(
            Some(&member.access_token),
            "mutation($f: NotificationEmail!) { updateNotificationSettings(input: {notificationEmail: $f}) { notificationEmail } }",
            json!({ "f": frequency }),
        )
        .await;
    assert_eq!(
        set["data"]["updateNotificationSettings"]["notificationEmail"], frequency,
        "{set}"
    );
}

#[tokio::test]
async fn the_digest_of_a_member_who_watches_two_threads_lists_both() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&settings(&smtp.url())).await;
    let mut outcomes = app.job_outcomes.subscribe();
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Digital etikk", "MEMBERS_ONLY", "OPEN").await;
    let first = start_thread(
        &app,
        &owner,
        &group,
        "Er KI-etikk bare PR?",
        "Hva tror dere?",
    )
    .await;
    let second = start_thread(&app, &owner, &group, "Hva gir effekt?", "ROI av møtene").await;
    for _ in [&first, &second] {
        watchers_told(&mut outcomes).await;
    }
    let (member, _) = join_member(&app, &group, "Kari Nordmann").await;
    for thread in [&first, &second] {
        let watched = app
            .graphql(
                Some(&member.access_token),
                "mutation($id: ID!) { setWatchLevel(subjectId: $id, level: WATCHING) }",
                json!({ "id": thread }),
            )
            .await;
        assert_eq!(watched["data"]["setWatchLevel"], "WATCHING", "{watched}");
    }
    let (voice, _) = join_member(&app, &group, "Ola Stemme").await;
    for (thread, body) in [(&first, "Ja."), (&second, "Mye."), (&second, "Enda mer.")] {
        comment(&app, &voice, thread, body).await;
        watchers_told(&mut outcomes).await;
    }
    // Nothing yet: the member's first digest is due a day after they joined.
    scan(&app, &mut outcomes, 0).await;
    assert_eq!(mail_jobs(&app).await, 0);

    let a_day_ago = Utc::now() - Duration::hours(25);
    entity::member::Entity::update_many()
        .col_expr(
            entity::member::Column::DigestSentAt,
            Expr::value(Some(a_day_ago)),
        )
        .filter(entity::member::Column::Email.eq(member.email.clone()))
        .exec(app.db().await)
        .await
        .expect("backdate the last digest");
    scan(&app, &mut outcomes, 1).await;
    let digest = smtp
        .next_mail_to(&member.email, "Dette har du gått glipp av")
        .await;
    let text = digest.text();
    assert!(text.contains("Hei Kari Nordmann!"), "{text}");
    assert!(
        text.contains("Nye kommentarer – «Er KI-etikk bare PR?» (Digital etikk)"),
        "{text}"
    );
    assert!(
        text.contains("Nye kommentarer (2) – «Hva gir effekt?» (Digital etikk)"),
        "{text}"
    );
    assert!(digest.header("List-Unsubscribe").is_some());
    // Sent: the next scan finds nothing due.
    scan(&app, &mut outcomes, 0).await;
    assert_eq!(mail_jobs(&app).await, 1);
}

#[tokio::test]
async fn an_immediate_mail_goes_out_once_per_thread_within_ten_minutes_and_unsubscribing_stops_it()
{
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&settings(&smtp.url())).await;
    let mut outcomes = app.job_outcomes.subscribe();
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Digital etikk", "PUBLIC", "OPEN").await;
    let (member, _) = join_member(&app, &group, "Kari Nordmann").await;
    let thread = start_thread(
        &app,
        &member,
        &group,
        "Er KI-etikk bare PR?",
        "Hva tror dere?",
    )
    .await;
    set_mail(&app, &member, "IMMEDIATE").await;

    comment(&app, &owner, &thread, "Første svar.").await;
    scan(&app, &mut outcomes, 1).await;
    let mail = smtp
        .next_mail_to(&member.email, "Svar til deg: Er KI-etikk bare PR?")
        .await;
    assert!(
        mail.text()
            .contains("Svar til deg – «Er KI-etikk bare PR?»")
    );

    // A second reply folds into the same unread notification: no second mail within ten
    // minutes.
    comment(&app, &owner, &thread, "Andre svar.").await;
    scan(&app, &mut outcomes, 0).await;
    assert_eq!(mail_jobs(&app).await, 1);

    // The mail's one-click link turns notification mail off.
    let link = mail
        .header("List-Unsubscribe")
        .expect("List-Unsubscribe")
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    let unsubscribed = app
        .client
        .post(link.replace("https://fagruppe.example", &app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("unsubscribe");
    assert!(unsubscribed.status().is_success());
    let settings = app
        .graphql(
            Some(&member.access_token),
            "{ me { notificationSettings { notificationEmail } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        settings["data"]["me"]["notificationSettings"]["notificationEmail"],
        "NEVER"
    );
    let mark = Expr::col(entity::notification::Column::MailedAt).is_not_null();
    let mailed = entity::notification::Entity::find()
        .filter(mark)
        .count(app.db().await)
        .await
        .expect("count");
    assert_eq!(mailed, 1);
}
