//! Where the controller's manifests come from: a local file or directory, or a Git branch. A
//! [`Source`] answers "what are the manifests now, at which revision" and "wait until that
//! changes". It must not parse manifests or reconcile anything.

mod error;
mod files;
mod git;
mod redact;

use std::path::PathBuf;
use std::time::Duration;

pub use self::error::SourceError;
pub use crate::duration::parse_duration;

use self::git::GitSource;

/// What to read manifests from.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    /// A manifest file, or a directory whose `*.yml`/`*.yaml` files (not recursive, sorted) are
    /// manifests, one project each.
    Path(PathBuf),
    /// A Git repository: cloned into `checkout_dir`, fetched every `interval`; `path` is a file
    /// or directory inside it.
    Git {
        url: String,
        branch: String,
        path: PathBuf,
        interval: Duration,
        checkout_dir: PathBuf,
    },
}

/// The manifests at one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Files: "sha256:<first 12 hex of the hash over every file's path and content>"; Git: the
    /// full commit SHA.
    pub revision: String,
    /// The manifest files to load, absolute, sorted.
    pub files: Vec<PathBuf>,
    /// Git: the remote's branches (`git ls-remote --heads`), listed at each fetch, for
    /// `spec.previews.fromBranches`. Files: `None`.
    pub branches: Option<Branches>,
}

/// Branch names (under `refs/heads/`) -> their commits.
pub type Branches = std::collections::BTreeMap<String, String>;

/// An opened manifest source.
pub struct Source {
    backend: Backend,
}

enum Backend {
    Files {
        path: PathBuf,
        /// The error key `changed` last reported, so an immediate retry waits for a real change.
        reported_error: Option<String>,
    },
    Git(Box<GitSource>),
}

impl Source {
    /// Validates the spec; for Git, clones (a failure names the URL without any credentials).
    pub async fn open(spec: SourceSpec) -> Result<Source, SourceError> {
        let backend = match spec {
            SourceSpec::Path(path) => {
                if path.as_os_str().is_empty() {
                    return Err(SourceError::InvalidSpec {
                        reason: "the manifest path is empty".into(),
                    });
                }
                files::list_manifests(&path).await?;
                Backend::Files {
                    path,
                    reported_error: None,
                }
            }
            SourceSpec::Git {
                url,
                branch,
                path,
                interval,
                checkout_dir,
            } => Backend::Git(Box::new(
                GitSource::open(url, branch, path, interval, checkout_dir).await?,
            )),
        };
        Ok(Source { backend })
    }

    /// The current snapshot; for Git, fetches first when `interval` has passed since the last
    /// fetch (or `force`).
    pub async fn current(&mut self, force: bool) -> Result<Snapshot, SourceError> {
        match &mut self.backend {
            Backend::Files { path, .. } => files::snapshot(path).await,
            Backend::Git(git) => git.current(force).await,
        }
    }

    /// Waits until the revision differs from `known`, or for Git the remote's branches differ
    /// from those last returned (polling files every 500 ms; Git every `interval`), debounced: a file change is reported only once the content stayed the same
    /// for 300 ms. Cancel-safe (used inside `tokio::select!`).
    pub async fn changed(&mut self, known: &str) -> Result<Snapshot, SourceError> {
        match &mut self.backend {
            Backend::Files {
                path,
                reported_error,
            } => {
                let observation =
                    files::wait_for_change(path, known, reported_error.as_deref()).await;
                *reported_error = observation.result.is_err().then_some(observation.key);
                observation.result
            }
            Backend::Git(git) => git.changed(known).await,
        }
    }

    /// For status and logs: the path, or "URL@branch:path" with credentials removed from the URL.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Files { path, .. } => path.display().to_string(),
            Backend::Git(git) => git.describe(),
        }
    }
}
