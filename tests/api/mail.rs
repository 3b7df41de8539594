//! Mail through a real SMTP server: verifying a new account's address and what it unlocks, a
//! taken address at registration, password reset, a change of address, and a send that fails
//! while the server is down and is retried by the job queue.

use serde_json::json;

use crate::{
    groups::create_group,
    helpers::{PASSWORD, TestApp, email, error_code, outcome_where, spawn_app_with, text},
    smtp::{Received, SmtpServer},
};

/// Settings for a server that mails through `smtp` with two job workers, links under
/// `https://fagruppe.example`.
pub fn settings(smtp: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SMTP_URL", smtp.to_owned()),
        ("PUBLIC_URL", "https://fagruppe.example".into()),
        ("MAIL_FROM", "Fagruppe <noreply@fagruppe.example>".into()),
        ("WORKERS_JOBS", "2".into()),
        ("JOBS_POLL_MS", "20".into()),
        ("JOBS_BACKOFF_MS", "50".into()),
    ]
}

/// The settings as `spawn_app_with` and `TestApp::replica` take them.
pub fn pairs<'a>(settings: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    settings.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub async fn spawn(settings: &[(&'static str, String)]) -> TestApp {
    spawn_app_with(&pairs(settings)).await
}

/// The token in a mail's link to a page of the web client (`verify-email`, `reset-password`).
fn token_in(mail: &Received, page: &str) -> String {
    let text = mail.text();
    let prefix = format!("https://fagruppe.example/{page}?token=");
    let start = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no link to {page} in {text}"))
        + prefix.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

const ME: &str = "{ me { email emailVerified } }";
const VERIFY: &str = "mutation($token: String!) { verifyEmail(token: $token) { emailVerified } }";

#[tokio::test]
async fn a_new_account_is_mailed_a_link_that_verifies_its_address_once() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&settings(&smtp.url())).await;
    let address = email("verify");
    let account = app.register_unverified(&address, "Kari Nordmann").await;
    let token = Some(account.access_token.as_str());
    let before = app.graphql(token, ME, json!({})).await;
    assert_eq!(before["data"]["me"]["emailVerified"], false, "{before}");

    let first = smtp.next_mail().await;
    // A second link on request; either one verifies, once.
    let resend = "mutation { resendVerification }";
    let resent = app.graphql(token, resend, json!({})).await;
    assert_eq!(resent["data"]["resendVerification"], true, "{resent}");
    let anonymous = app.graphql(None, resend, json!({})).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    let mail = smtp.next_mail().await;
    assert_ne!(
        token_in(&first, "verify-email"),
        token_in(&mail, "verify-email")
    );
    assert_eq!(mail.to, vec![address.clone()]);
    assert_eq!(mail.subject(), "Bekreft e-postadressen din");
    assert!(
        mail.text().contains("Hei Kari Nordmann!"),
        "{}",
        mail.text()
    );
    assert!(
        mail.html()
            .contains("https://fagruppe.example/verify-email?token=")
    );

    let verified = app
        .graphql(
            None,
            VERIFY,
            json!({ "token": token_in(&mail, "verify-email") }),
        )
        .await;
    assert_eq!(
        verified["data"]["verifyEmail"]["emailVerified"], true,
        "{verified}"
    );
    let after = app.graphql(token, ME, json!({})).await;
    assert_eq!(after["data"]["me"]["emailVerified"], true, "{after}");

    let again = app
        .graphql(
            None,
            VERIFY,
            json!({ "token": token_in(&mail, "verify-email") }),
        )
        .await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT", "{again}");
    assert_eq!(again["errors"][0]["extensions"]["field"], "token");
    let verified_already = app.graphql(token, resend, json!({})).await;
    assert_eq!(
        verified_already["data"]["resendVerification"], false,
        "{verified_already}"
    );
    // Others never see whether an address is verified.
    let other = app.register(&email("other"), "Other").await;
    let seen = app
        .graphql(
            Some(&other.access_token),
            "query($id: ID!) { member(id: $id) { emailVerified } }",
            json!({ "id": account.id }),
        )
        .await;
    assert_eq!(
        seen["data"]["member"]["emailVerified"],
        serde_json::Value::Null,
        "{seen}"
    );
}

