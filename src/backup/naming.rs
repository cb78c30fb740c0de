//! The names the operator gives its own backups, e.g. `railway-operator [0 3 * * *] 2026-11-28T03:00:00Z`:
//! formatting and parsing only. Whether a backup may be deleted is `retention`'s business, not this module's.

use chrono::{DateTime, NaiveDateTime, Utc};

/// Every operator backup name starts with this word.
pub const NAME_PREFIX: &str = "railway-operator";
const MANUAL: &str = "manual";
const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// A cron schedule as the operator identifies it: whitespace collapsed, UTC spelled as `None`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ScheduleId {
    pub cron: String,
    /// IANA time zone; `None` is UTC.
    pub timezone: Option<String>,
}

impl ScheduleId {
    pub fn new(cron: &str, timezone: Option<&str>) -> Self {
        let timezone = timezone
            .map(str::trim)
            .filter(|tz| !tz.is_empty() && !is_utc(tz))
            .map(str::to_string);
        ScheduleId {
            cron: cron.split_whitespace().collect::<Vec<_>>().join(" "),
            timezone,
        }
    }
}

impl std::fmt::Display for ScheduleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.timezone {
            Some(tz) => write!(f, "{} {tz}", self.cron),
            None => f.write_str(&self.cron),
        }
    }
}

fn is_utc(timezone: &str) -> bool {
    matches!(
        timezone,
        "UTC" | "Etc/UTC" | "Etc/Universal" | "Universal" | "Zulu" | "Etc/Zulu"
    )
}

/// Why the operator took a backup.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BackupOrigin {
    /// One of a volume's `backups.cron` entries.
    Schedule(ScheduleId),
    /// `railway-operator backup create`.
    Manual,
}

/// What an operator backup's name says about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OperatorBackupName {
    pub origin: BackupOrigin,
    /// When the operator asked for it, UTC, second precision.
    pub taken_at: DateTime<Utc>,
}

/// The name of a backup of `origin` taken at `taken_at` (sub-second precision is dropped).
pub fn format(origin: &BackupOrigin, taken_at: DateTime<Utc>) -> String {
    let label = match origin {
        BackupOrigin::Schedule(schedule) => schedule.to_string(),
        BackupOrigin::Manual => MANUAL.to_string(),
    };
    format!(
        "{NAME_PREFIX} [{label}] {}",
        taken_at.format(TIMESTAMP_FORMAT)
    )
}

/// Reads an operator backup name; any other name (Railway's own, a person's) is `None`.
pub fn parse(name: &str) -> Option<OperatorBackupName> {
    let rest = name.strip_prefix(NAME_PREFIX)?.strip_prefix(" [")?;
    let (label, timestamp) = rest.rsplit_once("] ")?;
    let taken_at = NaiveDateTime::parse_from_str(timestamp, TIMESTAMP_FORMAT)
        .ok()?
        .and_utc();
    let origin = if label == MANUAL {
        BackupOrigin::Manual
    } else {
        BackupOrigin::Schedule(parse_schedule_label(label)?)
    };
    Some(OperatorBackupName { origin, taken_at })
}

/// A label is 5 or 6 cron fields, optionally followed by a time zone. Cron fields never parse as a
/// time zone name (`MON`, `JAN`, `L` are not zones), so the last word decides.
fn parse_schedule_label(label: &str) -> Option<ScheduleId> {
    let words: Vec<&str> = label.split_whitespace().collect();
    let (fields, timezone) = match words.split_last() {
        Some((last, fields)) if last.parse::<chrono_tz::Tz>().is_ok() => (fields, Some(*last)),
        _ => (words.as_slice(), None),
    };
    if !(5..=6).contains(&fields.len()) {
        return None;
    }
    Some(ScheduleId::new(&fields.join(" "), timezone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, h, 0, 0).unwrap()
    }

    #[test]
    fn a_utc_schedule_name_has_only_the_cron_in_brackets() {
        let name = format(
            &BackupOrigin::Schedule(ScheduleId::new("0 3 * * *", Some("UTC"))),
            at(3),
        );
        assert_eq!(name, "railway-operator [0 3 * * *] 2026-11-28T03:00:00Z");
    }

    #[test]
    fn a_zoned_schedule_name_carries_its_time_zone() {
        let name = format(
            &BackupOrigin::Schedule(ScheduleId::new("0  3 * * *", Some("Europe/Berlin"))),
            at(2),
        );
        assert_eq!(
            name,
            "railway-operator [0 3 * * * Europe/Berlin] 2026-11-28T02:00:00Z"
        );
    }

    #[test]
    fn names_round_trip_for_schedules_and_manual_backups() {
        for origin in [
            BackupOrigin::Schedule(ScheduleId::new("0 3 * * *", None)),
            BackupOrigin::Schedule(ScheduleId::new("*/1 * * * * *", None)),
            BackupOrigin::Schedule(ScheduleId::new("0 3 * * MON-FRI", Some("America/New_York"))),
            BackupOrigin::Manual,
        ] {
            let name = format(&origin, at(4));
            let parsed = parse(&name).expect("own names parse");
            assert_eq!(parsed.origin, origin, "{name}");
            assert_eq!(parsed.taken_at, at(4));
        }
    }

    #[test]
    fn sub_second_precision_is_dropped() {
        let precise = at(5) + chrono::Duration::milliseconds(750);
        let parsed = parse(&format(&BackupOrigin::Manual, precise)).unwrap();
        assert_eq!(parsed.taken_at, at(5));
    }

    #[test]
    fn foreign_names_parse_to_none() {
        for name in [
            "",
            "daily backup",
            "railway-operator",
            "railway-operator [0 3 * * *]",
            "railway-operator [0 3 * * *] yesterday",
            "railway-operator [not a cron] 2026-11-28T03:00:00Z",
            "someone-else [0 3 * * *] 2026-11-28T03:00:00Z",
        ] {
            assert_eq!(parse(name), None, "{name:?}");
        }
    }
}
