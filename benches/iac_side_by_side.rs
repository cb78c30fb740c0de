//! railway-operator beside Railway's own IaC (`railway config apply/plan` of Railway's CLI
//! 5.71.0 with Railway's TypeScript SDK 3.11.0), in one run, each on a fresh sandbox answering
//! after 50 ms: create 20 services × 5 variables (+ 2 domains), a no-op plan, a change of 10
//! variables across 5 services, and a variable changed behind both tools' backs (plan, then
//! heal). Prints requests by operation, wall time, what each tool said, and the ratios
//! operator ÷ Railway IaC. Figures only: nothing here asserts a time.
//!
//! Both start from an existing empty project (Railway's IaC manages services inside a project;
//! it cannot create one). Both run unpaced (the operator with `--max-rps 0`):
//! Railway's CLI paces nothing.
//!
//! `cargo bench --bench iac_side_by_side`; needs what `.ci/run` installs (else it says SKIPPED).

mod common;
#[path = "../tests/it/support/railway_iac.rs"]
mod railway_iac;

use std::time::{Duration, Instant};

use common::*;
use railway_iac::{IacProject, Toolchain};
use railway_operator::sandbox::SANDBOX_WORKSPACE_ID;
use serde_json::{Value, json};

const SERVICES: usize = 20;
const VARIABLES: usize = 5;
/// The change step: the first two variables of the first five services.
const CHANGED_SERVICES: usize = 5;
const CHANGED_PER_SERVICE: usize = 2;
const LATENCY: Duration = Duration::from_millis(50);
const DRIFTED: (&str, &str) = ("svc-0007", "VAR_03");

fn value(service: usize, variable: usize, changed: bool) -> String {
    let edited = changed && service < CHANGED_SERVICES && variable < CHANGED_PER_SERVICE;
    format!(
        "value-{service}-{variable}{}",
        if edited { "-v2" } else { "" }
    )
}

/// The operator's manifest; the first service carries a generated and a custom domain.
fn manifest(changed: bool) -> String {
    let mut text = String::from(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: bench\nspec:\n  environments:\n    production: {}\n  services:\n",
    );
    for i in 0..SERVICES {
        text.push_str(&format!(
            "    svc-{i:04}:\n      source: {{ image: \"nginx:1.{i}\" }}\n      deploy:\n        replicas: 1\n        startCommand: \"serve --port {i}\"\n      variables:\n"
        ));
        for v in 0..VARIABLES {
            text.push_str(&format!(
                "        VAR_{v:02}: \"{}\"\n",
                value(i, v, changed)
            ));
        }
        if i == 0 {
            text.push_str(
                "      domains:\n        - railway: { port: 8080 }\n        - custom: app.bench.example.com\n",
            );
        }
    }
    text
}

/// The same project for Railway's IaC. Its engine refuses custom-domain registration and leaves
/// generated domains out of its diff, so it declares no domain (the report says so).
fn program(changed: bool) -> String {
    let mut services = Vec::new();
    for i in 0..SERVICES {
        let env: Vec<String> = (0..VARIABLES)
            .map(|v| format!("VAR_{v:02}: \"{}\"", value(i, v, changed)))
            .collect();
        services.push(format!(
            "    service(\"svc-{i:04}\", {{ source: image(\"nginx:1.{i}\"), replicas: 1, start: \"serve --port {i}\", env: {{ {} }} }}),",
            env.join(", ")
        ));
    }
    format!(
        "import {{ defineRailway, image, project, service }} from \"railway/iac\";\n\nexport default defineRailway(() =>\n  project(\"bench\", {{ resources: [\n{}\n  ] }}),\n);\n",
        services.join("\n")
    )
}

const EMPTY: &str = "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: bench\nspec:\n  environments:\n    production: {}\n  services: {}\n";

/// One step of one tool.
struct Step {
    requests: u64,
    by_operation: String,
    elapsed: Duration,
    said: String,
}

/// The line of a tool's output that sums up what it did.
fn summary_line(stdout: &str, stderr: &str) -> String {
    let markers = [
        "Apply complete",
        "Plan:",
        "No changes",
        "already up to date",
        "Changes (",
        "drift",
    ];
    stdout
        .lines()
        .chain(stderr.lines())
        .map(str::trim)
        .find(|line| markers.iter().any(|m| line.contains(m)))
        .unwrap_or("(no summary line)")
        .to_string()
}

async fn counted_step(
    bench: &Bench,
    run: impl std::future::Future<Output = (String, String)>,
) -> Step {
    bench.reset_stats().await;
    let started = Instant::now();
    let (stdout, stderr) = run.await;
    let elapsed = started.elapsed();
    let stats = bench.stats().await;
    Step {
        requests: total(&stats),
        by_operation: by_operation(&stats),
        elapsed,
        said: summary_line(&stdout, &stderr),
    }
}

