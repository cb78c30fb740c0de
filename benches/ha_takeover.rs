//! Replicas sharing projects through leases on a real PostgreSQL (started here with initdb and
//! pg_ctl): three replicas over 30 projects, how the projects spread and how long until they
//! are converged; then five times over, `kill -9` of one replica and the time until the other two
//! hold all 30, and the time until a new replica has its share. Prints median and range.

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use support::postgres::Postgres;
use support::replicas::*;

const INTERVAL: &str = "2s";
const PROJECTS: usize = 30;
const ROUNDS: usize = 5;
const LIMIT: Duration = Duration::from_secs(120);

fn figures(name: &str, mut values: Vec<u128>) {
    values.sort_unstable();
    let median = values[values.len() / 2];
    println!(
        "{name}: median {median} ms, range {}-{} ms over {} runs",
        values[0],
        values[values.len() - 1],
        values.len()
    );
}

async fn spread(replicas: &[Replica]) -> Vec<usize> {
    let mut sizes = Vec::new();
    for replica in replicas {
        sizes.push(replica.held().await.len());
    }
    sizes
}

async fn union(replicas: &[Replica]) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for replica in replicas {
        all.extend(replica.held().await);
    }
    all
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let Some(postgres) = Postgres::start("ha_takeover") else {
        return;
    };
    let sandbox = support::sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let names = write_projects(dir.path(), PROJECTS);
    let started = Instant::now();
    let mut replicas = Vec::new();
    for instance in ["r0", "r1", "r2"] {
        replicas
            .push(start_replica(&sandbox, dir.path(), &postgres.url(), instance, INTERVAL).await);
    }
    wait_until(LIMIT, "10 projects each", || async {
        spread(&replicas).await == vec![10, 10, 10] && union(&replicas).await.len() == PROJECTS
    })
    .await;
    let spread_at = started.elapsed();
    for name in &names {
        while mode_of(&sandbox, name).await != "managed" {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    println!(
        "3 replicas x {PROJECTS} projects (interval {INTERVAL}): spread 10/10/10 after {} ms, all converged after {} ms",
        spread_at.as_millis(),
        started.elapsed().as_millis()
    );
    let (mut takeovers, mut rejoins) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let mut victim = replicas.remove(0);
        let held = victim.held().await.len();
        let killed = Instant::now();
        victim.kill().await;
        wait_until(LIMIT, "the survivors holding every project", || async {
            union(&replicas).await.len() == PROJECTS
        })
        .await;
        takeovers.push(killed.elapsed().as_millis());
        println!(
            "round {}: killed {} holding {held}; survivors hold {:?} after {} ms",
            round + 1,
            victim.instance,
            spread(&replicas).await,
            killed.elapsed().as_millis()
        );
        let joined = Instant::now();
        let instance = format!("r{}", round + 3);
        replicas
            .push(start_replica(&sandbox, dir.path(), &postgres.url(), &instance, INTERVAL).await);
        wait_until(LIMIT, "the new replica holding its share", || async {
            spread(&replicas).await == vec![10, 10, 10] && union(&replicas).await.len() == PROJECTS
        })
        .await;
        rejoins.push(joined.elapsed().as_millis());
    }
    figures("takeover after kill -9 (until 30 of 30 held)", takeovers);
    figures("new replica to 10/10/10 (from process start)", rejoins);
    let creates = support::count(&support::stats(&sandbox).await, "ProjectCreate");
    println!("ProjectCreate sent: {creates} for {PROJECTS} projects");
}
