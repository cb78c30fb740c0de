//! Conformance of the sandbox schema with `graphql/railway.graphql`: every type, field, argument,
//! input field and enum value of the subset exists in the sandbox with an identical type.

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;

fn subset() -> Schema {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/graphql/railway.graphql");
    let text = std::fs::read_to_string(path).expect("graphql/railway.graphql is readable");
    Schema::parse(text, path).expect("railway.graphql parses")
}

fn sandbox() -> Schema {
    let sdl = railway_operator::sandbox::schema_sdl();
    match Schema::parse(sdl.clone(), "sandbox.graphql") {
        Ok(schema) => schema,
        Err(with_errors) => panic!("sandbox SDL does not parse: {}\n{sdl}", with_errors.errors),
    }
}

fn kind(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Scalar(_) => "scalar",
        ExtendedType::Object(_) => "type",
        ExtendedType::Interface(_) => "interface",
        ExtendedType::Union(_) => "union",
        ExtendedType::Enum(_) => "enum",
        ExtendedType::InputObject(_) => "input",
    }
}

/// Every difference between the subset and the sandbox, one line each.
fn differences() -> Vec<String> {
    let (subset, sandbox) = (subset(), sandbox());
    let mut problems = Vec::new();
    for (name, wanted) in &subset.types {
        if wanted.is_built_in() {
            continue;
        }
        let Some(actual) = sandbox.types.get(name) else {
            problems.push(format!("{} {name} is missing", kind(wanted)));
            continue;
        };
        if kind(wanted) != kind(actual) {
            problems.push(format!(
                "{name} is a {} instead of a {}",
                kind(actual),
                kind(wanted)
            ));
            continue;
        }
        match (wanted, actual) {
            (ExtendedType::Object(wanted), ExtendedType::Object(actual)) => {
                for (field_name, field) in &wanted.fields {
                    let Some(actual_field) = actual.fields.get(field_name) else {
                        problems.push(format!("field {name}.{field_name} is missing"));
                        continue;
                    };
                    if field.ty != actual_field.ty {
                        problems.push(format!(
                            "field {name}.{field_name} is {} instead of {}",
                            actual_field.ty, field.ty
                        ));
                    }
                    for argument in &field.arguments {
                        match actual_field
                            .arguments
                            .iter()
                            .find(|a| a.name == argument.name)
                        {
                            None => problems.push(format!(
                                "argument {name}.{field_name}({}) is missing",
                                argument.name
                            )),
                            Some(actual_argument) if actual_argument.ty != argument.ty => problems
                                .push(format!(
                                    "argument {name}.{field_name}({}) is {} instead of {}",
                                    argument.name, actual_argument.ty, argument.ty
                                )),
                            Some(_) => {}
                        }
                    }
                }
            }
            (ExtendedType::InputObject(wanted), ExtendedType::InputObject(actual)) => {
                for (field_name, field) in &wanted.fields {
                    match actual.fields.get(field_name) {
                        None => {
                            problems.push(format!("input field {name}.{field_name} is missing"))
                        }
                        Some(actual_field) if actual_field.ty != field.ty => {
                            problems.push(format!(
                                "input field {name}.{field_name} is {} instead of {}",
                                actual_field.ty, field.ty
                            ))
                        }
                        Some(actual_field)
                            if actual_field.default_value.as_ref().map(|v| v.to_string())
                                != field.default_value.as_ref().map(|v| v.to_string()) =>
                        {
                            problems.push(format!(
                                "input field {name}.{field_name} has another default"
                            ))
                        }
                        Some(_) => {}
                    }
                }
            }
            (ExtendedType::Enum(wanted), ExtendedType::Enum(actual)) => {
                for value in wanted.values.keys() {
                    if !actual.values.contains_key(value) {
                        problems.push(format!("enum value {name}.{value} is missing"));
                    }
                }
            }
            _ => {}
        }
    }
    problems
}

#[test]
fn the_sandbox_sdl_parses_as_a_graphql_schema() {
    let schema = sandbox();
    assert!(schema.types.contains_key("Query"));
    assert!(schema.types.contains_key("Mutation"));
}

#[test]
fn every_type_field_argument_input_field_and_enum_value_of_the_subset_exists_with_the_same_type() {
    let problems = differences();
    assert!(
        problems.is_empty(),
        "sandbox schema differs from railway.graphql:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_root_operation_types_are_named_query_and_mutation() {
    let schema = sandbox();
    let query = schema
        .schema_definition
        .query
        .as_ref()
        .map(|n| n.to_string());
    let mutation = schema
        .schema_definition
        .mutation
        .as_ref()
        .map(|n| n.to_string());
    assert_eq!(query.as_deref(), Some("Query"));
    assert_eq!(mutation.as_deref(), Some("Mutation"));
}
