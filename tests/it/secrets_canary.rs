//! The secret canary across the whole CLI: a `fromEnv` secret and a `generate`d one (read back
//! from the sandbox after apply) must appear in no stdout or stderr of any command, at any log
//! level, on success and on error paths. It checks outputs only, not what is sent to Railway.

use crate::support;

use std::path::{Path, PathBuf};

use railway_operator::sandbox::{Sandbox, SandboxConfig};
use support::*;

const CANARY: &str = "canary-7e3f05a9d2";
const LOG_LEVELS: [&str; 3] = ["info", "debug", "trace"];

fn manifest(extra_api_variable: Option<&str>) -> String {
    let mut text = String::from(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: canary }\nspec:\n  environments: { production: {} }\n  sharedVariables: { LOG_LEVEL: info }\n  services:\n    db:\n      source: { image: \"postgres:16\" }\n      variables: { POSTGRES_PASSWORD: { generate: 40 } }\n      volume:\n        mountPath: /var/lib/postgresql/data\n        backups:\n          cron:\n            - { schedule: \"0 3 * * *\", keep: 1 }\n    api:\n      source: { image: \"api:1\" }\n      deploy: { healthcheck: { path: /health } }\n      domains: [ { railway: { port: 8080 } } ]\n      variables:\n        PORT: 8080\n        DATABASE_URL: postgresql://u:${{db.POSTGRES_PASSWORD}}@db:5432/x\n        API_KEY: { fromEnv: CANARY_SECRET }\n",
    );
    if let Some(line) = extra_api_variable {
        text.push_str(&format!("        {line}\n"));
    }
    text
}

/// One sandbox, one manifest directory, and everything the CLI printed.
struct Witness {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
    outputs: Vec<(String, String)>,
}

impl Witness {
    async fn new(config: SandboxConfig, manifest_text: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("canary.yml"), manifest_text).expect("manifest written");
        Witness {
            sandbox: sandbox_with(config).await,
            dir,
            outputs: Vec::new(),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// Runs the CLI with `{file}` replaced by the manifest and `{dir}` by the temporary directory.
    async fn run(&mut self, args: &[&str], level: &str) -> (i32, String) {
        let file = self.path("canary.yml");
        let dir = self.dir.path().to_string_lossy().into_owned();
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{file}", &file).replace("{dir}", &dir))
            .collect();
        let borrowed: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = cli_env(
            &self.sandbox,
            &borrowed,
            self.dir.path(),
            &[("CANARY_SECRET", CANARY), ("RUST_LOG", level)],
        )
        .await;
        assert_ne!(code, 101, "{args:?} panicked:\n{err}");
        let label = format!("{args:?} at RUST_LOG={level}");
        let both = format!("{out}\n{err}");
        self.outputs.push((format!("{label} stdout"), out));
        self.outputs.push((format!("{label} stderr"), err));
        (code, both)
    }

    /// The generated secret as the sandbox stores it.
    async fn generated_secret(&self) -> String {
        clear_faults(&self.sandbox).await;
        let value = read_variables(&self.sandbox, Some("db")).await["POSTGRES_PASSWORD"].clone();
        value.as_str().map(str::to_string).unwrap_or_default()
    }

    fn assert_nothing_leaked(&self, secrets: &[&str]) {
        assert!(!self.outputs.is_empty());
        for (what, text) in &self.outputs {
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                assert!(
                    !text.contains(secret),
                    "a secret leaked into {what}:\n{text}"
                );
            }
            assert!(
                !text.contains("canary-"),
                "the canary leaked into {what}:\n{text}"
            );
        }
    }
}

