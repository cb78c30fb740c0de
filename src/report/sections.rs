//! The sections of a managed service's document, one function each, built from the `ops`
//! reports (repo, variables, status, open) and the plan. Every value that may be secret comes
//! from those reports already masked; nothing here reads a `Secret`'s value.

use serde::Serialize;

use super::document::join_url;
use super::markdown::{code, number, or_dash, table, whole_duration};
use crate::manifest::desired::{BackupScheduleKind, DesiredService, Retention};
use crate::ops::status::{ServiceStatus, StatusReport};
use crate::ops::{View, settings};
use crate::plan::Action;
use crate::plan::render::action_text;

/// Sync state and latest deployment per environment.
pub fn overview(view: &View<'_>, service: &DesiredService, status: &StatusReport) -> String {
    let rows: Vec<Vec<String>> = status
        .environments
        .iter()
        .map(|env| {
            let found = env.services.iter().find(|s| s.name == service.name);
            vec![
                env.name.clone(),
                view.sync_state(service, &env.name).label().to_string(),
                or_dash(found.and_then(|s| s.deployment.clone())),
            ]
        })
        .collect();
    format!(
        "## Status\n\n{}",
        table(&["Environment", "State", "Latest deployment"], &rows)
    )
}

/// Repository, branch, root directory, Dockerfile and builder (or image), desired and live.
pub fn source(view: &View<'_>, service: &DesiredService, environment: &str) -> String {
    let mut out = String::from("### Source and build\n\n");
    let Ok(report) = crate::ops::repo::repo(view, &service.name) else {
        return out;
    };
    let Some(env) = report
        .environments
        .iter()
        .find(|e| e.environment == environment)
    else {
        return out;
    };
    let desired = env.desired.clone().unwrap_or_default();
    let live = env.live.clone().unwrap_or_default();
    let fields: [(&str, &Option<String>, &Option<String>); 6] = [
        ("Image", &desired.image, &live.image),
        ("Repository", &desired.repository, &live.repository),
        ("Branch", &desired.branch, &live.branch),
        (
            "Root directory",
            &desired.root_directory,
            &live.root_directory,
        ),
        (
            "Dockerfile",
            &desired.dockerfile_path,
            &live.dockerfile_path,
        ),
        ("Builder", &desired.builder, &live.builder),
    ];
    let rows: Vec<Vec<String>> = fields
        .iter()
        .filter(|(_, d, l)| d.is_some() || l.is_some())
        .map(|(name, d, l)| {
            vec![
                name.to_string(),
                or_dash((*d).clone()),
                or_dash((*l).clone()),
            ]
        })
        .collect();
    out.push_str(&format!("Live source {}.\n\n", env.state));
    out.push_str(&table(&["Field", "Desired", "Live"], &rows));
    out.push('\n');
    out
}

/// An enum spelled as Railway spells it (`ON_FAILURE`).
fn upstream_name<T: Serialize>(value: Option<T>) -> Option<String> {
    let value = serde_json::to_value(value?).ok()?;
    value.as_str().map(str::to_string)
}

