//! Creating a database the way Railway's clients do (R45, R47): read the engine's template,
//! fill its variables as Railway's CLI does, deploy it with `stageOnly`, follow the workflow,
//! find the new service by name, stage the manifest's image (and variables) over the
//! template's, then commit: the declared major holds before the database first starts.
//! Never deploys a template twice: the service is looked for by name before any deploy.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::patch::{EnvironmentPatch, instance_entry, variables_entry};
use super::variables::{Scope, values_to_upsert};
use super::{Executor, Outcome, missing};
use crate::manifest::database::Engine;
use crate::plan::Action;
use crate::plan::action::DatabaseCreate;
use crate::railway::error::Error;
use crate::railway::live::{LiveInstance, LiveProject};
use crate::railway::ops::{
    EnvironmentPatchCommitStaged, EnvironmentStageChanges, EnvironmentStagedChanges, Template,
    TemplateDeployV2, WorkflowStatus, environment_patch_commit_staged, environment_stage_changes,
    environment_staged_changes, template, template_deploy_v2, workflow_status,
};

/// How often the template's workflow is polled, and for how long (Railway's CLI: ~1 s, 120 times).
const WORKFLOW_POLL: Duration = Duration::from_secs(1);
const WORKFLOW_ATTEMPTS: u32 = 120;

