//! What a document may hold, checked before async-graphql validates it: a scan of the raw text
//! (tokens and nesting, so the parser never works on an absurd document), the parse with a
//! syntax error a person can read, and one walk over the parsed document that bounds every part
//! of it (directives wherever they stand, variables, fragments, aliases, operations), measures
//! its expanded size and depth, and gives introspection a budget of its own. Each check is linear
//! in the document: a named fragment is measured once however often it is spread.

use std::collections::HashMap;

use async_graphql::{
    Pos, Positioned, ServerError, Variables,
    parser::{
        self,
        types::{
            Directive, ExecutableDocument, OperationDefinition, OperationType, Selection,
            SelectionSet,
        },
    },
};
use async_graphql_value::{ConstValue, Name, Value};

use crate::config::Limits;

/// Root fields that guess or mint credentials: at most one of them per operation.
const SENSITIVE_FIELDS: [&str; 9] = [
    "login",
    "register",
    "refreshSession",
    "changePassword",
    "verifyEmail",
    "requestPasswordReset",
    "resetPassword",
    "changeEmail",
    "deleteAccount",
];

/// The introspection root fields. `__typename` is a leaf and costs nothing.
const INTROSPECTION_ROOTS: [&str; 2] = ["__schema", "__type"];

/// Introspection fields that return lists of types or fields. Nesting them multiplies the
/// answer (every type, its every field, that field's type's every field…), so at most
/// [`MAX_INTROSPECTION_LISTS`] of them may nest, as graphql-js's `MaxIntrospectionDepthRule`.
const INTROSPECTION_LISTS: [&str; 4] = ["fields", "interfaces", "possibleTypes", "inputFields"];
const MAX_INTROSPECTION_LISTS: usize = 2;

/// Introspection's own depth budget: the graphql-js query nests `ofType` nine levels, 15 in all.
const MAX_INTROSPECTION_DEPTH: usize = 20;

/// Introspection root fields per operation (tools ask for one).
const MAX_INTROSPECTION_ROOTS: usize = 3;

/// A refusal of the document or request, with one of the API's codes.
pub fn request_error(message: impl Into<String>, code: &'static str) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

fn limit_error(message: String, pos: Option<Pos>) -> ServerError {
    let mut error = request_error(message, "BAD_USER_INPUT");
    error.locations.extend(pos);
    error
}

/// Counts the document's tokens and its deepest nesting of `{ [ (` without parsing it, and
/// refuses it when either is over its limit. Strings and comments are skipped as the GraphQL
/// lexer skips them, so a brace in a string is not nesting.
pub fn scan(source: &str, limits: &Limits) -> Result<(), ServerError> {
    let bytes = source.as_bytes();
    let (mut index, mut tokens, mut nesting, mut deepest) = (0usize, 0usize, 0usize, 0usize);
    while index < bytes.len() {
        let byte = bytes[index];
        index += 1;
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => continue,
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
                continue;
            }
            b'"' if bytes[index..].starts_with(b"\"\"") => {
                index += 2;
                while index < bytes.len() && !bytes[index..].starts_with(b"\"\"\"") {
                    index += if bytes[index..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                index += 3;
            }
            b'"' => {
                while index < bytes.len() && !matches!(bytes[index], b'"' | b'\n') {
                    index += if bytes[index] == b'\\' { 2 } else { 1 };
                }
                index += 1;
            }
            b'{' | b'[' | b'(' => {
                nesting += 1;
                deepest = deepest.max(nesting);
            }
            b'}' | b']' | b')' => nesting = nesting.saturating_sub(1),
            b'.' if bytes[index..].starts_with(b"..") => index += 2,
            byte if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-') => {
                while index < bytes.len()
                    && (bytes[index].is_ascii_alphanumeric()
                        || matches!(bytes[index], b'_' | b'-' | b'+' | b'.'))
                {
                    index += 1;
                }
            }
            _ => {}
        }
        tokens += 1;
        if tokens > limits.max_tokens {
            return Err(limit_error(
                format!(
                    "The document has more than {} tokens; send a smaller one",
                    limits.max_tokens
                ),
                None,
            ));
        }
    }
    if deepest > limits.max_nesting {
        return Err(limit_error(
            format!(
                "The document nests more than {} levels of braces, brackets and parentheses",
                limits.max_nesting
            ),
            None,
        ));
    }
    Ok(())
}

