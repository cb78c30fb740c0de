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
    /// Pinned subdomains whose rename did not take (R30).
    pub renames_not_taken: Vec<String>,
    /// Instances whose live `railwayConfigFile` is set, with the path (R18).
    pub config_files: Vec<String>,
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
        self.renames_not_taken.extend(
            diff.renames_not_taken
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

    /// R18: a Config-as-Code path on the live instance. The operator neither sends nor
    /// compares it, so it is reported, once per plan, rather than diffed.
    pub(super) fn record_config_file(&mut self, scope: &str, path: Option<&str>) {
        if let Some(path) = path.filter(|p| !p.is_empty()) {
            self.config_files.push(format!("{scope} ({path})"));
        }
    }

    pub(super) fn into_notes(self, notes: &mut Vec<String>) {
        if !self.renames_not_taken.is_empty() {
            notes.push(format!(
                "Railway did not rename these generated domains to their pinned subdomain (R30), and the rename is not sent again: {}. Rename the domain in Railway, or pin another subdomain",
                self.renames_not_taken.join("; ")
            ));
        }
        if !self.config_files.is_empty() {
            notes.push(format!(
                "a Config-as-Code file is set on Railway for {}: Railway set 2026-12-01 as the date it stops reading Config-as-Code files (R18); while it still reads one, the file overrides these settings at deploy. The operator neither sends nor compares it: move its settings into the manifest and clear the path in the service's settings",
                self.config_files.join(", ")
            ));
        }
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
