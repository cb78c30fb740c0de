//! High availability on a real PostgreSQL that each test starts itself: replicas of `run`
//! share the projects of one manifest directory through advisory-lock leases, only a project's
//! holder writes to it, a killed or cut-off holder is replaced, and nobody writes while the lock
//! database is down. Each test prints what it measured.

use crate::support;

use std::collections::BTreeSet;
use std::time::Duration;

use railway_operator::lease::LeaseStore;
use railway_operator::railway::ops::{TcpProxyDelete, tcp_proxy_delete};
use support::postgres::Postgres;
use support::replicas::*;
use support::*;

const INTERVAL: &str = "2s";
const LIMIT: Duration = Duration::from_secs(90);

async fn converged(sandbox: &railway_operator::sandbox::Sandbox, names: &[String]) -> bool {
    for name in names {
        if mode_of(sandbox, name).await != "managed" {
            return false;
        }
    }
    true
}

/// Mutations by operation that `names` cost when each is applied once by the CLI alone.
async fn single_apply_mutations(dir: &std::path::Path) -> std::collections::BTreeMap<String, u64> {
    let sandbox = sandbox().await;
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for file in files {
        let (code, out, err) = cli(&sandbox, &["apply", "-f", &file.to_string_lossy()]).await;
        assert_eq!(code, 0, "{out}{err}");
    }
    mutations_by_operation(&stats(&sandbox).await)
}

/// PostgreSQL, the sandbox, a directory of `projects` manifests and two replicas `a` and `b`
/// that have split the projects evenly and converged them.
struct Pair {
    postgres: Postgres,
    sandbox: railway_operator::sandbox::Sandbox,
    dir: tempfile::TempDir,
    names: Vec<String>,
    a: Replica,
    b: Replica,
    /// From the second replica's start to the even, converged split.
    took: Duration,
}

