//! What the benchmarks share: generated manifests and matching sandbox seeds, a sandbox with its
//! request counters, the real binary run as a child, and figures. No timing assertions here.

#![allow(dead_code)]

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

pub const TOKEN: &str = "bench-token";
pub const BINARY: &str = env!("CARGO_BIN_EXE_railway-operator");

/// A manifest of `services` image services with `variables` plain variables each, one environment.
pub fn manifest(services: usize, variables: usize, value_suffix: &str) -> String {
    let mut text = String::from(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: bench\nspec:\n  environments:\n    production: {}\n  services:\n",
    );
    for i in 0..services {
        text.push_str(&format!(
            "    svc-{i:04}:\n      source: {{ image: \"nginx:1.{i}\" }}\n      deploy:\n        replicas: 1\n        startCommand: \"serve --port {i}\"\n"
        ));
        if variables > 0 {
            text.push_str("      variables:\n");
            for v in 0..variables {
                text.push_str(&format!(
                    "        VAR_{v:02}: \"value-{i}-{v}{value_suffix}\"\n"
                ));
            }
        }
    }
    text
}

/// A sandbox seed holding exactly what [`manifest`] declares, so that a plan of it is a no-op.
pub fn seed(services: usize, variables: usize) -> String {
    let mut text = String::from("projects:\n  - name: bench\n    services:\n");
    for i in 0..services {
        text.push_str(&format!(
            "      - name: svc-{i:04}\n        image: \"nginx:1.{i}\"\n        settings: {{ numReplicas: 1, startCommand: \"serve --port {i}\" }}\n"
        ));
        if variables > 0 {
            let pairs: Vec<String> = (0..variables)
                .map(|v| format!("VAR_{v:02}: \"value-{i}-{v}\""))
                .collect();
            text.push_str(&format!("        variables: {{ {} }}\n", pairs.join(", ")));
        }
    }
    text
}

/// A working directory holding `bench.yml` (and, when seeded, `seed.yml`), plus its sandbox.
pub struct Bench {
    pub dir: tempfile::TempDir,
    pub sandbox: Sandbox,
}

impl Bench {
    pub async fn empty(manifest_text: &str) -> Bench {
        Self::start(manifest_text, None, std::time::Duration::ZERO).await
    }

    /// An empty sandbox that waits `latency` before every answer, like a round trip to Railway.
    pub async fn empty_with_latency(manifest_text: &str, latency: std::time::Duration) -> Bench {
        Self::start(manifest_text, None, latency).await
    }

    pub async fn seeded(manifest_text: &str, seed_text: &str) -> Bench {
        Self::start(manifest_text, Some(seed_text), std::time::Duration::ZERO).await
    }

    async fn start(
        manifest_text: &str,
        seed_text: Option<&str>,
        latency: std::time::Duration,
    ) -> Bench {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("bench.yml"), manifest_text).expect("manifest written");
        let seed_file = seed_text.map(|text| {
            let path = dir.path().join("seed.yml");
            std::fs::write(&path, text).expect("seed written");
            path
        });
        let config = SandboxConfig {
            seed_file,
            token: Some(TOKEN.into()),
            latency,
            // The benches create many projects in a row and do not identify their client.
            create_cooldown: Some(std::time::Duration::ZERO),
            unidentified_rate_limit: None,
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::start(config, ([127, 0, 0, 1], 0).into())
            .await
            .expect("sandbox starts");
        Bench { dir, sandbox }
    }

    pub fn manifest_path(&self) -> String {
        self.dir
            .path()
            .join("bench.yml")
            .to_string_lossy()
            .into_owned()
    }

    /// Runs the binary against the sandbox, `{file}` standing for the manifest.
    pub async fn cli(&self, args: &[&str]) -> Run {
        self.cli_wrapped(&[], args).await
    }

    /// Runs the binary under `wrapper` (e.g. `/usr/bin/time -v`).
    pub async fn cli_wrapped(&self, wrapper: &[&str], args: &[&str]) -> Run {
        let file = self.manifest_path();
        let mut command_line: Vec<String> = wrapper.iter().map(|s| s.to_string()).collect();
        command_line.push(BINARY.to_string());
        command_line.extend(args.iter().map(|a| a.replace("{file}", &file)));
        let started = Instant::now();
        let output: Output = tokio::process::Command::new(&command_line[0])
            .args(&command_line[1..])
            .current_dir(self.dir.path())
            .env("RAILWAY_API_URL", self.sandbox.url())
            .env("RAILWAY_API_TOKEN", TOKEN)
            .env("RUST_LOG", "warn")
            .env_remove("RAILWAY_TOKEN")
            .env_remove("RAILWAY_WORKSPACE_ID")
            .output()
            .await
            .expect("the binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    pub async fn stats(&self) -> Value {
        reqwest::get(format!("{}/_sandbox/stats", self.sandbox.base_url()))
            .await
            .expect("stats answer")
            .json()
            .await
            .expect("stats are JSON")
    }

    pub async fn reset_stats(&self) {
        reqwest::Client::new()
            .post(format!("{}/_sandbox/stats/reset", self.sandbox.base_url()))
            .send()
            .await
            .expect("reset answers");
    }

    /// Runs `args` with the counters zeroed first; returns the run and the requests it cost.
    pub async fn counted(&self, args: &[&str]) -> (Run, Value) {
        self.reset_stats().await;
        let run = self.cli(args).await;
        let stats = self.stats().await;
        (run, stats)
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn expect_code(&self, codes: &[i32], what: &str) {
        assert!(
            codes.contains(&self.code),
            "{what} exited {}:\n{}\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
    }
}

pub fn total(stats: &Value) -> u64 {
    stats["total"].as_u64().unwrap_or(0)
}

/// `Operation=count, ...` from the sandbox's counters, for the printed figures.
pub fn by_operation(stats: &Value) -> String {
    stats["byOperation"]
        .as_object()
        .map(|ops| {
            ops.iter()
                .map(|(op, n)| format!("{op}={n}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// Runs a benchmark's async body on a multi-threaded runtime.
pub fn block_on<F: std::future::Future<Output = ()>>(body: F) {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(body);
}

pub fn exists(path: &str) -> bool {
    Path::new(path).exists()
}
