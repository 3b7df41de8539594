//! Request limits that async-graphql does not enforce well by itself. Its validators walk a named
//! fragment once per spread, so a 600-byte document of fragments that each spread the next ten
//! times costs seconds before the depth and complexity limits are even compared, and they return
//! every error they find. [`document`] checks a document in one linear walk before validation;
//! [`GuardedSchema`] applies it to HTTP and WebSocket alike, remembers documents that passed, and
//! bounds execution time.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex},
};

use async_graphql::{
    Data, Request, Response, ServerError,
    parser::types::{DocumentOperations, ExecutableDocument, OperationType},
};
use futures_util::stream::BoxStream;

use crate::{
    config::Limits,
    graphql::{
        AppSchema,
        document::{self, request_error},
    },
    metrics::Metrics,
};

/// Documents with more fields than this are validated without suggestions: a person typing a
/// query makes a small document, and a thousand unknown fields each compared with every field of
/// their type would cost more than the answer.
const SUGGEST_UP_TO_FIELDS: usize = 100;

/// A schema built the first time it is needed.
type LazySchema = LazyLock<AppSchema, Box<dyn FnOnce() -> AppSchema + Send>>;

/// The schema behind the pre-check and the execution timeout.
#[derive(Clone)]
pub struct GuardedSchema {
    schema: AppSchema,
    /// The same schema without "Did you mean …?" suggestions, for large documents: built when
    /// the first one comes, since a schema's types take 0.8 MiB of heap and most servers never
    /// see such a document.
    terse: Arc<LazySchema>,
    limits: Arc<Limits>,
    introspection: bool,
    documents: Arc<DocumentCache>,
    metrics: Metrics,
}

/// Documents that passed [`GuardedSchema::precheck`], by text and operation name: a frontend sends the same few
/// documents over and over, and parsing one costs more than running its SQL. Only documents that
/// passed are kept, at most [`DocumentCache::CAPACITY`] of them.
#[derive(Default)]
struct DocumentCache {
    checked: Mutex<HashMap<(String, Option<String>), Checked>>,
}

#[derive(Clone)]
struct Checked {
    document: ExecutableDocument,
    plan: Plan,
}

/// How a request that passed the pre-check runs.
#[derive(Clone, Copy)]
pub struct Plan {
    /// The type of the operation that will run, when the document says which one.
    pub operation: Option<OperationType>,
    /// Too many fields for suggestions.
    large: bool,
}

impl DocumentCache {
    const CAPACITY: usize = 512;

    fn get(&self, key: &(String, Option<String>)) -> Option<Checked> {
        self.lock().get(key).cloned()
    }

    fn insert(&self, key: (String, Option<String>), checked: Checked) {
        let mut documents = self.lock();
        if documents.len() >= Self::CAPACITY {
            // A client sending ever new documents gains nothing from a cache: start over.
            documents.clear();
        }
        documents.insert(key, checked);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, Option<String>), Checked>> {
        // The map holds no invariant a panic elsewhere could break half-way.
        self.checked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl GuardedSchema {
    /// `introspection: false` refuses `__schema` and `__type` (production). `terse` builds the
    /// schema without suggestions.
    pub fn new(
        schema: AppSchema,
        terse: impl FnOnce() -> AppSchema + Send + 'static,
        limits: Limits,
        introspection: bool,
        metrics: Metrics,
    ) -> Self {
        Self {
            schema,
            terse: Arc::new(LazyLock::new(Box::new(terse))),
            limits: Arc::new(limits),
            introspection,
            documents: Arc::default(),
            metrics,
        }
    }

    /// Checks a request before async-graphql validates it: the document's text, its parse and
    /// its parts ([`document`]), remembering documents that pass so that one seen before is
    /// neither parsed nor walked again; then the variables, which change with every request.
    /// A request without a query is refused here too. Refusals count in the metrics.
    pub fn precheck(&self, request: &mut Request) -> Result<Plan, ServerError> {
        let checked = self.check(request);
        if let Err(error) = &checked {
            self.metrics.operation(
                request.operation_name.as_deref(),
                "unknown",
                error_code(Some(error)),
            );
        }
        checked
    }

    fn check(&self, request: &mut Request) -> Result<Plan, ServerError> {
        if request.query.trim().is_empty() {
            return Err(request_error("The request has no query", "BAD_USER_INPUT"));
        }
        let key = (request.query.clone(), request.operation_name.clone());
        let plan = match self.documents.get(&key) {
            Some(checked) => {
                request.set_parsed_query(checked.document);
                checked.plan
            }
            None => {
                document::scan(&request.query, &self.limits)?;
                let parsed = document::parse(&request.query)?;
                let checked = document::check(
                    &parsed,
                    request.operation_name.as_deref(),
                    &self.limits,
                    self.introspection,
                )?;
                let plan = Plan {
                    operation: checked.operation,
                    large: checked.fields > SUGGEST_UP_TO_FIELDS,
                };
                request.set_parsed_query(parsed.clone());
                self.documents.insert(
                    key,
                    Checked {
                        document: parsed,
                        plan,
                    },
                );
                plan
            }
        };
        document::check_variables(&request.variables)?;
        Ok(plan)
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The schema as SDL.
    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }

    fn schema_for(&self, plan: Plan) -> &AppSchema {
        if plan.large {
            &self.terse
        } else {
            &self.schema
        }
    }

    /// The results of a subscription that already passed [`GuardedSchema::precheck`].
    pub fn stream_checked(&self, mut request: Request, plan: Plan) -> BoxStream<'static, Response> {
        self.metrics.operation(
            operation_name(&mut request).as_deref(),
            kind_name(plan.operation),
            "started",
        );
        self.schema_for(plan)
            .execute_stream_with_session_data(request, Arc::new(Data::default()))
    }

    /// Runs a request that already passed [`GuardedSchema::precheck`].
    pub async fn execute_checked(&self, mut request: Request, plan: Plan) -> Response {
        let name = operation_name(&mut request);
        let execution = self.schema_for(plan).execute(request);
        let response = match tokio::time::timeout(self.limits.execution_timeout, execution).await {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![request_error(
                "The request took too long and was stopped",
                "INTERNAL",
            )]),
        };
        self.metrics.operation(
            name.as_deref(),
            kind_name(plan.operation),
            error_code(response.errors.first()),
        );
        response
    }
}

/// The name of the operation that runs: the one asked for, or the document's only one.
fn operation_name(request: &mut Request) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.clone());
    }
    // Parsed by the pre-check already: this reads it, it does not parse again.
    match &request.parsed_query().ok()?.operations {
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(ToString::to_string)
        }
        _ => None,
    }
}

fn kind_name(operation: Option<OperationType>) -> &'static str {
    match operation {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "unknown",
    }
}

/// `ok`, or the first error's `extensions.code` (a closed set: API.md's codes).
fn error_code(error: Option<&ServerError>) -> &'static str {
    let Some(error) = error else {
        return "ok";
    };
    let code = error
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("code"));
    match code {
        Some(async_graphql::Value::String(code)) => crate::error::known_code(code),
        _ => "GRAPHQL_VALIDATION_FAILED",
    }
}
