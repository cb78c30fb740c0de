//! Entry point: parse the command line, set up logging, hand over to `cli::run`.

// No unwrap()/expect() on anything input, the network or the clock can break (unit tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::process::ExitCode;

use clap::Parser;
use railway_operator::cli::{Cli, init_logging, run};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    run(cli).await
}