#[tokio::test]
async fn a_mail_sent_while_the_smtp_server_is_down_arrives_once_it_is_back() {
    // A port with nothing listening on it yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let app = spawn(&settings(&format!("smtp://127.0.0.1:{port}"))).await;
    let mut outcomes = app.job_outcomes.subscribe();
    let address = email("outage");
    app.register_unverified(&address, "Ola").await;
    // The first attempt fails (connection refused): the job keeps the reason and waits.
    let failed = outcome_where(&mut outcomes, |o| o.kind == "verify-email").await;
    assert_eq!(failed.state, entity::job::State::Queued, "{failed:?}");
    assert!(
        failed.error.as_deref().is_some_and(|e| e.contains("SMTP")),
        "{failed:?}"
    );
    // The server comes up, and a later attempt delivers.
    let mut smtp = SmtpServer::on(port).await;
    let mail = smtp.next_mail().await;
    assert_eq!(mail.to, vec![address]);
}

/// Follows the link of the verification mail that `address` received, as its owner would.
async fn follow_verification_link(app: &TestApp, smtp: &mut SmtpServer, address: &str) {
    let mail = smtp
        .next_mail_to(address, "Bekreft e-postadressen din")
        .await;
    let verified = app
        .graphql(
            None,
            VERIFY,
            json!({ "token": token_in(&mail, "verify-email") }),
        )
        .await;
    assert_eq!(
        verified["data"]["verifyEmail"]["emailVerified"], true,
        "{verified}"
    );
}

const REGISTER: &str = "mutation($input: RegisterInput!) { register(input: $input) { email } }";

#[tokio::test]
async fn registering_a_taken_address_mails_its_owner_instead_of_a_second_account() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&settings(&smtp.url())).await;
    let address = email("taken");
    app.register_unverified(&address, "Kari").await;
    smtp.next_mail_to(&address, "Bekreft e-postadressen din")
        .await;

    let again = app
        .graphql(
            None,
            REGISTER,
            json!({ "input": { "email": address, "password": "someone else's password", "displayName": "Impostor" } }),
        )
        .await;
    assert_eq!(
        again,
        json!({ "data": { "register": { "email": address } } })
    );
    let notice = smtp
        .next_mail_to(&address, "Noen prøvde å registrere seg med adressen din")
        .await;
    assert!(notice.text().contains("Hei Kari!"), "{}", notice.text());
    assert!(
        notice
            .text()
            .contains("https://fagruppe.example/forgot-password"),
        "{}",
        notice.text()
    );
}

#[tokio::test]
async fn an_invitation_is_claimed_only_by_the_account_that_verifies_its_address() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&settings(&smtp.url())).await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "By invitation", "MEMBERS_ONLY", "INVITE_ONLY").await;
    let newcomer_email = email("newcomer");
    let invited = app
        .graphql(
            Some(&owner.access_token),
            "mutation($id: ID!, $email: String!) { inviteToGroup(input: {groupId: $id, email: $email}) { id } }",
            json!({ "id": group.id, "email": newcomer_email.to_uppercase() }),
        )
        .await;
    let invitation_id = text(&invited["data"]["inviteToGroup"]["id"]);

    // Whoever registers the address first may sign in and read, but the invitation is not
    // theirs, and they can neither join nor post, until the address is proven.
    let newcomer = app.register_unverified(&newcomer_email, "Newcomer").await;
    let token = Some(newcomer.access_token.as_str());
    let mine_query =
        "{ myInvitations { totalCount nodes { id group { name } invitedBy { displayName } } } }";
    let mine = app.graphql(token, mine_query, json!({})).await;
    assert_eq!(mine["data"]["myInvitations"]["totalCount"], 0, "{mine}");
    let accept = "mutation($id: ID!) { acceptInvitation(invitationId: $id) { status role } }";
    for (query, variables) in [
        (accept, json!({ "id": invitation_id })),
        (
            "mutation($id: ID!) { joinGroup(groupId: $id) { status } }",
            json!({ "id": group.id }),
        ),
        (
            "mutation { createGroup(input: {name: \"Mine\", visibility: PUBLIC, joinPolicy: OPEN}) { id } }",
            json!({}),
        ),
    ] {
        let refused = app.graphql(token, query, variables).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("Confirm your e-mail address")),
            "{refused}"
        );
    }

    // The link in the mail proves the address: now the invitation is theirs.
    follow_verification_link(&app, &mut smtp, &newcomer_email).await;
    let mine = app.graphql(token, mine_query, json!({})).await;
    let invitation = &mine["data"]["myInvitations"]["nodes"][0];
    assert_eq!(invitation["group"]["name"], "By invitation", "{mine}");
    assert_eq!(invitation["invitedBy"]["displayName"], "Owner");

    let stranger = app.register(&email("stranger"), "Stranger").await;
    let stolen = app
        .graphql(
            Some(&stranger.access_token),
            accept,
            json!({ "id": invitation_id }),
        )
        .await;
    assert_eq!(error_code(&stolen), "NOT_FOUND", "{stolen}");
    let accepted = app
        .graphql(token, accept, json!({ "id": invitation_id }))
        .await;
    assert_eq!(
        accepted["data"]["acceptInvitation"]["status"], "ACTIVE",
        "{accepted}"
    );
    let members = app
        .graphql(
            token,
            "query($slug: String!) { group(slug: $slug) { members { totalCount } } }",
            json!({ "slug": group.slug }),
        )
        .await;
    assert_eq!(
        members["data"]["group"]["members"]["totalCount"], 2,
        "{members}"
    );
}

