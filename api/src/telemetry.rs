//! Logs and traces. Every request runs inside a span that carries its request id, so each log
//! line of that request can be found from the id a client reports.
//!
//! With `OTEL_EXPORTER_OTLP_ENDPOINT` the same spans also go out as OpenTelemetry traces over
//! OTLP/HTTP (protobuf): one span per request (a child of the proxy's `traceparent` when it sends
//! one), a `load` span per batch of a loader (the resolvers' database reads), a span per SQL
//! statement (sea-orm's), and a `job` span per job attempt, a child of the request that enqueued
//! it. Logging (`RUST_LOG`) and tracing filter separately, so tracing costs nothing when off.

use std::collections::HashMap;

use opentelemetry::{global, trace::TracerProvider as _};
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, fmt, prelude::*};

use crate::config::LogFormat;

/// What the OpenTelemetry layer records: requests, loader batches, SQL statements, jobs.
const TRACE_FILTER: &str = "info,fagruppe::load=debug,sea_orm=info,sqlx=warn";

/// The exporter behind the traces; flushed by [`Telemetry::shutdown`].
#[must_use = "call shutdown() before the process ends, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans not sent yet and stops the exporter.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(err) = provider.shutdown()
        {
            tracing::warn!(%err, "traces: the exporter did not shut down cleanly");
        }
    }
}

/// Installs the global subscriber, writing logs to standard error (standard output stays clean
/// for `export-schema`), and with `otlp_endpoint` an OpenTelemetry exporter. `RUST_LOG` filters
/// the logs; the default is `info`.
pub fn init(format: LogFormat, otlp_endpoint: Option<&str>, service: &str) -> Telemetry {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let logs: Box<dyn Layer<Registry> + Send + Sync> = match format {
        LogFormat::Pretty => fmt::layer()
            .with_target(false)
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
    };
    let mut layers = vec![logs];
    let mut provider = None;
    if let Some(endpoint) = otlp_endpoint {
        match exporter(endpoint, service) {
            Ok(built) => {
                let tracer = built.tracer("fagruppe");
                layers.push(
                    tracing_opentelemetry::layer()
                        .with_tracer(tracer)
                        .with_filter(EnvFilter::new(TRACE_FILTER))
                        .boxed(),
                );
                global::set_text_map_propagator(TraceContextPropagator::new());
                provider = Some(built);
            }
            Err(err) => eprintln!("fagruppe: OTEL_EXPORTER_OTLP_ENDPOINT: {err}; no traces"),
        }
    }
    // A subscriber set earlier (a test harness) wins; that is not an error worth stopping for.
    drop(tracing_subscriber::registry().with(layers).try_init());
    Telemetry { provider }
}

fn exporter(endpoint: &str, service: &str) -> Result<SdkTracerProvider, String> {
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .build()
        .map_err(|err| err.to_string())?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(service.to_owned())
                .build(),
        )
        .build())
}

/// The current span's trace context as a W3C `traceparent`, when traces are exported (a job
/// keeps it, so its span continues the request's trace).
pub fn current_traceparent() -> Option<String> {
    let mut carrier = HashMap::new();
    global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&Span::current().context(), &mut carrier);
    });
    carrier.remove("traceparent")
}

/// Makes `span` continue the trace of a W3C `traceparent` (from a proxy, or a job's request).
pub fn continue_trace(span: &Span, traceparent: &str) {
    let carrier = HashMap::from([("traceparent".to_owned(), traceparent.to_owned())]);
    let parent = global::get_text_map_propagator(|propagator| propagator.extract(&carrier));
    // Fails only when the span is not recorded (traces off): nothing to continue then.
    let _ = span.set_parent(parent);
}
