//! Turns a finished pass into status: conditions, drift (as the plan text shows it, secrets
//! masked), per-service sync state, history and metrics. Pure: it only edits the status it gets.

use std::time::Duration;

use super::reconcile::{Pass, PassKind, PassWindow};
use super::status::{
    DomainState, DriftEntry, EnvironmentStatus, HistoryEntry, Metrics, PlanCounts, ProjectStatus,
    ServiceStatus, SyncState, VolumeStatus, WindowStatus,
};
use crate::apply::Outcome;
use crate::backup::limit;
use crate::duration::format_duration;
use crate::manifest::Desired;
use crate::manifest::desired::{DesiredService, DriftPolicy, Retention, ServiceKind};
use crate::plan::render::action_text;
use crate::plan::{Action, Plan};
use crate::rollout::Health;

/// Records a pass of `desired` at `revision` into the project's status and the metrics.
pub fn record_pass(
    status: &mut ProjectStatus,
    metrics: &mut Metrics,
    desired: &Desired,
    revision: &str,
    pass: &Pass,
    now: &str,
) {
    record_identity(status, desired, pass, now);
    let counts = record_plan(status, desired, pass);
    record_previews(status, desired, pass, now);
    record_outcome(status, desired, revision, pass, counts, now);
    hold_for_staged_changes(status, pass, now);
    if status.conditions.ready.status {
        health_condition(status, now);
    }
    record_history(status, revision, pass, now);
    record_metrics(metrics, &desired.project.name, status.drift.len(), pass);
}

/// Who the project is, how it is governed and when this pass ran.
fn record_identity(status: &mut ProjectStatus, desired: &Desired, pass: &Pass, now: &str) {
    status.name = desired.project.name.clone();
    status.drift_policy = match desired.policy.drift {
        crate::manifest::desired::DriftPolicy::SelfHeal => "self-heal".into(),
        crate::manifest::desired::DriftPolicy::Report => "report".into(),
    };
    status.suspended = desired.policy.suspend;
    status.window = (!desired.policy.windows.is_empty()).then(|| window_status(&pass.window));
    status.last_reconcile_at = Some(now.to_string());
    status.last_duration_ms = Some(pass.duration.as_millis() as u64);
    status.conditions.reconciling.set(false, "Idle", "", now);
}

/// What the pass planned: counts, drift left behind, per-environment state and volume
/// warnings. A pass that never reached a plan keeps the last plan's figures.
fn record_plan(status: &mut ProjectStatus, desired: &Desired, pass: &Pass) -> Option<PlanCounts> {
    let counts = pass.plan.as_ref().map(|p| {
        let s = p.summary();
        PlanCounts {
            add: s.add,
            change: s.change,
            destroy: s.destroy,
            deploy: s.deploy,
        }
    });
    if counts.is_some() {
        status.last_plan = counts;
    }
    let applied = pass.kind == PassKind::Applied;
    if let Some(plan) = &pass.plan {
        status.drift = if applied {
            Vec::new()
        } else {
            drift_entries(plan)
        };
        status.environments = environments(desired, plan, pass, applied);
        status.warnings = status
            .environments
            .iter()
            .flat_map(|e| &e.services)
            .filter_map(|s| s.volume.as_ref())
            .flat_map(|v| v.warning.iter().chain(&v.backup_warning).cloned())
            .collect();
    }
    counts
}

/// R50: the PR environments the pass read (after its apply when it re-read); a pass that read
/// nothing keeps the last ones.
fn record_previews(status: &mut ProjectStatus, desired: &Desired, pass: &Pass, now: &str) {
    let Some(live) = pass.live_after.as_ref().or(pass.live.as_ref()) else {
        return;
    };
    let now = chrono::DateTime::parse_from_rfc3339(now)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|_| chrono::Utc::now());
    status.previews = crate::rollout::previews::previews(live.project.as_ref(), now);
    for preview in &mut status.previews {
        preview.overrides_converged = overrides_converged(desired, pass, &preview.name);
    }
}

/// Whether `spec.previews.overrides` hold in the PR environment `name` after this pass: known
/// only with overrides declared and a plan that saw the environment. Converged when the plan
/// had nothing for it, or the pass applied what it had.
fn overrides_converged(desired: &Desired, pass: &Pass, name: &str) -> Option<bool> {
    desired
        .previews
        .as_ref()
        .filter(|p| !p.overrides.is_empty())?;
    let plan = pass.plan.as_ref()?;
    let seen = pass
        .live
        .as_ref()?
        .project
        .as_ref()?
        .previews
        .iter()
        .any(|p| p.environment.name == name);
    if !seen {
        return None;
    }
    let pending = plan.actions.iter().any(|a| a.environment() == Some(name));
    Some(!pending || pass.kind == PassKind::Applied)
}

