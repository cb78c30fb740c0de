//! Manifests from a Git branch: clone (or reuse) a checkout, fetch on an interval, check out the
//! fetched commit and list the manifests under `path` inside it. It must not edit the remote, and
//! must not delete a directory it did not create.

mod command;

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use self::command::{GitFailure, GitRunner, TOKEN_ENV};
use super::{Branches, Snapshot, SourceError, files};

const CLONE_LIMIT: Duration = Duration::from_secs(600);
const FETCH_LIMIT: Duration = Duration::from_secs(300);
const LOCAL_LIMIT: Duration = Duration::from_secs(120);

/// A branch of a remote repository, checked out in a local directory.
pub struct GitSource {
    runner: GitRunner,
    branch: String,
    path: PathBuf,
    interval: Duration,
    checkout_dir: PathBuf,
    head: String,
    /// The remote's branches as of the last fetch, and as last handed out: a change between
    /// the two is news for `changed` even when `head` stayed.
    branches: Branches,
    reported_branches: Branches,
    last_fetch: Instant,
    /// A fetch-and-checkout that outlives a cancelled caller, so the next call resumes it
    /// instead of racing a second `git` in the same directory.
    pending: Option<JoinHandle<Result<Fetched, SourceError>>>,
    /// The commit whose listing `changed` last reported as an error, so a caller that retries
    /// at once waits for the next fetch instead of spinning.
    failed_head: Option<String>,
}

impl GitSource {
    pub async fn open(
        url: String,
        branch: String,
        path: PathBuf,
        interval: Duration,
        checkout_dir: PathBuf,
    ) -> Result<GitSource, SourceError> {
        validate(&url, &branch, &path, interval, &checkout_dir)?;
        let runner = GitRunner::new(&url, std::env::var(TOKEN_ENV).ok());
        let checkout_dir =
            std::path::absolute(&checkout_dir).map_err(|source| SourceError::Read {
                path: checkout_dir.clone(),
                source,
            })?;
        let head = if checkout_dir.join(".git").exists() {
            reuse_checkout(&runner, &checkout_dir, &branch).await?
        } else {
            clone(&runner, &checkout_dir, &branch).await?
        };
        let branches = list_branches(&runner, &checkout_dir).await?;
        let mut source = GitSource {
            runner,
            branch,
            path: normalize(&path),
            interval,
            checkout_dir,
            head,
            branches,
            reported_branches: Branches::new(),
            last_fetch: Instant::now(),
            pending: None,
            failed_head: None,
        };
        source.snapshot().await?;
        Ok(source)
    }

    pub async fn current(&mut self, force: bool) -> Result<Snapshot, SourceError> {
        if force || self.pending.is_some() || self.last_fetch.elapsed() >= self.interval {
            self.refresh().await?;
        }
        self.snapshot().await
    }

    pub async fn changed(&mut self, known: &str) -> Result<Snapshot, SourceError> {
        let already_reported = self.failed_head.as_deref() == Some(self.head.as_str());
        let news = |source: &GitSource| {
            source.head != known || source.branches != source.reported_branches
        };
        if self.pending.is_none() && news(self) && !already_reported {
            return self.report().await;
        }
        loop {
            if self.pending.is_none() {
                tokio::time::sleep_until(self.last_fetch + self.interval).await;
            }
            self.refresh().await?;
            if news(self) {
                return self.report().await;
            }
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "{}@{}:{}",
            self.runner.public_url(),
            self.branch,
            self.path.display()
        )
    }

    async fn report(&mut self) -> Result<Snapshot, SourceError> {
        let result = self.snapshot().await;
        self.failed_head = result.is_err().then(|| self.head.clone());
        result
    }

