use std::process::ExitCode;

use clap::Parser;
use sre_policy::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A bug must end in a clear message and exit 2, never panic text or a backtrace.
    sre_policy::guard::install_quiet_hook();
    match sre_policy::guard::catch(|| sre_policy::run(cli)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(error)) => {
            // The message may quote the config (a key holding a newline and `::error`).
            let text = format!("{error:?}\n");
            eprint!(
                "{}",
                sre_policy::report::human::defuse_workflow_commands(&text)
            );
            ExitCode::from(2)
        }
        Err(message) => {
            eprintln!("sre-policy: internal error (please report it): {message}");
            ExitCode::from(2)
        }
    }
}
