//! Ignore rules (`ignore:`): the vocabulary of paths a service or an override may list, parsing
//! one path, and which plan fields a path covers. An operator policy, never a Railway setting:
//! nothing here is diffed or sent, and what the plan does with a match is the plan's business.

use std::fmt;

use serde::{Serialize, Serializer};

use super::setting::{self, SOURCE_PATHS, TABLE};

/// The settings fields the plan diffs, spelled as the plan prints them: the source's, then
/// every row of the setting table.
pub fn setting_fields() -> impl Iterator<Item = &'static str> {
    SOURCE_PATHS
        .iter()
        .copied()
        .chain(TABLE.iter().map(|row| row.path))
}

/// Groups of settings fields (`deploy`, `deploy.healthcheck`...): a group covers every field
/// under it.
pub fn setting_groups() -> Vec<&'static str> {
    setting::groups()
        .into_iter()
        .filter(|g| !SOURCE_PATHS.contains(g))
        .collect()
}

/// The paths that are not settings fields.
const OTHER_PATHS: &[&str] = &[
    "variables",
    "domains",
    "tcpProxies",
    "volume",
    "volume.backups",
];

/// One path of an `ignore:` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnorePath {
    /// A settings field or a group of them (one of [`setting_fields`] or [`setting_groups`]):
    /// the field and every field under it (`source` covers `source.rootDirectory`).
    Setting(&'static str),
    /// `variables`, `variables.NAME` or `variables.PREFIX_*`.
    Variables(VariableMatch),
    /// `domains`: domains and TCP proxies.
    Domains,
    /// `tcpProxies` only.
    TcpProxies,
    /// `volume`: the whole volume (creation, name, mount path, schedules, deletion).
    Volume,
    /// `volume.backups`: the volume's native backup schedules.
    VolumeBackups,
}

/// Which variables an `ignore:` path covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableMatch {
    All,
    Name(String),
    /// `variables.PREFIX_*`: names starting with the prefix.
    Prefix(String),
}

/// Why a written path is not an ignore path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IgnorePathError {
    /// Not in the vocabulary; `close` is the nearest valid path, when one is near.
    #[error("unknown ignore path `{path}`")]
    Unknown {
        path: String,
        close: Option<&'static str>,
    },
    /// `variables.` followed by something that is not a variable name or a trailing `*`.
    #[error("invalid variable pattern `{path}` in ignore")]
    BadVariable { path: String },
}

impl IgnorePathError {
    /// What to write instead.
    pub fn hint(&self) -> String {
        match self {
            IgnorePathError::Unknown {
                close: Some(close), ..
            } => format!("did you mean `{close}`?"),
            IgnorePathError::Unknown { close: None, .. } => {
                format!("valid paths: {}", vocabulary().join(", "))
            }
            IgnorePathError::BadVariable { .. } => {
                "write `variables.NAME` (letters, digits, `_`), `variables.PREFIX_*` (one `*`, at the end) or `variables`".to_string()
            }
        }
    }
}

/// Every valid path, for messages: settings fields, groups, then the rest.
pub fn vocabulary() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = setting_groups();
    all.extend(setting_fields());
    all.extend(OTHER_PATHS);
    all.push("variables.NAME");
    all.push("variables.PREFIX_*");
    all
}

impl IgnorePath {
    /// Parses one path as written in the manifest.
    ///
    /// # Errors
    /// [`IgnorePathError`] for a path outside the vocabulary or a malformed variable pattern.
    pub fn parse(path: &str) -> Result<IgnorePath, IgnorePathError> {
        if let Some(known) = setting_fields()
            .chain(setting_groups())
            .find(|known| *known == path)
        {
            return Ok(IgnorePath::Setting(known));
        }
        match path {
            "variables" | "variables.*" => return Ok(IgnorePath::Variables(VariableMatch::All)),
            "domains" => return Ok(IgnorePath::Domains),
            "tcpProxies" => return Ok(IgnorePath::TcpProxies),
            "volume" => return Ok(IgnorePath::Volume),
            "volume.backups" => return Ok(IgnorePath::VolumeBackups),
            _ => {}
        }
        if let Some(pattern) = path.strip_prefix("variables.") {
            return variable_match(pattern)
                .map(IgnorePath::Variables)
                .ok_or_else(|| IgnorePathError::BadVariable { path: path.into() });
        }
        let candidates = vocabulary();
        Err(IgnorePathError::Unknown {
            path: path.to_string(),
            close: super::suggest::suggest(path, &candidates),
        })
    }

    /// Whether this path covers the settings field `field` (a name the plan prints).
    pub fn covers_setting(&self, field: &str) -> bool {
        match self {
            IgnorePath::Setting(path) => {
                field == *path
                    || field
                        .strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with('.'))
            }
            _ => false,
        }
    }

    /// Whether this path covers the variable `name`.
    pub fn covers_variable(&self, name: &str) -> bool {
        match self {
            IgnorePath::Variables(VariableMatch::All) => true,
            IgnorePath::Variables(VariableMatch::Name(exact)) => exact == name,
            IgnorePath::Variables(VariableMatch::Prefix(prefix)) => name.starts_with(prefix),
            _ => false,
        }
    }
}

