use std::process::ExitCode;

use clap::Parser;
use finetune::cli::Cli;

fn main() -> ExitCode {
    finetune::commands::run(Cli::parse()).into()
}
