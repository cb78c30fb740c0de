//! Compares a subset schema with the upstream schema, definition by definition; it never loads or edits schemas.

use apollo_compiler::Node;
use apollo_compiler::Schema;
use apollo_compiler::ast::{FieldDefinition, InputValueDefinition};
use apollo_compiler::schema::{Component, ExtendedType};
use apollo_compiler::{Name, collections::IndexMap};

/// Every way `subset` disagrees with `upstream`, one sentence each; empty means the subset conforms.
///
/// Types are compared in printed form (`[String!]!`), so nullability and list wrapping must match exactly.
/// An upstream input field that is required (non-null, no default) must also be present in the subset,
/// because an input object built from the subset would otherwise be rejected by the server.
pub fn schema_mismatches(subset: &Schema, upstream: &Schema) -> Vec<String> {
    let mut mismatches = Vec::new();
    for (name, subset_type) in &subset.types {
        if subset_type.is_built_in() {
            continue;
        }
        let Some(upstream_type) = upstream.types.get(name) else {
            mismatches.push(format!("type {name} does not exist upstream"));
            continue;
        };
        compare_type(name, subset_type, upstream_type, &mut mismatches);
    }
    mismatches
}

fn kind_name(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Scalar(_) => "scalar",
        ExtendedType::Object(_) => "object type",
        ExtendedType::Interface(_) => "interface",
        ExtendedType::Union(_) => "union",
        ExtendedType::Enum(_) => "enum",
        ExtendedType::InputObject(_) => "input object",
    }
}

fn compare_type(
    name: &Name,
    subset: &ExtendedType,
    upstream: &ExtendedType,
    mismatches: &mut Vec<String>,
) {
    match (subset, upstream) {
        (ExtendedType::Scalar(_), ExtendedType::Scalar(_)) => {}
        (ExtendedType::Object(ours), ExtendedType::Object(theirs)) => {
            compare_fields(name, &ours.fields, &theirs.fields, mismatches);
            compare_interfaces(
                name,
                &ours.implements_interfaces,
                &theirs.implements_interfaces,
                mismatches,
            );
        }
        (ExtendedType::Interface(ours), ExtendedType::Interface(theirs)) => {
            compare_fields(name, &ours.fields, &theirs.fields, mismatches);
            compare_interfaces(
                name,
                &ours.implements_interfaces,
                &theirs.implements_interfaces,
                mismatches,
            );
        }
        (ExtendedType::Union(ours), ExtendedType::Union(theirs)) => {
            for member in &ours.members {
                if !theirs.members.contains(member) {
                    mismatches.push(format!(
                        "union {name}: member {member} is not a member upstream"
                    ));
                }
            }
        }
        (ExtendedType::Enum(ours), ExtendedType::Enum(theirs)) => {
            for value in ours.values.keys() {
                if !theirs.values.contains_key(value) {
                    mismatches.push(format!(
                        "enum {name}: value {value} does not exist upstream"
                    ));
                }
            }
        }
        (ExtendedType::InputObject(ours), ExtendedType::InputObject(theirs)) => {
            for (field_name, field) in &ours.fields {
                match theirs.fields.get(field_name) {
                    None => mismatches.push(format!(
                        "input {name}: field {field_name} does not exist upstream"
                    )),
                    Some(upstream_field) => compare_input_value(
                        &format!("input {name}: field {field_name}"),
                        field,
                        upstream_field,
                        mismatches,
                    ),
                }
            }
            for (field_name, upstream_field) in &theirs.fields {
                if upstream_field.is_required() && !ours.fields.contains_key(field_name) {
                    mismatches.push(format!(
                        "input {name}: required upstream field {field_name}: {} is missing here",
                        upstream_field.ty
                    ));
                }
            }
        }
        _ => mismatches.push(format!(
            "type {name} is {} here but {} upstream",
            with_article(kind_name(subset)),
            with_article(kind_name(upstream))
        )),
    }
}

fn with_article(kind: &str) -> String {
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind}")
}

fn compare_interfaces(
    name: &Name,
    ours: &apollo_compiler::collections::IndexSet<apollo_compiler::schema::ComponentName>,
    theirs: &apollo_compiler::collections::IndexSet<apollo_compiler::schema::ComponentName>,
    mismatches: &mut Vec<String>,
) {
    for interface in ours {
        if !theirs.contains(interface) {
            mismatches.push(format!(
                "type {name}: does not implement {interface} upstream"
            ));
        }
    }
}

fn compare_fields(
    type_name: &Name,
    ours: &IndexMap<Name, Component<FieldDefinition>>,
    theirs: &IndexMap<Name, Component<FieldDefinition>>,
    mismatches: &mut Vec<String>,
) {
    for (field_name, field) in ours {
        let Some(upstream_field) = theirs.get(field_name) else {
            mismatches.push(format!(
                "type {type_name}: field {field_name} does not exist upstream"
            ));
            continue;
        };
        let place = format!("type {type_name}: field {field_name}");
        if field.ty.to_string() != upstream_field.ty.to_string() {
            mismatches.push(format!(
                "{place} is {} here but {} upstream",
                field.ty, upstream_field.ty
            ));
        }
        compare_arguments(
            &place,
            &field.arguments,
            &upstream_field.arguments,
            mismatches,
        );
    }
}

fn compare_arguments(
    place: &str,
    ours: &[Node<InputValueDefinition>],
    theirs: &[Node<InputValueDefinition>],
    mismatches: &mut Vec<String>,
) {
    for argument in ours {
        match theirs
            .iter()
            .find(|upstream| upstream.name == argument.name)
        {
            None => mismatches.push(format!(
                "{place}: argument {} does not exist upstream",
                argument.name
            )),
            Some(upstream_argument) => compare_input_value(
                &format!("{place}: argument {}", argument.name),
                argument,
                upstream_argument,
                mismatches,
            ),
        }
    }
}

fn compare_input_value(
    place: &str,
    ours: &InputValueDefinition,
    theirs: &InputValueDefinition,
    mismatches: &mut Vec<String>,
) {
    if ours.ty.to_string() != theirs.ty.to_string() {
        mismatches.push(format!(
            "{place} is {} here but {} upstream",
            ours.ty, theirs.ty
        ));
    }
    // A default declared here is a promise about server behaviour, so it must be upstream's default.
    if let Some(default) = &ours.default_value {
        let upstream_default = theirs.default_value.as_ref().map(|value| value.to_string());
        if upstream_default.as_deref() != Some(default.to_string().as_str()) {
            mismatches.push(format!(
                "{place} defaults to {default} here but to {} upstream",
                upstream_default.unwrap_or_else(|| "nothing".to_owned())
            ));
        }
    }
}
