use super::*;

fn index() -> SchemaIndex {
    SchemaIndex::from_sdl(&crate::sandbox::schema::sdl())
}

#[test]
fn an_unknown_field_in_a_variable_is_refused() {
    let variables =
        Variables::from_json(serde_json::json!({"input": {"name": "a", "teamId": "t"}}));
    let prepared = prepare(
        &index(),
        "mutation Create($input: ProjectCreateInput!) { projectCreate(input: $input) { id } }",
        None,
        &variables,
    );
    let Prepared::Refused(errors) = prepared else {
        panic!("not refused");
    };
    assert!(
        errors[0].message.contains("teamId"),
        "{}",
        errors[0].message
    );
}

use async_graphql::parser::types::{
    BaseType, ServiceDocument, Type, TypeKind, TypeSystemDefinition,
};
use serde_json::{Value as Json, json};

fn kind<'a>(sdl: &'a ServiceDocument, name: &str) -> Option<&'a TypeKind> {
    sdl.definitions
        .iter()
        .find_map(|definition| match definition {
            TypeSystemDefinition::Type(ty) if ty.node.name.node == name => Some(&ty.node.kind),
            _ => None,
        })
}

/// A value of `ty` with only its required input fields filled.
fn placeholder(sdl: &ServiceDocument, ty: &Type) -> Json {
    let BaseType::Named(name) = &ty.base else {
        return json!([]);
    };
    match (name.as_str(), kind(sdl, name)) {
        ("Int", _) => json!(1),
        ("Float", _) => json!(1.5),
        ("Boolean", _) => json!(true),
        (_, Some(TypeKind::Enum(e))) => json!(e.values[0].node.value.node.to_string()),
        (_, Some(TypeKind::InputObject(input))) => input
            .fields
            .iter()
            .filter(|f| !f.node.ty.node.nullable && f.node.default_value.is_none())
            .map(|f| {
                (
                    f.node.name.node.to_string(),
                    placeholder(sdl, &f.node.ty.node),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
        _ => json!("x"),
    }
}

fn is_input_object(sdl: &ServiceDocument, ty: &Type) -> bool {
    matches!(&ty.base, BaseType::Named(name) if matches!(kind(sdl, name), Some(TypeKind::InputObject(_))))
}

/// `mutation Op(...) { m(arg: {field: $arg__field, ...}, other: $other) ... }` binding every
/// argument and input field to a variable; the variables given are the required ones only.
fn every_optional_variable_unset(
    sdl: &ServiceDocument,
    mutation: &async_graphql::parser::types::FieldDefinition,
) -> (String, Json) {
    let mut declared = Vec::new();
    let mut arguments = Vec::new();
    let mut given = serde_json::Map::new();
    let mut bind = |variable: String, ty: &Type, required: bool| {
        declared.push(format!("${variable}: {ty}"));
        if required {
            given.insert(variable.clone(), placeholder(sdl, ty));
        }
        format!("${variable}")
    };
    for argument in &mutation.arguments {
        let name = argument.node.name.node.as_str();
        let ty = &argument.node.ty.node;
        if let (true, BaseType::Named(type_name)) = (is_input_object(sdl, ty), &ty.base) {
            let Some(TypeKind::InputObject(input)) = kind(sdl, type_name) else {
                continue;
            };
            let fields: Vec<String> = input
                .fields
                .iter()
                .map(|f| {
                    let field = f.node.name.node.as_str();
                    let required = !f.node.ty.node.nullable && f.node.default_value.is_none();
                    let variable = bind(format!("{name}__{field}"), &f.node.ty.node, required);
                    format!("{field}: {variable}")
                })
                .collect();
            arguments.push(format!("{name}: {{{}}}", fields.join(", ")));
        } else {
            let required = !ty.nullable && argument.node.default_value.is_none();
            let variable = bind(name.to_string(), ty, required);
            arguments.push(format!("{name}: {variable}"));
        }
    }
    let returns = match &mutation.ty.node.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => index::named(inner).to_string(),
    };
    let selection = match kind(sdl, &returns) {
        Some(TypeKind::Object(_) | TypeKind::Interface(_) | TypeKind::Union(_)) => {
            " { __typename }"
        }
        _ => "",
    };
    let query = format!(
        "mutation Op({}) {{ {}({}){selection} }}",
        declared.join(", "),
        mutation.name.node,
        arguments.join(", ")
    );
    (query, Json::Object(given))
}

#[test]
fn on_every_input_object_mutation_an_unset_optional_variable_leaves_its_field_out() {
    let sdl_text = crate::sandbox::schema::sdl();
    let sdl = async_graphql::parser::parse_schema(&sdl_text).expect("sandbox SDL parses");
    let index = SchemaIndex::from_sdl(&sdl_text);
    let Some(TypeKind::Object(mutations)) = kind(&sdl, "Mutation") else {
        panic!("no Mutation type");
    };
    let mut checked = 0;
    for mutation in &mutations.fields {
        let mutation = &mutation.node;
        if !mutation
            .arguments
            .iter()
            .any(|a| is_input_object(&sdl, &a.node.ty.node))
        {
            continue;
        }
        let (query, given) = every_optional_variable_unset(&sdl, mutation);
        let variables = Variables::from_json(given.clone());
        let Prepared::Ready(document) = prepare(&index, &query, Some("Op"), &variables) else {
            panic!("{query} was refused with {given}");
        };
        let mut operations = document.operations.iter();
        let (Some((_, operation)), None) = (operations.next(), operations.next()) else {
            panic!("{query}: not reduced to one operation");
        };
        let used = validate::used_variables(&document, &operation.node.selection_set.node);
        let declared: Vec<&str> = operation
            .node
            .variable_definitions
            .iter()
            .map(|d| d.node.name.node.as_str())
            .collect();
        for variable in used.iter().map(String::as_str).chain(declared) {
            assert!(
                given.get(variable).is_some(),
                "{}: ${variable} is unset but still bound in {query}",
                mutation.name.node
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} input-object mutations");
    eprintln!("{checked} input-object mutations checked with every optional variable unset");
}
