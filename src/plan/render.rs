//! Shows a [`Plan`]: Terraform-style text for people, versioned JSON for machines.
//! Values are rendered from the plan only; nothing here reads live state or secrets.

use crate::railway::live::{HomeReason, ProjectHome};
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::action::{
    Action, ChangeKind, FieldChange, PLAN_FORMAT_VERSION, Plan, VariableChange, VariableOp,
};
use super::domains::{DomainChange, DomainKind, DomainOp, RAILWAY_SUFFIX};

pub const NO_CHANGES: &str = "No changes. Live state matches the manifest.";

/// The plan for a pull-request comment: a heading with the summary, the text plan in a `diff`
/// block (so additions and deletions are coloured), and the notes as a list.
pub fn render_markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let verdict = if plan.has_changes() {
        summary_line(plan)
    } else {
        NO_CHANGES.to_string()
    };
    let _ = writeln!(out, "### railway-operator plan: `{}`\n", plan.project);
    let _ = writeln!(out, "**{verdict}**\n");
    if plan.destructive_actions().next().is_some() {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> This plan deletes things; apply needs `--confirm-destructive`.\n"
        );
    }
    if plan.has_changes() {
        let text = render_text(plan);
        let _ = writeln!(out, "<details open><summary>Changes</summary>\n");
        let _ = writeln!(out, "```diff");
        for line in text.lines() {
            // diff colours only lines starting with + or -; `~` becomes `!` (shown as changed).
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let shown = match trimmed.chars().next() {
                Some('+') => format!("+{indent}{}", &trimmed[1..]),
                Some('-') => format!("-{indent}{}", &trimmed[1..]),
                Some('~') => format!("!{indent}{}", &trimmed[1..]),
                _ => format!(" {line}"),
            };
            let _ = writeln!(out, "{}", shown.replace("```", "'''"));
        }
        let _ = writeln!(out, "```\n\n</details>\n");
    }
    if let Some(line) = ignored_line(plan) {
        let _ = writeln!(out, "{line}\n");
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(out, "Notes:\n");
        for note in &plan.notes {
            let _ = writeln!(out, "- {}", note.replace('\n', "\n  "));
        }
        let _ = writeln!(out);
    }
    out
}

/// The plan as text, ending with the summary line.
pub fn render_text(plan: &Plan) -> String {
    let mut out = String::new();
    let header = match &plan.project_id {
        Some(id) => format!("Project {} ({id})", plan.project),
        None => format!("Project {} (does not exist yet)", plan.project),
    };
    let _ = writeln!(out, "{header}");
    if !plan.has_changes() {
        let _ = writeln!(out);
        notes(&mut out, plan);
        ignored(&mut out, plan);
        let _ = writeln!(out, "{NO_CHANGES}");
        return out;
    }

    let project_level: Vec<&Action> = plan
        .actions
        .iter()
        .filter(|a| a.environment().is_none())
        .collect();
    if !project_level.is_empty() {
        let _ = writeln!(out);
        for action in project_level {
            line(&mut out, action);
        }
    }
    let mut shown_environments = plan.environments.clone();
    for env in plan.actions.iter().filter_map(Action::environment) {
        if !shown_environments.iter().any(|e| e == env) {
            shown_environments.push(env.to_string());
        }
    }
    for env in &shown_environments {
        let in_env: Vec<&Action> = plan
            .actions
            .iter()
            .filter(|a| a.environment() == Some(env))
            .collect();
        if in_env.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n  # environment {env}");
        for action in in_env {
            line(&mut out, action);
        }
    }
    let _ = writeln!(out);
    notes(&mut out, plan);
    ignored(&mut out, plan);
    let _ = writeln!(out, "{}", summary_line(plan));
    out
}

