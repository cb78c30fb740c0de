//! Volumes end to end against the sandbox: created with their stable name, mount and native
//! schedules, then planned clean; mount moves redeploy; `[]` clears schedules; an owned volume
//! is deleted only with prune and `--confirm-destructive`, with a data-loss warning; one
//! attached by hand is never touched; a lost create response never yields a second volume.

use crate::support;

use std::fs;
use std::path::Path;

use railway_operator::sandbox::Sandbox;
use serde_json::{Value, json};
use support::*;

fn manifest(volume: &str, prune: bool) -> String {
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: vols }}\nspec:\n  policy: {{ prune: {prune} }}\n  environments: {{ production: {{}} }}\n  services:\n    db:\n      source: {{ image: \"postgres:16\" }}\n{volume}"
    )
}

const POSTGRES_VOLUME: &str = "      volume:\n        name: db-data\n        mountPath: /var/lib/postgresql/data\n        backups: { schedules: [WEEKLY, DAILY] }\n";

async fn run(sandbox: &Sandbox, dir: &Path, text: &str, args: &[&str]) -> (i32, String, String) {
    let file = dir.join("vols.yml");
    fs::write(&file, text).expect("write");
    let file = file.to_string_lossy().to_string();
    let mut full = args.to_vec();
    full.extend(["-f", file.as_str()]);
    cli(sandbox, &full).await
}

