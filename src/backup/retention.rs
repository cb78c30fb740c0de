//! Which backups retention removes: pure, over one volume instance's backup list. It only ever
//! picks the operator's own, unlocked backups of the one schedule it is asked about. It never calls Railway.
//!
//! Manual backups (`[manual]`) are never picked by a schedule's retention: they stay until deleted by
//! hand or by `backup prune --manual-older-than D` ([`manual_older_than`]).
//! Locked backups (`expiresAt: null`, Railway's one-way lock) are never picked and do not count
//! towards a `keep` limit.

use chrono::{DateTime, Utc};

use super::naming::{self, BackupOrigin, ScheduleId};
use crate::manifest::desired::Retention;

/// One backup of a volume instance as Railway lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupRecord {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// `None`: locked, kept forever by Railway; the operator never deletes it.
    pub expires_at: Option<DateTime<Utc>>,
}

impl BackupRecord {
    pub fn is_locked(&self) -> bool {
        self.expires_at.is_none()
    }

    /// The schedule this backup was taken for, when the operator took it for one.
    pub fn schedule(&self) -> Option<ScheduleId> {
        match naming::parse(&self.name)?.origin {
            BackupOrigin::Schedule(schedule) => Some(schedule),
            BackupOrigin::Manual => None,
        }
    }

    pub fn is_manual(&self) -> bool {
        naming::parse(&self.name).is_some_and(|n| n.origin == BackupOrigin::Manual)
    }
}

/// The ids retention deletes for `schedule`: its unlocked own backups older than the maximum age,
/// or beyond the newest `count`. Oldest first.
pub fn to_delete(
    backups: &[BackupRecord],
    schedule: &ScheduleId,
    retention: Retention,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut candidates: Vec<&BackupRecord> = backups
        .iter()
        .filter(|b| !b.is_locked() && b.schedule().as_ref() == Some(schedule))
        .collect();
    // Newest first, ties broken by id so the answer does not depend on the list order.
    candidates.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let mut doomed: Vec<&BackupRecord> = match retention {
        Retention::MaxAge { seconds } => candidates
            .into_iter()
            .filter(|b| is_older_than(b, seconds, now))
            .collect(),
        Retention::Keep { count } => candidates
            .into_iter()
            .skip(usize::try_from(count).unwrap_or(usize::MAX))
            .collect(),
    };
    doomed.reverse();
    doomed.into_iter().map(|b| b.id.clone()).collect()
}

/// The ids of unlocked `[manual]` operator backups older than `max_age_seconds`. Oldest first.
pub fn manual_older_than(
    backups: &[BackupRecord],
    max_age_seconds: u64,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut doomed: Vec<&BackupRecord> = backups
        .iter()
        .filter(|b| !b.is_locked() && b.is_manual() && is_older_than(b, max_age_seconds, now))
        .collect();
    doomed.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    doomed.into_iter().map(|b| b.id.clone()).collect()
}

fn is_older_than(backup: &BackupRecord, seconds: u64, now: DateTime<Utc>) -> bool {
    // A backup dated in the future (clock skew) has a negative age and is never too old.
    u64::try_from(now.signed_duration_since(backup.created_at).num_seconds())
        .is_ok_and(|age| age > seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    const DAY: i64 = 86_400;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 4, 0, 0).unwrap()
    }

    fn daily() -> ScheduleId {
        ScheduleId::new("0 3 * * *", None)
    }

    fn own(id: &str, schedule: &ScheduleId, days_ago: i64) -> BackupRecord {
        let created_at = now() - Duration::seconds(days_ago * DAY);
        BackupRecord {
            id: id.into(),
            name: naming::format(&BackupOrigin::Schedule(schedule.clone()), created_at),
            created_at,
            expires_at: Some(created_at + Duration::days(60)),
        }
    }

    fn named(id: &str, name: &str, days_ago: i64) -> BackupRecord {
        let created_at = now() - Duration::seconds(days_ago * DAY);
        BackupRecord {
            id: id.into(),
            name: name.into(),
            created_at,
            expires_at: Some(created_at + Duration::days(6)),
        }
    }

    #[test]
    fn own_backups_past_the_maximum_age_are_deleted_oldest_first() {
        let backups = vec![
            own("new", &daily(), 1),
            own("old", &daily(), 31),
            own("older", &daily(), 40),
        ];
        let ids = to_delete(
            &backups,
            &daily(),
            Retention::MaxAge {
                seconds: 30 * DAY as u64,
            },
            now(),
        );
        assert_eq!(ids, vec!["older", "old"]);
    }

    #[test]
    fn foreign_locked_manual_and_other_schedule_backups_are_never_deleted() {
        let weekly = ScheduleId::new("0 3 * * 0", None);
        let mut locked = own("locked", &daily(), 90);
        locked.expires_at = None;
        let manual_name = naming::format(&BackupOrigin::Manual, now() - Duration::days(90));
        let backups = vec![
            named("foreign", "nightly by hand", 90),
            named("railway", "", 90),
            locked,
            named("manual", &manual_name, 90),
            own("weekly", &weekly, 90),
            own("mine", &daily(), 90),
        ];
        let ids = to_delete(
            &backups,
            &daily(),
            Retention::MaxAge {
                seconds: DAY as u64,
            },
            now(),
        );
        assert_eq!(ids, vec!["mine"]);
    }

    #[test]
    fn keep_retains_the_newest_unlocked_backups_of_the_schedule() {
        let mut locked = own("locked", &daily(), 0);
        locked.expires_at = None;
        let backups = vec![
            own("d3", &daily(), 3),
            own("d1", &daily(), 1),
            locked,
            own("d2", &daily(), 2),
            own("d4", &daily(), 4),
        ];
        let ids = to_delete(&backups, &daily(), Retention::Keep { count: 2 }, now());
        assert_eq!(ids, vec!["d4", "d3"]);
    }

    #[test]
    fn a_zoned_schedule_is_a_different_schedule_from_the_same_cron_in_utc() {
        let berlin = ScheduleId::new("0 3 * * *", Some("Europe/Berlin"));
        let backups = vec![own("utc", &daily(), 10), own("berlin", &berlin, 10)];
        let ids = to_delete(&backups, &berlin, Retention::Keep { count: 0 }, now());
        assert_eq!(ids, vec!["berlin"]);
    }

    #[test]
    fn a_backup_exactly_at_the_maximum_age_is_kept() {
        let backups = vec![own("edge", &daily(), 30)];
        let ids = to_delete(
            &backups,
            &daily(),
            Retention::MaxAge {
                seconds: 30 * DAY as u64,
            },
            now(),
        );
        assert!(ids.is_empty());
    }

    #[test]
    fn manual_pruning_picks_only_old_unlocked_manual_backups() {
        let manual = |id: &str, days: i64| {
            named(
                id,
                &naming::format(&BackupOrigin::Manual, now() - Duration::days(days)),
                days,
            )
        };
        let mut locked = manual("locked", 50);
        locked.expires_at = None;
        let backups = vec![
            manual("recent", 2),
            manual("old", 50),
            locked,
            own("sched", &daily(), 50),
        ];
        assert_eq!(
            manual_older_than(&backups, 7 * DAY as u64, now()),
            vec!["old"]
        );
    }
}
