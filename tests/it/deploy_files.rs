//! The deployment files in `deploy/` (the Dockerfile, the operator's own project in
//! `operator.yml`, the CI workflow, `.env.example`) against the code they describe: the things
//! that break silently (a renamed binary, a moved health path, a CLI flag that no longer exists,
//! an environment variable nobody documents).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Parser;
use railway_operator::cli::Cli;
use railway_operator::manifest;
use railway_operator::manifest::desired::{
    InstanceSettings, RestartPolicyType, ServiceKind, VariableValue,
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn binary_name() -> String {
    let cargo = read("Cargo.toml");
    let bin = cargo.split("[[bin]]").nth(1).expect("a [[bin]] section");
    let line = bin
        .lines()
        .find(|l| l.trim_start().starts_with("name"))
        .expect("a bin name");
    line.split('"').nth(1).expect("a quoted name").to_string()
}

/// The settings `deploy/operator.yml` gives the operator's own service in production, as the
/// operator itself reads them (any `fromEnv` value is a stand-in).
fn operator_service() -> InstanceSettings {
    let path = repo().join("deploy/operator.yml");
    let desired = manifest::load_file(&path, &|_| Some("stand-in".into()))
        .unwrap_or_else(|e| panic!("deploy/operator.yml: {e}"));
    let service = desired
        .services
        .into_iter()
        .find(|s| s.name == "railway-operator")
        .expect("a railway-operator service");
    let ServiceKind::Managed { mut environments } = service.kind else {
        panic!("the operator's service is managed");
    };
    environments
        .remove("production")
        .expect("the operator runs in production")
}

fn plain(settings: &InstanceSettings, name: &str) -> String {
    match settings.variables.get(name) {
        Some(VariableValue::Plain { value }) => value.clone(),
        other => panic!("{name} is not a plain value: {other:?}"),
    }
}

#[test]
fn the_dockerfile_copies_the_binary_cargo_builds() {
    let dockerfile = read("deploy/Dockerfile");
    let binary = binary_name();
    assert!(
        dockerfile.contains(&format!("--bin {binary}")),
        "the build stage must build the {binary} binary"
    );
    assert!(
        dockerfile.contains(&format!(
            "COPY --from=build /src/target/release/{binary} /usr/local/bin/{binary}"
        )),
        "the runtime stage must copy target/release/{binary}"
    );
    assert!(dockerfile.contains(&format!("ENTRYPOINT [\"{binary}\"]")));
    for path in ["graphql", "src", "manifests"] {
        assert!(
            dockerfile.contains(&format!("COPY {path} ")),
            "the image needs {path}/"
        );
        assert!(repo().join(path).is_dir());
    }
}

#[test]
fn the_dockerfile_runs_as_a_non_root_user_and_checks_health_on_the_listen_port() {
    let dockerfile = read("deploy/Dockerfile");
    let user = dockerfile
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER line");
    assert_ne!(user.trim(), "root");
    assert!(dockerfile.contains("RAILWAY_OPERATOR_LISTEN=0.0.0.0:8080"));
    assert!(dockerfile.contains("EXPOSE 8080"));
    assert!(dockerfile.contains("curl -fsS http://127.0.0.1:8080/healthz"));
    let routes = read("src/controller/http/routes.rs");
    assert!(
        routes.contains(".route(\"/healthz\""),
        "the operator must still serve /healthz"
    );
}

#[test]
fn the_dockerfile_builder_is_not_older_than_the_toolchain_the_code_needs() {
    let dockerfile = read("deploy/Dockerfile");
    let tag = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("FROM rust:"))
        .expect("a rust builder image");
    let version: Vec<u32> = tag
        .split('-')
        .next()
        .unwrap_or_default()
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    assert!(
        version >= vec![1, 85],
        "edition 2024 needs Rust 1.85 or newer, the image has {tag}"
    );
}

/// How long `run` takes at most to stop after SIGTERM (src/cli/run_cmd.rs, `shutdown_signal`).
const SHUTDOWN_SECONDS: i64 = 28;

#[test]
fn railway_config_as_code_is_gone_from_deploy() {
    // R18: Railway stops reading Config-as-Code files on 2026-12-01; deploy/operator.yml holds it.
    for file in ["deploy/railway.toml", "deploy/railway.json"] {
        assert!(!repo().join(file).exists(), "{file} is back");
    }
}

#[test]
fn the_operator_manifest_builds_the_dockerfile_and_checks_the_health_path_the_operator_serves() {
    let settings = operator_service();
    let dockerfile = settings
        .values
        .dockerfile_path
        .clone()
        .expect("a dockerfilePath");
    assert!(
        repo().join(&dockerfile).is_file(),
        "{dockerfile} does not exist"
    );
    assert_eq!(
        settings.values.healthcheck_path.as_deref(),
        Some("/healthz")
    );
    assert!(settings.values.healthcheck_timeout.is_some_and(|t| t > 0));
    assert!(read("src/controller/http/routes.rs").contains(".route(\"/healthz\""));
    assert_eq!(settings.values.num_replicas, Some(2));
    assert_eq!(
        settings.values.restart_policy_type,
        Some(RestartPolicyType::OnFailure)
    );
    let draining = settings.values.draining_seconds.expect("drainingSeconds");
    assert!(
        draining >= SHUTDOWN_SECONDS,
        "Railway must wait the {SHUTDOWN_SECONDS} s a stop takes, not {draining} s"
    );
}

