//! Placement and the TCP-proxy patch route: R19-R21, R31.

use super::*;

#[tokio::test]
async fn r19_service_instance_region_reads_null_and_placement_is_in_multi_region_config() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    let instance = &live(&sandbox, &production).await[&api];
    assert!(instance["region"].is_null());
    assert_eq!(
        config(&sandbox, &production, false).await["services"][&api]["deploy"]["multiRegionConfig"],
        json!({ "us-west2": { "numReplicas": 1 } })
    );
}

#[tokio::test]
async fn r20_region_moves_nothing_and_multi_region_config_merges_with_null_removal() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "region": "europe-west4-drams3a" }),
    )
    .await;
    assert_eq!(
        placement(&sandbox, &production, &api).await,
        json!({ "us-west2": { "numReplicas": 1 } })
    );

    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "multiRegionConfig": { "europe-west4-drams3a": { "numReplicas": 2 } } }),
    )
    .await;
    assert_eq!(
        placement(&sandbox, &production, &api).await,
        json!({ "europe-west4-drams3a": { "numReplicas": 2 }, "us-west2": { "numReplicas": 1 } })
    );
    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "multiRegionConfig": { "us-west2": null } }),
    )
    .await;
    assert_eq!(
        placement(&sandbox, &production, &api).await,
        json!({ "europe-west4-drams3a": { "numReplicas": 2 } })
    );
    assert_eq!(live(&sandbox, &production).await[&api]["numReplicas"], 2);

    // Leaving numReplicas out resets the count to one.
    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "startCommand": "./x" }),
    )
    .await;
    assert_eq!(live(&sandbox, &production).await[&api]["numReplicas"], 1);
    assert_eq!(
        placement(&sandbox, &production, &api).await,
        json!({ "europe-west4-drams3a": { "numReplicas": 1 } })
    );
}

#[tokio::test]
async fn r21_replica_limits_are_rejected() {
    let sandbox = sandbox().await;
    let (project_id, production, _, api) = two_non_forks(&sandbox).await;
    let too_many = instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "multiRegionConfig": { "us-west2": { "numReplicas": 30 },
            "europe-west4-drams3a": { "numReplicas": 21 } } }),
    )
    .await;
    assert!(error_message(&too_many).contains("50"));
    assert_eq!(
        too_many["errors"][0]["extensions"]["code"],
        "INTERNAL_SERVER_ERROR"
    );

    let cron = commit(
        &sandbox,
        &production,
        json!({ "services": { &api: { "deploy": { "cronSchedule": "0 * * * *",
            "multiRegionConfig": { "us-west2": { "numReplicas": 2 } } } } } }),
    )
    .await;
    assert!(error_message(&cron).contains("cron"));
    assert!(
        live(&sandbox, &production).await[&api]["cronSchedule"].is_null(),
        "nothing applied"
    );

    let db = service(&sandbox, json!({ "projectId": project_id, "name": "db" })).await;
    data(
        &sandbox,
        "mutation($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": db, "mountPath": "/data" } }),
    )
    .await;
    let with_volume = instance_update(
        &sandbox,
        &db,
        Some(&production),
        json!({ "numReplicas": 2 }),
    )
    .await;
    assert!(error_message(&with_volume).contains("volume"));

    let volume = data(
        &sandbox,
        "mutation($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "environmentId": production, "mountPath": "/v" } }),
    )
    .await["volumeCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    instance_update(
        &sandbox,
        &api,
        Some(&production),
        json!({ "numReplicas": 2 }),
    )
    .await;
    let mount = commit(
        &sandbox,
        &production,
        json!({ "services": { &api: { "volumeMounts": { &volume: { "mountPath": "/v" } } } } }),
    )
    .await;
    assert!(error_message(&mount).contains("volume"));

    // R21 the other way round: a volume created for, or attached to, a service with 2 replicas.
    let create = gql(
        &sandbox,
        "mutation($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }",
        json!({ "input": { "projectId": project_id, "environmentId": production,
            "serviceId": api, "mountPath": "/w" } }),
    )
    .await;
    assert_eq!(
        error_message(&create),
        "A service with a volume cannot have more than one replica"
    );
    let attach = gql(
        &sandbox,
        "mutation($v: String!, $e: String!, $s: String) { volumeInstanceUpdate(volumeId: $v, environmentId: $e, input: { serviceId: $s }) }",
        json!({ "v": volume, "e": production, "s": api }),
    )
    .await;
    assert!(error_message(&attach).contains("volume"), "{attach}");
}

#[tokio::test]
async fn r31_a_tcp_proxy_patch_creates_a_proxy() {
    let sandbox = sandbox().await;
    let (_, production, _, api) = two_non_forks(&sandbox).await;
    commit_ok(
        &sandbox,
        &production,
        json!({ "services": { &api: { "networking": { "tcpProxies": { "5432": {} } } } } }),
    )
    .await;
    let proxies = data(
        &sandbox,
        "query($e: String!, $s: String!) { tcpProxies(environmentId: $e, serviceId: $s) { applicationPort } }",
        json!({ "e": production, "s": api }),
    )
    .await;
    assert_eq!(proxies["tcpProxies"], json!([{ "applicationPort": 5432 }]));
    assert_eq!(
        config(&sandbox, &production, false).await["services"][&api]["networking"]["tcpProxies"],
        json!({ "5432": {} })
    );
}