/// Parses the document. A syntax error reads "Syntax error at line L, column C: expected …"
/// (`GRAPHQL_PARSE_FAILED`); a document that parses but names operations ambiguously is
/// `GRAPHQL_VALIDATION_FAILED`, as graphql-js's validation rules call it.
pub fn parse(source: &str) -> Result<ExecutableDocument, ServerError> {
    parser::parse_query(source).map_err(|error| {
        let pos = error.positions().next();
        let (message, code) = match &error {
            parser::Error::Syntax { message, start, .. } => {
                let expected = message
                    .lines()
                    .find_map(|line| line.trim().strip_prefix("= "))
                    .unwrap_or("unexpected input");
                (
                    format!(
                        "Syntax error at line {}, column {}: {expected}",
                        start.line, start.column
                    ),
                    "GRAPHQL_PARSE_FAILED",
                )
            }
            other => (other.to_string(), "GRAPHQL_VALIDATION_FAILED"),
        };
        let mut server_error = request_error(message, code);
        server_error.locations.extend(pos);
        server_error
    })
}

/// What [`check`] learnt about an accepted document.
pub struct Checked {
    /// The type of the operation that will run, when the document says which one.
    pub operation: Option<OperationType>,
    /// Fields of every operation, counting a fragment once per spread.
    pub fields: usize,
}

/// The measure of a selection set once its fragments are expanded.
#[derive(Clone, Copy, Default)]
struct Shape {
    /// Fields, counting a fragment once per spread.
    fields: usize,
    /// Deepest field nesting outside introspection.
    depth: usize,
    /// Deepest field nesting, introspection included.
    depth_all: usize,
    /// Most nested introspection list fields on one path.
    lists: usize,
    /// Deepest introspection subtree, from its root field.
    introspection_depth: usize,
    /// Most nested introspection list fields under an introspection root.
    introspection_lists: usize,
    /// Introspection root fields.
    introspection_roots: usize,
    /// Sensitive root fields (counted only where the set is the operation's own).
    sensitive: usize,
}

impl Shape {
    fn merge(self, other: Shape) -> Shape {
        Shape {
            fields: self.fields.saturating_add(other.fields),
            depth: self.depth.max(other.depth),
            depth_all: self.depth_all.max(other.depth_all),
            lists: self.lists.max(other.lists),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
            introspection_lists: self.introspection_lists.max(other.introspection_lists),
            introspection_roots: self
                .introspection_roots
                .saturating_add(other.introspection_roots),
            sensitive: self.sensitive.saturating_add(other.sensitive),
        }
    }
}

/// Walks a document once, counting its parts and measuring its selection sets.
struct Walk<'a> {
    document: &'a ExecutableDocument,
    limits: &'a Limits,
    /// Fragment shapes by name and by whether they were spread at an operation's root.
    shapes: HashMap<(&'a str, bool), Shape>,
    visiting: Vec<&'a str>,
    aliases: usize,
    directives: usize,
}

impl<'a> Walk<'a> {
    fn directives(
        &mut self,
        directives: &'a [Positioned<Directive>],
        place: &str,
        pos: Pos,
    ) -> Result<(), ServerError> {
        if directives.len() > self.limits.max_directives {
            return Err(limit_error(
                format!(
                    "At most {} directives may stand on {place}",
                    self.limits.max_directives
                ),
                Some(pos),
            ));
        }
        self.directives += directives.len();
        if self.directives > self.limits.max_document_directives {
            return Err(limit_error(
                format!(
                    "A document may hold at most {} directives",
                    self.limits.max_document_directives
                ),
                Some(pos),
            ));
        }
        for directive in directives {
            check_arguments(&directive.node.arguments)?;
        }
        Ok(())
    }