#[test]
fn the_operator_manifest_points_the_operator_at_the_manifests_and_port_of_its_image() {
    let settings = operator_service();
    let dockerfile = read("deploy/Dockerfile");
    let manifests = plain(&settings, "RAILWAY_OPERATOR_FILE");
    assert!(
        dockerfile.contains(&format!("COPY manifests {manifests}")),
        "the image has no manifests at {manifests}"
    );
    let listen = plain(&settings, "RAILWAY_OPERATOR_LISTEN");
    let port = listen.rsplit(':').next().unwrap_or_default();
    assert_eq!(plain(&settings, "PORT"), port);
    assert!(dockerfile.contains(&format!("EXPOSE {port}")));
    assert_eq!(plain(&settings, "RAILWAY_OPERATOR_LOG_FORMAT"), "json");
    assert_eq!(
        plain(&settings, "RAILWAY_OPERATOR_LOCK_URL"),
        "${{postgres.DATABASE_URL}}"
    );
    for secret in ["RAILWAY_API_TOKEN", "RAILWAY_OPERATOR_ADMIN_TOKEN"] {
        let value = settings.variables.get(secret).expect(secret);
        assert!(value.is_sensitive(), "{secret} must be a secret");
    }
}

/// `railway-operator ...` command lines of the workflow, without redirections.
fn workflow_commands(workflow: &str, binary: &str) -> Vec<Vec<String>> {
    let invocation = format!("./target/release/{binary} ");
    workflow
        .lines()
        .filter_map(|line| {
            let start = line.find(&invocation)?;
            let words: Vec<String> = line[start..]
                .split_whitespace()
                .take_while(|w| !w.starts_with('>') && !w.starts_with("2>") && *w != "|")
                .map(str::to_string)
                .collect();
            Some(words)
        })
        .collect()
}

#[test]
fn the_pull_request_workflow_calls_the_cli_with_flags_it_accepts() {
    let workflow = read("deploy/ci/railway-plan.yml");
    let binary = binary_name();
    assert!(workflow.contains(&format!("--bin {binary}")));
    let commands = workflow_commands(&workflow, &binary);
    assert!(!commands.is_empty(), "the workflow runs the operator");
    for words in &commands {
        let parsed =
            Cli::try_parse_from(words).unwrap_or_else(|e| panic!("{}: {e}", words.join(" ")));
        let rendered = format!("{:?}", parsed.command);
        assert!(rendered.starts_with("Plan("), "{rendered}");
        assert!(words.iter().any(|w| w == "--detailed-exitcode"));
        assert!(
            words
                .windows(2)
                .any(|w| w[0] == "--output" && w[1] == "markdown")
        );
        let manifest = words
            .windows(2)
            .find(|w| w[0] == "-f")
            .map(|w| w[1].clone())
            .expect("a manifest");
        assert!(
            repo().join(&manifest).is_file(),
            "{manifest} does not exist"
        );
    }
    // Exit code 2 means "changes pending": only 1 may fail the job.
    assert!(workflow.contains("if [ \"$code\" = 1 ]"));
}

#[test]
fn the_merge_workflow_applies_exactly_the_plan_the_pull_request_saved() {
    let planning = read("deploy/ci/railway-plan.yml");
    let applying = read("deploy/ci/railway-apply.yml");
    let binary = binary_name();
    let saved = workflow_commands(&planning, &binary)
        .into_iter()
        .find_map(|words| {
            let at = words.iter().position(|w| w == "--out")?;
            words.get(at + 1).cloned()
        })
        .expect("the pull request's plan is saved with --out");
    assert!(
        planning.contains(&format!("path: {saved}")),
        "and kept as an artifact"
    );
    let commands = workflow_commands(&applying, &binary);
    assert_eq!(commands.len(), 1, "one apply");
    let words = &commands[0];
    let parsed = Cli::try_parse_from(words).unwrap_or_else(|e| panic!("{}: {e}", words.join(" ")));
    assert!(format!("{:?}", parsed.command).starts_with("Apply("));
    assert!(
        words.windows(2).any(|w| w[0] == "--plan" && w[1] == saved),
        "applies the saved file: {words:?}"
    );
    assert!(applying.contains("github.event.pull_request.merged == true"));
    assert!(applying.contains("ref: ${{ github.event.pull_request.head.sha }}"));
}

/// Environment variable names the code reads: clap `env = "..."`, `env::var("...")`, the
/// connection's `non_empty("...")` and `..._ENV: &str = "..."` constants.
fn variables_read_by_the_code() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut stack = vec![repo().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                collect_names(&path, &mut names);
            }
        }
    }
    names
}

fn collect_names(path: &Path, names: &mut BTreeSet<String>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for marker in ["env = \"", "env::var(\"", "non_empty(\"", "_ENV: &str = \""] {
        for (index, _) in text.match_indices(marker) {
            let rest = &text[index + marker.len()..];
            if let Some(name) = rest.split('"').next()
                && !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                names.insert(name.to_string());
            }
        }
    }
}

fn documented_variables() -> BTreeSet<String> {
    read("deploy/.env.example")
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.trim().to_string()))
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn every_environment_variable_the_operator_reads_is_documented_and_none_is_invented() {
    // Read by libraries or by Railway rather than by our code.
    let outside_the_code = ["RUST_LOG", "PORT"];
    // Read only to leave git's own settings alone, not configuration.
    let not_configuration = ["GIT_SSH_COMMAND", "GIT_CONFIG_COUNT"];
    let read_by_code: BTreeSet<String> = variables_read_by_the_code()
        .into_iter()
        .filter(|n| !not_configuration.contains(&n.as_str()))
        .collect();
    let documented = documented_variables();
    let undocumented: Vec<&String> = read_by_code.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "add to deploy/.env.example: {undocumented:?}"
    );
    let invented: Vec<&String> = documented
        .iter()
        .filter(|n| !read_by_code.contains(*n) && !outside_the_code.contains(&n.as_str()))
        .collect();
    assert!(invented.is_empty(), "nothing reads: {invented:?}");
}