/// Every command of the CLI, with the exit codes it may end with here.
fn every_command() -> Vec<(Vec<&'static str>, &'static [i32])> {
    let ok: &[i32] = &[0];
    let ok_or_drift: &[i32] = &[0, 2];
    let any: &[i32] = &[0, 1, 2];
    vec![
        (vec!["validate", "-f", "{file}"], ok),
        (vec!["plan", "-f", "{file}"], ok),
        (vec!["plan", "-f", "{file}", "--output", "json"], ok),
        (vec!["plan", "-f", "{file}", "--output", "markdown"], ok),
        (vec!["apply", "-f", "{file}"], ok),
        (vec!["apply", "-f", "{file}", "--dry-run"], ok),
        (vec!["list", "-f", "{file}"], ok),
        (vec!["list", "-f", "{file}", "--output", "json"], ok),
        (vec!["env", "api", "-f", "{file}"], ok),
        (vec!["env", "api", "-f", "{file}", "--output", "json"], ok),
        (vec!["env", "db", "-f", "{file}", "--output", "json"], ok),
        (vec!["repo", "api", "-f", "{file}"], ok),
        (vec!["repo", "api", "-f", "{file}", "--output", "json"], ok),
        (vec!["open", "api", "-f", "{file}"], ok),
        (vec!["open", "api", "-f", "{file}", "--output", "json"], ok),
        (vec!["status", "-f", "{file}"], ok_or_drift),
        (
            vec!["status", "-f", "{file}", "--output", "json"],
            ok_or_drift,
        ),
        (vec!["health", "-f", "{file}", "--timeout", "1s"], any),
        (
            vec![
                "health",
                "-f",
                "{file}",
                "--timeout",
                "1s",
                "--output",
                "json",
            ],
            any,
        ),
        (
            vec!["backup", "list", "-f", "{file}", "--service", "db"],
            ok,
        ),
        (
            vec!["backup", "create", "-f", "{file}", "--service", "db"],
            ok,
        ),
        (
            vec!["backup", "prune", "-f", "{file}", "--service", "db"],
            ok,
        ),
        (vec!["import", "--project", "canary"], ok),
        (vec!["report", "-f", "{file}", "--out", "{dir}/report"], ok),
        (vec!["schema"], ok),
        (
            vec!["run", "--once", "-f", "{file}", "--listen", "127.0.0.1:0"],
            ok,
        ),
    ]
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn no_command_at_any_log_level_prints_either_secret() {
    let mut witness = Witness::new(SandboxConfig::default(), &manifest(None)).await;
    let (code, output) = witness.run(&["apply", "-f", "{file}"], "trace").await;
    assert_eq!(code, 0, "{output}");
    let generated = witness.generated_secret().await;
    assert_eq!(generated.len(), 40, "the generated secret was applied");
    assert_eq!(
        read_variables(&witness.sandbox, Some("api")).await["API_KEY"],
        CANARY,
        "the fromEnv secret was applied"
    );
    let mut runs = 0;
    for level in LOG_LEVELS {
        for (args, codes) in every_command() {
            let (code, output) = witness.run(&args, level).await;
            assert!(codes.contains(&code), "{args:?} exited {code}:\n{output}");
            runs += 1;
        }
    }
    println!(
        "{runs} command runs checked for both secrets; report files: {}",
        files_under(&witness.dir.path().join("report")).len()
    );
    for file in files_under(&witness.dir.path().join("report")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        witness
            .outputs
            .push((format!("report file {}", file.display()), text));
    }
    witness.assert_nothing_leaked(&[CANARY, &generated]);
}

#[tokio::test]
async fn an_apply_under_random_server_errors_prints_neither_secret() {
    let config = SandboxConfig {
        faults: "*=error500@0.5".parse().expect("fault spec"),
        fault_seed: 20_261_128,
        ..SandboxConfig::default()
    };
    let mut witness = Witness::new(config, &manifest(None)).await;
    for level in LOG_LEVELS {
        witness
            .run(&["apply", "-f", "{file}", "--retry-for-secs", "2"], level)
            .await;
        witness
            .run(
                &[
                    "run",
                    "--once",
                    "-f",
                    "{file}",
                    "--listen",
                    "127.0.0.1:0",
                    "--retry-for-secs",
                    "2",
                ],
                level,
            )
            .await;
    }
    let failures = witness
        .outputs
        .iter()
        .filter(|(_, text)| text.contains("500") || text.contains("error"))
        .count();
    assert!(failures > 0, "the faults showed somewhere");
    let generated = witness.generated_secret().await;
    witness.assert_nothing_leaked(&[CANARY, &generated]);
}

#[tokio::test]
async fn a_manifest_with_an_unresolved_reference_fails_without_printing_either_secret() {
    let mut witness = Witness::new(SandboxConfig::default(), &manifest(None)).await;
    let (code, output) = witness.run(&["apply", "-f", "{file}"], "info").await;
    assert_eq!(code, 0, "{output}");
    let generated = witness.generated_secret().await;
    std::fs::write(
        witness.path("canary.yml"),
        manifest(Some("TYPO: ${{dbb.POSTGRES_PASSWORD}}")),
    )
    .expect("manifest rewritten");
    for level in LOG_LEVELS {
        for args in [
            vec!["plan", "-f", "{file}"],
            vec!["plan", "-f", "{file}", "--output", "json"],
            vec!["apply", "-f", "{file}"],
            vec!["run", "--once", "-f", "{file}", "--listen", "127.0.0.1:0"],
        ] {
            let (code, output) = witness.run(&args, level).await;
            assert_eq!(code, 1, "{args:?}:\n{output}");
            assert!(output.contains("dbb"), "{args:?}:\n{output}");
        }
    }
    witness.assert_nothing_leaked(&[CANARY, &generated]);
}
