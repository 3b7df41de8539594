//! Request limits that async-graphql does not enforce well by itself. Its validators walk a named
//! fragment once per spread, so a 600-byte document of fragments that each spread the next ten
//! times costs seconds before the depth and complexity limits are even compared, and they return
//! every error they find. [`document`] checks a document in one linear walk before validation;
//! [`GuardedSchema`] applies it to HTTP and WebSocket alike, remembers documents that passed (and
//! the kinds of variables they passed async-graphql's validation with), and bounds execution time.

use std::{
    collections::{HashMap, HashSet},
    fmt::Write,
    sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError},
};

use async_graphql::{
    Data, Request, Response, ServerError, Variables,
    parser::types::{BaseType, DocumentOperations, ExecutableDocument, OperationType, Type},
};
use async_graphql_value::ConstValue;
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
    /// The same schema in async-graphql's fast validation mode, for a document that has passed
    /// validation before with variables of the same kinds ([`variable_kinds`]): it keeps the
    /// checks that depend on more than those kinds (fragment cycles, uploads, complexity) and
    /// leaves out the rules whose outcome cannot have changed. Built with the first such
    /// request.
    revalidating: Arc<LazySchema>,
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
    operation: Option<OperationType>,
    /// Too many fields for suggestions.
    large: bool,
    validated: Arc<Validated>,
}

/// The kinds of variables ([`variable_kinds`]) a document has passed async-graphql's validation
/// with, at most [`Validated::CAPACITY`] of them.
#[derive(Default)]
struct Validated {
    kinds: Mutex<HashSet<String>>,
}

impl Validated {
    const CAPACITY: usize = 64;

    fn contains(&self, kinds: &str) -> bool {
        self.lock().contains(kinds)
    }

    fn insert(&self, kinds: String) {
        let mut known = self.lock();
        if known.len() >= Self::CAPACITY {
            known.clear();
        }
        known.insert(kinds);
    }

    fn lock(&self) -> MutexGuard<'_, HashSet<String>> {
        // The set holds no invariant a panic elsewhere could break half-way.
        self.kinds.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How a request that passed the pre-check runs.
pub struct Plan {
    /// The type of the operation that will run, when the document says which one.
    pub operation: Option<OperationType>,
    /// Too many fields for suggestions.
    large: bool,
    validation: Validation,
}

/// Whether async-graphql validates the request in full.
enum Validation {
    /// The document passed with variables of these kinds before: its outcome is known.
    Known,
    /// In full; when it passes, the kinds (if they can be remembered) are added to the
    /// document's.
    Full(Option<(Arc<Validated>, String)>),
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

