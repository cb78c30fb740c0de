//! Saved plans (`plan --out`, `apply --plan`): the file format, and the check that the manifest,
//! its secrets, live state and so the plan are exactly what was reviewed. The file holds no
//! secret value, only salted digests; it is never trusted for what to do: apply plans again
//! and goes ahead only when that plan is the saved one. No I/O here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Plan;
use super::action::Summary;
use crate::manifest::Desired;
use crate::railway::live::Live;
use crate::secret::salted_digest;

/// What the file's `format` says.
pub const FORMAT: &str = "railway-operator/saved-plan";
/// Bumped on any incompatible change of the file.
pub const FORMAT_VERSION: u32 = 1;

/// Live fields that move without anyone changing the project (deployments finishing, data
/// growing, DNS and certificates progressing): left out of the live digest.
const VOLATILE_FIELDS: [&str; 6] = [
    "latestDeployment",
    "currentSizeMb",
    "state",
    "verified",
    "certificateStatus",
    "dnsRecords",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedPlan {
    pub format: String,
    pub format_version: u32,
    pub created_at: String,
    pub operator_version: String,
    pub project: String,
    pub project_id: Option<String>,
    /// The environments the plan covers (all, or the one `--env` chose).
    pub environments: Vec<String>,
    /// Random, per file: salts the digests of secret values.
    pub salt: String,
    pub manifest: ManifestSeen,
    pub live: LiveSeen,
    /// SHA-256 of the plan's own JSON (actions, notes, held and ignored differences, without
    /// the deployment statuses `plan --json` adds), which holds no secret.
    pub plan_digest: String,
    pub summary: Summary,
    /// The plan as `plan --json` prints it, for people reviewing the file; apply never reads it.
    pub plan: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestSeen {
    /// The path as given to `plan -f`, for messages.
    pub file: String,
    /// SHA-256 of the manifest file's bytes.
    pub digest: String,
    /// Salted digest over every secret the manifest resolved (`fromEnv`, `fromFile`).
    pub secrets_digest: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveSeen {
    /// R15: each environment's `configEtag` by name.
    pub config_etags: BTreeMap<String, String>,
    /// SHA-256 of the snapshot without its volatile fields, secret values salted.
    pub digest: String,
}

/// Why a saved plan may not be applied. Messages name what changed, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Stale {
    #[error(
        "the file is not a saved plan (format {found:?}, expected {FORMAT} version {FORMAT_VERSION})"
    )]
    Format { found: String },
    #[error("the plan is for project {saved}, the manifest is for {now}")]
    Project { saved: String, now: String },
    #[error(
        "the plan covers environment(s) {}, this apply {}: give apply the same --env as plan",
        .saved.join(", "), .now.join(", ")
    )]
    Scope {
        saved: Vec<String>,
        now: Vec<String>,
    },
    #[error("the manifest {file} changed since the plan was saved")]
    Manifest { file: String },
    #[error(
        "a secret of the manifest resolves to another value than when the plan was saved (fromEnv or fromFile)"
    )]
    Secrets,
    #[error("live state changed on Railway since the plan was saved: {}", .0.join(", "))]
    Live(Vec<String>),
    #[error("planning again gives another plan than the saved one")]
    Plan,
}

/// Everything a saved plan is made from or checked against.
pub struct Inputs<'a> {
    pub desired: &'a Desired,
    /// The manifest file as read from disk.
    pub manifest_bytes: &'a [u8],
    pub manifest_file: &'a str,
    pub live: &'a Live,
    pub plan: &'a Plan,
    /// The plan's JSON as `plan --json` prints it.
    pub plan_json: &'a Value,
}

/// A saved plan of `inputs`, salted with `salt`.
pub fn save(inputs: &Inputs<'_>, salt: &[u8], created_at: String) -> SavedPlan {
    SavedPlan {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        created_at,
        operator_version: env!("CARGO_PKG_VERSION").to_string(),
        project: inputs.plan.project.clone(),
        project_id: inputs.plan.project_id.clone(),
        environments: inputs.plan.environments.clone(),
        salt: hex::encode(salt),
        manifest: ManifestSeen {
            file: inputs.manifest_file.to_string(),
            digest: sha256(inputs.manifest_bytes),
            secrets_digest: salted_digest(inputs.desired, salt),
        },
        live: LiveSeen {
            config_etags: config_etags(inputs.live),
            digest: live_digest(inputs.live, salt),
        },
        plan_digest: plan_digest(inputs.plan),
        summary: inputs.plan.summary(),
        plan: inputs.plan_json.clone(),
    }
}

