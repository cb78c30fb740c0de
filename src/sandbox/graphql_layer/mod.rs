//! The sandbox's GraphQL layer in front of async-graphql, where it differs from graphql-js
//! (Railway's server): validation first, in graphql-js's wording, and unset variables left out
//! rather than read as `null` (R51). It prepares a document for execution; it never executes
//! one and knows nothing of Railway's resources.

mod index;
mod suggest;
mod unset;
mod validate;
mod variables;

use async_graphql::parser::types::DocumentOperations;
use async_graphql::{ErrorExtensionValues, ServerError, Variables};

pub(crate) use index::SchemaIndex;

/// What to do with a request's document.
pub(crate) enum Prepared {
    /// It does not parse: async-graphql answers the syntax error.
    Unparsed,
    /// Valid: execute this rewritten document.
    Ready(async_graphql::parser::types::ExecutableDocument),
    /// Refused before execution, nothing done.
    Refused(Vec<ServerError>),
}

/// Validates `query` against `index` and rewrites it for execution (R51).
pub(crate) fn prepare(
    index: &SchemaIndex,
    query: &str,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Prepared {
    let Ok(mut document) = async_graphql::parser::parse_query(query) else {
        return Prepared::Unparsed;
    };
    let problems = validate::validate(&document, index);
    if !problems.is_empty() {
        return Prepared::Refused(errors(problems, "GRAPHQL_VALIDATION_FAILED"));
    }
    let chosen = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    if let Some(operation) = chosen {
        // Guess: Apollo Server's code for variables that do not coerce.
        let problems = variables::coerce_problems(&operation.node, variables, index);
        if !problems.is_empty() {
            return Prepared::Refused(errors(problems, "BAD_USER_INPUT"));
        }
    }
    unset::drop_unset(&mut document, operation_name, variables);
    Prepared::Ready(document)
}

fn errors(problems: Vec<validate::Problem>, code: &str) -> Vec<ServerError> {
    problems
        .into_iter()
        .map(|problem| {
            let mut error = ServerError::new(problem.message, Some(problem.pos));
            let mut extensions = ErrorExtensionValues::default();
            extensions.set("code", code);
            error.extensions = Some(extensions);
            error
        })
        .collect()
}

#[cfg(test)]
mod tests;