/// A fresh sandbox with `text` applied, and the directory holding the manifest.
async fn applied(text: &str) -> (Sandbox, tempfile::TempDir) {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = run(&sandbox, dir.path(), text, &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    (sandbox, dir)
}

/// Live volume instances of the production environment (deleted ones left out).
async fn volumes(sandbox: &Sandbox) -> Vec<Value> {
    let data = all_projects(sandbox, "environments { edges { node { name volumeInstances { edges { node { id mountPath serviceId deletedAt volume { id name } } } } } } }")
    .await;
    data["data"]["projects"]["edges"][0]["node"]["environments"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["node"]["name"] == "production")
        .flat_map(|e| {
            e["node"]["volumeInstances"]["edges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|e| e["node"].clone())
        .filter(|v| v["deletedAt"].is_null())
        .collect()
}

async fn schedules(sandbox: &Sandbox, volume_instance_id: &str) -> Vec<String> {
    let data = graphql(
        sandbox,
        "query($id: String!) { volumeInstanceBackupScheduleList(volumeInstanceId: $id) { kind } }",
        json!({ "id": volume_instance_id }),
    )
    .await;
    let mut kinds: Vec<String> = data["data"]["volumeInstanceBackupScheduleList"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["kind"].as_str().map(str::to_string))
        .collect();
    kinds.sort();
    kinds
}

#[tokio::test]
async fn a_volume_is_created_with_its_name_mount_and_schedules_and_then_plans_clean() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let text = manifest(POSTGRES_VOLUME, false);
    let (code, out, err) = run(&sandbox, dir.path(), &text, &["plan"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("+ volume of db"), "{out}");
    assert!(
        out.contains("volume.backups.schedules = [\"DAILY\",\"WEEKLY\"]"),
        "{out}"
    );

    let (code, out, err) = run(&sandbox, dir.path(), &text, &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let live = volumes(&sandbox).await;
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0]["volume"]["name"], "db-data");
    assert_eq!(live[0]["mountPath"], "/var/lib/postgresql/data");
    let id = live[0]["id"].as_str().expect("id").to_string();
    assert_eq!(schedules(&sandbox, &id).await, ["DAILY", "WEEKLY"]);

    reset_stats(&sandbox).await;
    let (code, out, err) = run(
        &sandbox,
        dir.path(),
        &text,
        &["plan", "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        total(&stats(&sandbox).await),
        2,
        "a no-op plan with a volume still costs 2 requests"
    );
}

#[tokio::test]
async fn a_moved_mount_goes_in_the_patch_with_one_deploy_stays_attached_and_an_empty_list_clears_schedules()
 {
    let (sandbox, dir) = applied(&manifest(POSTGRES_VOLUME, false)).await;

    let moved = POSTGRES_VOLUME
        .replace("/var/lib/postgresql/data", "/data")
        .replace("[WEEKLY, DAILY]", "[]");
    reset_stats(&sandbox).await;
    let (code, out, err) = run(&sandbox, dir.path(), &manifest(&moved, false), &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("~ volume.mountPath: \"/var/lib/postgresql/data\" -> \"/data\""),
        "{out}"
    );
    let stats = stats(&sandbox).await;
    assert_eq!(count(&stats, "EnvironmentPatchCommit"), 1, "{stats}");
    assert_eq!(count(&stats, "VolumeInstanceUpdate"), 0, "{stats}");
    assert_eq!(count(&stats, "VolumeInstanceBackupScheduleUpdate"), 1);
    assert_eq!(
        count(&stats, "ServiceInstanceDeployV2"),
        0,
        "the commit deploys"
    );
    assert_eq!(count(&stats, "VolumeCreate"), 0);
    let live = volumes(&sandbox).await;
    assert_eq!(live[0]["mountPath"], "/data");
    assert!(
        !live[0]["serviceId"].is_null(),
        "R23: still attached: {}",
        live[0]
    );
    let id = live[0]["id"].as_str().expect("id").to_string();
    assert!(schedules(&sandbox, &id).await.is_empty());
    let (code, out, err) = run(
        &sandbox,
        dir.path(),
        &manifest(&moved, false),
        &["plan", "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
}

#[tokio::test]
async fn deleting_an_owned_volume_needs_confirm_destructive_and_says_data_would_be_lost() {
    let (sandbox, dir) = applied(&manifest(POSTGRES_VOLUME, true)).await;

    let without = manifest("", true);
    let (code, out, err) = run(&sandbox, dir.path(), &without, &["plan"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("- volume db-data of db (destroy, DATA LOSS"),
        "{out}"
    );

    let (code, out, err) = run(&sandbox, dir.path(), &without, &["apply"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("--confirm-destructive"), "{err}");
    assert!(
        err.contains("deletes volume db-data: its data and backups would be lost"),
        "{err}"
    );
    assert_eq!(
        volumes(&sandbox).await.len(),
        1,
        "nothing may be deleted without confirmation"
    );

    let (code, out, err) = run(
        &sandbox,
        dir.path(),
        &without,
        &["apply", "--confirm-destructive"],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(volumes(&sandbox).await.is_empty());
}

#[tokio::test]
async fn without_prune_an_owned_volume_that_left_the_manifest_is_only_listed() {
    let (sandbox, dir) = applied(&manifest(POSTGRES_VOLUME, false)).await;
    let (code, out, err) = run(
        &sandbox,
        dir.path(),
        &manifest("", false),
        &["plan", "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("would be pruned"), "{out}");
    assert!(out.contains("db-data (its data would be lost)"), "{out}");
}

#[tokio::test]
async fn a_volume_attached_by_hand_is_left_alone_even_with_prune() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = run(&sandbox, dir.path(), &manifest("", true), &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let ids = ids(&sandbox).await;
    let created = graphql(
        &sandbox,
        "mutation($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
        json!({ "input": {
            "projectId": ids.project, "environmentId": ids.environment,
            "serviceId": ids.service("db"), "mountPath": "/hand"
        }}),
    )
    .await;
    assert!(created["errors"].is_null(), "{created}");
    let (code, out, err) = run(
        &sandbox,
        dir.path(),
        &manifest("", true),
        &["apply", "--confirm-destructive"],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("volumes the manifest does not declare are left alone"),
        "{out}"
    );
    assert_eq!(volumes(&sandbox).await.len(), 1);
}

#[tokio::test]
async fn a_lost_volume_create_response_is_adopted_not_duplicated() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = run(&sandbox, dir.path(), &manifest("", false), &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    set_faults(&sandbox, "volumeCreate=drop-after-commit").await;
    let (code, out, err) = run(
        &sandbox,
        dir.path(),
        &manifest(POSTGRES_VOLUME, false),
        &["apply"],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    clear_faults(&sandbox).await;
    let live = volumes(&sandbox).await;
    assert_eq!(live.len(), 1, "exactly one volume: {live:?}");
    assert_eq!(live[0]["volume"]["name"], "db-data");
    let (code, out, err) = run(
        &sandbox,
        dir.path(),
        &manifest(POSTGRES_VOLUME, false),
        &["plan", "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
}
