//! The test harness: every test gets the real server, bound to a free port, over its own fresh
//! database — a SQLite file in a temporary folder, or, when `TEST_DATABASE_URL` is set, a new
//! PostgreSQL database that is dropped afterwards. Tests talk to it only through HTTP and
//! WebSocket, as a client would.

use std::{collections::HashMap, path::PathBuf, sync::Arc};

use fagruppe::{
    auth::throttle::Write, config::Settings, db::StatementCounter, http::drain::Drain,
    jobs::Outcome, startup::Application,
};
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

pub const PASSWORD: &str = "correct horse battery staple";

/// The JWT secret every test server signs with, so tests can forge tokens on purpose.
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// Where `/metrics` is served, when the test set `METRICS_ADDR`.
    pub metrics_port: Option<u16>,
    /// The shared Redis, when the test set `REDIS_URL`.
    pub redis: Option<fagruppe::redis_store::RedisStore>,
    pub client: reqwest::Client,
    pub database_url: String,
    /// The server's data folder (uploaded files live under `files/`).
    pub data_dir: PathBuf,
    /// Begins a graceful stop, as SIGTERM does.
    pub drain: Drain,
    /// Announces each job attempt's outcome (`subscribe` before causing the job).
    pub job_outcomes: tokio::sync::broadcast::Sender<Outcome>,
    /// Every outcome since the server started, for the first who asks (`outcomes_since_start`).
    outcomes_since_start: std::sync::Mutex<Option<tokio::sync::broadcast::Receiver<Outcome>>>,
    server: tokio::sync::Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>,
    statements: StatementCounter,
    /// A connection of the test's own, for setting up or breaking things on purpose.
    db: tokio::sync::OnceCell<sea_orm::DatabaseConnection>,
    _database: Arc<TestDatabase>,
}

/// A signed-in member as a test sees it.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// A database of this test's own, removed when the last server using it is dropped.
struct TestDatabase {
    url: String,
    data_dir: PathBuf,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    async fn create() -> Self {
        let data_dir = std::env::temp_dir().join(format!("fagruppe-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&data_dir).expect("create the test data folder");
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("fagruppe_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("reach TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create the test database");
                admin.close().await.expect("close the admin connection");
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(base, _)| base);
                Self {
                    url: format!("{base}/{name}"),
                    data_dir,
                    postgres: Some((admin_url.clone(), name)),
                }
            }
            _ => Self {
                url: format!("sqlite://{}?mode=rwc", data_dir.join("test.db").display()),
                data_dir,
                postgres: None,
            },
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop runs inside the test's runtime, which cannot block on another future: use a
            // thread with a runtime of its own.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime for cleanup");
                runtime.block_on(async move {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            });
            let _ = dropped.join();
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts a server with extra settings (as environment variables would give them).
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let database = Arc::new(TestDatabase::create().await);
    start_server(database, overrides).await
}

/// Starts two servers on one empty database at the same moment, as two replicas would.
pub async fn spawn_two_apps_on_one_database() -> (TestApp, TestApp) {
    spawn_two_apps_on_one_database_with(&[]).await
}

/// Like [`spawn_two_apps_on_one_database`], with extra settings for both.
pub async fn spawn_two_apps_on_one_database_with(overrides: &[(&str, &str)]) -> (TestApp, TestApp) {
    let database = Arc::new(TestDatabase::create().await);
    tokio::join!(
        start_server(database.clone(), overrides),
        start_server(database, overrides)
    )
}

async fn start_server(database: Arc<TestDatabase>, overrides: &[(&str, &str)]) -> TestApp {
    let mut vars: HashMap<String, String> = [
        ("DATABASE_URL", database.url.as_str()),
        ("DATA_DIR", &database.data_dir.display().to_string()),
        ("LISTEN_ADDR", "127.0.0.1:0"),
        ("JWT_SECRET", JWT_SECRET),
        ("WORKERS", "2"),
        ("DATABASE_MAX_CONNECTIONS", "5"),
        // Cheap hashing keeps the suite fast; production refuses values this low.
        ("PASSWORD_HASH_MEMORY_KIB", "1024"),
        ("PASSWORD_HASH_ITERATIONS", "1"),
        // Every test client comes from 127.0.0.1; tests that check throttles set their own.
        ("REGISTER_LIMIT_PER_ADDRESS_PER_HOUR", "1000"),
        ("LOGIN_LIMIT_PER_ADDRESS_PER_MINUTE", "1000"),
        ("LOGIN_LIMIT_PER_ADDRESS_PER_HOUR", "10000"),
        // Job workers would run statements between a test's counted requests; the job tests
        // start their own.
        ("WORKERS_JOBS", "0"),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect();
    // Tests write fast on purpose; the throttle tests set their own budgets.
    for kind in Write::ALL {
        for window in ["MINUTE", "HOUR"] {
            vars.insert(
                format!("{}_LIMIT_PER_MEMBER_PER_{window}", kind.name()),
                "100000".into(),
            );
        }
    }
    for (key, value) in overrides {
        vars.insert((*key).to_owned(), (*value).to_owned());
    }
    let settings = Settings::from_lookup(|name| vars.get(name).cloned()).expect("test settings");
    let app = Application::build(settings)
        .await
        .expect("build the server");
    let port = app.port();
    let metrics_port = app.metrics_port();
    let redis = app.redis();
    let statements = app.statement_counter();
    let drain = app.drain();
    let job_outcomes = app.job_outcomes();
    let outcomes_since_start = job_outcomes.subscribe();
    let server = tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        metrics_port,
        redis,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client"),
        database_url: database.url.clone(),
        data_dir: database.data_dir.clone(),
        drain,
        job_outcomes,
        outcomes_since_start: std::sync::Mutex::new(Some(outcomes_since_start)),
        server: tokio::sync::Mutex::new(Some(server)),
        statements,
        db: tokio::sync::OnceCell::new(),
        _database: database,
    }
}

impl TestApp {
    /// Another server on this test's database, as a second replica would run, with its own
    /// settings.
    pub async fn replica(&self, overrides: &[(&str, &str)]) -> TestApp {
        start_server(self._database.clone(), overrides).await
    }

    /// Every job outcome since the server started, including those of jobs it ran before the
    /// caller could subscribe. Once per server.
    pub fn outcomes_since_start(&self) -> tokio::sync::broadcast::Receiver<Outcome> {
        self.outcomes_since_start
            .lock()
            .ok()
            .and_then(|mut receiver| receiver.take())
            .expect("outcomes_since_start is taken once")
    }

    /// Waits until the server has stopped (after [`Drain::begin`]).
    pub async fn stopped(&self) -> std::io::Result<()> {
        match self.server.lock().await.take() {
            Some(server) => server.await.expect("the server task"),
            None => Ok(()),
        }
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.address)
    }

    /// Runs a GraphQL operation (POST, JSON) and returns the response body.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.graphql_url())
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("send the request");
        response.json().await.expect("a JSON body")
    }

