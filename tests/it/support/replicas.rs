//! `railway-operator run` replicas as child processes sharing one lock database and one
//! manifest directory, with their `/status` and `/metrics` read over HTTP, and the manifests
//! and drift the high-availability tests and benchmark use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use railway_operator::sandbox::Sandbox;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{TOKEN, all_projects, graphql};

pub struct Replica {
    pub instance: String,
    pub url: String,
    child: tokio::process::Child,
    /// Everything the process wrote to stderr and stdout so far, for failure messages.
    logs: Arc<Mutex<Vec<String>>>,
}

/// Starts `run` over `dir` with leases in `lock_url`, and waits for its status page.
pub async fn start_replica(
    sandbox: &Sandbox,
    dir: &Path,
    lock_url: &str,
    instance: &str,
    interval: &str,
) -> Replica {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"))
        .args(["run", "--log-format", "text", "--listen", "127.0.0.1:0"])
        .args(["--interval", interval, "--instance-id", instance, "-f"])
        .arg(dir)
        .env("RAILWAY_OPERATOR_LOCK_URL", lock_url)
        .env("RAILWAY_API_URL", sandbox.url())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .env_remove("RAILWAY_TOKEN")
        .env_remove("RAILWAY_WORKSPACE_ID")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the operator starts");
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (found_tx, found_rx) = tokio::sync::oneshot::channel::<String>();
    let stderr = child.stderr.take().expect("stderr");
    let stdout = child.stdout.take().expect("stdout");
    {
        let logs = logs.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                logs.lock().expect("logs").push(line);
            }
        });
    }
    {
        let logs = logs.clone();
        tokio::spawn(async move {
            let mut found = Some(found_tx);
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.split("status page at ").nth(1)
                    && let Some(tx) = found.take()
                {
                    let _ = tx.send(url.trim().trim_end_matches('/').to_string());
                }
                logs.lock().expect("logs").push(line);
            }
        });
    }
    let url = tokio::time::timeout(Duration::from_secs(30), found_rx)
        .await
        .unwrap_or_else(|_| panic!("{instance} never served its status page: {:?}", logs.lock()))
        .expect("the status page address");
    Replica {
        instance: instance.to_string(),
        url,
        child,
        logs,
    }
}

impl Replica {
    pub async fn status(&self) -> Value {
        match reqwest::get(format!("{}/status", self.url)).await {
            Ok(response) => response.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        }
    }

    pub async fn metrics(&self) -> String {
        match reqwest::get(format!("{}/metrics", self.url)).await {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The projects this replica holds now.
    pub async fn held(&self) -> BTreeSet<String> {
        held_in(&self.status().await)
    }

    /// Mutations this replica sent to Railway (refused-by-fence ones are not sent).
    pub async fn sent_mutations(&self) -> u64 {
        let mutations = mutation_names();
        self.metrics()
            .await
            .lines()
            .filter(|l| l.starts_with("railway_operator_api_requests_total{"))
            .filter(|l| !l.contains("outcome=\"fenced\""))
            .filter(|l| label(l, "operation").is_some_and(|op| mutations.contains(op.as_str())))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    }

    /// SIGKILL: no clean shutdown, no lease given back by the process itself.
    pub async fn kill(&mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    pub fn logs(&self) -> String {
        self.logs.lock().map(|l| l.join("\n")).unwrap_or_default()
    }
}

pub fn held_in(status: &Value) -> BTreeSet<String> {
    status["projects"]
        .as_object()
        .map(|projects| {
            projects
                .iter()
                .filter(|(_, p)| p["lease"]["held"] == true)
                .map(|(name, _)| name.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn label(line: &str, name: &str) -> Option<String> {
    let start = line.find(&format!("{name}=\""))? + name.len() + 2;
    let rest = &line[start..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The operation names of every mutation the operator can send (`graphql/mutations`).
pub fn mutation_names() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("graphql/mutations");
    std::fs::read_dir(dir)
        .expect("graphql/mutations")
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| l.trim().strip_prefix("mutation "))
                .filter_map(|rest| rest.split(['(', ' ', '{']).next().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Mutations the sandbox answered, by anyone, per operation.
pub fn mutations_by_operation(stats: &Value) -> BTreeMap<String, u64> {
    let names = mutation_names();
    stats["byOperation"]
        .as_object()
        .map(|ops| {
            ops.iter()
                .filter(|(op, _)| names.contains(op.as_str()))
                .filter_map(|(op, n)| Some((op.clone(), n.as_u64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Mutations the sandbox answered, by anyone.
pub fn mutations_in(stats: &Value) -> u64 {
    mutations_by_operation(stats).values().sum()
}

/// Writes one manifest per project into `dir`: `ha-00` … with one image service `web`
/// carrying `MODE=managed`.
pub fn write_projects(dir: &Path, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let name = format!("ha-{i:02}");
            let text = format!(
                "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: {name}\nspec:\n  environments:\n    production: {{}}\n  services:\n    web:\n      source: {{ image: \"nginx:1.{i}\" }}\n      variables:\n        MODE: managed\n"
            );
            std::fs::write(dir.join(format!("{name}.yml")), text).expect("manifest written");
            name
        })
        .collect()
}

/// Project name -> (project id, environment id, service `web` id), as another client reads them.
pub async fn project_ids(sandbox: &Sandbox) -> BTreeMap<String, (Value, Value, Value)> {
    let data = all_projects(
        sandbox,
        "id name environments { edges { node { id } } } services { edges { node { id name } } }",
    )
    .await;
    data["data"]["projects"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|edge| {
            let node = &edge["node"];
            let web = node["services"]["edges"]
                .as_array()?
                .iter()
                .find(|s| s["node"]["name"] == "web")?["node"]["id"]
                .clone();
            Some((
                node["name"].as_str()?.to_string(),
                (
                    node["id"].clone(),
                    node["environments"]["edges"][0]["node"]["id"].clone(),
                    web,
                ),
            ))
        })
        .collect()
}

/// A dashboard edit of `web`'s `MODE` in `project`.
pub async fn drift(sandbox: &Sandbox, project: &str, value: &str) {
    let ids = project_ids(sandbox).await;
    let (project_id, environment, service) = ids.get(project).expect("the project exists");
    let result = graphql(
        sandbox,
        "mutation($i: VariableUpsertInput!) { variableUpsert(input: $i) }",
        json!({ "i": { "projectId": project_id, "environmentId": environment,
                       "serviceId": service, "name": "MODE", "value": value, "skipDeploys": true } }),
    )
    .await;
    assert_eq!(result["data"]["variableUpsert"], true, "{result}");
}

/// `web`'s `MODE` in `project`.
pub async fn mode_of(sandbox: &Sandbox, project: &str) -> String {
    let ids = project_ids(sandbox).await;
    let Some((project_id, environment, service)) = ids.get(project) else {
        return String::new();
    };
    let data = graphql(
        sandbox,
        "query($p: String!, $e: String!, $s: String) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: true) }",
        json!({ "p": project_id, "e": environment, "s": service }),
    )
    .await;
    data["data"]["variables"]["MODE"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Polls `check` every 200 ms until it holds or `limit` passes; the time it took.
pub async fn wait_until<F, Fut>(limit: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out after {limit:?} waiting for {what}");
}
