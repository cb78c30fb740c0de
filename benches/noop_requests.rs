//! Requests per no-op reconcile (`plan` and `run --once`) for projects of 10, 100 and 1,000
//! services seeded into the sandbox, beside the count a one-query-per-resource refresh would
//! take. Prints figures only; it asserts that each pass was a no-op, never how long it took.

mod common;

use common::*;

/// A one-query-per-resource refresh (the Terraform provider's pattern) reads each service with
/// six queries, plus one for the project.
const QUERIES_PER_SERVICE_ONE_BY_ONE: u64 = 6;

fn main() {
    block_on(async {
        println!("| services | plan (no-op) | run --once (no-op) | one query per resource |");
        println!("|---:|---:|---:|---:|");
        for services in [10, 100, 1_000] {
            let bench = Bench::seeded(&manifest(services, 2, ""), &seed(services, 2)).await;
            // The first apply only records the inventory; every later pass is a no-op.
            bench
                .cli(&["apply", "-f", "{file}"])
                .await
                .expect_code(&[0], "apply");
            let (plan, plan_stats) = bench
                .counted(&["plan", "-f", "{file}", "--detailed-exitcode"])
                .await;
            plan.expect_code(&[0], "a no-op plan");
            let (run, run_stats) = bench
                .counted(&["run", "--once", "-f", "{file}", "--listen", "127.0.0.1:0"])
                .await;
            run.expect_code(&[0], "a no-op run --once");
            println!(
                "| {services} | {} ({}) in {} | {} ({}) in {} | {} |",
                total(&plan_stats),
                by_operation(&plan_stats),
                millis(plan.elapsed),
                total(&run_stats),
                by_operation(&run_stats),
                millis(run.elapsed),
                1 + QUERIES_PER_SERVICE_ONE_BY_ONE * services as u64,
            );
        }
    });
}
