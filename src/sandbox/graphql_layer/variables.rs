//! graphql-js's coercion of the request's variables (R51): a required variable given, input
//! objects holding only fields their type defines and every required one. Reports only.

use async_graphql::parser::types::{BaseType, OperationDefinition, Type};
use async_graphql::{Name, Value, Variables};

use super::index::{SchemaIndex, named};
use super::validate::{Problem, unknown_field_sentence};

/// Every way the provided variables fail their declared types, in graphql-js's words (R51).
pub(crate) fn coerce_problems(
    operation: &OperationDefinition,
    variables: &Variables,
    index: &SchemaIndex,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for definition in &operation.variable_definitions {
        let name = definition.node.name.node.as_str();
        let ty = &definition.node.var_type.node;
        let pos = definition.pos;
        match variables.get(&Name::new(name)) {
            None if !ty.nullable && definition.node.default_value.is_none() => {
                problems.push(Problem {
                    message: format!(
                        "Variable \"${name}\" of required type \"{ty}\" was not provided."
                    ),
                    pos,
                });
            }
            None => {}
            Some(Value::Null) if !ty.nullable => problems.push(Problem {
                message: format!(
                    "Variable \"${name}\" of non-null type \"{ty}\" must not be null."
                ),
                pos,
            }),
            Some(value) => {
                let mut errors = Vec::new();
                check(value, ty, &mut Vec::new(), index, &mut errors);
                for (path, invalid, error) in errors {
                    let at = if path.is_empty() {
                        String::new()
                    } else {
                        format!(" at \"{name}{path}\"")
                    };
                    problems.push(Problem {
                        message: format!(
                            "Variable \"${name}\" got invalid value {}{at}; {error}",
                            inspect(invalid, 0)
                        ),
                        pos,
                    });
                }
            }
        }
    }
    problems
}

type Found<'v> = (String, &'v Value, String);

fn check<'v>(
    value: &'v Value,
    ty: &Type,
    path: &mut Vec<String>,
    index: &SchemaIndex,
    errors: &mut Vec<Found<'v>>,
) {
    match (value, &ty.base) {
        (Value::Null, _) if !ty.nullable => errors.push((
            path.concat(),
            value,
            format!("Expected non-nullable type \"{ty}\" not to be null."),
        )),
        (Value::List(items), BaseType::List(inner)) => {
            for (i, item) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                check(item, inner, path, index, errors);
                path.pop();
            }
        }
        (Value::Object(given), BaseType::Named(_)) => {
            let type_name = named(ty);
            let Some(fields) = index.input_fields(type_name) else {
                return;
            };
            for required in fields.iter().filter(|f| f.is_required()) {
                if !given.contains_key(required.name.as_str()) {
                    errors.push((
                        path.concat(),
                        value,
                        format!(
                            "Field \"{}\" of required type \"{}\" was not provided.",
                            required.name, required.ty
                        ),
                    ));
                }
            }
            for (field_name, field_value) in given {
                match fields.iter().find(|f| f.name == field_name.as_str()) {
                    Some(info) => {
                        path.push(format!(".{field_name}"));
                        check(field_value, &info.ty, path, index, errors);
                        path.pop();
                    }
                    None => errors.push((
                        path.concat(),
                        value,
                        unknown_field_sentence(field_name, type_name, fields),
                    )),
                }
            }
        }
        _ => {}
    }
}

/// A value as graphql-js's `inspect` prints it: `{ name: "x", teamId: "t" }`.
fn inspect(value: &Value, depth: usize) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::String(text) => serde_json::to_string(text).unwrap_or_default(),
        Value::Object(_) if depth > 2 => "[Object]".to_string(),
        Value::List(_) if depth > 2 => "[Array]".to_string(),
        Value::Object(fields) if fields.is_empty() => "{}".to_string(),
        Value::Object(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{k}: {}", inspect(v, depth + 1)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        Value::List(items) => {
            let inner: Vec<String> = items.iter().map(|v| inspect(v, depth + 1)).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Enum(name) => format!("\"{name}\""),
        other => other.to_string(),
    }
}
