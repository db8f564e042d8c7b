//! One module per subcommand; the only code that prints.

pub mod check;
pub mod convert;
pub mod dedupe;
pub mod export;
pub mod files;
pub mod jobs;
pub mod migrate;
pub mod models;
pub mod prepare;
mod remote;
pub mod rule;
pub mod split;
pub mod standin;

use std::process::ExitCode;

use crate::cli::{Cli, Command, Printer};

/// How a run ended; the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: no errors.
    Success,
    /// 1: the data has errors (or warnings under `--deny-warnings`).
    Failure,
    /// 2: the tool could not do its job.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        })
    }
}

/// The price table: the file given with `--pricing`, or the built-in one.
fn price_table(
    path: Option<&std::path::Path>,
) -> Result<crate::cost::PriceTable, crate::cost::PricingError> {
    path.map_or_else(
        || Ok(crate::cost::PriceTable::embedded()),
        crate::cost::PriceTable::from_file,
    )
}

/// The exit status for a prepare error: 1 when the data is at fault, 2 otherwise.
fn prepare_failure(error: &crate::prepare::PrepareError, printer: &mut Printer) -> ExitStatus {
    printer.error(&error.to_string());
    match error {
        crate::prepare::PrepareError::InvalidLine { .. }
        | crate::prepare::PrepareError::NothingToConvert { .. } => ExitStatus::Failure,
        _ => ExitStatus::Error,
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitStatus {
    let mut printer = Printer::new(cli.color);
    // Refused before anything is read or checked: nothing would reach the provider.
    if let Some(refusal) = cli.command.api().and_then(|api| api.provider.api_refusal()) {
        printer.error(&refusal);
        return ExitStatus::Error;
    }
    let result = match cli.command {
        Command::Check(args) => check::run(&args, &mut printer),
        Command::Rule(args) => rule::run(&args, &mut printer),
        Command::Models(args) => models::run(&args, &mut printer),
        Command::Dedupe(args) => dedupe::run(&args, &mut printer),
        Command::Split(args) => split::run(&args, &mut printer),
        Command::Prepare(args) => prepare::run(&args, &mut printer),
        Command::Convert(args) => convert::run(&args, &mut printer),
        Command::UploadDataset(args) => files::upload(&args, &mut printer),
        Command::ListFiles(args) => files::list(&args, &mut printer),
        Command::DeleteFilesByName(args) => files::delete(&args, &mut printer),
        Command::TrainModel(args) => jobs::train(&args, &mut printer),
        Command::ListJobs(args) => jobs::list(&args, &mut printer),
        Command::RetrieveJob(args) => jobs::job(&args, None, &mut printer),
        Command::CancelJob(args) => jobs::job(&args, Some("cancel"), &mut printer),
        Command::PauseJob(args) => jobs::job(&args, Some("pause"), &mut printer),
        Command::ResumeJob(args) => jobs::job(&args, Some("resume"), &mut printer),
        Command::ListCheckpoints(args) => jobs::checkpoints(&args, &mut printer),
        Command::ListJobEvents(args) => jobs::events(&args, &mut printer),
        Command::Wait(args) => jobs::wait(&args, &mut printer),
        Command::Metrics(args) => jobs::metrics(&args, &mut printer),
        Command::FineTunePrompt(args) => jobs::prompt(&args, &mut printer),
        Command::StandIn(args) => standin::run(&args, &mut printer),
        Command::Export(args) => export::run(&args, &mut printer),
        Command::Migrate(args) => migrate::run(&args, &mut printer),
    };
    let result = result.and_then(|status| printer.flush().map(|()| status));
    match result {
        Ok(status) => status,
        // Standard output absorbs a closed pipe itself (the exit code stays what was found), so
        // a broken pipe here is standard error's: what had to be said was not said.
        Err(error) => {
            printer.error(&format!("could not write the output: {error}"));
            ExitStatus::Error
        }
    }
}
