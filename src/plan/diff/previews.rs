//! The project's PR environment settings (R50): `spec.previews` against what the project has.
//! Only the settings the manifest names are compared; without `previews:` nothing is planned.
//! Then `spec.previews.overrides` against each ephemeral environment's instances: only the
//! settings and variables the overrides name; the environments themselves are never created,
//! deleted or given an inventory (R50: observed, not desired).

use serde_json::{Value, json};

use super::Planning;
use crate::manifest::desired::PreviewPolicy;
use crate::plan::action::{Action, FieldChange};
use crate::plan::settings::diff_settings;
use crate::plan::variables::diff_variables;
use crate::railway::live::{LivePreview, PrSettings};

pub(super) fn previews(planning: &mut Planning<'_>) {
    let Some(policy) = &planning.desired.previews else {
        return;
    };
    // R34: a project token reaches one environment, not the project's settings.
    if planning
        .project
        .is_some_and(|p| p.token_environment.is_some())
    {
        planning.notes.push(
            "spec.previews is left alone: a project token cannot change project settings".into(),
        );
        return;
    }
    let default = PrSettings::default();
    let live = planning.project.map_or(&default, |p| &p.pr_settings);
    let live_base = live.base_environment_id.as_ref().map(|id| {
        planning
            .project
            .and_then(|p| p.environment_with_id(id))
            .map_or_else(|| json!(id), |e| json!(e.name))
    });
    let changes = changes(policy, live, live_base);
    if !changes.is_empty() {
        planning.actions.push(Action::ConfigurePreviews {
            changes,
            desired: policy.clone(),
        });
    }
}

fn changes(
    policy: &PreviewPolicy,
    live: &PrSettings,
    live_base: Option<Value>,
) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let flags = [
        ("previews.enabled", policy.enabled, live.pr_deploys),
        ("previews.bots", policy.bots, live.bot_pr_environments),
        (
            "previews.focused",
            policy.focused,
            live.focused_pr_environments,
        ),
    ];
    for (field, wanted, now) in flags {
        if let Some(wanted) = wanted.filter(|w| *w != now) {
            changes.push(FieldChange {
                field,
                before: Some(json!(now)),
                after: json!(wanted),
            });
        }
    }
    if let Some(base) = &policy.base
        && live_base.as_ref() != Some(&json!(base))
    {
        changes.push(FieldChange {
            field: "previews.base",
            // Railway's default base is production.
            before: Some(live_base.unwrap_or(Value::Null)),
            after: json!(base),
        });
    }
    changes
}

/// R50: each ephemeral environment's instances of the overridden services, brought to the
/// overrides: one `ConfigureInstance` per instance that differs, carrying only what the overrides
/// name. An instance the environment does not have (focused mode skipped it) is not created.
pub(super) fn overrides(planning: &mut Planning<'_>, whole_project: bool) {
    let Some(policy) = &planning.desired.previews else {
        return;
    };
    let Some(project) = planning.project else {
        return;
    };
    // R34: a project token reaches one environment; `--env` narrows the plan to one.
    if policy.overrides.is_empty() || !whole_project || project.token_environment.is_some() {
        return;
    }
    for preview in &project.previews {
        let deleted = planning.actions.iter().any(
            |a| matches!(a, Action::DeletePreview { id, .. } if *id == preview.environment.id),
        );
        if deleted {
            continue;
        }
        for (service, wanted) in &policy.overrides {
            if let Some(action) = override_action(planning, preview, service, wanted) {
                planning.actions.push(action);
            }
        }
    }
}

fn override_action(
    planning: &Planning<'_>,
    preview: &LivePreview,
    service: &str,
    wanted: &crate::manifest::desired::InstanceSettings,
) -> Option<Action> {
    let live_service = planning.live_service(service)?;
    let live = preview.environment.instances.get(&live_service.id)?;
    let changes = diff_settings(wanted, Some(live));
    // Not owned: nothing is deleted, and values Railway holds are not shown.
    let variables = diff_variables(&wanted.variables, &live.variables, service, None, false);
    if changes.is_empty() && variables.changes.is_empty() {
        return None;
    }
    Some(Action::ConfigureInstance {
        service: service.to_string(),
        environment: preview.environment.name.clone(),
        new_service: false,
        create_instance: false,
        changes,
        variables: variables.changes,
        domains: Vec::new(),
        template_variables: None,
        desired: Box::new(wanted.clone()),
    })
}
