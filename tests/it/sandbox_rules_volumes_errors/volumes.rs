//! Volumes and backups: R22 (ids span environments), R23 (detach), R24 (names), R25, R26, R41.

use super::*;

#[tokio::test]
async fn r22_volume_ids_span_environments_and_volume_delete_removes_every_instance() {
    let directory = tempfile::tempdir().unwrap();
    let (sandbox, project_id, volume_id) = volume_in_two_environments(&directory).await;
    let volume = &project_volumes(&sandbox, &project_id).await[0];
    let instances = nodes(&volume["volumeInstances"]);
    assert_eq!(instances.len(), 2, "{volume}");
    assert_ne!(instances[0]["environmentId"], instances[1]["environmentId"]);
    let deleted = gql(
        &sandbox,
        "mutation($id: String!) { volumeDelete(volumeId: $id) }",
        json!({ "id": volume_id }),
    )
    .await;
    assert_eq!(deleted["data"]["volumeDelete"], true, "{deleted}");
    for instance in &instances {
        let environment_id = instance["environmentId"].as_str().unwrap();
        let left = data(
            &sandbox,
            "query($id: String!) { environment(id: $id) { volumeInstances { edges { node { deletedAt } } } } }",
            json!({ "id": environment_id }),
        )
        .await;
        let left = nodes(&left["environment"]["volumeInstances"]);
        assert!(left.iter().all(|i| i["deletedAt"].is_string()), "{left:?}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r22_volume_create_without_environment_id_creates_no_instance() {
    let sandbox = start_as(relaxed()).await;
    let (project_id, environment_id, _) = project_with_service(&sandbox).await;
    for input in [
        json!({ "projectId": project_id, "mountPath": "/data" }),
        json!({ "projectId": project_id, "mountPath": "/data", "environmentId": null }),
    ] {
        let created = create_volume(&sandbox, input).await;
        assert!(
            created["data"]["volumeCreate"]["id"].is_string(),
            "{created}"
        );
    }
    let volumes = project_volumes(&sandbox, &project_id).await;
    assert_eq!(volumes.len(), 2);
    assert!(
        volumes
            .iter()
            .all(|v| nodes(&v["volumeInstances"]).is_empty())
    );
    assert!(
        environment_volume_instances(&sandbox, &environment_id)
            .await
            .is_empty()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r23_volume_instance_update_without_service_id_detaches() {
    let sandbox = start_as(relaxed()).await;
    let ids = project_with_service(&sandbox).await;
    let (volume_id, _) = mounted_volume(&sandbox, &ids).await;
    let update = |input: Value| {
        gql(
            &sandbox,
            VOLUME_INSTANCE_UPDATE,
            json!({ "v": volume_id, "e": ids.1, "input": input }),
        )
    };
    let instance = || environment_volume_instances(&sandbox, &ids.1);

    let moved = update(json!({ "mountPath": "/srv" })).await;
    assert_eq!(moved["data"]["volumeInstanceUpdate"], true, "{moved}");
    let detached = &instance().await[0];
    assert_eq!(detached["mountPath"], "/srv");
    assert_eq!(
        detached["serviceId"],
        Value::Null,
        "absent serviceId detaches"
    );

    update(json!({ "serviceId": ids.2 })).await;
    let attached = &instance().await[0];
    assert_eq!(attached["serviceId"], ids.2.as_str());
    assert_eq!(attached["mountPath"], "/srv", "absent mountPath keeps it");

    update(json!({ "serviceId": null, "mountPath": "/var" })).await;
    assert_eq!(
        instance().await[0]["serviceId"],
        Value::Null,
        "null detaches"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r23_volume_instance_update_without_environment_id_updates_every_instance() {
    let directory = tempfile::tempdir().unwrap();
    let (sandbox, project_id, volume_id) = volume_in_two_environments(&directory).await;
    let service_id = nodes(&project_volumes(&sandbox, &project_id).await[0]["volumeInstances"])[0]
        ["serviceId"]
        .clone();
    let updated = gql(
        &sandbox,
        VOLUME_INSTANCE_UPDATE,
        json!({ "v": volume_id, "input": { "mountPath": "/pg", "serviceId": service_id } }),
    )
    .await;
    assert_eq!(updated["data"]["volumeInstanceUpdate"], true, "{updated}");
    let instances = nodes(&project_volumes(&sandbox, &project_id).await[0]["volumeInstances"]);
    assert_eq!(instances.len(), 2);
    for instance in instances {
        assert_eq!(instance["mountPath"], "/pg");
        assert_eq!(instance["serviceId"], service_id);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r24_volume_names_are_unique_per_project() {
    let sandbox = start_as(relaxed()).await;
    let (project_id, _, _) = project_with_service(&sandbox).await;
    let (other_project, _) = create_project(&sandbox, "other").await;
    let mut names = Vec::new();
    for project in [&project_id, &project_id, &other_project] {
        let created =
            create_volume(&sandbox, json!({ "projectId": project, "mountPath": "/d" })).await;
        names.push(created["data"]["volumeCreate"].clone());
    }
    assert_ne!(names[0]["name"], names[1]["name"], "generated names differ");
    let rename = |id: &Value, name: &str| {
        gql(
            &sandbox,
            VOLUME_RENAME,
            json!({ "id": id, "input": { "name": name } }),
        )
    };
    assert!(
        rename(&names[0]["id"], "pgdata")
            .await
            .get("errors")
            .is_none()
    );
    let taken = rename(&names[1]["id"], "pgdata").await;
    assert_eq!(
        message(&taken),
        "A volume named \"pgdata\" already exists in this project"
    );
    assert_eq!(code(&taken), "INTERNAL_SERVER_ERROR");
    let same = rename(&names[0]["id"], "pgdata").await;
    assert!(same.get("errors").is_none(), "keeping its own name: {same}");
    let elsewhere = rename(&names[2]["id"], "pgdata").await;
    assert!(
        elsewhere.get("errors").is_none(),
        "another project: {elsewhere}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r25_manual_backups_are_refused_above_half_the_volume_size() {
    let sandbox = start_as(relaxed()).await;
    let ids = project_with_service(&sandbox).await;
    let (_, instance_id) = mounted_volume(&sandbox, &ids).await;
    let backup = || {
        gql(
            &sandbox,
            "mutation($id: String!) { volumeInstanceBackupCreate(volumeInstanceId: $id) { workflowId } }",
            json!({ "id": instance_id }),
        )
    };
    // The default size is 50000 MB: half of it is still allowed.
    admin(&sandbox, "volumes/usage", format!("{instance_id}=25000")).await;
    let allowed = backup().await;
    assert!(allowed["data"]["volumeInstanceBackupCreate"]["workflowId"].is_string());
    admin(&sandbox, "volumes/usage", format!("{instance_id}=25000.5")).await;
    let refused = backup().await;
    assert!(
        message(&refused).contains("more than 50% full"),
        "{refused}"
    );
    assert_eq!(code(&refused), "INTERNAL_SERVER_ERROR");
    sandbox.shutdown().await;
}

fn seconds_between(from: &Value, to: &Value) -> i64 {
    let parse = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    (parse(to) - parse(from)).num_seconds()
}

#[tokio::test]
async fn r26_backups_take_time_and_scheduled_ones_expire_after_their_retention() {
    let sandbox = start_as(SandboxConfig {
        backup_duration: Duration::from_millis(300),
        ..relaxed()
    })
    .await;
    let ids = project_with_service(&sandbox).await;
    let (_, instance_id) = mounted_volume(&sandbox, &ids).await;
    data(
        &sandbox,
        "mutation($id: String!) { volumeInstanceBackupScheduleUpdate(volumeInstanceId: $id, kinds: [DAILY, WEEKLY, MONTHLY]) }",
        json!({ "id": instance_id }),
    )
    .await;
    for kind in ["DAILY", "WEEKLY", "MONTHLY"] {
        let fired = admin(
            &sandbox,
            "volumes/scheduled-backup",
            format!("{instance_id}={kind}"),
        )
        .await;
        assert_eq!(fired.status(), 200);
    }
    let list = || async { data(&sandbox, BACKUPS, json!({ "id": instance_id })).await };
    assert_eq!(
        list().await["volumeInstanceBackupList"],
        json!([]),
        "still running"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let listed = list().await["volumeInstanceBackupList"].clone();
    let days = |name: &str| {
        let backup = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap();
        assert!(backup["scheduleId"].is_string());
        seconds_between(&backup["createdAt"], &backup["expiresAt"]) / 86_400
    };
    assert_eq!(
        (days("Daily"), days("Weekly"), days("Monthly")),
        (6, 30, 90)
    );

    let id = listed[0]["id"].clone();
    data(
        &sandbox,
        "mutation($b: String!, $i: String!) { volumeInstanceBackupLock(volumeInstanceBackupId: $b, volumeInstanceId: $i) }",
        json!({ "b": id, "i": instance_id }),
    )
    .await;
    let locked = list().await["volumeInstanceBackupList"].clone();
    let locked = locked
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(locked["expiresAt"], Value::Null, "null means never expires");
    let unknown = admin(&sandbox, "volumes/scheduled-backup", "nope=DAILY".into()).await;
    assert_eq!(unknown.status(), 404);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r41_new_volumes_and_instances_stay_out_of_lists_for_the_visibility_delay() {
    let sandbox = start_as(SandboxConfig {
        visibility_delay: Duration::from_millis(500),
        ..relaxed()
    })
    .await;
    let ids = project_with_service(&sandbox).await;
    let created = create_volume(
        &sandbox,
        json!({ "projectId": ids.0, "environmentId": ids.1, "serviceId": ids.2, "mountPath": "/data" }),
    )
    .await;
    assert!(
        created["data"]["volumeCreate"]["id"].is_string(),
        "{created}"
    );
    assert!(project_volumes(&sandbox, &ids.0).await.is_empty());
    assert!(
        environment_volume_instances(&sandbox, &ids.1)
            .await
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(project_volumes(&sandbox, &ids.0).await.len(), 1);
    assert_eq!(
        environment_volume_instances(&sandbox, &ids.1).await.len(),
        1
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r26_a_restore_is_staged_and_deletes_the_newer_backups() {
    let sandbox = start_as(SandboxConfig {
        backup_duration: Duration::ZERO,
        ..relaxed()
    })
    .await;
    let ids = project_with_service(&sandbox).await;
    let (_, instance_id) = mounted_volume(&sandbox, &ids).await;
    for name in ["older", "restored", "newer"] {
        data(
            &sandbox,
            "mutation($id: String!, $n: String) {
                volumeInstanceBackupCreate(volumeInstanceId: $id, name: $n) { workflowId } }",
            json!({ "id": instance_id, "n": name }),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let names = || async {
        let listed = data(&sandbox, BACKUPS, json!({ "id": instance_id })).await;
        let mut names: Vec<String> = listed["volumeInstanceBackupList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let listed = data(&sandbox, BACKUPS, json!({ "id": instance_id })).await;
    let restored = listed["volumeInstanceBackupList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "restored")
        .unwrap()["id"]
        .clone();
    let answer = data(
        &sandbox,
        "mutation($i: String!, $b: String!) { volumeInstanceBackupRestore(
            volumeInstanceId: $i, volumeInstanceBackupId: $b) { workflowId } }",
        json!({ "i": instance_id, "b": restored }),
    )
    .await;
    assert!(answer["volumeInstanceBackupRestore"]["workflowId"].is_string());
    assert_eq!(names().await, ["older", "restored"]);
    let staged = data(
        &sandbox,
        "query($id: String!) { environment(id: $id) { unmergedChangesCount } }",
        json!({ "id": ids.1 }),
    )
    .await;
    assert_eq!(
        staged["environment"]["unmergedChangesCount"], 1,
        "the restore waits for a commit"
    );
    sandbox.shutdown().await;
}
