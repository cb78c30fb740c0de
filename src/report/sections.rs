//! The sections of a managed service's document (the volume's are in `volume`), one function each, built from the `ops`
//! reports (repo, variables, status, open) and the plan. Every value that may be secret comes
//! from those reports already masked; nothing here reads a `Secret`'s value.

use super::markdown::{code, join_url, or_dash, table};
use crate::manifest::desired::DesiredService;
use crate::manifest::setting::{TABLE, Val};
use crate::ops::status::{ServiceStatus, StatusReport};
use crate::ops::{View, settings};
use crate::plan::Action;
use crate::plan::render::action_text;

/// Sync state and latest deployment per environment.
pub fn overview(view: &View<'_>, service: &DesiredService, status: &StatusReport) -> String {
    let rows: Vec<Vec<String>> = status
        .environments
        .iter()
        .map(|env| {
            let found = env.services.iter().find(|s| s.name == service.name);
            vec![
                env.name.clone(),
                view.sync_state(service, &env.name).label().to_string(),
                or_dash(found.and_then(|s| s.deployment.clone())),
            ]
        })
        .collect();
    format!(
        "## Status\n\n{}",
        table(&["Environment", "State", "Latest deployment"], &rows)
    )
}

/// Repository, branch, root directory, Dockerfile and builder (or image), desired and live.
pub fn source(view: &View<'_>, service: &DesiredService, environment: &str) -> String {
    let mut out = String::from("### Source and build\n\n");
    let Ok(report) = crate::ops::repo::repo(view, &service.name) else {
        return out;
    };
    let Some(env) = report
        .environments
        .iter()
        .find(|e| e.environment == environment)
    else {
        return out;
    };
    let desired = env.desired.clone().unwrap_or_default();
    let live = env.live.clone().unwrap_or_default();
    let fields: [(&str, &Option<String>, &Option<String>); 6] = [
        ("Image", &desired.image, &live.image),
        ("Repository", &desired.repository, &live.repository),
        ("Branch", &desired.branch, &live.branch),
        (
            "Root directory",
            &desired.root_directory,
            &live.root_directory,
        ),
        (
            "Dockerfile",
            &desired.dockerfile_path,
            &live.dockerfile_path,
        ),
        ("Builder", &desired.builder, &live.builder),
    ];
    let rows: Vec<Vec<String>> = fields
        .iter()
        .filter(|(_, d, l)| d.is_some() || l.is_some())
        .map(|(name, d, l)| {
            vec![
                name.to_string(),
                or_dash((*d).clone()),
                or_dash((*l).clone()),
            ]
        })
        .collect();
    out.push_str(&format!("Live source {}.\n\n", env.state));
    out.push_str(&table(&["Field", "Desired", "Live"], &rows));
    out.push('\n');
    out
}

/// Every setting of the setting table, desired vs live, in table order.
pub fn deploy(view: &View<'_>, service: &DesiredService, environment: &str) -> String {
    let mut out = String::from("### Deploy settings\n\n");
    let Some(d) = settings(service, environment) else {
        return out;
    };
    let live = view.instance(&service.name, environment);
    if live.is_none() {
        out.push_str("Not on Railway yet: `railway-operator apply` creates it.\n\n");
    }
    let rows: Vec<Vec<String>> = TABLE
        .iter()
        .filter_map(|row| {
            let desired = (row.get)(&d.values);
            let live_value = live.and_then(|l| (row.get)(&l.values));
            if desired.is_none() && live_value.is_none() {
                return None;
            }
            let verdict = match (desired, live_value) {
                (None, _) => "not managed",
                (Some(a), Some(b)) if a == b => "matches",
                _ => "differs",
            };
            Some(vec![
                row.label.to_string(),
                or_dash(desired.map(Val::to_text)),
                or_dash(live_value.map(Val::to_text)),
                verdict.to_string(),
            ])
        })
        .collect();
    out.push_str(&table(&["Setting", "Desired", "Live", "State"], &rows));
    out.push('\n');
    out
}

