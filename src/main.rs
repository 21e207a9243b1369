use std::process::ExitCode;

use clap::Parser;
use zoe_console::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = |key: &str| std::env::var(key).ok();
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    match cli::run(cli, &env, &cwd) {
        Ok(outcome) => {
            cli::print_stdout(&outcome.stdout);
            ExitCode::from(outcome.code)
        }
        Err(err) => {
            cli::print_stderr(&format!("zoe: error: {}", err.message));
            ExitCode::from(err.code)
        }
    }
}
