//! Read-only operations views over a manifest plus the live snapshot: `list`, `env`, `repo`,
//! `open`, `status`, `health` and `logs`. Builds reports and renders them; never writes to Railway and
//! never shows a secret value (secrets stay [`crate::secret::Secret`]s, printed as `(sensitive)`).

pub mod health;
pub mod list;
pub mod logs;
pub mod open;
pub mod repo;
pub mod status;
pub mod variables;

use serde::Serialize;

use crate::manifest::Desired;
use crate::manifest::desired::{DesiredService, InstanceSettings, ServiceKind, Source};
use crate::plan::{Action, Plan, PlanOptions};
use crate::railway::Live;
use crate::railway::live::{LiveEnvironment, LiveInstance, LiveProject};

/// Version of every ops command's JSON output; bumped only on an incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// How a value that must not be shown is printed.
pub const SENSITIVE: &str = "(sensitive)";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpsError {
    #[error("no service `{name}` in the manifest (it has: {valid})")]
    UnknownService { name: String, valid: String },
    #[error("no environment `{name}` in the manifest (it has: {valid})")]
    UnknownEnvironment { name: String, valid: String },
    #[error("environment `{name}` is ambiguous: it starts {matches}")]
    AmbiguousEnvironment { name: String, matches: String },
    #[error("`{service}` is {kind} in the manifest: it has no deployments on Railway")]
    NotDeployed { service: String, kind: &'static str },
    #[error("`{service}` is not on Railway in {environment} yet (run apply)")]
    NotOnRailway {
        service: String,
        environment: String,
    },
    #[error("`{service}` has no deployment in {environment} yet")]
    NoDeployment {
        service: String,
        environment: String,
    },
}

/// The one JSON object a command prints: version, command name, then the report's own fields.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<'a, T: Serialize> {
    pub format_version: u32,
    pub command: &'a str,
    #[serde(flatten)]
    pub report: &'a T,
}

pub fn envelope<'a, T: Serialize>(command: &'a str, report: &'a T) -> Envelope<'a, T> {
    Envelope {
        format_version: FORMAT_VERSION,
        command,
        report,
    }
}

/// Where one service stands in one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncState {
    /// Not on Railway (no project, environment, service or instance yet).
    Missing,
    InSync,
    /// The plan has changes for this service here.
    Drifted,
    /// `enabled: false` in the manifest.
    Planned,
    /// Not on Railway by design.
    External,
}

impl SyncState {
    pub fn label(self) -> &'static str {
        match self {
            SyncState::Missing => "missing",
            SyncState::InSync => "in-sync",
            SyncState::Drifted => "drifted",
            SyncState::Planned => "planned",
            SyncState::External => "external",
        }
    }
}

/// The manifest, the live snapshot and the plan between them: what every report reads.
pub struct View<'a> {
    pub desired: &'a Desired,
    pub live: &'a Live,
    pub plan: Plan,
}

impl<'a> View<'a> {
    pub fn new(desired: &'a Desired, live: &'a Live) -> Self {
        let plan = crate::plan::plan(desired, live, &PlanOptions::default());
        View {
            desired,
            live,
            plan,
        }
    }

    pub fn project(&self) -> Option<&'a LiveProject> {
        self.live.project.as_ref()
    }

    pub fn environment(&self, name: &str) -> Option<&'a LiveEnvironment> {
        self.project()?.environment_named(name)
    }

    pub fn instance(&self, service: &str, environment: &str) -> Option<&'a LiveInstance> {
        self.project()?.instance(service, environment)
    }

    /// The service by name, or an error naming every service of the manifest.
    pub fn service(&self, name: &str) -> Result<&'a DesiredService, OpsError> {
        find_service(self.desired, name)
    }

    /// An environment by exact name or unique prefix (`prod` for `production`).
    pub fn resolve_environment(&self, name: &str) -> Result<String, OpsError> {
        resolve_environment(self.desired, name)
    }

    /// Environments a command covers: the one asked for, or all in manifest order.
    pub fn environments(&self, only: Option<&str>) -> Result<Vec<String>, OpsError> {
        match only {
            Some(name) => Ok(vec![self.resolve_environment(name)?]),
            None => Ok(self.desired.environments.clone()),
        }
    }

    pub fn sync_state(&self, service: &DesiredService, environment: &str) -> SyncState {
        match &service.kind {
            ServiceKind::Planned { .. } => SyncState::Planned,
            ServiceKind::External { .. } => SyncState::External,
            ServiceKind::Managed { .. } => {
                if self.instance(&service.name, environment).is_none() {
                    return SyncState::Missing;
                }
                let drifted = self.plan.actions.iter().any(|action| match action {
                    Action::ConfigureInstance {
                        service: s,
                        environment: e,
                        ..
                    }
                    | Action::ConfigureVolume {
                        service: s,
                        environment: e,
                        ..
                    }
                    | Action::DeleteVolume {
                        service: s,
                        environment: e,
                        ..
                    } => s == &service.name && e == environment,
                    _ => false,
                });
                if drifted {
                    SyncState::Drifted
                } else {
                    SyncState::InSync
                }
            }
        }
    }
}