    /// Like [`graphql`](Self::graphql), also counting the SQL statements the server ran for it.
    pub async fn graphql_counted(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (Value, u64) {
        let before = self.statements.get();
        let body = self.graphql(token, query, variables).await;
        (body, self.statements.get() - before)
    }

    /// Like [`graphql`](Self::graphql), also returning the SQL of every statement the server ran
    /// for it.
    pub async fn graphql_recorded(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (Value, Vec<String>) {
        self.statements.record(true);
        let body = self.graphql(token, query, variables).await;
        let statements = self.statements.take_recorded();
        self.statements.record(false);
        (body, statements)
    }

    /// Registers a member whose address counts as verified and signs them in: what most tests
    /// start from. The address is marked verified in the database, as `fagruppe seed` does; the
    /// mailed link itself is tested end to end in `mail.rs`.
    pub async fn register(&self, email: &str, display_name: &str) -> Account {
        self.register_mutation(email, display_name).await;
        self.mark_verified(email).await;
        self.sign_in(email).await
    }

    /// Registers a member who has not followed the verification link yet, and signs them in.
    pub async fn register_unverified(&self, email: &str, display_name: &str) -> Account {
        self.register_mutation(email, display_name).await;
        self.sign_in(email).await
    }

    async fn register_mutation(&self, email: &str, display_name: &str) {
        let body = self
            .graphql(
                None,
                "mutation($input: RegisterInput!) { register(input: $input) { email } }",
                json!({ "input": { "email": email, "password": PASSWORD, "displayName": display_name } }),
            )
            .await;
        assert_eq!(
            body["data"]["register"]["email"], email,
            "registration failed: {body}"
        );
    }

    /// Signs in with the test password.
    pub async fn sign_in(&self, email: &str) -> Account {
        let body = self.login(email, PASSWORD).await;
        let payload = &body["data"]["login"];
        assert!(payload.is_object(), "sign-in failed: {body}");
        Account {
            id: text(&payload["member"]["id"]),
            email: email.to_owned(),
            access_token: text(&payload["accessToken"]),
            refresh_token: text(&payload["refreshToken"]),
        }
    }

    async fn mark_verified(&self, email: &str) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        let verified = entity::member::Entity::update_many()
            .col_expr(
                entity::member::Column::EmailVerifiedAt,
                Expr::value(Some(chrono::Utc::now())),
            )
            .filter(entity::member::Column::EmailKey.eq(fagruppe::text::email_key(email)))
            .exec(self.db().await)
            .await
            .expect("mark the address verified");
        assert_eq!(verified.rows_affected, 1, "no member has {email}");
    }

    /// The test's own connection to its database.
    pub async fn db(&self) -> &sea_orm::DatabaseConnection {
        self.db
            .get_or_init(|| async {
                Database::connect(&self.database_url)
                    .await
                    .expect("connect to the test database")
            })
            .await
    }

    /// The test's database opened as the server opens its own (`db::connect`).
    pub async fn server_db(&self) -> fagruppe::db::Db {
        let settings = fagruppe::config::Settings::from_lookup(|name| match name {
            "DATABASE_URL" => Some(self.database_url.clone()),
            "JWT_SECRET" => Some(JWT_SECRET.to_owned()),
            _ => None,
        })
        .expect("settings");
        fagruppe::db::connect(&settings).await.expect("connect").0
    }

    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.graphql(
            None,
            "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken member { id displayName email } } }",
            json!({ "input": { "email": email, "password": password } }),
        )
        .await
    }

