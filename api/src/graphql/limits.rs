//! Request limits that async-graphql does not enforce well by itself. Its validators walk a named
//! fragment once per spread, so a 600-byte document of fragments that each spread the next ten
//! times costs seconds before the depth and complexity limits are even compared. We parse once
//! and count the expanded size with memoisation (linear in the document), refuse documents over
//! the budget, refuse more than one sensitive auth field per operation (aliases must not
//! multiply password guesses), and bound execution time. [`GuardedSchema`] applies this to HTTP
//! and WebSocket alike.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_graphql::{
    Data, Executor, Request, Response, ServerError,
    parser::types::{
        DocumentOperations, ExecutableDocument, FragmentDefinition, OperationType, Selection,
        SelectionSet,
    },
};
use futures_util::{StreamExt, stream::BoxStream};

use crate::{config::Limits, graphql::AppSchema};

/// Root fields that guess or mint credentials: at most one of them per operation.
const SENSITIVE_FIELDS: [&str; 4] = ["login", "register", "refreshSession", "changePassword"];

/// A request-level error with one of our codes.
pub fn request_error(message: impl Into<String>, code: &'static str) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

/// Parses the document (async-graphql reuses the parse) and applies the cheap checks. Returns
/// the type of the operation that will run, when it can be told.
pub fn precheck(
    request: &mut Request,
    limits: &Limits,
) -> Result<Option<OperationType>, ServerError> {
    let operation_name = request.operation_name.clone();
    let document = request.parsed_query()?;
    let mut sizes = HashMap::new();
    let mut expanded = 0usize;
    for (_, operation) in document.operations.iter() {
        let size = selection_size(
            document,
            &operation.node.selection_set.node,
            &mut sizes,
            &mut Vec::new(),
        );
        expanded = expanded.saturating_add(size);
    }
    if expanded > limits.max_expanded_fields {
        return Err(request_error(
            format!(
                "The query expands to more than {} fields; ask for less at once",
                limits.max_expanded_fields
            ),
            "BAD_USER_INPUT",
        ));
    }
    let selected = match (&document.operations, operation_name.as_deref()) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    if let Some(operation) = selected {
        let sensitive = sensitive_fields(document, &operation.selection_set.node, &mut Vec::new());
        if sensitive > 1 {
            return Err(request_error(
                "Only one sign-in or registration field may be asked per request",
                "BAD_USER_INPUT",
            ));
        }
    }
    Ok(selected.map(|operation| operation.ty))
}

/// How many fields `set` stands for once every fragment is expanded. Fragment sizes are
/// memoised; a fragment cycle counts as nothing here and is refused by validation.
fn selection_size<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    sizes: &mut HashMap<&'a str, usize>,
    visiting: &mut Vec<&'a str>,
) -> usize {
    set.items.iter().fold(0usize, |total, item| {
        let size = match &item.node {
            Selection::Field(field) => 1usize.saturating_add(selection_size(
                document,
                &field.node.selection_set.node,
                sizes,
                visiting,
            )),
            Selection::InlineFragment(fragment) => {
                selection_size(document, &fragment.node.selection_set.node, sizes, visiting)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                fragment_size(document, name, sizes, visiting)
            }
        };
        total.saturating_add(size)
    })
}

fn fragment_size<'a>(
    document: &'a ExecutableDocument,
    name: &'a str,
    sizes: &mut HashMap<&'a str, usize>,
    visiting: &mut Vec<&'a str>,
) -> usize {
    if let Some(size) = sizes.get(name) {
        return *size;
    }
    if visiting.contains(&name) {
        return 0;
    }
    let Some(FragmentDefinition { selection_set, .. }) =
        document.fragments.get(name).map(|fragment| &fragment.node)
    else {
        return 0;
    };
    visiting.push(name);
    let size = selection_size(document, &selection_set.node, sizes, visiting);
    visiting.pop();
    sizes.insert(name, size);
    size
}