fn variable_match(pattern: &str) -> Option<VariableMatch> {
    let (name, wildcard) = match pattern.strip_suffix('*') {
        Some(prefix) => (prefix, true),
        None => (pattern, false),
    };
    let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    match (valid, wildcard, name.is_empty()) {
        (false, _, _) | (true, false, true) => None,
        (true, true, true) => Some(VariableMatch::All),
        (true, true, false) => Some(VariableMatch::Prefix(name.to_string())),
        (true, false, false) => Some(VariableMatch::Name(name.to_string())),
    }
}

impl fmt::Display for IgnorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IgnorePath::Setting(path) => f.write_str(path),
            IgnorePath::Variables(VariableMatch::All) => f.write_str("variables"),
            IgnorePath::Variables(VariableMatch::Name(name)) => write!(f, "variables.{name}"),
            IgnorePath::Variables(VariableMatch::Prefix(prefix)) => {
                write!(f, "variables.{prefix}*")
            }
            IgnorePath::Domains => f.write_str("domains"),
            IgnorePath::TcpProxies => f.write_str("tcpProxies"),
            IgnorePath::Volume => f.write_str("volume"),
            IgnorePath::VolumeBackups => f.write_str("volume.backups"),
        }
    }
}

/// Serialised as written in the manifest.
impl Serialize for IgnorePath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The rules of one instance, as [`crate::manifest::desired::InstanceSettings::ignore`] holds them.
pub trait IgnoreRules {
    fn ignores_setting(&self, field: &str) -> bool;
    fn ignores_variable(&self, name: &str) -> bool;
    fn ignores(&self, path: &IgnorePath) -> bool;
}

impl IgnoreRules for [IgnorePath] {
    fn ignores_setting(&self, field: &str) -> bool {
        self.iter().any(|p| p.covers_setting(field))
    }

    fn ignores_variable(&self, name: &str) -> bool {
        self.iter().any(|p| p.covers_variable(name))
    }

    /// Whether `path` itself is listed (for `domains`, `tcpProxies`, `volume`, `volume.backups`).
    fn ignores(&self, path: &IgnorePath) -> bool {
        self.contains(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_path_reads_back_as_written() {
        for path in vocabulary().iter().filter(|p| !p.contains("NAME")) {
            let written = path.replace("PREFIX_*", "FEATURE_*");
            let parsed = IgnorePath::parse(&written).map(|p| p.to_string());
            assert_eq!(parsed.as_deref(), Ok(written.as_str()), "{path}");
        }
    }

    #[test]
    fn a_group_covers_the_fields_under_it_and_nothing_that_merely_starts_like_it() {
        let deploy = IgnorePath::parse("deploy").unwrap();
        assert!(deploy.covers_setting("deploy.replicas"));
        assert!(deploy.covers_setting("deploy.limits.vcpus"));
        assert!(!deploy.covers_setting("build.builder"));
        let source = IgnorePath::parse("source").unwrap();
        assert!(source.covers_setting("source.rootDirectory"));
        let replicas = IgnorePath::parse("deploy.replicas").unwrap();
        assert!(!replicas.covers_setting("deploy.region"));
    }

    #[test]
    fn variable_patterns_match_one_name_a_prefix_or_all() {
        let rules = [
            IgnorePath::parse("variables.DEPLOYED_SHA").unwrap(),
            IgnorePath::parse("variables.FEATURE_*").unwrap(),
        ];
        assert!(rules.ignores_variable("DEPLOYED_SHA"));
        assert!(rules.ignores_variable("FEATURE_X"));
        assert!(!rules.ignores_variable("DEPLOYED_SHA_2"));
        assert!(!rules.ignores_variable("LOG_LEVEL"));
        assert!(
            IgnorePath::parse("variables")
                .unwrap()
                .covers_variable("ANY")
        );
    }

    #[test]
    fn a_typo_gets_the_nearest_path_and_a_bad_pattern_is_refused() {
        let typo = IgnorePath::parse("deploy.replica").unwrap_err();
        assert_eq!(
            typo,
            IgnorePathError::Unknown {
                path: "deploy.replica".into(),
                close: Some("deploy.replicas")
            }
        );
        assert_eq!(typo.hint(), "did you mean `deploy.replicas`?");
        for bad in [
            "variables.A*B",
            "variables.",
            "variables.1X",
            "variables.A-B",
        ] {
            assert!(
                matches!(
                    IgnorePath::parse(bad),
                    Err(IgnorePathError::BadVariable { .. })
                ),
                "{bad}"
            );
        }
    }
}
