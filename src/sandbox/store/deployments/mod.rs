//! Deployments on the sandbox store: starting one (R43), redeploying (R38), the outcomes a test
//! forces (R42, R44) and the history they are kept in. Statuses are computed when read (`read`,
//! `lifecycle`), so nothing runs in the background; nothing here knows about GraphQL or HTTP.

mod control;
mod executions;
mod lifecycle;
mod logs;
mod read;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

pub(crate) use executions::ExecutionView;
pub(crate) use lifecycle::{can_redeploy, replica_status};
pub(crate) use logs::LogLine;
pub(crate) use read::{DeploymentFilter, DeploymentView};

use super::{DomainError, SharedStore, Store};
use crate::sandbox::model::{
    DeploymentHistoryRecord, DeploymentOutcome, DeploymentRecord, DeploymentStatus,
    InstanceSettings, new_id,
};
use crate::sandbox::service_config::multi_region_json;

/// Railway's default `healthcheckTimeout`, in seconds.
pub(crate) const DEFAULT_HEALTHCHECK_TIMEOUT_SECS: i64 = 300;

/// The sandbox waits this many milliseconds per second of `healthcheckTimeout` (R44): Railway's
/// default 300 s becomes 3 s, so a test can watch an unhealthy deployment fail.
pub const HEALTHCHECK_MS_PER_SECOND: i64 = 10;

/// How deployments unfold in this sandbox. The default (zero duration, no forced outcomes) is
/// what seed files get: their deployments are live at once.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeploySettings {
    /// From creation to SUCCESS: 10 % INITIALIZING, 50 % BUILDING, 40 % DEPLOYING.
    pub duration: Duration,
    /// Forced outcomes by service name; absent means SUCCESS.
    pub outcomes: BTreeMap<String, DeploymentOutcome>,
}

impl SharedStore {
    /// Sets the deployment timing and forced outcomes; called before serving.
    pub(crate) fn configure_deployments(&self, settings: DeploySettings) {
        // A poisoned lock holds a whole store still: settings are replaced, never half-written.
        let mut store = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        store.deploy_settings = settings;
    }
}

impl Store {
    /// R43: a new deployment of the instance from its current source; returns its id
    /// (`serviceInstanceDeployV2`, `serviceInstanceDeploy`, and every implicit deploy).
    pub(crate) fn deploy(
        &mut self,
        service_id: &str,
        environment_id: &str,
    ) -> Result<String, DomainError> {
        let settings = self
            .live_instance_mut(service_id, environment_id)?
            .settings
            .clone();
        self.start_deployment(service_id, environment_id, source_meta("deploy", &settings))
    }

    /// Deploys the instance when it has a source (implicit deploys; a sourceless one has nothing
    /// to build). Returns the new id, if any.
    pub(crate) fn deploy_if_sourced(
        &mut self,
        service_id: &str,
        environment_id: &str,
    ) -> Result<Option<String>, DomainError> {
        let has_source = self
            .live_instance_mut(service_id, environment_id)?
            .settings
            .has_source();
        if has_source {
            return self.deploy(service_id, environment_id).map(Some);
        }
        Ok(None)
    }

    /// `deploymentRedeploy`: the same image and settings as deployment `id`, deployed again.
    pub(crate) fn redeploy_deployment(
        &mut self,
        id: &str,
        use_previous_image_tag: bool,
    ) -> Result<String, DomainError> {
        let original = self.deployment_by_id(id, Utc::now())?;
        // R38: Railway refuses while the original is still building.
        if lifecycle::still_building(original.status) {
            return Err(DomainError::RedeployNotReady);
        }
        let mut meta = original.record.meta.clone();
        if let Value::Object(fields) = &mut meta {
            fields.insert("reason".into(), json!("redeploy"));
            // A guess at a harmless echo: the sandbox has no registry tags to choose between.
            fields.insert("usePreviousImageTag".into(), json!(use_previous_image_tag));
        }
        let record = original.record;
        self.start_deployment(&record.service_id, &record.environment_id, meta)
    }

    /// `deploymentRollback`: a new deployment of deployment `id`'s image, so it ends as that one
    /// did whatever outcome the service is forced to now. Only a deployment that went live can
    /// be rolled back to (a guess at `canRollback`'s rule). The sandbox keeps no environment
    /// snapshots, so unlike Railway it leaves the instance's settings and variables as they are.
    pub(crate) fn rollback_deployment(&mut self, id: &str) -> Result<String, DomainError> {
        let original = self.deployment_by_id(id, Utc::now())?;
        let went_live = original.superseded || original.status == DeploymentStatus::Success;
        if !went_live {
            return Err(DomainError::RollbackNotAllowed);
        }
        let mut meta = original.record.meta.clone();
        if let Value::Object(fields) = &mut meta {
            fields.insert("reason".into(), json!("rollback"));
            fields.insert("rollbackFrom".into(), json!(id));
        }
        let record = original.record;
        self.start_deployment_as(
            &record.service_id,
            &record.environment_id,
            meta,
            Some(record.outcome),
        )
    }

