//! `finetune stand-in`: the local stand-in of the fine-tuning API.

use std::io;
use std::time::Duration;

use crate::cli::{Printer, StandInArgs};
use crate::commands::ExitStatus;
use crate::commands::remote::block_on;
use crate::standin::{Options, bind, serve};

/// Serves until interrupted.
pub fn run(args: &StandInArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let options = Options {
        tick: Duration::from_millis(args.tick_ms),
        api_key: args.api_key.clone(),
        wind_down: args.wind_down,
        retired: args.retired.clone(),
        header_timeout: Duration::from_millis(args.header_timeout_ms),
        idle_timeout: Duration::from_millis(args.idle_timeout_ms),
    };
    let result = block_on(async {
        let (listener, addr) = bind(args.port).await?;
        let url = format!("http://{addr}/v1");
        writeln!(printer.out(), "{url}")?;
        printer.flush()?;
        let root = format!("http://{addr}");
        printer.note(&format!(
            "the fine-tuning API stand-in is listening on {root}; in another shell:\n  \
             OpenAI:        export OPENAI_BASE_URL={url} OPENAI_API_KEY=sk-standin\n  \
             Azure OpenAI:  export FINETUNE_PROVIDER=azure AZURE_OPENAI_ENDPOINT={root}/azure AZURE_OPENAI_API_KEY=standin-key\n  \
             (its v1 API:   AZURE_OPENAI_ENDPOINT={root}/azure/openai/v1)\n  \
             Together AI:   export FINETUNE_PROVIDER=together TOGETHER_BASE_URL={root}/together/v1 TOGETHER_API_KEY=standin-key\n  \
             Fireworks AI:  export FINETUNE_PROVIDER=fireworks FIREWORKS_BASE_URL={root}/fireworks FIREWORKS_ACCOUNT_ID=me FIREWORKS_API_KEY=standin-key\n  \
             compatible:    export FINETUNE_PROVIDER=openai-compatible OPENAI_COMPATIBLE_BASE_URL={root}/compatible/v1 OPENAI_API_KEY=standin-key\n  \
             then: finetune upload-dataset datasets/sarcastic.jsonl\n\
             Ctrl-C stops it (everything it holds is in memory)."
        ));
        tokio::select! {
            served = serve(listener, options) => served,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })?;
    match result {
        Ok(()) => Ok(ExitStatus::Success),
        Err(error) => {
            printer.error(&format!("the stand-in stopped: {error}"));
            Ok(ExitStatus::Error)
        }
    }
}