/// Start command, healthcheck, replicas, restart policy, limits, region... desired vs live.
pub fn deploy(view: &View<'_>, service: &DesiredService, environment: &str) -> String {
    let mut out = String::from("### Deploy settings\n\n");
    let Some(d) = settings(service, environment) else {
        return out;
    };
    let live = view.instance(&service.name, environment);
    let l =
        |read: &dyn Fn(&crate::railway::live::LiveInstance) -> Option<String>| live.and_then(read);
    let rows: Vec<(&str, Option<String>, Option<String>)> = vec![
        (
            "Start command",
            d.start_command.clone(),
            l(&|i| i.start_command.clone()),
        ),
        (
            "Build command",
            d.build_command.clone(),
            l(&|i| i.build_command.clone()),
        ),
        (
            "Pre-deploy command",
            d.pre_deploy_command.as_ref().map(|c| c.join(" ")),
            l(&|i| i.pre_deploy_command.as_ref().map(|c| c.join(" "))),
        ),
        (
            "Healthcheck path",
            d.healthcheck_path.clone(),
            l(&|i| i.healthcheck_path.clone()),
        ),
        (
            "Healthcheck timeout (s)",
            d.healthcheck_timeout.map(|t| t.to_string()),
            l(&|i| i.healthcheck_timeout.map(|t| t.to_string())),
        ),
        (
            "Replicas",
            d.num_replicas.map(|n| n.to_string()),
            l(&|i| i.num_replicas.map(|n| n.to_string())),
        ),
        (
            "Restart policy",
            upstream_name(d.restart_policy_type),
            l(&|i| upstream_name(i.restart_policy_type)),
        ),
        (
            "Restart max retries",
            d.restart_policy_max_retries.map(|n| n.to_string()),
            l(&|i| i.restart_policy_max_retries.map(|n| n.to_string())),
        ),
        (
            "vCPUs",
            d.limits.and_then(|x| x.vcpus).map(number),
            l(&|i| i.limits.vcpus.map(number)),
        ),
        (
            "Memory (GB)",
            d.limits.and_then(|x| x.memory_gb).map(number),
            l(&|i| i.limits.memory_gb.map(number)),
        ),
        ("Region", d.region.clone(), l(&|i| i.region.clone())),
        (
            "Cron schedule",
            d.cron_schedule.clone(),
            l(&|i| i.cron_schedule.clone()),
        ),
        (
            "Sleep when idle",
            d.sleep_application.map(|b| b.to_string()),
            l(&|i| i.sleep_application.map(|b| b.to_string())),
        ),
        (
            "Draining (s)",
            d.draining_seconds.map(|n| n.to_string()),
            l(&|i| i.draining_seconds.map(|n| n.to_string())),
        ),
        (
            "Overlap (s)",
            d.overlap_seconds.map(|n| n.to_string()),
            l(&|i| i.overlap_seconds.map(|n| n.to_string())),
        ),
    ];
    if live.is_none() {
        out.push_str("Not on Railway yet: `railway-operator apply` creates it.\n\n");
    }
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .filter(|(_, d, l)| d.is_some() || l.is_some())
        .map(|(name, desired, live_value)| {
            let verdict = match (&desired, &live_value) {
                (None, _) => "not managed",
                (Some(a), Some(b)) if a == b => "matches",
                _ => "differs",
            };
            vec![
                name.to_string(),
                or_dash(desired),
                or_dash(live_value),
                verdict.to_string(),
            ]
        })
        .collect();
    out.push_str(&table(&["Setting", "Desired", "Live", "State"], &rows));
    out.push('\n');
    out
}

/// Variables with origin and live state; secrets are masked by `ops::variables`.
pub fn variables(view: &View<'_>, service: &DesiredService, environment: &str) -> String {
    let mut out = String::from("### Variables\n\n");
    let Ok(report) = crate::ops::variables::variables(view, &service.name, Some(environment))
    else {
        return out;
    };
    if report.variables.is_empty() {
        out.push_str("None.\n\n");
        return out;
    }
    let rows: Vec<Vec<String>> = report
        .variables
        .iter()
        .map(|v| {
            vec![
                code(Some(&v.name)),
                v.origin.clone(),
                v.state.label().to_string(),
                if v.sensitive {
                    v.value.clone()
                } else {
                    code(Some(&v.value))
                },
            ]
        })
        .collect();
    out.push_str(&table(&["Name", "Origin", "State", "Value"], &rows));
    out.push('\n');
    out
}

/// Public domains with their DNS state, and how other services reach this one privately.
pub fn domains(name: &str, status: Option<&ServiceStatus>) -> String {
    let mut out = String::from("### Domains and connection\n\n");
    out.push_str(&format!(
        "Private network: other services reference `${{{{{name}.RAILWAY_PRIVATE_DOMAIN}}}}`.\n\n"
    ));
    let domains = status.map(|s| s.domains.as_slice()).unwrap_or_default();
    if domains.is_empty() {
        out.push_str("No public domain.\n\n");
        return out;
    }
    let rows: Vec<Vec<String>> = domains
        .iter()
        .map(|d| vec![d.name.clone(), d.kind.to_string(), d.state.clone()])
        .collect();
    out.push_str(&table(&["Domain", "Kind", "State"], &rows));
    out.push('\n');
    out
}

