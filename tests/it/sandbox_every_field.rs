//! R52 at execution: a document selecting every argument-free field of every type reachable
//! from `me` and `projects` runs without an error on a sandbox holding a project with a
//! deployed service, a volume, domains and a variable, and the values agree with the model.
//! The query is built from the sandbox's own SDL, so a new field is covered without an edit.

use crate::support::sandbox_common as common;
use crate::support::sandbox_deployments::deploy;

use std::collections::HashSet;

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use common::*;
use railway_operator::sandbox::SandboxConfig;
use serde_json::{Value, json};

/// Fields left out on purpose: no variable belongs to a legacy plugin, so the non-null
/// `Variable.plugin` answers an error by design.
const ERRORS_BY_DESIGN: &[&str] = &["Variable.plugin"];

/// The selection set of `type_name`: every field without a required argument; a type already
/// expanded elsewhere in the document is only named (`__typename`), so the document stays finite.
fn selection(schema: &Schema, type_name: &str, expanded: &mut HashSet<String>) -> String {
    if !expanded.insert(type_name.to_string()) {
        return "__typename".to_string();
    }
    let Some(ExtendedType::Object(object)) = schema.types.get(type_name) else {
        return "__typename".to_string();
    };
    let mut parts = Vec::new();
    for (name, field) in &object.fields {
        let path = format!("{type_name}.{name}");
        let required_argument = field.arguments.iter().any(|a| a.is_required());
        if required_argument || ERRORS_BY_DESIGN.contains(&path.as_str()) {
            continue;
        }
        let inner = field.ty.inner_named_type();
        match schema.types.get(inner.as_str()) {
            Some(ExtendedType::Object(_)) => {
                parts.push(format!(
                    "{name} {{ {} }}",
                    selection(schema, inner, expanded)
                ));
            }
            Some(ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
                parts.push(format!("{name} {{ __typename }}"));
            }
            _ => parts.push(name.to_string()),
        }
    }
    parts.join(" ")
}

/// `{ me {...} projects {...} }` over the sandbox schema, and how many types it expands.
fn every_field_document() -> (String, usize) {
    let sdl = railway_operator::sandbox::schema_sdl();
    let schema = Schema::parse(sdl, "sandbox.graphql").expect("sandbox SDL parses");
    let mut expanded = HashSet::new();
    let projects = selection(&schema, "QueryProjectsConnection", &mut expanded);
    let me = selection(&schema, "User", &mut expanded);
    (
        format!("query Everything {{ me {{ {me} }} projects {{ {projects} }} }}"),
        expanded.len(),
    )
}

/// A project with a deployed `web` service, a volume, a generated and a custom domain and a
/// service variable; returns the project's id.
async fn furnished_project(sandbox: &railway_operator::sandbox::Sandbox) -> String {
    let (project_id, environment_id) = create_project(sandbox, "shop").await;
    let created = create_service(
        sandbox,
        json!({ "projectId": project_id, "name": "web", "source": { "image": "nginx" } }),
    )
    .await;
    let service_id = created["data"]["serviceCreate"]["id"].as_str().unwrap();
    let ids = json!({ "projectId": project_id, "environmentId": environment_id, "serviceId": service_id });
    let steps = [
        (
            "mutation($i: VolumeCreateInput!) { volumeCreate(input: $i) { id } }",
            json!({ "mountPath": "/data" }),
        ),
        (
            "mutation($i: ServiceDomainCreateInput!) { serviceDomainCreate(input: $i) { id } }",
            json!({}),
        ),
        (
            "mutation($i: CustomDomainCreateInput!) { customDomainCreate(input: $i) { id } }",
            json!({ "domain": "shop.example.com" }),
        ),
        (
            "mutation($i: VariableUpsertInput!) { variableUpsert(input: $i) }",
            json!({ "name": "PORT", "value": "8080" }),
        ),
    ];
    for (mutation, extra) in steps {
        let mut input = ids.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        if mutation.contains("ServiceDomainCreateInput") {
            input.as_object_mut().unwrap().remove("projectId");
        }
        data(sandbox, mutation, json!({ "i": input })).await;
    }
    deploy(sandbox, &environment_id, service_id).await;
    project_id
}

#[tokio::test]
async fn every_field_of_every_served_type_answers_without_an_error() {
    let sandbox = start(SandboxConfig::default()).await;
    furnished_project(&sandbox).await;
    let (document, types) = every_field_document();
    let answer = gql(&sandbox, &document, json!({})).await;
    assert!(
        answer.get("errors").is_none(),
        "errors: {}",
        answer["errors"]
    );
    println!(
        "{types} types expanded by one document of {} bytes",
        document.len()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_token_s_user_is_every_project_s_and_workspace_s_admin_member() {
    let sandbox = start(SandboxConfig::default()).await;
    let project_id = furnished_project(&sandbox).await;
    let read = data(
        &sandbox,
        "query($id: String!) {
            me { id email workspaces { plan members { id role } team { name workspace { id } } } }
            project(id: $id) { members { email role } plugins { edges { node { id } } } } }",
        json!({ "id": project_id }),
    )
    .await;
    let (me, project) = (&read["me"], &read["project"]);
    assert_eq!(project["members"][0]["email"], me["email"], "{project}");
    assert_eq!(project["members"][0]["role"], "ADMIN");
    assert_eq!(project["plugins"]["edges"], json!([]));
    let workspace = &me["workspaces"][0];
    assert_eq!(workspace["members"][0]["id"], me["id"]);
    assert_eq!(workspace["members"][0]["role"], "ADMIN");
    assert_eq!(workspace["plan"], "PRO");
    assert_eq!(workspace["team"]["name"], "Sandbox");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn parents_of_volumes_instances_variables_and_deployments_are_the_model_s() {
    let sandbox = start(SandboxConfig::default()).await;
    let project_id = furnished_project(&sandbox).await;
    let read = data(
        &sandbox,
        "query($id: String!) { project(id: $id) { name
            volumes { edges { node { project { id } volumeInstances { edges { node {
                environment { id } service { name } } } } } } }
            environments { edges { node { id
                deployments { edges { node { sockets { processName } creator { email } } } }
                variables { edges { node { name service { name } environment { id } } } }
                serviceInstances { edges { node { service { name } createdAt edgeConfig { id } } } }
            } } } } }",
        json!({ "id": project_id }),
    )
    .await;
    let project = &read["project"];
    let volume = &nodes(&project["volumes"])[0];
    assert_eq!(volume["project"]["id"], project_id);
    let volume_instance = &nodes(&volume["volumeInstances"])[0];
    assert_eq!(volume_instance["service"]["name"], "web");
    let environment = &nodes(&project["environments"])[0];
    assert_eq!(volume_instance["environment"]["id"], environment["id"]);
    let deployment = &nodes(&environment["deployments"])[0];
    assert_eq!(deployment["sockets"], json!([]));
    assert_eq!(deployment["creator"]["email"], "sandbox@example.com");
    let variable = &nodes(&environment["variables"])[0];
    assert_eq!(variable["service"]["name"], "web");
    assert_eq!(variable["environment"]["id"], environment["id"]);
    let instance = &nodes(&environment["serviceInstances"])[0];
    assert_eq!(instance["service"]["name"], "web");
    assert_eq!(instance["edgeConfig"], Value::Null);
    sandbox.shutdown().await;
}
