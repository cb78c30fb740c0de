//! Entry point: parse the command line, set up logging, hand over to `cli::run`.

use std::process::ExitCode;

use clap::Parser;
use railway_operator::cli::{Cli, init_logging, run};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    run(cli).await
}
