//! The operator's one table of service instance settings (`table::TABLE`) and the types it is
//! made of: a row per setting with its manifest path, its key in Railway's environment config
//! (R11), how its value is typed, read and written, whether a change redeploys (R16) and one
//! line of documentation. Decoding, the live reader, the diff, the patch, ignore paths, import,
//! the report, the JSON Schema and the manifest reference (docs/manifest.md) all iterate it.
//! Pure data and conversions: no I/O, and nothing here decides what to change.
//!
//! The source (`image` or `repo` + `branch` + `rootDirectory`) is not a row: its parts are
//! alternatives, and the branch lives on a deployment trigger, not in the config.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::secret::Secret;

pub mod placement;
pub mod table;
mod values;

pub use table::TABLE;
pub use values::{
    Builder, Owned, REGION_SEPARATOR, RegistryCredentials, RestartPolicyType, SettingType,
    SettingValues, Val,
};

/// The source's own paths: not rows, because its parts are alternatives and its branch lives
/// on a deployment trigger (see the module's comment).
pub const SOURCE_PATHS: &[&str] = &["source", "source.rootDirectory"];

/// How a setting is typed, in the manifest and in Railway's config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Text,
    /// Text checked as a cron expression.
    Cron,
    /// An integer, at least `min`.
    Int {
        min: i64,
    },
    Bool,
    /// A number greater than 0; Railway stores it multiplied by `scale` (memory in bytes).
    Number {
        scale: f64,
    },
    /// A list of strings, sent whole (R13).
    List,
    /// One command: a string, or a list of one (R18).
    OneCommand,
    /// One of the names, spelled as upstream.
    Enum(&'static [&'static str]),
    /// Replicas per region: `{<region>: n}`.
    Regions,
    /// `{username, password}`; the password is a secret and write-only.
    Credentials,
}

/// How a setting travels to and from Railway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Read from `ServiceInstance` (the field named like the key's last part) or the config
    /// blob at `key`; written into the environment config patch at `key` (R11, R13).
    Config,
    /// Placement (`deploy.multiRegionConfig`, R19, R20): read and written by the placement
    /// code, because one manifest value becomes a map with nulls for the regions left.
    Placement,
}

/// One setting.
pub struct Row {
    /// The manifest path under a service, e.g. `deploy.healthcheck.timeoutSeconds`; also how the
    /// plan names the field and the `ignore:` path.
    pub path: &'static str,
    /// The key in Railway's environment config under `services.<id>` (R11), e.g.
    /// `deploy.healthcheckTimeout`.
    pub key: &'static str,
    pub kind: Kind,
    pub channel: Channel,
    /// Whether a change alone redeploys the instance (R16: replicas only scale).
    pub redeploys: bool,
    /// How the report names it.
    pub label: &'static str,
    pub doc: &'static str,
    /// Railway's value when nothing was set (import leaves an equal value out).
    pub default: Option<Val<'static>>,
    pub get: fn(&SettingValues) -> Option<Val<'_>>,
    pub put: fn(&mut SettingValues, Owned) -> bool,
    pub clear: fn(&mut SettingValues),
    pub copy: fn(&mut SettingValues, &SettingValues),
}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path)
    }
}