/// Variables with origin and live state; secrets are masked by `ops::variables`.
pub fn variables(view: &View<'_>, service: &DesiredService, environment: &str) -> String {
    let mut out = String::from("### Variables\n\n");
    let Ok(report) = crate::ops::variables::variables(view, &service.name, Some(environment))
    else {
        return out;
    };
    if report.variables.is_empty() {
        out.push_str("None.\n\n");
        return out;
    }
    let rows: Vec<Vec<String>> = report
        .variables
        .iter()
        .map(|v| {
            vec![
                code(Some(&v.name)),
                v.origin.clone(),
                v.state.label().to_string(),
                if v.sensitive {
                    v.value.clone()
                } else {
                    code(Some(&v.value))
                },
            ]
        })
        .collect();
    out.push_str(&table(&["Name", "Origin", "State", "Value"], &rows));
    out.push('\n');
    out
}

/// Public domains with their DNS state, and how other services reach this one privately.
pub fn domains(name: &str, status: Option<&ServiceStatus>) -> String {
    let mut out = String::from("### Domains and connection\n\n");
    out.push_str(&format!(
        "Private network: other services reference `${{{{{name}.RAILWAY_PRIVATE_DOMAIN}}}}`.\n\n"
    ));
    let domains = status.map(|s| s.domains.as_slice()).unwrap_or_default();
    if domains.is_empty() {
        out.push_str("No public domain.\n\n");
        return out;
    }
    let rows: Vec<Vec<String>> = domains
        .iter()
        .map(|d| vec![d.name.clone(), d.kind.to_string(), d.state.clone()])
        .collect();
    out.push_str(&table(&["Domain", "Kind", "State"], &rows));
    out.push('\n');
    out
}

/// The URL a health check probes: the public base URL plus the healthcheck path.
pub fn health(view: &View<'_>, service: &DesiredService, environment: &str) -> String {
    let mut out = String::from("### Health endpoint\n\n");
    let path = settings(service, environment).and_then(|s| s.values.healthcheck_path.clone());
    let base = view
        .instance(&service.name, environment)
        .and_then(crate::ops::open::public_base_url);
    let line = match (base, path) {
        (Some(base), Some(path)) => {
            format!("{} (Railway healthcheck `{path}`)", join_url(&base, &path))
        }
        (Some(base), None) => format!("{base} (no healthcheck path)"),
        (None, Some(path)) => format!("No public URL; Railway checks `{path}` on deploy"),
        (None, None) => "No public URL and no healthcheck path".to_string(),
    };
    out.push_str(&line);
    out.push_str("\n\n");
    out
}

pub fn deployment(status: Option<&ServiceStatus>) -> String {
    format!(
        "### Latest deployment\n\n{}\n",
        or_dash(status.and_then(|s| s.deployment.clone()))
    )
}

/// The service an action changes and, for per-instance actions, the environment.
fn action_target(action: &Action) -> Option<(&str, Option<&str>)> {
    match action {
        Action::CreateService { name, .. } | Action::DeleteService { name, .. } => {
            Some((name, None))
        }
        Action::ConfigureInstance {
            service,
            environment,
            ..
        }
        | Action::ConfigureVolume {
            service,
            environment,
            ..
        }
        | Action::DeleteVolume {
            service,
            environment,
            ..
        }
        | Action::DeployInstance {
            service,
            environment,
            ..
        } => Some((service, Some(environment))),
        _ => None,
    }
}

/// The plan's lines for this service, under the environment they apply to (secrets masked by
/// the plan renderer), in plan order.
pub fn drift(view: &View<'_>, service: &DesiredService) -> String {
    let mut body = String::new();
    let mut current: Option<Option<&str>> = None;
    for action in &view.plan.actions {
        let Some((name, environment)) = action_target(action) else {
            continue;
        };
        if name != service.name {
            continue;
        }
        if current != Some(environment) {
            body.push_str(&match environment {
                Some(env) => format!("# {env}\n"),
                None => "# project\n".to_string(),
            });
            current = Some(environment);
        }
        body.push_str(&action_text(action));
    }
    let mut out = String::from("\n## Drift\n\n");
    if body.trim().is_empty() {
        out.push_str("None: Railway matches the manifest.\n");
    } else {
        out.push_str("`railway-operator apply` would make these changes:\n\n```text\n");
        out.push_str(body.trim_end());
        out.push_str("\n```\n");
    }
    out
}
