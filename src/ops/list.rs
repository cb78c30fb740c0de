//! `list`: every service of the manifest in order with its kind, source and per-environment
//! sync state. Reads the view only.

use serde::Serialize;

use super::{SyncState, View, kind_label, settings, source_text, table};
use crate::manifest::desired::ServiceKind;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListReport {
    pub project: String,
    pub environments: Vec<String>,
    pub services: Vec<ListedService>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedService {
    pub name: String,
    pub phase: Option<u32>,
    /// `managed`, `planned` or `external`.
    pub kind: &'static str,
    /// Image, `repo@branch[/rootDirectory]` (of the first environment) or the external URL.
    pub source: Option<String>,
    pub states: Vec<EnvironmentState>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentState {
    pub environment: String,
    pub state: SyncState,
}

pub fn list(view: &View<'_>) -> ListReport {
    let desired = view.desired;
    let services = desired
        .services
        .iter()
        .map(|service| {
            let source = match &service.kind {
                ServiceKind::External { url, .. } => Some(url.clone()),
                ServiceKind::Managed { .. } => desired
                    .environments
                    .first()
                    .and_then(|env| settings(service, env)?.source.as_ref())
                    .map(source_text),
                ServiceKind::Planned { source } => source.as_ref().map(source_text),
            };
            ListedService {
                name: service.name.clone(),
                phase: service.phase,
                kind: kind_label(&service.kind),
                source,
                states: desired
                    .environments
                    .iter()
                    .map(|env| EnvironmentState {
                        environment: env.clone(),
                        state: view.sync_state(service, env),
                    })
                    .collect(),
            }
        })
        .collect();
    ListReport {
        project: desired.project.name.clone(),
        environments: desired.environments.clone(),
        services,
    }
}

pub fn render_text(report: &ListReport) -> String {
    let mut header: Vec<String> = ["SERVICE", "PHASE", "KIND", "SOURCE"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(report.environments.iter().map(|e| e.to_uppercase()));
    let mut rows = vec![header];
    for service in &report.services {
        let mut row = vec![
            service.name.clone(),
            service.phase.map(|p| p.to_string()).unwrap_or("-".into()),
            service.kind.to_string(),
            service.source.clone().unwrap_or("-".into()),
        ];
        row.extend(service.states.iter().map(|s| s.state.label().to_string()));
        rows.push(row);
    }
    format!("Project {}\n{}", report.project, table(&rows))
}
