//! Decodes `volume.backups.cron`, the operator-run backup schedules: cron syntax, IANA time zones,
//! and exactly one of `retention` (a duration) or `keep` (a count) per item; the same schedule in
//! the same time zone twice in one list is an error. Taking and pruning backups is not its concern.

use std::str::FromStr;

use super::super::desired::{CronBackup, Retention};
use super::super::spec::Spanned;
use super::super::yaml_tree::{Node, Value};
use super::cron::{CRON_HINT, cron_problem};
use super::reader::{Fields, Reader};
use crate::manifest::suggest::suggest;

const CRON_ITEM_FIELDS: &[&str] = &["schedule", "timezone", "retention", "keep"];
const RETENTION_HINT: &str =
    "write `retention: 30d` to keep backups for a while, or `keep: 10` to keep the newest ones";

/// Reads `backups.cron`; an empty list is kept (it clears a base list in an override).
pub fn decode_cron_backups(
    reader: &mut Reader,
    backups: &Fields,
) -> Option<Spanned<Vec<Spanned<CronBackup>>>> {
    let node = backups.get("cron")?;
    let path = backups.field_path("cron");
    let Value::Sequence(items) = &node.value else {
        reader.sink.error_with_hint(
            node.at,
            format!("expected a list for `{path}`, found {}", node.kind_name()),
            "write `cron: [ { schedule: \"0 3 * * *\", retention: 30d } ]`, or `[]` for none",
        );
        return None;
    };
    let mut decoded: Vec<Spanned<CronBackup>> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{index}]");
        let Some(backup) = decode_cron_backup(reader, item, &item_path) else {
            continue;
        };
        let twin = decoded.iter().find(|b| {
            b.value.schedule == backup.value.schedule && b.value.timezone == backup.value.timezone
        });
        if let Some(first) = twin {
            reader.sink.error_with_hint(
                backup.at,
                format!(
                    "`{item_path}` repeats the schedule of line {}:{} in the same time zone",
                    first.at.line, first.at.column
                ),
                "one schedule takes one backup: merge the two items",
            );
            continue;
        }
        decoded.push(backup);
    }
    Some(Spanned {
        value: decoded,
        at: node.at,
    })
}

/// One item, at the position of its `schedule` (the item's own when that is missing).
fn decode_cron_backup(reader: &mut Reader, item: &Node, path: &str) -> Option<Spanned<CronBackup>> {
    let fields = reader.fields(item, path, CRON_ITEM_FIELDS, &[])?;
    let schedule = required_schedule(reader, &fields);
    let timezone = decode_timezone(reader, &fields);
    let retention = decode_retention(reader, &fields);
    let schedule = schedule?;
    Some(Spanned {
        value: CronBackup {
            schedule: schedule.value,
            timezone: timezone.ok()?,
            retention: retention?,
        },
        at: schedule.at,
    })
}

/// The item's required `schedule`, reported missing at the item when absent.
pub(super) fn required_schedule(reader: &mut Reader, fields: &Fields) -> Option<Spanned<String>> {
    match fields.get("schedule") {
        Some(node) => decode_schedule(reader, node, &fields.field_path("schedule")),
        None => {
            reader.missing(fields, "schedule");
            None
        }
    }
}

pub(super) fn decode_schedule(
    reader: &mut Reader,
    node: &Node,
    path: &str,
) -> Option<Spanned<String>> {
    let written = reader.string(node, path)?;
    let schedule = written.value.trim().to_string();
    let Some(problem) = cron_problem(&schedule) else {
        return Some(Spanned {
            value: schedule,
            at: written.at,
        });
    };
    // croner's message may quote parts of the pattern: only shown when nothing was expanded.
    let detail = if node.scalar_text() == Some(written.value.as_str()) {
        format!(": {problem}")
    } else {
        String::new()
    };
    reader.sink.error_with_hint(
        written.at,
        format!("invalid cron expression in `{path}`{detail}"),
        CRON_HINT,
    );
    None
}

/// `Ok(None)` when absent (UTC); `Err(())` when invalid (reported).
pub(super) fn decode_timezone(reader: &mut Reader, fields: &Fields) -> Result<Option<String>, ()> {
    if fields.get("timezone").is_none() {
        return Ok(None);
    }
    let path = fields.field_path("timezone");
    let written = reader.opt_string(fields, "timezone").ok_or(())?;
    let name = written.value.trim();
    if chrono_tz::Tz::from_str(name).is_ok() {
        return Ok(Some(name.to_string()));
    }
    let known: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    let hint = match suggest(name, &known) {
        Some(close) => format!("did you mean `{close}`?"),
        None => "use an IANA time zone name such as `Europe/Berlin` or `UTC`".to_string(),
    };
    reader
        .sink
        .error_with_hint(written.at, format!("unknown time zone in `{path}`"), hint);
    Err(())
}

fn decode_retention(reader: &mut Reader, fields: &Fields) -> Option<Retention> {
    match (fields.get("retention"), fields.get("keep")) {
        (Some(_), Some(keep_node)) => {
            reader.sink.error_with_hint(
                keep_node.at,
                format!("`{}` sets both `retention` and `keep`", fields.path),
                RETENTION_HINT,
            );
            None
        }
        (None, None) => {
            reader.sink.error_with_hint(
                fields.at,
                format!("`{}` needs `retention` or `keep`", fields.path),
                RETENTION_HINT,
            );
            None
        }
        (Some(node), None) => decode_max_age(reader, node, &fields.field_path("retention")),
        (None, Some(_)) => {
            let keep = reader.opt_int(fields, "keep", 1)?;
            match u32::try_from(keep.value) {
                Ok(count) => Some(Retention::Keep { count }),
                Err(_) => {
                    reader.sink.error(
                        keep.at,
                        format!("`{}` is out of range", fields.field_path("keep")),
                    );
                    None
                }
            }
        }
    }
}

fn decode_max_age(reader: &mut Reader, node: &Node, path: &str) -> Option<Retention> {
    let written = reader.string(node, path)?;
    let problem = match crate::duration::parse_duration(&written.value) {
        Ok(age) if age.as_secs() >= 1 && age.subsec_nanos() == 0 => {
            return Some(Retention::MaxAge {
                seconds: age.as_secs(),
            });
        }
        Ok(age) if age.as_secs() == 0 => "it must be at least 1s".to_string(),
        Ok(_) => "it must be whole seconds".to_string(),
        // The parser quotes its input: only shown when nothing was expanded.
        Err(reason) if node.scalar_text() == Some(written.value.as_str()) => reason.to_string(),
        Err(_) => "not a duration".to_string(),
    };
    reader.sink.error_with_hint(
        written.at,
        format!("invalid retention in `{path}`: {problem}"),
        "write a duration of at least one second, e.g. `30d`, `12h` or `1h30m`",
    );
    None
}