    fn selection_set(&mut self, set: &'a SelectionSet, root: bool) -> Result<Shape, ServerError> {
        let mut shape = Shape::default();
        for item in &set.items {
            let item_shape = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if field.alias.is_some() {
                        self.aliases += 1;
                        if self.aliases > self.limits.max_aliases {
                            return Err(limit_error(
                                format!(
                                    "A document may hold at most {} aliases",
                                    self.limits.max_aliases
                                ),
                                Some(item.pos),
                            ));
                        }
                    }
                    self.directives(&field.directives, "a field", item.pos)?;
                    check_arguments(&field.arguments)?;
                    let name = field.name.node.as_str();
                    let child = self.selection_set(&field.selection_set.node, false)?;
                    let list = usize::from(INTROSPECTION_LISTS.contains(&name));
                    let mut own = Shape {
                        fields: child.fields.saturating_add(1),
                        depth: child.depth + 1,
                        depth_all: child.depth_all + 1,
                        lists: child.lists + list,
                        sensitive: usize::from(root && SENSITIVE_FIELDS.contains(&name)),
                        ..child
                    };
                    if INTROSPECTION_ROOTS.contains(&name) {
                        own.depth = 0;
                        own.introspection_depth = own.depth_all;
                        own.introspection_lists = child.lists;
                        own.introspection_roots = 1;
                    }
                    own
                }
                Selection::InlineFragment(fragment) => {
                    self.directives(&fragment.node.directives, "an inline fragment", item.pos)?;
                    self.selection_set(&fragment.node.selection_set.node, root)?
                }
                Selection::FragmentSpread(spread) => {
                    self.directives(&spread.node.directives, "a fragment spread", item.pos)?;
                    self.fragment(spread.node.fragment_name.node.as_str(), root)?
                }
            };
            shape = shape.merge(item_shape);
        }
        Ok(shape)
    }

    /// A named fragment's shape, measured once (twice when it is spread both at an operation's
    /// root, where its sensitive fields count, and below). A cycle measures nothing here and is
    /// refused by validation.
    fn fragment(&mut self, name: &'a str, root: bool) -> Result<Shape, ServerError> {
        if let Some(shape) = self.shapes.get(&(name, root)) {
            return Ok(*shape);
        }
        if self.visiting.contains(&name) {
            return Ok(Shape::default());
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return Ok(Shape::default());
        };
        self.visiting.push(name);
        let shape = self.selection_set(&fragment.node.selection_set.node, root);
        self.visiting.pop();
        let shape = shape?;
        self.shapes.insert((name, root), shape);
        Ok(shape)
    }

    fn operation(
        &mut self,
        operation: &'a Positioned<OperationDefinition>,
    ) -> Result<Shape, ServerError> {
        let node = &operation.node;
        self.directives(&node.directives, "an operation", operation.pos)?;
        if node.variable_definitions.len() > self.limits.max_variables {
            return Err(limit_error(
                format!(
                    "An operation may define at most {} variables",
                    self.limits.max_variables
                ),
                Some(operation.pos),
            ));
        }
        for variable in &node.variable_definitions {
            self.directives(&variable.node.directives, "a variable", variable.pos)?;
            if let Some(default) = &variable.node.default_value {
                check_const(&default.node, &mut vec![variable.node.name.node.as_str()])?;
            }
        }
        self.selection_set(&node.selection_set.node, true)
    }
}

