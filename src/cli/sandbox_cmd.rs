//! `railway-operator sandbox`: serves the Railway API emulator until interrupted.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::EXIT_OK;
use crate::sandbox::{FaultPlan, Sandbox, SandboxConfig};

#[derive(Debug, Args, Clone)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4000")]
    pub listen: SocketAddr,
    /// Persist state to this JSON file (loaded at start when it exists).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Preload live projects from this YAML file.
    #[arg(long)]
    pub seed: Option<PathBuf>,
    /// Fault injection: `OP=KIND[@RATE],...` (`*` for every operation), e.g. `serviceCreate=drop-after-commit`.
    #[arg(long, default_value = "")]
    pub faults: String,
    /// Seed for the fault decisions, to reproduce a run.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    /// Answer HTTP 429 beyond this many requests per second.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Accept only this token (default: any non-empty token).
    #[arg(long, env = "RAILWAY_SANDBOX_TOKEN")]
    pub token: Option<String>,
}

pub async fn serve(args: &SandboxArgs) -> anyhow::Result<u8> {
    let faults: FaultPlan = args
        .faults
        .parse()
        .map_err(|e| anyhow::anyhow!("--faults {:?}: {e}", args.faults))?;
    let sandbox = Sandbox::start(
        SandboxConfig {
            state_file: args.state.clone(),
            seed_file: args.seed.clone(),
            faults,
            fault_seed: args.fault_seed,
            rate_limit_per_second: args.rate_limit,
            token: args.token.clone(),
            ..SandboxConfig::default()
        },
        args.listen,
    )
    .await
    .context("cannot start the sandbox")?;
    println!("Railway sandbox listening on {}", sandbox.url());
    println!(
        "Request counts: {}/_sandbox/stats. Stop with Ctrl-C.",
        sandbox.base_url()
    );
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sandbox.shutdown().await;
    Ok(EXIT_OK)
}
