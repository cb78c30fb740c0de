//! `report`: one Markdown analysis document per manifest service, generated from the manifest,
//! the live snapshot and the plan through the `ops` reports. Renders and writes files only;
//! never talks to Railway and never prints a secret value.

mod attention;
pub mod document;
pub mod files;
pub mod markdown;
mod sections;
mod volume;

use std::collections::BTreeMap;

use crate::ops::status::BackupSummary;
use crate::ops::{OpsError, View};

pub use document::render_service;
pub use files::{ReportError, WriteOutcome, write_document};

/// Everything a document is generated from; nothing here changes between two runs on an
/// unchanged project, so the documents are byte-identical.
pub struct ReportInput<'a> {
    pub view: &'a View<'a>,
    /// Backups per live volume instance id, as `ops::status::read_backups` returns them.
    pub backups: &'a BTreeMap<String, BackupSummary>,
    /// The manifest path as the user gave it, quoted in every document.
    pub manifest_label: &'a str,
}

/// One generated document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDocument {
    pub service: String,
    /// `<service>.md`.
    pub file_name: String,
    pub markdown: String,
}

/// Documents of every service in manifest order, or of `only` (an unknown name is an error
/// listing the valid ones).
pub fn documents(
    input: &ReportInput<'_>,
    only: Option<&str>,
) -> Result<Vec<ServiceDocument>, OpsError> {
    let services = match only {
        Some(name) => vec![input.view.service(name)?],
        None => input.view.desired.services.iter().collect(),
    };
    Ok(services
        .into_iter()
        .map(|service| ServiceDocument {
            service: service.name.clone(),
            file_name: format!("{}.md", service.name),
            markdown: render_service(input, service),
        })
        .collect())
}
