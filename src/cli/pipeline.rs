//! `validate`, `plan` and `apply`: load the manifest (before any request), snapshot, plan,
//! print, and for `apply` execute. `plan` never constructs the executor (dry-run is structural).

use anyhow::{Context, bail};

use super::connect::connect;
use super::{
    ApplyArgs, EXIT_CHANGES, EXIT_ERROR, EXIT_OK, GlobalOptions, ManifestArgs, OutputFormat,
    PlanArgs, ValidateArgs,
};
use crate::apply::{self, ApplyError, ApplyOptions, Event, Outcome};
use crate::manifest::{self, Desired, LoadError};
use crate::plan::{self, Plan, PlanOptions};
use crate::railway::{Live, snapshot};

/// Loads and validates the manifest; prints every diagnostic. `None` means invalid.
pub(super) fn load(args: &ManifestArgs) -> anyhow::Result<Option<Desired>> {
    let env = |name: &str| std::env::var(name).ok();
    match manifest::load_file(&args.file, &env) {
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
    match load(args)? {
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

fn plan_options(desired: &Desired, args: &PlanArgs) -> anyhow::Result<PlanOptions> {
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

fn print_plan(plan: &Plan, args: &PlanArgs) -> anyhow::Result<()> {
    let format = if args.json {
        OutputFormat::Json
    } else {
        args.output
    };
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&plan::render::render_json(plan))?
        ),
        OutputFormat::Markdown => print!("{}", plan::render::render_markdown(plan)),
        OutputFormat::Text => print!("{}", plan::render::render_text(plan)),
    }
    Ok(())
}

/// Reports environments the token cannot reach (R34, R35) and references to services that
/// exist neither in the manifest nor on Railway. Returns false when there are any: nothing may
/// be planned or applied then.
fn references_resolve(desired: &Desired, live: &Live) -> bool {
    let blocked = plan::access::blocked_environments(desired, live);
    for problem in &blocked {
        eprintln!("error: {problem}");
    }
    if !blocked.is_empty() {
        return false;
    }
    let unresolved = plan::references::unresolved_references(desired, live);
    for problem in &unresolved {
        eprintln!("{problem}");
    }
    if !unresolved.is_empty() {
        eprintln!(
            "{} unresolved reference(s) in {}",
            unresolved.len(),
            desired.source_path.display()
        );
    }
    unresolved.is_empty()
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
    if !references_resolve(&desired, &live) {
        return Ok(EXIT_ERROR);
    }
    let plan = plan::plan(&desired, &live, &options);
    print_plan(&plan, args)?;
    // Held environments (R17) are drift the operator will not fix until someone acts.
    Ok(
        if args.detailed_exitcode && (plan.has_changes() || !plan.held.is_empty()) {
            EXIT_CHANGES
        } else {
            EXIT_OK
        },
    )
}

pub async fn apply(global: &GlobalOptions, args: &ApplyArgs) -> anyhow::Result<u8> {
    let Some(desired) = load(&args.plan.manifest)? else {
        return Ok(EXIT_ERROR);
    };
    let options = plan_options(&desired, &args.plan)?;
    let connection = connect(global).await?;
    let mut result = Ok(None);
    for _ in 0..STALE_REPLANS {
        result = apply_with(&connection.client, &desired, &options, args).await;
        if !matches!(result, Ok(None)) {
            break;
        }
    }
    connection.close().await;
    match result? {
        Some(code) => Ok(code),
        None => {
            eprintln!(
                "error: the project kept changing on Railway while applying; nothing more was written"
            );
            Ok(EXIT_ERROR)
        }
    }
}

/// How many times apply plans again when an environment moved under it (R15).
const STALE_REPLANS: usize = 3;

async fn apply_with(
    client: &crate::railway::Client,
    desired: &Desired,
    options: &PlanOptions,
    args: &ApplyArgs,
) -> anyhow::Result<Option<u8>> {
    let live: Live = snapshot::snapshot(client, &desired.project)
        .await
        .context("cannot read the live project")?;
    if !references_resolve(desired, &live) {
        return Ok(Some(EXIT_ERROR));
    }
    let plan = plan::plan(desired, &live, options);
    print_plan(&plan, &args.plan)?;
    if !plan.has_changes() && plan.inventory_writes.is_empty() {
        return Ok(Some(EXIT_OK));
    }
    if plan.has_changes() {
        println!("\nApplying...");
    }
    let mut print_event = |event: &Event| match &event.outcome {
        Outcome::Applied(detail) => println!("  ✓ {}: {detail}", event.address),
        Outcome::Adopted(detail) => println!("  ✓ {}: adopted ({detail})", event.address),
        Outcome::Skipped(reason) => println!("  · {}: skipped, {reason}", event.address),
    };
    let apply_options = ApplyOptions {
        confirm_destructive: args.confirm_destructive,
        stop: None,
    };
    match apply::apply(
        client,
        &desired.project,
        &plan,
        &live,
        apply_options,
        &mut print_event,
    )
    .await
    {
        // Only ownership bookkeeping was recorded: nothing to report.
        Ok(_) if !plan.has_changes() => Ok(Some(EXIT_OK)),
        Ok(report) => {
            let summary = plan.summary();
            let deploys = report
                .events
                .iter()
                .filter(|e| {
                    e.address.starts_with("deploy.") && matches!(e.outcome, Outcome::Applied(_))
                })
                .count();
            println!(
                "\nApply complete: {} added, {} changed, {} destroyed; {deploys} deploy(s); {} request(s) to Railway.",
                summary.add, summary.change, summary.destroy, report.requests
            );
            Ok(Some(EXIT_OK))
        }
        Err(ApplyError::Failed {
            address,
            source,
            applied,
            not_applied,
        }) => {
            eprintln!("\nerror: apply failed at {address}: {source}");
            eprintln!(
                "applied before the failure: {}",
                if applied.is_empty() {
                    "nothing".into()
                } else {
                    applied.join(", ")
                }
            );
            eprintln!("not applied: {}", not_applied.join(", "));
            let pending_deploys: Vec<&String> = not_applied
                .iter()
                .filter(|a| {
                    a.strip_prefix("deploy.")
                        .is_some_and(|instance| applied.contains(&format!("service.{instance}")))
                })
                .collect();
            if !pending_deploys.is_empty() {
                eprintln!(
                    "pending deploys (settings already changed on Railway are not live until these deploy; the next plan will not list them): {}",
                    pending_deploys
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            eprintln!(
                "Run apply again to continue: it re-reads live state and never duplicates what exists."
            );
            Ok(Some(EXIT_ERROR))
        }
        Err(error @ ApplyError::Stale { .. }) => {
            eprintln!("\n{error}; planning again");
            Ok(None)
        }
        Err(error @ (ApplyError::DestructiveNotConfirmed(_) | ApplyError::Interrupted { .. })) => {
            eprintln!("\nerror: {error}");
            Ok(Some(EXIT_ERROR))
        }
    }
}
