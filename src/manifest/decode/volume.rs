//! Decodes a service's (or an override's) `volume` block: its name, mount path, usage warning
//! threshold and Railway-native backup schedules; operator-run `backups.cron` items are read by
//! `backups`. Only what one written block shows is checked here: the merged per-environment
//! volume (required `mountPath`, default name, names shared by services) is checked in `resolve`.

use super::super::desired::BackupScheduleKind;
use super::super::spec::{Spanned, VolumeSpec};
use super::super::yaml_tree::Value;
use super::backups::decode_cron_backups;
use super::reader::{Fields, Reader};

pub const VOLUME_FIELDS: &[&str] = &["name", "mountPath", "usageWarningPercent", "backups"];
const BACKUP_FIELDS: &[&str] = &["schedules", "cron"];
const SCHEDULE_KINDS: &[(&str, BackupScheduleKind)] = &[
    ("DAILY", BackupScheduleKind::Daily),
    ("WEEKLY", BackupScheduleKind::Weekly),
    ("MONTHLY", BackupScheduleKind::Monthly),
];
pub const VOLUME_NAME_HINT: &str =
    "a volume name is 1 to 63 characters: lowercase letters, digits and `-`";

/// Reads `owner.volume`.
pub fn decode_volume(reader: &mut Reader, owner: &Fields) -> Option<Spanned<VolumeSpec>> {
    let node = owner.get("volume")?;
    let volume = reader.fields(node, &owner.field_path("volume"), VOLUME_FIELDS, &[])?;
    let mut spec = VolumeSpec {
        name: decode_name(reader, &volume),
        mount_path: decode_mount_path(reader, &volume),
        usage_warning_percent: decode_percent(reader, &volume),
        ..VolumeSpec::default()
    };
    spec.mount_path_unreadable = spec.mount_path.is_none() && volume.get("mountPath").is_some();
    if let Some(backups_node) = volume.get("backups")
        && let Some(backups) = reader.fields(
            backups_node,
            &volume.field_path("backups"),
            BACKUP_FIELDS,
            &[],
        )
    {
        spec.native_schedules = decode_schedules(reader, &backups);
        spec.cron_backups = decode_cron_backups(reader, &backups);
    }
    Some(Spanned {
        value: spec,
        at: node.at,
    })
}

/// Railway's rule for volume names, also applied to the `<service>-data` default.
pub fn is_volume_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn decode_name(reader: &mut Reader, volume: &Fields) -> Option<Spanned<String>> {
    let name = reader.opt_string(volume, "name")?;
    if !is_volume_name(&name.value) {
        reader.sink.error_with_hint(
            name.at,
            format!("invalid volume name in `{}`", volume.field_path("name")),
            VOLUME_NAME_HINT,
        );
        return None;
    }
    Some(name)
}

fn decode_mount_path(reader: &mut Reader, volume: &Fields) -> Option<Spanned<String>> {
    let path = reader.opt_string(volume, "mountPath")?;
    let problem = if !path.value.starts_with('/') {
        Some("is not an absolute path")
    } else if path.value == "/" {
        Some("cannot be the root directory `/`")
    } else if path.value.ends_with('/') {
        Some("must not end with `/`")
    } else if path.value.split('/').any(|segment| segment == "..") {
        Some("must not contain `..`")
    } else {
        None
    };
    if let Some(problem) = problem {
        reader.sink.error_with_hint(
            path.at,
            format!("`{}` {problem}", volume.field_path("mountPath")),
            "write the directory inside the container, e.g. `/var/lib/postgresql/data`",
        );
        return None;
    }
    Some(path)
}

fn decode_percent(reader: &mut Reader, volume: &Fields) -> Option<Spanned<u8>> {
    let percent = reader.opt_int(volume, "usageWarningPercent", 1)?;
    match u8::try_from(percent.value) {
        Ok(value) if value <= 100 => Some(Spanned {
            value,
            at: percent.at,
        }),
        _ => {
            reader.sink.error_with_hint(
                percent.at,
                format!(
                    "`{}` must be between 1 and 100, found {}",
                    volume.field_path("usageWarningPercent"),
                    percent.value
                ),
                "it is a percentage of the volume's size; the default is 80",
            );
            None
        }
    }
}

/// `backups.schedules`: a set of native schedule kinds, sorted; a repeat is an error.
fn decode_schedules(
    reader: &mut Reader,
    backups: &Fields,
) -> Option<Spanned<Vec<BackupScheduleKind>>> {
    let node = backups.get("schedules")?;
    let path = backups.field_path("schedules");
    let Value::Sequence(items) = &node.value else {
        reader.sink.error_with_hint(
            node.at,
            format!("expected a list for `{path}`, found {}", node.kind_name()),
            "write e.g. `schedules: [DAILY, WEEKLY]`, or `[]` for none",
        );
        return None;
    };
    let mut kinds: Vec<Spanned<BackupScheduleKind>> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{index}]");
        let Some(kind) = reader.enum_value(item, &item_path, SCHEDULE_KINDS) else {
            continue;
        };
        if let Some(first) = kinds.iter().find(|k| k.value == kind.value) {
            reader.sink.error_with_hint(
                kind.at,
                format!(
                    "`{item_path}` repeats a schedule (first listed at line {}:{})",
                    first.at.line, first.at.column
                ),
                "schedules are a set: list each of DAILY, WEEKLY, MONTHLY at most once",
            );
            continue;
        }
        kinds.push(kind);
    }
    let mut values: Vec<BackupScheduleKind> = kinds.into_iter().map(|k| k.value).collect();
    values.sort();
    Some(Spanned {
        value: values,
        at: node.at,
    })
}