/// `2 differences ignored by ignore rules: service.api[production] deploy.replicas,
/// variables.DEPLOYED_SHA`: what was left alone, by instance; never a value.
pub fn ignored_line(plan: &Plan) -> Option<String> {
    if plan.ignored.is_empty() {
        return None;
    }
    let mut by_address: Vec<(&str, Vec<&str>)> = Vec::new();
    for difference in &plan.ignored {
        match by_address
            .iter_mut()
            .find(|(a, _)| *a == difference.address)
        {
            Some((_, fields)) => fields.push(&difference.field),
            None => by_address.push((&difference.address, vec![&difference.field])),
        }
    }
    let listed: Vec<String> = by_address
        .iter()
        .map(|(address, fields)| format!("{address} {}", fields.join(", ")))
        .collect();
    let count = plan.ignored.len();
    let noun = if count == 1 {
        "difference"
    } else {
        "differences"
    };
    Some(format!(
        "{count} {noun} ignored by ignore rules: {}",
        listed.join("; ")
    ))
}

fn ignored(out: &mut String, plan: &Plan) {
    if let Some(line) = ignored_line(plan) {
        let _ = writeln!(out, "{line}\n");
    }
}

pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    let mut line = format!(
        "Plan: {} to add, {} to change, {} to destroy.",
        s.add, s.change, s.destroy
    );
    if s.deploy > 0 {
        let _ = write!(line, " {} deploy(s) to follow.", s.deploy);
    }
    line
}

fn notes(out: &mut String, plan: &Plan) {
    for note in &plan.notes {
        let _ = writeln!(out, "Note: {note}");
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(out);
    }
}

/// R33: which workspace a new project goes to, and why that one.
fn workspace_phrase(home: &ProjectHome) -> String {
    match (&home.workspace_name, home.reason) {
        (Some(name), HomeReason::OnlyWorkspace) => format!(
            ", in workspace {name} ({}): the token's only workspace",
            home.workspace_id
        ),
        (Some(name), HomeReason::Named) => format!(", in workspace {name} ({})", home.workspace_id),
        (None, _) => format!(", in workspace {}", home.workspace_id),
    }
}

fn line(out: &mut String, action: &Action) {
    match action {
        Action::ConfigureInstance {
            service,
            changes,
            variables,
            domains,
            new_service,
            template_variables,
            ..
        } => {
            let create = action.kind() == ChangeKind::Create;
            instance_field_lines(out, service, changes, create, *new_service);
            if let Some(engine) = template_variables {
                let _ = writeln!(
                    out,
                    "      + the {} template's variables ({} and the rest; credentials generated by Railway)",
                    engine.code(),
                    engine.row().url_variable
                );
            }
            variable_lines(out, variables);
            domain_lines(out, domains);
        }
        Action::ConfigureSharedVariables { variables, .. } => {
            let _ = writeln!(out, "  ~ shared variables");
            variable_lines(out, variables);
        }
        Action::ConfigurePreviews { changes, .. } => preview_lines(out, changes),
        Action::ConfigureVolume {
            service,
            create,
            changes,
            ..
        } => volume_lines(out, service, *create, changes),
        _ => {
            let text = structure_line(action)
                .or_else(|| storage_line(action))
                .unwrap_or_else(|| action.address());
            let _ = writeln!(out, "  {text}");
        }
    }
}

/// One line for an action on the project's structure: the project, environments, services and
/// previews.
fn structure_line(action: &Action) -> Option<String> {
    Some(match action {
        Action::CreateProject {
            name,
            home,
            default_environment,
        } => format!(
            "+ project {name} (with environment {default_environment}{})",
            home.as_ref().map(workspace_phrase).unwrap_or_default()
        ),
        Action::CreateEnvironment { name } => {
            format!("+ environment {name} (empty: nothing is copied from another environment)")
        }
        Action::CreateService {
            name,
            database: None,
        } => format!("+ service {name} (without a source until its patches)"),
        Action::CreateService {
            name,
            database: Some(database),
        } => format!(
            "+ create database {name} ({} {}, from Railway's template, in {}; the major is set before it first starts)",
            database.engine.code(),
            database.version,
            database.environment
        ),
        Action::RemoveInstance { service, .. } => format!(
            "- service {service} (an empty instance the service's creation put here; the manifest does not declare this environment)"
        ),
        Action::DeleteService { name, .. } => format!(
            "- service {name} (destroy: applied by railway-operator earlier, no longer in the manifest)"
        ),
        Action::DeployInstance { service, .. } => format!("↻ deploy {service}"),
        Action::CreateBranchPreview { name, branch, base } => format!(
            "+ preview environment {name} (ephemeral copy of {base}; services follow branch {branch})"
        ),
        Action::DeletePreview { name, detail, .. } => {
            format!("- preview environment {name} ({detail})")
        }
        _ => return None,
    })
}

