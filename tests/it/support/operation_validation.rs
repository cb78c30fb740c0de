//! Validates executable GraphQL documents against a schema and words the failures; it never reads files.

use std::fmt;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

/// One operation document that a schema rejects, with every message the compiler gave.
#[derive(Debug)]
pub struct InvalidOperation {
    pub file_name: String,
    pub messages: String,
}

impl fmt::Display for InvalidOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "--- {} ---", self.file_name)?;
        write!(f, "{}", self.messages)
    }
}

/// Validates one whole document (operations, variables, arguments, fragments, selections) against `schema`.
pub fn validate_operation(
    schema: &Valid<Schema>,
    file_name: &str,
    source: &str,
) -> Result<(), InvalidOperation> {
    ExecutableDocument::parse_and_validate(schema, source, file_name)
        .map(|_| ())
        .map_err(|with_errors| InvalidOperation {
            file_name: file_name.to_owned(),
            messages: with_errors.errors.to_string(),
        })
}

/// Checks that a document holds exactly one operation and that it is named `expected_name`.
pub fn single_operation_named(source: &str, expected_name: &str) -> Result<(), String> {
    let document = apollo_compiler::ast::Document::parse(source, expected_name)
        .map_err(|with_errors| with_errors.errors.to_string())?;
    let names: Vec<String> = document
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            apollo_compiler::ast::Definition::OperationDefinition(operation) => Some(
                operation
                    .name
                    .as_ref()
                    .map(|name| name.to_string())
                    .unwrap_or_else(|| "<anonymous>".to_owned()),
            ),
            _ => None,
        })
        .collect();
    match names.as_slice() {
        [name] if name == expected_name => Ok(()),
        _ => Err(format!(
            "expected exactly one operation named {expected_name}, found {names:?}"
        )),
    }
}