    /// `serviceInstanceRedeploy`: redeploys the instance's latest deployment (its live image).
    pub(crate) fn redeploy_instance(
        &mut self,
        service_id: &str,
        environment_id: &str,
    ) -> Result<String, DomainError> {
        let latest = self
            .live_instance_mut(service_id, environment_id)?
            .latest_deployment
            .as_ref()
            .map(|d| d.id.clone())
            // A guess: Railway's text for an instance never deployed is not documented.
            .ok_or(DomainError::DeploymentNotFound)?;
        self.redeploy_deployment(&latest, false)
    }

    /// R28: after a variable write, deploy what it affects. A service's own variables affect that
    /// service; shared ones (a guess at "affected") every sourced service of the environment
    /// whose variables reference one of `names` as `${{shared.NAME}}`.
    pub(crate) fn deploy_after_variable_change(
        &mut self,
        environment_id: &str,
        service_id: Option<&str>,
        names: &[String],
    ) -> Result<(), DomainError> {
        let affected: Vec<String> = match service_id {
            Some(service_id) => vec![service_id.to_string()],
            None => self.services_referencing_shared(environment_id, names),
        };
        for service_id in affected {
            match self.deploy_if_sourced(&service_id, environment_id) {
                Ok(_) | Err(DomainError::InstanceNotFound) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// R16, R28: the services whose variables reference one of the shared variables `names`.
    /// Guess: Railway may redeploy more widely; this is the narrowest plausible reading.
    pub(in crate::sandbox::store) fn services_referencing_shared(
        &self,
        environment_id: &str,
        names: &[String],
    ) -> Vec<String> {
        let wanted: Vec<String> = names.iter().map(|n| format!("shared.{n}")).collect();
        let mut services: Vec<String> = self
            .state
            .variables
            .iter()
            .filter(|v| v.environment_id == environment_id)
            .filter(|v| {
                super::references(&v.value)
                    .iter()
                    .any(|r| wanted.contains(&r.replace(' ', "")))
            })
            .filter_map(|v| v.service_id.clone())
            .collect();
        services.sort();
        services.dedup();
        services
    }

    /// R42: forces how `service_name`'s deployments end, from now on (`SUCCESS` clears it).
    /// Deployments still in progress take the new outcome; `CRASHED` also crashes a live one.
    pub(crate) fn set_deploy_outcome(&mut self, service_name: &str, outcome: DeploymentOutcome) {
        match outcome {
            DeploymentOutcome::Success => self.deploy_settings.outcomes.remove(service_name),
            _ => self
                .deploy_settings
                .outcomes
                .insert(service_name.to_string(), outcome),
        };
        let now = Utc::now();
        let service_ids: Vec<String> = self
            .state
            .services
            .iter()
            .filter(|s| s.name == service_name && s.deleted_at.is_none())
            .map(|s| s.id.clone())
            .collect();
        let touched: Vec<String> = self
            .state
            .deployments
            .iter()
            .filter(|d| service_ids.contains(&d.service_id))
            .filter(|d| {
                let status = self.phase_of(d, now).status;
                lifecycle::in_progress(status)
                    || (outcome == DeploymentOutcome::Crashed
                        && status == DeploymentStatus::Success)
            })
            .map(|d| d.id.clone())
            .collect();
        for record in self
            .state
            .deployments
            .iter_mut()
            .filter(|d| touched.contains(&d.id))
        {
            record.outcome = outcome;
        }
    }

    /// Records a new deployment, aborting the instance's deployments still in progress.
    fn start_deployment(
        &mut self,
        service_id: &str,
        environment_id: &str,
        meta: Value,
    ) -> Result<String, DomainError> {
        self.start_deployment_as(service_id, environment_id, meta, None)
    }

    /// A new deployment ending in `outcome`, or in the service's forced outcome when `None`.
    fn start_deployment_as(
        &mut self,
        service_id: &str,
        environment_id: &str,
        meta: Value,
        outcome: Option<DeploymentOutcome>,
    ) -> Result<String, DomainError> {
        let instance = self.live_instance_mut(service_id, environment_id)?.clone();
        let service = self
            .state
            .services
            .iter()
            .find(|s| s.id == service_id)
            .ok_or(DomainError::ServiceNotFound)?;
        let outcome = outcome.unwrap_or_else(|| {
            self.deploy_settings
                .outcomes
                .get(&service.name)
                .copied()
                .unwrap_or_default()
        });
        let project_id = service.project_id.clone();
        let now = Utc::now();
        self.abort_in_progress(service_id, environment_id, now);
        let meta = with_placement(meta, &instance.settings);
        let record = self.new_record(&instance.settings, outcome, meta, now);
        let record = DeploymentHistoryRecord {
            service_id: service_id.to_string(),
            environment_id: environment_id.to_string(),
            project_id,
            ..record
        };
        let id = record.id.clone();
        // The instance's `latestDeployment` points at the newest deployment of the history.
        self.live_instance_mut(service_id, environment_id)?
            .latest_deployment = Some(DeploymentRecord {
            id: id.clone(),
            status: lifecycle::natural_phase(&record, now).status,
            created_at: record.created_at.clone(),
        });
        self.state.deployments.push(record);
        Ok(id)
    }

    /// The record's timeline from the configured duration; ids and scope are left empty.
    fn new_record(
        &self,
        settings: &InstanceSettings,
        outcome: DeploymentOutcome,
        meta: Value,
        now: chrono::DateTime<Utc>,
    ) -> DeploymentHistoryRecord {
        let total = i64::try_from(self.deploy_settings.duration.as_millis()).unwrap_or(i64::MAX);
        let replicas = settings.num_replicas.unwrap_or(1).max(1);
        // R44: only a configured health check is waited for.
        let healthcheck_timeout_ms = settings.healthcheck_path.as_ref().map(|_| {
            let seconds = settings
                .healthcheck_timeout
                .map_or(DEFAULT_HEALTHCHECK_TIMEOUT_SECS, i64::from);
            seconds.saturating_mul(HEALTHCHECK_MS_PER_SECOND)
        });
        DeploymentHistoryRecord {
            id: new_id(),
            service_id: String::new(),
            environment_id: String::new(),
            project_id: String::new(),
            created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            building_after_ms: total / 10,
            deploying_after_ms: total * 6 / 10,
            done_after_ms: total,
            outcome,
            healthcheck_timeout_ms,
            removed_at: None,
            instance_ids: (0..replicas).map(|_| new_id()).collect(),
            cron: settings.cron_schedule.is_some(),
            meta,
        }
    }

    /// R42: a newer deployment aborts the ones still in progress (REMOVING, then REMOVED).
    fn abort_in_progress(
        &mut self,
        service_id: &str,
        environment_id: &str,
        now: chrono::DateTime<Utc>,
    ) {
        let aborted: Vec<String> = self
            .state
            .deployments
            .iter()
            .filter(|d| d.service_id == service_id && d.environment_id == environment_id)
            .filter(|d| lifecycle::in_progress(self.phase_of(d, now).status))
            .map(|d| d.id.clone())
            .collect();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        for record in self
            .state
            .deployments
            .iter_mut()
            .filter(|d| aborted.contains(&d.id))
        {
            record.removed_at = Some(at.clone());
        }
    }
}

/// `Deployment.meta` for a deploy of the instance's current source. Railway's meta holds much
/// more (commit, manifest); these keys are the ones a reader of the sandbox can rely on.
fn source_meta(reason: &str, settings: &InstanceSettings) -> Value {
    let mut meta = json!({ "reason": reason });
    if let Some(image) = &settings.image {
        meta["image"] = json!(image);
    }
    if let Some(repo) = &settings.repo {
        meta["repo"] = json!(repo);
    }
    meta
}

/// R19: a deployment records the placement it started with in
/// `meta.serviceManifest.deploy.multiRegionConfig`. A redeploy keeps its original's manifest
/// (Railway redeploys a deployment's snapshot; a guess that the placement goes with it).
fn with_placement(mut meta: Value, settings: &InstanceSettings) -> Value {
    if let Value::Object(fields) = &mut meta {
        fields.entry("serviceManifest").or_insert_with(|| {
            json!({ "deploy": { "multiRegionConfig": multi_region_json(&settings.multi_region_config) } })
        });
    }
    meta
}

/// `ServiceInstance.nextCronRunAt`: the next time the schedule fires after `now`, read in UTC
/// as Railway reads cron schedules; `None` for an unparsable schedule.
pub(crate) fn next_cron_run(
    schedule: &str,
    now: chrono::DateTime<Utc>,
) -> Option<chrono::DateTime<Utc>> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .build()
        .parse(schedule.trim())
        .ok()?
        .find_next_occurrence(&now, false)
        .ok()
}
