//! Volumes in the manifest: defaults, the per-environment merge (lists replace, scalars
//! override), cron backups with time zones and retention, planned services, and blackroad.yml.

use std::path::Path;

use railway_operator::manifest::desired::{
    BackupScheduleKind, CronBackup, DesiredVolume, Retention, ServiceKind,
};
use railway_operator::manifest::{Desired, LoadError, load_file};

use crate::support::services_manifest::load;

fn volume<'d>(desired: &'d Desired, service: &str, env: &str) -> Option<&'d DesiredVolume> {
    let service = desired.services.iter().find(|s| s.name == service).unwrap();
    match &service.kind {
        ServiceKind::Managed { environments } => environments[env].volume.as_ref(),
        other => panic!("{} is not managed: {other:?}", service.name),
    }
}

fn messages(result: Result<Desired, LoadError>) -> Vec<String> {
    match result {
        Err(LoadError::Invalid(diagnostics)) => diagnostics
            .0
            .iter()
            .map(|d| format!("{}:{} {}", d.line, d.column, d.message))
            .collect(),
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("the manifest loaded"),
    }
}

fn cron(schedule: &str, timezone: Option<&str>, retention: Retention) -> CronBackup {
    CronBackup {
        schedule: schedule.to_string(),
        timezone: timezone.map(str::to_string),
        retention,
    }
}

#[test]
fn a_volume_with_only_a_mount_path_gets_the_defaults() {
    let desired = load(
        "    cache:\n      source: { image: \"redis:7\" }\n      volume: { mountPath: /data }\n",
    )
    .unwrap();
    let expected = DesiredVolume {
        name: "cache-data".to_string(),
        mount_path: "/data".to_string(),
        native_schedules: None,
        cron_backups: vec![],
        usage_warning_percent: 80,
    };
    assert_eq!(volume(&desired, "cache", "production"), Some(&expected));
    // R24: Railway's volume names are unique per project.
    let staging = DesiredVolume {
        name: "cache-data-staging".to_string(),
        ..expected
    };
    assert_eq!(volume(&desired, "cache", "staging"), Some(&staging));
}

#[test]
fn a_service_without_a_volume_has_none() {
    let desired = load("    api:\n      source: { image: \"nginx:1\" }\n").unwrap();
    assert_eq!(volume(&desired, "api", "production"), None);
}

#[test]
fn native_schedules_are_a_sorted_set_and_an_empty_list_clears_them() {
    let desired = load(concat!(
        "    db:\n      source: { image: \"postgres:16\" }\n",
        "      volume: { mountPath: /data, backups: { schedules: [MONTHLY, DAILY, WEEKLY] } }\n",
        "      environments:\n        staging: { volume: { backups: { schedules: [] } } }\n",
    ))
    .unwrap();
    let production = volume(&desired, "db", "production").unwrap();
    assert_eq!(
        production.native_schedules,
        Some(vec![
            BackupScheduleKind::Daily,
            BackupScheduleKind::Weekly,
            BackupScheduleKind::Monthly
        ])
    );
    let staging = volume(&desired, "db", "staging").unwrap();
    assert_eq!(staging.native_schedules, Some(vec![]));
}

#[test]
fn an_override_replaces_the_cron_list_and_overrides_scalars() {
    let desired = load(concat!(
        "    db:\n      source: { image: \"postgres:16\" }\n",
        "      volume:\n        name: db-main\n        mountPath: /var/lib/db\n",
        "        backups:\n          schedules: [DAILY]\n          cron:\n",
        "            - { schedule: \"0 3 * * *\", retention: 30d }\n",
        "            - { schedule: \"0 4 * * 0\", keep: 4 }\n",
        "      environments:\n        staging:\n          volume:\n",
        "            usageWarningPercent: 95\n",
        "            backups: { cron: [ { schedule: \"0 5 * * *\", keep: 2 } ] }\n",
    ))
    .unwrap();
    let production = volume(&desired, "db", "production").unwrap();
    assert_eq!(
        production.cron_backups,
        [
            cron(
                "0 3 * * *",
                None,
                Retention::MaxAge {
                    seconds: 30 * 86_400
                }
            ),
            cron("0 4 * * 0", None, Retention::Keep { count: 4 }),
        ]
    );
    assert_eq!(production.usage_warning_percent, 80);
    let staging = volume(&desired, "db", "staging").unwrap();
    assert_eq!(
        staging.cron_backups,
        [cron("0 5 * * *", None, Retention::Keep { count: 2 })]
    );
    assert_eq!(staging.usage_warning_percent, 95);
    assert_eq!(staging.name, "db-main-staging", "R24: unique per project");
    assert_eq!(staging.mount_path, "/var/lib/db");
    assert_eq!(
        staging.native_schedules,
        Some(vec![BackupScheduleKind::Daily])
    );
}

