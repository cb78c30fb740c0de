//! The sandbox against Railway's real clients: every type, field and argument of the sandbox
//! agrees with Railway's upstream schema, and Railway's CLI's in-scope operation documents
//! validate against the sandbox. Both print a loud SKIPPED and pass when their input is absent.
//!
//! Upstream schema: `../shared/railway-schema/schema.json` or `$RAILWAY_UPSTREAM_SCHEMA`.
//! CLI documents: `$RAILWAY_CLI_SOURCE` (the unpacked `railwayapp` crate), else the cargo
//! registry's `railwayapp-5.71.0`.

use crate::support::operation_validation;
use crate::support::schema_agreement;
use crate::support::upstream_schema;

use std::io::Write;
use std::path::{Path, PathBuf};

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

use operation_validation::validate_operation;
use schema_agreement::schema_mismatches;
use upstream_schema::upstream_schema;

/// The CLI version whose documents the sandbox must serve.
const CLI_CRATE: &str = "railwayapp-5.71.0";

/// CLI operations outside the sandbox's scope, by the reason they are. Every other document of
/// the CLI must validate. The sandbox emulates what the operator and the CLI's everyday commands
/// manage (projects, environments, services, variables, domains, TCP proxies, volumes, backups,
/// deployments, tokens, workspaces); these features have no state in it.
const OUT_OF_SCOPE: &[&str] = &[
    // Logs, metrics, traces and network flows: streams of runtime data the sandbox never produces.
    "DnsQueryLogs",
    "HttpDurationMetrics",
    "HttpLogs",
    "HttpMetricsByStatus",
    "Metrics",
    "NetworkFlowLogs",
    "Trace",
    "Traces",
    "TracingStatus",
    // Shells inside running containers (`railway ssh`): no containers.
    "GenerateShellToken",
    "SshPublicKeyCreate",
    "SshPublicKeyDelete",
    "SshPublicKeys",
    // The template marketplace (the four database templates are served: issue 29).
    "TemplateDelete",
    "TemplateGenerate",
    "TemplatePublish",
    "TemplateRevert",
    "TemplateSearch",
    "TemplateUnpublish",
    "WorkspaceTemplates",
    // Cloud agents and code sandboxes (Railway products, not project resources).
    "AgentBootstraps",
    "CloudAgent",
    "CloudAgentConsoleSessions",
    "CloudAgentCreate",
    "CloudAgentDelete",
    "CloudAgentHarnessEndpoint",
    "CloudAgentHarnessToken",
    "CloudAgentSessionThreads",
    "CloudAgentSleep",
    "CloudAgentWake",
    "CloudAgents",
    "MyCloudAgents",
    "Sandbox",
    "SandboxCheckpointCreate",
    "SandboxCheckpointDelete",
    "SandboxCheckpointRename",
    "SandboxCheckpoints",
    "SandboxCreate",
    "SandboxDestroy",
    "SandboxHeartbeat",
    "SandboxTemplateBuild",
    "Sandboxes",
    // Database high availability and point-in-time recovery (no database engines).
    "CancelPitrHaWorkflow",
    "ClearPitrHaWorkflowProgress",
    "DisablePitrForHaCluster",
    "EnablePitrForHaCluster",
    "GetPitrHaClusterReplicationHealth",
    "GetPitrHaWorkflowProgress",
    "VolumeInstancePitrRestore",
    // Edge network writes (CDN, WAF, cache purges), egress gateways, private networks; reading
    // a service's edge config is served and answers null.
    "DisableServiceCdn",
    "EgressGatewayAssociationCreate",
    "EgressGatewayAssociationsClear",
    "EgressGateways",
    "EnableServiceCdn",
    "PrivateNetworkEndpoint",
    "PrivateNetworkEndpointNameAvailable",
    "PrivateNetworkEndpointRename",
    "PrivateNetworks",
    "PurgeServiceCache",
    "SetServiceUnderAttackMode",
    "UpdateServiceEdgeConfig",
    // Functions' published versions (the `FunctionUpdate` write is a plain instance update).
    "LatestFunctionVersion",
    // The account itself: GitHub connections, two-factor, favourites, telemetry.
    "CliEventTrack",
    "GitHubRepos",
    "GitHubSshKeys",
    "ProjectFavorites",
    "TwoFactorInfo",
    "ValidateTwoFactor",
];

