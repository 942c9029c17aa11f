use std::process::ExitCode;

use clap::Parser;
use sre_policy::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match sre_policy::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("{error:?}");
            ExitCode::from(2)
        }
    }
}
