//! One service instance in one environment: its settings, variables, domains and TCP proxies,
//! its volume, and whether it deploys afterwards; what the inventory should record of it.

use std::collections::{BTreeMap, BTreeSet};

use super::Planning;
use crate::backup::limit;
use crate::inventory::Inventory;
use crate::manifest::desired::{DeployPolicy, InstanceSettings};
use crate::plan::action::Action;
use crate::plan::domains::{DomainDiff, DomainKind, diff_domains};
use crate::plan::settings::diff_settings;
use crate::plan::variables::{diff_variables, record_scope, shared_references};
use crate::plan::volumes::{VolumeDiff, diff_volume};
use crate::railway::live::{LiveEnvironment, LiveInstance, LiveVolumeInstance};

/// What the environment stage knows while it plans each instance.
pub(super) struct EnvironmentContext<'a> {
    pub env: &'a str,
    /// `None` for an environment this plan creates.
    pub live_env: Option<&'a LiveEnvironment>,
    pub owned: Option<&'a Inventory>,
    /// Shared variables this plan changes here.
    pub changed_shared: &'a BTreeSet<String>,
}

pub(super) struct PlannedInstance {
    pub records_created: bool,
    pub deploy: Option<Action>,
}

pub(super) fn plan_instance(
    planning: &mut Planning<'_>,
    context: &EnvironmentContext<'_>,
    service: &str,
    settings: &InstanceSettings,
    next: &mut Inventory,
) -> PlannedInstance {
    let env = context.env;
    let scope = format!("{service}[{env}]");
    let new_service = planning.new_services.contains(service);
    let live = match new_service {
        true => None,
        false => live_instance(planning, context.live_env, service),
    };
    let owned = context.owned;
    let prune = planning.desired.policy.prune;
    let changes = diff_settings(settings, live);
    let empty = BTreeMap::new();
    let variables = diff_variables(
        &settings.variables,
        live.map_or(&empty, |i| &i.variables),
        service,
        owned,
        prune,
    );
    planning.findings.record(&scope, &variables);
    planning
        .findings
        .record_config_file(&scope, live.and_then(|i| i.railway_config_file.as_deref()));
    record_scope(
        next,
        service,
        &settings.variables,
        &variables.pending_prune,
        owned,
    );
    let domains = diff_domains(
        &settings.domains,
        &settings.tcp_proxies,
        live,
        service,
        owned,
        prune,
    );
    planning.findings.record_domains(&scope, &domains);
    record_domains(next, service, &domains);
    let live_volume = live
        .zip(context.live_env)
        .and_then(|(instance, env)| env.volume_of(&instance.service_id));
    let volume = diff_volume(settings.volume.as_ref(), live_volume, service, owned, prune);
    planning.findings.record_volume(&scope, &volume);
    let backup_limit = backup_limit_warning(settings, live_volume, service, env);
    planning.findings.backup_limit.extend(backup_limit);
    if let Some(id) = &volume.owned {
        next.volumes.insert(service.to_string(), id.clone());
    }
    let records_created = volume.create
        || domains
            .changes
            .iter()
            .any(|c| c.kind == DomainKind::Railway && c.name.is_empty());

    // R9: an environment without an instance of the service gets one from its patch.
    let create_instance = live.is_none();
    // R16: a change of replicas alone only scales; domains alone need no redeploy, while a TCP
    // proxy is active only after one (R31).
    let redeploy = create_instance
        || changes.iter().any(|c| c.field != "deploy.replicas")
        || !variables.changes.is_empty()
        || domains
            .changes
            .iter()
            .any(|c| c.kind == DomainKind::TcpProxy)
        || volume.needs_deploy();
    let has_source = settings.source.is_some() || live.is_some_and(|i| i.source.is_some());
    if create_instance
        || !changes.is_empty()
        || !variables.changes.is_empty()
        || !domains.changes.is_empty()
    {
        planning.actions.push(Action::ConfigureInstance {
            service: service.to_string(),
            environment: env.to_string(),
            new_service,
            create_instance,
            changes,
            variables: variables.changes,
            domains: domains.changes,
            desired: Box::new(settings.clone()),
        });
    }
    volume_actions(planning, service, env, settings, &volume);
    // A source-less instance has nothing to deploy.
    let deploy = (planning.desired.policy.deploy == DeployPolicy::OnChange && has_source)
        .then(|| deploy_action(context, service, settings, redeploy))
        .flatten();
    PlannedInstance {
        records_created,
        deploy,
    }
}

fn live_instance<'a>(
    planning: &Planning<'a>,
    environment: Option<&'a LiveEnvironment>,
    service: &str,
) -> Option<&'a LiveInstance> {
    let service_id = &planning
        .project?
        .services
        .iter()
        .find(|s| s.name == service)?
        .id;
    environment?.instances.get(service_id)
}

/// What the inventory records of an instance's domains and TCP proxies.
fn record_domains(next: &mut Inventory, service: &str, domains: &DomainDiff) {
    if !domains.pins.is_empty() {
        next.pins
            .insert(service.to_string(), domains.pins.iter().cloned().collect());
    }
    if !domains.owned_names.is_empty() {
        next.domains.insert(
            service.to_string(),
            domains.owned_names.iter().cloned().collect(),
        );
    }
    if !domains.owned_ports.is_empty() {
        next.tcp_proxies.insert(
            service.to_string(),
            domains.owned_ports.iter().copied().collect(),
        );
    }
}

fn volume_actions(
    planning: &mut Planning<'_>,
    service: &str,
    env: &str,
    settings: &InstanceSettings,
    volume: &VolumeDiff,
) {
    if let Some(want) = settings
        .volume
        .as_ref()
        .filter(|_| volume.create || !volume.changes.is_empty())
    {
        planning.actions.push(Action::ConfigureVolume {
            service: service.to_string(),
            environment: env.to_string(),
            create: volume.create,
            changes: volume.changes.clone(),
            desired: Box::new(want.clone()),
        });
    }
    if let Some((id, name)) = &volume.delete {
        planning.actions.push(Action::DeleteVolume {
            service: service.to_string(),
            environment: env.to_string(),
            name: name.clone(),
            id: id.clone(),
        });
    }
}

/// The deploy that follows an instance's changes, or a change of shared variables it references.
fn deploy_action(
    context: &EnvironmentContext<'_>,
    service: &str,
    settings: &InstanceSettings,
    redeploy: bool,
) -> Option<Action> {
    let after_shared: Vec<String> = settings
        .variables
        .values()
        .flat_map(shared_references)
        .filter(|name| context.changed_shared.contains(name))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    (redeploy || !after_shared.is_empty()).then(|| Action::DeployInstance {
        service: service.to_string(),
        environment: context.env.to_string(),
        after_shared,
    })
}

/// R25: operator-run backups (`backups.cron`) are manual ones, which Railway refuses once the
/// volume is more than half full; the warning from 50 % usage.
fn backup_limit_warning(
    settings: &InstanceSettings,
    live_volume: Option<&LiveVolumeInstance>,
    service: &str,
    env: &str,
) -> Option<String> {
    let want = settings
        .volume
        .as_ref()
        .filter(|v| !v.cron_backups.is_empty())?;
    let used = live_volume?
        .usage_percent()
        .filter(|used| limit::at_risk(*used))?;
    Some(limit::warning(&want.name, service, env, used))
}
