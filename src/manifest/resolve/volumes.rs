//! The per-environment volume of a service: the merged block must name a `mountPath`, its name
//! defaults to `<service>-data` (a database's to its template's, R46; either must be a valid
//! volume name too), and two services may not
//! use the same volume name in one environment. Builds `DesiredVolume` and makes its names
//! unique across the project's environments (R24); never decides backups.

use std::collections::{BTreeMap, BTreeSet};

use super::super::database::template_volume_name;
use super::super::decode::{VOLUME_NAME_HINT, is_volume_name};
use super::super::desired::{DesiredService, DesiredVolume, ServiceKind};
use super::super::diagnostics::{Position, Sink};
use super::super::spec::{ManifestSpec, ServiceSpec, Spanned, VolumeSpec};

const DEFAULT_USAGE_WARNING_PERCENT: u8 = 80;

/// The volume's name: as written, or `<service>-data`.
fn effective_name(volume: &VolumeSpec, service: &str) -> String {
    volume
        .name
        .as_ref()
        .map_or_else(|| format!("{service}-data"), |n| n.value.clone())
}

/// The volume's name as written, else the service's default: a database's is its template's
/// (R46), any other's `<service>-data`.
fn declared_or_default(volume: &VolumeSpec, service: &ServiceSpec) -> String {
    match (&volume.name, &service.database) {
        (None, Some(_)) => template_volume_name(&service.name.value),
        _ => effective_name(volume, &service.name.value),
    }
}

/// Reports what only the merged block shows: a missing `mountPath`, an invalid default name.
pub fn check_volume(volume: &Option<Spanned<VolumeSpec>>, service: &ServiceSpec, sink: &mut Sink) {
    let Some(volume) = volume else { return };
    let name = &service.name.value;
    if volume.value.mount_path.is_none() && !volume.value.mount_path_unreadable {
        sink.error_with_hint(
            volume.at,
            format!("missing required field `mountPath` in services.{name}.volume"),
            "a volume needs the directory it is mounted at, e.g. `mountPath: /data`; an environment override without one may only adjust a volume the service declares",
        );
    }
    let default = declared_or_default(&volume.value, service);
    if volume.value.name.is_none() && !is_volume_name(&default) {
        sink.error_with_hint(
            volume.at,
            format!(
                "the default volume name `{default}` of services.{name} is not a valid volume name"
            ),
            format!("set `volume.name`: {VOLUME_NAME_HINT}"),
        );
    }
}

/// The desired volume; `None` when the block is incomplete (already reported by `check_volume`).
pub fn desired_volume(volume: &VolumeSpec, service: &str) -> Option<DesiredVolume> {
    Some(DesiredVolume {
        name: effective_name(volume, service),
        mount_path: volume.mount_path.as_ref()?.value.clone(),
        native_schedules: volume.native_schedules.as_ref().map(|s| s.value.clone()),
        cron_backups: volume.cron_backups.as_ref().map_or_else(Vec::new, |list| {
            list.value.iter().map(|b| b.value.clone()).collect()
        }),
        usage_warning_percent: volume
            .usage_warning_percent
            .as_ref()
            .map_or(DEFAULT_USAGE_WARNING_PERCENT, |p| p.value),
    })
}

/// Where one service's volume takes its name in one environment.
struct NameUse {
    at: Position,
    service: String,
}

/// Reports a volume name used by two services in the same environment, at the later one. Planned
/// services count too, so the clash surfaces before one is switched on.
pub fn check_volume_names(spec: &ManifestSpec, sink: &mut Sink) {
    for env in &spec.environments {
        let mut uses: Vec<(String, NameUse)> = Vec::new();
        for service in spec.services.iter().filter(|s| !s.external_declared) {
            let effective = match service
                .overrides
                .iter()
                .find(|(name, _)| name.value == env.value)
            {
                Some((_, overlay)) => service.base.merged_with(overlay).volume,
                None => service.base.volume.clone(),
            };
            let Some(volume) = effective else { continue };
            let at = volume.value.name.as_ref().map_or(volume.at, |n| n.at);
            uses.push((
                declared_or_default(&volume.value, service),
                NameUse {
                    at,
                    service: service.name.value.clone(),
                },
            ));
        }
        uses.sort_by_key(|(_, u)| u.at);
        let mut first_seen: BTreeMap<&str, &NameUse> = BTreeMap::new();
        for (name, name_use) in &uses {
            match first_seen.get(name.as_str()) {
                Some(first) => sink.error_with_hint(
                    name_use.at,
                    format!(
                        "volume name `{name}` of services.{} is already used by services.{} (line {}:{})",
                        name_use.service, first.service, first.at.line, first.at.column
                    ),
                    "each service's volume needs its own name in an environment: set a different `volume.name`",
                ),
                None => {
                    first_seen.insert(name, name_use);
                }
            }
        }
    }
}

/// R24: Railway's volume names are unique per project, while a manifest naturally gives a
/// service's volume one name in every environment. The first environment (manifest order) keeps
/// the name as written; later ones that would reuse a name get `<name>-<environment>` (cut to
/// Railway's 63 characters, then numbered if still taken).
pub fn make_volume_names_project_unique(environments: &[String], services: &mut [DesiredService]) {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for env in environments {
        for service in services.iter_mut() {
            let ServiceKind::Managed { environments } = &mut service.kind else {
                continue;
            };
            let Some(volume) = environments.get_mut(env).and_then(|s| s.volume.as_mut()) else {
                continue;
            };
            if taken.contains(&volume.name) {
                volume.name = unused_name(&volume.name, env, &taken);
            }
            taken.insert(volume.name.clone());
        }
    }
}

/// `<name>-<environment>` as a valid volume name that is not taken yet.
fn unused_name(name: &str, environment: &str, taken: &BTreeSet<String>) -> String {
    let suffix: String = environment
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .collect();
    let base: String = format!("{name}-{suffix}")
        .chars()
        .take(MAX_VOLUME_NAME)
        .collect();
    let mut candidate = base.clone();
    let mut number = 2;
    while taken.contains(&candidate) {
        let tail = format!("-{number}");
        let keep = MAX_VOLUME_NAME.saturating_sub(tail.len());
        candidate = format!("{}{tail}", base.chars().take(keep).collect::<String>());
        number += 1;
    }
    candidate
}

/// Railway's longest volume name (see `is_volume_name`).
const MAX_VOLUME_NAME: usize = 63;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::unused_name;

    #[test]
    fn r24_a_reused_name_takes_the_environment_as_suffix() {
        let taken: BTreeSet<String> = ["pg".to_string()].into();
        assert_eq!(unused_name("pg", "Staging EU", &taken), "pg-staging-eu");
    }

    #[test]
    fn r24_a_cut_suffixed_name_that_is_taken_too_is_numbered_within_63_characters() {
        let long = "a".repeat(60);
        let first = unused_name(&long, "staging", &BTreeSet::new());
        assert_eq!(first.len(), 63);
        let taken: BTreeSet<String> = [first.clone()].into();
        let second = unused_name(&long, "staging", &taken);
        assert!(second.ends_with("-2") && second.len() == 63, "{second}");
    }
}
