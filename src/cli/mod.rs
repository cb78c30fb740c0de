//! The command line: clap definitions, user-facing wording and exit codes. The only place that
//! uses `anyhow`; business logic lives in the library modules it calls.

mod apply_cmd;
pub mod backup_cmd;
mod connect;
mod import_cmd;
mod ops_cmd;
mod pipeline;
mod planned;
mod report_cmd;
mod run_cmd;
mod sandbox_cmd;
mod saved_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Exit codes, Terraform-style: 0 = success / no changes, 1 = error, 2 = changes pending
/// (only with `--detailed-exitcode`).
pub const EXIT_OK: u8 = 0;
pub const EXIT_ERROR: u8 = 1;
pub const EXIT_CHANGES: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "railway-operator",
    version,
    about = "Reconcile Railway projects from YAML manifests"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalOptions {
    /// Railway GraphQL endpoint.
    #[arg(long, global = true, env = "RAILWAY_API_URL", default_value = crate::railway::DEFAULT_API_URL)]
    pub api_url: String,
    /// Run against an in-process Railway sandbox (state kept in .railway-operator/sandbox-state.json).
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Per-request timeout in seconds.
    #[arg(long, global = true, default_value_t = 60)]
    pub timeout_secs: u64,
    /// Keep retrying a transient failure (429, 5xx, lost connection) for at most this many seconds.
    #[arg(long, global = true, default_value_t = 90)]
    pub retry_for_secs: u64,
    /// Pace Railway requests to at most this many per second (0: unpaced). Default 5, half of
    /// Railway's Hobby budget; the embedded `--sandbox` is unpaced unless this is given.
    #[arg(long, global = true, env = "RAILWAY_OPERATOR_MAX_RPS")]
    pub max_rps: Option<f64>,
}

/// Requests per second when `--max-rps` is not given.
pub const DEFAULT_MAX_RPS: f64 = 5.0;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a manifest and report every problem with file:line:col, and plan limits it may
    /// run into as warnings. Sends no request.
    Validate(ValidateArgs),
    /// Show what apply would change (never writes).
    Plan(PlanArgs),
    /// Make Railway match the manifest.
    Apply(ApplyArgs),
    /// Reconcile continuously from a file, a directory or a Git repository, with a status page.
    Run(run_cmd::RunArgs),
    /// Serve the local Railway API emulator.
    Sandbox(sandbox_cmd::SandboxArgs),
    /// List, take or prune operator backups of one service's volume.
    Backup(backup_cmd::BackupArgs),
    /// Print the manifest's JSON Schema.
    Schema,
    /// List every service of the manifest with its live state per environment.
    List(ops_cmd::ListArgs),
    /// Show a service's variables in one environment, with origin and live state (secrets masked).
    Env(ops_cmd::EnvArgs),
    /// Show a service's repository, branch, root directory, Dockerfile and builder, live and desired.
    Repo(ops_cmd::RepoArgs),
    /// Print a service's URLs (opens nothing).
    Open(ops_cmd::OpenArgs),
    /// The whole project at a glance; exit 2 when something drifted or is missing.
    Status(ops_cmd::ListArgs),
    /// HTTP-check services' health endpoints; exit 1 when any check failed.
    Health(ops_cmd::HealthArgs),
    /// Show the newest lines of a service's latest deployment logs (secrets masked).
    Logs(ops_cmd::LogsArgs),
    /// Write a manifest from a live project (adoption).
    Import(import_cmd::ImportArgs),
    /// Write one Markdown analysis document per service from the manifest and live state.
    Report(report_cmd::ReportArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ManifestArgs {
    /// The manifest file.
    #[arg(short = 'f', long = "file")]
    pub file: PathBuf,
    /// The age key file opening a SOPS-encrypted manifest (instead of SOPS_AGE_KEY_FILE;
    /// SOPS_AGE_KEY holds a key itself).
    #[arg(long = "age-key-file", value_name = "FILE")]
    pub age_key_file: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    /// The interval `run` reconciles at, checked against the Free plan's hourly request budget.
    #[arg(long, env = "RAILWAY_OPERATOR_INTERVAL", default_value = "60s", value_parser = crate::controller::source::parse_duration)]
    pub interval: std::time::Duration,
    /// Fail on a missing secret (an unset fromEnv, no age key for a SOPS file) instead of warning.
    #[arg(long)]
    pub strict_secrets: bool,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args, Clone)]
