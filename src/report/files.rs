//! Writing generated documents: a file is rewritten only when its content changed, so that an
//! unchanged project leaves the output directory untouched. Renders nothing.

use std::path::{Path, PathBuf};

use super::ServiceDocument;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot create the output directory {path}: {source}")]
    CreateDirectory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    Unchanged,
}

/// Writes `document` into `directory` (created when missing) unless the file already holds
/// exactly its content. Returns the file's path and what happened.
pub fn write_document(
    directory: &Path,
    document: &ServiceDocument,
) -> Result<(PathBuf, WriteOutcome), ReportError> {
    std::fs::create_dir_all(directory).map_err(|source| ReportError::CreateDirectory {
        path: directory.to_path_buf(),
        source,
    })?;
    let path = directory.join(&document.file_name);
    if std::fs::read(&path).is_ok_and(|existing| existing == document.markdown.as_bytes()) {
        return Ok((path, WriteOutcome::Unchanged));
    }
    std::fs::write(&path, &document.markdown).map_err(|source| ReportError::Write {
        path: path.clone(),
        source,
    })?;
    Ok((path, WriteOutcome::Written))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_the_same_content_is_left_unchanged() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("docs/services");
        let document = ServiceDocument {
            service: "api".into(),
            file_name: "api.md".into(),
            markdown: "# api\n".into(),
        };
        let (path, first) = write_document(&out, &document).expect("written");
        assert_eq!(first, WriteOutcome::Written);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "# api\n");
        let (_, second) = write_document(&out, &document).expect("checked");
        assert_eq!(second, WriteOutcome::Unchanged);
        let changed = ServiceDocument {
            markdown: "# api v2\n".into(),
            ..document
        };
        assert_eq!(
            write_document(&out, &changed).expect("rewritten").1,
            WriteOutcome::Written
        );
    }
}
