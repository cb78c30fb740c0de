//! Diagnostics of a manifest: one problem with its file:line:col and hint, the sorted set of them,
//! and the loader's error type. Knows nothing about YAML or the manifest's shape.

use std::fmt;
use std::path::{Path, PathBuf};

/// A 1-based line and column in the manifest text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One problem found in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Something a valid manifest may still run into (a plan limit): printed, never failing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: warning: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Every problem of one manifest, sorted by position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.0 {
            writeln!(f, "{diagnostic}")?;
        }
        let file = self
            .0
            .first()
            .map(|d| d.file.display().to_string())
            .unwrap_or_default();
        write!(f, "{} error(s) in {file}", self.0.len())
    }
}

impl std::error::Error for Diagnostics {}

/// Why a manifest could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// Collects diagnostics while a manifest is checked; duplicates (the same problem reached through
/// several environments) are kept once.
#[derive(Debug)]
pub struct Sink {
    file: PathBuf,
    found: Vec<Diagnostic>,
    warnings: Vec<Warning>,
}

impl Sink {
    pub fn new(file: &Path) -> Self {
        Sink {
            file: file.to_path_buf(),
            found: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn error(&mut self, at: Position, message: impl Into<String>) {
        self.push(at, message.into(), None);
    }

    pub fn error_with_hint(
        &mut self,
        at: Position,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(at, message.into(), Some(hint.into()));
    }

    fn push(&mut self, at: Position, message: String, hint: Option<String>) {
        let duplicate = self
            .found
            .iter()
            .any(|d| d.line == at.line && d.column == at.column && d.message == message);
        if !duplicate {
            self.found.push(Diagnostic {
                file: self.file.clone(),
                line: at.line.max(1),
                column: at.column.max(1),
                message,
                hint,
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// Something a check without secrets (`validate`) could not look at: printed, never failing.
    pub fn warning(&mut self, at: Position, message: impl Into<String>) {
        let message = message.into();
        if !self
            .warnings
            .iter()
            .any(|w| w.message == message && w.line == at.line)
        {
            self.warnings.push(Warning {
                file: self.file.clone(),
                line: at.line.max(1),
                column: at.column.max(1),
                message,
            });
        }
    }

    /// The warnings collected, in the order found.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// The collected diagnostics, sorted by position (stable, so same-position problems keep the
    /// order they were found in).
    pub fn finish(mut self) -> Diagnostics {
        self.found.sort_by_key(|d| (d.line, d.column));
        Diagnostics(self.found)
    }
}
