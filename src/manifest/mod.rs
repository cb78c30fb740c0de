//! TEMPORARY stub of the manifest API, replaced by the real loader on merge.
pub mod desired;
pub use desired::Desired;
use std::path::{Path, PathBuf};
#[derive(Debug)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
}
#[derive(Debug)]
pub struct Diagnostics(pub Vec<Diagnostic>);
impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} errors", self.0.len())
    }
}
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("io {path:?}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostics),
}
pub fn load_file(
    _path: &Path,
    _env: &dyn Fn(&str) -> Option<String>,
) -> Result<Desired, LoadError> {
    unimplemented!()
}
pub fn json_schema() -> serde_json::Value {
    serde_json::Value::Null
}
