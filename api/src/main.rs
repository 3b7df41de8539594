//! The `fagruppe` command: `serve` (the default), `migrate`, `export-schema`, `seed`, the
//! operator commands `grant-admin EMAIL` / `revoke-admin EMAIL` / `reindex`, and `ready` (a container health
//! check).

use std::{net::SocketAddr, process::ExitCode, time::Duration};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use fagruppe::{
    auth::password::Passwords,
    config::Settings,
    db, graphql,
    http::drain::Drain,
    members::commands::set_site_admin,
    startup::{self, Application},
    telemetry,
};

const USAGE: &str = "usage: fagruppe [serve | worker | migrate | export-schema | seed standard \
                     [--scale N] [--force] | seed demo [--force] | grant-admin EMAIL | \
                     revoke-admin EMAIL | reindex | ready]";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command: Vec<&str> = args.iter().map(String::as_str).collect();
    if matches!(command.as_slice(), ["-h" | "--help" | "help"]) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("fagruppe: {err}");
            return ExitCode::FAILURE;
        }
    };
    let telemetry = telemetry::init(
        settings.log_format,
        settings.otlp_endpoint.as_deref(),
        &settings.service_name,
    );
    if let Some(path) = &settings.development_secret_file {
        tracing::warn!(
            path = %path.display(),
            "JWT_SECRET is not set: using a generated development secret; set JWT_SECRET in production"
        );
    }
    let result = match command.as_slice() {
        [] | ["serve"] => serve(settings).await,
        ["worker"] => worker(settings).await,
        ["migrate"] => migrate(&settings).await,
        ["export-schema"] => {
            print!("{}", graphql::sdl(&settings));
            Ok(())
        }
        ["seed", rest @ ..] => seed(&settings, rest).await,
        ["grant-admin", email] => site_admin(&settings, email, true).await,
        ["revoke-admin", email] => site_admin(&settings, email, false).await,
        ["ready"] => ready(settings.listen_addr).await,
        ["reindex"] => reindex(&settings).await,
        _ => Err(USAGE.to_owned()),
    };
    // Blocking: the exporter's last batch leaves from its own thread.
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fagruppe: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let address = settings.listen_addr;
    let graphiql = !settings.is_production();
    let app = Application::build(settings)
        .await
        .map_err(|err| err.to_string())?;
    tracing::info!(%address, port = app.port(), "serving GraphQL at /graphql");
    if graphiql {
        tracing::info!(
            "GraphiQL: open http://{}:{}/graphql in a browser",
            address.ip(),
            app.port()
        );
    }
    let drain = app.drain();
    tokio::spawn(async move {
        stop_signal().await;
        drain.begin();
    });
    app.run_until_stopped().await.map_err(|err| err.to_string())
}

/// Job workers only (`WORKERS_JOBS` of them, at least one), until SIGTERM or Ctrl-C.
async fn worker(mut settings: Settings) -> Result<(), String> {
    settings.jobs.workers = settings.jobs.workers.max(1);
    tracing::info!(workers = settings.jobs.workers, "running job workers");
    let drain = Drain::default();
    let stop = drain.clone();
    tokio::spawn(async move {
        stop_signal().await;
        stop.begin();
    });
    startup::run_workers(settings, drain)
        .await
        .map_err(|err| err.to_string())
}

/// Succeeds when the server on `LISTEN_ADDR` in this container answers `/readyz` with 200: the
/// image's health check (it has no curl).
async fn ready(listen: SocketAddr) -> Result<(), String> {
    let mut address = listen;
    if address.ip().is_unspecified() {
        address.set_ip(match address {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let check = async {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        stream
            .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut head = [0_u8; 12];
        stream.read_exact(&mut head).await?;
        Ok::<_, std::io::Error>(head)
    };
    let head = tokio::time::timeout(Duration::from_secs(5), check)
        .await
        .map_err(|_| format!("{address}: no answer within 5 s"))?
        .map_err(|err| format!("{address}: {err}"))?;
    if head.ends_with(b" 200") {
        Ok(())
    } else {
        Err(format!(
            "{address}/readyz answered {}",
            String::from_utf8_lossy(&head)
        ))
    }
}

/// SIGTERM (an orchestrator stopping the replica) or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

async fn migrate(settings: &Settings) -> Result<(), String> {
    let (connection, _) = db::connect(settings).await.map_err(|err| err.to_string())?;
    db::migrate(&connection)
        .await
        .map_err(|err| err.to_string())?;
    tracing::info!("migrations applied");
    Ok(())
}

/// Rebuilds what is derived from the posts: the search index and the discussion links.
async fn reindex(settings: &Settings) -> Result<(), String> {
    let (connection, _) = db::connect(settings).await.map_err(|err| err.to_string())?;
    db::migrate(&connection)
        .await
        .map_err(|err| err.to_string())?;
    let written = fagruppe::search::index::rebuild(connection.pool())
        .await
        .map_err(|err| err.to_string())?;
    tracing::info!(entries = written, "search index rebuilt");
    let posts = fagruppe::discussions::links::rebuild(connection.pool())
        .await
        .map_err(|err| err.to_string())?;
    tracing::info!(posts, "discussion links rebuilt");
    Ok(())
}

async fn seed(settings: &Settings, args: &[&str]) -> Result<(), String> {
    let (data_set, force) = fagruppe::seed::parse(args)?;
    let (connection, _) = db::connect(settings).await.map_err(|err| err.to_string())?;
    db::migrate(&connection)
        .await
        .map_err(|err| err.to_string())?;
    let passwords = Passwords::for_settings(settings)?;
    let started = std::time::Instant::now();
    let summary = fagruppe::seed::run(connection.pool(), &passwords, data_set, force).await?;
    println!(
        "seeded {summary} in {:.1} s; every account's password is \"{}\"",
        started.elapsed().as_secs_f64(),
        fagruppe::seed::PASSWORD
    );
    Ok(())
}

async fn site_admin(settings: &Settings, email: &str, admin: bool) -> Result<(), String> {
    let (connection, _) = db::connect(settings).await.map_err(|err| err.to_string())?;
    db::migrate(&connection)
        .await
        .map_err(|err| err.to_string())?;
    if set_site_admin(connection.pool(), email, admin)
        .await
        .map_err(|err| err.to_string())?
    {
        println!(
            "{email} is {} a site admin",
            if admin { "now" } else { "no longer" }
        );
        Ok(())
    } else {
        Err(format!("no member has the e-mail address {email}"))
    }
}
