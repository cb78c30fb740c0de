//! What the token cannot reach of what the manifest declares (R34, R35): environments a plan
//! must neither change nor create. Pure: reads the snapshot's access facts, sends nothing.

use crate::manifest::Desired;
use crate::manifest::desired::ServiceKind;
use crate::railway::live::Live;

/// One reason the manifest cannot be planned with this token, for the user to act on.
pub fn blocked_environments(desired: &Desired, live: &Live) -> Vec<String> {
    let Some(project) = &live.project else {
        return Vec::new();
    };
    let mut blocked: Vec<String> = desired
        .environments
        .iter()
        .filter(|env| project.restricted_environments.contains(env))
        .map(|env| {
            format!(
                "environment {env} is restricted (canAccess: false): this token's user is not an admin of it, so it can be neither read nor changed. Use a workspace admin's token, or remove {env} from the manifest"
            )
        })
        .collect();
    if let Some(reached) = &project.token_environment {
        if !desired.environments.contains(reached) {
            blocked.push(format!(
                "the project token reaches environment {reached} only, which the manifest does not declare; use that environment's token, or an account or workspace token"
            ));
        }
        // A new service gets an instance in every environment (R6): beyond one environment.
        blocked.extend(
            desired
                .services
                .iter()
                .filter(|s| matches!(s.kind, ServiceKind::Managed { .. }))
                .filter(|s| !project.services.iter().any(|live| live.name == s.name))
                .map(|s| {
                    format!(
                        "service {} is not on Railway, and a project token cannot create services; create it once with an account or workspace token",
                        s.name
                    )
                }),
        );
    }
    blocked
}

/// Whether this token can plan a manifest environment: any but a restricted one (R35), and with
/// a project token only its own (R34).
pub fn reachable(live: &Live, environment: &str) -> bool {
    let Some(project) = &live.project else {
        return true;
    };
    !project
        .restricted_environments
        .iter()
        .any(|e| e == environment)
        && project
            .token_environment
            .as_ref()
            .is_none_or(|reached| reached == environment)
}

/// The notes a plan limited by the token carries.
pub fn scope_notes(desired: &Desired, live: &Live) -> Vec<String> {
    let Some(project) = &live.project else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    if let Some(reached) = &project.token_environment {
        let others: Vec<&str> = desired
            .environments
            .iter()
            .filter(|e| *e != reached)
            .map(String::as_str)
            .collect();
        if !others.is_empty() {
            notes.push(format!(
                "the project token reaches environment {reached} only: {} not planned (R34)",
                others.join(", ")
            ));
        }
    }
    let skipped: Vec<&str> = project
        .restricted_environments
        .iter()
        .filter(|e| !desired.environments.contains(e))
        .map(String::as_str)
        .collect();
    if !skipped.is_empty() {
        notes.push(format!(
            "{} restricted environment(s) not in the manifest were skipped unread: {}",
            skipped.len(),
            skipped.join(", ")
        ));
    }
    notes
}
