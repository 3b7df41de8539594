//! Mail through a real SMTP server: the verification mail of a new account, its link, and a
//! send that fails while the server is down and is retried by the job queue.

use serde_json::json;

use crate::{
    helpers::{TestApp, email, error_code, outcome_where, spawn_app_with},
    smtp::{Received, SmtpServer},
};

fn settings(smtp: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SMTP_URL", smtp.to_owned()),
        ("PUBLIC_URL", "https://fagruppe.example".into()),
        ("WORKERS_JOBS", "1".into()),
        ("JOBS_POLL_MS", "20".into()),
        ("JOBS_BACKOFF_MS", "50".into()),
    ]
}

async fn spawn(settings: &[(&'static str, String)]) -> TestApp {
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with(&pairs).await
}

/// The token in a verification mail's link.
fn token_in(mail: &Received) -> String {
    let text = mail.text();
    let start = text
        .find("https://fagruppe.example/verify-email?token=")
        .unwrap_or_else(|| panic!("no link in {text}"))
        + "https://fagruppe.example/verify-email?token=".len();
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
    let account = app.register(&address, "Kari Nordmann").await;
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
    assert_ne!(token_in(&first), token_in(&mail));
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
        .graphql(None, VERIFY, json!({ "token": token_in(&mail) }))
        .await;
    assert_eq!(
        verified["data"]["verifyEmail"]["emailVerified"], true,
        "{verified}"
    );
    let after = app.graphql(token, ME, json!({})).await;
    assert_eq!(after["data"]["me"]["emailVerified"], true, "{after}");

    let again = app
        .graphql(None, VERIFY, json!({ "token": token_in(&mail) }))
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
    app.register(&address, "Ola").await;
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