    /// Fetches and checks out the branch's newest commit. Awaiting a `&mut JoinHandle` is
    /// cancel-safe; the handle is dropped only once it has produced its result.
    async fn refresh(&mut self) -> Result<(), SourceError> {
        let handle = self.pending.get_or_insert_with(|| {
            let runner = self.runner.clone();
            let dir = self.checkout_dir.clone();
            let branch = self.branch.clone();
            tokio::spawn(async move {
                let commit = fetch_and_checkout(&runner, &dir, &branch).await?;
                let branches = list_branches(&runner, &dir).await?;
                Ok(Fetched { commit, branches })
            })
        });
        let joined = handle.await;
        self.pending = None;
        self.last_fetch = Instant::now();
        match joined {
            Ok(Ok(Fetched { commit, branches })) => {
                if commit != self.head {
                    tracing::info!(source = %self.describe(), %commit, "new commit checked out");
                }
                self.head = commit;
                self.branches = branches;
                Ok(())
            }
            Ok(Err(error)) => {
                tracing::debug!(source = %self.describe(), %error, "git fetch failed");
                Err(error)
            }
            Err(join_error) => Err(SourceError::Background {
                reason: join_error.to_string(),
            }),
        }
    }

    async fn snapshot(&mut self) -> Result<Snapshot, SourceError> {
        let root = self.checkout_dir.join(&self.path);
        self.reported_branches.clone_from(&self.branches);
        match files::list_manifests(&root).await {
            Ok(files) => Ok(Snapshot {
                revision: self.head.clone(),
                files,
                branches: Some(self.branches.clone()),
            }),
            Err(SourceError::PathNotFound { .. }) => Err(SourceError::PathMissingInRepo {
                url: self.runner.public_url(),
                branch: self.branch.clone(),
                path: self.path.clone(),
                commit: self.head.clone(),
            }),
            Err(other) => Err(other),
        }
    }
}

fn validate(
    url: &str,
    branch: &str,
    path: &Path,
    interval: Duration,
    checkout_dir: &Path,
) -> Result<(), SourceError> {
    let invalid = |reason: String| Err(SourceError::InvalidSpec { reason });
    if url.trim().is_empty() {
        return invalid("the Git URL is empty".into());
    }
    // A leading dash would turn a value into a git option.
    if url.starts_with('-') {
        return invalid("the Git URL must not start with '-'".into());
    }
    if branch.trim().is_empty() || branch.starts_with('-') || branch.contains(char::is_whitespace) {
        return invalid(format!("{branch:?} is not a usable branch name"));
    }
    if path.is_absolute()
        || path
            .components()
            .any(|component| matches!(component, Component::ParentDir | Component::Prefix(_)))
    {
        return invalid(format!(
            "the path inside the repository must be relative and stay inside it, got {}",
            path.display()
        ));
    }
    if interval.is_zero() {
        return invalid("the Git fetch interval must be greater than zero".into());
    }
    if checkout_dir.as_os_str().is_empty() {
        return invalid("the Git checkout directory is empty".into());
    }
    Ok(())
}

/// `manifests/./` and `manifests` name the same directory; the empty path is the repository root.
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|component| matches!(component, Component::Normal(_)))
        .collect()
}

async fn clone(runner: &GitRunner, dir: &Path, branch: &str) -> Result<String, SourceError> {
    let occupied = match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(_) => false,
    };
    if occupied || dir.is_file() {
        return Err(SourceError::CheckoutDirInUse {
            dir: dir.to_path_buf(),
            url: runner.public_url(),
        });
    }
    let parent = dir.parent().unwrap_or(Path::new("/"));
    tokio::fs::create_dir_all(parent)
        .await
        .map_err(|source| SourceError::Read {
            path: parent.to_path_buf(),
            source,
        })?;
    let dir_arg = dir.to_string_lossy();
    let args = [
        "clone",
        "--quiet",
        "--branch",
        branch,
        "--single-branch",
        "--",
        runner.url(),
        dir_arg.as_ref(),
    ];
    runner
        .run(parent, &args, CLONE_LIMIT)
        .await
        .map_err(|failure| remote_error(runner, "clone", branch, failure))?;
    run_local(runner, dir, &["rev-parse", "HEAD"], "rev-parse").await
}

