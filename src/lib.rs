//! `finetune`: check, prepare and train chat fine-tuning datasets.
//!
//! The library does the work; the `finetune` binary is a thin shell around [`commands::run`].
//! The core ([`dataset`], [`lint`], [`diagnostic`]) is synchronous, never prints and knows
//! nothing of the command line: [`lint::check_stream`] reads a JSONL stream and hands sorted
//! [`diagnostic::Diagnostic`]s to a sink.

pub mod api;
pub mod cli;
pub mod commands;
pub mod cost;
pub mod dataset;
pub mod diagnostic;
pub mod lint;
pub mod prepare;
pub mod provider;
pub mod standin;
pub mod time;
pub mod tokens;
pub mod workflow;