/// Checks `saved` against what is true now; `Ok` means the plan now is the one saved.
///
/// # Errors
/// The first thing that differs, from the most to the least specific: format, project,
/// manifest, its secrets, live state, the plan itself.
pub fn verify(saved: &SavedPlan, now: &Inputs<'_>) -> Result<(), Stale> {
    if saved.format != FORMAT || saved.format_version != FORMAT_VERSION {
        return Err(Stale::Format {
            found: format!("{} version {}", saved.format, saved.format_version),
        });
    }
    if saved.project != now.plan.project {
        return Err(Stale::Project {
            saved: saved.project.clone(),
            now: now.plan.project.clone(),
        });
    }
    if saved.environments != now.plan.environments {
        return Err(Stale::Scope {
            saved: saved.environments.clone(),
            now: now.plan.environments.clone(),
        });
    }
    if saved.manifest.digest != sha256(now.manifest_bytes) {
        return Err(Stale::Manifest {
            file: now.manifest_file.to_string(),
        });
    }
    let salt = hex::decode(&saved.salt).map_err(|_| Stale::Format {
        found: "a salt that is not hex".into(),
    })?;
    if saved.manifest.secrets_digest != salted_digest(now.desired, &salt) {
        return Err(Stale::Secrets);
    }
    let moved = moved_environments(&saved.live.config_etags, &config_etags(now.live));
    if !moved.is_empty() {
        return Err(Stale::Live(moved));
    }
    if saved.live.digest != live_digest(now.live, &salt) {
        return Err(Stale::Live(vec![
            "the project's services or settings".into(),
        ]));
    }
    if saved.plan_digest != plan_digest(now.plan) {
        return Err(Stale::Plan);
    }
    Ok(())
}

fn config_etags(live: &Live) -> BTreeMap<String, String> {
    live.project
        .iter()
        .flat_map(|p| &p.environments)
        .map(|e| (e.name.clone(), e.config_etag.clone()))
        .collect()
}

/// `production (its configEtag moved)`, `qa (created)`, `staging (deleted)`.
fn moved_environments(
    saved: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut moved = Vec::new();
    for (name, etag) in saved {
        match now.get(name) {
            None => moved.push(format!("environment {name} (deleted)")),
            Some(current) if current != etag => {
                moved.push(format!("environment {name} (its configEtag moved)"));
            }
            Some(_) => {}
        }
    }
    moved.extend(
        now.keys()
            .filter(|name| !saved.contains_key(*name))
            .map(|name| format!("environment {name} (created)")),
    );
    moved
}

fn live_digest(live: &Live, salt: &[u8]) -> String {
    let mut value = serde_json::to_value(live).unwrap_or(Value::Null);
    drop_volatile(&mut value);
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(value.to_string().as_bytes());
    hasher.update(salted_digest(live, salt).as_bytes());
    hex::encode(hasher.finalize())
}

fn drop_volatile(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for field in VOLATILE_FIELDS {
                map.remove(field);
            }
            map.values_mut().for_each(drop_volatile);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_volatile),
        _ => {}
    }
}

/// Over the plan's own document (`render_json`): the `deployments` that `plan --json` adds
/// report statuses that move by themselves, and are not part of what apply does.
fn plan_digest(plan: &Plan) -> String {
    sha256(super::render::render_json(plan).to_string().as_bytes())
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_environment_moved_created_or_deleted_is_named() {
        let saved: BTreeMap<String, String> = [
            ("production".into(), "a".into()),
            ("staging".into(), "b".into()),
        ]
        .into();
        let now: BTreeMap<String, String> = [
            ("production".into(), "a2".into()),
            ("qa".into(), "c".into()),
        ]
        .into();
        assert_eq!(
            moved_environments(&saved, &now),
            [
                "environment production (its configEtag moved)",
                "environment staging (deleted)",
                "environment qa (created)"
            ]
        );
    }

    #[test]
    fn volatile_fields_are_left_out_at_any_depth() {
        let mut value = serde_json::json!({
            "a": { "latestDeployment": { "status": "BUILDING" }, "kept": 1 },
            "b": [{ "currentSizeMb": 3.5, "sizeMb": 500 }]
        });
        drop_volatile(&mut value);
        assert_eq!(
            value,
            serde_json::json!({ "a": { "kept": 1 }, "b": [{ "sizeMb": 500 }] })
        );
    }
}
