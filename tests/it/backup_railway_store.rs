//! The Railway-backed backup store against a canned GraphQL endpoint: how Railway's answers
//! become backup records, workflow states and errors.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use railway_operator::backup::railway_store::RailwayStore;
use railway_operator::backup::{BackupStore, StoreError, WorkflowState};
use railway_operator::railway::retry::RetryPolicy;
use railway_operator::railway::{Auth, Client, ClientConfig};
use serde_json::{Value, json};

type Seen = Arc<Mutex<Vec<Value>>>;

async fn answer(State(seen): State<Seen>, Json(body): Json<Value>) -> Json<Value> {
    seen.lock().unwrap().push(body.clone());
    let variables = &body["variables"];
    Json(match body["operationName"].as_str().unwrap_or_default() {
        "VolumeInstanceBackups" if variables["volumeInstanceId"] == "gone" => {
            json!({"data": null, "errors": [{"message": "VolumeInstance not found"}]})
        }
        "VolumeInstanceBackups" => json!({"data": {"volumeInstanceBackupList": [
            {"id": "b1", "name": "railway-operator [0 3 * * *] 2026-11-28T03:00:00Z", "createdAt": "2026-11-28T03:00:02.123Z",
             "expiresAt": "2026-12-28T03:00:02Z", "scheduleId": null, "usedMB": 10, "referencedMB": 10, "creatorId": null},
            {"id": "b2", "name": null, "createdAt": "2026-11-27T00:00:00Z", "expiresAt": null,
             "scheduleId": "s1", "usedMB": 1, "referencedMB": 1, "creatorId": null}
        ]}}),
        "VolumeInstanceBackupCreate" => {
            json!({"data": {"volumeInstanceBackupCreate": {"workflowId": "wf-1"}}})
        }
        "WorkflowStatus" => {
            json!({"data": {"workflowStatus": {"status": "Error", "error": "volume too large"}}})
        }
        // R37: Railway's answer both for a backup already gone and for a token refused.
        "VolumeInstanceBackupDelete"
            if variables["volumeInstanceBackupId"] == "b9"
                || variables["volumeInstanceId"] == "vi-denied" =>
        {
            json!({"data": null, "errors": [{"message": "Not Authorized", "extensions": {"code": "UNAUTHENTICATED"}}]})
        }
        "VolumeInstanceBackupDelete" => {
            json!({"data": {"volumeInstanceBackupDelete": {"workflowId": "wf-2"}}})
        }
        other => json!({"data": null, "errors": [{"message": format!("unexpected {other}")}]}),
    })
}

async fn store() -> (RailwayStore, Seen) {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route("/graphql", post(answer))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut config = ClientConfig::new(url, Auth::Bearer("t".into()));
    config.retry = RetryPolicy::none();
    (RailwayStore::new(Client::new(config).unwrap()), seen)
}

#[tokio::test]
async fn listed_backups_keep_their_names_dates_and_locks() {
    let (store, _) = store().await;
    let backups = store.list("vi-1").await.unwrap();
    assert_eq!(backups.len(), 2);
    assert_eq!(
        backups[0].name,
        "railway-operator [0 3 * * *] 2026-11-28T03:00:00Z"
    );
    assert_eq!(
        backups[0].created_at.to_rfc3339(),
        "2026-11-28T03:00:02.123+00:00"
    );
    assert!(!backups[0].is_locked());
    assert_eq!(
        backups[1].name, "",
        "a nameless backup lists with an empty name"
    );
    assert!(backups[1].is_locked(), "expiresAt null is a locked backup");
}

#[tokio::test]
async fn create_sends_the_name_and_returns_the_workflow() {
    let (store, seen) = store().await;
    let workflow = store
        .create("vi-1", "railway-operator [manual] 2026-11-28T03:00:00Z")
        .await
        .unwrap();
    assert_eq!(workflow.as_deref(), Some("wf-1"));
    let sent = seen.lock().unwrap()[0]["variables"].clone();
    assert_eq!(
        sent,
        json!({"volumeInstanceId": "vi-1", "name": "railway-operator [manual] 2026-11-28T03:00:00Z"})
    );
}

#[tokio::test]
async fn a_failed_workflow_carries_railways_reason() {
    let (store, _) = store().await;
    assert_eq!(
        store.workflow_status("wf-1").await.unwrap(),
        WorkflowState::Error("volume too large".into())
    );
}

#[tokio::test]
async fn delete_names_both_the_backup_and_its_volume_instance() {
    let (store, seen) = store().await;
    store.delete("vi-1", "b1").await.unwrap();
    let sent = seen.lock().unwrap()[0]["variables"].clone();
    assert_eq!(
        sent,
        json!({"volumeInstanceBackupId": "b1", "volumeInstanceId": "vi-1"})
    );
}

#[tokio::test]
async fn an_unknown_volume_instance_is_not_found() {
    let (store, _) = store().await;
    assert!(matches!(
        store.list("gone").await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn r37_a_delete_denied_for_a_backup_that_is_gone_is_done() {
    let (store, seen) = store().await;
    store.delete("vi-1", "b9").await.unwrap();
    let operations: Vec<Value> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|b| b["operationName"].clone())
        .collect();
    assert_eq!(
        operations,
        vec![
            json!("VolumeInstanceBackupDelete"),
            json!("VolumeInstanceBackups")
        ]
    );
}

#[tokio::test]
async fn r37_a_delete_denied_for_a_backup_still_listed_stays_refused() {
    let (store, _) = store().await;
    assert!(matches!(
        store.delete("vi-denied", "b1").await,
        Err(StoreError::Rejected(_))
    ));
}