/// Fields Railway serves but leaves out of its published schema, which Railway's CLI asks for
/// (`iacPartials`: its IaC engine reads it, and asks again without it where it is refused).
const BEYOND_THE_PUBLIC_SCHEMA: &[&str] =
    &["type Environment: field iacPartials does not exist upstream"];

/// Writes to the stderr handle itself, so a passing test's skip is not captured away.
fn loud(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n!!!!!!!!!!\n{message}\n!!!!!!!!!!\n");
}

fn sandbox_schema() -> Valid<Schema> {
    let sdl = railway_operator::sandbox::schema_sdl();
    let schema = Schema::parse(sdl, "sandbox.graphql").expect("sandbox SDL parses");
    schema
        .validate()
        .unwrap_or_else(|with_errors| panic!("sandbox SDL is invalid: {}", with_errors.errors))
}

/// The CLI crate's source folder, if present.
fn cli_source() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RAILWAY_CLI_SOURCE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))?;
    let registry = cargo_home.join("registry").join("src");
    std::fs::read_dir(registry)
        .ok()?
        .filter_map(Result::ok)
        .map(|index| index.path().join(CLI_CRATE))
        .find(|path| path.is_dir())
}

/// `(name, source)` of every query and mutation document of the CLI, sorted by name.
fn cli_operations(root: &Path) -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for kind in ["queries", "mutations"] {
        let folder = root.join("src/gql").join(kind).join("strings");
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "graphql") {
                let name = path.file_stem().unwrap().to_string_lossy().to_string();
                operations.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    operations.sort();
    operations
}

