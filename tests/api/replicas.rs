//! Two replicas on one database sharing a real Redis (`REDIS_URL`): events published on one reach
//! subscribers on the other, and throttles count attempts on both together. Each test uses a
//! key prefix of its own, so tests share the one Redis without meeting. Redis is on this machine
//! at 127.0.0.1:6379 (or `TEST_REDIS_URL`); without it these tests skip with one line, unless
//! `REQUIRE_REDIS=1` (as `.ci/run` sets), when they fail.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use serde_json::{Value, json};

use crate::{
    discussions::{comment, start_thread},
    groups::{create_group, join_member},
    helpers::{
        Account, PASSWORD, TestApp, WsClient, email, error_code, spawn_app_with,
        spawn_two_apps_on_one_database_with,
    },
};

/// The Redis URL to test against, or `None` (after saying why) when there is none to reach.
async fn redis_url() -> Option<String> {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let address = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:6379")
        .to_owned();
    if tokio::net::TcpStream::connect(&address).await.is_ok() {
        return Some(url);
    }
    assert!(
        std::env::var("REQUIRE_REDIS").as_deref() != Ok("1"),
        "REQUIRE_REDIS=1 but no Redis answers at {address}"
    );
    eprintln!("skipped: the replica tests need Redis at {address} (set TEST_REDIS_URL)");
    None
}

/// Two replicas on one fresh database, sharing Redis under a prefix of this test's own.
async fn two_replicas(url: &str, extra: &[(&str, &str)]) -> (TestApp, TestApp) {
    let prefix = format!("fagruppe-test-{}", uuid::Uuid::new_v4().simple());
    let mut settings = vec![("REDIS_URL", url), ("REDIS_KEY_PREFIX", prefix.as_str())];
    settings.extend_from_slice(extra);
    let (a, b) = spawn_two_apps_on_one_database_with(&settings).await;
    // As a load balancer would: traffic only once each replica relays the others' events.
    await_relay(&a, true).await;
    await_relay(&b, true).await;
    (a, b)
}

#[tokio::test]
async fn a_comment_posted_through_one_replica_reaches_a_subscriber_on_the_other() {
    let Some(url) = redis_url().await else {
        return;
    };
    let (a, b) = two_replicas(&url, &[]).await;
    let (owner, member, thread) = members_only_thread(&a).await;
    let mut socket = listen_for_comments(&b, &owner, &thread).await;

    comment(&a, &member, &thread, "Sendt via A").await;
    assert_eq!(next_comment(&mut socket).await, "Sendt via A");
}

/// A members-only group's owner, a member, and a thread the member started.
async fn members_only_thread(app: &TestApp) -> (Account, Account, String) {
    let owner = app.register(&email("owner"), "Owner").await;
    let group = create_group(app, &owner, "Delt", "MEMBERS_ONLY", "OPEN").await;
    let (member, _) = join_member(app, &group, "Debattant").await;
    let thread = start_thread(app, &member, &group, "Over to replikaer", "Hvem hører?").await;
    (owner, member, thread)
}

/// A socket on `app` subscribed (as `viewer`) to the thread's new comments, as subscription "1".
async fn listen_for_comments(app: &TestApp, viewer: &Account, thread: &str) -> WsClient {
    let mut socket = app
        .websocket(json!({ "authorization": format!("Bearer {}", viewer.access_token) }))
        .await
        .expect("connect to the replica");
    socket
        .subscribe(
            "1",
            "subscription($id: ID!) { commentAdded(threadId: $id) { body } }",
            json!({ "id": thread }),
        )
        .await;
    socket.subscribe("2", "{ me { id } }", json!({})).await;
    assert_eq!(socket.next_message().await.expect("barrier")["id"], "2");
    socket
}

#[tokio::test]
async fn sign_in_attempts_spread_over_two_replicas_are_throttled_as_on_one() {
    let Some(url) = redis_url().await else {
        return;
    };
    let (a, b) = two_replicas(&url, &[("LOGIN_LIMIT_PER_ADDRESS_PER_MINUTE", "4")]).await;
    let address = email("target");
    // Registering signs in once (on A): three more attempts fill the minute, on either replica.
    a.register(&address, "Target").await;
    for replica in [&b, &a, &b] {
        let wrong = replica.login(&address, "wrong password guess").await;
        assert_eq!(error_code(&wrong), "UNAUTHENTICATED", "{wrong}");
    }
    for replica in [&a, &b] {
        let limited = replica.login(&address, PASSWORD).await;
        assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited}");
        let retry = limited["errors"][0]["extensions"]["retryAfterSeconds"].as_u64();
        assert!(retry.is_some_and(|s| (1..=60).contains(&s)), "{limited}");
    }
}

#[tokio::test]
async fn with_redis_unreachable_sign_in_is_refused_as_unavailable_and_the_replica_is_not_ready() {
    // A port with nothing listening on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let app = spawn_app_with(&[("REDIS_URL", url.as_str())]).await;

    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.expect("JSON");
    assert_eq!(body["redis"], "unreachable", "{body}");

    // Throttles fail closed: an attempt that cannot be counted is not let through.
    let response = app
        .client
        .post(app.graphql_url())
        .json(&json!({
            "query": "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            "variables": { "input": { "email": email("anyone"), "password": PASSWORD } },
        }))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
}

/// A Redis server of this test's own, on a free port, so the test may stop and start it.
struct OwnRedis {
    child: Child,
    port: u16,
}

