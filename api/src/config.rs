//! Settings, read once at start-up from the environment (and `.env` when present) and passed
//! down as a value: no global settings object. A bad value stops start-up with one line naming
//! the variable. Secrets are wrapped so that `Debug` never prints them.

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

use rand::RngCore;

use crate::auth::throttle::Write;

/// Where the server runs: development shows GraphiQL and introspection; production hides them
/// and insists on a real JWT secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A value that must not appear in logs or debug output.
#[derive(Clone)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Request limits of SECURITY.md, all adjustable.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_recursive_depth: usize,
    pub max_directives: usize,
    pub max_expanded_fields: usize,
    /// Tokens of a document, counted before it is parsed.
    pub max_tokens: usize,
    /// Nesting of braces, brackets and parentheses, counted before the document is parsed.
    pub max_nesting: usize,
    pub max_aliases: usize,
    /// Directives in the whole document (`max_directives` bounds each place).
    pub max_document_directives: usize,
    /// Variable definitions of one operation.
    pub max_variables: usize,
    pub max_fragments: usize,
    pub max_operations: usize,
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    pub execution_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 1000,
            max_recursive_depth: 32,
            max_directives: 4,
            max_expanded_fields: 1000,
            max_tokens: 5000,
            max_nesting: 40,
            max_aliases: 100,
            max_document_directives: 50,
            max_variables: 100,
            max_fragments: 100,
            max_operations: 10,
            max_body_bytes: 64 * 1024,
            max_upload_bytes: 20 * 1024 * 1024,
            execution_timeout: Duration::from_secs(5),
        }
    }
}

/// Throttle numbers (attempts per window). `enabled: false` is `RATE_LIMIT=off`.
#[derive(Clone, Debug)]
pub struct Throttles {
    pub enabled: bool,
    pub login_per_address_per_minute: u32,
    pub login_per_address_per_hour: u32,
    pub login_per_account_per_hour: u32,
    pub register_per_address_per_hour: u32,
    pub refresh_per_address_per_minute: u32,
    /// `requestPasswordReset` per client address.
    pub password_reset_per_address_per_hour: u32,
    /// Per-member write budgets (per minute, per hour), in the order of [`Write::ALL`].
    pub writes: [(u32, u32); Write::ALL.len()],
}

impl Throttles {
    /// The per-minute and per-hour budget of a kind of write.
    pub fn write(&self, kind: Write) -> (u32, u32) {
        self.writes[kind as usize]
    }
}

impl Default for Throttles {
    fn default() -> Self {
        Self {
            enabled: true,
            login_per_address_per_minute: 6,
            login_per_address_per_hour: 30,
            login_per_account_per_hour: 25,
            register_per_address_per_hour: 10,
            refresh_per_address_per_minute: 30,
            password_reset_per_address_per_hour: 10,
            writes: Write::ALL.map(Write::default_limits),
        }
    }
}

/// The job queue's workers (`WORKERS_JOBS`, `JOBS_POLL_MS`, `JOBS_BACKOFF_MS`,
/// `JOBS_MAX_ATTEMPTS`).
#[derive(Clone, Debug)]
pub struct JobSettings {
    /// Workers per process; 0 runs none (then `fagruppe worker` must run somewhere).
    pub workers: usize,
    /// How long an idle worker waits before it looks for due jobs again.
    pub poll: Duration,
    /// The wait after a first failure; it doubles with each further one (at most an hour).
    pub backoff: Duration,
    /// Attempts before a job is dead.
    pub max_attempts: i32,
    /// Notifications not changed for this many days are deleted (`NOTIFICATION_RETENTION_DAYS`).
    pub notification_retention_days: i64,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            workers: 1,
            poll: Duration::from_secs(1),
            backoff: Duration::from_secs(10),
            max_attempts: 8,
            notification_retention_days: 180,
        }
    }
}

/// How mail leaves the server.
#[derive(Clone, Debug)]
pub enum MailTransport {
    /// `SMTP_URL`: `smtps://` for TLS, `smtp://` with STARTTLS (plain only to this machine).
    Smtp(Secret<String>),
    /// Development without `SMTP_URL`: each mail is an `.eml` file in `DATA_DIR/outbox/`.
    Files(PathBuf),
    /// `MAIL=off`: nothing is sent.
    Off,
}