/// `None` (after SKIPPED) without PostgreSQL.
async fn settled_pair(test: &str, projects: usize) -> Option<Pair> {
    let postgres = Postgres::start(test)?;
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let names = write_projects(dir.path(), projects);
    let a = start_replica(&sandbox, dir.path(), &postgres.url(), "a", INTERVAL).await;
    let b = start_replica(&sandbox, dir.path(), &postgres.url(), "b", INTERVAL).await;
    let share = projects / 2;
    let took = wait_until(LIMIT, "an even split, converged", || async {
        let (held_a, held_b) = (a.held().await, b.held().await);
        held_a.len() == share
            && held_b.len() == share
            && held_a.is_disjoint(&held_b)
            && converged(&sandbox, &names).await
    })
    .await;
    Some(Pair {
        postgres,
        sandbox,
        dir,
        names,
        a,
        b,
        took,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_ten_projects_each_held_by_exactly_one_and_every_mutation_is_sent_once()
{
    let Some(pair) = settled_pair("two_replicas_share_ten_projects", 10).await else {
        return;
    };
    let sandbox = &pair.sandbox;
    let names = &pair.names;
    let dir = pair.dir.path();
    let took = pair.took;
    let a = &pair.a;
    let b = &pair.b;
    // A pass after an apply looks again within 5 s (and may finish what Railway answered
    // late): steady state starts after that, and three more intervals then write nothing.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let steady = stats(sandbox).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (held_a, held_b) = (a.held().await, b.held().await);
    assert!(held_a.is_disjoint(&held_b), "{held_a:?} {held_b:?}");
    let status = a.status().await;
    let elsewhere = held_b.first().expect("b holds some");
    let ready = &status["projects"][elsewhere]["conditions"]["ready"];
    assert_eq!(ready["reason"], "HeldByAnotherReplica", "{ready}");
    assert_eq!(
        ready["message"], "replica b reconciles this project",
        "{ready}"
    );
    assert_eq!(status["projects"][elsewhere]["lease"]["holder"], "b");
    let union: BTreeSet<String> = held_a.union(&held_b).cloned().collect();
    assert_eq!(union, names.iter().cloned().collect(), "every project held");
    let after = stats(sandbox).await;
    assert_eq!(
        mutations_by_operation(&after),
        mutations_by_operation(&steady),
        "no writes in steady state"
    );
    let expected = single_apply_mutations(dir).await;
    assert_eq!(
        mutations_by_operation(&after),
        expected,
        "the two replicas sent exactly the mutations ten single applies send\n{}\n{}",
        a.logs(),
        b.logs()
    );
    let sent = a.sent_mutations().await + b.sent_mutations().await;
    assert_eq!(sent, expected.values().sum::<u64>());
    println!(
        "2 replicas x 10 projects: converged in {} ms, split {}/{}, {} mutations (as ten single applies), 0 in steady state",
        took.as_millis(),
        held_a.len(),
        held_b.len(),
        sent
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_holder_s_projects_are_taken_over_within_two_lease_turns_and_drift_is_healed() {
    let Some(mut pair) = settled_pair("a_killed_holder", 4).await else {
        return;
    };
    let sandbox = &pair.sandbox;
    let b = &pair.b;
    let victim: Vec<String> = pair.a.held().await.into_iter().collect();
    let turns_before = b.status().await["lock"]["turns"].as_u64().unwrap_or(0);
    pair.a.kill().await;
    drift(sandbox, &victim[0], "edited-in-dashboard").await;
    let took = wait_until(LIMIT, "b holding every project", || async {
        b.held().await.len() == 4
    })
    .await;
    let turns_after = b.status().await["lock"]["turns"].as_u64().unwrap_or(0);
    assert!(
        turns_after - turns_before <= 2,
        "taken over within two of b's lease turns (it took {})",
        turns_after - turns_before
    );
    wait_until(LIMIT, "the drift healed by b", || async {
        mode_of(sandbox, &victim[0]).await == "managed"
    })
    .await;
    println!(
        "kill -9 of a holder: its 2 projects taken over in {} ms ({} lease turns of b at a 2 s interval), drift healed",
        took.as_millis(),
        turns_after - turns_before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_holder_whose_lock_connection_is_terminated_sends_no_write_and_the_other_takes_over() {
    let Some(pair) = settled_pair("a_terminated_holder", 2).await else {
        return;
    };
    let Pair {
        sandbox,
        names,
        postgres,
        a,
        b,
        ..
    } = &pair;
    let held: Vec<String> = a.held().await.into_iter().collect();
    // Steady first: a's latest pass found nothing to do and none is running, so every write it
    // made is counted before its session ends.
    wait_until(LIMIT, "a idle and in sync", || async {
        let project = &a.status().await["projects"][&held[0]];
        project["conditions"]["reconciling"]["status"] == false
            && project["history"][0]["result"] == "in-sync"
    })
    .await;
    let sent_before = a.sent_mutations().await;
    assert_eq!(postgres.terminate("a").await, 1, "a's lock session ended");
    drift(sandbox, &held[0], "edited-in-dashboard").await;
    wait_until(LIMIT, "b holding both and the drift healed", || async {
        b.held().await.len() == 2 && converged(sandbox, names).await
    })
    .await;
    let status = a.status().await;
    assert_eq!(status["lock"]["state"], "rejoining", "{status}");
    assert_eq!(
        status["projects"][&held[0]]["lease"]["losses"], 1,
        "{status}"
    );
    assert!(a.metrics().await.contains(&format!(
        "railway_operator_lock_losses_total{{project=\"{}\"}} 1",
        held[0]
    )));
    assert_eq!(
        a.sent_mutations().await,
        sent_before,
        "a sent no write after its session ended\n{}",
        a.logs()
    );
    println!(
        "pg_terminate_backend: the holder sent 0 writes afterwards; the other healed the drift"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_postgresql_stopped_nobody_writes_and_reconciling_resumes_when_it_is_back() {
    let Some(pair) = settled_pair("postgresql_stopped", 2).await else {
        return;
    };
    let Pair {
        sandbox,
        names,
        postgres,
        a,
        b,
        ..
    } = &pair;
    postgres.stop();
    wait_until(LIMIT, "both replicas failing closed", || async {
        let (sa, sb) = (a.status().await, b.status().await);
        sa["lock"]["state"] != "connected" && sb["lock"]["state"] != "connected"
    })
    .await;
    for name in names {
        drift(sandbox, name, "edited-in-dashboard").await;
    }
    reset_stats(sandbox).await;
    // Three intervals and more: the replicas try to reconnect and must not write meanwhile.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let quiet = stats(sandbox).await;
    assert_eq!(
        mutations_in(&quiet),
        0,
        "no writes without the lock database: {quiet}"
    );
    let status = a.status().await;
    assert_eq!(status["lock"]["state"], "unreachable", "{status}");
    let message = status["lock"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("no writes until it answers"), "{message}");
    assert!(
        !message.contains("postgres://"),
        "no URL in the status: {message}"
    );
    assert!(
        reqwest::get(format!("{}/readyz", a.url)).await.is_ok(),
        "/readyz answers"
    );
    for name in names {
        assert_eq!(mode_of(sandbox, name).await, "edited-in-dashboard");
    }
    postgres.start_server();
    let took = wait_until(LIMIT, "reconciling resumed", || async {
        converged(sandbox, names).await
    })
    .await;
    println!(
        "PostgreSQL stopped for 7 s: 0 mutations sent; started again: drift healed {} ms later",
        took.as_millis()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_spread_thirty_projects_ten_each() {
    let Some(postgres) = Postgres::start("three_replicas_spread") else {
        return;
    };
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let names = write_projects(dir.path(), 30);
    let mut replicas = Vec::new();
    for instance in ["a", "b", "c"] {
        replicas
            .push(start_replica(&sandbox, dir.path(), &postgres.url(), instance, INTERVAL).await);
    }
    let took = wait_until(LIMIT, "ten projects each, converged", || async {
        let mut union = BTreeSet::new();
        for replica in &replicas {
            let held = replica.held().await;
            if held.len() != 10 {
                return false;
            }
            union.extend(held);
        }
        union.len() == 30 && converged(&sandbox, &names).await
    })
    .await;
    let stats = stats(&sandbox).await;
    assert_eq!(
        count(&stats, "ProjectCreate"),
        30,
        "each project created once"
    );
    println!(
        "3 replicas x 30 projects: spread 10/10/10 and converged in {} ms",
        took.as_millis()
    );
}

#[tokio::test]
async fn a_fenced_client_sends_no_mutation_once_its_lock_session_is_terminated() {
    let Some(postgres) = Postgres::start("a_fenced_client") else {
        return;
    };
    let sandbox = sandbox().await;
    let store =
        std::sync::Arc::new(LeaseStore::new(&postgres.url(), "fenced", "group").expect("url"));
    store.connect().await.expect("connects");
    assert!(store.try_acquire("name:shop").await.expect("lock query"));
    let other = LeaseStore::new(&postgres.url(), "other", "group").expect("url");
    other.connect().await.expect("connects");
    assert!(
        !other.try_acquire("name:shop").await.expect("lock query"),
        "a held lease is refused to another session"
    );
    let config = railway_operator::railway::ClientConfig::new(
        sandbox.url(),
        railway_operator::railway::Auth::Bearer(TOKEN.into()),
    );
    let client = railway_operator::railway::Client::new(config)
        .expect("client")
        .with_fence(std::sync::Arc::new(
            railway_operator::lease::ProjectFence::new(store.clone(), "name:shop"),
        ));
    let delete = || tcp_proxy_delete::Variables {
        id: "missing".into(),
    };
    let before = count(&stats(&sandbox).await, "TcpProxyDelete");
    let _ = client.post::<TcpProxyDelete>(delete()).await;
    assert_eq!(
        count(&stats(&sandbox).await, "TcpProxyDelete"),
        before + 1,
        "sent while held"
    );
    assert_eq!(postgres.terminate("fenced").await, 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = client.post::<TcpProxyDelete>(delete()).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("not sent: lease lost"), "{message}");
    assert_eq!(
        count(&stats(&sandbox).await, "TcpProxyDelete"),
        before + 1,
        "nothing sent once lost"
    );
    assert_eq!(store.take_lost(), vec!["name:shop".to_string()]);
    assert!(
        other.try_acquire("name:shop").await.expect("lock query"),
        "the lease is free for another session at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_project_whose_manifest_leaves_the_source_gives_its_lease_back() {
    let Some(postgres) = Postgres::start("a_manifest_leaves_the_source") else {
        return;
    };
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let names = write_projects(dir.path(), 2);
    let a = start_replica(&sandbox, dir.path(), &postgres.url(), "a", INTERVAL).await;
    wait_until(LIMIT, "both projects held and converged", || async {
        a.held().await.len() == 2 && converged(&sandbox, &names).await
    })
    .await;
    let project_leases = format!(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = {}",
        railway_operator::lease::PROJECT_NAMESPACE
    );
    assert_eq!(postgres.query(&project_leases).await, vec!["2".to_string()]);
    std::fs::remove_file(dir.path().join(format!("{}.yml", names[1]))).expect("removed");
    wait_until(LIMIT, "one project lease left in PostgreSQL", || async {
        postgres.query(&project_leases).await == vec!["1".to_string()]
    })
    .await;
    assert_eq!(a.held().await.len(), 1);
}
