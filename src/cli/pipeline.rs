//! `validate` and `plan`: load the manifest (before any request), snapshot, plan, print. Never
//! constructs the executor (dry-run is structural); `apply_cmd` executes.

use anyhow::{Context, bail};

use super::connect::connect;
use super::planned::{gated_plan, plan_json};
use super::{
    EXIT_CHANGES, EXIT_ERROR, EXIT_OK, GlobalOptions, ManifestArgs, OutputFormat, PlanArgs,
    ValidateArgs,
};
use crate::manifest::{self, Desired, LoadError, Secrets};
use crate::plan::{self, Plan, PlanOptions};
use crate::railway::{Live, snapshot};

/// Loads and validates the manifest; prints every diagnostic. `None` means invalid.
pub(super) fn load(args: &ManifestArgs) -> anyhow::Result<Option<Desired>> {
    load_with(args, Secrets::Required)
}

/// [`load`], with missing secrets errors or (`validate`) warnings.
fn load_with(args: &ManifestArgs, secrets: Secrets) -> anyhow::Result<Option<Desired>> {
    let process_env = |name: &str| std::env::var(name).ok();
    let env = manifest::sops::with_age_key_file(&process_env, args.age_key_file.as_deref());
    match manifest::load_file_with(&args.file, &env, secrets) {
        Ok(mut desired) => {
            if desired.project.workspace_id.is_none() {
                desired.project.workspace_id = std::env::var("RAILWAY_WORKSPACE_ID")
                    .ok()
                    .filter(|v| !v.is_empty());
            }
            Ok(Some(desired))
        }
        Err(LoadError::Invalid(diagnostics)) => {
            eprintln!("{diagnostics}");
            Ok(None)
        }
        Err(LoadError::Io { path, source }) => {
            Err(source).with_context(|| format!("cannot read {}", path.display()))
        }
    }
}

/// Prints the plan-limit warnings of a valid manifest (R32, R40), on stderr; they never fail it.
fn print_warnings(desired: &Desired, args: &ValidateArgs) {
    for warning in &desired.warnings {
        eprintln!("{warning}");
    }
    if let Some(warning) =
        manifest::limits::request_budget_warning(args.interval, &args.manifest.file)
    {
        eprintln!("{warning}");
    }
}

pub fn validate(validate: &ValidateArgs) -> anyhow::Result<u8> {
    let args = &validate.manifest;
    let secrets = if validate.strict_secrets {
        Secrets::Required
    } else {
        Secrets::Optional
    };
    match load_with(args, secrets)? {
        Some(desired) => {
            print_warnings(&desired, validate);
            let managed = desired
                .services
                .iter()
                .filter(|s| {
                    matches!(
                        s.kind,
                        crate::manifest::desired::ServiceKind::Managed { .. }
                    )
                })
                .count();
            for reference in &desired.pending_references {
                println!(
                    "note: {}:{}:{}: `{}` refers to service `{}`, which is not in the manifest; plan checks that it exists on Railway",
                    reference.file.display(),
                    reference.line,
                    reference.column,
                    reference.used_in,
                    reference.service
                );
            }
            println!(
                "{} is valid: project {}, {} environment(s), {} service(s) ({} managed).",
                args.file.display(),
                desired.project.name,
                desired.environments.len(),
                desired.services.len(),
                managed
            );
            Ok(EXIT_OK)
        }
        None => Ok(EXIT_ERROR),
    }
}

pub(super) fn plan_options(desired: &Desired, args: &PlanArgs) -> anyhow::Result<PlanOptions> {
    if let Some(env) = &args.environment
        && !desired.environments.contains(env)
    {
        bail!(
            "--env {env}: the manifest declares no such environment (it has: {})",
            desired.environments.join(", ")
        );
    }
    Ok(PlanOptions {
        only_environment: args.environment.clone(),
        ..PlanOptions::from_env()
    })
}

pub(super) fn wants_json(args: &PlanArgs) -> bool {
    args.json || matches!(args.output, OutputFormat::Json)
}

pub(super) fn print_plan(
    desired: &Desired,
    live: &Live,
    plan: &Plan,
    args: &PlanArgs,
) -> anyhow::Result<()> {
    let format = if args.json {
        OutputFormat::Json
    } else {
        args.output
    };
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&plan_json(desired, live, plan))?
        ),
        OutputFormat::Markdown => print!("{}", plan::render::render_markdown(plan)),
        OutputFormat::Text => print!("{}", plan::render::render_text(plan)),
    }
    Ok(())
}

pub async fn plan(global: &GlobalOptions, args: &PlanArgs) -> anyhow::Result<u8> {
    let Some(desired) = load(&args.manifest)? else {
        return Ok(EXIT_ERROR);
    };
    let options = plan_options(&desired, args)?;
    let connection = connect(global).await?;
    let live = snapshot::snapshot(&connection.client, &desired.project).await;
    connection.close().await;
    let live = live.context("cannot read the live project")?;
    let Some(plan) = gated_plan(&desired, &live, &options) else {
        return Ok(EXIT_ERROR);
    };
    print_plan(&desired, &live, &plan, args)?;
    if let Some(out) = &args.out {
        super::saved_cmd::write_saved(&desired, &live, &plan, &args.manifest.file, out)?;
    }
    let window = crate::change_window::state_at(&desired.policy.windows, chrono::Utc::now());
    if window.held() {
        // stderr: stdout may carry the JSON plan.
        eprintln!(
            "note: {}; apply would refuse now without --ignore-windows",
            window.describe()
        );
    }
    // Held environments (R17) are drift the operator will not fix until someone acts.
    Ok(
        if args.detailed_exitcode && (plan.has_changes() || !plan.held.is_empty()) {
            EXIT_CHANGES
        } else {
            EXIT_OK
        },
    )
}
