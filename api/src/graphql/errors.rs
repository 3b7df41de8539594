//! The errors a client reads. async-graphql's own validation and coercion errors carry no code;
//! here each gets the one API.md names, input errors name their field, and a response carries at
//! most [`MAX_ERRORS`] errors, so a document of a thousand mistakes cannot make a megabyte answer.

use async_graphql::ServerError;

use crate::graphql::document::{field_path, request_error};

/// Errors a response carries; past this, one more error says how many were left out.
pub const MAX_ERRORS: usize = 20;

/// Codes every error and caps their number.
pub fn finish(errors: &mut Vec<ServerError>) {
    for error in errors.iter_mut() {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_some() {
            continue;
        }
        let (code, field) = classify(&error.message, !error.path.is_empty());
        extensions.set("code", code);
        if let Some(field) = field {
            extensions.set("field", field);
        }
    }
    if errors.len() > MAX_ERRORS {
        let left_out = errors.len() - MAX_ERRORS;
        let code = errors[MAX_ERRORS]
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code").cloned());
        errors.truncate(MAX_ERRORS);
        let mut more = request_error(
            format!("{left_out} more errors were left out; fix these first"),
            "BAD_USER_INPUT",
        );
        if let (Some(code), Some(extensions)) = (code, more.extensions.as_mut()) {
            extensions.set("code", code);
        }
        errors.push(more);
    }
}

/// The code of an async-graphql error, from its message (the only thing it carries): a value
/// that does not fit its argument is the user's input; a limit of the schema is a request limit;
/// anything else without a path is the document failing validation.
fn classify(message: &str, has_path: bool) -> (&'static str, Option<String>) {
    if let Some(rest) = message.strip_prefix("Invalid value for argument \"") {
        let path: Vec<&str> = rest
            .split('"')
            .next()
            .unwrap_or_default()
            .split('.')
            .filter(|segment| segment.parse::<usize>().is_err())
            .collect();
        return ("BAD_USER_INPUT", Some(field_path(&path)));
    }
    let limit = message == "Query is too complex."
        || message.starts_with("The number of directives")
        || message.starts_with("The recursion depth");
    if limit || has_path {
        ("BAD_USER_INPUT", None)
    } else {
        ("GRAPHQL_VALIDATION_FAILED", None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(error: &ServerError) -> Option<String> {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .map(ToString::to_string)
    }

    #[test]
    fn a_bad_argument_value_names_its_field() {
        let (code, field) = classify(
            "Invalid value for argument \"input.agenda.0.title\", expected type \"String\"",
            false,
        );
        assert_eq!(code, "BAD_USER_INPUT");
        assert_eq!(field.as_deref(), Some("agenda.title"));
        assert_eq!(
            classify("Unknown field \"x\" on type \"Query\".", false).0,
            "GRAPHQL_VALIDATION_FAILED"
        );
    }

    #[test]
    fn a_thousand_errors_become_twenty_and_a_count() {
        let mut errors: Vec<ServerError> = (0..1000)
            .map(|i| ServerError::new(format!("Unknown directive \"@d{i}\"."), None))
            .collect();
        finish(&mut errors);
        assert_eq!(errors.len(), MAX_ERRORS + 1);
        assert!(errors[MAX_ERRORS].message.starts_with("980 more errors"));
        assert_eq!(
            code(&errors[MAX_ERRORS]).as_deref(),
            Some("\"GRAPHQL_VALIDATION_FAILED\"")
        );
    }
}
