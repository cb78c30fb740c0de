//! One service instance in one environment: its settings, variables, domains and TCP proxies,
//! its volume, and whether it deploys afterwards; what the inventory should record of it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::Planning;
use crate::backup::limit;
use crate::inventory::Inventory;
use crate::manifest::desired::{DeployPolicy, DesiredDatabase, DesiredVolume, InstanceSettings};
use crate::plan::action::{Action, FieldChange, IgnoredDifference};
use crate::plan::databases;
use crate::plan::domains::{DomainDiff, DomainKind, diff_domains};
use crate::plan::ignore::{Ignoring, domain_label, left_alone};
use crate::plan::settings::diff_settings;
use crate::plan::variables::{VariableDiff, diff_variables, record_scope, shared_references};
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

/// One instance as every stage of its planning sees it.
struct Instance<'a> {
    service: &'a str,
    /// `service.api[production]`, for ignored differences.
    address: String,
    /// The manifest's settings, whole.
    settings: &'a InstanceSettings,
    /// What the plan compares and sends: `settings` less what `ignore:` leaves alone.
    compared: Cow<'a, InstanceSettings>,
    ignoring: Ignoring<'a>,
    live: Option<&'a LiveInstance>,
    owned: Option<&'a Inventory>,
    prune: bool,
    /// The service's `database:`: its template's variables are Railway's, never noted.
    database: Option<&'a DesiredDatabase>,
}

impl Instance<'_> {
    fn left_alone(&self, planning: &mut Planning<'_>, fields: impl IntoIterator<Item = String>) {
        planning
            .ignored
            .extend(fields.into_iter().map(|field| IgnoredDifference {
                address: self.address.clone(),
                field,
            }));
    }
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
    let live = (!new_service)
        .then(|| live_instance(planning, context.live_env, service))
        .flatten();
    let ignoring = Ignoring::for_instance(settings, live.is_some());
    let (compared, database) =
        compared_settings(planning, service, settings, &ignoring, live, context);
    let instance = Instance {
        service,
        address: format!("service.{scope}"),
        settings,
        compared,
        ignoring,
        live,
        owned: context.owned,
        prune: planning.desired.policy.prune,
        database,
    };
    let changes = diff_settings(&instance.compared, live);
    if !settings.ignore.is_empty() {
        let full = diff_settings(settings, live);
        instance.left_alone(planning, left_alone(&full, &changes));
    }
    let variables = plan_variables(planning, &instance, &scope, next);
    planning
        .findings
        .record_config_file(&scope, live.and_then(|i| i.railway_config_file.as_deref()));
    let domains = plan_domains(planning, &instance, &scope, next);
    let (volume, want_volume) = plan_volume(planning, &instance, context, &scope, next);
    let records_created = volume.create
        || domains
            .changes
            .iter()
            .any(|c| c.kind == DomainKind::Railway && c.name.is_empty());

    // R9: an environment without an instance of the service gets one from its patch.
    let create_instance = live.is_none();
    let template_variables = template_variables(planning, &instance, env);
    let fills = create_instance || template_variables.is_some();
    let redeploy = fills || needs_redeploy(&changes, &variables, &domains, &volume);
    let has_source = settings.source.is_some() || live.is_some_and(|i| i.source.is_some());
    if fills || !changes.is_empty() || !variables.changes.is_empty() || !domains.changes.is_empty()
    {
        planning.actions.push(Action::ConfigureInstance {
            service: service.to_string(),
            environment: env.to_string(),
            new_service,
            create_instance,
            changes,
            variables: variables.changes,
            domains: domains.changes,
            template_variables,
            // Apply compares and sends these, so ignored fields stay out of its writes too.
            desired: Box::new(instance.compared.clone().into_owned()),
        });
    }
    volume_actions(planning, service, env, want_volume.as_ref(), &volume);
    // A source-less instance has nothing to deploy.
    let deploy = (planning.desired.policy.deploy == DeployPolicy::OnChange && has_source)
        .then(|| deploy_action(context, service, settings, redeploy))
        .flatten();
    PlannedInstance {
        records_created,
        deploy,
    }
}

