//! The server-rendered status page at `/`: readable without JavaScript (there is none),
//! refreshing itself every 10 seconds. Renders the status only; every value is escaped.

mod html;
mod timeline;

use std::fmt::Write as _;

use html::{badge, escape, or_dash, table};

use crate::controller::status::{
    Condition, ControllerStatus, DriftEntry, EnvironmentStatus, HistoryEntry, ProjectStatus,
    SyncState, VolumeStatus,
};
use crate::rollout::Health;
use crate::rollout::previews::PreviewStatus;

const REFRESH_SECONDS: u32 = 10;

pub fn render_page(status: &ControllerStatus) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<!DOCTYPE html>");
    let _ = writeln!(out, "<html lang=\"en\"><head><meta charset=\"utf-8\">");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">"
    );
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    );
    let _ = writeln!(out, "<title>railway-operator status</title>");
    let _ = writeln!(out, "<style>{}</style></head><body>", html::STYLE);
    header(&mut out, status);
    let _ = writeln!(out, "<main>");
    if status.projects.is_empty() {
        let _ = writeln!(out, "<p class=\"muted\">No projects are configured.</p>");
    }
    for project in status.projects.values() {
        project_section(&mut out, project, status.lock.guarded);
    }
    timeline::timeline(&mut out, &status.timeline);
    timeline::deliveries(&mut out, &status.notifications);
    let _ = writeln!(out, "</main></body></html>");
    out
}

fn header(out: &mut String, status: &ControllerStatus) {
    let readiness = if status.ready {
        badge("good", "Ready")
    } else {
        badge("warn", "Not ready")
    };
    let _ = writeln!(out, "<header><h1>railway-operator</h1>");
    let _ = writeln!(
        out,
        "<p>{readiness} <span class=\"muted\">started {}</span></p>",
        or_dash(Some(&status.started_at))
    );
    let _ = writeln!(out, "<p>{}</p>", budget_line(&status.rate_limit));
    lock_line(out, status);
    let _ = writeln!(out, "</header>");
}

/// The request budget and its use, what Railway reports of its own, and the pacing cap.
fn budget_line(limit: &super::super::status::RateLimitStatus) -> String {
    let budget = match &limit.budget {
        Some(budget) => format!(
            "Request budget: <strong>{}</strong>, {} used in the last {} ({:.0}%)",
            escape(&budget.described),
            budget.used,
            crate::duration::format_duration(std::time::Duration::from_secs(budget.window_seconds)),
            budget.used_ratio * 100.0
        ),
        None => "Request budget: <strong>none set</strong>, probes unpaced".to_string(),
    };
    let railway = match (limit.remaining, &limit.resets_at) {
        (Some(remaining), Some(at)) => format!(
            "; Railway reports {remaining} requests left, resets {}",
            escape(at)
        ),
        (Some(remaining), None) => format!("; Railway reports {remaining} requests left"),
        _ => String::new(),
    };
    let pace = if limit.requests_per_second_cap > 0.0 {
        format!("pacing cap {} requests/s", limit.requests_per_second_cap)
    } else {
        "requests unpaced".to_string()
    };
    let throttled = if limit.throttled {
        format!(" {}", badge("warn", "throttled"))
    } else {
        String::new()
    };
    format!("{budget}{railway}; {pace}{throttled}")
}

/// Who this replica is and what it may write to.
fn lock_line(out: &mut String, status: &ControllerStatus) {
    let lock = &status.lock;
    let instance = format!(
        "Instance <strong>{}</strong>, {} project(s) at once",
        escape(&status.instance_id),
        status.concurrency
    );
    let state = if !lock.guarded {
        format!(
            "{} no --lock-url: a second copy of run would write to the same projects",
            badge("warn", "Unguarded")
        )
    } else {
        let target = or_dash(lock.target.as_deref());
        let (kind, label) = match lock.state.as_str() {
            "connected" => ("good", "Leases"),
            "connecting" => ("info", "Connecting"),
            _ => ("bad", "No writes"),
        };
        let share = match (lock.replicas, lock.fair_share) {
            (Some(replicas), Some(share)) => {
                format!(", {replicas} replica(s), share {share} each")
            }
            _ => String::new(),
        };
        let why = lock
            .message
            .as_deref()
            .map(|m| format!(": {}", escape(m)))
            .unwrap_or_default();
        format!(
            "{} lock database {target}: holds {} project(s){share}{why}",
            badge(kind, label),
            lock.held
        )
    };
    let _ = writeln!(out, "<p>{instance} · {state}</p>");
}

