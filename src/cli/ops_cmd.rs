//! The operations commands `list`, `env`, `repo`, `open`, `status`, `health` and `logs`: argument
//! parsing, loading the manifest, one snapshot, then printing a report from `crate::ops`.
//! Never writes to Railway.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;

use super::connect::connect;
use super::{EXIT_CHANGES, EXIT_ERROR, EXIT_OK, GlobalOptions, ManifestArgs, OutputFormat};
use crate::manifest::Desired;
use crate::ops::{self, View};
use crate::railway::{Live, snapshot};

#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// `text` or `json` (one object with `formatVersion` and `command`; fields in docs/ops-commands.md).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
pub struct EnvArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    /// The service whose variables to show.
    pub service: String,
    /// Environment name or unique prefix (default: the manifest's first environment).
    #[arg(long = "env")]
    pub environment: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
pub struct RepoArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    pub service: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
pub struct OpenArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    pub service: String,
    /// Environment name or unique prefix (default: every environment).
    pub environment: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
pub struct HealthArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    /// Only this service (default: all).
    pub service: Option<String>,
    /// Environment name or unique prefix (default: every environment).
    #[arg(long = "env")]
    pub environment: Option<String>,
    /// Time allowed for each check, e.g. `10s` or `500ms`.
    #[arg(long, default_value = "10s", value_parser = crate::duration::parse_duration)]
    pub timeout: Duration,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args, Clone)]