async fn reuse_checkout(
    runner: &GitRunner,
    dir: &Path,
    branch: &str,
) -> Result<String, SourceError> {
    let origin = run_local(
        runner,
        dir,
        &["remote", "get-url", "origin"],
        "remote get-url",
    )
    .await
    .unwrap_or_default();
    if origin != runner.url() {
        return Err(SourceError::CheckoutDirInUse {
            dir: dir.to_path_buf(),
            url: runner.public_url(),
        });
    }
    fetch_and_checkout(runner, dir, branch).await
}

/// What one fetch tick learned: the branch's commit and the remote's branches.
struct Fetched {
    commit: String,
    branches: Branches,
}

/// The remote's branches, by name under `refs/heads/`, with their commits: one
/// `git ls-remote --heads` on the fetch tick (for `spec.previews.fromBranches`).
async fn list_branches(runner: &GitRunner, dir: &Path) -> Result<Branches, SourceError> {
    let listed = runner
        .run(
            dir,
            &["ls-remote", "--heads", "--", runner.url()],
            FETCH_LIMIT,
        )
        .await
        .map_err(|failure| remote_error(runner, "ls-remote", "", failure))?;
    Ok(listed
        .lines()
        .filter_map(|line| line.split_once(char::is_whitespace))
        .filter_map(|(commit, name)| {
            let name = name.trim().strip_prefix("refs/heads/")?;
            Some((name.to_string(), commit.to_string()))
        })
        .collect())
}

/// Always checks out, even an unchanged commit, so local edits in the checkout are undone.
async fn fetch_and_checkout(
    runner: &GitRunner,
    dir: &Path,
    branch: &str,
) -> Result<String, SourceError> {
    runner
        .run(dir, &["fetch", "--quiet", "origin", branch], FETCH_LIMIT)
        .await
        .map_err(|failure| remote_error(runner, "fetch", branch, failure))?;
    let commit = run_local(runner, dir, &["rev-parse", "FETCH_HEAD"], "rev-parse").await?;
    run_local(
        runner,
        dir,
        &["checkout", "--quiet", "--force", "--detach", &commit],
        "checkout",
    )
    .await?;
    Ok(commit)
}

async fn run_local(
    runner: &GitRunner,
    dir: &Path,
    args: &[&str],
    operation: &'static str,
) -> Result<String, SourceError> {
    runner
        .run(dir, args, LOCAL_LIMIT)
        .await
        .map_err(|failure| match failure {
            GitFailure::Spawn(source) => SourceError::GitUnavailable { source },
            GitFailure::Exited { stderr } => SourceError::Local {
                operation,
                dir: dir.to_path_buf(),
                stderr,
            },
            GitFailure::TimedOut(after) => SourceError::Timeout {
                operation,
                url: runner.public_url(),
                after,
            },
        })
}

fn remote_error(
    runner: &GitRunner,
    operation: &'static str,
    branch: &str,
    failure: GitFailure,
) -> SourceError {
    match failure {
        GitFailure::Spawn(source) => SourceError::GitUnavailable { source },
        GitFailure::TimedOut(after) => SourceError::Timeout {
            operation,
            url: runner.public_url(),
            after,
        },
        GitFailure::Exited { stderr } if names_missing_branch(&stderr) => {
            SourceError::UnknownBranch {
                url: runner.public_url(),
                branch: branch.to_string(),
                stderr,
            }
        }
        GitFailure::Exited { stderr } => SourceError::Remote {
            operation,
            url: runner.public_url(),
            stderr,
        },
    }
}

/// Git's wording (forced to English through `LC_ALL=C`) for a branch the remote lacks.
fn names_missing_branch(stderr: &str) -> bool {
    let lower = stderr.to_ascii_lowercase();
    (lower.contains("remote branch") && lower.contains("not found"))
        || lower.contains("couldn't find remote ref")
}
