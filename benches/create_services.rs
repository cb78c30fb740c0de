//! Creating 100 services with 10 variables each on an empty sandbox: requests and wall time of
//! `apply` (unpaced) and of `run --once` at the default `--max-rps 5`, and the peak memory of
//! `run --once` read from `/usr/bin/time -v`. Prints figures; asserts only that each run converged.

mod common;

use common::*;

const SERVICES: usize = 100;
const VARIABLES: usize = 10;
const TIME: &str = "/usr/bin/time";

/// `Maximum resident set size (kbytes): N` from `/usr/bin/time -v`, in MB.
fn peak_megabytes(stderr: &str) -> Option<f64> {
    stderr
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("Maximum resident set size (kbytes):")
        })
        .and_then(|kb| kb.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
}

fn main() {
    block_on(async {
        let text = manifest(SERVICES, VARIABLES, "");
        let run_once = ["run", "--once", "-f", "{file}", "--listen", "127.0.0.1:0"];

        let bench = Bench::empty(&text).await;
        let (apply, stats) = bench.counted(&["apply", "-f", "{file}"]).await;
        apply.expect_code(&[0], "apply");
        println!(
            "apply, {SERVICES} services x {VARIABLES} variables on an empty sandbox: {} requests in {} ({})",
            total(&stats),
            millis(apply.elapsed),
            by_operation(&stats)
        );
        let (noop, stats) = bench
            .counted(&["plan", "-f", "{file}", "--detailed-exitcode"])
            .await;
        noop.expect_code(&[0], "the plan after apply");
        println!("  then a no-op plan: {} requests", total(&stats));
        // Every service's start command and all 1,000 values at once: one environment patch.
        let changed = manifest(SERVICES, VARIABLES, "-changed")
            .replace("serve --port", "serve --changed --port");
        std::fs::write(bench.manifest_path(), changed).expect("manifest written");
        let (apply, stats) = bench.counted(&["apply", "-f", "{file}"]).await;
        apply.expect_code(&[0], "apply of the changes");
        println!(
            "  then changing every service's start command and all {} values: {} requests in {} ({})",
            SERVICES * VARIABLES,
            total(&stats),
            millis(apply.elapsed),
            by_operation(&stats)
        );
        let (noop, _) = bench
            .counted(&["plan", "-f", "{file}", "--detailed-exitcode"])
            .await;
        noop.expect_code(&[0], "the plan after the changes");

        for (label, max_rps) in [("unpaced", "0"), ("default pacing (--max-rps 5)", "5")] {
            let slow = Bench::empty_with_latency(&text, std::time::Duration::from_millis(50)).await;
            let (apply, stats) = slow
                .counted(&["apply", "-f", "{file}", "--max-rps", max_rps])
                .await;
            apply.expect_code(&[0], "apply with latency");
            println!(
                "apply with 50 ms sandbox latency, {label}: {} requests in {}",
                total(&stats),
                millis(apply.elapsed)
            );
        }

        if !exists(TIME) {
            println!("{TIME} is missing: peak memory not measured");
        }
        let wrapper: &[&str] = if exists(TIME) { &[TIME, "-v"] } else { &[] };
        for (label, max_rps) in [
            ("unpaced (--max-rps 1000)", "1000"),
            ("default pacing (--max-rps 5)", "5"),
        ] {
            let bench = Bench::empty(&text).await;
            bench.reset_stats().await;
            let mut args = run_once.to_vec();
            args.extend(["--max-rps", max_rps]);
            let run = bench.cli_wrapped(wrapper, &args).await;
            run.expect_code(&[0], "run --once");
            let stats = bench.stats().await;
            let requests = total(&stats);
            let peak = peak_megabytes(&run.stderr)
                .map(|mb| format!("{mb:.1} MB"))
                .unwrap_or_else(|| "n/a".into());
            println!(
                "run --once creating {SERVICES} services x {VARIABLES} variables, {label}: {requests} requests in {} ({:.1} requests/s), peak RSS {peak}",
                millis(run.elapsed),
                requests as f64 / run.elapsed.as_secs_f64(),
            );
            let (noop, stats) = bench
                .counted(&["plan", "-f", "{file}", "--detailed-exitcode"])
                .await;
            noop.expect_code(&[0], "the plan after run --once");
            if max_rps == "1000" {
                let run = bench.cli_wrapped(wrapper, &run_once).await;
                run.expect_code(&[0], "a no-op run --once");
                let peak = peak_megabytes(&run.stderr)
                    .map(|mb| format!("{mb:.1} MB"))
                    .unwrap_or_else(|| "n/a".into());
                println!(
                    "  then a no-op run --once of the same {SERVICES} services: peak RSS {peak}, {} ({} requests for the plan before)",
                    millis(run.elapsed),
                    total(&stats)
                );
            }
        }
    });
}
