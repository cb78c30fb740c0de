//! The deployment files in `deploy/` against the code they describe: the things that break
//! silently (a renamed binary, a moved health path, a CLI flag that no longer exists, an
//! environment variable nobody documents).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Parser;
use railway_operator::cli::Cli;

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

/// The first value assigned to `key` in a flat TOML file (`key = value`).
fn toml_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
        })
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

#[test]
fn the_railway_config_points_at_the_dockerfile_and_the_health_path() {
    let config = read("deploy/railway.toml");
    let dockerfile = toml_value(&config, "dockerfilePath").expect("dockerfilePath");
    assert!(
        repo().join(&dockerfile).is_file(),
        "{dockerfile} does not exist"
    );
    assert_eq!(
        toml_value(&config, "builder").as_deref(),
        Some("DOCKERFILE")
    );
    assert_eq!(
        toml_value(&config, "healthcheckPath").as_deref(),
        Some("/healthz")
    );
    assert_eq!(toml_value(&config, "numReplicas").as_deref(), Some("1"));
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
    // Read only to leave git's own settings alone, or set by Railway in every deployment
    // (RAILWAY_SERVICE_ID: the service the operator never prunes), not configuration.
    let not_configuration = ["GIT_SSH_COMMAND", "GIT_CONFIG_COUNT", "RAILWAY_SERVICE_ID"];
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
