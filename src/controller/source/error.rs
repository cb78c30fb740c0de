//! The one error type of manifest sources. Every message says what failed and where; it must
//! never carry a token or a URL's `user:password@` part (callers scrub before building one).

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("invalid manifest source: {reason}")]
    InvalidSpec { reason: String },

    #[error("manifest path {} does not exist", path.display())]
    PathNotFound { path: PathBuf },

    #[error("manifest path {} is neither a file nor a directory", path.display())]
    NotFileOrDirectory { path: PathBuf },

    #[error("no *.yml or *.yaml manifests in directory {}", dir.display())]
    NoManifests { dir: PathBuf },

    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot run `git` (is it installed and on PATH?): {source}")]
    GitUnavailable {
        #[source]
        source: std::io::Error,
    },

    #[error("could not {operation} Git repository {url}: {stderr}")]
    Remote {
        operation: &'static str,
        url: String,
        stderr: String,
    },

    #[error("branch {branch:?} not found in Git repository {url}: {stderr}")]
    UnknownBranch {
        url: String,
        branch: String,
        stderr: String,
    },

    #[error("path {} not found in Git repository {url} at branch {branch:?} (commit {commit})", path.display())]
    PathMissingInRepo {
        url: String,
        branch: String,
        path: PathBuf,
        commit: String,
    },

    #[error("checkout directory {} already holds something other than a clone of {url}; choose another directory or empty it", dir.display())]
    CheckoutDirInUse { dir: PathBuf, url: String },

    #[error("git {operation} in {} failed: {stderr}", dir.display())]
    Local {
        operation: &'static str,
        dir: PathBuf,
        stderr: String,
    },

    #[error("git {operation} of {url} did not finish within {}s", after.as_secs())]
    Timeout {
        operation: &'static str,
        url: String,
        after: Duration,
    },

    #[error("the background Git update stopped unexpectedly: {reason}")]
    Background { reason: String },
}