pub struct LogsArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    /// The service whose latest deployment's logs to show.
    pub service: String,
    /// Environment name or unique prefix (default: the manifest's first environment).
    #[arg(long = "env")]
    pub environment: Option<String>,
    /// The build's logs instead of the container's.
    #[arg(long)]
    pub build: bool,
    /// How many of the newest lines to show.
    #[arg(long, default_value_t = ops::logs::DEFAULT_LINES, value_parser = lines_count)]
    pub lines: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--lines`: a whole number from 1 to 5000.
fn lines_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_LOG_LINES).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of lines from 1 to {MAX_LOG_LINES}"
        )),
    }
}

/// The most lines `logs` asks for at once (a guess at a bound Railway keeps; its CLI asks 500).
const MAX_LOG_LINES: usize = 5000;

/// The manifest, or an error once its problems were printed.
fn load(args: &ManifestArgs) -> anyhow::Result<Desired> {
    super::pipeline::load(args)?
        .ok_or_else(|| anyhow::anyhow!("{} is not a valid manifest", args.file.display()))
}

fn text_or_json(output: &OutputArgs, command: &str) -> anyhow::Result<bool> {
    match output.output {
        OutputFormat::Text => Ok(false),
        OutputFormat::Json => Ok(true),
        OutputFormat::Markdown => {
            bail!("`{command}` prints text or json; --output markdown is only for plan")
        }
    }
}

/// Reads the live project; for `status`, the volume backups too.
async fn read_live(
    global: &GlobalOptions,
    desired: &Desired,
    with_backups: bool,
) -> anyhow::Result<(
    Live,
    std::collections::BTreeMap<String, ops::status::BackupSummary>,
)> {
    let connection = connect(global).await?;
    let live = snapshot::snapshot(&connection.client, &desired.project).await;
    let mut backups = Default::default();
    if let (Ok(live), true) = (&live, with_backups) {
        let ids = ops::status::volume_instance_ids(&View::new(desired, live));
        let (read, errors) = ops::status::read_backups(&connection.client, &ids).await;
        for error in errors {
            tracing::warn!(%error, "cannot read a volume's backups");
        }
        backups = read;
    }
    connection.close().await;
    Ok((live.context("cannot read the live project")?, backups))
}

fn print<T: Serialize>(
    json: bool,
    command: &str,
    report: &T,
    text: impl Fn(&T) -> String,
) -> anyhow::Result<()> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&ops::envelope(command, report))?
        );
    } else {
        print!("{}", text(report));
    }
    Ok(())
}

pub async fn list(global: &GlobalOptions, args: &ListArgs) -> anyhow::Result<u8> {
    let json = text_or_json(&args.output, "list")?;
    let desired = load(&args.manifest)?;
    let (live, _) = read_live(global, &desired, false).await?;
    let view = View::new(&desired, &live);
    print(
        json,
        "list",
        &ops::list::list(&view),
        ops::list::render_text,
    )?;
    Ok(EXIT_OK)
}

pub async fn env(global: &GlobalOptions, args: &EnvArgs) -> anyhow::Result<u8> {
    let json = text_or_json(&args.output, "env")?;
    let desired = load(&args.manifest)?;
    ops::find_service(&desired, &args.service)?;
    if let Some(name) = &args.environment {
        ops::resolve_environment(&desired, name)?;
    }
    let (live, _) = read_live(global, &desired, false).await?;
    let view = View::new(&desired, &live);
    let report = ops::variables::variables(&view, &args.service, args.environment.as_deref())?;
    print(json, "env", &report, ops::variables::render_text)?;
    Ok(EXIT_OK)
}

pub async fn repo(global: &GlobalOptions, args: &RepoArgs) -> anyhow::Result<u8> {
    let json = text_or_json(&args.output, "repo")?;
    let desired = load(&args.manifest)?;
    ops::find_service(&desired, &args.service)?;
    let (live, _) = read_live(global, &desired, false).await?;
    let view = View::new(&desired, &live);
    let report = ops::repo::repo(&view, &args.service)?;
    print(json, "repo", &report, ops::repo::render_text)?;
    Ok(EXIT_OK)
}

pub async fn open(global: &GlobalOptions, args: &OpenArgs) -> anyhow::Result<u8> {
    let json = text_or_json(&args.output, "open")?;
    let desired = load(&args.manifest)?;
    ops::find_service(&desired, &args.service)?;
    if let Some(name) = &args.environment {
        ops::resolve_environment(&desired, name)?;
    }
    let (live, _) = read_live(global, &desired, false).await?;
    let view = View::new(&desired, &live);
    let report = ops::open::open(&view, &args.service, args.environment.as_deref())?;
    print(json, "open", &report, ops::open::render_text)?;
    Ok(EXIT_OK)
}

pub async fn status(global: &GlobalOptions, args: &ListArgs) -> anyhow::Result<u8> {
    let json = text_or_json(&args.output, "status")?;
    let desired = load(&args.manifest)?;
    let (live, backups) = read_live(global, &desired, true).await?;
    let view = View::new(&desired, &live);
    let mut report = ops::status::status(&view, &backups);
    report.previews = crate::rollout::previews::previews(view.project(), chrono::Utc::now());
    print(json, "status", &report, ops::status::render_text)?;
    Ok(if report.in_sync {
        EXIT_OK
    } else {
        EXIT_CHANGES
    })
}

pub async fn health(global: &GlobalOptions, args: &HealthArgs) -> anyhow::Result<u8> {
    let json = text_or_json(&args.output, "health")?;
    let desired = load(&args.manifest)?;
    if let Some(service) = &args.service {
        ops::find_service(&desired, service)?;
    }
    if let Some(name) = &args.environment {
        ops::resolve_environment(&desired, name)?;
    }
    let (live, _) = read_live(global, &desired, false).await?;
    let view = View::new(&desired, &live);
    let targets =
        ops::health::targets(&view, args.service.as_deref(), args.environment.as_deref())?;
    let results = ops::health::check_all(targets, args.timeout).await;
    let report = ops::health::report(results, args.timeout);
    print(json, "health", &report, ops::health::render_text)?;
    Ok(if report.healthy { EXIT_OK } else { EXIT_ERROR })
}

pub async fn logs(global: &GlobalOptions, args: &LogsArgs) -> anyhow::Result<u8> {
    let json = text_or_json(&args.output, "logs")?;
    let desired = load(&args.manifest)?;
    ops::find_service(&desired, &args.service)?;
    if let Some(name) = &args.environment {
        ops::resolve_environment(&desired, name)?;
    }
    let connection = connect(global).await?;
    let read = async {
        let live = snapshot::snapshot(&connection.client, &desired.project)
            .await
            .context("cannot read the live project")?;
        let view = View::new(&desired, &live);
        let target = ops::logs::target(&view, &args.service, args.environment.as_deref())?;
        let secrets = ops::logs::secrets(&view);
        ops::logs::read(
            &connection.client,
            &target,
            args.build,
            args.lines,
            &secrets,
        )
        .await
        .with_context(|| {
            format!(
                "cannot read the logs of deployment {}",
                target.deployment_id
            )
        })
    };
    let report = read.await;
    connection.close().await;
    print(json, "logs", &report?, ops::logs::render_text)?;
    Ok(EXIT_OK)
}
