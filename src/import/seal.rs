//! `import --encrypt-to`: every value `import` would leave a `fromEnv` placeholder is written for
//! real and sealed in SOPS's format for age recipients, so the manifest plans with only the age
//! key. Whole `${{...}}` references and `--plain` names stay in clear; a variable Railway keeps
//! sealed stays a placeholder (it has no value to write). Reads `.sops.yaml` creation rules.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use super::yaml::literal;
use super::{ImportError, Imported};
use crate::manifest::sops::{SealError, Sealing, seal_document};

/// The rule for a manifest whose secret names are unknown (and docs/secrets.md's recommendation).
pub const RECOMMENDED_RULE: &str = "^(variables|sharedVariables)$";
const RULE_FIELDS: &[&str] = &[
    "encrypted_regex",
    "encrypted_suffix",
    "unencrypted_regex",
    "unencrypted_suffix",
];

/// Recipients and, optionally, one SOPS rule field and value (from `.sops.yaml`).
#[derive(Debug, Clone, Default)]
pub struct Encryption {
    pub recipients: Vec<String>,
    pub rule: Option<(String, String)>,
}

/// `imported` with its placeholders' values sealed.
///
/// # Errors
/// [`ImportError::Encrypt`] for a recipient or rule that cannot be used.
pub fn seal(imported: &Imported, encryption: &Encryption) -> Result<Imported, ImportError> {
    let mut document: Value = serde_yaml::from_str(&imported.text)
        .map_err(|error| ImportError::Invalid(error.to_string()))?;
    let mut names = BTreeSet::new();
    let mut remaining = imported.placeholders.clone();
    reveal(&mut document, imported, &mut names);
    remaining.retain(|p| p.value.is_none());
    let rule = match &encryption.rule {
        Some(rule) => rule.clone(),
        None if names.is_empty() => ("encrypted_regex".to_string(), RECOMMENDED_RULE.to_string()),
        // Only the secret names: references and --plain values under other names stay clear.
        None => (
            "encrypted_regex".to_string(),
            format!(
                "^({})$",
                names.iter().cloned().collect::<Vec<_>>().join("|")
            ),
        ),
    };
    let sealing = |(field, value): (String, String)| Sealing {
        recipients: encryption.recipients.clone(),
        rule_field: field,
        rule_value: value,
    };
    let sealed = match seal_document(&document, &sealing(rule)) {
        // A secret's name is also a manifest field: fall back to sealing all variables.
        Err(SealError::OutsideVariables(_)) if encryption.rule.is_none() => seal_document(
            &document,
            &sealing(("encrypted_regex".to_string(), RECOMMENDED_RULE.to_string())),
        ),
        other => other,
    }
    .map_err(ImportError::Encrypt)?;
    let body = serde_yaml::to_string(&sealed).map_err(|e| ImportError::Invalid(e.to_string()))?;
    Ok(Imported {
        text: format!("{}{body}", header(&imported.text)),
        placeholders: remaining,
        warnings: imported.warnings.clone(),
    })
}

/// Replaces each `{ fromEnv: NAME }` placeholder that has a value with the value, collecting the
/// variable names so replaced.
fn reveal(value: &mut Value, imported: &Imported, names: &mut BTreeSet<String>) {
    match value {
        Value::Mapping(entries) => {
            for (key, item) in entries.iter_mut() {
                if let Some(secret) = placeholder_value(item, imported) {
                    *item = literal(secret);
                    if let Some(name) = key.as_str() {
                        names.insert(name.to_string());
                    }
                } else {
                    reveal(item, imported, names);
                }
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|i| reveal(i, imported, names)),
        _ => {}
    }
}

fn placeholder_value<'a>(value: &Value, imported: &'a Imported) -> Option<&'a str> {
    let Value::Mapping(form) = value else {
        return None;
    };
    let name = (form.len() == 1)
        .then(|| form.get("fromEnv"))
        .flatten()?
        .as_str()?;
    let placeholder = imported.placeholders.iter().find(|p| p.name == name)?;
    placeholder.value.as_ref().map(|secret| secret.expose())
}

/// The import's header comments, saying where the values are now.
fn header(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if line.starts_with("# Values are") {
            out.push_str("# Values are encrypted with SOPS for age (`sops decrypt FILE` shows them), except `${{...}}` references and --plain names.\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Why a `.sops.yaml` gives no encryption for the output.
#[derive(Debug, thiserror::Error)]
pub enum SopsConfigError {
    #[error("cannot read {}: {error}", path.display())]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{} is not YAML: {error}", path.display())]
    NotYaml {
        path: PathBuf,
        error: serde_yaml::Error,
    },
    #[error("{} has no creation_rules", path.display())]
    NoCreationRules { path: PathBuf },
    #[error("no creation rule of {} matches {target:?}", path.display())]
    NoMatchingRule { path: PathBuf, target: String },
    #[error("the matching creation rule of {} names no age recipient", path.display())]
    NoAgeRecipient { path: PathBuf },
}

/// The encryption `.sops.yaml` sets for `output` (its first creation rule whose `path_regex`
/// matches, or has none): age recipients and the rule field.
///
/// # Errors
/// [`SopsConfigError`]: an unreadable file, no matching rule, or a rule without age recipients.
pub fn from_sops_config(
    config: &Path,
    output: Option<&Path>,
) -> Result<Encryption, SopsConfigError> {
    let path = || config.to_path_buf();
    let text = std::fs::read_to_string(config).map_err(|error| SopsConfigError::Unreadable {
        path: path(),
        error,
    })?;
    let root: Value = serde_yaml::from_str(&text).map_err(|error| SopsConfigError::NotYaml {
        path: path(),
        error,
    })?;
    let rules = root
        .get("creation_rules")
        .and_then(Value::as_sequence)
        .ok_or_else(|| SopsConfigError::NoCreationRules { path: path() })?;
    let target = output
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rule = rules
        .iter()
        .find(
            |rule| match rule.get("path_regex").and_then(Value::as_str) {
                Some(pattern) => regex::Regex::new(pattern).is_ok_and(|r| r.is_match(&target)),
                None => true,
            },
        )
        .and_then(Value::as_mapping)
        .ok_or_else(|| SopsConfigError::NoMatchingRule {
            path: path(),
            target: target.clone(),
        })?;
    let mut recipients = age_recipients(rule);
    if let Some(groups) = rule.get("key_groups").and_then(Value::as_sequence) {
        for group in groups.iter().filter_map(Value::as_mapping) {
            recipients.extend(age_recipients(group));
        }
    }
    if recipients.is_empty() {
        return Err(SopsConfigError::NoAgeRecipient { path: path() });
    }
    let rule_field = RULE_FIELDS.iter().find_map(|field| {
        let value = rule.get(*field)?.as_str()?;
        Some((field.to_string(), value.to_string()))
    });
    Ok(Encryption {
        recipients,
        rule: rule_field,
    })
}

/// `age:` as a comma-separated string or a list.
fn age_recipients(rule: &Mapping) -> Vec<String> {
    match rule.get("age") {
        Some(Value::String(list)) => list
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect(),
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|r| r.trim().to_string())
            .collect(),
        _ => Vec::new(),
    }
}
