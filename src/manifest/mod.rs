//! The manifest: loading with file:line:col diagnostics, validation (every problem at once),
//! `${VAR}` expansion and per-environment overlays, and the JSON Schema. Reads files and the
//! given environment lookup; never talks to the network.

pub mod branch_pattern;
pub mod database;
mod decode;
pub mod desired;
mod diagnostics;
pub mod event_kind;
mod expand;
pub mod ignore;
pub mod limits;
mod reference;
mod resolve;
mod schema;
pub mod setting;
pub mod sops;
mod spec;
mod suggest;
mod yaml_tree;

use std::path::Path;

pub use decode::{BUCKET_NAME_HINT, is_bucket_name};
pub use desired::Desired;
pub use diagnostics::{Diagnostic, Diagnostics, LoadError, Warning};
pub use schema::json_schema;
pub use sops::Secrets;

/// Reads and validates the manifest at `path`; `env` resolves `${VAR}` and `fromEnv`.
pub fn load_file(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Desired, LoadError> {
    load_file_with(path, env, Secrets::Required)
}

/// [`load_file`], with missing secrets (an unset `fromEnv`, no age key for a SOPS file) errors
/// or, for `validate`, warnings.
pub fn load_file_with(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    secrets: Secrets,
) -> Result<Desired, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => load_str_with(&text, path, env, secrets),
        Err(error) => {
            let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            let text = String::from_utf8_lossy(valid);
            let line = text.matches('\n').count() + 1;
            let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(LoadError::Invalid(Diagnostics(vec![Diagnostic {
                file: path.to_path_buf(),
                line,
                column,
                message: "the manifest is not valid UTF-8".to_string(),
                hint: Some("save the file as UTF-8 text".to_string()),
            }])))
        }
    }
}

/// Validates manifest `text` (read from `path`, used in diagnostics and as the base of `fromFile`
/// paths); `env` resolves `${VAR}` and `fromEnv`.
pub fn load_str(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Desired, LoadError> {
    load_str_with(text, path, env, Secrets::Required)
}

/// [`load_str`] with the given treatment of missing secrets.
pub fn load_str_with(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    secrets: Secrets,
) -> Result<Desired, LoadError> {
    let mut sink = diagnostics::Sink::new(path);
    let opened = yaml_tree::parse(text, &mut sink)
        .and_then(|root| sops::open(root, env, secrets, &mut sink));
    let desired = opened.and_then(|sops::Opened { root, sealed }| {
        if root.is_null() {
            sink.error_with_hint(
                root.at,
                "the manifest is empty",
                "start with `apiVersion: railway-operator/v1` and `kind: Project`",
            );
            return None;
        }
        let base_dir = path.parent().unwrap_or(Path::new(""));
        let inputs = decode::Inputs {
            env,
            base_dir,
            sealed: &sealed,
            secrets,
        };
        let spec = decode::decode(&root, &inputs, &mut sink);
        resolve::resolve(spec, path, &mut sink)
    });
    match desired {
        Some(mut desired) if sink.is_empty() => {
            desired.warnings.splice(0..0, sink.take_warnings());
            Ok(desired)
        }
        _ => {
            let diagnostics = sink.finish();
            if diagnostics.0.is_empty() {
                // Unreachable by construction; a diagnostic with a location is still owed.
                return Err(LoadError::Invalid(Diagnostics(vec![Diagnostic {
                    file: path.to_path_buf(),
                    line: 1,
                    column: 1,
                    message: "the manifest could not be loaded".to_string(),
                    hint: None,
                }])));
            }
            Err(LoadError::Invalid(diagnostics))
        }
    }
}
