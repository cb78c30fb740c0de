//! `apply`: plan, execute, report, and with `--wait` follow the deployments it started until
//! each is live or failed (R44). Text on a terminal or in logs; one JSON document with
//! `--json`. Decides nothing the plan and the executor have not.

use std::io::IsTerminal;

use anyhow::Context;
use serde_json::{Value, json};

use super::connect::connect;
use super::pipeline::{load, plan_options, print_plan, wants_json};
use super::planned::{gated_plan, plan_json};
use super::saved_cmd::{read_saved, saved_plan_now};
use super::{ApplyArgs, EXIT_ERROR, EXIT_OK, GlobalOptions};
use crate::apply::{self, ApplyError, ApplyOptions, Event, Outcome, Report};
use crate::manifest::Desired;
use crate::plan::{Plan, PlanOptions};
use crate::railway::{Client, Live, snapshot};
use crate::rollout::{self, Progress, ProgressPrinter, WaitOptions};

pub async fn apply(global: &GlobalOptions, args: &ApplyArgs) -> anyhow::Result<u8> {
    let Some(desired) = load(&args.plan.manifest)? else {
        return Ok(EXIT_ERROR);
    };
    let options = plan_options(&desired, &args.plan)?;
    if let Some(path) = &args.saved_plan {
        // A broken file is refused before the first request.
        read_saved(path)?;
    }
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

/// One attempt: `None` when an environment moved since the snapshot and it must plan again.
async fn apply_with(
    client: &Client,
    desired: &Desired,
    options: &PlanOptions,
    args: &ApplyArgs,
) -> anyhow::Result<Option<u8>> {
    if let Some(code) = refuse_in_window(desired, args) {
        return Ok(Some(code));
    }
    let json = wants_json(&args.plan);
    let (live, plan) = match live_and_plan(client, desired, options, args).await? {
        Ok(now) => now,
        Err(code) => return Ok(Some(code)),
    };
    if !json {
        print_plan(desired, &live, &plan, &args.plan)?;
    }
    if !plan.needs_apply() {
        print_document(json, desired, &live, &plan, None, &[])?;
        return Ok(Some(EXIT_OK));
    }
    if plan.has_changes() {
        say(json, "\nApplying...");
    }
    let mut print_event = |event: &Event| say(json, &event_line(event));
    let apply_options = ApplyOptions {
        confirm_destructive: args.confirm_destructive,
        stop: None,
    };
    let applied = apply::apply(
        client,
        &desired.project,
        &plan,
        &live,
        apply_options,
        &mut print_event,
    )
    .await;
    let report = match applied {
        Ok(report) => report,
        // A saved plan is never planned again: what was reviewed no longer holds.
        Err(error @ ApplyError::Stale { .. }) if args.saved_plan.is_some() => {
            eprintln!("\nerror: {error}; the saved plan no longer holds");
            return Ok(Some(EXIT_ERROR));
        }
        Err(error @ ApplyError::Stale { .. }) => {
            eprintln!("\n{error}; planning again");
            return Ok(None);
        }
        Err(error) => {
            report_failure(&error);
            return Ok(Some(EXIT_ERROR));
        }
    };
    if plan.has_changes() {
        say(json, &completion_line(&plan, &report));
    }
    let rollouts = if args.wait {
        wait_for_rollouts(client, desired, &plan, &report, &live, args, json).await?
    } else {
        Vec::new()
    };
    print_document(json, desired, &live, &plan, Some(&report), &rollouts)?;
    let failed: Vec<&Progress> = rollouts.iter().filter(|p| !p.succeeded()).collect();
    if failed.is_empty() {
        return Ok(Some(EXIT_OK));
    }
    report_failed_rollouts(client, desired, &live, &failed).await;
    Ok(Some(EXIT_ERROR))
}

/// The live state and the plan to apply: the saved plan when one is given (checked against
/// live state now), else a fresh plan through the gate. `Err` holds the exit code of a refusal.
async fn live_and_plan(
    client: &Client,
    desired: &Desired,
    options: &PlanOptions,
    args: &ApplyArgs,
) -> anyhow::Result<Result<(Live, Plan), u8>> {
    if let Some(path) = &args.saved_plan {
        return saved_plan_now(client, desired, options, args, path).await;
    }
    let live: Live = snapshot::snapshot(client, &desired.project)
        .await
        .context("cannot read the live project")?;
    Ok(gated_plan(desired, &live, options)
        .map(|plan| (live, plan))
        .ok_or(EXIT_ERROR))
}

/// Exit 1 before any request while a change window holds writes, unless `--ignore-windows`.
fn refuse_in_window(desired: &Desired, args: &ApplyArgs) -> Option<u8> {
    let state = crate::change_window::state_at(&desired.policy.windows, chrono::Utc::now());
    if args.ignore_windows || !state.held() {
        return None;
    }
    eprintln!(
        "error: {}; nothing was applied. Run `plan` to see what is pending, or pass --ignore-windows to apply anyway",
        state.describe()
    );
    Some(EXIT_ERROR)
}

/// Text goes to stdout, or to stderr when stdout carries the JSON document.
fn say(json: bool, line: &str) {
    if json {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

fn event_line(event: &Event) -> String {
    match &event.outcome {
        Outcome::Applied(detail) => format!("  ✓ {}: {detail}", event.address),
        Outcome::Adopted(detail) => format!("  ✓ {}: adopted ({detail})", event.address),
        Outcome::Skipped(reason) => format!("  · {}: skipped, {reason}", event.address),
    }
}

fn deploys_sent(report: &Report) -> usize {
    report
        .events
        .iter()
        .filter(|e| e.address.starts_with("deploy.") && matches!(e.outcome, Outcome::Applied(_)))
        .count()
}

fn completion_line(plan: &Plan, report: &Report) -> String {
    let summary = plan.summary();
    format!(
        "\nApply complete: {} added, {} changed, {} destroyed; {} deploy(s); {} request(s) to Railway.",
        summary.add,
        summary.change,
        summary.destroy,
        deploys_sent(report),
        report.requests
    )
}

/// R44: follows what the apply deployed, on stderr when stdout carries JSON.
async fn wait_for_rollouts(
    client: &Client,
    desired: &Desired,
    plan: &Plan,
    report: &Report,
    before: &Live,
    args: &ApplyArgs,
    json: bool,
) -> anyhow::Result<Vec<Progress>> {
    let after = snapshot::snapshot(client, &desired.project)
        .await
        .context("cannot read the project to follow its deployments")?;
    let Some(project) = after.project else {
        return Ok(Vec::new());
    };
    let targets = rollout::targets::started(plan, report, before, &project);
    if targets.is_empty() {
        say(json, "\nNothing was deployed: nothing to wait for.");
        return Ok(Vec::new());
    }
    say(
        json,
        &format!(
            "\nWaiting for {} deployment(s), at most {}:",
            targets.len(),
            crate::duration::format_duration(args.wait_timeout)
        ),
    );
    let terminal = if json {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    let mut printer = ProgressPrinter::new(terminal);
    let mut show = |progress: &[Progress]| {
        if json {
            printer.update(&mut std::io::stderr(), progress);
        } else {
            printer.update(&mut std::io::stdout(), progress);
        }
    };
    let options = WaitOptions {
        timeout: args.wait_timeout,
        ..WaitOptions::default()
    };
    let requests = client.requests_sent();
    let progress = rollout::follow(client, &project.id, &targets, &options, &mut show)
        .await
        .context("cannot read the deployments being followed")?;
    tracing::debug!(
        requests = client.requests_sent() - requests,
        "deployments followed"
    );
    Ok(progress)
}

/// Names each rollout that did not go live and, R44, shows the last lines of its logs with the
/// manifest's secrets (and the generated values live state held before the apply) masked.
async fn report_failed_rollouts(
    client: &Client,
    desired: &Desired,
    live: &Live,
    failed: &[&Progress],
) {
    eprintln!("\nerror: {} deployment(s) did not go live:", failed.len());
    let mut secrets = rollout::secret_values(desired);
    if let Some(project) = &live.project {
        secrets.extend(rollout::generated_values(desired, project));
    }
    for p in failed {
        let deployment = match (&p.deployment_id, &p.status) {
            (Some(id), Some(status)) => format!("deployment {id} is {status}"),
            _ => "no new deployment appeared".to_string(),
        };
        eprintln!("  {}: {} ({deployment})", p.address(), p.phase.name());
        let Some(id) = p.deployment_id.as_deref() else {
            continue;
        };
        match rollout::last_lines(client, id, rollout::DEFAULT_LOG_LINES).await {
            Ok(lines) if !lines.is_empty() => {
                eprintln!("    last {} log line(s):", lines.len());
                for line in lines {
                    eprintln!("    | {}", rollout::mask(&line, &secrets));
                }
            }
            Ok(_) => {}
            Err(error) => eprintln!("    (its logs could not be read: {error})"),
        }
    }
}

/// `apply --json`: the plan, what was applied and the followed deployments, as one document.
fn print_document(
    json: bool,
    desired: &Desired,
    live: &Live,
    plan: &Plan,
    report: Option<&Report>,
    rollouts: &[Progress],
) -> anyhow::Result<()> {
    if !json {
        return Ok(());
    }
    let applied: Vec<Value> = report
        .map(|r| r.events.iter().map(event_json).collect())
        .unwrap_or_default();
    let document = json!({
        "plan": plan_json(desired, live, plan),
        "applied": applied,
        "requests": report.map_or(0, |r| r.requests),
        "rollouts": rollouts,
        "rolloutsSucceeded": rollouts.iter().all(Progress::succeeded),
    });
    println!("{}", serde_json::to_string_pretty(&document)?);
    Ok(())
}

fn event_json(event: &Event) -> Value {
    let (outcome, detail) = match &event.outcome {
        Outcome::Applied(detail) => ("applied", detail),
        Outcome::Adopted(detail) => ("adopted", detail),
        Outcome::Skipped(detail) => ("skipped", detail),
    };
    json!({ "address": event.address, "outcome": outcome, "detail": detail })
}

fn report_failure(error: &ApplyError) {
    let ApplyError::Failed {
        address,
        source,
        applied,
        not_applied,
    } = error
    else {
        eprintln!("\nerror: {error}");
        return;
    };
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
    let pending_deploys: Vec<&str> = not_applied
        .iter()
        .filter(|a| {
            a.strip_prefix("deploy.")
                .is_some_and(|instance| applied.contains(&format!("service.{instance}")))
        })
        .map(String::as_str)
        .collect();
    if !pending_deploys.is_empty() {
        eprintln!(
            "pending deploys (settings already changed on Railway are not live until these deploy; the next plan will not list them): {}",
            pending_deploys.join(", ")
        );
    }
    eprintln!(
        "Run apply again to continue: it re-reads live state and never duplicates what exists."
    );
}
