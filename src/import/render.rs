//! Assembles the imported manifest: metadata, policy, shared variables, environments and one
//! entry per service (base settings plus per-environment overrides), then the YAML text with its
//! header comments. Pure.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::{Mapping, Value};

use super::database::{self, Database, Reading};
use super::settings::{self, Entry};
use super::split::split;
use super::variables::{self, Placeholder, ScopePaths, ScopeVariables, Slot};
use super::yaml::{insert_at, literal, mapping};
use super::{Imported, Provenance, domains, volumes};
use crate::railway::live::{
    LiveEnvironment, LiveInstance, LiveProject, LiveService, LiveSource, LiveVariable,
};

const SHARED_SCOPE: &str = "shared";

/// A service with its instances in the imported environments (in environment order).
struct ServiceInstances<'a> {
    service: &'a LiveService,
    instances: Vec<(&'a LiveEnvironment, &'a LiveInstance)>,
    /// R48: written as `database:` (its template owns image, variables and mount path).
    database: Option<Database>,
}

/// The manifest of `environments`; `plain` names the variables written in clear (R27).
pub fn render(
    project: &LiveProject,
    environments: &[&LiveEnvironment],
    plain: &BTreeSet<String>,
    provenance: &Provenance,
) -> Imported {
    let mut warnings = Vec::new();
    let services = services_with_instances(project, environments, &mut warnings);

    let mut placeholders = Vec::new();
    let shared = shared_variables(environments, plain, &mut placeholders);
    let service_variables: Vec<Option<ScopeVariables>> = services
        .iter()
        .map(|s| {
            importable(s, &mut warnings).then(|| service_variables(s, plain, &mut placeholders))
        })
        .collect();
    variables::name_placeholders(&mut placeholders);

    let mut spec = Mapping::new();
    spec.insert(
        "policy".into(),
        mapping([("prune", false.into()), ("drift", "report".into())]),
    );
    if !shared.base.is_empty() {
        spec.insert("sharedVariables".into(), slots(&shared.base, &placeholders));
    }
    spec.insert(
        "environments".into(),
        environment_entries(environments, &shared, &placeholders),
    );
    let service_map = service_entries(
        &services,
        &service_variables,
        environments,
        &placeholders,
        &mut warnings,
    );
    spec.insert("services".into(), service_map);
    if let Some(buckets) = super::buckets::bucket_entries(project, environments, &mut warnings) {
        spec.insert("buckets".into(), buckets);
    }

    let manifest = mapping([
        ("apiVersion", "railway-operator/v1".into()),
        ("kind", "Project".into()),
        (
            "metadata",
            mapping([
                ("name", literal(&project.name)),
                ("id", project.id.as_str().into()),
            ]),
        ),
        ("spec", Value::Mapping(spec)),
    ]);
    let body = serde_yaml::to_string(&manifest).unwrap_or_default();
    Imported {
        text: header(project, environments, provenance, &warnings) + &comment_policy(&body),
        placeholders,
        warnings,
    }
}

/// The project's services that have an instance in at least one imported environment.
/// Each is read as a database or not (R48); a template database `database:` cannot express
/// adds a warning.
fn services_with_instances<'a>(
    project: &'a LiveProject,
    environments: &[&'a LiveEnvironment],
    warnings: &mut Vec<String>,
) -> Vec<ServiceInstances<'a>> {
    let mut services: Vec<ServiceInstances> = project
        .services
        .iter()
        .map(|service| ServiceInstances {
            service,
            instances: environments
                .iter()
                .filter_map(|env| Some((*env, env.instances.get(&service.id)?)))
                .collect(),
            database: None,
        })
        .filter(|s| !s.instances.is_empty())
        .collect();
    for service in &mut services {
        let images: Vec<Option<&str>> = service
            .instances
            .iter()
            .map(|(_, instance)| match &instance.source {
                Some(LiveSource::Image(image)) => Some(image.as_str()),
                _ => None,
            })
            .collect();
        let template_service_id = service.service.template_service_id.as_deref();
        match database::read(&service.service.name, template_service_id, &images) {
            Reading::Plain => {}
            Reading::Database(found) => {
                let without: Vec<&str> = service
                    .instances
                    .iter()
                    .filter(|(env, _)| env.volume_of(&service.service.id).is_none())
                    .map(|(env, _)| env.name.as_str())
                    .collect();
                if !without.is_empty() {
                    warnings.push(format!(
                        "database `{}` has no volume in {}: plan will propose the template's volume there",
                        service.service.name,
                        without.join(", ")
                    ));
                }
                service.database = Some(found);
            }
            Reading::Unexpressible(warning) => warnings.push(warning),
        }
    }
    services
}