impl Row {
    /// The manifest path's parts: `["deploy", "healthcheck", "timeoutSeconds"]`.
    pub fn path_parts(&self) -> std::str::Split<'static, char> {
        self.path.split('.')
    }

    /// The last part of the manifest path: the YAML key.
    pub fn name(&self) -> &'static str {
        self.path.rsplit('.').next().unwrap_or(self.path)
    }

    /// The row's value in Railway's representation, for the config patch (secrets exposed).
    pub fn railway_json(&self, value: Val<'_>) -> Value {
        match (self.kind, value) {
            (Kind::Number { scale }, Val::Num(n)) if scale != 1.0 => {
                json!((n * scale).round() as i64)
            }
            (Kind::Number { .. }, Val::Num(n)) => json!(n),
            (_, Val::Credentials(c)) => {
                json!({ "username": c.username, "password": c.password.expose() })
            }
            (_, value) => value.to_json(),
        }
    }

    /// A JSON value from Railway (the config blob or `ServiceInstance`) in the row's type.
    pub fn from_railway(&self, value: &Value) -> Option<Owned> {
        match self.kind {
            Kind::Number { scale } => value.as_f64().map(|n| Owned::Num(n / scale)),
            Kind::Credentials => {
                let username = value.get("username")?.as_str()?.to_string();
                // Railway never returns the password (masked): the live side holds none.
                Some(Owned::Credentials(RegistryCredentials {
                    username,
                    password: Secret::new(crate::secret::SecretOrigin::Live, ""),
                }))
            }
            kind => Owned::from_json(kind, value),
        }
    }
}

/// The row at manifest path `path`.
pub fn row(path: &str) -> Option<&'static Row> {
    TABLE.iter().find(|r| r.path == path)
}

/// Every group of settings: each proper prefix of a path (`deploy`, `deploy.healthcheck`...),
/// in table order, without repeats.
pub fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&'static str> = Vec::new();
    for row in TABLE {
        for (i, _) in row.path.match_indices('.') {
            let group = &row.path[..i];
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
    }
    groups
}

/// The YAML keys directly under `group` (`deploy` → `startCommand`, `healthcheck`...), in
/// table order, without repeats.
pub fn children(group: &str) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for row in TABLE {
        let Some(rest) = row
            .path
            .strip_prefix(group)
            .and_then(|r| r.strip_prefix('.'))
        else {
            continue;
        };
        let name = rest.split('.').next().unwrap_or(rest);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Upstream spelling of the enums the table uses.
pub trait UpstreamName: Sized + Copy + 'static {
    const NAMES: &'static [(&'static str, Self)];
    fn upstream(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, v)| std::mem::discriminant(v) == std::mem::discriminant(&self))
            .map_or("", |(n, _)| n)
    }
    fn from_upstream(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

impl UpstreamName for Builder {
    const NAMES: &'static [(&'static str, Self)] = &[
        ("RAILPACK", Builder::Railpack),
        ("NIXPACKS", Builder::Nixpacks),
        ("HEROKU", Builder::Heroku),
        ("PAKETO", Builder::Paketo),
    ];
}

impl UpstreamName for RestartPolicyType {
    const NAMES: &'static [(&'static str, Self)] = &[
        ("ALWAYS", RestartPolicyType::Always),
        ("NEVER", RestartPolicyType::Never),
        ("ON_FAILURE", RestartPolicyType::OnFailure),
    ];
}

/// Replicas per region, as the manifest and Railway both key them.
pub type Regions = BTreeMap<String, i64>;

/// The manifest reference's table of settings (docs/manifest.md), generated from [`TABLE`]
/// (kept current by `tests/it/readme_manifest_reference.rs`).
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "| Manifest path | Railway config key (R11) | Type | A change redeploys | What it does |\n|---|---|---|---|---|\n",
    );
    for row in TABLE {
        let kind = match row.kind {
            Kind::Text => "string".to_string(),
            Kind::Cron => "cron expression".to_string(),
            Kind::Int { min } => format!("integer ≥ {min}"),
            Kind::Bool => "boolean".to_string(),
            Kind::Number { .. } => "number > 0".to_string(),
            Kind::List => "list of strings".to_string(),
            Kind::OneCommand => "one command".to_string(),
            Kind::Enum(names) => names.join(" \\| "),
            Kind::Regions => "map region → replicas".to_string(),
            Kind::Credentials => "`{username, password: {fromEnv}}`".to_string(),
        };
        let redeploys = if row.redeploys { "yes" } else { "no" };
        out.push_str(&format!(
            "| `{}` | `{}` | {kind} | {redeploys} | {} |\n",
            row.path, row.key, row.doc
        ));
    }
    out
}
