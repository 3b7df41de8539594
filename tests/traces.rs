//! Traces over OTLP: a server exporting to an OTLP/HTTP receiver that this test runs (protobuf
//! decoded with the OpenTelemetry project's own message types). A binary of its own, because
//! the exporter is installed process-wide: the other tests' servers must not export.
//!
//! A request sent with a proxy's `traceparent` becomes a span in that trace, its SQL statements
//! are its children, and the mail job it enqueued runs in a span of the same trace.

use std::collections::HashMap;

use fagruppe::{config::Settings, startup::Application, telemetry};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use serde_json::json;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::mpsc,
};

/// A span as the receiver got it.
#[derive(Debug)]
struct Received {
    name: String,
    trace_id: String,
    span_id: String,
    parent_span_id: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Accepts OTLP/HTTP trace exports on a free port and hands on every span.
async fn start_receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (spans, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let spans = spans.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                // One connection carries export after export (keep-alive).
                loop {
                    let mut length = 0;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if stream.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let export = ExportTraceServiceRequest::decode(body.as_slice())
                        .expect("an OTLP trace export");
                    for span in export
                        .resource_spans
                        .iter()
                        .flat_map(|resource| &resource.scope_spans)
                        .flat_map(|scope| &scope.spans)
                    {
                        let _ = spans.send(Received {
                            name: span.name.clone(),
                            trace_id: hex(&span.trace_id),
                            span_id: hex(&span.span_id),
                            parent_span_id: hex(&span.parent_span_id),
                        });
                    }
                    let answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n";
                    if stream.get_mut().write_all(answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{address}"), received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_its_statements_and_its_job_are_one_trace_continuing_the_proxys() {
    let (endpoint, mut received) = start_receiver().await;
    let exporter = telemetry::init(
        fagruppe::config::LogFormat::Pretty,
        Some(&endpoint),
        "fagruppe-test",
    );
    let data_dir = std::env::temp_dir().join(format!("fagruppe-traces-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data_dir).expect("data folder");
    let database = format!("sqlite://{}?mode=rwc", data_dir.join("test.db").display());
    let data = data_dir.display().to_string();
    let vars: HashMap<&str, &str> = HashMap::from([
        ("DATABASE_URL", database.as_str()),
        ("DATA_DIR", data.as_str()),
        ("LISTEN_ADDR", "127.0.0.1:0"),
        (
            "JWT_SECRET",
            "a-test-secret-that-is-long-enough-for-hs256-0123456789",
        ),
        ("PASSWORD_HASH_MEMORY_KIB", "1024"),
        ("PASSWORD_HASH_ITERATIONS", "1"),
        ("WORKERS", "1"),
        ("WORKERS_JOBS", "1"),
    ]);
    let settings = Settings::from_lookup(|name| vars.get(name).map(|value| (*value).to_owned()))
        .expect("settings");
    let app = Application::build(settings).await.expect("the server");
    let address = format!("http://127.0.0.1:{}", app.port());
    let mut outcomes = app.job_outcomes().subscribe();
    let server = tokio::spawn(app.run_until_stopped());

    // As a proxy would send it: trace 4bf9…, the proxy's own span 00f0….
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let proxy_span = "00f067aa0ba902b7";
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .header("traceparent", format!("00-{trace_id}-{proxy_span}-01"))
        .json(&json!({
            "query": "mutation($input: RegisterInput!) { register(input: $input) { email } }",
            "variables": { "input": {
                "email": "spor@example.no", "password": "a long enough password", "displayName": "Spor"
            } },
        }))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        answer["data"]["register"]["email"], "spor@example.no",
        "{answer}"
    );
    // The verification mail's job runs (and finishes) in its own span.
    // (Periodic jobs run too: wait for the mail's.)
    let mail = async {
        loop {
            let outcome = outcomes.recv().await.expect("an outcome");
            if outcome.kind == "verify-email" {
                return outcome;
            }
        }
    };
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(10), mail)
        .await
        .expect("the mail job ran");
    assert_eq!(outcome.state, entity::job::State::Done, "{outcome:?}");

    tokio::task::spawn_blocking(move || exporter.shutdown())
        .await
        .expect("the exporter flushed");
    let mut spans = Vec::new();
    while let Ok(span) = received.try_recv() {
        spans.push(span);
    }
    let in_trace: Vec<&Received> = spans
        .iter()
        .filter(|span| span.trace_id == trace_id)
        .collect();
    let request = in_trace
        .iter()
        .find(|span| span.name == "request")
        .unwrap_or_else(|| panic!("no request span in the proxy's trace: {spans:#?}"));
    assert_eq!(request.parent_span_id, proxy_span);
    let statements = in_trace
        .iter()
        .filter(|span| span.name.starts_with("sea_orm") && span.parent_span_id == request.span_id)
        .count();
    assert!(
        statements >= 1,
        "no SQL statement under the request: {in_trace:#?}"
    );
    let job = in_trace
        .iter()
        .find(|span| span.name == "job")
        .unwrap_or_else(|| panic!("the job's span is not in the request's trace: {spans:#?}"));
    assert!(
        in_trace
            .iter()
            .any(|span| span.name.starts_with("sea_orm") && span.parent_span_id == job.span_id),
        "the job's statements are its children"
    );
    server.abort();
    let _ = std::fs::remove_dir_all(data_dir);
}
