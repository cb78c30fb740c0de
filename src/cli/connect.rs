//! Turns global options and the environment into a Railway client: the real endpoint with a
//! token, or an in-process sandbox whose state persists under the working directory.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

use super::GlobalOptions;
use crate::railway::{Auth, Client, ClientConfig};
use crate::sandbox::{Sandbox, SandboxConfig};

/// Where `--sandbox` keeps its state, so repeated commands see the same "live" project.
pub const SANDBOX_STATE: &str = ".railway-operator/sandbox-state.json";
const SANDBOX_TOKEN: &str = "sandbox-token";

/// A client plus the sandbox it talks to, if any (kept alive as long as the connection).
pub struct Connection {
    pub client: Client,
    pub sandbox: Option<Sandbox>,
    /// The pace the client keeps (0: unpaced).
    pub requests_per_second: f64,
}

impl Connection {
    pub async fn close(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
    }
}

pub async fn connect(global: &GlobalOptions) -> anyhow::Result<Connection> {
    let timeout = Duration::from_secs(global.timeout_secs.max(1));
    let retry_for = Duration::from_secs(global.retry_for_secs);
    if global.sandbox {
        let state = PathBuf::from(SANDBOX_STATE);
        if let Some(dir) = state.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let sandbox = Sandbox::start(
            SandboxConfig {
                state_file: Some(state),
                token: Some(SANDBOX_TOKEN.into()),
                ..SandboxConfig::default()
            },
            ([127, 0, 0, 1], 0).into(),
        )
        .await
        .context("cannot start the sandbox")?;
        let mut config = ClientConfig::new(sandbox.url(), Auth::Bearer(SANDBOX_TOKEN.into()));
        config.timeout = timeout;
        config.retry.max_elapsed = retry_for;
        let requests_per_second = global.max_rps.unwrap_or(0.0);
        let client = Client::new(config)?.with_pace(requests_per_second);
        return Ok(Connection {
            client,
            sandbox: Some(sandbox),
            requests_per_second,
        });
    }
    let auth = match (non_empty("RAILWAY_API_TOKEN"), non_empty("RAILWAY_TOKEN")) {
        (Some(token), _) => Auth::Bearer(token),
        (None, Some(token)) => Auth::ProjectToken(token),
        (None, None) => bail!(
            "no Railway token: set RAILWAY_API_TOKEN to an account or workspace token (or use --sandbox to try it locally)"
        ),
    };
    let mut config = ClientConfig::new(global.api_url.clone(), auth);
    config.timeout = timeout;
    config.retry.max_elapsed = retry_for;
    let requests_per_second = global.max_rps.unwrap_or(super::DEFAULT_MAX_RPS);
    Ok(Connection {
        client: Client::new(config)?.with_pace(requests_per_second),
        sandbox: None,
        requests_per_second,
    })
}

fn non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
