//! `plan --out FILE` and `apply --plan FILE`: writing a saved plan next to the printed one, and
//! applying it only when planning again yields exactly it. The checks are `plan::saved`'s; this
//! edge reads and writes the file and says what changed.

use std::path::Path;

use anyhow::Context;
use rand::RngCore;

use super::planned::{gated_plan, plan_json};
use super::{ApplyArgs, EXIT_ERROR};
use crate::manifest::Desired;
use crate::plan::saved::{self, Inputs, SavedPlan};
use crate::plan::{Plan, PlanOptions};
use crate::railway::{Client, Live, snapshot};

/// Writes the saved plan of `plan` to `out`, atomically (a reader never sees half a file).
pub(super) fn write_saved(
    desired: &Desired,
    live: &Live,
    plan: &Plan,
    manifest: &Path,
    out: &Path,
) -> anyhow::Result<()> {
    let manifest_bytes =
        std::fs::read(manifest).with_context(|| format!("cannot read {}", manifest.display()))?;
    let json = plan_json(desired, live, plan);
    let inputs = Inputs {
        desired,
        manifest_bytes: &manifest_bytes,
        manifest_file: &manifest.display().to_string(),
        live,
        plan,
        plan_json: &json,
    };
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let created_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let file = saved::save(&inputs, &salt, created_at);
    let text = serde_json::to_string_pretty(&file)?;
    let partial = out.with_extension("partial");
    std::fs::write(&partial, format!("{text}\n"))
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, out).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "Saved the plan to {}: `railway-operator apply -f {} --plan {}` applies exactly it.",
        out.display(),
        manifest.display(),
        out.display()
    );
    Ok(())
}

/// Reads a saved plan, with an error that says what is wrong with the file.
pub(super) fn read_saved(path: &Path) -> anyhow::Result<SavedPlan> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a saved plan of this version (write one with `plan --out`)",
            path.display()
        )
    })
}

/// The saved plan in `args`, planned again against live state now: the plan to apply, or
/// `None` (after saying why) when it is stale and nothing may be written.
pub(super) async fn saved_plan_now(
    client: &Client,
    desired: &Desired,
    options: &PlanOptions,
    args: &ApplyArgs,
    path: &Path,
) -> anyhow::Result<Result<(Live, Plan), u8>> {
    let saved = read_saved(path)?;
    let manifest = &args.plan.manifest.file;
    let manifest_bytes =
        std::fs::read(manifest).with_context(|| format!("cannot read {}", manifest.display()))?;
    let live: Live = snapshot::snapshot(client, &desired.project)
        .await
        .context("cannot read the live project")?;
    let Some(plan) = gated_plan(desired, &live, options) else {
        return Ok(Err(EXIT_ERROR));
    };
    let json = plan_json(desired, &live, &plan);
    let now = Inputs {
        desired,
        manifest_bytes: &manifest_bytes,
        manifest_file: &manifest.display().to_string(),
        live: &live,
        plan: &plan,
        plan_json: &json,
    };
    if let Err(stale) = saved::verify(&saved, &now) {
        eprintln!(
            "error: the saved plan {} cannot be applied: {stale}. Nothing was written; plan again.",
            path.display()
        );
        return Ok(Err(EXIT_ERROR));
    }
    println!(
        "The saved plan {} (made {}) still holds: applying exactly it.",
        path.display(),
        saved.created_at
    );
    Ok(Ok((live, plan)))
}
