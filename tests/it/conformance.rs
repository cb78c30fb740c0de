//! Conformance of graphql/ (subset SDL and operation files) against Railway's upstream schema; it never edits graphql/.
//!
//! The upstream introspection JSON is `../shared/railway-schema/schema.json` beside the crate, or
//! `$RAILWAY_UPSTREAM_SCHEMA`. Without it the upstream checks print a loud SKIPPED warning and pass.

use crate::support::local_graphql;
use crate::support::operation_validation;
use crate::support::schema_agreement;
use crate::support::upstream_schema;

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use local_graphql::{operation_files, subset_schema};
use operation_validation::{InvalidOperation, single_operation_named, validate_operation};
use schema_agreement::schema_mismatches;
use upstream_schema::upstream_schema;

fn invalid_operations(schema: &Valid<Schema>) -> Vec<InvalidOperation> {
    let files = operation_files();
    assert!(!files.is_empty(), "no operation files found under graphql/");
    files
        .iter()
        .filter_map(|file| {
            let file_name = file
                .path
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap_or(&file.path)
                .display()
                .to_string();
            validate_operation(schema, &file_name, &file.source).err()
        })
        .collect()
}

fn fail_listing(what: &str, problems: &[impl std::fmt::Display]) {
    if !problems.is_empty() {
        let listed: Vec<String> = problems.iter().map(|problem| problem.to_string()).collect();
        panic!("{} {what}:\n{}", problems.len(), listed.join("\n"));
    }
}

/// The schemas a negative check runs against: the subset always, upstream too when it is present.
fn reference_schemas() -> Vec<(&'static str, Valid<Schema>)> {
    let mut references = vec![("subset", subset_schema())];
    if let Some(upstream) = upstream_schema() {
        references.push(("upstream", upstream.clone()));
    }
    references
}

#[test]
fn every_operation_validates_against_the_upstream_schema() {
    let Some(upstream) = upstream_schema() else {
        return;
    };
    fail_listing(
        "operation file(s) are invalid against the upstream schema",
        &invalid_operations(upstream),
    );
}

#[test]
fn every_operation_validates_against_the_subset_schema() {
    fail_listing(
        "operation file(s) are invalid against graphql/railway.graphql",
        &invalid_operations(&subset_schema()),
    );
}

#[test]
fn every_operation_file_holds_one_operation_named_after_the_file() {
    let problems: Vec<String> = operation_files()
        .iter()
        .filter_map(|file| {
            single_operation_named(&file.source, &file.stem)
                .err()
                .map(|problem| format!("{}: {problem}", file.path.display()))
        })
        .collect();
    fail_listing("operation file(s) are misnamed", &problems);
}

#[test]
fn the_subset_schema_agrees_with_upstream() {
    let Some(upstream) = upstream_schema() else {
        return;
    };
    fail_listing(
        "disagreement(s) between graphql/railway.graphql and upstream",
        &schema_mismatches(&subset_schema(), upstream),
    );
}

const WRONG_SUBSET: &str = r#"
type Query { project(id: Int!): Project! }
type Project { id: Int name: String! inventedField: String }
type Variable { references: [String] }
type Environment { serviceInstances(after: Int, invented: String): EnvironmentServiceInstancesConnection! }
type EnvironmentServiceInstancesConnection { pageInfo: PageInfo! }
type PageInfo { hasNextPage: Boolean! }
type InventedType { id: ID! }
scalar Service
enum Builder { NIXPACKS MAKE_BELIEVE }
input VariableDeleteInput { environmentId: String name: String! projectId: String! invented: Int }
input RegistryCredentialsInput { username: String! }
input VariableUpsertInput { environmentId: String! projectId: String! value: String! skipDeploys: Boolean = true }
"#;

#[test]
fn wrong_subset_definitions_are_reported_as_mismatches() {
    let wrong = Schema::parse(WRONG_SUBSET, "wrong_subset.graphql").expect("snippet parses");
    let expected = [
        "type Query: field project: argument id is Int! here but String! upstream",
        "type Project: field id is Int here but ID! upstream",
        "type Project: field inventedField does not exist upstream",
        "type Variable: field references is [String] here but [String!]! upstream",
        "type Environment: field serviceInstances: argument after is Int here but String upstream",
        "type Environment: field serviceInstances: argument invented does not exist upstream",
        "type InventedType does not exist upstream",
        "type Service is a scalar here but an object type upstream",
        "enum Builder: value MAKE_BELIEVE does not exist upstream",
        "input VariableDeleteInput: field environmentId is String here but String! upstream",
        "input VariableDeleteInput: field invented does not exist upstream",
        "input RegistryCredentialsInput: required upstream field password: String! is missing here",
        "input VariableUpsertInput: required upstream field name: String! is missing here",
        "input VariableUpsertInput: field skipDeploys defaults to true here but to false upstream",
    ];
    for (reference_name, reference) in reference_schemas() {
        let mismatches = schema_mismatches(&wrong, &reference);
        for sentence in expected {
            assert!(
                mismatches.iter().any(|mismatch| mismatch == sentence),
                "against the {reference_name} schema, expected {sentence:?} among:\n{}",
                mismatches.join("\n")
            );
        }
        assert_eq!(
            mismatches.len(),
            expected.len(),
            "against the {reference_name} schema, unexpected extra mismatches:\n{}",
            mismatches.join("\n")
        );
    }
}

#[test]
fn operations_that_break_the_schema_are_rejected_with_the_file_name() {
    let broken_operations = [
        (
            "WrongArgumentType.graphql",
            "query WrongArgumentType($id: Int!) { project(id: $id) { id } }",
        ),
        (
            "UnknownField.graphql",
            r#"query UnknownField { project(id: "p") { inventedField } }"#,
        ),
        (
            "MissingArgument.graphql",
            "mutation MissingArgument { serviceDelete }",
        ),
        (
            "UndeclaredVariable.graphql",
            "query UndeclaredVariable { project(id: $projectId) { id } }",
        ),
        (
            "FragmentOnWrongType.graphql",
            r#"query FragmentOnWrongType { project(id: "p") { ...S } } fragment S on Service { id }"#,
        ),
        (
            "ScalarWithSelection.graphql",
            r#"query ScalarWithSelection { project(id: "p") { name { length } } }"#,
        ),
        (
            "InputFieldOfWrongType.graphql",
            r#"mutation InputFieldOfWrongType { variableDelete(input: { environmentId: 1, name: "A", projectId: "p" }) }"#,
        ),
    ];
    for (reference_name, reference) in reference_schemas() {
        for (file_name, source) in broken_operations {
            let rejection = validate_operation(&reference, file_name, source).expect_err(&format!(
                "{file_name} should be rejected by the {reference_name} schema"
            ));
            assert_eq!(rejection.file_name, file_name);
            assert!(!rejection.messages.is_empty());
        }
    }
}

#[test]
fn an_operation_file_with_a_foreign_name_is_reported() {
    assert!(single_operation_named("query Projects { __typename }", "Projects").is_ok());
    assert!(single_operation_named("query Other { __typename }", "Projects").is_err());
    assert!(single_operation_named("{ __typename }", "Projects").is_err());
    assert!(
        single_operation_named(
            "query Projects { __typename } query Two { __typename }",
            "Projects"
        )
        .is_err()
    );
}