/// The Ready and Stalled conditions and the last error, from how the pass ended.
fn record_outcome(
    status: &mut ProjectStatus,
    desired: &Desired,
    revision: &str,
    pass: &Pass,
    counts: Option<PlanCounts>,
    now: &str,
) {
    let applied = pass.kind == PassKind::Applied;
    match (pass.kind, &pass.error) {
        (PassKind::Applied | PassKind::InSync, _) => {
            status.last_applied_revision = Some(revision.to_string());
            let message = match counts {
                Some(c) if applied => format!(
                    "applied {} to add, {} to change, {} to destroy",
                    c.add, c.change, c.destroy
                ),
                _ => "live state matches the manifest".into(),
            };
            status
                .conditions
                .ready
                .set(true, "ReconciliationSucceeded", message, now);
            status.conditions.stalled.set(false, "", "", now);
            status.last_error = None;
        }
        (PassKind::DriftReported, _) => {
            let (reason, why) = if desired.policy.suspend {
                ("DriftDetected", "the manifest suspends writes".to_string())
            } else if desired.policy.drift == DriftPolicy::Report {
                ("DriftDetected", "drift policy is report".to_string())
            } else {
                ("ChangeWindow", pass.window.state.describe())
            };
            let message = format!("{} difference(s) left alone: {why}", status.drift.len());
            status.conditions.ready.set(false, reason, message, now);
            status.conditions.stalled.set(false, "", "", now);
            status.last_error = None;
        }
        (PassKind::Failed, error) => {
            let (reason, message) = error
                .as_ref()
                .map_or(("ReconciliationFailed", String::new()), |e| {
                    (e.reason.name(), e.message.clone())
                });
            status
                .conditions
                .ready
                .set(false, reason, message.clone(), now);
            status.last_error = Some(message);
        }
        (PassKind::Stalled, error) => {
            let (reason, message) = error.as_ref().map_or(("Stalled", String::new()), |e| {
                (e.reason.name(), e.message.clone())
            });
            status
                .conditions
                .ready
                .set(false, reason, message.clone(), now);
            status
                .conditions
                .stalled
                .set(true, reason, message.clone(), now);
            status.last_error = Some(message);
        }
    }
}

/// R17: environments held by someone's staged changes keep the project from being ready.
fn hold_for_staged_changes(status: &mut ProjectStatus, pass: &Pass, now: &str) {
    let Some(plan) = pass.plan.as_ref().filter(|p| !p.held.is_empty()) else {
        return;
    };
    if pass.error.is_some() {
        return;
    }
    let held: Vec<String> = plan
        .held
        .iter()
        .map(|h| {
            format!(
                "{} ({} staged change(s), {} change(s) held)",
                h.environment,
                h.staged_changes,
                h.held_actions.len()
            )
        })
        .collect();
    let message = format!(
        "nothing is written where someone has staged changes nobody committed: {}; commit or discard them in Railway, or set spec.policy.stagedChanges: commit",
        held.join(", ")
    );
    status
        .conditions
        .ready
        .set(false, "StagedChangesHeld", message, now);
}

/// One line of history for this pass: its result and a one-line summary.
fn record_history(status: &mut ProjectStatus, revision: &str, pass: &Pass, now: &str) {
    let summary = match (&pass.plan, &pass.error) {
        (_, Some(error)) => error.reason.name().to_string(),
        (Some(plan), None) => crate::plan::render::summary_line(plan),
        (None, None) => String::new(),
    };
    status.push_history(HistoryEntry {
        at: now.to_string(),
        revision: Some(revision.to_string()),
        result: pass.kind.label().into(),
        summary,
        duration_ms: pass.duration.as_millis() as u64,
    });
}

