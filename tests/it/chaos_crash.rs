//! Crash: the real binary is SIGKILLed in the middle of applying 50 services, then started
//! again until it succeeds; nothing is duplicated and the ownership inventory lists everything.

use crate::support;
use crate::support::chaos;

use std::time::{Duration, Instant};

use chaos::*;
use railway_operator::sandbox::Sandbox;
use support::*;

/// Starts `apply` and kills it with SIGKILL once the sandbox has seen more than `kill_after`
/// requests in all. Returns whether it was killed (false: it finished first) and its exit code.
async fn apply_killed_after(sandbox: &Sandbox, file: &str, kill_after: u64) -> (bool, Option<i32>) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"))
        .args(["apply", "-f", file, "--api-url", &sandbox.url()])
        .env("RAILWAY_API_TOKEN", TOKEN)
        .env("RAILWAY_OPERATOR_MAX_RPS", "0")
        .env_remove("RAILWAY_API_URL")
        .env_remove("RAILWAY_TOKEN")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let deadline = Instant::now() + Duration::from_secs(50);
    loop {
        if let Some(status) = child.try_wait().expect("child status") {
            return (false, status.code());
        }
        if sandbox_total(&sandbox.base_url()).await > kill_after {
            // tokio's start_kill sends SIGKILL on Unix: no cleanup, no flush, like a power cut.
            child.start_kill().expect("SIGKILL sent");
            let status = child.wait().await.expect("child reaped");
            return (true, status.code());
        }
        assert!(
            Instant::now() < deadline,
            "apply neither finished nor progressed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn an_apply_killed_mid_way_and_restarted_duplicates_nothing_and_records_every_service() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_manifest(dir.path(), "fifty.yml", &services_manifest("crash", 50));

    let mut kills = 0;
    for kill_after in [40, 140] {
        let (killed, code) = apply_killed_after(&sandbox, &file, kill_after).await;
        println!(
            "apply stopped after {} request(s): killed {killed}, exit {code:?}",
            total(&stats(&sandbox).await)
        );
        kills += u32::from(killed);
    }
    assert!(kills >= 1, "at least one run was killed mid-way");

    let attempts = apply_until_success(&sandbox, &file, &[], 4).await;
    println!(
        "restarts until success: {}; {} request(s) in all",
        attempts.len(),
        total(&stats(&sandbox).await)
    );
    let last = attempts.last().expect("a run");
    assert_eq!(last.code, 0, "restarted apply succeeds:\n{}", last.stderr);

    let (code, out, err) = cli(&sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "nothing left to do\n{out}\n{err}");
    let duplicates = duplicates(&sandbox).await;
    assert!(duplicates.none(), "duplicates {duplicates:#?}");
    assert_eq!(service_names(&sandbox, "crash").await.len(), 50);

    let shared = read_variables(&sandbox, None).await;
    let inventory = shared["RAILWAY_OPERATOR_INVENTORY"]
        .as_str()
        .expect("the inventory is a shared variable");
    let state = railway_operator::inventory::InventoryState::decode(Some(Some(inventory)));
    let mut owned: Vec<String> = state
        .owned()
        .expect("the inventory is readable")
        .services
        .iter()
        .cloned()
        .collect();
    owned.sort();
    let expected: Vec<String> = (0..50).map(|i| format!("svc-{i:02}")).collect();
    assert_eq!(owned, expected, "every service is in the inventory");
    sandbox.shutdown().await;
}
