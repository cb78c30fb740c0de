//! The volume section of a managed service's document: size and usage against the warning
//! threshold, Railway-native schedules with Railway's retention, operator cron schedules with
//! theirs, and the backups Railway holds. Reads the status report and the manifest only.

use super::markdown::{code, number, or_dash, table, upstream_name, whole_duration};
use crate::manifest::desired::{BackupScheduleKind, DesiredService, DesiredVolume, Retention};
use crate::ops::settings;
use crate::ops::status::{ServiceStatus, VolumeStatus};

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
    size_and_usage(&mut out, desired, live);
    out.push_str("#### Backups and retention\n\n");
    native_schedules(&mut out, desired, live);
    operator_schedules(&mut out, desired);
    backups_on_railway(&mut out, live);
    out
}

/// Name, mount path, size and usage side by side, with a warning past the threshold.
fn size_and_usage(out: &mut String, desired: Option<&DesiredVolume>, live: Option<&VolumeStatus>) {
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
}

/// Railway-native schedules wanted or present, with the retention Railway gives each.
fn native_schedules(
    out: &mut String,
    desired: Option<&DesiredVolume>,
    live: Option<&VolumeStatus>,
) {
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
}

/// Cron backups the operator takes itself, with the retention the manifest gives them.
fn operator_schedules(out: &mut String, desired: Option<&DesiredVolume>) {
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
}

/// How many backups Railway holds, when the volume exists and they could be read.
fn backups_on_railway(out: &mut String, live: Option<&VolumeStatus>) {
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
}
