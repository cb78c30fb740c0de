//! R51: a field bound to a variable the request did not provide is absent. async-graphql would
//! read such a variable as `null` (its `VariableDefinition::default_value()` gives `Null` for a
//! nullable variable without a default), which clears a setting. This rewrite removes, before
//! execution, every argument and input-object field bound to such a variable, then the
//! definitions left unused. It keeps only the operation that runs and the fragments it spreads.

use std::collections::BTreeSet;

use async_graphql::Variables;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql_value::Value;

use super::validate::used_variables;

/// Rewrites `document` for the operation that runs with `provided`; untouched when the
/// operation cannot be chosen (async-graphql then answers the error).
pub(crate) fn drop_unset(
    document: &mut ExecutableDocument,
    operation_name: Option<&str>,
    provided: &Variables,
) {
    if !keep_only(document, operation_name) {
        return;
    }
    let Some(operation) = the_operation(document) else {
        return;
    };
    let unset: BTreeSet<String> = operation
        .variable_definitions
        .iter()
        .filter(|d| d.node.default_value.is_none() && d.node.var_type.node.nullable)
        .map(|d| d.node.name.node.to_string())
        .filter(|name| !provided.contains_key(name.as_str()))
        .collect();
    if unset.is_empty() {
        return;
    }
    strip_set(&mut operation.selection_set.node, &unset);
    for fragment in document.fragments.values_mut() {
        strip_set(&mut fragment.node.selection_set.node, &unset);
    }
    let used = match document.operations.iter().next() {
        Some((_, operation)) => used_variables(document, &operation.node.selection_set.node),
        None => return,
    };
    if let Some(operation) = the_operation(document) {
        operation.variable_definitions.retain(|d| {
            let name = d.node.name.node.as_str();
            !unset.contains(name) || used.contains(name)
        });
    }
}

/// The one operation left by [`keep_only`].
fn the_operation(document: &mut ExecutableDocument) -> Option<&mut OperationDefinition> {
    match &mut document.operations {
        DocumentOperations::Single(operation) => Some(&mut operation.node),
        DocumentOperations::Multiple(operations) => operations
            .values_mut()
            .next()
            .map(|operation| &mut operation.node),
    }
}

/// Keeps the operation that runs (and the fragments it reaches); false when there is none.
fn keep_only(document: &mut ExecutableDocument, operation_name: Option<&str>) -> bool {
    let chosen = match std::mem::replace(
        &mut document.operations,
        DocumentOperations::Multiple(Default::default()),
    ) {
        DocumentOperations::Single(operation) => Some((None, operation)),
        DocumentOperations::Multiple(mut operations) => match operation_name {
            Some(name) => operations.remove_entry(name).map(|(n, op)| (Some(n), op)),
            None if operations.len() == 1 => {
                operations.into_iter().next().map(|(n, op)| (Some(n), op))
            }
            None => None,
        },
    };
    let Some((name, operation)) = chosen else {
        return false;
    };
    let reached = reachable_fragments(document, &operation.node.selection_set.node);
    document
        .fragments
        .retain(|name, _| reached.contains(name.as_str()));
    // async-graphql finds a named operation only in `Multiple`.
    document.operations = match name {
        Some(name) => DocumentOperations::Multiple([(name, operation)].into_iter().collect()),
        None => DocumentOperations::Single(operation),
    };
    true
}

fn reachable_fragments(document: &ExecutableDocument, set: &SelectionSet) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let mut pending = vec![set];
    while let Some(set) = pending.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => pending.push(&field.node.selection_set.node),
                Selection::InlineFragment(fragment) => {
                    pending.push(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if reached.insert(name.to_string())
                        && let Some(fragment) = document.fragments.get(name)
                    {
                        pending.push(&fragment.node.selection_set.node);
                    }
                }
            }
        }
    }
    reached
}

fn strip_set(set: &mut SelectionSet, unset: &BTreeSet<String>) {
    for item in &mut set.items {
        match &mut item.node {
            Selection::Field(field) => {
                field
                    .node
                    .arguments
                    .retain(|(_, value)| !is_unset(&value.node, unset));
                for (_, value) in &mut field.node.arguments {
                    strip_value(&mut value.node, unset);
                }
                strip_set(&mut field.node.selection_set.node, unset);
            }
            Selection::InlineFragment(fragment) => {
                strip_set(&mut fragment.node.selection_set.node, unset);
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

fn is_unset(value: &Value, unset: &BTreeSet<String>) -> bool {
    matches!(value, Value::Variable(name) if unset.contains(name.as_str()))
}

/// Input-object fields bound to an unset variable go; list items stay (graphql-js reads them
/// as `null`).
fn strip_value(value: &mut Value, unset: &BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            fields.retain(|_, field| !is_unset(field, unset));
            fields
                .values_mut()
                .for_each(|field| strip_value(field, unset));
        }
        Value::List(items) => items.iter_mut().for_each(|item| strip_value(item, unset)),
        _ => {}
    }
}
