//! `railway-operator sandbox`: serves the Railway API emulator until interrupted.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::EXIT_OK;
use crate::sandbox::{
    DEFAULT_UNIDENTIFIED_RATE_LIMIT, DeploymentOutcome, FaultPlan, InstanceUpdateScope, Sandbox,
    SandboxConfig, SandboxPlan,
};

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
    /// Fault injection: `OP=KIND[@RATE],...`, e.g. `serviceCreate=drop-after-commit` or
    /// `*=error500@0.05,*=reset@0.04`. OP is an operation name, a root field or `*` (every
    /// request); RATE is in (0, 1], default 1, or xN for the first N matching requests only;
    /// rules matching one request share a single draw.
    /// KIND: drop-after-commit (performed, then the connection closes unanswered), reset
    /// (connection closed unanswered, nothing performed), slow (performed, answered after
    /// --slow-ms), error500 (HTTP 500 HTML page), error502 (HTTP 502 Cloudflare-like HTML page),
    /// ratelimit (HTTP 429, Retry-After: 1), problem (HTTP 200 "Problem processing request"
    /// envelope), try-again (HTTP 200 "Failed to create service domain, please try again"),
    /// redeploy-not-ready (HTTP 200 "Cannot redeploy yet, ..."), in-progress (HTTP 200 "... an
    /// operation is already in progress"), error503-text (HTTP 503 plain text), error503-json
    /// (HTTP 503 JSON errors), error504 (HTTP 504 HTML page), undecrypted (answered as if
    /// decryptVariables were false: null values, as for a token that cannot decrypt).
    /// Nothing is performed for the HTTP-error kinds. `POST /_sandbox/faults` replaces the plan
    /// while running.
    #[arg(long, default_value = "", verbatim_doc_comment)]
    pub faults: String,
    /// Seed for the fault decisions, to reproduce a run.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    /// How long the `slow` fault holds a response back, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    pub slow_ms: u64,
    /// Wait this many milliseconds before every answer, like a round trip to Railway.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Answer HTTP 429 beyond this many requests per second (Railway Hobby: 10).
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Answer HTTP 429 beyond this many requests per hour (Railway Hobby: 1000); the
    /// X-RateLimit-* headers then report the tighter of the two windows.
    #[arg(long)]
    pub rate_limit_hour: Option<u32>,
    /// Milliseconds from a deployment's creation to SUCCESS (INITIALIZING 10 %, BUILDING 50 %,
    /// DEPLOYING 40 %).
    #[arg(long, default_value_t = 300)]
    pub deploy_ms: u64,
    /// Force how a service's deployments end: `SERVICE=OUTCOME` with OUTCOME one of SUCCESS,
    /// FAILED, CRASHED, SKIPPED or UNHEALTHY (fails its health check). Repeatable;
    /// `POST /_sandbox/deployments/outcome` changes it while running.
    #[arg(long = "deploy-outcome", value_parser = parse_deploy_outcome)]
    pub deploy_outcomes: Vec<(String, DeploymentOutcome)>,
    /// Refuse queries selecting more than this many fields ("Query is too complex."). A guess:
    /// Railway's own limit and text are unknown.
    #[arg(long)]
    pub max_query_complexity: Option<usize>,
    /// Accept only this token (default: any non-empty token).
    #[arg(long, env = "RAILWAY_SANDBOX_TOKEN")]
    pub token: Option<String>,
    /// How far `serviceInstanceUpdate` with a non-fork environmentId reaches: every non-fork
    /// environment (the schema's reading, default) or only the requested one (the docs').
    #[arg(long, value_enum, default_value_t = InstanceUpdateScope::AllNonForks)]
    pub instance_update_scope: InstanceUpdateScope,
    /// Every creation throttle's window, e.g. `0s` (off) or `5s`. Default: Railway's (one
    /// environment per user and one project per workspace every 30 s, one volume every 2 s).
    #[arg(long, value_parser = crate::duration::parse_duration)]
    pub create_cooldown: Option<Duration>,
    /// The Railway plan whose limits apply: trial, hobby or pro (custom domains per service:
    /// 1, 2, 20).
    #[arg(long, default_value = "pro", value_parser = parse_plan)]
    pub plan: SandboxPlan,
    /// Answer an HTML 403 "Access denied" beyond this many requests per second from clients
    /// that identify themselves neither by `?source=` on the URL nor by an `x-source` header;
    /// 0 turns the cap off.
    #[arg(long, default_value_t = DEFAULT_UNIDENTIFIED_RATE_LIMIT)]
    pub unidentified_rate_limit: u32,
    /// R46 (disputed): template databases stay private, without the TCP proxy Railway's
    /// compiler gives them (Railway's docs say a proxy comes only with "Public Access").
    #[arg(long)]
    pub private_databases: bool,
    /// Keep new volumes and volume instances out of lists this long, e.g. `30s`.
    #[arg(long, default_value = "0s", value_parser = crate::duration::parse_duration)]
    pub visibility_delay: Duration,
}

fn parse_plan(text: &str) -> Result<SandboxPlan, String> {
    text.parse()
}

fn parse_deploy_outcome(text: &str) -> Result<(String, DeploymentOutcome), String> {
    let (service, outcome) = text
        .split_once('=')
        .ok_or_else(|| format!("expected SERVICE=OUTCOME, got {text:?}"))?;
    let outcome = outcome
        .parse()
        .map_err(|e: crate::sandbox::UnknownOutcome| e.to_string())?;
    Ok((service.trim().to_string(), outcome))
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
            rate_limit_per_hour: args.rate_limit_hour,
            slow_delay: Duration::from_millis(args.slow_ms),
            latency: Duration::from_millis(args.latency_ms),
            token: args.token.clone(),
            instance_update_scope: args.instance_update_scope,
            create_cooldown: args.create_cooldown,
            plan: args.plan,
            unidentified_rate_limit: Some(args.unidentified_rate_limit).filter(|limit| *limit > 0),
            visibility_delay: args.visibility_delay,
            deploy_duration: Duration::from_millis(args.deploy_ms),
            deploy_outcomes: args.deploy_outcomes.clone(),
            max_query_complexity: args.max_query_complexity,
            database_tcp_proxy: !args.private_databases,
            ..SandboxConfig::default()
        },
        args.listen,
    )
    .await
    .context("cannot start the sandbox")?;
    println!("Railway sandbox listening on {}", sandbox.url());
    println!(
        "Request and 429 counts: {}/_sandbox/stats. Stop with Ctrl-C.",
        sandbox.base_url()
    );
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sandbox.shutdown().await;
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deploy_outcome_flag_names_a_service_and_an_outcome() {
        assert_eq!(
            parse_deploy_outcome("api=crashed"),
            Ok(("api".to_string(), DeploymentOutcome::Crashed))
        );
        assert!(parse_deploy_outcome("api").is_err());
        assert!(
            parse_deploy_outcome("api=EXPLODED")
                .unwrap_err()
                .contains("SUCCESS, FAILED, CRASHED, SKIPPED or UNHEALTHY")
        );
    }
}
