//! `railway-operator run`: the long-lived reconciler, from a file, a directory or a Git
//! repository, with an HTTP status endpoint. Wording and exit codes only; the loop lives in
//! `controller::run`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use super::GlobalOptions;
use super::connect::connect;
use crate::controller::budget::BudgetSpec;
use crate::controller::run::{RunConfig, run};
use crate::controller::source::{SourceSpec, parse_duration};
use crate::lease::LeaseStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// JSON when stdout is not a terminal, text otherwise.
    Auto,
    Json,
    Text,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// A manifest file, or a directory of manifests (one project each).
    #[arg(
        short = 'f',
        long = "file",
        env = "RAILWAY_OPERATOR_FILE",
        conflicts_with = "git",
        required_unless_present = "git"
    )]
    pub file: Option<PathBuf>,
    /// A Git repository URL (https:// or file://); a token for private repos comes from RAILWAY_OPERATOR_GIT_TOKEN.
    #[arg(long, env = "RAILWAY_OPERATOR_GIT_URL")]
    pub git: Option<String>,
    /// The age key file opening SOPS-encrypted manifests, every revision (instead of
    /// SOPS_AGE_KEY_FILE; SOPS_AGE_KEY holds a key itself).
    #[arg(long = "age-key-file", value_name = "FILE")]
    pub age_key_file: Option<PathBuf>,
    /// Branch to follow.
    #[arg(
        long,
        env = "RAILWAY_OPERATOR_GIT_BRANCH",
        default_value = "main",
        requires = "git"
    )]
    pub branch: String,
    /// File or directory inside the repository.
    #[arg(
        long,
        env = "RAILWAY_OPERATOR_GIT_PATH",
        default_value = ".",
        requires = "git"
    )]
    pub path: PathBuf,
    /// How often to fetch the repository.
    #[arg(long, env = "RAILWAY_OPERATOR_GIT_INTERVAL", default_value = "60s", value_parser = duration)]
    pub git_interval: Duration,
    /// Where the repository is checked out.
    #[arg(long, default_value = ".railway-operator/git")]
    pub checkout_dir: PathBuf,
    /// Time between reconciles of a project (±10% jitter).
    #[arg(long, env = "RAILWAY_OPERATOR_INTERVAL", default_value = "60s", value_parser = duration)]
    pub interval: Duration,
    /// Address of the status endpoints (/healthz, /readyz, /metrics, /status, /).
    #[arg(
        long,
        env = "RAILWAY_OPERATOR_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,
    /// One pass over every project, then exit: 0 in sync or applied, 2 drift reported, 1 error.
    #[arg(long)]
    pub once: bool,
    /// Bearer token that POST /reconcile requires when listening beyond loopback.
    #[arg(long, env = "RAILWAY_OPERATOR_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    #[arg(
        long,
        env = "RAILWAY_OPERATOR_LOG_FORMAT",
        value_enum,
        default_value = "auto"
    )]
    pub log_format: LogFormat,
    /// PostgreSQL URL for per-project leases: replicas share the projects, and only a project's
    /// holder writes to it. Without it, `run` is unguarded. TLS with libpq's
    /// `?sslmode=require|verify-ca|verify-full` and `sslrootcert=PATH`.
    #[arg(long, env = "RAILWAY_OPERATOR_LOCK_URL", hide_env_values = true)]
    pub lock_url: Option<String>,
    /// Projects reconciled at once by this replica.
    #[arg(long, env = "RAILWAY_OPERATOR_CONCURRENCY", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// This replica's name in /status and in the lock database; default: Railway's
    /// RAILWAY_REPLICA_ID, else the host name and process id.
    #[arg(long, env = "RAILWAY_OPERATOR_INSTANCE_ID")]
    pub instance_id: Option<String>,
    /// Railway's request budget for the token, e.g. 10000/h (Pro), 1000/h (Hobby), 100/h (Free):
    /// change probes are spaced so that everything stays under 80 % of it. Default: unpaced.
    #[arg(long, env = "RAILWAY_OPERATOR_REQUEST_BUDGET", value_parser = budget)]
    pub request_budget: Option<BudgetSpec>,
}