#[tokio::test]
async fn an_invitation_to_an_unverified_account_waits_until_its_address_is_verified() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&settings(&smtp.url())).await;
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(&app, &owner, "Closed circle", "MEMBERS_ONLY", "INVITE_ONLY").await;
    let address = email("early");
    let early = app.register_unverified(&address, "Early").await;
    app.graphql(
        Some(&owner.access_token),
        "mutation($id: ID!, $email: String!) { inviteToGroup(input: {groupId: $id, email: $email}) { id } }",
        json!({ "id": group.id, "email": address }),
    )
    .await;
    let mine_query = "{ myInvitations { totalCount } }";
    let before = app
        .graphql(Some(&early.access_token), mine_query, json!({}))
        .await;
    assert_eq!(before["data"]["myInvitations"]["totalCount"], 0, "{before}");

    follow_verification_link(&app, &mut smtp, &address).await;
    let after = app
        .graphql(Some(&early.access_token), mine_query, json!({}))
        .await;
    assert_eq!(after["data"]["myInvitations"]["totalCount"], 1, "{after}");
}

const REQUEST_RESET: &str =
    "mutation($email: String!) { requestPasswordReset(input: {email: $email}) }";
const RESET: &str = "mutation($token: String!, $password: String!) { resetPassword(input: {token: $token, newPassword: $password}) }";

#[tokio::test]
async fn a_forgotten_password_is_reset_once_through_the_mailed_link_and_every_session_ends() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&settings(&smtp.url())).await;
    let address = email("forgetful");
    let laptop = app.register(&address, "Glemsk").await;

    // A known and an unknown address get the same answer.
    let known = app
        .graphql(
            None,
            REQUEST_RESET,
            json!({ "email": address.to_uppercase() }),
        )
        .await;
    let unknown = app
        .graphql(None, REQUEST_RESET, json!({ "email": email("nobody") }))
        .await;
    assert_eq!(known, json!({ "data": { "requestPasswordReset": true } }));
    assert_eq!(known, unknown);

    let mail = smtp.next_mail_to(&address, "Lag et nytt passord").await;
    assert!(mail.text().contains("Hei Glemsk!"), "{}", mail.text());
    let token = token_in(&mail, "reset-password");
    let new_password = "a brand new password";
    let short = app
        .graphql(None, RESET, json!({ "token": token, "password": "short" }))
        .await;
    assert_eq!(error_code(&short), "BAD_USER_INPUT", "{short}");
    assert_eq!(short["errors"][0]["extensions"]["field"], "newPassword");
    let reset = app
        .graphql(
            None,
            RESET,
            json!({ "token": token, "password": new_password }),
        )
        .await;
    assert_eq!(reset, json!({ "data": { "resetPassword": true } }));
    let again = app
        .graphql(
            None,
            RESET,
            json!({ "token": token, "password": "yet another password" }),
        )
        .await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT", "{again}");
    assert_eq!(again["errors"][0]["extensions"]["field"], "token");

    // Every earlier session has ended; only the new password signs in.
    let me = app
        .graphql(Some(&laptop.access_token), "{ me { id } }", json!({}))
        .await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED", "{me}");
    let refreshed = app
        .graphql(
            None,
            "mutation($token: String!) { refreshSession(refreshToken: $token) { accessToken } }",
            json!({ "token": laptop.refresh_token }),
        )
        .await;
    assert_eq!(error_code(&refreshed), "UNAUTHENTICATED", "{refreshed}");
    let old = app.login(&address, PASSWORD).await;
    assert_eq!(error_code(&old), "UNAUTHENTICATED", "{old}");
    let new = app.login(&address, new_password).await;
    assert!(new["data"]["login"]["accessToken"].is_string(), "{new}");

    let notice = smtp
        .next_mail_to(&address, "Passordet ditt er endret")
        .await;
    assert!(
        notice.text().contains("ble nettopp endret"),
        "{}",
        notice.text()
    );
}