pub struct PlanArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    /// Plan only this environment of the manifest.
    #[arg(long = "env")]
    pub environment: Option<String>,
    /// How to print the plan: `text`, `json` (format documented in docs/plans.md) or `markdown`
    /// (for a pull-request comment).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Same as `--output json`.
    #[arg(long, conflicts_with = "output")]
    pub json: bool,
    /// Exit 2 when changes are pending, 0 when there are none, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Also write the plan to FILE, for `apply --plan FILE` to apply exactly it (no secret
    /// value is written, only salted digests).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Only show the plan (same as `plan`).
    #[arg(long, conflicts_with = "saved_plan")]
    pub dry_run: bool,
    /// Apply exactly the plan `plan --out FILE` saved: refused, with nothing written, when the
    /// manifest, its secrets or live state changed since.
    #[arg(
        long = "plan",
        value_name = "FILE",
        id = "saved_plan",
        conflicts_with = "out"
    )]
    pub saved_plan: Option<PathBuf>,
    /// Allow actions that delete things.
    #[arg(long)]
    pub confirm_destructive: bool,
    /// Follow every deployment the apply started until it is live, failed or crashed (R44);
    /// exit 1 naming each one that did not go live.
    #[arg(long)]
    pub wait: bool,
    /// With `--wait`: give up on deployments still in progress after this long.
    #[arg(long, default_value = "10m", value_parser = crate::duration::parse_duration, requires = "wait")]
    pub wait_timeout: std::time::Duration,
    /// Apply even while a change window (`policy.windows`) holds writes.
    #[arg(long)]
    pub ignore_windows: bool,
}

/// Sets up logging for a parsed command line: `run` logs to stdout (JSON when not a terminal,
/// or as `--log-format` says); every other command logs to stderr as text.
pub fn init_logging(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(match cli.command {
            Command::Run(_) => "railway_operator=info,warn",
            _ => "warn",
        })
    });
    match &cli.command {
        Command::Run(args) if run_cmd::json_logs(args.log_format) => tracing_subscriber::fmt()
            .json()
            .with_writer(std::io::stdout)
            .with_env_filter(filter)
            .init(),
        Command::Run(_) => tracing_subscriber::fmt()
            .with_writer(std::io::stdout)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .with_env_filter(filter)
            .init(),
        _ => tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_env_filter(filter)
            .init(),
    }
}

/// Runs a parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Validate(args) => pipeline::validate(&args),
        Command::Plan(args) => pipeline::plan(&cli.global, &args).await,
        Command::Apply(args) if args.dry_run => pipeline::plan(&cli.global, &args.plan).await,
        Command::Apply(args) => apply_cmd::apply(&cli.global, &args).await,
        Command::Run(args) => run_cmd::serve(&cli.global, &args).await,
        Command::Sandbox(args) => sandbox_cmd::serve(&args).await,
        Command::Backup(args) => backup_cmd::run(&cli.global, &args).await,
        Command::Schema => print_schema(),
        Command::List(args) => ops_cmd::list(&cli.global, &args).await,
        Command::Env(args) => ops_cmd::env(&cli.global, &args).await,
        Command::Repo(args) => ops_cmd::repo(&cli.global, &args).await,
        Command::Open(args) => ops_cmd::open(&cli.global, &args).await,
        Command::Status(args) => ops_cmd::status(&cli.global, &args).await,
        Command::Health(args) => ops_cmd::health(&cli.global, &args).await,
        Command::Logs(args) => ops_cmd::logs(&cli.global, &args).await,
        Command::Import(args) => import_cmd::import(&cli.global, &args).await,
        Command::Report(args) => report_cmd::report(&cli.global, &args).await,
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn print_schema() -> anyhow::Result<u8> {
    println!(
        "{}",
        serde_json::to_string_pretty(&crate::manifest::json_schema())?
    );
    Ok(EXIT_OK)
}
