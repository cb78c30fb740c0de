//! `status`: the whole project at a glance, per environment and service: sync state, latest
//! deployment, domains with DNS and certificate state, the volume with its usage, native
//! schedules and backups. Backups are the only extra read (one request per live volume).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{SyncState, View, kind_label, settings, table};
use crate::backup::limit;
use crate::manifest::desired::ServiceKind;
use crate::railway::live::LiveInstance;
use crate::railway::ops::{VolumeInstanceBackups, volume_instance_backups};
use crate::railway::{Client, Error};
use crate::rollout::Health;
use crate::rollout::previews::PreviewStatus;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    pub project: String,
    /// Whether the project exists on Railway.
    pub project_found: bool,
    /// True when the plan has no changes at all.
    pub in_sync: bool,
    /// Number of changes the plan holds.
    pub pending_changes: usize,
    pub environments: Vec<EnvironmentStatus>,
    /// R50: Railway's PR environments, observed (filled in by the caller, which has the clock).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub previews: Vec<PreviewStatus>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentStatus {
    pub name: String,
    /// Whether the environment exists on Railway.
    pub found: bool,
    pub services: Vec<ServiceStatus>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    pub name: String,
    pub kind: &'static str,
    pub state: SyncState,
    /// Railway's status of the latest deployment, e.g. `SUCCESS`.
    pub deployment: Option<String>,
    /// From the latest deployment (R42): Healthy, Progressing, Degraded or Unknown.
    pub health: Health,
    pub domains: Vec<DomainStatus>,
    pub volume: Option<VolumeStatus>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainStatus {
    /// A domain name, or `tcp :PORT` for a TCP proxy.
    pub name: String,
    /// `generated`, `custom` or `tcp`.
    pub kind: &'static str,
    /// `active`, `issuing certificate` or `pending DNS: <records to create>`.
    pub state: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeStatus {
    pub name: String,
    /// Whether the volume exists on Railway.
    pub found: bool,
    pub mount_path: Option<String>,
    pub size_mb: Option<i64>,
    pub used_mb: Option<f64>,
    pub usage_percent: Option<f64>,
    /// Railway-native schedules live, e.g. `DAILY`.
    pub native_schedules: Vec<String>,
    /// Null when the volume is absent or its backups could not be read.
    pub backups: Option<BackupSummary>,
    /// R25: set when `backups.cron` is declared and usage is 50 % or more, where Railway
    /// refuses the operator's (manual) backups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_warning: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupSummary {
    pub count: usize,
    /// Creation time of the newest backup (as Railway sends it), null when there is none.
    pub newest: Option<String>,
}

/// Live volume instance ids of the manifest's managed services, in every manifest environment.
pub fn volume_instance_ids(view: &View<'_>) -> Vec<String> {
    let mut ids = Vec::new();
    for env in &view.desired.environments {
        let Some(live_env) = view.environment(env) else {
            continue;
        };
        for service in &view.desired.services {
            if let Some(instance) = view.instance(&service.name, env)
                && let Some(volume) = live_env.volume_of(&instance.service_id)
            {
                ids.push(volume.id.clone());
            }
        }
    }
    ids
}

/// Reads the backups of each volume instance, one request each. A volume whose backups cannot
/// be read is left out (status then shows its backups as unknown) and the error is returned
/// alongside, so the caller can warn.
pub async fn read_backups(
    client: &Client,
    volume_instance_ids: &[String],
) -> (BTreeMap<String, BackupSummary>, Vec<Error>) {
    let mut summaries = BTreeMap::new();
    let mut errors = Vec::new();
    for id in volume_instance_ids {
        let variables = volume_instance_backups::Variables {
            volume_instance_id: id.clone(),
        };
        match client.post::<VolumeInstanceBackups>(variables).await {
            Ok(data) => {
                let list = data.volume_instance_backup_list;
                summaries.insert(
                    id.clone(),
                    BackupSummary {
                        count: list.len(),
                        newest: list.iter().map(|b| b.created_at.clone()).max(),
                    },
                );
            }
            Err(error) => errors.push(error),
        }
    }
    (summaries, errors)
}

pub fn status(view: &View<'_>, backups: &BTreeMap<String, BackupSummary>) -> StatusReport {
    let environments = view
        .desired
        .environments
        .iter()
        .map(|env| EnvironmentStatus {
            name: env.clone(),
            found: view.environment(env).is_some(),
            services: view
                .desired
                .services
                .iter()
                .map(|service| {
                    let instance = view.instance(&service.name, env);
                    ServiceStatus {
                        name: service.name.clone(),
                        kind: kind_label(&service.kind),
                        state: view.sync_state(service, env),
                        deployment: instance
                            .and_then(|i| i.latest_deployment.as_ref())
                            .map(|d| d.status.clone()),
                        health: Health::of_status(
                            instance
                                .and_then(|i| i.latest_deployment.as_ref())
                                .map(|d| d.status.as_str()),
                        ),
                        domains: instance.map(domain_states).unwrap_or_default(),
                        volume: volume_status(view, service, env, instance, backups),
                    }
                })
                .collect(),
        })
        .collect();
    StatusReport {
        project: view.desired.project.name.clone(),
        project_found: view.project().is_some(),
        in_sync: !view.plan.has_changes(),
        pending_changes: view.plan.actions.len(),
        environments,
        previews: Vec::new(),
    }
}

fn domain_states(instance: &LiveInstance) -> Vec<DomainStatus> {
    let generated = instance.service_domains.iter().map(|d| DomainStatus {
        name: d.domain.clone(),
        kind: "generated",
        state: "active".into(),
    });
    let custom = instance.custom_domains.iter().map(|d| DomainStatus {
        name: d.domain.clone(),
        kind: "custom",
        state: crate::plan::domains::custom_domain_state(d),
    });
    let proxies = instance.tcp_proxies.iter().map(|port| DomainStatus {
        name: format!("tcp :{port}"),
        kind: "tcp",
        state: "active".into(),
    });
    generated.chain(custom).chain(proxies).collect()
}

fn volume_status(
    view: &View<'_>,
    service: &crate::manifest::desired::DesiredService,
    env: &str,
    instance: Option<&LiveInstance>,
    backups: &BTreeMap<String, BackupSummary>,
) -> Option<VolumeStatus> {
    if !matches!(service.kind, ServiceKind::Managed { .. }) {
        return None;
    }
    let desired = settings(service, env).and_then(|s| s.volume.as_ref());
    let live = instance.and_then(|i| view.environment(env)?.volume_of(&i.service_id));
    match (desired, live) {
        (_, Some(live)) => Some(VolumeStatus {
            backup_warning: desired
                .filter(|d| !d.cron_backups.is_empty())
                .zip(live.usage_percent().filter(|p| limit::at_risk(*p)))
                .map(|(d, used)| limit::warning(&d.name, &service.name, env, used)),
            name: live.volume_name.clone(),
            found: true,
            mount_path: Some(live.mount_path.clone()),
            size_mb: Some(live.size_mb),
            used_mb: Some(live.current_size_mb),
            usage_percent: live.usage_percent().map(|p| (p * 10.0).round() / 10.0),
            native_schedules: live
                .backup_schedules
                .iter()
                .filter_map(|k| serde_json::to_value(k).ok())
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect(),
            backups: backups.get(&live.id).cloned(),
        }),
        (Some(desired), None) => Some(VolumeStatus {
            name: desired.name.clone(),
            found: false,
            mount_path: Some(desired.mount_path.clone()),
            size_mb: None,
            used_mb: None,
            usage_percent: None,
            native_schedules: Vec::new(),
            backups: None,
            backup_warning: None,
        }),
        (None, None) => None,
    }
}

pub fn render_text(report: &StatusReport) -> String {
    let mut out = format!(
        "Project {}: {}\n",
        report.project,
        if !report.project_found {
            "not on Railway".to_string()
        } else if report.in_sync {
            "in sync".to_string()
        } else {
            format!("{} pending change(s)", report.pending_changes)
        }
    );
    for env in &report.environments {
        out.push_str(&format!(
            "\n{}{}\n",
            env.name,
            if env.found { "" } else { " (not on Railway)" }
        ));
        let mut rows = vec![vec![
            "SERVICE".to_string(),
            "STATE".into(),
            "HEALTH".into(),
            "DEPLOYMENT".into(),
            "VOLUME".into(),
        ]];
        let mut domains = Vec::new();
        let mut warnings = Vec::new();
        for s in &env.services {
            warnings.extend(s.volume.as_ref().and_then(|v| v.backup_warning.clone()));
            let volume = s.volume.as_ref().map(volume_text);
            rows.push(vec![
                s.name.clone(),
                s.state.label().into(),
                s.health.name().into(),
                s.deployment.clone().unwrap_or_else(|| "-".into()),
                volume.unwrap_or_else(|| "-".into()),
            ]);
            domains.extend(
                s.domains
                    .iter()
                    .map(|d| format!("    {}: {} ({})", s.name, d.name, d.state)),
            );
        }
        for line in table(&rows).lines() {
            out.push_str(&format!("  {line}\n"));
        }
        if !domains.is_empty() {
            out.push_str("  domains:\n");
            for line in domains {
                out.push_str(&line);
                out.push('\n');
            }
        }
        for warning in warnings {
            out.push_str(&format!("  warning: {warning}\n"));
        }
    }
    previews_text(&mut out, &report.previews);
    out
}

/// R50: PR environments, Railway's: shown, never managed.
fn previews_text(out: &mut String, previews: &[PreviewStatus]) {
    if previews.is_empty() {
        return;
    }
    out.push_str("\nPR environments (Railway's; observed, never changed)\n");
    let mut rows = vec![vec![
        "ENVIRONMENT".to_string(),
        "PR".into(),
        "BRANCH".into(),
        "AGE".into(),
        "HEALTH".into(),
    ]];
    for p in previews {
        rows.push(vec![
            p.name.clone(),
            p.pr_number.map_or_else(|| "-".into(), |n| format!("#{n}")),
            p.branch.clone().unwrap_or_else(|| "-".into()),
            p.age.clone(),
            p.health.name().into(),
        ]);
    }
    for line in table(&rows).lines() {
        out.push_str(&format!("  {line}\n"));
    }
}

fn volume_text(volume: &VolumeStatus) -> String {
    if !volume.found {
        return format!("{} (missing)", volume.name);
    }
    let mut parts = vec![volume.name.clone()];
    if let Some(used) = volume.usage_percent {
        parts.push(format!("{used:.0}% used"));
    }
    if !volume.native_schedules.is_empty() {
        parts.push(format!("schedules {}", volume.native_schedules.join("/")));
    }
    match &volume.backups {
        Some(b) => parts.push(format!(
            "{} backup(s){}",
            b.count,
            b.newest
                .as_ref()
                .map(|n| format!(", newest {n}"))
                .unwrap_or_default()
        )),
        None => parts.push("backups unknown".into()),
    }
    parts.join(", ")
}
