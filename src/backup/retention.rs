//! Which backups retention removes: pure, over one volume instance's backup list. It only ever
//! picks the operator's own backups of the one schedule it is asked about. It never calls Railway.
//!
//! The operator's own backups are those it named ([`super::naming`]) and made itself: a
//! native-schedule backup (it has a `scheduleId`) never is, whatever its name, nor is one made by
//! someone other than whoever made the operator's latest backup, when that is known.
//! Manual backups (`[manual]`) are never picked by a schedule's retention: they stay until deleted by
//! hand or by `backup prune --manual-older-than D` ([`manual_older_than`]).
//! R26: a null `expiresAt` is not a lock on the operator's own backups (an API backup may carry
//! none from the start), so they are pruned by their age alone; on other backups it means locked,
//! and those are never touched anyway.

use chrono::{DateTime, Utc};

use super::naming::{self, BackupOrigin, OperatorBackupName, ScheduleId};
use crate::manifest::desired::Retention;

/// One backup of a volume instance as Railway lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupRecord {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// `None`: never expires (a lock, or no expiry given at all).
    pub expires_at: Option<DateTime<Utc>>,
    /// The native schedule that made it; `None` for a manual backup (the operator's are manual).
    pub schedule_id: Option<String>,
    /// Who made it, as Railway says; `None` when Railway does not say.
    pub creator_id: Option<String>,
}

impl BackupRecord {
    /// A manual backup named `name`, as the operator makes them (tests, the fake store).
    pub fn manual(
        id: &str,
        name: &str,
        created_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Self {
        BackupRecord {
            id: id.to_string(),
            name: name.to_string(),
            created_at,
            expires_at,
            schedule_id: None,
            creator_id: None,
        }
    }

    /// What its name says, when it is one of the operator's own backups.
    fn own_name(&self) -> Option<OperatorBackupName> {
        if self.schedule_id.is_some() {
            return None;
        }
        naming::parse(&self.name)
    }

    /// Whether the operator made it (as far as the list tells).
    pub fn is_operators(&self) -> bool {
        self.own_name().is_some()
    }

    /// Locked as far as the operator can tell: no expiry on a backup that is not its own. R26:
    /// on its own backups a null expiry proves nothing.
    pub fn is_locked(&self) -> bool {
        self.expires_at.is_none() && !self.is_operators()
    }

    /// The schedule this backup was taken for, when the operator took it for one.
    pub fn schedule(&self) -> Option<ScheduleId> {
        match self.own_name()?.origin {
            BackupOrigin::Schedule(schedule) => Some(schedule),
            BackupOrigin::Manual => None,
        }
    }

    pub fn is_manual(&self) -> bool {
        self.own_name()
            .is_some_and(|n| n.origin == BackupOrigin::Manual)
    }

    /// False when `operator` (the creator of the operator's own latest backup) is known and
    /// Railway names a different creator for this one.
    fn made_by(&self, operator: Option<&str>) -> bool {
        match (operator, self.creator_id.as_deref()) {
            (Some(operator), Some(creator)) => operator == creator,
            _ => true,
        }
    }
}

/// The ids retention deletes for `schedule`: its own backups older than the maximum age, or
/// beyond the newest `count`. Oldest first. `operator`: the creator Railway gave the
/// operator's latest backup, when known; own-named backups by anyone else are left alone.
pub fn to_delete(
    backups: &[BackupRecord],
    schedule: &ScheduleId,
    retention: Retention,
    now: DateTime<Utc>,
    operator: Option<&str>,
) -> Vec<String> {
    let mut candidates: Vec<&BackupRecord> = backups
        .iter()
        .filter(|b| b.schedule().as_ref() == Some(schedule) && b.made_by(operator))
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

/// The ids of the operator's `[manual]` backups older than `max_age_seconds`. Oldest first.
pub fn manual_older_than(
    backups: &[BackupRecord],
    max_age_seconds: u64,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut doomed: Vec<&BackupRecord> = backups
        .iter()
        .filter(|b| b.is_manual() && is_older_than(b, max_age_seconds, now))
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
        BackupRecord::manual(
            id,
            &naming::format(&BackupOrigin::Schedule(schedule.clone()), created_at),
            created_at,
            Some(created_at + Duration::days(60)),
        )
    }

    fn named(id: &str, name: &str, days_ago: i64) -> BackupRecord {
        let created_at = now() - Duration::seconds(days_ago * DAY);
        BackupRecord::manual(id, name, created_at, Some(created_at + Duration::days(6)))
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
            None,
        );
        assert_eq!(ids, vec!["older", "old"]);
    }

    #[test]
    fn foreign_native_manual_and_other_schedule_backups_are_never_deleted() {
        let weekly = ScheduleId::new("0 3 * * 0", None);
        let mut native = own("native", &daily(), 90);
        native.schedule_id = Some("schedule-daily".into());
        let mut locked_foreign = named("locked-foreign", "kept by hand", 90);
        locked_foreign.expires_at = None;
        let manual_name = naming::format(&BackupOrigin::Manual, now() - Duration::days(90));
        let backups = vec![
            named("foreign", "nightly by hand", 90),
            named("railway", "", 90),
            native,
            locked_foreign,
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
            None,
        );
        assert_eq!(ids, vec!["mine"]);
    }

    #[test]
    fn r26_a_null_expiry_on_an_own_backup_is_no_lock_and_counts_towards_keep() {
        let mut no_expiry = own("no-expiry", &daily(), 0);
        no_expiry.expires_at = None;
        assert!(!no_expiry.is_locked());
        let backups = vec![
            own("d3", &daily(), 3),
            own("d1", &daily(), 1),
            no_expiry,
            own("d2", &daily(), 2),
        ];
        let ids = to_delete(
            &backups,
            &daily(),
            Retention::Keep { count: 2 },
            now(),
            None,
        );
        assert_eq!(ids, vec!["d3", "d2"]);
    }

    #[test]
    fn own_named_backups_by_another_creator_are_left_alone() {
        let mut theirs = own("theirs", &daily(), 40);
        theirs.creator_id = Some("someone-else".into());
        let mut mine = own("mine", &daily(), 40);
        mine.creator_id = Some("operator".into());
        let unknown = own("unknown", &daily(), 41);
        let backups = vec![theirs, mine, unknown];
        let retention = Retention::Keep { count: 0 };
        let ids = to_delete(&backups, &daily(), retention, now(), Some("operator"));
        assert_eq!(ids, vec!["unknown", "mine"]);
    }

    #[test]
    fn a_zoned_schedule_is_a_different_schedule_from_the_same_cron_in_utc() {
        let berlin = ScheduleId::new("0 3 * * *", Some("Europe/Berlin"));
        let backups = vec![own("utc", &daily(), 10), own("berlin", &berlin, 10)];
        let ids = to_delete(&backups, &berlin, Retention::Keep { count: 0 }, now(), None);
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
            None,
        );
        assert!(ids.is_empty());
    }

    #[test]
    fn manual_pruning_picks_only_old_manual_backups_expiry_or_not() {
        let manual = |id: &str, days: i64| {
            named(
                id,
                &naming::format(&BackupOrigin::Manual, now() - Duration::days(days)),
                days,
            )
        };
        let mut no_expiry = manual("no-expiry", 60);
        no_expiry.expires_at = None;
        let backups = vec![
            manual("recent", 2),
            manual("old", 50),
            no_expiry,
            own("sched", &daily(), 50),
        ];
        assert_eq!(
            manual_older_than(&backups, 7 * DAY as u64, now()),
            vec!["no-expiry", "old"]
        );
    }
}