/// `guarded`: with leases, a project this replica does not hold says who does.
fn project_section(out: &mut String, project: &ProjectStatus, guarded: bool) {
    let _ = writeln!(out, "<section class=\"project\">");
    let mut badges = vec![condition_badge(&project.conditions.ready, "Ready", "good")];
    if project.conditions.stalled.status {
        badges.push(badge("bad", "Stalled"));
    }
    if project.conditions.reconciling.status {
        badges.push(badge("info", "Reconciling"));
    }
    if project.suspended {
        badges.push(badge("neutral", "suspended"));
    }
    match &project.window {
        Some(window) if window.held => badges.push(badge("warn", "writes held by window")),
        Some(window) if window.overridden => badges.push(badge("info", "window overridden")),
        _ => {}
    }
    if guarded && !project.lease.held {
        let holder = match &project.lease.holder {
            Some(holder) => format!("held by {holder}"),
            None => "standby".to_string(),
        };
        badges.push(badge("neutral", &holder));
    }
    let _ = writeln!(
        out,
        "<h2>{} {}</h2>",
        escape(&project.name),
        badges.join(" ")
    );
    if let Some(error) = &project.last_error {
        let _ = writeln!(
            out,
            "<p class=\"error\"><strong>Last error:</strong> {}</p>",
            escape(error)
        );
    }
    for warning in &project.warnings {
        let _ = writeln!(
            out,
            "<p class=\"error\"><strong>Warning:</strong> {}</p>",
            escape(warning)
        );
    }
    facts(out, project);
    conditions(out, project);
    environments(out, &project.environments);
    previews(out, &project.previews);
    drift(out, &project.drift);
    history(out, project.history.iter());
    let _ = writeln!(out, "</section>");
}

fn condition_badge(condition: &Condition, label: &str, when_true: &str) -> String {
    if condition.status {
        badge(when_true, label)
    } else {
        badge("neutral", &format!("Not {}", label.to_lowercase()))
    }
}

fn facts(out: &mut String, project: &ProjectStatus) {
    let plan = match project.last_plan {
        Some(counts) => format!(
            "{} to add, {} to change, {} to destroy, {} to deploy",
            counts.add, counts.change, counts.destroy, counts.deploy
        ),
        None => "&mdash;".to_string(),
    };
    let duration = match project.last_duration_ms {
        Some(ms) => format!("{ms} ms"),
        None => "&mdash;".to_string(),
    };
    let rows = [
        (
            "Source",
            format!("<code>{}</code>", or_dash(Some(&project.source))),
        ),
        ("Drift policy", or_dash(Some(&project.drift_policy))),
        ("Change window", window_fact(project)),
        (
            "Attempted revision",
            or_dash(project.last_attempted_revision.as_deref()),
        ),
        (
            "Applied revision",
            or_dash(project.last_applied_revision.as_deref()),
        ),
        ("Last plan", plan),
        (
            "Last reconcile",
            or_dash(project.last_reconcile_at.as_deref()),
        ),
        (
            "Next reconcile",
            or_dash(project.next_reconcile_at.as_deref()),
        ),
        ("Last duration", duration),
    ];
    let _ = writeln!(out, "<dl>");
    for (term, value) in rows {
        let _ = writeln!(out, "<dt>{term}</dt><dd>{value}</dd>");
    }
    let _ = writeln!(out, "</dl>");
}

/// The windows' sentence (it says when the state ends); a dash without windows.
fn window_fact(project: &ProjectStatus) -> String {
    let Some(window) = &project.window else {
        return or_dash(None);
    };
    let overridden = if window.overridden {
        " (ignored once: <code>POST /reconcile?override=window</code>)"
    } else {
        ""
    };
    format!("{}{overridden}", escape(&window.message))
}