/// Mail settings (`SMTP_URL`, `MAIL_FROM`, `PUBLIC_URL`, `MAIL`).
#[derive(Clone, Debug)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// The sender, such as `Fagruppe <noreply@fagruppe.no>`.
    pub from: String,
    /// Where links in mail point: the frontend's origin.
    pub public_url: String,
}

/// Which browser origins may call the API (CORS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Exactly these origins (`CORS_ALLOWED_ORIGINS`; the production default is none).
    Exact(Vec<String>),
    /// `http://localhost:*` and `http://127.0.0.1:*`: the development default, for a frontend's
    /// dev server on any port.
    Loopback,
}

impl CorsOrigins {
    fn parse(raw: &str) -> Result<Self, ConfigError> {
        let mut origins = Vec::new();
        for origin in raw.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let url = url::Url::parse(origin).map_err(|err| {
                ConfigError::new("CORS_ALLOWED_ORIGINS", format!("{origin:?}: {err}"))
            })?;
            let serialized = url.origin().ascii_serialization();
            if !matches!(url.scheme(), "http" | "https")
                || serialized != origin
                || origin.contains('*')
            {
                return Err(ConfigError::new(
                    "CORS_ALLOWED_ORIGINS",
                    format!(
                        "{origin:?} is not an exact origin such as https://app.example.no \
                         (scheme, host and port; no path, no wildcard)"
                    ),
                ));
            }
            origins.push(serialized);
        }
        Ok(Self::Exact(origins))
    }

    /// Whether a browser page at `origin` may call the API.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::Exact(origins) => origins.iter().any(|allowed| allowed == origin),
            Self::Loopback => ["http://localhost", "http://127.0.0.1"].iter().any(|host| {
                origin.strip_prefix(host).is_some_and(|rest| {
                    rest.is_empty()
                        || rest
                            .strip_prefix(':')
                            .is_some_and(|port| port.parse::<u16>().is_ok())
                })
            }),
        }
    }
}

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub database_max_connections: u32,
    /// How long a request waits for a pooled connection, or on SQLite for the write lock, before
    /// it is answered `SERVICE_UNAVAILABLE`.
    pub database_timeout: Duration,
    pub listen_addr: SocketAddr,
    pub app_env: AppEnv,
    pub jwt_secret: Secret<Vec<u8>>,
    /// Where the development secret is kept, when `JWT_SECRET` was not given.
    pub development_secret_file: Option<PathBuf>,
    pub log_format: LogFormat,
    pub data_dir: PathBuf,
    pub workers: usize,
    pub trusted_proxy_hops: usize,
    pub access_token_ttl: Duration,
    pub session_ttl: Duration,
    /// argon2id memory cost in KiB (OWASP minimum 19456).
    pub password_memory_kib: u32,
    /// argon2id passes (OWASP minimum 2 at 19 MiB).
    pub password_iterations: u32,
    pub limits: Limits,
    pub throttles: Throttles,
    pub cors: CorsOrigins,
    /// After SIGTERM: how long `/readyz` says 503 and responses say `Connection: close` before
    /// the server stops taking connections and lets in-flight requests finish.
    pub shutdown_drain: Duration,
    /// How long a WebSocket may take to send `connection_init` before it is closed with 4408.
    pub websocket_init_timeout: Duration,
    pub jobs: JobSettings,
    pub mail: MailSettings,
    /// The store several replicas share (`REDIS_URL`); `None` keeps throttles and events in
    /// this process (one replica).
    pub redis: Option<RedisSettings>,
    /// Where `/metrics` is served (`METRICS_ADDR`); `None` serves no metrics.
    pub metrics_addr: Option<SocketAddr>,
    pub file_store: FileStoreSettings,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: where traces go (OTLP/HTTP); `None` exports none.
    pub otlp_endpoint: Option<String>,
    /// `OTEL_SERVICE_NAME`, the traces' service name.
    pub service_name: String,
}

/// Where uploaded files are stored (`FILE_STORE`).
#[derive(Clone, Debug)]
pub enum FileStoreSettings {
    /// A folder (default `DATA_DIR/files`): one replica, or a volume every replica mounts.
    Local(PathBuf),
    /// An S3-compatible bucket (`s3://bucket/prefix`) that every replica reaches.
    S3(S3Settings),
}