/// Pass counts, durations, drift size and the kinds of actions actually written.
fn record_metrics(metrics: &mut Metrics, name: &str, drift: usize, pass: &Pass) {
    *metrics
        .reconciles
        .entry((name.to_string(), pass.kind.label().into()))
        .or_default() += 1;
    metrics
        .durations
        .entry(name.to_string())
        .or_default()
        .observe(pass.duration.as_secs_f64());
    metrics.drift.insert(name.to_string(), drift as u64);
    let (Some(report), Some(plan)) = (&pass.report, &pass.plan) else {
        return;
    };
    for event in &report.events {
        if matches!(event.outcome, Outcome::Skipped(_)) {
            continue;
        }
        if let Some(action) = plan.actions.iter().find(|a| a.address() == event.address) {
            let kind = serde_json::to_value(action.kind())
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            *metrics.actions.entry(kind).or_default() += 1;
            if let Action::DeletePreview { why, .. } = action {
                *metrics
                    .previews_deleted
                    .entry((name.to_string(), why.label().to_string()))
                    .or_default() += 1;
            }
        }
    }
}

fn window_status(window: &PassWindow) -> WindowStatus {
    let deciding = window.state.window.as_ref();
    WindowStatus {
        held: window.holds(),
        overridden: window.overridden && window.state.held(),
        mode: deciding.map(|w| w.mode.name().to_string()),
        schedule: deciding.map(|w| w.schedule.clone()),
        timezone: deciding.map(|w| w.timezone.clone().unwrap_or_else(|| "UTC".into())),
        duration: deciding.map(|w| format_duration(Duration::from_secs(w.duration_seconds))),
        until: window.state.until.map(crate::change_window::stamp),
        message: window.state.describe(),
    }
}

/// A project in sync is Ready only once its deployments are live: Degraded when one failed or
/// crashed (R42), Progressing while one is on its way.
fn health_condition(status: &mut ProjectStatus, now: &str) {
    let with = |health: Health| -> Vec<String> {
        status
            .environments
            .iter()
            .flat_map(|e| e.services.iter().map(move |s| (e, s)))
            .filter(|(_, s)| s.health == health)
            .map(|(e, s)| {
                format!(
                    "{}[{}] ({})",
                    s.name,
                    e.name,
                    s.deployment.as_deref().unwrap_or("no deployment")
                )
            })
            .collect()
    };
    let (degraded, progressing) = (with(Health::Degraded), with(Health::Progressing));
    if !degraded.is_empty() {
        let message = format!(
            "in sync, but the latest deployment did not go live: {}",
            degraded.join(", ")
        );
        status.conditions.ready.set(false, "Degraded", message, now);
    } else if !progressing.is_empty() {
        let message = format!("in sync; deploying: {}", progressing.join(", "));
        status
            .conditions
            .ready
            .set(false, "Progressing", message, now);
    }
}

fn drift_entries(plan: &Plan) -> Vec<DriftEntry> {
    plan.actions
        .iter()
        .filter(|a| !matches!(a, Action::DeployInstance { .. }))
        .map(|action| {
            let text = action_text(action);
            let mut lines = text.lines().map(|l| l.trim().to_string());
            let header = lines.next().unwrap_or_default();
            let mut details: Vec<String> = vec![header];
            details.extend(lines.filter(|l| !l.is_empty()));
            DriftEntry {
                address: action.address(),
                environment: action.environment().map(str::to_string),
                details,
            }
        })
        .collect()
}

fn environments(
    desired: &Desired,
    plan: &Plan,
    pass: &Pass,
    applied: bool,
) -> Vec<EnvironmentStatus> {
    desired
        .environments
        .iter()
        .map(|env| EnvironmentStatus {
            name: env.clone(),
            services: desired
                .services
                .iter()
                .map(|service| {
                    let sync = match &service.kind {
                        ServiceKind::Planned { .. } => SyncState::Planned,
                        ServiceKind::External { .. } => SyncState::External,
                        ServiceKind::Managed { .. } if applied => SyncState::InSync,
                        ServiceKind::Managed { .. } => plan
                            .actions
                            .iter()
                            .find_map(|a| match a {
                                Action::ConfigureInstance {
                                    service: s,
                                    environment: e,
                                    new_service,
                                    ..
                                } if s == &service.name && e == env => Some(if *new_service {
                                    SyncState::Missing
                                } else {
                                    SyncState::Drifted
                                }),
                                Action::CreateService { name, .. } if name == &service.name => {
                                    Some(SyncState::Missing)
                                }
                                _ => None,
                            })
                            .unwrap_or(SyncState::InSync),
                    };
                    ServiceStatus {
                        name: service.name.clone(),
                        sync,
                        deployment: deployment_status(pass, env, &service.name),
                        deployment_id: deployment_id(pass, env, &service.name),
                        health: Health::of_status(
                            deployment_status(pass, env, &service.name).as_deref(),
                        ),
                        domains: domain_states(pass, env, &service.name),
                        volume: volume_status(service, env, pass),
                        last_log_lines: failure_logs(pass, env, &service.name),
                    }
                })
                .collect(),
        })
        .collect()
}