/// R45, R46: the engine whose template variables this database instance lacks: an instance
/// of a template service (or of one this plan deploys elsewhere) without the template's
/// connection variable. Never for the environment the template is deployed into (it sets them
/// there), nor for an adopted plain service (R48: its data has credentials of its own).
fn template_variables(
    planning: &Planning<'_>,
    instance: &Instance<'_>,
    env: &str,
) -> Option<crate::manifest::database::Engine> {
    let engine = instance.database?.engine;
    let deployed_into = planning.actions.iter().find_map(|action| match action {
        Action::CreateService {
            name,
            database: Some(database),
        } if name == instance.service => Some(database.environment.as_str()),
        _ => None,
    });
    let from_template = match deployed_into {
        Some(deployed) => deployed != env,
        None => planning
            .live_service(instance.service)
            .is_some_and(|s| s.template_service_id.is_some()),
    };
    let lacking = instance
        .live
        .is_none_or(|i| !i.variables.contains_key(engine.row().url_variable));
    (from_template && lacking).then_some(engine)
}

/// What the plan compares and sends: the manifest's settings less what `ignore:` leaves alone;
/// a database's image compares as engine and major and never moves off the major it has run
/// on (R47, R48). With the service's `database:`.
fn compared_settings<'a>(
    planning: &Planning<'a>,
    service: &str,
    settings: &'a InstanceSettings,
    ignoring: &Ignoring<'a>,
    live: Option<&'a LiveInstance>,
    context: &EnvironmentContext<'a>,
) -> (Cow<'a, InstanceSettings>, Option<&'a DesiredDatabase>) {
    let compared = ignoring.compared(settings);
    let database = planning
        .desired
        .services
        .iter()
        .find(|s| s.name == service)
        .and_then(|s| s.database.as_ref());
    match databases::compared_settings(database, &compared, live.zip(context.live_env)) {
        Some(kept) => (Cow::Owned(kept), database),
        None => (compared, database),
    }
}

/// Whether the instance's changes take effect only after a redeploy. R16: a setting the table
/// marks as not redeploying (replicas) only scales; domains alone need no redeploy, while a TCP
/// proxy is active only after one (R31).
fn needs_redeploy(
    changes: &[FieldChange],
    variables: &VariableDiff,
    domains: &DomainDiff,
    volume: &VolumeDiff,
) -> bool {
    changes
        .iter()
        .any(|c| crate::manifest::setting::row(c.field).is_none_or(|row| row.redeploys))
        || !variables.changes.is_empty()
        || domains
            .changes
            .iter()
            .any(|c| c.kind == DomainKind::TcpProxy)
        || volume.needs_deploy()
}

/// The instance's variables; ignored ones are neither set nor deleted, and stay owned.
fn plan_variables(
    planning: &mut Planning<'_>,
    instance: &Instance<'_>,
    scope: &str,
    next: &mut Inventory,
) -> VariableDiff {
    let empty = BTreeMap::new();
    let live = instance.live.map_or(&empty, |i| &i.variables);
    let (service, owned, prune) = (instance.service, instance.owned, instance.prune);
    let visible = instance.ignoring.live_variables(live);
    let mut variables = diff_variables(
        &instance.compared.variables,
        &visible,
        service,
        owned,
        prune,
    );
    // R46: the template owns its variables (credentials among them): not "set outside".
    if let Some(database) = instance.database {
        variables
            .unmanaged
            .retain(|name| !database.engine.exposes(name));
    }
    planning.findings.record(scope, &variables);
    let (ignored_desired, ignored_live) = instance
        .ignoring
        .ignored_variables(&instance.settings.variables, live);
    let left = diff_variables(&ignored_desired, &ignored_live, service, owned, prune);
    instance.left_alone(
        planning,
        left.changes.iter().map(|c| format!("variables.{}", c.name)),
    );
    let mut kept_owned = variables.pending_prune.clone();
    kept_owned.extend(
        ignored_live
            .keys()
            .filter(|name| owned.is_some_and(|inv| inv.owns_variable(service, name)))
            .cloned(),
    );
    record_scope(
        next,
        service,
        &instance.settings.variables,
        &kept_owned,
        owned,
    );
    variables
}

/// The instance's domains and TCP proxies; ignored ones are left as they are, and what the
/// inventory owned of them stays owned.
fn plan_domains(
    planning: &mut Planning<'_>,
    instance: &Instance<'_>,
    scope: &str,
    next: &mut Inventory,
) -> DomainDiff {
    let (settings, service) = (instance.settings, instance.service);
    let diff = |tcp: &[i64], live: Option<&LiveInstance>| {
        diff_domains(
            &settings.domains,
            (tcp, &settings.closed_tcp_proxies),
            live,
            service,
            instance.owned,
            instance.prune,
        )
    };
    let full = diff(&settings.tcp_proxies, instance.live);
    let ignoring = instance.ignoring;
    let domains = if !ignoring.tcp_proxies() {
        full
    } else {
        let kept = if ignoring.domains() {
            DomainDiff::default()
        } else {
            let without_proxies = instance.live.map(|l| LiveInstance {
                tcp_proxies: Vec::new(),
                ..l.clone()
            });
            diff(&[], without_proxies.as_ref())
        };
        let left = full.changes.iter().filter(|c| !kept.changes.contains(c));
        instance.left_alone(planning, left.map(domain_label).collect::<Vec<_>>());
        keep_owned_domains(next, instance.owned, service, ignoring.domains());
        kept
    };
    planning.findings.record_domains(scope, &domains);
    record_domains(next, service, &domains);
    domains
}