/// One line for a volume or bucket action that destroys data or makes a bucket.
fn storage_line(action: &Action) -> Option<String> {
    Some(match action {
        Action::DeleteVolume { service, name, .. } => format!(
            "- volume {name} of {service} (destroy, DATA LOSS: the volume's data and its backups are deleted)"
        ),
        Action::CreateBucket { name } => {
            format!("+ bucket {name} (Storage Bucket; its instances follow in the environments)")
        }
        Action::CreateBucketInstance { bucket, region, .. } => match region {
            Some(region) => format!("+ bucket {bucket} (region {region})"),
            None => format!("+ bucket {bucket}"),
        },
        Action::RemoveBucketInstance { bucket, .. } => format!(
            "- bucket {bucket} (destroy, DATA LOSS: its environments no longer list this one; the objects stored here are deleted)"
        ),
        Action::DeleteBucket {
            name, environments, ..
        } => format!(
            "- bucket {name} (destroy, DATA LOSS: applied by railway-operator earlier, no longer in the manifest; its objects in {} are deleted)",
            environments.join(", ")
        ),
        _ => return None,
    })
}

/// The project's PR environment settings that differ, as `field: before -> after`.
fn preview_lines(out: &mut String, changes: &[FieldChange]) {
    let _ = writeln!(out, "  ~ PR environments (project settings)");
    for change in changes {
        let before = change.before.as_ref().map(show).unwrap_or_default();
        let after = show(&change.after);
        let _ = writeln!(out, "      ~ {}: {before} -> {after}", change.field);
    }
}

/// A service instance's settings: all of them as `field = value` when it is created, only the
/// changed ones as `field: before -> after` otherwise.
fn instance_field_lines(
    out: &mut String,
    service: &str,
    changes: &[FieldChange],
    create: bool,
    new_service: bool,
) {
    let width = changes.iter().map(|c| c.field.len()).max().unwrap_or(0);
    if create {
        let what = match new_service {
            true => "",
            false => " (new instance in this environment)",
        };
        let _ = writeln!(out, "  + service {service}{what}");
        for change in changes {
            let _ = writeln!(
                out,
                "      {:width$} = {}",
                change.field,
                show(&change.after)
            );
        }
    } else {
        let _ = writeln!(out, "  ~ service {service}");
        for change in changes {
            let before = change
                .before
                .as_ref()
                .map(show)
                .unwrap_or_else(|| "(unset)".into());
            let _ = writeln!(
                out,
                "      ~ {}: {before} -> {}",
                change.field,
                show(&change.after)
            );
        }
    }
}

/// A volume's header, then its fields: set on creation, `before -> after` when changed.
fn volume_lines(out: &mut String, service: &str, create: bool, changes: &[FieldChange]) {
    let sign = if create { '+' } else { '~' };
    let _ = writeln!(out, "  {sign} volume of {service}");
    for change in changes {
        let _ = match &change.before {
            Some(before) if !create => writeln!(
                out,
                "      ~ {}: {} -> {}",
                change.field,
                show(before),
                show(&change.after)
            ),
            _ => writeln!(out, "      {} = {}", change.field, show(&change.after)),
        };
    }
}

/// One action as the plan text shows it (header line, then detail lines), secrets masked.
pub fn action_text(action: &Action) -> String {
    let mut out = String::new();
    line(&mut out, action);
    out
}

