//! Reads the crate's own graphql/ directory (subset SDL and operation files); it never validates or compares.

use std::path::{Path, PathBuf};

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

/// One `.graphql` operation file; by convention its stem is the operation's name.
pub struct OperationFile {
    pub path: PathBuf,
    pub stem: String,
    pub source: String,
}

fn graphql_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("graphql")
}

/// Path of the hand-written subset SDL.
pub fn subset_schema_path() -> PathBuf {
    graphql_dir().join("railway.graphql")
}

/// Every file under graphql/queries and graphql/mutations, sorted by path so reports are stable.
pub fn operation_files() -> Vec<OperationFile> {
    let mut files = Vec::new();
    for folder in ["queries", "mutations"] {
        let dir = graphql_dir().join(folder);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
        for entry in entries {
            let path = entry.expect("readable directory entry").path();
            if path.extension().is_some_and(|ext| ext == "graphql") {
                let source = std::fs::read_to_string(&path)
                    .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
                let stem = path
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push(OperationFile { path, stem, source });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The subset SDL parsed and validated; an invalid subset is itself a failure worth a panic.
pub fn subset_schema() -> Valid<Schema> {
    let path = subset_schema_path();
    let sdl = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    Schema::parse_and_validate(sdl, &path).unwrap_or_else(|with_errors| {
        panic!(
            "{} is not a valid schema:\n{}",
            path.display(),
            with_errors.errors
        )
    })
}
