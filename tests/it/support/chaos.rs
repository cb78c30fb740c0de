//! Helpers for the chaos tests: the 50-service manifest generator, apply-until-success loops
//! and duplicate detection over raw GraphQL. They assert nothing about the operator themselves.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use railway_operator::sandbox::Sandbox;
use serde_json::Value;

use crate::support::{all_projects, cli};

/// The mixed 20% fault plan the chaos tests run under.
pub const MIXED_FAULTS: &str =
    "*=error500@0.05,*=error502@0.03,*=reset@0.04,*=drop-after-commit@0.05,*=problem@0.03";

/// A manifest with `n` image services in one environment: each with 3 variables and a generated
/// (railway) domain, every 5th with a volume backed up by a native DAILY schedule.
pub fn services_manifest(project: &str, n: usize) -> String {
    let mut text = format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: {project}\nspec:\n  environments:\n    production: {{}}\n  services:\n"
    );
    for i in 0..n {
        text.push_str(&format!(
            "    svc-{i:02}:\n      source: {{ image: \"nginx:1.{i}\" }}\n      deploy:\n        startCommand: \"serve --port 80{i:02}\"\n      variables:\n        PORT: \"80{i:02}\"\n        SERVICE_INDEX: \"{i}\"\n        GREETING: hello-{i}\n      domains:\n        - railway: {{ port: 80{i:02} }}\n"
        ));
        if i % 5 == 0 {
            text.push_str(&format!(
                "      volume:\n        name: data-{i:02}\n        mountPath: /data\n        backups: {{ schedules: [DAILY] }}\n"
            ));
        }
    }
    text
}

/// Writes `text` as `name` under `dir` and returns its path as a string.
pub fn write_manifest(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("manifest written");
    path.to_string_lossy().into_owned()
}

/// One `apply` run: its exit code and stderr.
pub struct Attempt {
    pub code: i32,
    pub stderr: String,
}

/// Runs `apply` with `extra` arguments until it exits 0, at most `max_runs` times.
pub async fn apply_until_success(
    sandbox: &Sandbox,
    file: &str,
    extra: &[&str],
    max_runs: usize,
) -> Vec<Attempt> {
    let mut attempts = Vec::new();
    for _ in 0..max_runs {
        let mut args = vec!["apply", "-f", file];
        args.extend_from_slice(extra);
        let (code, _out, stderr) = cli(sandbox, &args).await;
        attempts.push(Attempt { code, stderr });
        if code == 0 {
            break;
        }
    }
    attempts
}

/// Names that occur more than once.
pub fn repeated<I: IntoIterator<Item = String>>(names: I) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for name in names {
        *seen.entry(name).or_default() += 1;
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(name, n)| format!("{name} x{n}"))
        .collect()
}

/// Everything that must exist at most once, listed from live state with its duplicates.
#[derive(Debug, Default)]
pub struct Duplicates {
    pub projects: Vec<String>,
    pub services: Vec<String>,
    pub domains: Vec<String>,
    pub volumes: Vec<String>,
}

impl Duplicates {
    pub fn none(&self) -> bool {
        self.projects.is_empty()
            && self.services.is_empty()
            && self.domains.is_empty()
            && self.volumes.is_empty()
    }
}

fn edges(value: &Value) -> Vec<Value> {
    value["edges"]
        .as_array()
        .map(|edges| edges.iter().map(|e| e["node"].clone()).collect())
        .unwrap_or_default()
}

fn live(node: &Value) -> bool {
    node["deletedAt"].is_null()
}

/// Reads every project through raw GraphQL and lists duplicate projects, service names per
/// project, domains per service instance and live volume instances per service instance.
pub async fn duplicates(sandbox: &Sandbox) -> Duplicates {
    let data = all_projects(sandbox, "name
            services(first: 1000) { edges { node { name deletedAt } } }
            environments { edges { node { name
                serviceInstances(first: 1000) { edges { node { serviceName
                    domains { serviceDomains { domain deletedAt } customDomains { domain deletedAt } } } } }
                volumeInstances { edges { node { serviceId deletedAt } } } } } }")
    .await;
    assert!(data.get("errors").is_none(), "inspection failed: {data}");
    let projects = edges(&data["data"]["projects"]);
    let mut found = Duplicates {
        projects: repeated(projects.iter().map(|p| p["name"].to_string())),
        ..Duplicates::default()
    };
    for project in &projects {
        let name = project["name"].as_str().unwrap_or_default();
        let services = edges(&project["services"]);
        found.services.extend(repeated(
            services
                .iter()
                .filter(|s| live(s))
                .map(|s| format!("{name}/{}", s["name"].as_str().unwrap_or_default())),
        ));
        for environment in edges(&project["environments"]) {
            let env = environment["name"].as_str().unwrap_or_default();
            for instance in edges(&environment["serviceInstances"]) {
                let service = instance["serviceName"].as_str().unwrap_or_default();
                let domains = &instance["domains"];
                let live_names = |kind: &str| -> Vec<String> {
                    domains[kind]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|d| live(d))
                        .map(|d| d["domain"].as_str().unwrap_or_default().to_string())
                        .collect()
                };
                // The manifests here ask for at most one generated domain per instance.
                let generated = live_names("serviceDomains");
                if generated.len() > 1 {
                    found
                        .domains
                        .push(format!("{name}/{env}/{service}: generated {generated:?}"));
                }
                found.domains.extend(
                    repeated(live_names("customDomains"))
                        .into_iter()
                        .map(|d| format!("{name}/{env}/{service}: custom {d}")),
                );
            }
            found.volumes.extend(repeated(
                edges(&environment["volumeInstances"])
                    .iter()
                    .filter(|v| live(v))
                    .map(|v| format!("{name}/{env}/service {}", v["serviceId"])),
            ));
        }
    }
    found
}

/// Live service names of one project.
pub async fn service_names(sandbox: &Sandbox, project: &str) -> Vec<String> {
    crate::support::project_services(sandbox)
        .await
        .into_iter()
        .filter(|(name, _)| name == project)
        .flat_map(|(_, services)| services)
        .collect()
}

/// A GET of `/_sandbox/stats`, tolerant of the sandbox being busy.
pub async fn sandbox_total(base_url: &str) -> u64 {
    let Ok(response) = reqwest::get(format!("{base_url}/_sandbox/stats")).await else {
        return 0;
    };
    response
        .json::<Value>()
        .await
        .ok()
        .and_then(|stats| stats["total"].as_u64())
        .unwrap_or(0)
}