/// `spec.environments`: every imported environment, with its own shared variables.
fn environment_entries(
    environments: &[&LiveEnvironment],
    shared: &ScopeVariables,
    placeholders: &[Placeholder],
) -> Value {
    let mut env_map = Mapping::new();
    for env in environments {
        let mut fields = Mapping::new();
        if let Some(entries) = shared.overrides.get(&env.name) {
            fields.insert("sharedVariables".into(), slots(entries, placeholders));
        }
        env_map.insert(env.name.as_str().into(), Value::Mapping(fields));
    }
    Value::Mapping(env_map)
}

/// `spec.services`: one entry per service (a planned one when it cannot be imported), with a
/// warning for each environment it has no instance in.
fn service_entries(
    services: &[ServiceInstances],
    service_variables: &[Option<ScopeVariables>],
    environments: &[&LiveEnvironment],
    placeholders: &[Placeholder],
    warnings: &mut Vec<String>,
) -> Value {
    let mut service_map = Mapping::new();
    for (service, variables) in services.iter().zip(service_variables) {
        let missing: Vec<&str> = environments
            .iter()
            .filter(|env| !env.instances.contains_key(&service.service.id))
            .map(|env| env.name.as_str())
            .collect();
        if !missing.is_empty() {
            warnings.push(format!(
                "service `{}` has no instance in {}: plan will propose creating it there",
                service.service.name,
                missing.join(", ")
            ));
        }
        let entry = match variables {
            Some(variables) => service_entry(service, variables, placeholders),
            None => mapping([("enabled", false.into())]),
        };
        service_map.insert(service.service.name.as_str().into(), entry);
    }
    Value::Mapping(service_map)
}

/// Whether every instance has a source the manifest can express; otherwise the service is
/// listed as planned (`enabled: false`), which the operator never touches.
fn importable(service: &ServiceInstances, warnings: &mut Vec<String>) -> bool {
    let fine = service
        .instances
        .iter()
        .all(|(_, instance)| settings::source(instance).is_some());
    if !fine {
        warnings.push(format!(
            "service `{}` has no image, or a repository without a deployment trigger, in some environment: imported as `enabled: false` (not managed)",
            service.service.name
        ));
    }
    fine
}

fn service_variables(
    service: &ServiceInstances,
    plain: &BTreeSet<String>,
    placeholders: &mut Vec<Placeholder>,
) -> ScopeVariables {
    let name = &service.service.name;
    // A database's template variables are the template's, credentials among them: neither
    // written nor turned into placeholders (R46).
    let own: Vec<(String, BTreeMap<String, LiveVariable>)> = service
        .instances
        .iter()
        .map(|(env, instance)| {
            let variables = instance
                .variables
                .iter()
                .filter(|(variable, _)| {
                    !service.database.is_some_and(|d| d.engine.exposes(variable))
                })
                .map(|(variable, value)| (variable.clone(), value.clone()))
                .collect();
            (env.name.clone(), variables)
        })
        .collect();
    let per_environment: Vec<_> = own.iter().map(|(env, vars)| (env.clone(), vars)).collect();
    let environment_path = |env: &str| format!("services.{name}.environments.{env}.variables");
    variables::split_scope(
        name,
        &per_environment,
        &ScopePaths {
            base: format!("services.{name}.variables"),
            environment: &environment_path,
        },
        plain,
        placeholders,
    )
}

fn shared_variables(
    environments: &[&LiveEnvironment],
    plain: &BTreeSet<String>,
    placeholders: &mut Vec<Placeholder>,
) -> ScopeVariables {
    let per_environment: Vec<_> = environments
        .iter()
        .map(|env| (env.name.clone(), &env.shared_variables))
        .collect();
    let environment_path = |env: &str| format!("spec.environments.{env}.sharedVariables");
    variables::split_scope(
        SHARED_SCOPE,
        &per_environment,
        &ScopePaths {
            base: "spec.sharedVariables".into(),
            environment: &environment_path,
        },
        plain,
        placeholders,
    )
}

