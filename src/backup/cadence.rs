//! When a cron schedule fires, read with croner in its time zone: the 6-field form
//! tokio-cron-scheduler needs, the schedule's period, and whether a missed run calls for one catch-up.
//! Pure: `now` is always passed in. It never takes a backup itself.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CadenceError {
    #[error("invalid cron schedule {schedule:?}: {message}")]
    InvalidSchedule { schedule: String, message: String },
    #[error("unknown time zone {0:?}")]
    UnknownTimeZone(String),
}

/// A parsed schedule and the zone it is read in.
#[derive(Debug, Clone)]
pub struct Cadence {
    cron: Cron,
    timezone: Tz,
}

impl Cadence {
    /// Parses a 5- or 6-field (seconds first) cron read in `timezone` (`None`: UTC).
    pub fn new(schedule: &str, timezone: Option<&str>) -> Result<Self, CadenceError> {
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .build()
            .parse(schedule.trim())
            .map_err(|e| CadenceError::InvalidSchedule {
                schedule: schedule.to_string(),
                message: e.to_string(),
            })?;
        Ok(Cadence {
            cron,
            timezone: parse_timezone(timezone)?,
        })
    }

    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// The latest fire time strictly before `now`, if the schedule ever fired.
    pub fn previous_fire(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_previous_occurrence(&now.with_timezone(&self.timezone), false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The gap between the two most recent fire times before `now`.
    pub fn period(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        let mut fires = self
            .cron
            .iter_before(now.with_timezone(&self.timezone))
            .take(2);
        let latest = fires.next()?;
        let before = fires.next()?;
        Some(latest.signed_duration_since(before))
    }

    /// True when the schedule fired after the operator's last own backup of it (a run was
    /// missed), or when there is no such backup yet. One answer per check: a single catch-up,
    /// however many runs were missed.
    pub fn catch_up_due(&self, last_own_backup: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        match (last_own_backup, self.previous_fire(now)) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(last), Some(fire)) => fire > last,
        }
    }
}

/// `0 3 * * *` -> `0 0 3 * * *`: tokio-cron-scheduler requires the seconds field.
pub fn to_six_fields(schedule: &str) -> String {
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() == 5 {
        format!("0 {}", fields.join(" "))
    } else {
        fields.join(" ")
    }
}

/// An IANA zone name; `None` or blank is UTC.
pub fn parse_timezone(timezone: Option<&str>) -> Result<Tz, CadenceError> {
    match timezone.map(str::trim).filter(|tz| !tz.is_empty()) {
        None => Ok(Tz::UTC),
        Some(name) => {
            Tz::from_str(name).map_err(|_| CadenceError::UnknownTimeZone(name.to_string()))
        }
    }
}

/// [`Cadence::catch_up_due`] for a schedule given as text.
pub fn catch_up_due(
    last_own_backup: Option<DateTime<Utc>>,
    schedule: &str,
    timezone: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, CadenceError> {
    Ok(Cadence::new(schedule, timezone)?.catch_up_due(last_own_backup, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
    }

    #[test]
    fn five_field_crons_get_a_zero_seconds_field_and_six_field_ones_are_kept() {
        assert_eq!(to_six_fields("0 3 * * *"), "0 0 3 * * *");
        assert_eq!(to_six_fields("*/1  * * * * *"), "*/1 * * * * *");
    }

    #[test]
    fn a_daily_schedule_has_a_one_day_period() {
        let cadence = Cadence::new("0 3 * * *", None).unwrap();
        assert_eq!(cadence.period(utc(28, 4, 0)), Some(Duration::days(1)));
    }

    #[test]
    fn a_per_second_schedule_has_a_one_second_period() {
        let cadence = Cadence::new("*/1 * * * * *", None).unwrap();
        assert_eq!(cadence.period(utc(28, 4, 0)), Some(Duration::seconds(1)));
    }

    #[test]
    fn the_previous_fire_is_read_in_the_schedule_time_zone() {
        let cadence = Cadence::new("0 3 * * *", Some("Europe/Berlin")).unwrap();
        // 03:00 in Berlin (UTC+1 in November) is 02:00 UTC.
        assert_eq!(cadence.previous_fire(utc(28, 4, 0)), Some(utc(28, 2, 0)));
    }

    #[test]
    fn a_catch_up_is_due_when_there_is_no_own_backup_yet() {
        assert_eq!(
            catch_up_due(None, "0 3 * * *", None, utc(28, 4, 0)),
            Ok(true)
        );
    }

    #[test]
    fn a_catch_up_is_due_when_the_last_backup_predates_the_latest_fire() {
        let last = Some(utc(26, 3, 0));
        assert_eq!(
            catch_up_due(last, "0 3 * * *", None, utc(28, 4, 0)),
            Ok(true)
        );
    }

    #[test]
    fn no_catch_up_is_due_when_the_latest_fire_was_backed_up() {
        let last = Some(utc(28, 3, 0) + Duration::seconds(4));
        assert_eq!(
            catch_up_due(last, "0 3 * * *", None, utc(28, 4, 0)),
            Ok(false)
        );
    }

    #[test]
    fn invalid_schedules_and_time_zones_are_reported() {
        assert!(matches!(
            Cadence::new("not a cron", None),
            Err(CadenceError::InvalidSchedule { .. })
        ));
        assert!(matches!(
            Cadence::new("0 3 * * *", Some("Mars/Olympus")),
            Err(CadenceError::UnknownTimeZone(_))
        ));
    }
}