impl Executor<'_> {
    /// R45, R47: the database `name` from its engine's template, pinned to its major.
    pub(super) async fn create_database(
        &mut self,
        name: &str,
        database: &DatabaseCreate,
    ) -> Result<Outcome, Error> {
        let environment_id = {
            let project = self.fresh_project().await?;
            project
                .environment_named(&database.environment)
                .map(|e| e.id.clone())
                .ok_or_else(|| missing("environment", &database.environment))?
        };
        // Retried and never duplicating: a service of this name (an earlier run that stopped
        // between the deploy and the commit, or a lost answer) is finished, not made again.
        let found = service_named(self.fresh_project().await?, name).is_some();
        // R17: staged before this deploy (someone's, or this database's own from a run that
        // stopped before its commit): the commit below would publish it, so it is read first.
        let staged_before = !database.commit_staged
            && (found
                || self
                    .staged_changes
                    .get(&environment_id)
                    .is_some_and(|n| *n > 0));
        let mut sent = Vec::new();
        if !found {
            let deployed = self.deploy_template(name, database, &environment_id).await;
            self.stale = true;
            let lost = match deployed {
                Ok(()) => false,
                // Observe, never resend: a deploy Railway may have run left its service.
                Err(error) if error.maybe_applied() => {
                    tracing::warn!(error = %error, "the template deploy may have been applied; re-reading before anything else");
                    if service_named(self.fresh_project().await?, name).is_none() {
                        return Err(error);
                    }
                    true
                }
                Err(error) => return Err(error),
            };
            sent.push(match lost {
                true => "templateDeployV2 (stageOnly; answer lost, service found)",
                false => "templateDeployV2 (stageOnly)",
            });
        }
        self.stale = true;
        if staged_before {
            self.check_only_own_staged(name, database, &environment_id)
                .await?;
            sent.push("environmentStagedChanges (only this database's)");
        }
        self.pin_and_commit(name, database, &environment_id, &mut sent)
            .await?;
        let detail = format!(
            "{} ({} {})",
            sent.join(" + "),
            database.engine.code(),
            database.version
        );
        Ok(match found {
            true => Outcome::Adopted(format!("found {name} already made: {detail}")),
            false => Outcome::Applied(detail),
        })
    }

    /// R47: Railway made the database with the template's current image; the staged patch
    /// sets the declared major (and the manifest's variables) before the commit first starts
    /// it. Then `public: false` takes away the proxy the template made (a patch can only add
    /// proxies, R31).
    async fn pin_and_commit(
        &mut self,
        name: &str,
        database: &DatabaseCreate,
        environment_id: &str,
        sent: &mut Vec<&'static str>,
    ) -> Result<(), Error> {
        let project = self.fresh_project().await?;
        let service_id = service_named(project, name)
            .ok_or_else(|| missing("service", name))?
            .to_string();
        let live = project
            .environment_named(&database.environment)
            .and_then(|e| e.instances.get(&service_id));
        let mut entry = instance_entry(&database.desired, live, &[]);
        entry.remove("isCreated");
        let empty = Default::default();
        let live_variables = live.map_or(&empty, |l| &l.variables);
        let upsert = values_to_upsert(&database.desired.variables, live_variables)
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (name, v)))
            .collect();
        let variables = variables_entry(&upsert, &[]);
        if !variables.is_empty() {
            entry.insert("variables".into(), Value::Object(variables));
        }
        let mut patch = EnvironmentPatch::default();
        patch.add_service(&service_id, entry);
        if !patch.is_empty() {
            self.client
                .post::<EnvironmentStageChanges>(environment_stage_changes::Variables {
                    environment_id: environment_id.to_string(),
                    input: patch.to_value(),
                    merge: Some(true),
                })
                .await?;
            sent.push("environmentStageChanges");
        }
        self.client
            .post::<EnvironmentPatchCommitStaged>(environment_patch_commit_staged::Variables {
                environment_id: environment_id.to_string(),
                skip_deploys: None,
                commit_message: Some("railway-operator apply: create database".into()),
            })
            .await?;
        sent.push("environmentPatchCommitStaged");
        // Nothing is staged there any more: the environment's own patch commits directly.
        self.staged_changes.insert(environment_id.to_string(), 0);
        self.stale = true;
        let project_id = self.project_id()?;
        let scope = Scope {
            project_id: &project_id,
            environment_id,
            service_id: Some(&service_id),
        };
        for port in &database.desired.closed_tcp_proxies {
            self.delete_tcp_proxies_on(&scope, &service_id, *port)
                .await?;
            sent.push("tcpProxyDelete");
        }
        Ok(())
    }

    /// R45, R46: the template variables of each engine whose instances `actions` complete in
    /// an environment the template was not deployed into, read from `template(code)` once.
    pub(super) async fn template_variables(
        &self,
        actions: &[&Action],
    ) -> Result<BTreeMap<Engine, Map<String, Value>>, Error> {
        let mut found = BTreeMap::new();
        for action in actions {
            let Action::ConfigureInstance {
                template_variables: Some(engine),
                ..
            } = action
            else {
                continue;
            };
            if found.contains_key(engine) {
                continue;
            }
            let template = self
                .client
                .post::<Template>(template::Variables {
                    code: engine.code().to_string(),
                })
                .await?;
            let config = template.template.serialized_config.unwrap_or_default();
            found.insert(*engine, template_variable_entries(&config));
        }
        Ok(found)
    }

    /// R17: the environment's staged patch holds nothing but this database's template deploy
    /// (its service's entry and the volumes it mounts); anyone else's staged edits refuse the
    /// commit, which would publish them.
    async fn check_only_own_staged(
        &mut self,
        name: &str,
        database: &DatabaseCreate,
        environment_id: &str,
    ) -> Result<(), Error> {
        let service_id = service_named(self.fresh_project().await?, name)
            .ok_or_else(|| missing("service", name))?
            .to_string();
        let staged = self
            .client
            .post::<EnvironmentStagedChanges>(environment_staged_changes::Variables {
                environment_id: environment_id.to_string(),
            })
            .await?
            .environment_staged_changes
            .patch;
        let foreign = foreign_staged(&staged, &service_id);
        if foreign.is_empty() {
            return Ok(());
        }
        Err(Error::Terminal {
            operation: "environmentStagedChanges",
            message: format!(
                "environment {} has staged changes nobody has committed beside database {name}'s template deploy ({}): committing the database would publish them (R17), so nothing was committed; commit or discard them in Railway, then apply again",
                database.environment,
                foreign.join(", ")
            ),
        })
    }

    /// `template(code)`, its variables filled, `templateDeployV2` with `stageOnly`, and the
    /// workflow followed to its end. A lost answer is never resent: the caller looks for the
    /// service by name first.
    async fn deploy_template(
        &mut self,
        name: &str,
        database: &DatabaseCreate,
        environment_id: &str,
    ) -> Result<(), Error> {
        let code = database.engine.code();
        let found = self
            .client
            .post::<Template>(template::Variables {
                code: code.to_string(),
            })
            .await?;
        let mut config = found
            .template
            .serialized_config
            .ok_or_else(|| missing("template configuration of", code))?;
        fill_config(&mut config, name);
        let project_id = self.project_id()?;
        let deployed = self
            .client
            .post::<TemplateDeployV2>(template_deploy_v2::Variables {
                input: template_deploy_v2::TemplateDeployV2Input {
                    project_id: Some(project_id),
                    environment_id: Some(environment_id.to_string()),
                    template_id: found.template.id,
                    serialized_config: config,
                    stage_only: Some(true),
                    existing_root_service_id: None,
                    workspace_id: None,
                },
            })
            .await?;
        if let Some(workflow_id) = deployed.template_deploy_v2.workflow_id {
            self.wait_for_workflow(&workflow_id).await?;
        }
        Ok(())
    }

    /// Polls `workflowStatus` until the workflow completes, as Railway's CLI does.
    async fn wait_for_workflow(&self, workflow_id: &str) -> Result<(), Error> {
        for _ in 0..WORKFLOW_ATTEMPTS {
            let status = self
                .client
                .post::<WorkflowStatus>(workflow_status::Variables {
                    workflow_id: workflow_id.to_string(),
                })
                .await?
                .workflow_status;
            match status.status {
                workflow_status::WorkflowStatus::Complete => return Ok(()),
                workflow_status::WorkflowStatus::Error => {
                    return Err(Error::Terminal {
                        operation: "templateDeployV2",
                        message: status
                            .error
                            .unwrap_or_else(|| "the template's workflow failed".into()),
                    });
                }
                // Running, or not listed yet (read-after-write lag): keep polling.
                _ => tokio::time::sleep(WORKFLOW_POLL).await,
            }
        }
        Err(Error::Transient {
            operation: "workflowStatus",
            message: format!("the template's workflow did not finish in {WORKFLOW_ATTEMPTS} s"),
            maybe_applied: true,
        })
    }
}