#[test]
fn five_and_six_field_crons_with_time_zones_are_kept_as_written_and_trimmed() {
    let desired = load(concat!(
        "    db:\n      source: { image: \"postgres:16\" }\n",
        "      volume:\n        mountPath: /data\n        backups:\n          cron:\n",
        "            - { schedule: \" 0 3 * * * \", retention: 1h30m }\n",
        "            - { schedule: \"0 0 4 * * 0\", timezone: Europe/Berlin, keep: 10 }\n",
        "            - { schedule: \"0 3 * * *\", timezone: America/New_York, keep: 1 }\n",
    ))
    .unwrap();
    let production = volume(&desired, "db", "production").unwrap();
    assert_eq!(
        production.cron_backups,
        [
            cron("0 3 * * *", None, Retention::MaxAge { seconds: 5400 }),
            cron(
                "0 0 4 * * 0",
                Some("Europe/Berlin"),
                Retention::Keep { count: 10 }
            ),
            cron(
                "0 3 * * *",
                Some("America/New_York"),
                Retention::Keep { count: 1 }
            ),
        ]
    );
}

#[test]
fn a_volume_declared_in_one_environment_only_exists_there() {
    let desired = load(concat!(
        "    scratch:\n      source: { image: \"alpine:3\" }\n",
        "      environments:\n        staging: { volume: { mountPath: /scratch } }\n",
    ))
    .unwrap();
    assert_eq!(volume(&desired, "scratch", "production"), None);
    assert_eq!(
        volume(&desired, "scratch", "staging").map(|v| v.name.as_str()),
        Some("scratch-data")
    );
}

#[test]
fn an_override_without_a_base_volume_needs_a_mount_path() {
    let found = messages(load(concat!(
        "    api:\n      source: { image: \"nginx:1\" }\n",
        "      environments:\n        staging: { volume: { usageWarningPercent: 90 } }\n",
    )));
    assert_eq!(
        found,
        ["10:30 missing required field `mountPath` in services.api.volume"]
    );
}

#[test]
fn a_missing_base_mount_path_is_reported_once() {
    let found = messages(load(concat!(
        "    api:\n      source: { image: \"nginx:1\" }\n",
        "      volume: { name: api-data }\n",
        "      environments:\n        staging: { volume: { usageWarningPercent: 90 } }\n",
    )));
    assert_eq!(
        found,
        ["9:17 missing required field `mountPath` in services.api.volume"]
    );
}

#[test]
fn a_volume_on_a_planned_service_is_accepted_and_ignored() {
    let desired = load(concat!(
        "    later:\n      enabled: false\n      source: { image: \"nginx:1\" }\n",
        "      volume: { mountPath: /data }\n",
    ))
    .unwrap();
    assert!(matches!(
        desired.services[0].kind,
        ServiceKind::Planned { .. }
    ));
}

#[test]
fn the_same_schedule_in_another_time_zone_is_not_a_repeat() {
    let found = messages(load(concat!(
        "    db:\n      source: { image: \"postgres:16\" }\n",
        "      volume:\n        mountPath: /data\n        backups:\n          cron:\n",
        "            - { schedule: \"0 3 * * *\", keep: 1 }\n",
        "            - { schedule: \"0 3 * * *\", timezone: Asia/Tokyo, keep: 1 }\n",
        "            - { schedule: \"0 3 * * *\", timezone: Asia/Tokyo, keep: 2 }\n",
    )));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(
            "15:27 `services.db.volume.backups.cron[2]` repeats the schedule of line 14:27"
        ),
        "{found:?}"
    );
}

#[test]
fn the_blackroad_staging_override_keeps_daily_native_backups_and_no_cron() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/blackroad.yml");
    let desired = load_file(&path, &|_| None).unwrap_or_else(|e| panic!("{e}"));
    let production = volume(&desired, "postgres", "production").unwrap();
    assert_eq!(production.name, "postgres-data");
    assert_eq!(production.mount_path, "/var/lib/postgresql/data");
    assert_eq!(
        production.native_schedules,
        Some(vec![BackupScheduleKind::Daily, BackupScheduleKind::Weekly])
    );
    assert_eq!(
        production.cron_backups,
        [cron(
            "0 3 * * *",
            None,
            Retention::MaxAge {
                seconds: 30 * 86_400
            }
        )]
    );
    let staging = volume(&desired, "postgres", "staging").unwrap();
    assert_eq!(
        staging.native_schedules,
        Some(vec![BackupScheduleKind::Daily])
    );
    assert!(staging.cron_backups.is_empty());
    assert_eq!(staging.mount_path, "/var/lib/postgresql/data");
    for (env, name) in [
        ("production", "redis-data"),
        ("staging", "redis-data-staging"),
    ] {
        let redis = volume(&desired, "redis", env).unwrap();
        assert_eq!(
            (redis.name.as_str(), redis.mount_path.as_str()),
            (name, "/bitnami")
        );
        assert_eq!(redis.native_schedules, None);
    }
}

#[test]
fn r24_a_volume_name_reused_across_environments_takes_the_later_environments_name_as_suffix() {
    let desired = load(concat!(
        "    db:\n      source: { image: \"postgres:16\" }\n",
        "      volume: { name: pg, mountPath: /var/lib/db }\n",
        "    cache:\n      source: { image: \"redis:7\" }\n",
        "      environments:\n        staging: { volume: { name: pg-staging, mountPath: /data } }\n",
    ))
    .unwrap();
    let name = |service, env| volume(&desired, service, env).map(|v| v.name.clone());
    assert_eq!(name("db", "production").as_deref(), Some("pg"));
    assert_eq!(name("db", "staging").as_deref(), Some("pg-staging"));
    assert_eq!(
        name("cache", "staging").as_deref(),
        Some("pg-staging-staging"),
        "a name written by hand that another volume's suffix took is suffixed in turn"
    );
}