/// What the previous inventory owned of an instance's ignored domains (`whole`) or TCP proxies.
fn keep_owned_domains(next: &mut Inventory, owned: Option<&Inventory>, service: &str, whole: bool) {
    let Some(owned) = owned else { return };
    if let Some(ports) = owned.tcp_proxies.get(service) {
        next.tcp_proxies.insert(service.to_string(), ports.clone());
    }
    if !whole {
        return;
    }
    if let Some(names) = owned.domains.get(service) {
        next.domains.insert(service.to_string(), names.clone());
    }
    if let Some(pins) = owned.pins.get(service) {
        next.pins.insert(service.to_string(), pins.clone());
    }
}

/// The instance's volume, and the one to configure; with `volume` ignored it is neither created,
/// changed nor deleted, and an owned one stays owned.
fn plan_volume(
    planning: &mut Planning<'_>,
    instance: &Instance<'_>,
    context: &EnvironmentContext<'_>,
    scope: &str,
    next: &mut Inventory,
) -> (VolumeDiff, Option<DesiredVolume>) {
    let (service, settings) = (instance.service, instance.settings);
    let live_volume = instance
        .live
        .zip(context.live_env)
        .and_then(|(live, env)| env.volume_of(&live.service_id));
    let diff = |want: Option<&DesiredVolume>| {
        diff_volume(want, live_volume, service, instance.owned, instance.prune)
    };
    let full = diff(settings.volume.as_ref());
    let mut want = settings.volume.clone();
    let volume = if instance.ignoring.volume() {
        let whole = full.create || full.delete.is_some();
        let left: Vec<String> = match whole {
            true => vec!["volume".to_string()],
            false => full.changes.iter().map(|c| c.field.to_string()).collect(),
        };
        instance.left_alone(planning, left);
        let kept = instance.owned.and_then(|inv| inv.volumes.get(service));
        VolumeDiff {
            owned: kept.cloned(),
            ..VolumeDiff::default()
        }
    } else {
        // A volume created here gets the manifest's schedules: ignore is about existing ones.
        if live_volume.is_some() {
            want.clone_from(&instance.compared.volume);
        }
        let compared = diff(want.as_ref());
        instance.left_alone(planning, left_alone(&full.changes, &compared.changes));
        compared
    };
    let volume = held_by_previews(planning, service, context.env, volume);
    planning.findings.record_volume(scope, &volume);
    let env = context.env;
    let backup_limit = backup_limit_warning(settings, live_volume, service, env);
    planning.findings.backup_limit.extend(backup_limit);
    if let Some(id) = &volume.owned {
        next.volumes.insert(service.to_string(), id.clone());
    }
    (volume, want)
}

fn live_instance<'a>(
    planning: &Planning<'a>,
    environment: Option<&'a LiveEnvironment>,
    service: &str,
) -> Option<&'a LiveInstance> {
    let service_id = &planning.live_service(service)?.id;
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

/// R50: a volume a PR environment still mounts is not deleted (its data would go too); it stays
/// owned, so a later plan deletes it once the PR environments are gone.
fn held_by_previews(
    planning: &mut Planning<'_>,
    service: &str,
    env: &str,
    mut volume: VolumeDiff,
) -> VolumeDiff {
    let Some((id, name)) = volume.delete.clone() else {
        return volume;
    };
    let previews: Vec<&str> = planning
        .project
        .into_iter()
        .flat_map(|p| &p.previews)
        .filter(|p| p.environment.volumes.iter().any(|v| v.volume_id == id))
        .map(|p| p.environment.name.as_str())
        .collect();
    if !previews.is_empty() {
        planning.notes.push(format!(
            "volume {name} of service {service} in {env} left the manifest but is not deleted: PR environment(s) {} still mount it (R50); a plan after they are gone deletes it",
            previews.join(", ")
        ));
        volume.delete = None;
        volume.owned = Some(id);
    }
    volume
}

fn volume_actions(
    planning: &mut Planning<'_>,
    service: &str,
    env: &str,
    want: Option<&DesiredVolume>,
    volume: &VolumeDiff,
) {
    if let Some(want) = want.filter(|_| volume.create || !volume.changes.is_empty()) {
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
