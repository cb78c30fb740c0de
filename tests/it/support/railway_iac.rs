//! Railway's own infrastructure as code as a test client: Railway's CLI 5.71.0 (`railway config
//! plan/apply/pull`), Node 22 and Railway's TypeScript SDK (`railway` 3.11.0), each run in a
//! project folder with its own HOME, pointed at one sandbox. Shared by `tests/railway_iac.rs`
//! and `benches/iac_side_by_side.rs`; it never decides what passes.
//!
//! `.ci/run` installs the CLI into `~/.cache/railway-operator/railway-cli` and Node with the SDK
//! into `~/.cache/railway-operator/railway-iac`; `RAILWAY_CLI` and `RAILWAY_IAC_ROOT` override.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How long one command of Railway's CLI may take before it is killed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// What Railway's IaC needs on this machine.
#[derive(Clone, Debug)]
pub struct Toolchain {
    cli: PathBuf,
    node_bin: PathBuf,
    node_modules: PathBuf,
}

fn cache_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| {
        PathBuf::from(home)
            .join(".cache/railway-operator")
            .join(name)
    })
}

fn find_cli() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RAILWAY_CLI").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    Some(cache_dir("railway-cli")?.join("bin/railway")).filter(|p| p.is_file())
}

/// The folder holding Node 22 (`node_modules/node-linux-<arch>/bin/node`) and the SDK.
fn find_iac_root() -> Option<PathBuf> {
    match std::env::var_os("RAILWAY_IAC_ROOT").filter(|p| !p.is_empty()) {
        Some(root) => Some(PathBuf::from(root)),
        None => cache_dir("railway-iac"),
    }
}

impl Toolchain {
    /// The toolchain, or what is missing (for a loud SKIPPED).
    pub fn find() -> Result<Self, String> {
        let cli = find_cli().ok_or(
            "Railway's CLI not found (set RAILWAY_CLI or run .ci/run to install railwayapp 5.71.0)",
        )?;
        let root = find_iac_root().ok_or("no HOME to find Railway's IaC toolchain in")?;
        let node_modules = root.join("node_modules");
        if !node_modules.join("railway/package.json").is_file() {
            return Err(format!(
                "Railway's TypeScript SDK not found in {} (run .ci/run, which installs railway@3.11.0)",
                node_modules.display()
            ));
        }
        let node_bin = std::fs::read_dir(&node_modules)
            .map_err(|e| format!("cannot read {}: {e}", node_modules.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("bin"))
            .find(|bin| {
                bin.parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n.to_string_lossy().starts_with("node-linux-"))
                    && bin.join("node").is_file()
            })
            .ok_or("Node 22 not found (run .ci/run, which installs node-linux-<arch>@22)")?;
        Ok(Self {
            cli,
            node_bin,
            node_modules,
        })
    }
}

/// One command's result.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
    /// The whole output, for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.stdout.trim(),
            self.stderr.trim()
        )
    }
    /// stdout as JSON (`config plan --json`).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("not JSON ({e}):\n{}", self.describe());
        })
    }
}

/// A folder linked to one sandbox project, with `.railway/` for the authoring file.
pub struct IacProject {
    toolchain: Toolchain,
    backboard: String,
    token: String,
    home: tempfile::TempDir,
    dir: tempfile::TempDir,
}

impl IacProject {
    pub fn new(toolchain: &Toolchain, backboard: &str, token: &str) -> Self {
        let dir = tempfile::tempdir().expect("a project folder");
        std::fs::create_dir_all(dir.path().join(".railway")).expect(".railway/");
        // The CLI evaluates the file with NODE_PATH at the nearest node_modules.
        std::os::unix::fs::symlink(&toolchain.node_modules, dir.path().join("node_modules"))
            .expect("node_modules link");
        Self {
            toolchain: toolchain.clone(),
            backboard: backboard.to_string(),
            token: token.to_string(),
            home: tempfile::tempdir().expect("a HOME"),
            dir,
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn write_program(&self, text: &str) {
        std::fs::write(self.program_path(), text).expect("railway.ts is written");
    }

    pub fn program(&self) -> String {
        std::fs::read_to_string(self.program_path()).unwrap_or_default()
    }

    pub fn remove_program(&self) {
        let _ = std::fs::remove_file(self.program_path());
    }

    fn program_path(&self) -> PathBuf {
        self.dir.path().join(".railway/railway.ts")
    }

    /// `railway link` to the project's environment (and, since one must be, its first service).
    pub async fn link(&self, project: &str, environment: &str) -> Outcome {
        self.run(&["link", "--project", project, "--environment", environment])
            .await
    }

    /// Runs Railway's CLI with only what it needs: no TTY, its own HOME, the sandbox's URL.
    /// PATH leads with Node 22 and the CLI itself (the SDK checks `railway --version`).
    pub async fn run(&self, args: &[&str]) -> Outcome {
        let cli_dir = self.toolchain.cli.parent().unwrap_or(Path::new("/"));
        let path = std::env::join_paths(
            [self.toolchain.node_bin.clone(), cli_dir.to_path_buf()]
                .into_iter()
                .chain(std::env::split_paths(
                    &std::env::var_os("PATH").unwrap_or_default(),
                )),
        )
        .unwrap_or_default();
        let mut command = tokio::process::Command::new(&self.toolchain.cli);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("RAILWAY_BACKBOARD_URL", &self.backboard)
            .env("RAILWAY_API_TOKEN", &self.token)
            .env("RAILWAY_NO_TELEMETRY", "1")
            .env("DO_NOT_TRACK", "1")
            .env("RAILWAY_NO_AUTO_UPDATE", "1")
            .env("CI", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let started = Instant::now();
        let child = command.spawn().expect("Railway's CLI starts");
        let waited = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output()).await;
        let elapsed = started.elapsed();
        match waited {
            Ok(Ok(output)) => Outcome {
                code: output.status.code(),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                elapsed,
            },
            Ok(Err(error)) => Outcome {
                code: None,
                stdout: String::new(),
                stderr: format!("could not wait for the CLI: {error}"),
                elapsed,
            },
            Err(_) => Outcome {
                code: None,
                stdout: String::new(),
                stderr: format!("timed out after {COMMAND_TIMEOUT:?} and was killed"),
                elapsed,
            },
        }
    }
}
