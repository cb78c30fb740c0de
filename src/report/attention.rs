//! The troubleshooting section of a managed service's document: what needs a person's
//! attention, per environment, each with the next step. Derived from the status report and the
//! sync state only; it repeats no value the other sections show in full.

use super::markdown::number;
use crate::manifest::desired::DesiredService;
use crate::ops::status::StatusReport;
use crate::ops::{SyncState, View, settings};

/// `## Attention`: one bullet per problem, or a line saying there is none.
pub fn attention(
    view: &View<'_>,
    service: &DesiredService,
    status: &StatusReport,
    manifest_label: &str,
) -> String {
    let mut items = Vec::new();
    for env in &status.environments {
        let name = &env.name;
        match view.sync_state(service, name) {
            SyncState::Missing => items.push(format!(
                "`{name}`: not on Railway; `railway-operator apply -f {manifest_label}` creates it."
            )),
            SyncState::Drifted => items.push(format!(
                "`{name}`: Railway differs from the manifest (see Drift); `railway-operator plan -f {manifest_label}` shows the changes."
            )),
            _ => {}
        }
        let Some(found) = env.services.iter().find(|s| s.name == service.name) else {
            continue;
        };
        if let Some(deployment) = &found.deployment
            && deployment != "SUCCESS"
        {
            items.push(format!(
                "`{name}`: the latest deployment is {deployment}; read its logs on Railway."
            ));
        }
        for domain in &found.domains {
            if domain.state.starts_with("pending DNS") {
                items.push(format!(
                    "`{name}`: {} waits for DNS; create the records listed under its domains.",
                    domain.name
                ));
            } else if domain.state != "active" {
                items.push(format!("`{name}`: {} is {}.", domain.name, domain.state));
            }
        }
        let threshold = settings(service, name)
            .and_then(|s| s.volume.as_ref())
            .map(|v| v.usage_warning_percent);
        if let Some(volume) = &found.volume {
            // R25: operator-run backups are manual ones, refused above 50 % usage.
            if let Some(warning) = &volume.backup_warning {
                items.push(format!("`{name}`: {warning}."));
            }
            if !volume.found {
                items.push(format!(
                    "`{name}`: volume {} is not on Railway.",
                    volume.name
                ));
            } else if volume.backups.is_none() {
                items.push(format!(
                    "`{name}`: the backups of volume {} could not be read.",
                    volume.name
                ));
            }
            if let (Some(usage), Some(threshold)) = (volume.usage_percent, threshold)
                && usage > f64::from(threshold)
            {
                items.push(format!(
                    "`{name}`: volume {} is {}% full, above the {threshold}% warning threshold; grow it or clean up.",
                    volume.name,
                    number(usage)
                ));
            }
        }
    }
    let mut out = String::from("\n## Attention\n\n");
    if items.is_empty() {
        out.push_str("Nothing needs attention.\n");
    } else {
        for item in items {
            out.push_str(&format!("- {item}\n"));
        }
    }
    out
}