fn conditions(out: &mut String, project: &ProjectStatus) {
    let _ = writeln!(out, "<h3>Conditions</h3>");
    let all = [
        ("Ready", &project.conditions.ready),
        ("Reconciling", &project.conditions.reconciling),
        ("Stalled", &project.conditions.stalled),
    ];
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|(kind, condition)| {
            vec![
                (*kind).to_string(),
                if condition.status { "True" } else { "False" }.to_string(),
                or_dash(Some(&condition.reason)),
                or_dash(Some(&condition.message)),
                or_dash(condition.last_transition_at.as_deref()),
            ]
        })
        .collect();
    table(
        out,
        &["Condition", "Status", "Reason", "Message", "Since"],
        &rows,
    );
}

fn sync_badge(sync: SyncState) -> String {
    let (class, label) = match sync {
        SyncState::InSync => ("good", "inSync"),
        SyncState::Drifted => ("warn", "drifted"),
        SyncState::Missing => ("bad", "missing"),
        SyncState::Planned => ("info", "planned"),
        SyncState::External => ("neutral", "external"),
    };
    badge(class, label)
}

fn health_badge(health: Health) -> String {
    let class = match health {
        Health::Healthy => "good",
        Health::Progressing => "info",
        Health::Degraded => "bad",
        Health::Unknown => "neutral",
    };
    badge(class, health.name())
}

