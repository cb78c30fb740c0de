//! Manifests on the local file system: which files a path means (a file, or a directory's
//! `*.yml`/`*.yaml` files, not recursive, sorted) and a content revision over them. Reads only;
//! it must not know about Git or reconciling.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{Snapshot, SourceError};

/// How often a path is re-read while waiting for a change.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// How long a changed content must stay the same before it is reported, so a burst of writes
/// (an editor's save, a `git pull`) is one change.
pub const SETTLE_TIME: Duration = Duration::from_millis(300);

/// How many hex digits of the content hash make the revision.
const REVISION_HEX_LEN: usize = 12;

/// The manifest files `path` stands for, absolute and sorted.
pub async fn list_manifests(path: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let root = absolute(path)?;
    let metadata = match tokio::fs::metadata(&root).await {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Err(SourceError::PathNotFound { path: root });
        }
        Err(source) => return Err(SourceError::Read { path: root, source }),
    };
    if metadata.is_file() {
        return Ok(vec![root]);
    }
    if !metadata.is_dir() {
        return Err(SourceError::NotFileOrDirectory { path: root });
    }
    let mut files = Vec::new();
    let mut entries = tokio::fs::read_dir(&root)
        .await
        .map_err(|source| read_error(&root, source))?;
    while let Some(entry) = entries
        .next_entry()
        .await
        .map_err(|source| read_error(&root, source))?
    {
        let entry_path = entry.path();
        if !is_manifest_name(&entry_path) {
            continue;
        }
        // Follows symlinks, so a linked manifest counts and a dangling link is skipped.
        match tokio::fs::metadata(&entry_path).await {
            Ok(entry_metadata) if entry_metadata.is_file() => files.push(entry_path),
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::NotFound => {}
            Err(source) => return Err(read_error(&entry_path, source)),
        }
    }
    if files.is_empty() {
        return Err(SourceError::NoManifests { dir: root });
    }
    files.sort();
    Ok(files)
}

/// "sha256:<12 hex>" over every file's name (relative to `path`'s directory) and content.
pub async fn content_revision(files: &[PathBuf]) -> Result<String, SourceError> {
    let mut hasher = Sha256::new();
    for file in files {
        let content = tokio::fs::read(file)
            .await
            .map_err(|source| read_error(file, source))?;
        let name = file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Length prefixes keep ("a", "bc") and ("ab", "c") from hashing alike.
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    let digest = hex::encode(hasher.finalize());
    Ok(format!("sha256:{}", &digest[..REVISION_HEX_LEN]))
}

/// The listing and content revision of `path` right now.
pub async fn snapshot(path: &Path) -> Result<Snapshot, SourceError> {
    let files = list_manifests(path).await?;
    let revision = content_revision(&files).await?;
    Ok(Snapshot {
        revision,
        files,
        branches: None,
    })
}

/// Waits until `path`'s revision differs from `known` and then stays put for [`SETTLE_TIME`].
/// A failure to read (say, the directory vanished) is reported the same way once it persists,
/// except the failure keyed `quiet_error` (the one reported last time), until the path reads
/// fine again. Cancel-safe: it keeps no state outside its own future.
pub async fn wait_for_change(path: &Path, known: &str, quiet_error: Option<&str>) -> Observation {
    let mut quiet_error = quiet_error.map(str::to_string);
    loop {
        let mut candidate = observe(path).await;
        if candidate.result.is_ok() {
            quiet_error = None;
        }
        if candidate.key == known || Some(&candidate.key) == quiet_error.as_ref() {
            tokio::time::sleep(POLL_INTERVAL).await;
            continue;
        }
        loop {
            tokio::time::sleep(SETTLE_TIME).await;
            let latest = observe(path).await;
            if latest.key == candidate.key {
                return latest;
            }
            if latest.key == known {
                break;
            }
            candidate = latest;
        }
    }
}

/// One reading of a path, keyed so that two readings compare equal when nothing changed.
pub struct Observation {
    pub key: String,
    pub result: Result<Snapshot, SourceError>,
}

async fn observe(path: &Path) -> Observation {
    let result = snapshot(path).await;
    let key = match &result {
        Ok(snapshot) => snapshot.revision.clone(),
        Err(error) => format!("error: {error}"),
    };
    Observation { key, result }
}

/// Hidden files are skipped like a shell glob would, which also ignores editor lock files
/// such as `.#app.yml`.
fn is_manifest_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    !name.starts_with('.') && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

fn absolute(path: &Path) -> Result<PathBuf, SourceError> {
    std::path::absolute(path).map_err(|source| read_error(path, source))
}

fn read_error(path: &Path, source: std::io::Error) -> SourceError {
    SourceError::Read {
        path: path.to_path_buf(),
        source,
    }
}
