//! Connects operator-run backups to the controller: the backup jobs each project's manifest and
//! live state call for, and the scheduler's results copied into the status (per volume, and the
//! totals behind `/metrics`). Never takes a backup itself; the scheduler does.

use crate::backup::{BackupStats, BackupTarget, TargetKey};
use crate::manifest::Desired;
use crate::manifest::desired::ServiceKind;
use crate::railway::Live;

use super::status::{BackupJobStatus, ControllerStatus};

/// One job per `backups.cron` entry of every managed volume that exists on Railway. A suspended
/// project gets none: backups are writes. A volume not created yet gets none until it exists.
pub fn targets(desired: &Desired, live: &Live) -> Vec<BackupTarget> {
    let Some(project) = live.project.as_ref() else {
        return Vec::new();
    };
    if desired.policy.suspend {
        return Vec::new();
    }
    let mut targets = Vec::new();
    for service in &desired.services {
        let ServiceKind::Managed { environments } = &service.kind else {
            continue;
        };
        let Some(service_id) = project
            .services
            .iter()
            .find(|s| s.name == service.name)
            .map(|s| &s.id)
        else {
            continue;
        };
        for (environment, settings) in environments {
            let Some(volume) = &settings.volume else {
                continue;
            };
            // R50: no backups of a PR environment's copy of the volume: it goes with the PR.
            let Some(live_volume) = project
                .persistent_environment_named(environment)
                .and_then(|e| e.volume_of(service_id))
            else {
                continue;
            };
            for cron in &volume.cron_backups {
                targets.push(BackupTarget::new(
                    &desired.project.name,
                    &service.name,
                    environment,
                    &live_volume.id,
                    &live_volume.volume_name,
                    cron.clone(),
                ));
            }
        }
    }
    targets
}

/// Where each volume instance of the project lives: (volume instance id, project id,
/// environment id), for the inventory that records its running backups (R26).
pub fn places(live: &Live) -> Vec<(String, String, String)> {
    let Some(project) = live.project.as_ref() else {
        return Vec::new();
    };
    project
        .environments
        .iter()
        .flat_map(|environment| {
            project.services.iter().filter_map(|service| {
                let volume = environment.volume_of(&service.id)?;
                Some((
                    volume.id.clone(),
                    project.id.clone(),
                    environment.id.clone(),
                ))
            })
        })
        .collect()
}

/// Copies the scheduler's results into every declared volume's status and the metrics totals.
pub fn fill_status(status: &mut ControllerStatus, stats: &BackupStats) {
    status.metrics.backups_success = stats.success_total;
    status.metrics.backups_failure = stats.failure_total;
    for project in status.projects.values_mut() {
        for environment in &mut project.environments {
            for service in &mut environment.services {
                let Some(volume) = service.volume.as_mut() else {
                    continue;
                };
                volume.backups = stats
                    .targets
                    .iter()
                    .filter(|(key, _)| {
                        key.project == project.name
                            && key.environment == environment.name
                            && key.service == service.name
                    })
                    .map(|(key, target)| job_status(key, target))
                    .collect();
            }
        }
    }
}

fn job_status(key: &TargetKey, target: &crate::backup::TargetStats) -> BackupJobStatus {
    let stamp =
        |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    BackupJobStatus {
        schedule: key.schedule.clone(),
        timezone: key.timezone.clone(),
        last_success_at: target.last_success.as_ref().map(stamp),
        last_failure_at: target.last_failure.as_ref().map(|(t, _)| stamp(t)),
        last_error: target.last_failure.as_ref().map(|(_, e)| e.clone()),
        succeeded: target.runs_ok,
        failed: target.runs_failed,
        pruned: target.pruned,
        running: target.running.clone(),
    }
}