/// Railway's retention of one native schedule's backups.
fn native_retention(kind: BackupScheduleKind) -> &'static str {
    match kind {
        BackupScheduleKind::Daily => "6 days",
        BackupScheduleKind::Weekly => "1 month",
        BackupScheduleKind::Monthly => "3 months",
    }
}

fn retention_text(retention: Retention) -> String {
    match retention {
        Retention::MaxAge { seconds } => format!("{} (max age)", whole_duration(seconds)),
        Retention::Keep { count } => format!("newest {count}"),
    }
}

/// Volume size and usage, Railway-native and operator backups with their retention.
pub fn volume(
    service: &DesiredService,
    environment: &str,
    status: Option<&ServiceStatus>,
) -> String {
    let desired = settings(service, environment).and_then(|s| s.volume.as_ref());
    let live = status.and_then(|s| s.volume.as_ref());
    if desired.is_none() && live.is_none() {
        return "### Volume\n\nNo volume.\n\n".to_string();
    }
    let mut out = String::from("### Volume\n\n");
    let warning = desired.map(|d| d.usage_warning_percent);
    let usage = live.and_then(|v| v.usage_percent);
    let rows = vec![
        vec![
            "Name".to_string(),
            or_dash(desired.map(|d| d.name.clone())),
            or_dash(live.filter(|v| v.found).map(|v| v.name.clone())),
        ],
        vec![
            "Mount path".to_string(),
            or_dash(desired.map(|d| d.mount_path.clone())),
            or_dash(live.filter(|v| v.found).and_then(|v| v.mount_path.clone())),
        ],
        vec![
            "Size (MB)".to_string(),
            "-".into(),
            or_dash(live.and_then(|v| v.size_mb)),
        ],
        vec![
            "Used (MB)".to_string(),
            "-".into(),
            or_dash(live.and_then(|v| v.used_mb).map(number)),
        ],
        vec![
            "Usage".to_string(),
            or_dash(warning.map(|w| format!("warn above {w}%"))),
            or_dash(usage.map(|u| format!("{}%", number(u)))),
        ],
    ];
    out.push_str(&table(&["Field", "Desired", "Live"], &rows));
    out.push('\n');
    if let (Some(usage), Some(warning)) = (usage, warning)
        && usage > f64::from(warning)
    {
        out.push_str(&format!(
            "**Warning:** usage {}% is above the {warning}% threshold.\n\n",
            number(usage)
        ));
    }
    out.push_str("#### Backups and retention\n\n");
    let live_schedules: Vec<String> = live.map(|v| v.native_schedules.clone()).unwrap_or_default();
    let desired_schedules = desired.and_then(|d| d.native_schedules.clone());
    let mut native_rows = Vec::new();
    for kind in [
        BackupScheduleKind::Daily,
        BackupScheduleKind::Weekly,
        BackupScheduleKind::Monthly,
    ] {
        let name = upstream_name(Some(kind)).unwrap_or_default();
        let wanted = desired_schedules.as_ref().map(|s| s.contains(&kind));
        let present = live_schedules.contains(&name);
        if wanted != Some(true) && !present {
            continue;
        }
        native_rows.push(vec![
            name,
            match wanted {
                Some(true) => "yes".to_string(),
                Some(false) => "no".to_string(),
                None => "not managed".to_string(),
            },
            if present { "yes" } else { "no" }.to_string(),
            native_retention(kind).to_string(),
        ]);
    }
    if native_rows.is_empty() {
        out.push_str("Railway-native schedules: none.\n\n");
    } else {
        out.push_str("Railway-native schedules (retention set by Railway):\n\n");
        out.push_str(&table(
            &["Schedule", "Desired", "Live", "Railway retention"],
            &native_rows,
        ));
        out.push('\n');
    }
    let cron = desired
        .map(|d| d.cron_backups.as_slice())
        .unwrap_or_default();
    if cron.is_empty() {
        out.push_str("Operator schedules: none.\n\n");
    } else {
        out.push_str("Operator schedules (taken by `railway-operator run`):\n\n");
        let rows: Vec<Vec<String>> = cron
            .iter()
            .map(|c| {
                vec![
                    code(Some(&c.schedule)),
                    c.timezone.clone().unwrap_or_else(|| "UTC".into()),
                    retention_text(c.retention),
                ]
            })
            .collect();
        out.push_str(&table(&["Cron", "Time zone", "Retention"], &rows));
        out.push('\n');
    }
    match live.filter(|v| v.found).map(|v| &v.backups) {
        None => out.push_str("Backups on Railway: none (the volume is not on Railway).\n\n"),
        Some(None) => out.push_str("Backups on Railway: unknown (they could not be read).\n\n"),
        Some(Some(summary)) => out.push_str(&format!(
            "Backups on Railway: {} backup(s){}.\n\n",
            summary.count,
            summary
                .newest
                .as_ref()
                .map(|n| format!(", newest {n}"))
                .unwrap_or_default()
        )),
    }
    out
}