async fn drift(bench: &Bench) {
    let client = reqwest::Client::new();
    let ask = |query: &str, variables: Value| {
        client
            .post(bench.sandbox.url())
            .bearer_auth(TOKEN)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
    };
    // The operator creates projects in the workspace (R33: an unscoped `projects` lists only
    // personal ones).
    let found: Value = ask(
        "query($w: String) { projects(workspaceId: $w) { edges { node { id environments { edges { node { id } } } services { edges { node { id name } } } } } } }",
        json!({ "w": SANDBOX_WORKSPACE_ID }),
    )
    .await
    .expect("projects answer")
    .json()
    .await
    .expect("JSON");
    let project = &found["data"]["projects"]["edges"][0]["node"];
    let service = project["services"]["edges"]
        .as_array()
        .and_then(|edges| edges.iter().find(|e| e["node"]["name"] == DRIFTED.0))
        .map(|e| e["node"]["id"].clone())
        .unwrap_or(Value::Null);
    let upserted: Value = ask(
        "mutation($i: VariableUpsertInput!) { variableUpsert(input: $i) }",
        json!({ "i": { "projectId": project["id"], "environmentId": project["environments"]["edges"][0]["node"]["id"],
            "serviceId": service, "name": DRIFTED.1, "value": "changed-by-hand", "skipDeploys": true } }),
    )
    .await
    .expect("variableUpsert answers")
    .json()
    .await
    .expect("JSON");
    assert_eq!(
        upserted["data"]["variableUpsert"], true,
        "the drift is made: {upserted}"
    );
}

const STEPS: [&str; 5] = [
    "create 20 services × 5 variables",
    "no-op plan",
    "change 10 variables in 5 services",
    "drift: plan",
    "drift: heal",
];

/// The five steps, in order, for one tool: `desire` writes the desired state (changed or not),
/// `apply` and `plan` run the tool.
async fn run_steps<A, P, FA, FP>(
    bench: &Bench,
    desire: impl Fn(bool),
    apply: A,
    plan: P,
) -> Vec<Step>
where
    A: Fn() -> FA,
    P: Fn() -> FP,
    FA: std::future::Future<Output = (String, String)>,
    FP: std::future::Future<Output = (String, String)>,
{
    let mut steps = Vec::new();
    desire(false);
    steps.push(counted_step(bench, apply()).await);
    steps.push(counted_step(bench, plan()).await);
    desire(true);
    steps.push(counted_step(bench, apply()).await);
    drift(bench).await;
    steps.push(counted_step(bench, plan()).await);
    steps.push(counted_step(bench, apply()).await);
    steps
}

async fn empty_project() -> Bench {
    let bench = Bench::empty_with_latency(EMPTY, LATENCY).await;
    bench
        .cli(&["apply", "-f", "{file}"])
        .await
        .expect_code(&[0], "the empty project");
    bench
}

async fn bench_operator() -> Vec<Step> {
    let bench = empty_project().await;
    let run = |args: &'static [&'static str]| {
        let bench = &bench;
        async move {
            let run = bench.cli(args).await;
            (run.stdout, run.stderr)
        }
    };
    let desire =
        |changed: bool| std::fs::write(bench.manifest_path(), manifest(changed)).expect("manifest");
    let apply: &[&str] = &["apply", "-f", "{file}", "--max-rps", "0"];
    let plan: &[&str] = &[
        "plan",
        "-f",
        "{file}",
        "--detailed-exitcode",
        "--max-rps",
        "0",
    ];
    run_steps(&bench, desire, || run(apply), || run(plan)).await
}

async fn bench_railway_iac(toolchain: &Toolchain) -> Vec<Step> {
    let bench = empty_project().await;
    let iac = IacProject::new(toolchain, &bench.sandbox.url(), TOKEN);
    let linked = iac.link("bench", "production").await;
    assert!(linked.ok(), "railway link:\n{}", linked.describe());
    let run = |args: &'static [&'static str]| {
        let iac = &iac;
        async move {
            let outcome = iac.run(args).await;
            assert!(
                matches!(outcome.code, Some(0) | Some(2)),
                "railway {}:\n{}",
                args.join(" "),
                outcome.describe()
            );
            (outcome.stdout, outcome.stderr)
        }
    };
    let desire = |changed: bool| iac.write_program(&program(changed));
    let apply: &[&str] = &["config", "apply", "--yes"];
    let plan: &[&str] = &["config", "plan", "--detailed-exit-code"];
    run_steps(&bench, desire, || run(apply), || run(plan)).await
}

fn ratio(operator: f64, railway: f64) -> String {
    if railway == 0.0 {
        "n/a".into()
    } else {
        format!("{:.2}", operator / railway)
    }
}

fn main() {
    let toolchain = match Toolchain::find() {
        Ok(toolchain) => toolchain,
        Err(missing) => {
            println!("SKIPPED: {missing}");
            return;
        }
    };
    block_on(async {
        let operator = bench_operator().await;
        let railway = bench_railway_iac(&toolchain).await;
        println!(
            "iac_side_by_side: {SERVICES} services × {VARIABLES} variables, sandbox latency {} ms, both unpaced\n",
            LATENCY.as_millis()
        );
        println!(
            "| step | operator requests | Railway IaC requests | ratio | operator time | Railway IaC time | ratio |"
        );
        println!("|---|---|---|---|---|---|---|");
        for ((name, o), r) in STEPS.iter().zip(&operator).zip(&railway) {
            println!(
                "| {name} | {} | {} | {} | {} | {} | {} |",
                o.requests,
                r.requests,
                ratio(o.requests as f64, r.requests as f64),
                millis(o.elapsed),
                millis(r.elapsed),
                ratio(o.elapsed.as_secs_f64(), r.elapsed.as_secs_f64()),
            );
        }
        println!();
        for ((name, o), r) in STEPS.iter().zip(&operator).zip(&railway) {
            println!("{name}");
            println!("  operator:    {}", o.said);
            println!("               {}", o.by_operation);
            println!("  Railway IaC: {}", r.said);
            println!("               {}", r.by_operation);
        }
    });
}
