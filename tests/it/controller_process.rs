//! The `run` command as a process: a single pass with exit codes, SIGTERM in the middle of an
//! apply (exit 0 within 30 s, nothing duplicated afterwards), and its peak memory.

use crate::support;

use std::fs;
use std::time::{Duration, Instant};

use support::*;

fn binary() -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"));
    command
        .env_remove("RAILWAY_TOKEN")
        .env_remove("RAILWAY_WORKSPACE_ID");
    command
}

#[tokio::test]
async fn run_once_converges_and_exits_with_plan_style_codes() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("m.yml");
    fs::write(&file, generated_manifest(3, 1)).expect("write");
    let output = binary()
        .args(["run", "--once", "--log-format", "text", "-f"])
        .arg(&file)
        .env("RAILWAY_API_URL", sandbox.url())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .output()
        .await
        .expect("runs");
    let logs = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{logs}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        logs.contains("reconciled generated@sha256:"),
        "one summary line per pass: {logs}"
    );
    let (code, _, _) = cli(
        &sandbox,
        &["plan", "-f", &file.to_string_lossy(), "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 0);

    let report =
        generated_manifest(3, 2).replace("spec:\n", "spec:\n  policy: { drift: report }\n");
    fs::write(&file, report).expect("write");
    let output = binary()
        .args(["run", "--once", "--log-format", "json", "-f"])
        .arg(&file)
        .env("RAILWAY_API_URL", sandbox.url())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .output()
        .await
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(2),
        "drift reported: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let first_line = String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        serde_json::from_str::<serde_json::Value>(&first_line).is_ok(),
        "json logs: {first_line}"
    );
}

#[tokio::test]
async fn sigterm_during_an_apply_exits_zero_in_time_and_the_next_apply_duplicates_nothing() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("m.yml");
    fs::write(&file, generated_manifest(150, 1)).expect("write");
    let mut child = binary()
        .args([
            "run",
            "--interval",
            "60s",
            "--listen",
            "127.0.0.1:0",
            "--max-rps",
            "0",
            "--log-format",
            "text",
            "-f",
        ])
        .arg(&file)
        .env("RAILWAY_API_URL", sandbox.url())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawns");
    let pid = child.id().expect("pid");
    // Wait until the apply is under way (services being created), then ask it to stop.
    let started = Instant::now();
    loop {
        let created = count(&stats(&sandbox).await, "ServiceCreate");
        if created >= 5 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the apply never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let peak_kb = fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        });
    println!(
        "run, mid-apply of 150 services: {}",
        peak_kb.unwrap_or_default()
    );
    let signalled = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits within 30 s")
        .expect("wait");
    println!("SIGTERM to exit: {} ms", signalled.elapsed().as_millis());
    assert_eq!(status.code(), Some(0));
    let created_before = count(&stats(&sandbox).await, "ServiceCreate");
    assert!(
        created_before < 150,
        "stopped before the end ({created_before} creates)"
    );

    let (code, out, err) = cli(&sandbox, &["apply", "-f", &file.to_string_lossy()]).await;
    assert_eq!(code, 0, "{}\n{err}", &out[..out.len().min(2000)]);
    let services = &project_services(&sandbox).await[0].1;
    let unique: std::collections::BTreeSet<&String> = services.iter().collect();
    assert_eq!(services.len(), 150, "no duplicate, none missing");
    assert_eq!(unique.len(), 150);
    let (code, _, _) = cli(
        &sandbox,
        &["plan", "-f", &file.to_string_lossy(), "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 0);
}

#[tokio::test]
async fn peak_memory_of_run_on_the_blackroad_manifest() {
    let sandbox = sandbox().await;
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/manifests/blackroad.yml");
    let mut child = binary()
        .args([
            "run",
            "--interval",
            "1s",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "text",
            "-f",
            manifest,
        ])
        .env("RAILWAY_API_URL", sandbox.url())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawns");
    let pid = child.id().expect("pid");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_default()
            .to_string()
    };
    println!(
        "run on blackroad.yml after 4 s at a 1 s interval: {} / {}",
        line("VmHWM:"),
        line("VmRSS:")
    );
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits")
        .expect("wait");
    assert_eq!(exit.code(), Some(0));
}

#[tokio::test]
async fn run_once_with_an_unreachable_lock_database_writes_nothing_and_exits_1_without_the_password()
 {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("m.yml");
    fs::write(&file, generated_manifest(2, 1)).expect("write");
    let output = binary()
        .args(["run", "--once", "--log-format", "text", "-f"])
        .arg(&file)
        .env("RAILWAY_API_URL", sandbox.url())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .env(
            "RAILWAY_OPERATOR_LOCK_URL",
            "postgres://operator:hunter2@127.0.0.1:1/leases",
        )
        .output()
        .await
        .expect("runs");
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(1), "{logs}");
    assert!(logs.contains("lock database is unreachable"), "{logs}");
    assert!(!logs.contains("hunter2"), "no password in the logs: {logs}");
    let stats = stats(&sandbox).await;
    assert_eq!(count(&stats, "ProjectCreate"), 0, "{stats}");
    assert_eq!(count(&stats, "ServiceCreate"), 0, "{stats}");
}
