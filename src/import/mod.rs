//! `import`: writes a manifest from a live Railway project, so a team can adopt the operator on
//! an existing project. Reads through the snapshot; builds the manifest text purely; checks it
//! with the manifest loader. Never writes to Railway; writes a value only when it is one whole
//! `${{...}}` reference or named with `--plain` (R27).

mod buckets;
mod database;
mod domains;
mod render;
mod seal;
mod settings;
mod split;
mod variables;
mod volumes;
mod yaml;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};

pub use seal::{Encryption, RECOMMENDED_RULE, SopsConfigError, from_sops_config, seal};
pub use variables::Placeholder;

use crate::manifest::{self, Desired, LoadError, Secrets};
use crate::railway::live::LiveProject;
use crate::railway::{Client, Error as RailwayError, snapshot};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Environment names to import, in any order; empty: every non-ephemeral one.
    pub environments: Vec<String>,
    /// Variable names whose values are written in clear (`--plain`), in every scope (R27);
    /// every other value but a whole `${{...}}` reference becomes a `fromEnv` placeholder.
    pub plain: Vec<String>,
}

/// Where and when the import happened, for the manifest's header comment.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub api_url: String,
    pub imported_at: DateTime<Utc>,
}

/// An imported manifest.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The manifest, YAML with a header comment.
    pub text: String,
    /// The environment variables the user supplies before planning, in manifest order.
    pub placeholders: Vec<Placeholder>,
    /// What the manifest could not express exactly (also written as comments in `text`).
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("no project named {0:?} is visible to the token")]
    NoProjectNamed(String),
    #[error("{count} projects are named {name:?}: pass one of their ids with --project ({ids})")]
    AmbiguousName {
        name: String,
        count: usize,
        ids: String,
    },
    #[error("no project with id {0} is visible to the token")]
    NoProjectWithId(String),
    #[error("--env {name}: the project has no such environment (it has: {available})")]
    UnknownEnvironment { name: String, available: String },
    #[error("the project has no environment to import")]
    NoEnvironment,
    #[error("the imported manifest does not validate (this is a bug in import):\n{0}")]
    Invalid(String),
    #[error("cannot encrypt the manifest: {0}")]
    Encrypt(crate::manifest::sops::SealError),
    #[error(transparent)]
    Railway(#[from] RailwayError),
}

/// Reads the project `project` names: a UUID is an id, anything else a name (looked up in
/// `workspace_id` when given).
///
/// # Errors
/// [`ImportError::NoProjectNamed`] / [`ImportError::NoProjectWithId`] when nothing matches;
/// [`ImportError::AmbiguousName`], with the ids, for a name several projects share.
pub async fn read_live(
    client: &Client,
    project: &str,
    workspace_id: Option<&str>,
) -> Result<LiveProject, ImportError> {
    let id = if uuid::Uuid::parse_str(project).is_ok() {
        project.to_string()
    } else {
        let mut ids = snapshot::find_project_ids(client, project, workspace_id).await?;
        match ids.len() {
            0 => return Err(ImportError::NoProjectNamed(project.to_string())),
            1 => ids.remove(0),
            count => {
                return Err(ImportError::AmbiguousName {
                    name: project.to_string(),
                    count,
                    ids: ids.join(", "),
                });
            }
        }
    };
    match snapshot::read_project(client, &id).await {
        Ok(live) => Ok(live),
        Err(RailwayError::NotFound { .. }) => Err(ImportError::NoProjectWithId(id)),
        Err(error) => Err(error.into()),
    }
}

/// Builds the manifest of `project` (pure).
///
/// # Errors
/// An `--env` the project does not have, or a project without environments.
pub fn build_manifest(
    project: &LiveProject,
    options: &ImportOptions,
    provenance: &Provenance,
) -> Result<Imported, ImportError> {
    let available = || {
        project
            .environments
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for name in &options.environments {
        // R50: a PR environment is not imported.
        if project.persistent_environment_named(name).is_none() {
            return Err(ImportError::UnknownEnvironment {
                name: name.clone(),
                available: available(),
            });
        }
    }
    let environments: Vec<_> = project
        .environments
        .iter()
        .filter(|e| options.environments.is_empty() || options.environments.contains(&e.name))
        .collect();
    if environments.is_empty() {
        return Err(ImportError::NoEnvironment);
    }
    let plain: BTreeSet<String> = options.plain.iter().cloned().collect();
    let mut imported = render::render(project, &environments, &plain, provenance);
    imported
        .warnings
        .extend(unknown_plain(&environments, &plain));
    Ok(imported)
}

/// A warning for each `--plain` name no imported variable has (a typo would otherwise pass
/// silently and leave the value a placeholder).
fn unknown_plain(
    environments: &[&crate::railway::live::LiveEnvironment],
    plain: &BTreeSet<String>,
) -> Vec<String> {
    let present = |name: &String| {
        environments.iter().any(|env| {
            env.shared_variables.contains_key(name)
                || env
                    .instances
                    .values()
                    .any(|i| i.variables.contains_key(name))
        })
    };
    plain
        .iter()
        .filter(|name| !present(name))
        .map(|name| format!("--plain {name}: no imported variable has this name"))
        .collect()
}

/// Loads `imported` with the manifest loader, its placeholders set to dummy values (an encrypted
/// manifest is checked without its key, as `validate` does).
///
/// # Errors
/// [`ImportError::Invalid`] with the loader's diagnostics.
pub fn validate(imported: &Imported) -> Result<Desired, ImportError> {
    let env = |name: &str| {
        imported
            .placeholders
            .iter()
            .any(|p| p.name == name)
            .then(|| "placeholder".to_string())
    };
    manifest::load_str_with(
        &imported.text,
        Path::new("imported.yml"),
        &env,
        Secrets::Optional,
    )
    .map_err(|error| match error {
        LoadError::Invalid(diagnostics) => ImportError::Invalid(diagnostics.to_string()),
        LoadError::Io { source, .. } => ImportError::Invalid(source.to_string()),
    })
}