#[tokio::test]
async fn a_new_address_takes_over_only_once_confirmed_and_the_old_one_is_told_in_english() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn(&settings(&smtp.url())).await;
    let old = email("old");
    let new = email("new");
    let account = app.register(&old, "Mover").await;
    let token = Some(account.access_token.as_str());
    let english = app
        .graphql(
            token,
            "mutation { updateProfile(input: {locale: EN}) { locale } }",
            json!({}),
        )
        .await;
    assert_eq!(
        english["data"]["updateProfile"]["locale"], "EN",
        "{english}"
    );

    let change = "mutation($email: String!, $password: String!) { changeEmail(input: {newEmail: $email, password: $password}) }";
    let wrong = app
        .graphql(
            token,
            change,
            json!({ "email": new, "password": "not my password" }),
        )
        .await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT", "{wrong}");
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "password");
    let same = app
        .graphql(
            token,
            change,
            json!({ "email": old.to_uppercase(), "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        same["errors"][0]["extensions"]["field"], "newEmail",
        "{same}"
    );
    let anonymous = app
        .graphql(None, change, json!({ "email": new, "password": PASSWORD }))
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    let asked = app
        .graphql(token, change, json!({ "email": new, "password": PASSWORD }))
        .await;
    assert_eq!(asked, json!({ "data": { "changeEmail": true } }));

    // Nothing moves until the new address confirms.
    let me = app.graphql(token, "{ me { email } }", json!({})).await;
    assert_eq!(me["data"]["me"]["email"], old.as_str(), "{me}");
    let mail = smtp
        .next_mail_to(&new, "Confirm your new e-mail address")
        .await;
    assert!(mail.text().contains("Hello Mover!"), "{}", mail.text());
    let moved = app
        .graphql(
            None,
            "mutation($token: String!) { verifyEmail(token: $token) { email emailVerified } }",
            json!({ "token": token_in(&mail, "verify-email") }),
        )
        .await;
    assert_eq!(
        moved,
        json!({ "data": { "verifyEmail": { "email": new, "emailVerified": true } } })
    );
    let notice = smtp
        .next_mail_to(&old, "Your e-mail address was changed")
        .await;
    assert!(notice.text().contains(&new), "{}", notice.text());

    assert!(app.login(&new, PASSWORD).await["data"]["login"]["accessToken"].is_string());
    let by_old = app.login(&old, PASSWORD).await;
    assert_eq!(error_code(&by_old), "UNAUTHENTICATED", "{by_old}");
}

#[tokio::test]
async fn idle_workers_wake_when_a_job_is_enqueued_instead_of_waiting_for_their_next_poll() {
    let mut smtp = SmtpServer::start().await;
    let mut slow_poll = settings(&smtp.url());
    slow_poll.push(("JOBS_POLL_MS", "600000".into()));
    let app = spawn(&slow_poll).await;
    let address = email("prompt");
    app.register_unverified(&address, "Rask").await;
    // Within the ten seconds `next_mail_to` waits, though the workers would next poll in ten
    // minutes.
    smtp.next_mail_to(&address, "Bekreft e-postadressen din")
        .await;
}