    fn lock(&self) -> MutexGuard<'_, HashMap<(String, Option<String>), Checked>> {
        // The map holds no invariant a panic elsewhere could break half-way.
        self.checked.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl GuardedSchema {
    /// `introspection: false` refuses `__schema` and `__type` (production). `terse` builds the
    /// schema without suggestions, `revalidating` the schema in fast validation mode.
    pub fn new(
        schema: AppSchema,
        terse: impl FnOnce() -> AppSchema + Send + 'static,
        revalidating: impl FnOnce() -> AppSchema + Send + 'static,
        limits: Limits,
        introspection: bool,
        metrics: Metrics,
    ) -> Self {
        Self {
            schema,
            terse: Arc::new(LazyLock::new(Box::new(terse))),
            revalidating: Arc::new(LazyLock::new(Box::new(revalidating))),
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
        let checked = match self.documents.get(&key) {
            Some(checked) => checked,
            None => {
                document::scan(&request.query, &self.limits)?;
                let parsed = document::parse(&request.query)?;
                let found = document::check(
                    &parsed,
                    request.operation_name.as_deref(),
                    &self.limits,
                    self.introspection,
                )?;
                let checked = Checked {
                    document: parsed,
                    operation: found.operation,
                    large: found.fields > SUGGEST_UP_TO_FIELDS,
                    validated: Arc::default(),
                };
                self.documents.insert(key, checked.clone());
                checked
            }
        };
        document::check_variables(&request.variables)?;
        let validation = match variable_kinds(
            &checked.document,
            request.operation_name.as_deref(),
            &request.variables,
        ) {
            Some(kinds) if checked.validated.contains(&kinds) => Validation::Known,
            kinds => Validation::Full(kinds.map(|kinds| (checked.validated, kinds))),
        };
        request.set_parsed_query(checked.document);
        Ok(Plan {
            operation: checked.operation,
            large: checked.large,
            validation,
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The schema as SDL.
    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }

    fn schema_for(&self, plan: &Plan) -> &AppSchema {
        match plan.validation {
            Validation::Known => &self.revalidating,
            Validation::Full(_) if plan.large => &self.terse,
            Validation::Full(_) => &self.schema,
        }
    }

    /// The results of a subscription that already passed [`GuardedSchema::precheck`].
    pub fn stream_checked(&self, mut request: Request, plan: Plan) -> BoxStream<'static, Response> {
        self.metrics.operation(
            operation_name(&mut request).as_deref(),
            kind_name(plan.operation),
            "started",
        );
        self.schema_for(&plan)
            .execute_stream_with_session_data(request, Arc::new(Data::default()))
    }

    /// Runs a request that already passed [`GuardedSchema::precheck`].
    pub async fn execute_checked(&self, mut request: Request, plan: Plan) -> Response {
        let name = operation_name(&mut request);
        let execution = self.schema_for(&plan).execute(request);
        let response = match tokio::time::timeout(self.limits.execution_timeout, execution).await {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![request_error(
                "The request took too long and was stopped",
                "INTERNAL",
            )]),
        };
        // Validation refuses a document with errors that name no path; an answer without such
        // an error passed it.
        if let Validation::Full(Some((validated, kinds))) = plan.validation
            && response.errors.iter().all(|error| !error.path.is_empty())
        {
            validated.insert(kinds);
        }
        self.metrics.operation(
            name.as_deref(),
            kind_name(plan.operation),
            error_code(response.errors.first()),
        );
        response
    }
}

/// Longest text of [`variable_kinds`] that is remembered: beyond it a request is validated in full.
const MAX_KINDS_TEXT: usize = 512;

/// The request's variables as async-graphql's validation sees them, as a text: two requests of
/// one document whose texts are equal pass or fail its validation alike.
///
/// Validation reads a variable's value in one place only: it checks the value against the type
/// of each argument it is given to (and counts `first` and the like towards the complexity). A
/// variable declared `ID`, `String` or `Boolean` can only be given to arguments of that type
/// (validation checks the positions), and whether a value is one of those depends on its kind
/// alone: a string, an integer, `true`… So those variables count by their kinds (of each item,
/// in a list), every other variable (numbers, enums, input objects, other scalars, variables
/// the operation does not declare) by its whole value, and a variable not sent at all as such.
/// `None` when the operation is unknown or the text would be longer than [`MAX_KINDS_TEXT`].
fn variable_kinds(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Option<String> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        _ => return None,
    };
    let definitions = &operation.node.variable_definitions;
    let mut text = String::new();
    for definition in definitions {
        let definition = &definition.node;
        text.push_str(&definition.name.node);
        match variables.get(&definition.name.node) {
            None => text.push('-'),
            Some(value) if counts_by_kind(&definition.var_type.node) => {
                text.push(':');
                push_kind(&mut text, value);
            }
            Some(value) => {
                let _ = write!(text, "={value}");
            }
        }
        text.push(';');
        if text.len() > MAX_KINDS_TEXT {
            return None;
        }
    }
    for (name, value) in variables.iter() {
        if !definitions
            .iter()
            .any(|definition| definition.node.name.node == *name)
        {
            let _ = write!(text, "{name}={value};");
        }
    }
    (text.len() <= MAX_KINDS_TEXT).then_some(text)
}

/// Whether a variable of this type is valid or not by the kinds of its values alone.
fn counts_by_kind(ty: &Type) -> bool {
    match &ty.base {
        BaseType::Named(name) => matches!(name.as_str(), "ID" | "String" | "Boolean"),
        BaseType::List(item) => counts_by_kind(item),
    }
}

/// The kind of a value, as far as `ID`, `String` and `Boolean` tell values apart (an `ID` may be
/// an integer that fits 64 bits, not any number).
fn push_kind(text: &mut String, value: &ConstValue) {
    match value {
        ConstValue::Null => text.push('n'),
        ConstValue::Boolean(_) => text.push('b'),
        ConstValue::String(_) => text.push('s'),
        ConstValue::Number(number) if number.is_i64() => text.push('i'),
        ConstValue::Number(_) => text.push('f'),
        ConstValue::Enum(_) => text.push('e'),
        ConstValue::Binary(_) => text.push('x'),
        ConstValue::Object(_) => text.push('o'),
        ConstValue::List(items) => {
            text.push('[');
            for item in items {
                push_kind(text, item);
            }
            text.push(']');
        }
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