fn budget(text: &str) -> Result<BudgetSpec, String> {
    BudgetSpec::parse(text).map_err(|error| error.to_string())
}

fn duration(text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|error| error.to_string())
}

pub async fn serve(global: &GlobalOptions, args: &RunArgs) -> anyhow::Result<u8> {
    if args.interval < Duration::from_secs(1) {
        bail!("--interval must be at least 1s");
    }
    let source = match (&args.file, &args.git) {
        (Some(path), None) => SourceSpec::Path(path.clone()),
        (None, Some(url)) => SourceSpec::Git {
            url: url.clone(),
            branch: args.branch.clone(),
            path: args.path.clone(),
            interval: args.git_interval,
            checkout_dir: args.checkout_dir.clone(),
        },
        _ => bail!("give either -f PATH or --git URL"),
    };
    let instance_id = args.instance_id.clone().unwrap_or_else(default_instance_id);
    // Replicas reading the same source share its projects; the group is only ever hashed.
    let group = match &source {
        SourceSpec::Path(path) => format!("file:{}", path.display()),
        SourceSpec::Git {
            url, branch, path, ..
        } => format!("git:{url}@{branch}:{}", path.display()),
    };
    let lock = match &args.lock_url {
        Some(url) if !url.trim().is_empty() => Some(std::sync::Arc::new(
            LeaseStore::new(url.trim(), &instance_id, &group).context("--lock-url")?,
        )),
        _ => None,
    };
    if lock.is_none() && !args.once {
        tracing::warn!(
            "running unguarded (no --lock-url): a second copy of run would write to the same projects"
        );
    }
    let mut connection = connect(global).await?;
    // The controller backs off between passes itself; a long retry inside one request would
    // only hold up the other projects.
    connection.client = connection
        .client
        .with_retry_budget(Duration::from_secs(global.retry_for_secs.min(15)));
    let config = RunConfig {
        source,
        interval: args.interval,
        listen: (!args.once).then_some(args.listen),
        admin_token: args.admin_token.clone(),
        once: args.once,
        workspace_fallback: std::env::var("RAILWAY_WORKSPACE_ID")
            .ok()
            .filter(|v| !v.is_empty()),
        requests_per_second_cap: connection.requests_per_second,
        backup_runner: crate::backup::RunnerConfig::default(),
        concurrency: usize::from(args.concurrency),
        instance_id,
        lock,
        age_key_file: args.age_key_file.clone(),
        request_budget: args.request_budget,
    };
    let code = run(
        connection.client.clone(),
        config,
        shutdown_signal(),
        |controller| {
            if let Some(url) = &controller.http_url {
                tracing::info!(
                    "status page: {url}/  (metrics: {url}/metrics, status: {url}/status)"
                );
                eprintln!("railway-operator run: status page at {url}/");
            }
        },
    )
    .await
    .context("the controller stopped")?;
    connection.close().await;
    Ok(code)
}

/// Railway names each replica of a deployment; elsewhere the host name and process id do.
fn default_instance_id() -> String {
    if let Ok(replica) = std::env::var("RAILWAY_REPLICA_ID")
        && !replica.trim().is_empty()
    {
        return replica.trim().to_string();
    }
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_string());
    format!("{host}-{}", std::process::id())
}

/// Resolves on SIGTERM or Ctrl-C. A second signal, or 28 s without a clean stop, exits at once
/// so that the process always ends within 30 s.
async fn shutdown_signal() {
    wait_for_signal().await;
    tracing::info!("shutting down: finishing the action in flight, starting no new one");
    tokio::spawn(async {
        tokio::select! {
            _ = wait_for_signal() => {}
            _ = tokio::time::sleep(Duration::from_secs(28)) => {}
        }
        tracing::warn!("shutdown took too long; exiting now");
        std::process::exit(0);
    });
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Whether `run`'s logs should be JSON.
pub fn json_logs(format: LogFormat) -> bool {
    match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::IsTerminal::is_terminal(&std::io::stdout()),
    }
}