/// Sensitive root fields of an operation, through root-level fragments too.
fn sensitive_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    visiting: &mut Vec<&'a str>,
) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(SENSITIVE_FIELDS.contains(&field.node.name.node.as_str()))
            }
            Selection::InlineFragment(fragment) => {
                sensitive_fields(document, &fragment.node.selection_set.node, visiting)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match document.fragments.get(name) {
                    Some(fragment) if !visiting.contains(&name) => {
                        visiting.push(name);
                        let count =
                            sensitive_fields(document, &fragment.node.selection_set.node, visiting);
                        visiting.pop();
                        count
                    }
                    _ => 0,
                }
            }
        })
        .sum()
}

/// The schema behind the pre-check and the execution timeout.
#[derive(Clone)]
pub struct GuardedSchema {
    schema: AppSchema,
    limits: Arc<Limits>,
    documents: Arc<DocumentCache>,
}

/// Documents that passed [`precheck`], by text and operation name: a frontend sends the same few
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
    pub fn new(schema: AppSchema, limits: Limits) -> Self {
        Self {
            schema,
            limits: Arc::new(limits),
            documents: Arc::default(),
        }
    }

    /// [`precheck`], remembering documents that pass: a document seen before is neither parsed
    /// nor walked again.
    pub fn precheck(&self, request: &mut Request) -> Result<Option<OperationType>, ServerError> {
        let key = (request.query.clone(), request.operation_name.clone());
        if let Some(checked) = self.documents.get(&key) {
            request.set_parsed_query(checked.document);
            return Ok(checked.operation);
        }
        let operation = precheck(request, &self.limits)?;
        if let Ok(document) = request.parsed_query() {
            let document = document.clone();
            self.documents.insert(
                key,
                Checked {
                    document,
                    operation,
                },
            );
        }
        Ok(operation)
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The schema as SDL.
    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }

    /// Runs a request that already passed [`precheck`].
    pub async fn execute_checked(&self, request: Request) -> Response {
        match tokio::time::timeout(self.limits.execution_timeout, self.schema.execute(request))
            .await
        {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![request_error(
                "The request took too long and was stopped",
                "INTERNAL",
            )]),
        }
    }
}

impl Executor for GuardedSchema {
    async fn execute(&self, mut request: Request) -> Response {
        if let Err(error) = self.precheck(&mut request) {
            return Response::from_errors(vec![error]);
        }
        self.execute_checked(request).await
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        if let Err(error) = self.precheck(&mut request) {
            return futures_util::stream::once(async move { Response::from_errors(vec![error]) })
                .boxed();
        }
        self.schema
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fan_out_document(levels: usize, width: usize) -> String {
        let mut document = String::from("query { ...F0 }\n");
        for level in 0..levels {
            let spreads = vec![format!("...F{}", level + 1); width].join(" ");
            document.push_str(&format!("fragment F{level} on Query {{ {spreads} }}\n"));
        }
        document.push_str(&format!("fragment F{levels} on Query {{ me {{ id }} }}\n"));
        document
    }

    #[test]
    fn a_fragment_fan_out_is_refused_before_validation() {
        let mut request = Request::new(fan_out_document(8, 10));
        let error = precheck(&mut request, &Limits::default()).err();
        assert!(error.is_some_and(|e| e.message.contains("expands")));
    }

    #[test]
    fn an_ordinary_query_passes_and_reports_its_type() {
        let mut request = Request::new("mutation { logout(refreshToken: \"x\") }");
        let ty = precheck(&mut request, &Limits::default()).ok().flatten();
        assert_eq!(ty, Some(OperationType::Mutation));
    }

    #[test]
    fn two_logins_in_one_operation_are_refused() {
        let mut request = Request::new(
            "mutation { a: login(input: {email: \"a@b.no\", password: \"x\"}) { accessToken } \
             b: login(input: {email: \"a@b.no\", password: \"y\"}) { accessToken } }",
        );
        assert!(precheck(&mut request, &Limits::default()).is_err());
    }
}