/// `+ domain api.example.com -> :8000`, `~ domain x: port 8000 -> 8080`, `+ tcp proxy :5432`.
fn domain_lines(out: &mut String, domains: &[DomainChange]) {
    let port = |p: Option<i64>| p.map_or_else(|| "(service port)".to_string(), |p| format!(":{p}"));
    for change in domains {
        let name = match (change.kind, change.name.as_str()) {
            (DomainKind::Railway, "") => format!("(generated *.{RAILWAY_SUFFIX})"),
            (DomainKind::TcpProxy, _) => String::new(),
            (_, name) => name.to_string(),
        };
        let _ = match (change.kind, change.op) {
            (DomainKind::TcpProxy, DomainOp::Add) => {
                writeln!(out, "      + tcp proxy {} (redeploys)", port(change.port))
            }
            (DomainKind::TcpProxy, _) => writeln!(out, "      - tcp proxy {}", port(change.port)),
            (_, DomainOp::Add) => writeln!(out, "      + domain {name} -> {}", port(change.port)),
            (_, DomainOp::Update) => writeln!(
                out,
                "      ~ domain {name}: port {} -> {}",
                port(change.before_port),
                port(change.port)
            ),
            (_, DomainOp::Delete) => writeln!(out, "      - domain {name}"),
        };
    }
}

/// `+ NAME = "value"`, `~ NAME: "old" -> "new"`, `- NAME`; sensitive values never appear.
fn variable_lines(out: &mut String, variables: &[VariableChange]) {
    for change in variables {
        let shown = |value: &Option<String>| match value {
            Some(value) if !change.sensitive => format!("{value:?}"),
            _ => "(sensitive)".to_string(),
        };
        let _ = match change.op {
            VariableOp::Add => match change.generate {
                Some(length) => writeln!(
                    out,
                    "      + {} = (generated, {length} characters)",
                    change.name
                ),
                None => writeln!(out, "      + {} = {}", change.name, shown(&change.after)),
            },
            VariableOp::Update if change.sensitive => {
                writeln!(out, "      ~ {} = (sensitive, value changes)", change.name)
            }
            VariableOp::Update => {
                let before = change.before.as_ref().map_or_else(
                    || "(value set outside the manifest, hidden)".to_string(),
                    |b| format!("{b:?}"),
                );
                writeln!(
                    out,
                    "      ~ {}: {before} -> {}",
                    change.name,
                    shown(&change.after)
                )
            }
            VariableOp::Delete => writeln!(out, "      - {}", change.name),
        };
    }
}

/// Compact, unambiguous rendering of a setting value.
fn show(value: &Value) -> String {
    match value {
        Value::Object(map) if map.contains_key("image") => {
            format!("image {}", map.get("image").map(show).unwrap_or_default())
        }
        Value::Object(map) if map.contains_key("repo") => {
            let repo = map.get("repo").and_then(Value::as_str).unwrap_or("?");
            match map.get("branch").and_then(Value::as_str) {
                Some(branch) => format!("repo {repo}@{branch}"),
                None => format!("repo {repo} (no branch trigger)"),
            }
        }
        other => other.to_string(),
    }
}

/// The plan as JSON (format version [`PLAN_FORMAT_VERSION`], documented in docs/plans.md).
pub fn render_json(plan: &Plan) -> Value {
    let actions: Vec<Value> = plan
        .actions
        .iter()
        .map(|action| {
            let mut value = serde_json::to_value(action).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut value {
                map.insert("address".into(), json!(action.address()));
                map.insert("change".into(), json!(action.kind()));
                map.insert("risk".into(), json!(action.risk()));
                // The full desired settings are an executor input, not part of the documented output.
                map.remove("desired");
            }
            value
        })
        .collect();
    json!({
        "formatVersion": PLAN_FORMAT_VERSION,
        "project": plan.project,
        "projectId": plan.project_id,
        "environments": plan.environments,
        "changesPending": plan.has_changes(),
        "summary": plan.summary(),
        "actions": actions,
        "notes": plan.notes,
        "held": plan.held,
        "ignored": plan.ignored,
    })
}