#[test]
fn every_sandbox_type_field_and_argument_agrees_with_upstream() {
    let Some(upstream) = upstream_schema() else {
        return;
    };
    let mismatches: Vec<String> = schema_mismatches(&sandbox_schema(), upstream)
        .into_iter()
        .filter(|m| !BEYOND_THE_PUBLIC_SCHEMA.contains(&m.as_str()))
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} sandbox definitions disagree with upstream:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn every_in_scope_cli_operation_validates_against_the_sandbox() {
    let Some(root) = cli_source() else {
        loud("SKIPPED: Railway CLI source (railwayapp 5.71.0) not found; set RAILWAY_CLI_SOURCE");
        return;
    };
    let operations = cli_operations(&root);
    assert!(
        !operations.is_empty(),
        "no CLI operations under {}",
        root.display()
    );
    let schema = sandbox_schema();
    let in_scope: Vec<&(String, String)> = operations
        .iter()
        .filter(|(name, _)| !OUT_OF_SCOPE.contains(&name.as_str()))
        .collect();
    let failures: Vec<String> = in_scope
        .iter()
        .filter_map(|(name, source)| validate_operation(&schema, name, source).err())
        .map(|invalid| invalid.to_string())
        .collect();
    loud(&format!(
        "{} of {} CLI operations validate ({} documents, {} out of scope)",
        in_scope.len() - failures.len(),
        in_scope.len(),
        operations.len(),
        operations.len() - in_scope.len()
    ));
    assert!(
        failures.is_empty(),
        "{} in-scope CLI operations do not validate:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_out_of_scope_list_names_only_existing_cli_operations() {
    let Some(root) = cli_source() else {
        loud("SKIPPED: Railway CLI source (railwayapp 5.71.0) not found; set RAILWAY_CLI_SOURCE");
        return;
    };
    let names: Vec<String> = cli_operations(&root)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let stale: Vec<&&str> = OUT_OF_SCOPE
        .iter()
        .filter(|name| !names.iter().any(|n| n == **name))
        .collect();
    assert!(stale.is_empty(), "not CLI operations: {stale:?}");
}

/// Roots (`Query`, `Mutation`) are served in part: a root out of scope answers "not emulated"
/// at execution. Every other type the sandbox serves is served whole (R52).
const PARTIAL_ROOTS: &[&str] = &["Query", "Mutation", "Subscription"];

/// Every upstream field (with its arguments) and input field missing from a type the sandbox
/// serves, one line each, and how many types were checked.
fn incomplete_types(sandbox: &Schema, upstream: &Schema) -> (usize, Vec<String>) {
    use apollo_compiler::schema::ExtendedType;
    let mut missing = Vec::new();
    let mut checked = 0;
    for (name, ours) in &sandbox.types {
        if ours.is_built_in() || PARTIAL_ROOTS.contains(&name.as_str()) {
            continue;
        }
        let Some(theirs) = upstream.types.get(name) else {
            continue;
        };
        checked += 1;
        match (ours, theirs) {
            (ExtendedType::Object(o), ExtendedType::Object(t)) => {
                for (field, definition) in &t.fields {
                    match o.fields.get(field) {
                        None => missing.push(format!("{name}.{field}: {}", definition.ty)),
                        Some(served) => {
                            for argument in &definition.arguments {
                                if !served.arguments.iter().any(|a| a.name == argument.name) {
                                    missing.push(format!(
                                        "{name}.{field}({}: {})",
                                        argument.name, argument.ty
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            (ExtendedType::InputObject(o), ExtendedType::InputObject(t)) => {
                for (field, definition) in &t.fields {
                    if !o.fields.contains_key(field) {
                        missing.push(format!("input {name}.{field}: {}", definition.ty));
                    }
                }
            }
            (ExtendedType::Enum(o), ExtendedType::Enum(t)) => {
                for value in t.values.keys() {
                    if !o.values.contains_key(value) {
                        missing.push(format!("enum {name}.{value}"));
                    }
                }
            }
            _ => {}
        }
    }
    (checked, missing)
}

#[test]
fn every_type_the_sandbox_serves_has_every_upstream_field_and_argument() {
    let Some(upstream) = upstream_schema() else {
        return;
    };
    let sandbox = sandbox_schema();
    let (checked, missing) = incomplete_types(&sandbox, upstream);
    let root_names = |schema: &Schema| -> Vec<String> {
        ["Query", "Mutation", "Subscription"]
            .iter()
            .filter_map(|root| schema.get_object(root))
            .flat_map(|object| object.fields.keys().map(|name| name.to_string()))
            .collect()
    };
    let served = root_names(&sandbox);
    let upstream_roots = root_names(upstream);
    let out_of_scope = upstream_roots
        .iter()
        .filter(|r| !served.contains(r))
        .count();
    loud(&format!(
        "{out_of_scope} of {} upstream root fields are out of scope (answer \"not emulated\")",
        upstream_roots.len()
    ));
    loud(&format!(
        "{checked} sandbox types checked field by field against upstream; {} fields missing",
        missing.len()
    ));
    assert!(
        missing.is_empty(),
        "{} upstream fields are missing from types the sandbox serves (R52):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// The root fields an operation document selects, in order.
fn root_fields(source: &str) -> Vec<String> {
    let Ok(document) = apollo_compiler::ast::Document::parse(source, "op.graphql") else {
        return Vec::new();
    };
    document
        .definitions
        .iter()
        .filter_map(|d| d.as_operation_definition())
        .flat_map(|op| op.selection_set.iter())
        .filter_map(|s| s.as_field())
        .map(|f| f.name.to_string())
        .collect()
}

#[tokio::test]
async fn every_out_of_scope_cli_operation_passes_validation_and_answers_not_emulated() {
    use crate::support::sandbox_common::{gql, message, start};
    let Some(root) = cli_source() else {
        loud("SKIPPED: Railway CLI source (railwayapp 5.71.0) not found; set RAILWAY_CLI_SOURCE");
        return;
    };
    let schema = sandbox_schema();
    let served = |field: &str| {
        ["Query", "Mutation", "Subscription"]
            .iter()
            .filter_map(|root| schema.get_object(root))
            .any(|object| object.fields.contains_key(field))
    };
    let sandbox = start(railway_operator::sandbox::SandboxConfig::default()).await;
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (name, source) in cli_operations(&root) {
        if !OUT_OF_SCOPE.contains(&name.as_str()) {
            continue;
        }
        let answer = gql(&sandbox, &source, serde_json::json!({})).await;
        let text = message(&answer).to_string();
        if !text.ends_with(" is not emulated") {
            wrong.push(format!("{name}: {answer}"));
            continue;
        }
        let field = text
            .strip_prefix("sandbox: ")
            .and_then(|rest| rest.strip_suffix(" is not emulated"))
            .unwrap_or_else(|| panic!("{name}: {answer}"));
        assert!(
            root_fields(&source).iter().any(|f| f == field),
            "{name}: {text}"
        );
        // Only a root the sandbox does not serve may answer so.
        assert!(!served(field), "{name}: {field} is served");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "NOT_EMULATED");
        checked += 1;
    }
    assert!(
        wrong.is_empty(),
        "out of scope yet not answered \"not emulated\":\n{}",
        wrong.join("\n")
    );
    loud(&format!(
        "{checked} out-of-scope CLI operations answer \"not emulated\""
    ));
    sandbox.shutdown().await;
}