impl OwnRedis {
    /// Starts `redis-server` (or says why not and returns `None`, failing under `REQUIRE_REDIS`).
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        match Self::start_on(port) {
            Some(redis) => Some(redis),
            None => {
                assert!(
                    std::env::var("REQUIRE_REDIS").as_deref() != Ok("1"),
                    "REQUIRE_REDIS=1 but redis-server could not be started"
                );
                eprintln!("skipped: the Redis outage test needs redis-server on the PATH");
                None
            }
        }
    }

    /// Starts `redis-server` on `port` and waits until it says it accepts connections.
    fn start_on(port: u16) -> Option<Self> {
        let mut child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdout = child.stdout.take()?;
        let ready = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("Ready to accept connections"));
        assert!(ready, "redis-server did not start on port {port}");
        Some(Self { child, port })
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits (at most ten seconds) until the replica's event relay is `subscribed` or not, then
/// checks that `/readyz` says so: 200 when subscribed (which also has the replica's own Redis
/// connection answer a PING), 503 when not.
async fn await_relay(app: &TestApp, subscribed: bool) {
    let mut state = app
        .redis
        .as_ref()
        .expect("the replica uses Redis")
        .relay_state();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        state.wait_for(|relaying| *relaying == subscribed),
    )
    .await
    .expect("the relay changes within ten seconds")
    .expect("the relay's state");
    let answer = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("readyz");
    assert_eq!(answer.status(), if subscribed { 200 } else { 503 });
}

/// `/readyz` answers `status` now.
async fn assert_readiness(app: &TestApp, status: u16) {
    let answer = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("readyz");
    assert_eq!(answer.status(), status);
}

/// The next `commentAdded` body the socket receives on subscription "1".
async fn next_comment(socket: &mut WsClient) -> Value {
    while let Some(message) = socket.next_message().await {
        if message["id"] == "1" && message["type"] == "next" {
            return message["payload"]["data"]["commentAdded"]["body"].clone();
        }
    }
    panic!("the subscription ended without a comment");
}

#[tokio::test]
async fn redis_stopping_and_starting_again_loses_no_write_and_subscriptions_resume() {
    let Some(mut redis) = OwnRedis::start() else {
        return;
    };
    let (a, b) = two_replicas(&redis.url(), &[]).await;
    let (owner, member, thread) = members_only_thread(&a).await;
    let mut socket = listen_for_comments(&b, &owner, &thread).await;
    comment(&a, &member, &thread, "Før utfallet").await;
    assert_eq!(next_comment(&mut socket).await, "Før utfallet");

    redis.stop();
    await_relay(&b, false).await;
    // Members keep writing (write budgets fail open); sign-in fails closed.
    comment(&a, &member, &thread, "Under utfallet").await;
    let refused = a.login(&owner.email, PASSWORD).await;
    assert_eq!(error_code(&refused), "SERVICE_UNAVAILABLE", "{refused}");

    let port = redis.port;
    let _restarted = OwnRedis::start_on(port).expect("redis-server starts again");
    await_relay(&a, true).await;
    await_relay(&b, true).await;
    comment(&a, &member, &thread, "Etter utfallet").await;
    assert_eq!(next_comment(&mut socket).await, "Etter utfallet");

    let thread_page = b
        .graphql(
            Some(&owner.access_token),
            "query($id: ID!) { thread(id: $id) { comments(first: 10) { nodes { body } } } }",
            json!({ "id": thread }),
        )
        .await;
    let bodies: Vec<&str> = thread_page["data"]["thread"]["comments"]["nodes"]
        .as_array()
        .expect("comments")
        .iter()
        .filter_map(|node| node["body"].as_str())
        .collect();
    assert_eq!(bodies, ["Før utfallet", "Under utfallet", "Etter utfallet"]);
}

#[tokio::test]
async fn a_rolling_restart_drains_one_replica_while_the_other_serves_its_clients() {
    let Some(url) = redis_url().await else {
        return;
    };
    let (a, b) = two_replicas(&url, &[("SHUTDOWN_DRAIN_MS", "300")]).await;
    let (owner, member, thread) = members_only_thread(&a).await;
    let mut socket = listen_for_comments(&a, &owner, &thread).await;

    // A is restarted: it stops being ready and tells its WebSocket clients to go elsewhere.
    a.drain.begin();
    assert_readiness(&a, 503).await;
    assert_eq!(socket.close_frame().await.map(|(code, _)| code), Some(1001));
    // The client reconnects (through the balancer, to B) and misses nothing posted after.
    let mut socket = listen_for_comments(&b, &owner, &thread).await;
    comment(&b, &member, &thread, "Under omstarten").await;
    assert_eq!(next_comment(&mut socket).await, "Under omstarten");
    a.stopped().await.expect("A stops cleanly");
    // Signing in keeps working on B (sessions are rows, throttles in Redis).
    let signed_in = b.login(&owner.email, PASSWORD).await;
    assert!(
        signed_in["data"]["login"]["accessToken"].is_string(),
        "{signed_in}"
    );
}

#[tokio::test]
async fn a_notification_caused_on_one_replica_reaches_its_member_on_the_other() {
    let Some(url) = redis_url().await else {
        return;
    };
    let (a, b) = two_replicas(&url, &[]).await;
    let (owner, member, thread) = members_only_thread(&a).await;
    let mut socket = crate::notifications::listen_for_notifications(&b, &member).await;
    comment(&a, &owner, &thread, "Svar via A").await;
    while let Some(message) = socket.next_message().await {
        if message["id"] == "1" && message["type"] == "next" {
            let update = &message["payload"]["data"]["notificationAdded"];
            assert_eq!(update["unreadCount"], 1, "{message}");
            assert_eq!(update["notification"]["comment"]["body"], "Svar via A");
            return;
        }
    }
    panic!("the notification did not reach replica B");
}