/// Bounds every part of the document, measures each operation, and refuses the document when
/// it is over a limit, holds a control character in a string, asks for introspection where it
/// is off, or asks more than one sensitive auth field in an operation.
pub fn check(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    limits: &Limits,
    introspection: bool,
) -> Result<Checked, ServerError> {
    let operations: Vec<_> = document.operations.iter().collect();
    if operations.len() > limits.max_operations {
        return Err(limit_error(
            format!(
                "A document may hold at most {} operations",
                limits.max_operations
            ),
            None,
        ));
    }
    if document.fragments.len() > limits.max_fragments {
        return Err(limit_error(
            format!(
                "A document may hold at most {} fragment definitions",
                limits.max_fragments
            ),
            None,
        ));
    }
    let mut walk = Walk {
        document,
        limits,
        shapes: HashMap::new(),
        visiting: Vec::new(),
        aliases: 0,
        directives: 0,
    };
    for fragment in document.fragments.values() {
        walk.directives(
            &fragment.node.directives,
            "a fragment definition",
            fragment.pos,
        )?;
    }
    let mut expanded = 0usize;
    let mut selected = None;
    for (name, operation) in &operations {
        let shape = walk.operation(operation)?;
        expanded = expanded.saturating_add(shape.fields);
        if expanded > limits.max_expanded_fields {
            return Err(limit_error(
                format!(
                    "The query expands to more than {} fields; ask for less at once",
                    limits.max_expanded_fields
                ),
                Some(operation.pos),
            ));
        }
        if shape.depth > limits.max_depth {
            return Err(limit_error(
                format!("The query nests deeper than {} fields", limits.max_depth),
                Some(operation.pos),
            ));
        }
        if shape.introspection_roots > 0 && !introspection {
            let mut error = request_error(
                "Introspection is disabled on this server",
                "GRAPHQL_VALIDATION_FAILED",
            );
            error.locations.push(operation.pos);
            return Err(error);
        }
        if shape.introspection_roots > MAX_INTROSPECTION_ROOTS
            || shape.introspection_depth > MAX_INTROSPECTION_DEPTH
            || shape.introspection_lists > MAX_INTROSPECTION_LISTS
        {
            return Err(limit_error(
                format!(
                    "Introspection may ask at most {MAX_INTROSPECTION_ROOTS} root fields, \
                     {MAX_INTROSPECTION_DEPTH} levels deep, with at most \
                     {MAX_INTROSPECTION_LISTS} nested lists of fields or types"
                ),
                Some(operation.pos),
            ));
        }
        let chosen = match (name, operation_name) {
            (Some(name), Some(wanted)) => name.as_str() == wanted,
            (_, None) => operations.len() == 1,
            (None, Some(_)) => false,
        };
        if chosen {
            if shape.sensitive > 1 {
                return Err(limit_error(
                    "Only one sign-in or registration field may be asked per request".into(),
                    Some(operation.pos),
                ));
            }
            selected = Some(operation.node.ty);
        }
    }
    Ok(Checked {
        operation: selected,
        fields: expanded,
    })
}

/// Refuses a control character in any string of the request's variables.
pub fn check_variables(variables: &Variables) -> Result<(), ServerError> {
    for (name, value) in variables.iter() {
        check_const(value, &mut vec![name.as_str()])?;
    }
    Ok(())
}

fn check_arguments(arguments: &[(Positioned<Name>, Positioned<Value>)]) -> Result<(), ServerError> {
    for (name, value) in arguments {
        // Variables stand as null here; their values are checked per request (`check_variables`).
        let literal = value
            .node
            .clone()
            .into_const_with(|_| Ok::<_, std::convert::Infallible>(ConstValue::Null))
            .unwrap_or_else(|never| match never {});
        check_const(&literal, &mut vec![name.node.as_str()])?;
    }
    Ok(())
}

fn check_const<'v>(value: &'v ConstValue, path: &mut Vec<&'v str>) -> Result<(), ServerError> {
    match value {
        ConstValue::String(text) => check_text(text, path),
        ConstValue::List(items) => items.iter().try_for_each(|item| check_const(item, path)),
        ConstValue::Object(fields) => fields.iter().try_for_each(|(key, item)| {
            path.push(key.as_str());
            let result = check_const(item, path);
            path.pop();
            result
        }),
        _ => Ok(()),
    }
}

