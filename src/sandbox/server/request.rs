//! What the sandbox reads from a request before executing it: the JSON body, the operation's
//! root fields, the tokens in its headers, and whether Railway would answer it without a token.

use axum::http::{HeaderMap, header};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GraphqlBody {
    pub query: String,
    #[serde(default)]
    pub variables: Option<Value>,
    #[serde(default)]
    pub operation_name: Option<String>,
}

/// What the sandbox needs to know about a request before executing it.
pub(super) struct OperationSummary {
    pub parsed: bool,
    pub root_fields: Vec<String>,
    pub is_mutation: bool,
}

pub(super) fn summarize(query: &str, operation_name: Option<&str>) -> OperationSummary {
    use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
    let unparsed = OperationSummary {
        parsed: false,
        root_fields: Vec::new(),
        is_mutation: false,
    };
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return unparsed;
    };
    let empty = OperationSummary {
        parsed: true,
        ..unparsed
    };
    let operation = match &document.operations {
        DocumentOperations::Single(operation) => Some(operation),
        DocumentOperations::Multiple(operations) => match operation_name {
            Some(name) => operations
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(_, op)| op),
            None => operations.values().next(),
        },
    };
    let Some(operation) = operation else {
        return empty;
    };
    OperationSummary {
        parsed: true,
        root_fields: operation
            .node
            .selection_set
            .node
            .items
            .iter()
            .filter_map(|item| match &item.node {
                Selection::Field(field) => Some(field.node.name.node.to_string()),
                _ => None,
            })
            .collect(),
        is_mutation: operation.node.ty == OperationType::Mutation,
    }
}

pub(super) fn bearer_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
        })
        .filter(|token| !token.is_empty())
}

/// `Project-Access-Token`, how Railway's CLI sends `RAILWAY_TOKEN`.
pub(super) fn project_access_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get("project-access-token")
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().to_string())
        .filter(|token| !token.is_empty())
}

/// Root fields Railway answers without a token (R45: `template`, read by `railway add`).
const PUBLIC_ROOT_FIELDS: &[&str] = &["template"];

pub(super) fn is_public(summary: &OperationSummary) -> bool {
    !summary.is_mutation
        && !summary.root_fields.is_empty()
        && summary
            .root_fields
            .iter()
            .all(|field| PUBLIC_ROOT_FIELDS.contains(&field.as_str()))
}