fn environments(out: &mut String, environments: &[EnvironmentStatus]) {
    let _ = writeln!(out, "<h3>Environments</h3>");
    if environments.is_empty() {
        let _ = writeln!(out, "<p class=\"muted\">No environments known yet.</p>");
    }
    for environment in environments {
        let _ = writeln!(out, "<h4>{}</h4>", escape(&environment.name));
        if environment.services.is_empty() {
            let _ = writeln!(out, "<p class=\"muted\">No services.</p>");
            continue;
        }
        let rows: Vec<Vec<String>> = environment
            .services
            .iter()
            .map(|service| {
                vec![
                    escape(&service.name),
                    sync_badge(service.sync),
                    health_badge(service.health),
                    deployment_cell(service.deployment.as_deref(), &service.last_log_lines),
                    if service.domains.is_empty() {
                        or_dash(None)
                    } else {
                        service
                            .domains
                            .iter()
                            .map(|d| {
                                format!(
                                    "{} <span class=\"muted\">({})</span>",
                                    escape(&d.name),
                                    escape(&d.state)
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("<br>")
                    },
                    service
                        .volume
                        .as_ref()
                        .map_or_else(|| or_dash(None), volume_cell),
                ]
            })
            .collect();
        table(
            out,
            &[
                "Service",
                "Sync",
                "Health",
                "Latest deployment",
                "Domains",
                "Volume",
            ],
            &rows,
        );
    }
}

/// R50: the project's PR environments, Railway's: observed, never created or deleted here.
/// Branch and repository names are user input, escaped like everything else.
fn previews(out: &mut String, previews: &[PreviewStatus]) {
    let _ = writeln!(out, "<h3>PR environments</h3>");
    if previews.is_empty() {
        let _ = writeln!(out, "<p class=\"muted\">No PR environments.</p>");
        return;
    }
    let rows: Vec<Vec<String>> = previews
        .iter()
        .map(|preview| {
            vec![
                escape(&preview.name),
                preview
                    .pr_number
                    .map_or_else(|| "branch preview".to_string(), |n| format!("#{n}")),
                or_dash(preview.branch.as_deref()),
                or_dash(preview.repository.as_deref()),
                format!(
                    "{} <span class=\"muted\">(since {})</span>",
                    escape(&preview.age),
                    escape(&preview.created_at)
                ),
                health_badge(preview.health),
                match preview.overrides_converged {
                    Some(true) => badge("good", "converged"),
                    Some(false) => badge("warn", "pending"),
                    None => or_dash(None),
                },
            ]
        })
        .collect();
    table(
        out,
        &[
            "Environment",
            "Pull request",
            "Branch",
            "Repository",
            "Age",
            "Health",
            "Overrides",
        ],
        &rows,
    );
}

/// The latest deployment's status and, when it failed, its last log lines folded under it (R44).
fn deployment_cell(status: Option<&str>, lines: &[String]) -> String {
    let status = or_dash(status);
    if lines.is_empty() {
        return status;
    }
    format!(
        "{status}<details><summary>last {} log line(s)</summary><pre>{}</pre></details>",
        lines.len(),
        escape(&lines.join("\n"))
    )
}

/// `postgres-data at /var/lib/postgresql/data`, usage, then the backup policy, one per line.
fn volume_cell(volume: &VolumeStatus) -> String {
    let mut lines = vec![format!(
        "{} <span class=\"muted\">at {}</span>",
        escape(&volume.name),
        escape(&volume.mount_path)
    )];
    if let (Some(used), Some(size), Some(percent)) =
        (volume.used_mb, volume.size_mb, volume.usage_percent)
    {
        let class = if volume.warning.is_some() {
            "badge bad"
        } else {
            "muted"
        };
        lines.push(format!(
            "<span class=\"{class}\">{used:.0} / {size} MB ({percent:.0}%)</span>"
        ));
    }
    if !volume.native_schedules.is_empty() {
        lines.push(format!(
            "Railway backups: {}",
            escape(&volume.native_schedules.join(", "))
        ));
    }
    for cron in &volume.cron_backups {
        lines.push(format!("operator backups: {}", escape(cron)));
    }
    if let Some(warning) = &volume.backup_warning {
        lines.push(format!(
            "<span class=\"badge bad\">{}</span>",
            escape(warning)
        ));
    }
    for job in &volume.backups {
        let last = job.last_success_at.as_deref().unwrap_or("none yet");
        let mut line = format!(
            "last backup ({}): {} <span class=\"muted\">({} ok, {} failed, {} pruned)</span>",
            escape(&job.schedule),
            escape(last),
            job.succeeded,
            job.failed,
            job.pruned
        );
        if let Some(error) = &job.last_error
            && job.last_failure_at > job.last_success_at
        {
            line.push_str(&format!(
                " <span class=\"badge bad\">{}</span>",
                escape(error)
            ));
        }
        if let Some(running) = &job.running {
            line.push_str(&format!(
                " <span class=\"muted\">(still running: {})</span>",
                escape(running)
            ));
        }
        lines.push(line);
    }
    lines.join("<br>")
}

fn drift(out: &mut String, entries: &[DriftEntry]) {
    let _ = writeln!(out, "<h3>Drift</h3>");
    if entries.is_empty() {
        let _ = writeln!(out, "<p class=\"muted\">No drift.</p>");
        return;
    }
    let _ = writeln!(out, "<ul class=\"drift\">");
    for entry in entries {
        let environment = match &entry.environment {
            Some(name) => format!(" <span class=\"muted\">in {}</span>", escape(name)),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "<li><code>{}</code>{environment}",
            escape(&entry.address)
        );
        if !entry.details.is_empty() {
            let _ = write!(out, "<ul class=\"details\">");
            for detail in &entry.details {
                let _ = write!(out, "<li>{}</li>", escape(detail));
            }
            let _ = writeln!(out, "</ul>");
        }
        let _ = writeln!(out, "</li>");
    }
    let _ = writeln!(out, "</ul>");
}

fn history<'a>(out: &mut String, entries: impl Iterator<Item = &'a HistoryEntry>) {
    let _ = writeln!(out, "<h3>History</h3>");
    let rows: Vec<Vec<String>> = entries
        .map(|entry| {
            vec![
                escape(&entry.at),
                or_dash(entry.revision.as_deref()),
                escape(&entry.result),
                escape(&entry.summary),
                format!("{} ms", entry.duration_ms),
            ]
        })
        .collect();
    if rows.is_empty() {
        let _ = writeln!(out, "<p class=\"muted\">No passes yet.</p>");
        return;
    }
    table(
        out,
        &["At", "Revision", "Result", "Summary", "Duration"],
        &rows,
    );
}
