//! CPU time of the pure planner for 1,000 services x 20 variables: the manifest is loaded and the
//! live state read from a seeded sandbox once, then `plan` alone is timed. Prints medians only.

mod common;

use std::path::Path;
use std::time::Instant;

use common::*;
use railway_operator::manifest::load_str;
use railway_operator::plan::{PlanOptions, plan};
use railway_operator::railway::snapshot::snapshot;
use railway_operator::railway::{Auth, Client, ClientConfig};

const SERVICES: usize = 1_000;
const VARIABLES: usize = 20;
const RUNS: usize = 15;

fn main() {
    block_on(async {
        let bench = Bench::seeded(
            &manifest(SERVICES, VARIABLES, ""),
            &seed(SERVICES, VARIABLES),
        )
        .await;
        let client = Client::new(ClientConfig::new(
            bench.sandbox.url(),
            Auth::Bearer(TOKEN.into()),
        ))
        .expect("client");
        for (label, suffix) in [("no-op", ""), ("every variable changed", "-new")] {
            let text = manifest(SERVICES, VARIABLES, suffix);
            let started = Instant::now();
            let desired =
                load_str(&text, Path::new("bench.yml"), &|_| None).expect("manifest loads");
            let load_time = started.elapsed();
            let started = Instant::now();
            let live = snapshot(&client, &desired.project).await.expect("snapshot");
            let snapshot_time = started.elapsed();
            let mut samples = Vec::with_capacity(RUNS);
            let mut actions = 0;
            for _ in 0..RUNS {
                let started = Instant::now();
                let planned = plan(&desired, &live, &PlanOptions::default());
                samples.push(started.elapsed());
                actions = planned.actions.len();
            }
            let fastest = samples.iter().min().copied().unwrap_or_default();
            let slowest = samples.iter().max().copied().unwrap_or_default();
            println!(
                "plan {SERVICES} services x {VARIABLES} variables ({label}, {actions} actions): median {} over {RUNS} runs (min {}, max {}); load_str {}, snapshot {}",
                millis(median(samples)),
                millis(fastest),
                millis(slowest),
                millis(load_time),
                millis(snapshot_time),
            );
        }
    });
}