    /// Runs SQL directly against this test's database (to set up or break things on purpose).
    pub async fn execute_sql(&self, sql: &str) {
        self.db()
            .await
            .execute_unprepared(sql)
            .await
            .expect("run SQL");
    }

    /// Opens a `graphql-transport-ws` connection without saying anything on it yet.
    pub async fn raw_websocket(&self) -> WsClient {
        let mut request = format!("ws://127.0.0.1:{}/graphql", self.port)
            .into_client_request()
            .expect("a WebSocket request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket upgrade");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some("graphql-transport-ws")
        );
        WsClient { socket }
    }

    /// Opens a `graphql-transport-ws` connection and completes `connection_init` with `payload`.
    pub async fn websocket(&self, payload: Value) -> Result<WsClient, String> {
        let mut client = self.raw_websocket().await;
        client
            .send_json(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match client.next_message().await {
            Some(message) if message["type"] == "connection_ack" => Ok(client),
            other => Err(format!("no connection_ack: {other:?}")),
        }
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct WsClient {
    socket: Socket,
}

impl WsClient {
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send_json(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
    }

    pub async fn send_json(&mut self, message: Value) {
        self.send_text(&message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::text(text.to_owned()))
            .await
            .expect("send a WebSocket message");
    }

    /// The close frame's code and reason, skipping any message before it; `None` when the
    /// socket ended without one or nothing came within five seconds.
    pub async fn close_frame(&mut self) -> Option<(u16, String)> {
        loop {
            let next = tokio::time::timeout(std::time::Duration::from_secs(5), self.socket.next())
                .await
                .ok()??;
            if let Message::Close(frame) = next.ok()? {
                return frame.map(|frame| (u16::from(frame.code), frame.reason.to_string()));
            }
        }
    }

    /// The next protocol message, skipping pings; `None` when the server closed the socket.
    /// Waits at most five seconds, so a missing message fails the test instead of hanging it.
    pub async fn next_message(&mut self) -> Option<Value> {
        loop {
            let next = tokio::time::timeout(std::time::Duration::from_secs(5), self.socket.next())
                .await
                .ok()??;
            match next.ok()? {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).ok()?;
                    if value["type"] == "ping" {
                        let _ = self
                            .socket
                            .send(Message::text(json!({ "type": "pong" }).to_string()))
                            .await;
                        continue;
                    }
                    return Some(value);
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }
}

/// The next job outcome that `wanted` accepts, waiting at most ten seconds for it.
pub async fn outcome_where(
    outcomes: &mut tokio::sync::broadcast::Receiver<Outcome>,
    wanted: impl Fn(&Outcome) -> bool,
) -> Outcome {
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            match outcomes.recv().await {
                Ok(outcome) if wanted(&outcome) => return outcome,
                Ok(_) => continue,
                Err(err) => panic!("job outcomes: {err}"),
            }
        }
    })
    .await
    .expect("the job outcome within ten seconds")
}

/// A string field of a response.
pub fn text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
}

/// The string at `path` in each item of a list in a response: the names on a page.
pub fn names(list: &Value, path: &[&str]) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {list}"))
        .iter()
        .map(|item| text(path.iter().fold(item, |value, key| &value[*key])))
        .collect()
}

/// The `extensions.code` of the first error.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no code>")
}

/// Whether the tests run on PostgreSQL (`TEST_DATABASE_URL` set), where some reads take fewer
/// statements than on SQLite.
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty())
}

/// A fresh, unique e-mail address.
pub fn email(name: &str) -> String {
    format!(
        "{name}.{}@example.no",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// The row id behind a global id.
pub fn raw_id(id: &str) -> uuid::Uuid {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let decoded = URL_SAFE_NO_PAD.decode(id).expect("base64 id");
    let decoded = String::from_utf8(decoded).expect("utf-8 id");
    let (_, raw) = decoded.split_once(':').expect("kind:uuid");
    uuid::Uuid::parse_str(raw).expect("uuid")
}
