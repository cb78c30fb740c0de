//! Reading deployments: each record's status at a given moment (its own timeline, then removal by
//! abort, deletion or a newer live deployment), lists filtered like `DeploymentListInput`, an
//! instance's latest and active deployments. Read-only.

use chrono::{DateTime, Utc};

use super::lifecycle::{self, Phase, Removal, parse_time};
use crate::sandbox::model::{
    DeploymentHistoryRecord, DeploymentOutcome, DeploymentStatus, InstanceRecord,
};
use crate::sandbox::store::{DomainError, Store};

/// One deployment as read at one moment.
#[derive(Clone, Debug)]
pub(crate) struct DeploymentView {
    pub record: DeploymentHistoryRecord,
    pub status: DeploymentStatus,
    /// When it entered `status` (`updatedAt`, `statusUpdatedAt`).
    pub status_since: DateTime<Utc>,
    /// Removed because a newer deployment went live: the one a rollback could return to.
    pub superseded: bool,
    /// The instance's first live service domain, if any.
    pub static_url: Option<String>,
}

impl DeploymentView {
    /// R42: `SUCCESS` + `deploymentStopped` is a run that exited cleanly (a cron service).
    pub(crate) fn deployment_stopped(&self) -> bool {
        self.record.cron && self.status == DeploymentStatus::Success
    }
}

/// `DeploymentListInput`: every given field narrows the list.
#[derive(Debug, Default, Clone)]
pub(crate) struct DeploymentFilter {
    pub project_id: Option<String>,
    pub environment_id: Option<String>,
    pub service_id: Option<String>,
    pub status_in: Option<Vec<DeploymentStatus>>,
    pub status_not_in: Option<Vec<DeploymentStatus>>,
    /// A guess at Railway's meaning: also list deployments of deleted services and environments.
    pub include_deleted: bool,
}

impl Store {
    /// The record's status at `now`, removal included.
    pub(crate) fn phase_of(&self, record: &DeploymentHistoryRecord, now: DateTime<Utc>) -> Phase {
        lifecycle::phase_at(record, self.removal_of(record), now)
    }

    /// The earliest of: aborted, its service or environment deleted, superseded (R42).
    fn removal_of(&self, record: &DeploymentHistoryRecord) -> Option<Removal> {
        let gone = |at: Option<&String>| {
            at.map(|at| Removal {
                at: parse_time(at),
                superseded: false,
            })
        };
        let service_deleted = self
            .state
            .services
            .iter()
            .find(|s| s.id == record.service_id)
            .and_then(|s| gone(s.deleted_at.as_ref()));
        let environment_deleted = self
            .state
            .environments
            .iter()
            .find(|e| e.id == record.environment_id)
            .and_then(|e| gone(e.deleted_at.as_ref()));
        [
            gone(record.removed_at.as_ref()),
            service_deleted,
            environment_deleted,
            self.superseded_at(record),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|removal| removal.at)
    }

    /// When a newer deployment of the same instance went (or goes) live while this one ran.
    fn superseded_at(&self, record: &DeploymentHistoryRecord) -> Option<Removal> {
        let position = self
            .state
            .deployments
            .iter()
            .position(|d| d.id == record.id)?;
        let at = self
            .state
            .deployments
            .iter()
            .skip(position + 1)
            .filter(|d| {
                d.service_id == record.service_id && d.environment_id == record.environment_id
            })
            .filter_map(|newer| {
                let live = lifecycle::goes_live_at(newer)?;
                let aborted_first = newer
                    .removed_at
                    .as_ref()
                    .is_some_and(|at| parse_time(at) <= live);
                (!aborted_first).then_some(live)
            })
            .min()?;
        lifecycle::ran(lifecycle::natural_phase(record, at).status).then_some(Removal {
            at,
            superseded: true,
        })
    }

    /// Every deployment, oldest first: the history, then the latest deployments recorded before
    /// the history existed (older state files), read as live.
    fn all_deployments(&self) -> Vec<DeploymentHistoryRecord> {
        let mut records = self.state.deployments.clone();
        for instance in &self.state.instances {
            if let Some(legacy) = self.legacy_record(instance) {
                records.push(legacy);
            }
        }
        records
    }

