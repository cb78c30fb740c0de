//! The proof that the sandbox behaves like Railway: Railway's own CLI (crates.io `railwayapp`
//! 5.71.0, a debug build, which honours `RAILWAY_BACKBOARD_URL`) runs its everyday commands
//! against a sandbox on which the operator applied `manifests/blackroad.yml`, and the operator's
//! `plan` then shows the CLI's writes as drift.
//!
//! The binary is `$RAILWAY_CLI`, else `~/.cache/railway-operator/railway-cli/bin/railway`
//! (where `.ci/run` installs it), else `railway` on `PATH`; without one the test prints a loud
//! SKIPPED and passes. Every CLI run has its own HOME (so the real `~/.railway/config.json` is
//! never touched), no TTY, and a 60 s timeout after which it is killed.

use crate::support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use railway_operator::sandbox::{SANDBOX_WORKSPACE_ID, Sandbox};
use serde_json::{Value, json};
use support::*;

const BLACKROAD: &str = "manifests/blackroad.yml";
const PROJECT: &str = "blackroad-os";
const CLI_TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) fn loud(message: &str) {
    let _ = writeln!(std::io::stderr(), "\n!!!!!!!!!!\n{message}\n!!!!!!!!!!\n");
}

pub(crate) fn find_cli() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RAILWAY_CLI").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let cached = home.join(".cache/railway-operator/railway-cli/bin/railway");
    if cached.is_file() {
        return Some(cached);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("railway"))
        .find(|path| path.is_file())
}

pub(crate) struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Railway's CLI pointed at one sandbox, with its own HOME and project folder.
pub(crate) struct RailwayCli {
    binary: PathBuf,
    backboard: String,
    home: tempfile::TempDir,
    project_dir: tempfile::TempDir,
}