fn service_entry(
    service: &ServiceInstances,
    variables: &ScopeVariables,
    placeholders: &[Placeholder],
) -> Value {
    let mut base = Mapping::new();
    let mut overrides: Vec<(String, Mapping)> = service
        .instances
        .iter()
        .map(|(env, _)| (env.name.clone(), Mapping::new()))
        .collect();
    let per_environment = |build: &dyn Fn(&LiveEnvironment, &LiveInstance) -> Vec<Entry>| {
        service
            .instances
            .iter()
            .map(|(env, instance)| (env.name.clone(), build(env, instance)))
            .collect::<Vec<_>>()
    };
    let public = service.database.and_then(|d| public(service, d));
    if let Some(found) = service.database {
        base.insert("database".into(), database::entry(found));
        if let Some(public) = public {
            base.insert("public".into(), public.into());
        }
    }
    let settings = per_environment(&|_, instance| {
        let mut entries = settings::entries(instance);
        // A database's image is its template's at `database.version`.
        entries.retain(|e| service.database.is_none() || e.path != "source");
        entries
    });
    place(&settings, &mut base, &mut overrides);
    if !variables.base.is_empty() {
        base.insert("variables".into(), slots(&variables.base, placeholders));
    }
    for (env, fields) in &mut overrides {
        if let Some(entries) = variables.overrides.get(env) {
            fields.insert("variables".into(), slots(entries, placeholders));
        }
    }
    let networking = per_environment(&|env, instance| {
        // `public:` stands for the engine port's TCP proxy; the mount path is the template's.
        let engine_port = public.and(service.database).map(|d| d.engine.row().port);
        let mut entries = domains::entries(instance, engine_port);
        let mount_path = service.database.is_none();
        entries.push(volumes::entry(env, &instance.service_id, mount_path));
        entries
    });
    place(&networking, &mut base, &mut overrides);
    let overrides: Mapping = overrides
        .into_iter()
        .filter(|(_, fields)| !fields.is_empty())
        .map(|(env, fields)| (Value::from(env), Value::Mapping(fields)))
        .collect();
    if !overrides.is_empty() {
        base.insert("environments".into(), Value::Mapping(overrides));
    }
    Value::Mapping(base)
}

/// `public:` of a database: whether its engine port has a TCP proxy, when that is the same in
/// every environment (`public` is written once per service); `None` otherwise, and the proxies
/// are then written per environment as `tcpProxies`.
fn public(service: &ServiceInstances, found: Database) -> Option<bool> {
    let port = found.engine.row().port;
    let mut proxied = service
        .instances
        .iter()
        .map(|(_, instance)| instance.tcp_proxies.contains(&port));
    let first = proxied.next()?;
    proxied.all(|p| p == first).then_some(first)
}

/// Splits each setting (the same index in every environment's list) into base and overrides.
fn place(
    per_environment: &[(String, Vec<Entry>)],
    base: &mut Mapping,
    overrides: &mut [(String, Mapping)],
) {
    let Some((_, first)) = per_environment.first() else {
        return;
    };
    for (index, entry) in first.iter().enumerate() {
        let values: Vec<(String, Option<Value>)> = per_environment
            .iter()
            .map(|(env, entries)| {
                (
                    env.clone(),
                    entries.get(index).and_then(|e| e.value.clone()),
                )
            })
            .collect();
        let split = split(&values, entry.default.as_ref(), entry.rule);
        let path: Vec<&str> = entry.path.split('.').collect();
        if let Some(value) = split.base {
            insert_at(base, &path, value);
        }
        for (env, value) in split.overrides {
            if let Some((_, fields)) = overrides.iter_mut().find(|(name, _)| *name == env) {
                insert_at(fields, &path, value);
            }
        }
    }
}

fn slots(entries: &[(String, Slot)], placeholders: &[Placeholder]) -> Value {
    Value::Mapping(
        entries
            .iter()
            .map(|(name, slot)| {
                let value = match slot {
                    Slot::Plain(value) => literal(value),
                    Slot::FromEnv(index) => mapping([(
                        "fromEnv",
                        placeholders
                            .get(*index)
                            .map_or(Value::Null, |p| p.name.as_str().into()),
                    )]),
                };
                (Value::from(name.as_str()), value)
            })
            .collect(),
    )
}

fn header(
    project: &LiveProject,
    environments: &[&LiveEnvironment],
    provenance: &Provenance,
    warnings: &[String],
) -> String {
    let names: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
    let mut text = format!(
        "# Imported by `railway-operator import` from project {} ({}) at {}\n# through {}; environments: {}.\n# Values are `fromEnv` placeholders, except `${{{{...}}}}` references and --plain names: set those environment variables before `plan`.\n",
        project.name,
        project.id,
        provenance
            .imported_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        provenance.api_url,
        names.join(", ")
    );
    for warning in warnings {
        text.push_str(&format!("# warning: {warning}\n"));
    }
    text
}

/// Explains the adoption policy right above it.
fn comment_policy(body: &str) -> String {
    const COMMENT: &str = "  # Adopted as is: nothing is owned yet (prune: false) and drift is only reported.\n  # Switch to `drift: self-heal` once the plan is clean and the team is ready.\n";
    match body.find("\n  policy:\n") {
        Some(at) => format!("{}\n{COMMENT}{}", &body[..at], &body[at + 1..]),
        None => body.to_string(),
    }
}
