//! Resolution of a decoded manifest into `Desired`: checks override environments, merges each
//! environment's override over the base, and applies the cross-field rules to the effective
//! per-environment settings (source shape, cron with replicas, retries without ON_FAILURE).
//! Manifest-wide domain uniqueness is checked in `domains`, volumes in `volumes`.
//! Variables and their references are resolved in `variables`.

mod buckets;
mod database;
mod domains;
mod variables;
mod volumes;

use std::collections::BTreeMap;
use std::path::Path;

use super::decode::environment_hint;
use super::desired::{
    Desired, DesiredService, InstanceSettings, Policy, PreviewPolicy, ProjectRef,
    RestartPolicyType, ServiceKind, Source,
};
use super::diagnostics::Sink;
use super::setting;
use super::spec::{ManifestSpec, ServiceSpec, Settings, merged_variables};
use domains::check_domains;
use variables::{ReferenceCheck, shared_per_environment, values};
use volumes::{check_volume, check_volume_names, desired_volume, make_volume_names_project_unique};

/// Checks `spec` and builds the desired state; `None` when anything was reported into `sink`
/// (here or earlier).
pub fn resolve(spec: ManifestSpec, path: &Path, sink: &mut Sink) -> Option<Desired> {
    let mut services = Vec::new();
    for service in &spec.services {
        services.push(resolve_service(service, &spec, sink));
    }
    check_domains(&spec, sink);
    check_volume_names(&spec, sink);
    let shared = shared_per_environment(&spec);
    let mut references = ReferenceCheck::new(&spec, &shared, path);
    for env in &spec.environments {
        if let Some(variables) = shared.get(&env.value) {
            references.check(variables, &env.value, sink);
        }
        for service in spec.services.iter().filter(|s| !s.external_declared) {
            let variables = match service
                .overrides
                .iter()
                .find(|(name, _)| name.value == env.value)
            {
                Some((_, overlay)) => merged_variables(&service.base.variables, &overlay.variables),
                None => service.base.variables.clone(),
            };
            references.check(&variables, &env.value, sink);
        }
    }
    let pending_references = references.finish(sink);
    let previews = resolve_previews(&spec, sink);
    let buckets = buckets::resolve_buckets(&spec, sink);
    if !sink.is_empty() {
        return None;
    }
    let mut services = services.into_iter().collect::<Option<Vec<_>>>()?;
    let warnings = super::limits::custom_domain_warnings(&spec, path);
    let environments: Vec<String> = spec.environments.into_iter().map(|e| e.value).collect();
    make_volume_names_project_unique(&environments, &mut services);
    Some(Desired {
        source_path: path.to_path_buf(),
        project: ProjectRef {
            name: spec.name?,
            id: spec.id,
            workspace_id: spec.workspace,
        },
        policy: Policy {
            prune: spec.prune,
            suspend: spec.suspend,
            drift: spec.drift,
            deploy: spec.deploy,
            staged_changes: spec.staged_changes,
            windows: spec.windows,
        },
        environments,
        services,
        shared_variables: shared
            .iter()
            .map(|(env, variables)| (env.clone(), values(variables)))
            .collect(),
        pending_references,
        warnings,
        notifications: spec.notifications,
        previews,
        buckets,
    })
}

/// `spec.previews`, its base checked to be a manifest environment (R50).
fn resolve_previews(spec: &ManifestSpec, sink: &mut Sink) -> Option<PreviewPolicy> {
    let previews = spec.previews.as_ref()?;
    if let Some(base) = &previews.base
        && !spec.environments.iter().any(|e| e.value == base.value)
    {
        sink.error_with_hint(
            base.at,
            format!(
                "spec.previews.base names environment `{}`, which spec.environments does not declare",
                base.value
            ),
            environment_hint(&base.value, &spec.environments),
        );
    }
    Some(PreviewPolicy {
        enabled: previews.enabled,
        bots: previews.bots,
        focused: previews.focused,
        base: previews.base.as_ref().map(|b| b.value.clone()),
        overrides: preview_overrides(spec, sink),
        expire_after: previews.expire_after,
        from_branches: previews.from_branches.clone(),
    })
}

/// `spec.previews.overrides.services`, each naming a managed service of the manifest.
fn preview_overrides(spec: &ManifestSpec, sink: &mut Sink) -> BTreeMap<String, InstanceSettings> {
    let Some(previews) = &spec.previews else {
        return BTreeMap::new();
    };
    let managed: Vec<&str> = spec
        .services
        .iter()
        .filter(|s| s.enabled && !s.external_declared)
        .map(|s| s.name.value.as_str())
        .collect();
    let mut overrides = BTreeMap::new();
    for (name, settings) in &previews.overrides {
        if !managed.contains(&name.value.as_str()) {
            let hint = match super::suggest::suggest(&name.value, &managed) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("services the manifest manages: {}", managed.join(", ")),
            };
            sink.error_with_hint(
                name.at,
                format!(
                    "spec.previews.overrides names service `{}`, which spec.services does not declare (or does not manage)",
                    name.value
                ),
                hint,
            );
            continue;
        }
        let settings = InstanceSettings {
            values: settings.values.clone(),
            variables: values(&settings.variables),
            ..InstanceSettings::default()
        };
        overrides.insert(name.value.clone(), settings);
    }
    overrides
}

