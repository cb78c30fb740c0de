//! The sandbox's test-only admin endpoints under `/_sandbox/`: request counters, the fault plan,
//! custom domain verification, volume usage, scheduled backups and deployment outcomes. Each is a thin call into the store or the app.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{App, Stats, relock};
use crate::sandbox::model::VolumeInstanceBackupScheduleKind;

/// `GET /_sandbox/stats`: `total`, `byOperation`, and once non-zero `rateLimited` (429s
/// answered) and `faults` (injected faults by kind).
pub(super) async fn stats(State(app): State<Arc<App>>) -> Json<Value> {
    let stats = relock(&app.stats);
    let mut counters = json!({ "total": stats.total, "byOperation": stats.by_operation });
    // Absent means zero: readers of the original two counters see the same document.
    if stats.rate_limited > 0 {
        counters["rateLimited"] = json!(stats.rate_limited);
    }
    if !stats.faults.is_empty() {
        counters["faults"] = json!(stats.faults);
    }
    if stats.access_denied > 0 {
        counters["accessDenied"] = json!(stats.access_denied);
    }
    Json(counters)
}

/// `POST /_sandbox/faults` with a `--faults` spec as the body (empty clears every fault).
pub(super) async fn set_faults(State(app): State<Arc<App>>, body: String) -> (StatusCode, String) {
    match body.trim().parse::<crate::sandbox::FaultPlan>() {
        Ok(plan) => {
            relock(&app.faults).replace(plan);
            (StatusCode::OK, format!("faults set: {:?}\n", body.trim()))
        }
        Err(error) => (StatusCode::BAD_REQUEST, format!("{error}\n")),
    }
}

pub(super) async fn reset_stats(State(app): State<Arc<App>>) -> Json<Value> {
    *relock(&app.stats) = Stats::default();
    Json(json!({ "total": 0, "byOperation": {} }))
}

