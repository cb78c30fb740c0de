//! Copying an environment from `sourceEnvironmentId` (R2, R3): the source's decrypted config
//! becomes one `isCreated` patch, committed (deploying unless skipped) or staged. It reads the
//! source and commits through `patches`; it must not write records itself.

use serde_json::{Map, Value, json};

use super::patches::is_true;
use super::{DomainError, EnvironmentCopy, Store};
use crate::sandbox::config_blob::environment_config;

impl Store {
    /// R2: a copy of the source as one patch: every live instance (`isCreated`) with its settings
    /// and unsealed variables, unsealed shared variables, and a new empty instance of each volume.
    /// Guess: domains and proxies are not copied (hostnames are unique per environment).
    fn copy_patch(&self, source_id: &str) -> Value {
        let config = environment_config(self, source_id, true);
        let unsealed = |variables: Option<&Value>| -> Map<String, Value> {
            variables
                .and_then(Value::as_object)
                .map(|entries| {
                    entries
                        .iter()
                        .filter(|(_, v)| !is_true(v, "isSealed"))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut services = Map::new();
        for (id, entry) in config["services"].as_object().into_iter().flatten() {
            let Some(entry) = entry.as_object().filter(|_| !is_true(entry, "isDeleted")) else {
                continue;
            };
            let mut copy = entry.clone();
            copy.remove("networking");
            copy.insert(
                "variables".into(),
                Value::Object(unsealed(entry.get("variables"))),
            );
            copy.insert("isCreated".into(), Value::Bool(true));
            services.insert(id.clone(), Value::Object(copy));
        }
        let mut volumes = Map::new();
        for (id, entry) in config["volumes"].as_object().into_iter().flatten() {
            if !is_true(entry, "isDeleted") {
                let mut copy = json!({ "isCreated": true });
                for key in ["sizeMB", "region"] {
                    if let Some(value) = entry.get(key) {
                        copy[key] = value.clone();
                    }
                }
                volumes.insert(id.clone(), copy);
            }
        }
        json!({
            "services": services,
            "sharedVariables": unsealed(config.get("sharedVariables")),
            "volumes": volumes,
        })
    }

    /// R2, R3: fills a new fork from its source, committed (deploying unless skipped) or staged.
    pub(crate) fn copy_environment(
        &mut self,
        source_id: &str,
        target_id: &str,
        copy: EnvironmentCopy,
    ) -> Result<(), DomainError> {
        let patch = self.copy_patch(source_id);
        if copy.stage_initial_changes {
            self.stage_changes(target_id, patch, false)?;
        } else {
            self.commit_patch(target_id, &patch, !copy.skip_initial_deploys)?;
        }
        if copy.apply_in_background {
            self.mark_applying(target_id);
        }
        Ok(())
    }
}
