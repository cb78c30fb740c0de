//! The sandbox state file: versioned JSON, loaded at start, written atomically (temp file +
//! rename) after mutations. It must not interpret the state beyond its version.

use std::path::{Path, PathBuf};

use super::SandboxError;
use super::model::{STATE_VERSION, State};

fn state_error(path: &Path, reason: impl Into<String>) -> SandboxError {
    SandboxError::StateFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// The stored state, or `None` when the file does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<State>, SandboxError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(state_error(path, format!("cannot read it: {error}"))),
    };
    let state: State = serde_json::from_str(&text)
        .map_err(|error| state_error(path, format!("not a sandbox state file: {error}")))?;
    if state.version != STATE_VERSION {
        return Err(state_error(
            path,
            format!(
                "state version {} is not the supported version {STATE_VERSION}",
                state.version
            ),
        ));
    }
    Ok(Some(state))
}

pub(crate) fn save(path: &Path, state: &State) -> Result<(), SandboxError> {
    let text = serde_json::to_string_pretty(state)
        .map_err(|error| state_error(path, format!("cannot encode state: {error}")))?;
    let mut temporary = PathBuf::from(path);
    temporary.set_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&temporary, text).map_err(|error| {
        state_error(
            path,
            format!("cannot write {}: {error}", temporary.display()),
        )
    })?;
    std::fs::rename(&temporary, path)
        .map_err(|error| state_error(path, format!("cannot replace it: {error}")))
}