/// `POST /_sandbox/domains/verify` with a custom domain's hostname as the body: its DNS records
/// count as propagated from now on. 404 when no live custom domain has that hostname.
pub(super) async fn verify_domain(
    State(app): State<Arc<App>>,
    body: String,
) -> (StatusCode, String) {
    let verified = match app.store.lock() {
        Ok(mut store) => store.verify_custom_domain(&body),
        Err(error) => return (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")),
    };
    match verified {
        Ok(()) => {
            app.persist();
            (StatusCode::OK, format!("verified: {}\n", body.trim()))
        }
        Err(error) => (StatusCode::NOT_FOUND, format!("{error}: {}\n", body.trim())),
    }
}

/// `POST /_sandbox/domains/renames` with `apply`, `ignore` or `pending` as the body: what
/// `serviceDomainUpdate` does with a new name from now on (R30; see the module documentation).
pub(super) async fn set_domain_renames(
    State(app): State<Arc<App>>,
    body: String,
) -> (StatusCode, String) {
    let renames = match body.parse::<crate::sandbox::model::DomainRenames>() {
        Ok(renames) => renames,
        Err(error) => return (StatusCode::BAD_REQUEST, format!("{error}\n")),
    };
    match app.store.lock() {
        Ok(mut store) => store.domain_renames = renames,
        Err(error) => return (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")),
    }
    (StatusCode::OK, format!("domain renames: {}\n", body.trim()))
}

/// `POST /_sandbox/volumes/usage` with `<volumeInstanceId>=<currentSizeMB>` as the body: sets how
/// full the volume instance is. 400 for a malformed body, 404 for an unknown live instance.
pub(super) async fn set_volume_usage(
    State(app): State<Arc<App>>,
    body: String,
) -> (StatusCode, String) {
    let Some((instance_id, size)) = body.trim().split_once('=') else {
        return (
            StatusCode::BAD_REQUEST,
            "expected <volumeInstanceId>=<currentSizeMB>\n".into(),
        );
    };
    let instance_id = instance_id.trim();
    let Ok(size) = size.trim().parse::<f64>() else {
        return (
            StatusCode::BAD_REQUEST,
            format!("{size:?} is not a number of megabytes\n"),
        );
    };
    if !size.is_finite() || size < 0.0 {
        return (
            StatusCode::BAD_REQUEST,
            format!("{size} is not a usable size\n"),
        );
    }
    let updated = match app.store.lock() {
        Ok(mut store) => store.set_volume_usage(instance_id, size),
        Err(error) => return (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")),
    };
    match updated {
        Ok(()) => {
            app.persist();
            (
                StatusCode::OK,
                format!("usage of {instance_id}: {size} MB\n"),
            )
        }
        Err(error) => (StatusCode::NOT_FOUND, format!("{error}: {instance_id}\n")),
    }
}

/// `POST /_sandbox/volumes/scheduled-backup` with `<volumeInstanceId>=<DAILY|WEEKLY|MONTHLY>`:
/// that schedule of the instance fires now (R26). 400 for a malformed body, 404 when the live
/// instance or its schedule is unknown.
pub(super) async fn run_backup_schedule(
    State(app): State<Arc<App>>,
    body: String,
) -> (StatusCode, String) {
    let Some((instance_id, kind)) = body.trim().split_once('=') else {
        return (
            StatusCode::BAD_REQUEST,
            "expected <volumeInstanceId>=<DAILY|WEEKLY|MONTHLY>\n".into(),
        );
    };
    let instance_id = instance_id.trim();
    let kind = match kind.trim() {
        "DAILY" => VolumeInstanceBackupScheduleKind::Daily,
        "WEEKLY" => VolumeInstanceBackupScheduleKind::Weekly,
        "MONTHLY" => VolumeInstanceBackupScheduleKind::Monthly,
        other => {
            return (
                StatusCode::BAD_REQUEST,
                format!("{other:?} is not DAILY, WEEKLY or MONTHLY\n"),
            );
        }
    };
    let ran = match app.store.lock() {
        Ok(mut store) => store.run_backup_schedule(instance_id, kind),
        Err(error) => return (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")),
    };
    match ran {
        Ok(backup) => {
            app.persist();
            (StatusCode::OK, format!("{}\n", backup.id))
        }
        Err(error) => (StatusCode::NOT_FOUND, format!("{error}: {instance_id}\n")),
    }
}

/// `POST /_sandbox/deployments/outcome` with `{"service": "<name>", "outcome": "FAILED"}`: how
/// that service's deployments end from now on (R42, R44). 400 for a malformed body.
pub(super) async fn set_deploy_outcome(
    State(app): State<Arc<App>>,
    body: String,
) -> (StatusCode, String) {
    let parsed: Result<Value, _> = serde_json::from_str(&body);
    let fields = parsed.as_ref().ok().and_then(|value| {
        let service = value.get("service")?.as_str()?;
        let outcome = value.get("outcome")?.as_str()?;
        Some((service.to_string(), outcome.to_string()))
    });
    let Some((service, outcome)) = fields else {
        return (
            StatusCode::BAD_REQUEST,
            "expected {\"service\": \"<name>\", \"outcome\": \"FAILED\"}\n".into(),
        );
    };
    let outcome = match outcome.parse::<crate::sandbox::DeploymentOutcome>() {
        Ok(outcome) => outcome,
        Err(error) => return (StatusCode::BAD_REQUEST, format!("{error}\n")),
    };
    match app.store.lock() {
        Ok(mut store) => store.set_deploy_outcome(&service, outcome),
        Err(error) => return (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")),
    }
    app.persist();
    (
        StatusCode::OK,
        format!("deployments of {service}: {outcome}\n"),
    )
}

/// `POST /_sandbox/environments/created-at` with `<environmentId>=<RFC 3339 time>`: a test hook,
/// not a Railway rule, that backdates an environment (to age a preview past `expireAfter`). 400
/// for a malformed body, 404 for an unknown environment.
pub(super) async fn set_environment_created_at(
    State(app): State<Arc<App>>,
    body: String,
) -> (StatusCode, String) {
    let parsed = body.trim().split_once('=').and_then(|(id, at)| {
        let at = chrono::DateTime::parse_from_rfc3339(at.trim()).ok()?;
        Some((id.trim().to_string(), at.with_timezone(&chrono::Utc)))
    });
    let Some((id, at)) = parsed else {
        return (
            StatusCode::BAD_REQUEST,
            "expected <environmentId>=<RFC 3339 time>\n".into(),
        );
    };
    let stamp = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let updated = match app.store.lock() {
        Ok(mut store) => store.set_environment_created_at(&id, &stamp),
        Err(error) => return (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")),
    };
    match updated {
        Ok(()) => {
            app.persist();
            (StatusCode::OK, format!("{id} created at {stamp}\n"))
        }
        Err(error) => (StatusCode::NOT_FOUND, format!("{error}: {id}\n")),
    }
}