/// The id of the live service named `name`.
fn service_named<'p>(project: &'p LiveProject, name: &str) -> Option<&'p str> {
    project
        .services
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.id.as_str())
}

/// What a staged patch holds beyond service `service_id`'s entry and the volumes that entry
/// mounts, as `services.<id>`-style paths (ids only, never values).
fn foreign_staged(patch: &Value, service_id: &str) -> Vec<String> {
    let own = patch.pointer(&format!("/services/{service_id}"));
    let mounted = |volume: &str| {
        own.and_then(|s| s.get("volumeMounts"))
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key(volume))
    };
    let mut foreign = Vec::new();
    for (section, entries) in patch.as_object().into_iter().flatten() {
        let Some(entries) = entries.as_object() else {
            if !entries.is_null() {
                foreign.push(section.clone());
            }
            continue;
        };
        for key in entries.keys() {
            let ours = match section.as_str() {
                "services" => key == service_id,
                "volumes" => mounted(key),
                _ => false,
            };
            if !ours {
                foreign.push(format!("{section}.{key}"));
            }
        }
    }
    foreign
}

/// The template's variables as patch entries, the way Railway's IaC compiler writes a
/// database's (CLI 5.71 `database_to_environment_config`): a generated one as its `generator`,
/// which Railway evaluates (the operator never chooses or sees the value), the others as their
/// `defaultValue`.
fn template_variable_entries(config: &Value) -> Map<String, Value> {
    let services = config.get("services").and_then(Value::as_object);
    let variables = services
        .into_iter()
        .flat_map(|s| s.values())
        .filter_map(|s| s.get("variables").and_then(Value::as_object))
        .flatten();
    let text = |entry: &Value, key: &str| {
        entry
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    variables
        .filter_map(|(name, entry)| {
            let value = match (text(entry, "generator"), text(entry, "defaultValue")) {
                (Some(generator), _) => json!({ "generator": generator }),
                (None, Some(value)) => json!({ "value": value }),
                (None, None) => return None,
            };
            Some((name.clone(), value))
        })
        .collect()
}

/// Adds to an instance's patch entry the template variables it lacks: neither live nor set
/// by the entry (the manifest's own variables win).
pub(super) fn add_template_variables(
    entry: &mut Map<String, Value>,
    template: &Map<String, Value>,
    live: Option<&LiveInstance>,
) {
    let missing: Map<String, Value> = template
        .iter()
        .filter(|(name, _)| live.is_none_or(|l| !l.variables.contains_key(*name)))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    if missing.is_empty() {
        return;
    }
    let slot = entry
        .entry("variables")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(variables) = slot {
        for (name, value) in missing {
            variables.entry(name).or_insert(value);
        }
    }
}

/// The template's config as Railway's CLI sends it (CLI 5.71 `commands/deploy.rs`): each
/// service variable gets its `defaultValue` as `value`; one with only a `generator` is left
/// unset, so that Railway generates it (R46): the operator never chooses, sees or stores a
/// generated credential. The service is named as the manifest names it.
pub(super) fn fill_config(config: &mut Value, name: &str) {
    let Some(services) = config.get_mut("services").and_then(Value::as_object_mut) else {
        return;
    };
    for service in services.values_mut() {
        let Some(service) = service.as_object_mut() else {
            continue;
        };
        service.insert("name".into(), Value::String(name.to_string()));
        let Some(variables) = service.get_mut("variables").and_then(Value::as_object_mut) else {
            continue;
        };
        for variable in variables.values_mut().filter_map(Value::as_object_mut) {
            let default = variable
                .get("defaultValue")
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_string);
            if let Some(default) = default {
                variable.insert("value".into(), Value::String(default));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn another_environment_gets_the_template_variables_it_lacks_with_generators_for_credentials() {
        let config = json!({ "services": { "t1": { "variables": {
            "POSTGRES_DB": { "defaultValue": "railway" },
            "POSTGRES_PASSWORD": { "defaultValue": "${{secret(32)}}", "generator": "secret(32)" },
            "TZ": { "defaultValue": "UTC" },
            "EMPTY": { "isOptional": true },
        } } } });
        let template = template_variable_entries(&config);
        let mut entry = Map::new();
        entry.insert(
            "variables".into(),
            json!({ "TZ": { "value": "Europe/Paris" } }),
        );
        add_template_variables(&mut entry, &template, None);
        assert_eq!(
            entry["variables"],
            json!({
                "POSTGRES_DB": { "value": "railway" },
                "POSTGRES_PASSWORD": { "generator": "secret(32)" },
                "TZ": { "value": "Europe/Paris" },
            })
        );
    }

    #[test]
    fn only_the_database_s_own_entry_and_volumes_are_its_staged_changes() {
        let own = json!({
            "services": { "s1": { "volumeMounts": { "v1": {} } } },
            "volumes": { "v1": { "isCreated": true } },
        });
        assert!(foreign_staged(&own, "s1").is_empty());
        let mixed = json!({
            "services": { "s1": {}, "s2": {} },
            "volumes": { "v9": {} },
            "sharedVariables": { "X": { "value": "secret" } },
        });
        assert_eq!(
            foreign_staged(&mixed, "s1"),
            ["services.s2", "sharedVariables.X", "volumes.v9"]
        );
    }

    #[test]
    fn defaults_become_values_and_generators_are_left_to_railway() {
        let mut config = json!({ "services": { "t1": { "name": "Postgres", "variables": {
            "POSTGRES_DB": { "defaultValue": "railway" },
            "POSTGRES_PASSWORD": { "generator": "secret(32)" },
        } } } });
        fill_config(&mut config, "db");
        let service = &config["services"]["t1"];
        assert_eq!(service["name"], "db");
        assert_eq!(service["variables"]["POSTGRES_DB"]["value"], "railway");
        assert!(
            service["variables"]["POSTGRES_PASSWORD"]
                .get("value")
                .is_none()
        );
    }
}
