//! `railway-operator backup list|create|prune`: operator backups of one service's volume, by hand.
//! Resolves the manifest and live volume, prints, and maps outcomes to exit codes; the backup
//! logic itself lives in `crate::backup`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};

use super::connect::{Connection, connect};
use super::{EXIT_ERROR, EXIT_OK, GlobalOptions};
use crate::backup::naming::{self, BackupOrigin};
use crate::backup::railway_store::RailwayStore;
use crate::backup::retention::{self, BackupRecord};
use crate::backup::runner::{self, RunnerConfig};
use crate::backup::store::BackupStore;
use crate::manifest::Desired;
use crate::manifest::desired::{CronBackup, ServiceKind};
use crate::railway::snapshot;

#[derive(Debug, Args, Clone)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub action: BackupAction,
}

#[derive(Debug, Subcommand, Clone)]
pub enum BackupAction {
    /// Every backup of the service's volume: owner, lock, dates, and what prune would delete.
    List(BackupTargetArgs),
    /// Take a manual backup now and wait for it (kept until pruned with --manual-older-than).
    Create(BackupTargetArgs),
    /// Delete what the volume's `backups.cron` retention says (and old manual backups if asked).
    Prune(PruneArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct BackupTargetArgs {
    /// The manifest file.
    #[arg(short = 'f', long = "file")]
    pub file: PathBuf,
    /// The service whose volume is backed up.
    #[arg(long)]
    pub service: String,
    /// The environment (default: the manifest's first).
    #[arg(long = "env")]
    pub environment: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub output: OutputFormat,
}

#[derive(Debug, Args, Clone)]
pub struct PruneArgs {
    #[command(flatten)]
    pub target: BackupTargetArgs,
    /// Only show what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
    /// Also delete unlocked manual backups older than this (e.g. 30d).
    #[arg(long, value_parser = duration)]
    pub manual_older_than: Option<Duration>,
}

fn duration(text: &str) -> Result<Duration, String> {
    crate::duration::parse_duration(text).map_err(|error| error.to_string())
}

/// The volume the command works on, in the manifest and live.
struct Volume {
    label: String,
    volume_instance_id: String,
    crons: Vec<CronBackup>,
}

pub async fn run(global: &GlobalOptions, args: &BackupArgs) -> anyhow::Result<u8> {
    let target = match &args.action {
        BackupAction::List(target) | BackupAction::Create(target) => target,
        BackupAction::Prune(prune) => &prune.target,
    };
    let Some(desired) = super::pipeline::load(&super::ManifestArgs {
        file: target.file.clone(),
        age_key_file: None,
    })?
    else {
        return Ok(EXIT_ERROR);
    };
    let (environment, crons) = desired_volume(&desired, target)?;
    let connection = connect(global).await?;
    let result = match resolve_live(&connection, &desired, target, &environment, crons).await {
        Ok(volume) => {
            let store = RailwayStore::new(connection.client.clone());
            match &args.action {
                BackupAction::List(_) => list(&store, &volume, target.output).await,
                BackupAction::Create(_) => create(&store, &volume, target.output).await,
                BackupAction::Prune(prune) => prune_volume(&store, &volume, prune).await,
            }
        }
        Err(error) => Err(error),
    };
    connection.close().await;
    result
}

/// The environment and the cron entries the manifest gives the service's volume there.
fn desired_volume(
    desired: &Desired,
    args: &BackupTargetArgs,
) -> anyhow::Result<(String, Vec<CronBackup>)> {
    let environment = match &args.environment {
        Some(env) if desired.environments.contains(env) => env.clone(),
        Some(env) => bail!(
            "--env {env}: the manifest declares no such environment (it has: {})",
            desired.environments.join(", ")
        ),
        None => match desired.environments.first() {
            Some(first) => first.clone(),
            None => bail!("the manifest declares no environment"),
        },
    };
    let Some(service) = desired.services.iter().find(|s| s.name == args.service) else {
        let names: Vec<&str> = desired.services.iter().map(|s| s.name.as_str()).collect();
        bail!(
            "--service {}: no such service in the manifest (it has: {})",
            args.service,
            names.join(", ")
        );
    };
    let ServiceKind::Managed { environments } = &service.kind else {
        bail!(
            "service {} is not managed by the operator (planned or external): it has no volume",
            args.service
        );
    };
    let volume = environments
        .get(&environment)
        .and_then(|settings| settings.volume.as_ref());
    let Some(volume) = volume else {
        bail!(
            "service {} has no volume in environment {environment} of the manifest",
            args.service
        );
    };
    Ok((environment, volume.cron_backups.clone()))
}

async fn resolve_live(
    connection: &Connection,
    desired: &Desired,
    args: &BackupTargetArgs,
    environment: &str,
    crons: Vec<CronBackup>,
) -> anyhow::Result<Volume> {
    let live = snapshot::snapshot(&connection.client, &desired.project)
        .await
        .context("cannot read the live project")?;
    let Some(project) = live.project else {
        bail!(
            "project {} does not exist on Railway yet: run apply first",
            desired.project.name
        );
    };
    // R50: no backups of a PR environment's copy of a volume (as under `run`).
    let Some(live_env) = project.persistent_environment_named(environment) else {
        bail!("environment {environment} does not exist on Railway yet: run apply first");
    };
    let Some(service) = project.services.iter().find(|s| s.name == args.service) else {
        bail!(
            "service {} does not exist on Railway yet: run apply first",
            args.service
        );
    };
    let Some(volume) = live_env.volume_of(&service.id) else {
        bail!(
            "service {} has no volume on Railway in environment {environment}: run apply first",
            args.service
        );
    };
    Ok(Volume {
        label: format!(
            "{}/{environment}/{} ({})",
            project.name, args.service, volume.volume_name
        ),
        volume_instance_id: volume.id.clone(),
        crons,
    })
}

/// Ids the volume's retention would delete now, over all its cron entries.
fn would_prune(backups: &[BackupRecord], crons: &[CronBackup], now: DateTime<Utc>) -> Vec<String> {
    crons
        .iter()
        .flat_map(|cron| {
            let schedule = naming::ScheduleId::new(&cron.schedule, cron.timezone.as_deref());
            retention::to_delete(backups, &schedule, cron.retention, now, None)
        })
        .collect()
}

fn owner(backup: &BackupRecord) -> String {
    match naming::parse(&backup.name).map(|n| n.origin) {
        Some(BackupOrigin::Schedule(schedule)) => format!("schedule [{schedule}]"),
        Some(BackupOrigin::Manual) => "manual".to_string(),
        None => "foreign".to_string(),
    }
}

async fn list(store: &RailwayStore, volume: &Volume, output: OutputFormat) -> anyhow::Result<u8> {
    let mut backups = store
        .list(&volume.volume_instance_id)
        .await
        .context("cannot list backups")?;
    backups.sort_by_key(|b| std::cmp::Reverse(b.created_at));
    let doomed = would_prune(&backups, &volume.crons, Utc::now());
    match output {
        OutputFormat::Json => {
            let rows: Vec<serde_json::Value> = backups
                .iter()
                .map(|b| {
                    serde_json::json!({
                        "id": b.id,
                        "name": b.name,
                        "owner": owner(b),
                        "locked": b.is_locked(),
                        "createdAt": b.created_at,
                        "expiresAt": b.expires_at,
                        "wouldPrune": doomed.contains(&b.id),
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
        OutputFormat::Text => {
            println!("Backups of {}: {}", volume.label, backups.len());
            for b in &backups {
                println!(
                    "  {}  {:<40} created {}  expires {}{}{}  {}",
                    b.id,
                    owner(b),
                    b.created_at.format("%Y-%m-%d %H:%M:%SZ"),
                    b.expires_at
                        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
                        .unwrap_or_else(|| "never".into()),
                    if b.is_locked() { "  LOCKED" } else { "" },
                    if doomed.contains(&b.id) {
                        "  would prune"
                    } else {
                        ""
                    },
                    b.name,
                );
            }
        }
    }
    Ok(EXIT_OK)
}

async fn create(store: &RailwayStore, volume: &Volume, output: OutputFormat) -> anyhow::Result<u8> {
    if output == OutputFormat::Text {
        println!("Taking a manual backup of {}...", volume.label);
    }
    let outcome = runner::take_manual_backup(
        store,
        &volume.volume_instance_id,
        Utc::now(),
        &RunnerConfig::default(),
    )
    .await?;
    match output {
        OutputFormat::Json => println!(
            "{}",
            serde_json::json!({"name": outcome.name, "adopted": outcome.adopted, "attempts": outcome.attempts, "running": outcome.running})
        ),
        // R26: a backup can take minutes; it was not created twice, and it lists once done.
        OutputFormat::Text if outcome.running => println!(
            "Backup {:?} is still being taken by Railway; `backup list` shows it once done.",
            outcome.name
        ),
        OutputFormat::Text => println!("Backup {:?} complete.", outcome.name),
    }
    Ok(EXIT_OK)
}

async fn prune_volume(
    store: &RailwayStore,
    volume: &Volume,
    args: &PruneArgs,
) -> anyhow::Result<u8> {
    let backups = store
        .list(&volume.volume_instance_id)
        .await
        .context("cannot list backups")?;
    let now = Utc::now();
    let mut doomed = would_prune(&backups, &volume.crons, now);
    if let Some(age) = args.manual_older_than {
        doomed.extend(retention::manual_older_than(&backups, age.as_secs(), now));
    }
    let name_of = |id: &String| {
        backups
            .iter()
            .find(|b| &b.id == id)
            .map(|b| b.name.clone())
            .unwrap_or_default()
    };
    let (deleted, failures) = if args.dry_run {
        (Vec::new(), Vec::new())
    } else {
        runner::delete_all(store, &volume.volume_instance_id, &doomed).await
    };
    match args.target.output {
        OutputFormat::Json => {
            let failures: Vec<serde_json::Value> = failures
                .iter()
                .map(|(id, reason)| serde_json::json!({"id": id, "error": reason}))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "dryRun": args.dry_run,
                    "toDelete": doomed,
                    "deleted": deleted,
                    "failed": failures,
                }))?
            );
        }
        OutputFormat::Text => {
            let verb = if args.dry_run {
                "would delete"
            } else {
                "to delete"
            };
            println!("{}: {} backup(s) {verb}", volume.label, doomed.len());
            for id in &doomed {
                println!("  {id}  {}", name_of(id));
            }
            if !args.dry_run {
                println!("deleted {}, failed {}", deleted.len(), failures.len());
                for (id, reason) in &failures {
                    eprintln!("  could not delete {id}: {reason}");
                }
            }
        }
    }
    Ok(if failures.is_empty() {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}