fn resolve_service(
    service: &ServiceSpec,
    spec: &ManifestSpec,
    sink: &mut Sink,
) -> Option<DesiredService> {
    for (env, _) in &service.overrides {
        if !spec.environments.iter().any(|e| e.value == env.value) {
            sink.error_with_hint(
                env.at,
                format!(
                    "override for environment `{}` in services.{}, which spec.environments does not declare",
                    env.value, service.name.value
                ),
                environment_hint(&env.value, &spec.environments),
            );
        }
    }
    let managed = service.enabled && !service.external_declared;
    let base = database::template_base(service, sink);
    let desired_database = database::desired_database(service);
    // Every combination is checked, planned services and undeclared environments included, so a
    // problem surfaces before the service is switched on.
    check_settings(&base, service, managed, sink);
    for (_, overlay) in &service.overrides {
        check_settings(&base.merged_with(overlay), service, managed, sink);
    }
    let kind = if !service.enabled {
        ServiceKind::Planned {
            source: instance_settings(&base, &service.name.value).and_then(|s| s.source),
        }
    } else if service.external_declared {
        let external = service.external.as_ref()?;
        ServiceKind::External {
            url: external.url.clone(),
            health_path: external.health_path.clone(),
        }
    } else {
        let mut environments = BTreeMap::new();
        for env in &spec.environments {
            let effective = match service
                .overrides
                .iter()
                .find(|(name, _)| name.value == env.value)
            {
                Some((_, overlay)) => base.merged_with(overlay),
                None => base.clone(),
            };
            let mut instance = instance_settings(&effective, &service.name.value)?;
            if let Some(db) = &desired_database {
                database::apply_public(db, &mut instance);
            }
            environments.insert(env.value.clone(), instance);
        }
        ServiceKind::Managed { environments }
    };
    Some(DesiredService {
        name: service.name.value.clone(),
        phase: service.phase,
        kind,
        database: desired_database,
    })
}

fn check_settings(settings: &Settings, service: &ServiceSpec, managed: bool, sink: &mut Sink) {
    let name = &service.name.value;
    match (&settings.image, &settings.repo) {
        (Some(image), Some(_)) => sink.error_with_hint(
            image.at,
            format!("services.{name}.source sets both `image` and `repo`"),
            "a service is deployed from either an image or a repository: keep one",
        ),
        (None, Some(repo)) if settings.branch.is_none() => sink.error_with_hint(
            repo.at,
            format!("services.{name}.source has `repo` but no `branch`"),
            "add `branch: main` (or the branch to deploy)",
        ),
        (None, None) if managed && !settings.source_unreadable => sink.error_with_hint(
            service.name.at,
            format!("service `{name}` has no source"),
            "add `source: { image: ... }` or `source: { repo: owner/name, branch: main }`, or `enabled: false` while it is planned",
        ),
        _ => {}
    }
    if settings.image.is_some() && settings.repo.is_none() {
        for extra in [&settings.branch, &settings.root_directory]
            .into_iter()
            .flatten()
        {
            sink.error_with_hint(
                extra.at,
                format!("services.{name}.source: `branch` and `rootDirectory` apply to `repo`, not `image`"),
                "remove it, or deploy from `repo` instead",
            );
        }
    }
    let values = &settings.values;
    if values.cron_schedule.is_some()
        && values.num_replicas.is_some_and(|n| n > 1)
        && let Some(at) = settings.at.get(setting::table::REPLICAS)
    {
        sink.error_with_hint(
            *at,
            format!("services.{name}: `cronSchedule` cannot be combined with `replicas` > 1"),
            "a cron service runs one instance per schedule: set `replicas: 1` or remove `cronSchedule`",
        );
    }
    // R20: one placement: replicas per region, or one region and a replica count.
    if values.regions.is_some()
        && let Some(at) = settings.at.get(setting::table::REGIONS)
    {
        for (path, set) in [
            (setting::table::REGION, values.region.is_some()),
            (setting::table::REPLICAS, values.num_replicas.is_some()),
        ] {
            if set {
                sink.error_with_hint(
                    *at,
                    format!(
                        "services.{name}: `{}` cannot be combined with `{path}`",
                        setting::table::REGIONS
                    ),
                    "`regions` sets the replicas of every region: remove `region` and `replicas`",
                );
            }
        }
    }
    if values.restart_policy_max_retries.is_some()
        && values.restart_policy_type != Some(RestartPolicyType::OnFailure)
        && let Some(at) = settings.at.get(setting::table::MAX_RETRIES)
    {
        sink.error_with_hint(
            *at,
            format!("services.{name}: `maxRetries` requires restartPolicy `type: ON_FAILURE`"),
            "set `type: ON_FAILURE` or remove `maxRetries`",
        );
    }
    if !service.external_declared {
        check_volume(&settings.volume, service, sink);
    }
}

fn instance_settings(settings: &Settings, service: &str) -> Option<InstanceSettings> {
    let source = match (&settings.image, &settings.repo) {
        (Some(image), None) => Some(Source::Image(image.value.clone())),
        (None, Some(repo)) => Some(Source::Repo {
            repo: repo.value.clone(),
            branch: settings.branch.as_ref()?.value.clone(),
            root_directory: settings.root_directory.as_ref().map(|r| r.value.clone()),
        }),
        _ => None,
    };
    Some(InstanceSettings {
        domains: settings.domains.as_ref().map_or_else(Vec::new, |list| {
            list.value.iter().map(|d| d.value.clone()).collect()
        }),
        tcp_proxies: settings.tcp_proxies.as_ref().map_or_else(Vec::new, |list| {
            list.value.iter().map(|p| p.value).collect()
        }),
        closed_tcp_proxies: Vec::new(),
        variables: values(&settings.variables),
        source,
        values: settings.values.clone(),
        on_failure: settings
            .on_failure
            .as_ref()
            .map_or_else(Default::default, |o| o.value),
        volume: match &settings.volume {
            Some(volume) => Some(desired_volume(&volume.value, service)?),
            None => None,
        },
        ignore: settings.ignore.iter().map(|p| p.value.clone()).collect(),
    })
}
