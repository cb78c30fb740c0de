//! The validation rules Railway's GraphQL server (graphql-js) applies before executing, in its
//! wording (R51): fields on their types, known and required arguments, input-object literals
//! and unused variables. It reads a document and reports; it never rewrites one.

use std::collections::BTreeSet;

use async_graphql::Pos;
use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet, Type,
};
use async_graphql_value::Value;

use super::index::{InputInfo, SchemaIndex, TypeInfo, named};
use super::suggest::{did_you_mean, suggestion_list};

/// One validation error: graphql-js's message and where it points.
pub(crate) struct Problem {
    pub(crate) message: String,
    pub(crate) pos: Pos,
}

/// Every rule broken by `document`, in document order (R51).
pub(crate) fn validate(document: &ExecutableDocument, index: &SchemaIndex) -> Vec<Problem> {
    let mut problems = Vec::new();
    let checker = Checker { index };
    for (name, operation) in document.operations.iter() {
        let root = match operation.node.ty {
            OperationType::Query => "Query",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => "Subscription",
        };
        checker.selection_set(&operation.node.selection_set.node, root, &mut problems);
        unused_variables(
            document,
            name.map(|n| n.as_str()),
            &operation.node,
            &mut problems,
        );
    }
    for fragment in document.fragments.values() {
        let on = fragment.node.type_condition.node.on.node.as_str();
        checker.selection_set(&fragment.node.selection_set.node, on, &mut problems);
    }
    problems
}

/// R51: `Variable "$x" is never used in operation "Op".`
fn unused_variables(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    operation: &OperationDefinition,
    problems: &mut Vec<Problem>,
) {
    let used = used_variables(document, &operation.selection_set.node);
    for definition in &operation.variable_definitions {
        let variable = definition.node.name.node.as_str();
        if used.contains(variable) {
            continue;
        }
        let message = match operation_name {
            Some(op) => format!("Variable \"${variable}\" is never used in operation \"{op}\"."),
            None => format!("Variable \"${variable}\" is never used."),
        };
        problems.push(Problem {
            message,
            pos: definition.pos,
        });
    }
}

/// The variables a selection set refers to, through the fragments it spreads.
pub(crate) fn used_variables(
    document: &ExecutableDocument,
    set: &SelectionSet,
) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut seen_fragments = BTreeSet::new();
    collect_variables(document, set, &mut seen_fragments, &mut used);
    used
}

fn collect_variables(
    document: &ExecutableDocument,
    set: &SelectionSet,
    seen_fragments: &mut BTreeSet<String>,
    used: &mut BTreeSet<String>,
) {
    for item in &set.items {
        let (directives, inner) = match &item.node {
            Selection::Field(field) => {
                for (_, value) in &field.node.arguments {
                    value_variables(&value.node, used);
                }
                (&field.node.directives, Some(&field.node.selection_set.node))
            }
            Selection::InlineFragment(fragment) => (
                &fragment.node.directives,
                Some(&fragment.node.selection_set.node),
            ),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                if seen_fragments.insert(name.clone())
                    && let Some(fragment) = document.fragments.get(name.as_str())
                {
                    collect_variables(
                        document,
                        &fragment.node.selection_set.node,
                        seen_fragments,
                        used,
                    );
                }
                (&spread.node.directives, None)
            }
        };
        for directive in directives {
            for (_, value) in &directive.node.arguments {
                value_variables(&value.node, used);
            }
        }
        if let Some(inner) = inner {
            collect_variables(document, inner, seen_fragments, used);
        }
    }
}

fn value_variables(value: &Value, used: &mut BTreeSet<String>) {
    match value {
        Value::Variable(name) => {
            used.insert(name.to_string());
        }
        Value::List(items) => items.iter().for_each(|item| value_variables(item, used)),
        Value::Object(fields) => fields
            .values()
            .for_each(|field| value_variables(field, used)),
        _ => {}
    }
}

struct Checker<'a> {
    index: &'a SchemaIndex,
}

