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
        Err(e @ oncovox::Error::Interrupted { signal, .. }) => {
            eprintln!("{e}");
            ExitCode::from(128u8.saturating_add(signal as u8))
        }
        Err(e) => {
            eprintln!("error: {e}");
            if e.is_input_error() { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}
