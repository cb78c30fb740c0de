//! The project's PR environment settings (R50): `spec.previews` against what the project has.
//! Only the settings the manifest names are compared; without `previews:` nothing is planned.

use serde_json::{Value, json};

use super::Planning;
use crate::manifest::desired::PreviewPolicy;
use crate::plan::action::{Action, FieldChange};
use crate::railway::live::PrSettings;

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
            .and_then(|p| p.environments.iter().find(|e| &e.id == id))
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