impl Checker<'_> {
    fn selection_set(&self, set: &SelectionSet, parent: &str, problems: &mut Vec<Problem>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if name.starts_with("__") {
                        continue;
                    }
                    let Some(child) =
                        self.field(parent, name, &field.node.arguments, item.pos, problems)
                    else {
                        continue;
                    };
                    self.selection_set(&field.node.selection_set.node, &child, problems);
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |condition| condition.node.on.node.as_str());
                    self.selection_set(&fragment.node.selection_set.node, on, problems);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }

    /// Checks one field and its arguments; the named type of its value, when it exists.
    fn field(
        &self,
        parent: &str,
        name: &str,
        arguments: &[(
            async_graphql::Positioned<async_graphql::Name>,
            async_graphql::Positioned<Value>,
        )],
        pos: Pos,
        problems: &mut Vec<Problem>,
    ) -> Option<String> {
        let fields = match self.index.get(parent)? {
            TypeInfo::Output(fields) => fields.as_slice(),
            TypeInfo::Union => &[],
            _ => return None,
        };
        let Some(definition) = self.index.field(parent, name) else {
            let suggestions = suggestion_list(name, fields.iter().map(|(n, _)| n.as_str()));
            problems.push(Problem {
                message: format!(
                    "Cannot query field \"{name}\" on type \"{parent}\".{}",
                    did_you_mean(&suggestions)
                ),
                pos,
            });
            return None;
        };
        for (argument, value) in arguments {
            let argument_name = argument.node.as_str();
            match definition.args.iter().find(|a| a.name == argument_name) {
                None => {
                    let known = definition.args.iter().map(|a| a.name.as_str());
                    problems.push(Problem {
                        message: format!(
                            "Unknown argument \"{argument_name}\" on field \"{parent}.{name}\".{}",
                            did_you_mean(&suggestion_list(argument_name, known))
                        ),
                        pos: argument.pos,
                    });
                }
                Some(info) => self.value(&value.node, &info.ty, value.pos, problems),
            }
        }
        for required in definition.args.iter().filter(|a| a.is_required()) {
            if !arguments
                .iter()
                .any(|(given, _)| given.node.as_str() == required.name)
            {
                problems.push(Problem {
                    message: format!(
                        "Field \"{name}\" argument \"{}\" of type \"{}\" is required, but it was not provided.",
                        required.name, required.ty
                    ),
                    pos,
                });
            }
        }
        Some(named(&definition.ty).to_string())
    }

    /// Input-object literals: every field defined by its type, every required field given.
    fn value(&self, value: &Value, ty: &Type, pos: Pos, problems: &mut Vec<Problem>) {
        match value {
            Value::Null if !ty.nullable => problems.push(Problem {
                message: format!("Expected value of type \"{ty}\", found null."),
                pos,
            }),
            Value::List(items) => {
                if let async_graphql::parser::types::BaseType::List(inner) = &ty.base {
                    items
                        .iter()
                        .for_each(|item| self.value(item, inner, pos, problems));
                }
            }
            Value::Object(given) => {
                let type_name = named(ty);
                let Some(fields) = self.index.input_fields(type_name) else {
                    return;
                };
                for (field_name, field_value) in given {
                    match fields.iter().find(|f| f.name == field_name.as_str()) {
                        Some(info) => self.value(field_value, &info.ty, pos, problems),
                        None => {
                            problems.push(unknown_input_field(field_name, type_name, fields, pos))
                        }
                    }
                }
                for required in fields.iter().filter(|f| f.is_required()) {
                    if !given.keys().any(|k| k.as_str() == required.name) {
                        problems.push(Problem {
                            message: format!(
                                "Field \"{type_name}.{}\" of required type \"{}\" was not provided.",
                                required.name, required.ty
                            ),
                            pos,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

/// R51: `Field "teamId" is not defined by type "ProjectCreateInput".` with suggestions.
fn unknown_input_field(field: &str, type_name: &str, fields: &[InputInfo], pos: Pos) -> Problem {
    let suggestions = suggestion_list(field, fields.iter().map(|f| f.name.as_str()));
    Problem {
        message: format!(
            "Field \"{field}\" is not defined by type \"{type_name}\".{}",
            did_you_mean(&suggestions)
        ),
        pos,
    }
}

/// The same sentence for a variable's value (used by the variable check).
pub(crate) fn unknown_field_sentence(field: &str, type_name: &str, fields: &[InputInfo]) -> String {
    unknown_input_field(field, type_name, fields, Pos::default()).message
}