/// Text may hold tabs and line breaks (`\n`, or `\r\n` as some systems send it), no other
/// control character: PostgreSQL refuses NUL outright, and the rest only hide text from readers.
fn check_text(text: &str, path: &[&str]) -> Result<(), ServerError> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = match c {
            '\t' | '\n' => true,
            '\r' => chars.peek() == Some(&'\n'),
            c => !c.is_control(),
        };
        if !allowed {
            let mut error = request_error(
                "Text may not contain control characters other than tab and line breaks",
                "BAD_USER_INPUT",
            );
            let field = field_path(path);
            if let Some(extensions) = error.extensions.as_mut() {
                extensions.set("field", field);
            }
            return Err(error);
        }
    }
    Ok(())
}

/// The field as the API's errors name it: dotted, relative to an `input` argument.
pub fn field_path(path: &[&str]) -> String {
    let path = match path.split_first() {
        Some((&"input", rest)) if !rest.is_empty() => rest,
        _ => path,
    };
    path.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(source: &str) -> Result<Checked, ServerError> {
        let limits = Limits::default();
        scan(source, &limits)?;
        let document = parse(source)?;
        check(&document, None, &limits, true)
    }

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
        let error = checked(&fan_out_document(8, 10)).err();
        assert!(error.is_some_and(|e| e.message.contains("expands")));
    }

    #[test]
    fn an_ordinary_query_passes_and_reports_its_type() {
        let ty = checked("mutation { logout(refreshToken: \"x\") }")
            .ok()
            .and_then(|checked| checked.operation);
        assert_eq!(ty, Some(OperationType::Mutation));
    }

    #[test]
    fn two_logins_in_one_operation_are_refused() {
        let result = checked(
            "mutation { a: login(input: {email: \"a@b.no\", password: \"x\"}) { accessToken } \
             ...L } fragment L on Mutation { b: login(input: {email: \"a@b.no\", password: \"y\"}) { accessToken } }",
        );
        assert!(result.is_err_and(|e| e.message.contains("Only one")));
    }

    #[test]
    fn tokens_in_strings_and_comments_are_not_nesting() {
        let limits = Limits {
            max_nesting: 2,
            ..Limits::default()
        };
        assert!(scan("{ a(b: \"{{{{[[[[\") # {{{{\n }", &limits).is_ok());
        assert!(scan("{ a { b { c } } }", &limits).is_err());
    }

    #[test]
    fn directives_are_counted_wherever_they_stand() {
        let five = "@a @a @a @a @a";
        for document in [
            format!("query {five} {{ me {{ id }} }}"),
            format!("{{ ... {five} {{ me {{ id }} }} }}"),
            format!("{{ ...F {five} }} fragment F on Query {{ me {{ id }} }}"),
            format!("{{ ...F }} fragment F on Query {five} {{ me {{ id }} }}"),
            format!("query($x: Int {five}) {{ me {{ id }} }}"),
        ] {
            let error = checked(&document).err();
            assert!(
                error.is_some_and(|e| e.message.contains("directives")),
                "{document}"
            );
        }
    }

    #[test]
    fn a_syntax_error_names_its_line_column_and_what_was_expected() {
        let error = parse("{\n  me {").err();
        let message = error.map(|e| e.message).unwrap_or_default();
        assert!(
            message.starts_with("Syntax error at line 2, column 7: expected"),
            "{message}"
        );
    }

    #[test]
    fn introspection_nesting_lists_of_fields_three_deep_is_refused() {
        let deep =
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
        assert!(checked(deep).is_err());
        let fine = "{ __schema { types { fields { type { fields { name } } } } } }";
        assert!(checked(fine).is_ok());
    }

    #[test]
    fn control_characters_are_refused_naming_the_field() {
        let error =
            checked("mutation { register(input: {displayName: \"a\\u0000b\"}) { accessToken } }")
                .err();
        let field = error
            .and_then(|e| e.extensions)
            .and_then(|extensions| extensions.get("field").cloned());
        assert_eq!(field, Some(ConstValue::from("displayName")));
        assert!(check_text("line one\r\nline two\tend", &[]).is_ok());
        assert!(check_text("bell\u{7}", &[]).is_err());
        assert!(check_text("lone\rreturn", &[]).is_err());
    }
}