    fn legacy_record(&self, instance: &InstanceRecord) -> Option<DeploymentHistoryRecord> {
        let latest = instance.latest_deployment.as_ref()?;
        if self.state.deployments.iter().any(|d| d.id == latest.id) {
            return None;
        }
        let project_id = self
            .state
            .services
            .iter()
            .find(|s| s.id == instance.service_id)
            .map(|s| s.project_id.clone())
            .unwrap_or_default();
        Some(DeploymentHistoryRecord {
            id: latest.id.clone(),
            service_id: instance.service_id.clone(),
            environment_id: instance.environment_id.clone(),
            project_id,
            created_at: latest.created_at.clone(),
            building_after_ms: 0,
            deploying_after_ms: 0,
            done_after_ms: 0,
            outcome: DeploymentOutcome::Success,
            healthcheck_timeout_ms: None,
            removed_at: None,
            instance_ids: vec![format!("{}-0", latest.id)],
            cron: instance.settings.cron_schedule.is_some(),
            meta: serde_json::json!({ "reason": "deploy" }),
        })
    }

    fn view(&self, record: DeploymentHistoryRecord, now: DateTime<Utc>) -> DeploymentView {
        let removal = self.removal_of(&record);
        let phase = lifecycle::phase_at(&record, removal, now);
        let superseded =
            phase.status == DeploymentStatus::Removing || phase.status == DeploymentStatus::Removed;
        let static_url = self
            .state
            .service_domains
            .iter()
            .find(|d| {
                d.service_id == record.service_id
                    && d.environment_id == record.environment_id
                    && d.deleted_at.is_none()
            })
            .map(|d| d.domain.clone());
        DeploymentView {
            superseded: superseded && removal.is_some_and(|r| r.superseded),
            status: phase.status,
            status_since: phase.since,
            static_url,
            record,
        }
    }

    pub(crate) fn deployment_by_id(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<DeploymentView, DomainError> {
        // Not a behaviour (no rule applies): the same answer as searching `all_deployments`, in
        // the same order, without building every record, which made a snapshot cubic in the
        // number of instances (one lookup per instance).
        let record = match self.state.deployments.iter().find(|d| d.id == id) {
            Some(record) => record.clone(),
            None => self
                .state
                .instances
                .iter()
                .filter(|i| i.latest_deployment.as_ref().is_some_and(|d| d.id == id))
                .find_map(|i| self.legacy_record(i))
                .ok_or(DomainError::DeploymentNotFound)?,
        };
        Ok(self.view(record, now))
    }

    /// `deployments(input)`: newest first, as Railway lists them.
    pub(crate) fn list_deployments(
        &self,
        filter: &DeploymentFilter,
        now: DateTime<Utc>,
    ) -> Vec<DeploymentView> {
        let matches =
            |wanted: &Option<String>, actual: &str| wanted.as_ref().is_none_or(|w| w == actual);
        let mut views: Vec<DeploymentView> = self
            .all_deployments()
            .into_iter()
            .filter(|d| matches(&filter.project_id, &d.project_id))
            .filter(|d| matches(&filter.environment_id, &d.environment_id))
            .filter(|d| matches(&filter.service_id, &d.service_id))
            .filter(|d| filter.include_deleted || self.scope_is_live(d))
            .map(|record| self.view(record, now))
            .filter(|v| {
                filter
                    .status_in
                    .as_ref()
                    .is_none_or(|s| s.contains(&v.status))
            })
            .filter(|v| {
                filter
                    .status_not_in
                    .as_ref()
                    .is_none_or(|s| !s.contains(&v.status))
            })
            .collect();
        views.reverse();
        views
    }

    fn scope_is_live(&self, record: &DeploymentHistoryRecord) -> bool {
        self.service(&record.service_id).is_ok() && self.environment(&record.environment_id).is_ok()
    }

    /// `ServiceInstance.latestDeployment`: the instance's newest deployment, whatever its status.
    pub(crate) fn latest_deployment_of(
        &self,
        instance: &InstanceRecord,
        now: DateTime<Utc>,
    ) -> Option<DeploymentView> {
        let id = &instance.latest_deployment.as_ref()?.id;
        self.deployment_by_id(id, now).ok()
    }

    /// `ServiceInstance.activeDeployments`: the deployments running (or crashed while current) now.
    pub(crate) fn active_deployments_of(
        &self,
        instance: &InstanceRecord,
        now: DateTime<Utc>,
    ) -> Vec<DeploymentView> {
        let filter = DeploymentFilter {
            environment_id: Some(instance.environment_id.clone()),
            service_id: Some(instance.service_id.clone()),
            include_deleted: true,
            ..DeploymentFilter::default()
        };
        self.list_deployments(&filter, now)
            .into_iter()
            .filter(|v| lifecycle::ran(v.status))
            .collect()
    }
}