/// `FILE_STORE=s3://bucket/prefix` with `S3_ENDPOINT`, `S3_REGION`, `S3_ACCESS_KEY_ID`,
/// `S3_SECRET_ACCESS_KEY` and `S3_ALLOW_HTTP`.
#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    /// Keys start with it (no leading or trailing slash); may be empty.
    pub prefix: String,
    /// An S3-compatible server's URL (MinIO, Garage, Ceph…); AWS when unset.
    pub endpoint: Option<String>,
    pub region: String,
    /// Key id and secret; unset, `object_store` looks for the machine's role (instance
    /// metadata, web identity).
    pub credentials: Option<(String, Secret<String>)>,
    /// Whether a plain-HTTP endpoint is allowed (local test servers).
    pub allow_http: bool,
}

impl FileStoreSettings {
    fn from_lookup(
        var: &impl Fn(&str) -> Option<String>,
        data_dir: &std::path::Path,
    ) -> Result<Self, ConfigError> {
        let Some(raw) = var("FILE_STORE").filter(|raw| !raw.is_empty()) else {
            return Ok(Self::Local(data_dir.join("files")));
        };
        let Some(location) = raw.strip_prefix("s3://") else {
            return Ok(Self::Local(PathBuf::from(raw)));
        };
        let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
        if bucket.is_empty() {
            return Err(ConfigError::new(
                "FILE_STORE",
                "expected s3://bucket/prefix or a folder",
            ));
        }
        let credentials = match (var("S3_ACCESS_KEY_ID"), var("S3_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => Some((id, Secret::new(secret))),
            (None, None) => None,
            _ => {
                return Err(ConfigError::new(
                    "S3_SECRET_ACCESS_KEY",
                    "set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither",
                ));
            }
        };
        Ok(Self::S3(S3Settings {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            endpoint: var("S3_ENDPOINT").filter(|endpoint| !endpoint.is_empty()),
            region: var("S3_REGION").unwrap_or_else(|| "us-east-1".into()),
            credentials,
            allow_http: parse_or(var, "S3_ALLOW_HTTP", false)?,
        }))
    }
}

/// `REDIS_URL` and `REDIS_KEY_PREFIX`.
#[derive(Clone, Debug)]
pub struct RedisSettings {
    /// May carry a password.
    pub url: Secret<String>,
    /// Starts every key and channel, so deployments may share one Redis.
    pub prefix: String,
}

/// A setting that could not be used. Displays as one line naming the variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self {
            variable,
            message: message.into(),
        }
    }
}

const MIN_SECRET_BYTES: usize = 32;
const OWASP_MEMORY_KIB: u32 = 19 * 1024;
const OWASP_ITERATIONS: u32 = 2;