fn domain_states(pass: &Pass, environment: &str, service: &str) -> Vec<DomainState> {
    let Some(instance) = live_instance(pass, environment, service) else {
        return Vec::new();
    };
    let generated = instance.service_domains.iter().map(|d| DomainState {
        name: d.domain.clone(),
        state: "active".into(),
    });
    let custom = instance.custom_domains.iter().map(|d| DomainState {
        name: d.domain.clone(),
        state: crate::plan::domains::custom_domain_state(d),
    });
    let proxies = instance.tcp_proxies.iter().map(|port| DomainState {
        name: format!("tcp :{port}"),
        state: "active".into(),
    });
    generated.chain(custom).chain(proxies).collect()
}

fn volume_status(service: &DesiredService, environment: &str, pass: &Pass) -> Option<VolumeStatus> {
    let ServiceKind::Managed { environments } = &service.kind else {
        return None;
    };
    let desired = environments.get(environment)?.volume.as_ref()?;
    let live = live_instance(pass, environment, &service.name).and_then(|instance| {
        let project = pass.live.as_ref()?.project.as_ref()?;
        project
            .environment_named(environment)?
            .volume_of(&instance.service_id)
    });
    let usage_percent = live.and_then(|v| v.usage_percent());
    let warning = usage_percent
        .filter(|used| *used > f64::from(desired.usage_warning_percent))
        .map(|used| {
            format!(
                "volume {} of {} in {environment} is {used:.0}% full (warning above {}%)",
                desired.name, service.name, desired.usage_warning_percent
            )
        });
    // R25: operator-run backups are manual ones, which Railway refuses above 50 % usage.
    let backup_warning = usage_percent
        .filter(|used| !desired.cron_backups.is_empty() && limit::at_risk(*used))
        .map(|used| limit::warning(&desired.name, &service.name, environment, used));
    Some(VolumeStatus {
        name: desired.name.clone(),
        mount_path: desired.mount_path.clone(),
        size_mb: live.map(|v| v.size_mb),
        used_mb: live.map(|v| v.current_size_mb),
        usage_percent,
        warning_percent: desired.usage_warning_percent,
        warning,
        backup_warning,
        native_schedules: live
            .map(|v| {
                v.backup_schedules
                    .iter()
                    .filter_map(|k| serde_json::to_value(k).ok())
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        cron_backups: desired
            .cron_backups
            .iter()
            .map(|cron| {
                let zone = cron
                    .timezone
                    .as_ref()
                    .map(|tz| format!(" {tz}"))
                    .unwrap_or_default();
                let keep = match cron.retention {
                    Retention::MaxAge { seconds } => format!("kept {}", human_seconds(seconds)),
                    Retention::Keep { count } => format!("newest {count} kept"),
                };
                format!("{}{zone} ({keep})", cron.schedule)
            })
            .collect(),
        backups: Vec::new(),
    })
}

/// `30d`, `12h`, `90m`, `45s`: the largest unit that divides evenly.
fn human_seconds(seconds: u64) -> String {
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds >= size && seconds.is_multiple_of(size) {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

fn live_instance<'a>(
    pass: &'a Pass,
    environment: &str,
    service: &str,
) -> Option<&'a crate::railway::live::LiveInstance> {
    pass.live
        .as_ref()?
        .project
        .as_ref()?
        .instance(service, environment)
}

fn latest_deployment<'p>(
    pass: &'p Pass,
    environment: &str,
    service: &str,
) -> Option<&'p crate::railway::live::LiveDeployment> {
    pass.latest_live()?
        .project
        .as_ref()?
        .instance(service, environment)?
        .latest_deployment
        .as_ref()
}

/// R44: the last log lines of the latest deployment, when it failed.
fn failure_logs(pass: &Pass, environment: &str, service: &str) -> Vec<String> {
    latest_deployment(pass, environment, service)
        .filter(|d| Health::of_status(Some(&d.status)) == Health::Degraded)
        .and_then(|d| pass.failure_logs.get(&d.id))
        .cloned()
        .unwrap_or_default()
}

fn deployment_status(pass: &Pass, environment: &str, service: &str) -> Option<String> {
    latest_deployment(pass, environment, service).map(|d| d.status.clone())
}

fn deployment_id(pass: &Pass, environment: &str, service: &str) -> Option<String> {
    latest_deployment(pass, environment, service).map(|d| d.id.clone())
}
