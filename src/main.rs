//! The `oncovox` command line. Exit codes: 0 success, 2 bad input (scene,
//! overrides, output folder, too large, another run writing it), 128 + the
//! signal when SIGINT, SIGTERM or SIGHUP stopped a run (130, 143, 129), 1
//! anything else.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::dispatch(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            cli::report(&e, "");
            ExitCode::from(cli::exit_code(&e))
        }
    }
}