pub fn find_service<'a>(desired: &'a Desired, name: &str) -> Result<&'a DesiredService, OpsError> {
    desired
        .services
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| OpsError::UnknownService {
            name: name.to_string(),
            valid: desired
                .services
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

pub fn resolve_environment(desired: &Desired, name: &str) -> Result<String, OpsError> {
    if desired.environments.iter().any(|e| e == name) {
        return Ok(name.to_string());
    }
    let matches: Vec<&String> = desired
        .environments
        .iter()
        .filter(|e| !name.is_empty() && e.starts_with(name))
        .collect();
    match matches.as_slice() {
        [only] => Ok((*only).clone()),
        [] => Err(OpsError::UnknownEnvironment {
            name: name.to_string(),
            valid: desired.environments.join(", "),
        }),
        many => Err(OpsError::AmbiguousEnvironment {
            name: name.to_string(),
            matches: many
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// A managed service's settings in one environment.
pub fn settings<'a>(
    service: &'a DesiredService,
    environment: &str,
) -> Option<&'a InstanceSettings> {
    match &service.kind {
        ServiceKind::Managed { environments } => environments.get(environment),
        _ => None,
    }
}

pub fn kind_label(kind: &ServiceKind) -> &'static str {
    match kind {
        ServiceKind::Managed { .. } => "managed",
        ServiceKind::Planned { .. } => "planned",
        ServiceKind::External { .. } => "external",
    }
}

/// `image`, `repo@branch[/rootDirectory]`.
pub fn source_text(source: &Source) -> String {
    match source {
        Source::Image(image) => image.clone(),
        Source::Repo {
            repo,
            branch,
            root_directory,
        } => match root_directory {
            Some(dir) => format!("{repo}@{branch}/{}", dir.trim_start_matches('/')),
            None => format!("{repo}@{branch}"),
        },
    }
}

/// A table with left-aligned columns separated by two spaces, for text output.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[c]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::desired::{Policy, ProjectRef};

    fn desired(environments: &[&str]) -> Desired {
        Desired {
            source_path: Default::default(),
            project: ProjectRef {
                name: "p".into(),
                id: None,
                workspace_id: None,
            },
            policy: Policy::default(),
            environments: environments.iter().map(|e| e.to_string()).collect(),
            services: Vec::new(),
            shared_variables: Default::default(),
            pending_references: Vec::new(),
            warnings: Vec::new(),
            notifications: Vec::new(),
            previews: None,
            buckets: Vec::new(),
        }
    }

    #[test]
    fn an_environment_is_found_by_exact_name_or_unique_prefix() {
        let d = desired(&["production", "prod-eu", "staging"]);
        assert_eq!(resolve_environment(&d, "prod-eu"), Ok("prod-eu".into()));
        assert_eq!(resolve_environment(&d, "stag"), Ok("staging".into()));
        assert!(matches!(
            resolve_environment(&d, "prod"),
            Err(OpsError::AmbiguousEnvironment { .. })
        ));
        let unknown = resolve_environment(&d, "qa").unwrap_err().to_string();
        assert!(
            unknown.contains("production, prod-eu, staging"),
            "{unknown}"
        );
    }

    #[test]
    fn a_repo_source_reads_as_repo_at_branch_and_root_directory() {
        let source = Source::Repo {
            repo: "o/r".into(),
            branch: "main".into(),
            root_directory: Some("/backend".into()),
        };
        assert_eq!(source_text(&source), "o/r@main/backend");
        assert_eq!(source_text(&Source::Image("redis:7".into())), "redis:7");
    }
}