/// The URL a health check probes: the public base URL plus the healthcheck path.
pub fn health(view: &View<'_>, service: &DesiredService, environment: &str) -> String {
    let mut out = String::from("### Health endpoint\n\n");
    let path = settings(service, environment).and_then(|s| s.healthcheck_path.clone());
    let base = view
        .instance(&service.name, environment)
        .and_then(crate::ops::open::public_base_url);
    let line = match (base, path) {
        (Some(base), Some(path)) => {
            format!("{} (Railway healthcheck `{path}`)", join_url(&base, &path))
        }
        (Some(base), None) => format!("{base} (no healthcheck path)"),
        (None, Some(path)) => format!("No public URL; Railway checks `{path}` on deploy"),
        (None, None) => "No public URL and no healthcheck path".to_string(),
    };
    out.push_str(&line);
    out.push_str("\n\n");
    out
}

pub fn deployment(status: Option<&ServiceStatus>) -> String {
    format!(
        "### Latest deployment\n\n{}\n",
        or_dash(status.and_then(|s| s.deployment.clone()))
    )
}

/// The service an action changes and, for per-instance actions, the environment.
fn action_target(action: &Action) -> Option<(&str, Option<&str>)> {
    match action {
        Action::CreateService { name, .. } | Action::DeleteService { name, .. } => {
            Some((name, None))
        }
        Action::ConfigureInstance {
            service,
            environment,
            ..
        }
        | Action::ConfigureVolume {
            service,
            environment,
            ..
        }
        | Action::DeleteVolume {
            service,
            environment,
            ..
        }
        | Action::DeployInstance {
            service,
            environment,
            ..
        } => Some((service, Some(environment))),
        _ => None,
    }
}

/// The plan's lines for this service, under the environment they apply to (secrets masked by
/// the plan renderer), in plan order.
pub fn drift(view: &View<'_>, service: &DesiredService) -> String {
    let mut body = String::new();
    let mut current: Option<Option<&str>> = None;
    for action in &view.plan.actions {
        let Some((name, environment)) = action_target(action) else {
            continue;
        };
        if name != service.name {
            continue;
        }
        if current != Some(environment) {
            body.push_str(&match environment {
                Some(env) => format!("# {env}\n"),
                None => "# project\n".to_string(),
            });
            current = Some(environment);
        }
        body.push_str(&action_text(action));
    }
    let mut out = String::from("\n## Drift\n\n");
    if body.trim().is_empty() {
        out.push_str("None: Railway matches the manifest.\n");
    } else {
        out.push_str("`railway-operator apply` would make these changes:\n\n```text\n");
        out.push_str(body.trim_end());
        out.push_str("\n```\n");
    }
    out
}
