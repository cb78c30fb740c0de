//! Observations gathered across scopes while planning (sealed and unmanaged variables, domains
//! and volumes left alone, pending prunes, DNS work, volumes too full for operator backups),
//! turned into the plan's notes at the end.

use crate::plan::domains::DomainDiff;
use crate::plan::variables::VariableDiff;
use crate::plan::volumes::VolumeDiff;

/// Variable observations gathered across scopes, turned into notes at the end.
#[derive(Default)]
pub(super) struct Findings {
    pub sealed: Vec<String>,
    pub unmanaged: Vec<String>,
    pub unmanaged_domains: Vec<String>,
    pub unmanaged_volumes: Vec<String>,
    pub pending_prune: Vec<String>,
    pub pending_dns: Vec<String>,
    /// R25: volumes with `backups.cron` at 50 % usage or more, as warnings.
    pub backup_limit: Vec<String>,
}

impl Findings {
    pub(super) fn record(&mut self, scope: &str, diff: &VariableDiff) {
        if !diff.sealed.is_empty() {
            self.sealed
                .push(format!("{scope}: {}", diff.sealed.join(", ")));
        }
        if !diff.unmanaged.is_empty() {
            self.unmanaged
                .push(format!("{scope}: {}", diff.unmanaged.join(", ")));
        }
        self.pending_prune.extend(
            diff.pending_prune
                .iter()
                .map(|name| format!("variable {scope}.{name}")),
        );
    }

    pub(super) fn record_domains(&mut self, scope: &str, diff: &DomainDiff) {
        if !diff.unmanaged.is_empty() {
            self.unmanaged_domains
                .push(format!("{scope}: {}", diff.unmanaged.join(", ")));
        }
        self.pending_prune.extend(
            diff.pending_prune
                .iter()
                .map(|name| format!("{scope} {name}")),
        );
        self.pending_dns.extend(
            diff.pending_dns
                .iter()
                .map(|line| format!("{scope} {line}")),
        );
    }

    pub(super) fn record_volume(&mut self, scope: &str, diff: &VolumeDiff) {
        if let Some(name) = &diff.unmanaged {
            self.unmanaged_volumes.push(format!("{scope}: {name}"));
        }
        if let Some(name) = &diff.pending_prune {
            self.pending_prune
                .push(format!("volume {scope} {name} (its data would be lost)"));
        }
    }

    pub(super) fn into_notes(self, notes: &mut Vec<String>) {
        notes.extend(self.backup_limit);
        if !self.pending_dns.is_empty() {
            notes.push(format!(
                "pending DNS work:\n  - {}",
                self.pending_dns.join("\n  - ")
            ));
        }
        if !self.unmanaged_domains.is_empty() {
            notes.push(format!(
                "domains set outside the manifest are left alone: {}",
                self.unmanaged_domains.join("; ")
            ));
        }
        if !self.unmanaged_volumes.is_empty() {
            notes.push(format!(
                "volumes the manifest does not declare are left alone: {}",
                self.unmanaged_volumes.join("; ")
            ));
        }
        if !self.sealed.is_empty() {
            notes.push(format!(
                "sealed variables cannot be read back and are compared by presence only: {}",
                self.sealed.join("; ")
            ));
        }
        if !self.unmanaged.is_empty() {
            notes.push(format!(
                "variables set outside the manifest are left alone: {}",
                self.unmanaged.join("; ")
            ));
        }
        if !self.pending_prune.is_empty() {
            notes.push(format!(
                "would be pruned (prune disabled, or --env given for a service): {}",
                self.pending_prune.join(", ")
            ));
        }
    }
}