impl Settings {
    /// Reads the process environment (after loading `.env`, if there is one).
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is the normal case; a malformed one is reported by the variables it breaks.
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds settings from any variable source; `from_env` passes the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let app_env = match var("APP_ENV").as_deref().map(str::trim) {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError::new(
                    "APP_ENV",
                    format!("expected development or production, got {other:?}"),
                ));
            }
        };
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match var("DATABASE_URL") {
            Some(url) => url,
            None => {
                std::fs::create_dir_all(&data_dir).map_err(|err| {
                    ConfigError::new(
                        "DATA_DIR",
                        format!("cannot create {}: {err}", data_dir.display()),
                    )
                })?;
                format!(
                    "sqlite://{}?mode=rwc",
                    data_dir.join("fagruppe.db").display()
                )
            }
        };
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "expected a sqlite: or postgres:// URL",
            ));
        }
        let mut development_secret_file = None;
        let jwt_secret = match (var("JWT_SECRET"), app_env) {
            (Some(secret), _) if secret.len() >= MIN_SECRET_BYTES => secret.into_bytes(),
            (Some(_), _) => {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    format!("must be at least {MIN_SECRET_BYTES} bytes"),
                ));
            }
            (None, AppEnv::Production) => {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    "is required when APP_ENV=production",
                ));
            }
            (None, AppEnv::Development) => {
                development_secret_file = Some(data_dir.join("jwt-secret"));
                development_secret(&data_dir)?
            }
        };
        let log_format = match var("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "LOG_FORMAT",
                    format!("expected pretty or json, got {other:?}"),
                ));
            }
        };
        let rate_limit = match var("RATE_LIMIT").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                return Err(ConfigError::new(
                    "RATE_LIMIT",
                    format!("expected on or off, got {other:?}"),
                ));
            }
        };
        let defaults = Throttles::default();
        let throttles = Throttles {
            enabled: rate_limit,
            login_per_address_per_minute: parse_or(
                &var,
                "LOGIN_LIMIT_PER_ADDRESS_PER_MINUTE",
                defaults.login_per_address_per_minute,
            )?,
            login_per_address_per_hour: parse_or(
                &var,
                "LOGIN_LIMIT_PER_ADDRESS_PER_HOUR",
                defaults.login_per_address_per_hour,
            )?,
            login_per_account_per_hour: parse_or(
                &var,
                "LOGIN_LIMIT_PER_ACCOUNT_PER_HOUR",
                defaults.login_per_account_per_hour,
            )?,
            register_per_address_per_hour: parse_or(
                &var,
                "REGISTER_LIMIT_PER_ADDRESS_PER_HOUR",
                defaults.register_per_address_per_hour,
            )?,
            refresh_per_address_per_minute: parse_or(
                &var,
                "REFRESH_LIMIT_PER_ADDRESS_PER_MINUTE",
                defaults.refresh_per_address_per_minute,
            )?,
            password_reset_per_address_per_hour: parse_or(
                &var,
                "PASSWORD_RESET_LIMIT_PER_ADDRESS_PER_HOUR",
                defaults.password_reset_per_address_per_hour,
            )?,
            writes: write_limits(&var)?,
        };
        let limit_defaults = Limits::default();
        let limits = Limits {
            max_depth: parse_or(&var, "MAX_QUERY_DEPTH", limit_defaults.max_depth)?,
            max_complexity: parse_or(&var, "MAX_QUERY_COMPLEXITY", limit_defaults.max_complexity)?,
            max_body_bytes: parse_or(&var, "MAX_BODY_BYTES", limit_defaults.max_body_bytes)?,
            max_upload_bytes: parse_or(&var, "UPLOAD_MAX_BYTES", limit_defaults.max_upload_bytes)?,
            execution_timeout: Duration::from_millis(parse_or(&var, "EXECUTION_TIMEOUT_MS", 5000)?),
            ..limit_defaults
        };
        let password_memory_kib = parse_or(&var, "PASSWORD_HASH_MEMORY_KIB", OWASP_MEMORY_KIB)?;
        let password_iterations = parse_or(&var, "PASSWORD_HASH_ITERATIONS", OWASP_ITERATIONS)?;
        if app_env == AppEnv::Production && password_memory_kib < OWASP_MEMORY_KIB {
            return Err(ConfigError::new(
                "PASSWORD_HASH_MEMORY_KIB",
                format!("must be at least {OWASP_MEMORY_KIB} in production"),
            ));
        }
        if app_env == AppEnv::Production && password_iterations < OWASP_ITERATIONS {
            return Err(ConfigError::new(
                "PASSWORD_HASH_ITERATIONS",
                format!("must be at least {OWASP_ITERATIONS} in production"),
            ));
        }
        let cors = match (var("CORS_ALLOWED_ORIGINS"), app_env) {
            (Some(raw), _) => CorsOrigins::parse(&raw)?,
            (None, AppEnv::Development) => CorsOrigins::Loopback,
            (None, AppEnv::Production) => CorsOrigins::Exact(Vec::new()),
        };
        let transport = match (var("MAIL").as_deref(), var("SMTP_URL"), app_env) {
            (Some("off"), _, _) => MailTransport::Off,
            (None | Some("on"), Some(url), _) => MailTransport::Smtp(Secret::new(url)),
            (None | Some("on"), None, AppEnv::Development) => {
                MailTransport::Files(data_dir.join("outbox"))
            }
            (None | Some("on"), None, AppEnv::Production) => {
                return Err(ConfigError::new(
                    "SMTP_URL",
                    "is required when APP_ENV=production (or set MAIL=off)",
                ));
            }
            (Some(other), _, _) => {
                return Err(ConfigError::new(
                    "MAIL",
                    format!("expected on or off, got {other:?}"),
                ));
            }
        };
        let file_store = FileStoreSettings::from_lookup(&var, &data_dir)?;
        let listen_addr: SocketAddr = parse_or(
            &var,
            "LISTEN_ADDR",
            SocketAddr::from(([127, 0, 0, 1], 8080)),
        )?;
        let mail = MailSettings {
            transport,
            from: var("MAIL_FROM").unwrap_or_else(|| "Fagruppe <noreply@localhost>".into()),
            public_url: var("PUBLIC_URL")
                .unwrap_or_else(|| format!("http://{listen_addr}"))
                .trim_end_matches('/')
                .to_owned(),
        };
        let workers = parse_or(
            &var,
            "WORKERS",
            std::thread::available_parallelism().map_or(2, usize::from),
        )?;
        Ok(Self {
            database_max_connections: parse_or(&var, "DATABASE_MAX_CONNECTIONS", 10)?,
            database_timeout: Duration::from_millis(parse_or(&var, "DATABASE_TIMEOUT_MS", 5000)?),
            shutdown_drain: Duration::from_millis(parse_or(&var, "SHUTDOWN_DRAIN_MS", 5000)?),
            listen_addr,
            trusted_proxy_hops: parse_or(&var, "TRUSTED_PROXY_HOPS", 0)?,
            access_token_ttl: Duration::from_secs(parse_or(&var, "ACCESS_TOKEN_TTL_SECONDS", 900)?),
            session_ttl: Duration::from_secs(86_400 * parse_or(&var, "SESSION_TTL_DAYS", 30)?),
            password_memory_kib,
            password_iterations,
            database_url,
            app_env,
            jwt_secret: Secret::new(jwt_secret),
            development_secret_file,
            log_format,
            data_dir,
            workers,
            limits,
            throttles,
            cors,
            websocket_init_timeout: Duration::from_millis(parse_or(
                &var,
                "WEBSOCKET_INIT_TIMEOUT_MS",
                10_000,
            )?),
            jobs: JobSettings {
                workers: parse_or(&var, "WORKERS_JOBS", 1)?,
                poll: Duration::from_millis(parse_or(&var, "JOBS_POLL_MS", 1000)?),
                backoff: Duration::from_millis(parse_or(&var, "JOBS_BACKOFF_MS", 10_000)?),
                max_attempts: parse_or(&var, "JOBS_MAX_ATTEMPTS", 8)?,
                notification_retention_days: parse_or(&var, "NOTIFICATION_RETENTION_DAYS", 180)?,
            },
            mail,
            file_store,
            otlp_endpoint: var("OTEL_EXPORTER_OTLP_ENDPOINT"),
            service_name: var("OTEL_SERVICE_NAME").unwrap_or_else(|| "fagruppe".into()),
            metrics_addr: match var("METRICS_ADDR").filter(|raw| !raw.is_empty()) {
                None => None,
                Some(_) => Some(parse_or(&var, "METRICS_ADDR", listen_addr)?),
            },
            redis: var("REDIS_URL")
                .filter(|url| !url.is_empty())
                .map(|url| RedisSettings {
                    url: Secret::new(url),
                    prefix: var("REDIS_KEY_PREFIX").unwrap_or_else(|| "fagruppe".into()),
                }),
        })
    }

    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }
}