impl RailwayCli {
    pub(crate) fn new(binary: PathBuf, sandbox: &Sandbox) -> Self {
        Self {
            binary,
            backboard: sandbox.url(),
            home: tempfile::tempdir().unwrap(),
            project_dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs one command with the account token, or with `project_token` as `RAILWAY_TOKEN`.
    pub(crate) async fn run(&self, args: &[&str], project_token: Option<&str>) -> Outcome {
        let mut command = tokio::process::Command::new(&self.binary);
        command
            .args(args)
            .current_dir(self.project_dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("XDG_DATA_HOME", self.home.path().join(".local/share"))
            .env("RAILWAY_BACKBOARD_URL", &self.backboard)
            .env("RAILWAY_NO_TELEMETRY", "1")
            .env("DO_NOT_TRACK", "1")
            .env("RAILWAY_NO_AUTO_UPDATE", "1")
            .env("RAILWAY_HTTP_TIMEOUT", "30")
            .env("CI", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        match project_token {
            Some(token) => command.env("RAILWAY_TOKEN", token),
            None => command.env("RAILWAY_API_TOKEN", TOKEN),
        };
        let child = command.spawn().expect("the Railway CLI starts");
        match tokio::time::timeout(CLI_TIMEOUT, child.wait_with_output()).await {
            Ok(Ok(output)) => Outcome {
                code: output.status.code(),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            },
            Ok(Err(error)) => Outcome {
                code: None,
                stdout: String::new(),
                stderr: format!("could not wait for the CLI: {error}"),
            },
            // Dropping the future kills the child (kill_on_drop).
            Err(_) => Outcome {
                code: None,
                stdout: String::new(),
                stderr: format!("timed out after {CLI_TIMEOUT:?} and was killed"),
            },
        }
    }
}

/// One command's verdict: it exited 0 and its output named every expected object.
struct Verdict {
    command: String,
    failure: Option<String>,
}

async fn check(
    cli: &RailwayCli,
    args: &[&str],
    project_token: Option<&str>,
    expected: &[&str],
) -> Verdict {
    let outcome = cli.run(args, project_token).await;
    if std::env::var_os("CLI_PROOF_VERBOSE").is_some_and(|v| !v.is_empty()) {
        eprintln!(
            "=== railway {}\n{}\n--- stderr\n{}",
            args.join(" "),
            outcome.stdout,
            outcome.stderr
        );
    }
    let output = format!("{}\n{}", outcome.stdout, outcome.stderr);
    let missing: Vec<&&str> = expected.iter().filter(|e| !output.contains(**e)).collect();
    let failure = if outcome.code != Some(0) {
        Some(format!("exit {:?}", outcome.code))
    } else if !missing.is_empty() {
        Some(format!("output lacks {missing:?}"))
    } else {
        None
    };
    Verdict {
        command: args.join(" "),
        failure: failure.map(|why| {
            format!(
                "{why}\n--- stdout\n{}\n--- stderr\n{}",
                outcome.stdout.trim(),
                outcome.stderr.trim()
            )
        }),
    }
}

async fn applied_blackroad(sandbox: &Sandbox) {
    let (code, out, err) = cli_env(
        sandbox,
        &["apply", "-f", BLACKROAD],
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[("RAILWAY_WORKSPACE_ID", SANDBOX_WORKSPACE_ID)],
    )
    .await;
    assert_eq!(code, 0, "apply succeeds\n{out}\n{err}");
}

async fn project_ids(sandbox: &Sandbox) -> (String, String) {
    let found = graphql(
        sandbox,
        "query($w: String) { projects(workspaceId: $w) { edges { node { id name
            environments { edges { node { id name } } } } } } }",
        json!({ "w": SANDBOX_WORKSPACE_ID }),
    )
    .await;
    let project = &found["data"]["projects"]["edges"][0]["node"];
    let production = project["environments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "production")
        .unwrap();
    (
        project["id"].as_str().unwrap().to_string(),
        production["node"]["id"].as_str().unwrap().to_string(),
    )
}

/// Waits (up to 10 s) until no deployment of the environment is still on its way to a result.
async fn settle_deployments(sandbox: &Sandbox, project_id: &str, environment_id: &str) {
    let in_progress = ["QUEUED", "WAITING", "INITIALIZING", "BUILDING", "DEPLOYING"];
    for _ in 0..100 {
        let found = graphql(
            sandbox,
            "query($p: String!, $e: String!) { deployments(input: { projectId: $p, environmentId: $e }) { edges { node { status } } } }",
            json!({ "p": project_id, "e": environment_id }),
        )
        .await;
        assert!(found["errors"].is_null(), "{found}");
        let busy = found["data"]["deployments"]["edges"]
            .as_array()
            .is_some_and(|edges| {
                edges.iter().any(|e| {
                    e["node"]["status"]
                        .as_str()
                        .is_some_and(|s| in_progress.contains(&s))
                })
            });
        if !busy {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn mint_project_token(sandbox: &Sandbox, project_id: &str, environment_id: &str) -> String {
    let minted = graphql(
        sandbox,
        "mutation($input: ProjectTokenCreateInput!) { projectTokenCreate(input: $input) }",
        json!({ "input": { "projectId": project_id, "environmentId": environment_id, "name": "cli-proof" } }),
    )
    .await;
    minted["data"]["projectTokenCreate"]
        .as_str()
        .unwrap_or_else(|| panic!("projectTokenCreate answers a token: {minted}"))
        .to_string()
}

/// Turns the project's PR environments on and opens pull request 7 on its repository (R50).
async fn open_pull_request(sandbox: &Sandbox, project_id: &str) {
    let updated = graphql(
        sandbox,
        "mutation($id: String!) { projectUpdate(id: $id, input: { prDeploys: true }) { id } }",
        json!({ "id": project_id }),
    )
    .await;
    assert!(updated["errors"].is_null(), "{updated}");
    let answer = pull_request_event(
        sandbox,
        "opened",
        7,
        "feat/cli",
        "blackroad/BlackRoad-Operating-System",
    )
    .await;
    assert_eq!(answer["environments"][0]["effect"], "created", "{answer}");
}

/// The names of the blackroad project's live environments.
async fn live_environments(sandbox: &Sandbox) -> Vec<String> {
    let found = graphql(
        sandbox,
        "query($w: String) { projects(workspaceId: $w) { edges { node {
            environments { edges { node { name } } } } } } }",
        json!({ "w": SANDBOX_WORKSPACE_ID }),
    )
    .await;
    found["data"]["projects"]["edges"][0]["node"]["environments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["node"]["name"].as_str().map(str::to_string))
        .collect()
}

/// The operator's plan as JSON, with the workspace the project was applied in.
async fn operator_plan(sandbox: &Sandbox) -> Value {
    let (_, out, err) = cli_env(
        sandbox,
        &["plan", "-f", BLACKROAD, "--json"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[("RAILWAY_WORKSPACE_ID", SANDBOX_WORKSPACE_ID)],
    )
    .await;
    serde_json::from_str(&out).unwrap_or_else(|_| panic!("plan prints JSON\n{out}\n{err}"))
}

#[tokio::test]
async fn railway_s_own_cli_runs_its_everyday_commands_against_the_sandbox() {
    let Some(binary) = find_cli() else {
        loud(
            "SKIPPED: Railway's CLI not found (set RAILWAY_CLI or run .ci/run to install railwayapp 5.71.0)",
        );
        return;
    };
    let sandbox = sandbox().await;
    applied_blackroad(&sandbox).await;
    let (project_id, production) = project_ids(&sandbox).await;
    let cli = RailwayCli::new(binary, &sandbox);

    let mut verdicts = Vec::new();
    verdicts.push(check(&cli, &["whoami"], None, &["sandbox@example.com"]).await);
    verdicts.push(check(&cli, &["list", "--json"], None, &[PROJECT]).await);
    verdicts.push(
        check(
            &cli,
            &[
                "link",
                "--project",
                PROJECT,
                "--environment",
                "production",
                "--service",
                "blackroad-backend",
            ],
            None,
            &[PROJECT, "blackroad-backend"],
        )
        .await,
    );
    verdicts.push(
        check(
            &cli,
            &["status", "--json"],
            None,
            &[
                PROJECT,
                "production",
                "blackroad-backend-production.up.railway.app",
                "postgres-data",
            ],
        )
        .await,
    );
    verdicts.push(
        check(
            &cli,
            &["service", "list", "--json"],
            None,
            &["blackroad-backend", "postgres", "redis", "redis-data"],
        )
        .await,
    );
    verdicts.push(
        check(
            &cli,
            &["service", "status", "--json"],
            None,
            // The status itself depends on timing: deployments take the sandbox's deploy duration.
            &["blackroad-backend", "deploymentId"],
        )
        .await,
    );
    verdicts.push(
        check(
            &cli,
            &["variable", "list", "--json"],
            None,
            &[
                "ENVIRONMENT",
                "production",
                // The database templates' URLs, rendered (R46).
                "@redis.railway.internal:6379",
                "@postgres.railway.internal:5432/railway",
            ],
        )
        .await,
    );
    verdicts.push(
        check(
            &cli,
            &["variable", "set", "CLI_PROOF=yes", "--skip-deploys"],
            None,
            &["CLI_PROOF"],
        )
        .await,
    );
    verdicts.push(check(&cli, &["variable", "delete", "ENVIRONMENT"], None, &[]).await);
    verdicts.push(
        check(
            &cli,
            &["domain", "list", "--json"],
            None,
            &[
                "blackroad.systems",
                "blackroad-backend-production.up.railway.app",
            ],
        )
        .await,
    );
    verdicts.push(
        check(
            &cli,
            &["domain", "api.example.org", "--port", "8000", "--json"],
            None,
            &[
                "api.example.org",
                "CNAME",
                "_railway-verify.api.example.org",
            ],
        )
        .await,
    );
    verdicts.push(
        check(
            &cli,
            &["domain", "--service", "redis"],
            None,
            &["redis-production.up.railway.app"],
        )
        .await,
    );
    verdicts.push(
        check(
            &cli,
            &["environment", "list", "--json"],
            None,
            &["production", "staging"],
        )
        .await,
    );
    // R50: a pull request on the project's repository makes a PR environment.
    open_pull_request(&sandbox, &project_id).await;
    verdicts.push(
        check(
            &cli,
            &["environment", "list", "--ephemeral", "--json"],
            None,
            &["pr-7", "\"prNumber\": 7", "feat/cli"],
        )
        .await,
    );
    verdicts.push(
        check(
            &cli,
            &["volume", "list", "--json"],
            None,
            &["/var/lib/postgresql/data", "postgres-data", "redis-data"],
        )
        .await,
    );
    verdicts.push(check(&cli, &["tcp-proxy", "list", "--json"], None, &["proxies"]).await);
    verdicts.push(
        check(
            &cli,
            &["deployment", "list", "--json"],
            None,
            &["SUCCESS", "blackroad/BlackRoad-Operating-System"],
        )
        .await,
    );
    // R44: the linked service's logs, fetched (not streamed: stdout is not a terminal).
    verdicts.push(
        check(
            &cli,
            &["logs", "--deployment", "--lines", "5"],
            None,
            &["Starting Container"],
        )
        .await,
    );
    verdicts.push(
        check(
            &cli,
            &["logs", "--build", "--lines", "5"],
            None,
            &["building image"],
        )
        .await,
    );
    // The variable delete above started a deployment; Railway (and Railway's CLI) refuse to
    // redeploy while one is building or deploying, so wait for it as a user would.
    settle_deployments(&sandbox, &project_id, &production).await;
    verdicts.push(check(&cli, &["redeploy", "--yes"], None, &[]).await);
    // Last of the linked commands: `environment new` links the new, empty environment.
    verdicts.push(check(&cli, &["environment", "new", "qa"], None, &["qa"]).await);
    let token = mint_project_token(&sandbox, &project_id, &production).await;
    verdicts.push(
        check(
            &cli,
            &["status"],
            Some(&token),
            &[
                PROJECT,
                "production",
                "redis-production.up.railway.app",
                "postgres-data",
            ],
        )
        .await,
    );

    let passing = verdicts.iter().filter(|v| v.failure.is_none()).count();
    let mut report = format!("CLI commands: {passing} of {} pass\n", verdicts.len());
    for verdict in &verdicts {
        let mark = if verdict.failure.is_none() {
            "pass"
        } else {
            "FAIL"
        };
        report.push_str(&format!("  {mark}  railway {}\n", verdict.command));
    }
    loud(&report);
    let failures: Vec<String> = verdicts
        .iter()
        .filter_map(|v| {
            let why = v.failure.as_ref()?;
            Some(format!("railway {}: {why}", v.command))
        })
        .collect();
    assert!(failures.is_empty(), "{report}\n\n{}", failures.join("\n\n"));
    assert!(
        live_environments(&sandbox)
            .await
            .contains(&"qa".to_string()),
        "`environment new qa` created qa"
    );
    let plan = operator_plan(&sandbox).await;
    if std::env::var_os("CLI_PROOF_VERBOSE").is_some_and(|v| !v.is_empty()) {
        eprintln!("=== plan\n{plan:#}");
    }
    assert_plan_shows_the_cli_writes(&plan);
    sandbox.shutdown().await;
}

/// The CLI deleted `ENVIRONMENT` (the plan puts it back and redeploys), set `CLI_PROOF`, added
/// `api.example.org` and generated a domain for redis (the plan reports them as left alone),
/// created the environment `qa` (the plan lists it as left alone, empty), and changed nothing
/// else.
fn assert_plan_shows_the_cli_writes(plan: &Value) {
    let addresses: Vec<&Value> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| &action["address"])
        .collect();
    assert_eq!(
        addresses,
        [
            "service.blackroad-backend[production]",
            "deploy.blackroad-backend[production]"
        ],
        "only the variable the CLI deleted is planned back: {plan:#}"
    );
    let configured: Vec<&Value> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|action| action["type"] == "configureInstance")
        .collect();
    assert_eq!(configured.len(), 1, "{plan:#}");
    assert_eq!(
        configured[0]["address"],
        "service.blackroad-backend[production]"
    );
    assert_eq!(
        configured[0]["variables"],
        json!([{ "after": "production", "name": "ENVIRONMENT", "op": "add", "sensitive": false }]),
        "{plan:#}"
    );
    assert_eq!(configured[0]["changes"], json!([]), "{plan:#}");
    let notes = plan["notes"].to_string();
    for write in [
        "api.example.org",
        "redis-production.up.railway.app",
        "CLI_PROOF",
        "not in the manifest and are left alone: qa (empty)",
    ] {
        assert!(
            notes.contains(write),
            "the plan reports the CLI's write {write}: {plan:#}"
        );
    }
}
