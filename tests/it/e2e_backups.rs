//! `railway-operator backup list|create|prune` against the sandbox: the same names and retention
//! rules as `run`, never touching foreign or locked backups (R26: a null expiry on the
//! operator's own is no lock).

use crate::support;

use std::fs;
use std::time::Duration;

use chrono::{DateTime, Utc};
use railway_operator::backup::naming::{self, BackupOrigin, ScheduleId};
use railway_operator::sandbox::SandboxConfig;
use serde_json::Value;
use support::*;

const EVERY_SECOND: &str = "*/1 * * * * *";

fn days_ago(days: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(days)
}

#[tokio::test]
async fn backup_commands_list_create_and_prune_by_the_manifest_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expired = naming::format(
        &BackupOrigin::Schedule(ScheduleId::new(EVERY_SECOND, None)),
        days_ago(2),
    );
    let no_expiry = naming::format(
        &BackupOrigin::Schedule(ScheduleId::new(EVERY_SECOND, None)),
        days_ago(3),
    );
    let old_manual = naming::format(&BackupOrigin::Manual, days_ago(20));
    let seed = dir.path().join("seed.yml");
    fs::write(
        &seed,
        format!(
            "projects:\n  - name: bk\n    services:\n      - name: db\n        image: postgres:16\n        volume:\n          name: db-data\n          mountPath: /data\n          backups:\n            - {{ name: \"{expired}\", createdAt: \"{}\" }}\n            - {{ name: \"{no_expiry}\", createdAt: \"{}\", locked: true }}\n            - {{ name: \"{old_manual}\", createdAt: \"{}\" }}\n            - {{ name: nightly-dump, createdAt: \"{}\" }}\n",
            days_ago(2).to_rfc3339(),
            days_ago(3).to_rfc3339(),
            days_ago(20).to_rfc3339(),
            days_ago(2).to_rfc3339(),
        ),
    )
    .expect("seed");
    let sandbox = sandbox_with(SandboxConfig {
        seed_file: Some(seed),
        backup_duration: Duration::from_millis(50),
        ..SandboxConfig::default()
    })
    .await;
    let manifest = dir.path().join("bk.yml");
    fs::write(
        &manifest,
        format!(
            "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: bk }}\nspec:\n  environments: {{ production: {{}} }}\n  services:\n    db:\n      source: {{ image: \"postgres:16\" }}\n      volume:\n        name: db-data\n        mountPath: /data\n        backups: {{ cron: [ {{ schedule: \"{EVERY_SECOND}\", retention: 1h }} ] }}\n"
        ),
    )
    .expect("manifest");
    let file = manifest.to_string_lossy().to_string();
    let backup = |args: &[&str]| {
        let mut full = vec!["backup"];
        full.extend_from_slice(args);
        full.extend(["-f", file.as_str(), "--service", "db"]);
        full.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = async |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(&sandbox, &refs).await
    };

    let (code, out, err) = run(backup(&["list", "--output", "json"])).await;
    assert_eq!(code, 0, "{out}{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect("JSON list");
    assert_eq!(rows.len(), 4, "{out}");
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["name"] == name)
            .cloned()
            .expect(name)
    };
    assert_eq!(row(&expired)["wouldPrune"], true);
    // R26: no expiry on the operator's own backup is no lock.
    assert_eq!(row(&no_expiry)["wouldPrune"], true);
    assert_eq!(row(&no_expiry)["locked"], false);
    assert_eq!(row("nightly-dump")["owner"], "foreign");
    assert_eq!(row(&old_manual)["owner"], "manual");

    let (code, out, err) = run(backup(&["create"])).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("railway-operator [manual]"), "{out}");

    let (code, out, err) = run(backup(&["prune", "--dry-run", "--output", "json"])).await;
    assert_eq!(code, 0, "{out}{err}");
    let dry: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(dry["toDelete"].as_array().map(Vec::len), Some(2), "{out}");
    assert_eq!(dry["deleted"].as_array().map(Vec::len), Some(0), "{out}");

    let (code, out, err) = run(backup(&["prune", "--manual-older-than", "10d"])).await;
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, _) = run(backup(&["list", "--output", "json"])).await;
    let names: Vec<String> = serde_json::from_str::<Vec<Value>>(&out)
        .expect("JSON")
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect();
    assert!(!names.contains(&expired), "{names:?}");
    assert!(!names.contains(&old_manual), "{names:?}");
    assert!(!names.contains(&no_expiry), "{names:?}");
    assert!(names.iter().any(|n| n == "nightly-dump"), "{names:?}");
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("railway-operator [manual]"))
            .count(),
        1,
        "the fresh manual backup stays: {names:?}"
    );

    let (code, _, err) = cli(
        &sandbox,
        &["backup", "list", "-f", &file, "--service", "nope"],
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("nope"), "{err}");
}