/// `<KIND>_LIMIT_PER_MEMBER_PER_MINUTE` and `…_PER_HOUR` for every kind of write.
fn write_limits(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<[(u32, u32); Write::ALL.len()], ConfigError> {
    let mut limits = Write::ALL.map(Write::default_limits);
    for (kind, limit) in Write::ALL.into_iter().zip(limits.iter_mut()) {
        for (window, value) in [("MINUTE", &mut limit.0), ("HOUR", &mut limit.1)] {
            let name = format!("{}_LIMIT_PER_MEMBER_PER_{window}", kind.name());
            if let Some(raw) = var(&name) {
                *value = raw.trim().parse().map_err(|err| ConfigError {
                    variable: "a *_LIMIT_PER_MEMBER_* setting",
                    message: format!("{name}={raw:?}: {err}"),
                })?;
            }
        }
    }
    Ok(limits)
}

fn parse_or<T: FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|err| ConfigError::new(name, format!("{raw:?}: {err}"))),
    }
}

/// In development the secret is generated once and kept in the data folder, so tokens survive a
/// restart; production must be given one. The server warns about it at every start.
fn development_secret(data_dir: &std::path::Path) -> Result<Vec<u8>, ConfigError> {
    let path = data_dir.join("jwt-secret");
    let fail = |err: std::io::Error| {
        ConfigError::new(
            "JWT_SECRET",
            format!("cannot use {}: {err}", path.display()),
        )
    };
    match std::fs::read(&path) {
        Ok(secret) if secret.len() >= MIN_SECRET_BYTES => return Ok(secret),
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(fail(err)),
    }
    std::fs::create_dir_all(data_dir).map_err(fail)?;
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let secret = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
    write_private(&path, secret.as_bytes()).map_err(fail)?;
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let dir = std::env::temp_dir().join(format!("fagruppe-config-{}", uuid::Uuid::new_v4()));
        let mut vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        vars.push(("DATA_DIR".into(), dir.display().to_string()));
        let settings = Settings::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        });
        let _ = std::fs::remove_dir_all(&dir);
        settings
    }

    #[test]
    fn production_refuses_to_start_without_a_jwt_secret() {
        let err = settings(&[("APP_ENV", "production")]).err();
        assert_eq!(err.map(|e| e.variable), Some("JWT_SECRET"));
    }

    #[test]
    fn production_refuses_to_start_without_smtp_unless_mail_is_off() {
        let secret = "s".repeat(40);
        let base = [("APP_ENV", "production"), ("JWT_SECRET", secret.as_str())];
        let err = settings(&base).err();
        assert_eq!(err.map(|e| e.variable), Some("SMTP_URL"));
        let off = settings(&[base[0], base[1], ("MAIL", "off")]);
        assert!(off.is_ok_and(|s| matches!(s.mail.transport, MailTransport::Off)));
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let err = settings(&[("JWT_SECRET", "too-short")]).err();
        assert_eq!(err.map(|e| e.variable), Some("JWT_SECRET"));
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = settings(&[("LISTEN_ADDR", "not an address")]).err();
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.starts_with("invalid setting LISTEN_ADDR"),
            "{message}"
        );
    }

    #[test]
    fn cors_origins_are_exact_and_development_allows_loopback_ports() {
        let dev = settings(&[]).map(|s| s.cors);
        assert!(
            dev.as_ref()
                .is_ok_and(|c| c.allows("http://localhost:5173"))
        );
        assert!(
            dev.as_ref()
                .is_ok_and(|c| c.allows("http://127.0.0.1:3000"))
        );
        assert!(
            dev.as_ref()
                .is_ok_and(|c| !c.allows("http://localhost.evil.no"))
        );
        assert!(dev.as_ref().is_ok_and(|c| !c.allows("https://example.no")));
        let exact = settings(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://app.example.no, http://x.no:8080",
        )])
        .map(|s| s.cors);
        assert!(
            exact
                .as_ref()
                .is_ok_and(|c| c.allows("https://app.example.no"))
        );
        assert!(
            exact
                .as_ref()
                .is_ok_and(|c| !c.allows("http://localhost:5173"))
        );
        for bad in [
            "*",
            "https://app.example.no/",
            "https://*.example.no",
            "ftp://x.no",
        ] {
            let err = settings(&[("CORS_ALLOWED_ORIGINS", bad)]).err();
            assert_eq!(
                err.map(|e| e.variable),
                Some("CORS_ALLOWED_ORIGINS"),
                "{bad}"
            );
        }
        let production = settings(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", &"s".repeat(40)),
            ("MAIL", "off"),
        ])
        .map(|s| s.cors);
        assert!(production.is_ok_and(|c| c == CorsOrigins::Exact(Vec::new())));
    }

    #[test]
    fn development_generates_and_keeps_a_secret_in_the_data_folder() {
        let dir = std::env::temp_dir().join(format!("fagruppe-config-{}", uuid::Uuid::new_v4()));
        let lookup = |name: &str| (name == "DATA_DIR").then(|| dir.display().to_string());
        let first = Settings::from_lookup(lookup).map(|s| s.jwt_secret.expose().clone());
        let second = Settings::from_lookup(lookup).map(|s| s.jwt_secret.expose().clone());
        assert!(first.as_ref().is_ok_and(|s| s.len() >= MIN_SECRET_BYTES));
        assert_eq!(first.ok(), second.ok());
        assert!(dir.join("fagruppe.db").parent().is_some_and(|p| p.exists()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
