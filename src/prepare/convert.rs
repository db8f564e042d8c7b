//! `convert`: other common dataset shapes to chat JSONL, and OpenAI's lines to and from Vertex
//! AI's (see [`super::vertex`]) and Amazon Bedrock's (see [`super::bedrock`]).

use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::PrepareError;
use super::bedrock::{from_bedrock, to_bedrock};
use super::output::{OutputSet, TargetPolicy};
use super::vertex::{Refusal, from_vertex, inexact_number, to_vertex};
use crate::diagnostic::Severity;
use crate::lint::checker::lint_line;
use crate::lint::vertex::SYSTEM_KEYS;
use crate::lint::{CheckOptions, RuleProfile};
use crate::provider::Provider;

/// The shapes `convert` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// JSONL of `{"prompt": ..., "completion": ...}` (the legacy completions format).
    PromptCompletion,
    /// JSONL of `{"conversations": [{"from": "human", "value": ...}, ...]}`.
    ShareGpt,
    /// JSONL of `{"instruction": ..., "input": ..., "output": ...}`.
    Alpaca,
    /// CSV with a header: a prompt column (`prompt`, `user`, `question`, `instruction` or
    /// `input`), an answer column (`completion`, `assistant`, `answer`, `response` or
    /// `output`), and optionally `system`.
    Csv,
    /// OpenAI's chat and preference JSONL, written as Vertex AI's (`convert --to vertex`).
    OpenAi,
    /// Vertex AI's supervised and preference JSONL, written as OpenAI's (`convert --from
    /// vertex`).
    Vertex,
    /// OpenAI's chat JSONL, written as Amazon Bedrock's conversation lines (`convert --to
    /// bedrock`).
    OpenAiForBedrock,
    /// Amazon Bedrock's conversation JSONL, written as OpenAI's (`convert --from bedrock`).
    Bedrock,
}

/// A row that could not be converted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unconverted {
    /// The line (JSONL) or record (CSV, counting the header as 1) of the input.
    pub row: u64,
    /// Why.
    pub reason: String,
    /// The JSON pointer of the value that could not be carried, where one value stops the
    /// row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

/// What `convert` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConvertReport {
    /// Rows read (blank JSONL lines and the CSV header aside).
    pub rows: u64,
    /// Rows converted and written.
    pub converted: u64,
    /// Rows that could not be converted, each with its reason.
    pub unconverted: Vec<Unconverted>,
}

/// Converts `input` to chat JSONL at `output` (an [`OutputSet`] of one: a temporary file
/// renamed into place), with an optional system message first in every example.
pub fn convert(
    input: &Path,
    output: &Path,
    from: SourceFormat,
    system: Option<&str>,
    policy: TargetPolicy,
) -> Result<ConvertReport, PrepareError> {
    let read_error = |source| PrepareError::Read {
        path: input.to_owned(),
        source,
    };
    let mut writer = OutputSet::create(input, &[output], policy)?;
    let mut report = ConvertReport::default();
    let file = std::fs::File::open(input).map_err(read_error)?;
    let target = target_rules(from);
    let mut emit = |row: u64, result: Result<Value, Refusal>, report: &mut ConvertReport| {
        report.rows += 1;
        let result = result.and_then(|mut line| {
            if let Some(system) = system {
                add_system(&mut line, system);
            }
            let text = line.to_string();
            match target {
                Some(target) => passes(&text, target).map(|()| text),
                None => Ok(text),
            }
        });
        match result {
            Ok(line) => {
                report.converted += 1;
                writer.write_line(0, line.as_bytes())
            }
            Err(Refusal { pointer, reason }) => {
                report.unconverted.push(Unconverted {
                    row,
                    reason,
                    pointer: (!pointer.is_empty()).then_some(pointer),
                });
                Ok(())
            }
        }
    };
    if from == SourceFormat::Csv {
        let mut records = csv::ReaderBuilder::new().flexible(true).from_reader(file);
        let headers = records
            .headers()
            .map_err(|error| read_error(std::io::Error::other(error)))?
            .clone();
        let column = |names: &[&str]| {
            headers
                .iter()
                .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
        };
        let prompt = column(&["prompt", "user", "question", "instruction", "input"]);
        let answer = column(&["completion", "assistant", "answer", "response", "output"]);
        let system_column = column(&["system"]);
        let (Some(prompt), Some(answer)) = (prompt, answer) else {
            return Err(PrepareError::InvalidLine {
                path: input.to_owned(),
                line: 1,
                reason: format!(
                    "the CSV header ({}) needs a prompt column (prompt, user, question, instruction or input) and an answer column (completion, assistant, answer, response or output)",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            });
        };
        for (index, record) in records.records().enumerate() {
            let row = index as u64 + 2;
            let result = match record {
                Err(error) => Err(format!("not readable as CSV: {error}")),
                Ok(record) => {
                    let cell = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
                    turns(system_column.map(cell), &cell(prompt), &cell(answer))
                }
            };
            let result = result.map(chat_line).map_err(whole_row);
            emit(row, result, &mut report)?;
        }
    } else {
        for (index, line) in BufReader::new(file).lines().enumerate() {
            let row = index as u64 + 1;
            let line = match line {
                Ok(line) => line,
                Err(error) if error.kind() == std::io::ErrorKind::InvalidData => {
                    emit(
                        row,
                        Err(whole_row("the line is not valid UTF-8".to_owned())),
                        &mut report,
                    )?;
                    continue;
                }
                Err(error) => return Err(read_error(error)),
            };
            let text = line.trim_start_matches('\u{feff}').trim();
            if text.is_empty() {
                continue;
            }
            let result = match crate::lint::syntax::read_line(text) {
                Ok((Value::Object(object), None)) => match from {
                    SourceFormat::OpenAi
                    | SourceFormat::Vertex
                    | SourceFormat::OpenAiForBedrock
                    | SourceFormat::Bedrock
                        if let Some(number) = inexact_number(text) =>
                    {
                        Err(whole_row(format!(
                            "the line holds the number {number}, which a double cannot hold exactly: converted, it would change"
                        )))
                    }
                    SourceFormat::OpenAi => to_vertex(&object),
                    SourceFormat::Vertex => from_vertex(&object),
                    SourceFormat::OpenAiForBedrock => to_bedrock(&object),
                    SourceFormat::Bedrock => from_bedrock(&object),
                    _ => convert_object(&object, from)
                        .map(chat_line)
                        .map_err(whole_row),
                },
                // Converting writes the values anew, and these cannot be written as they are.
                Ok((Value::Object(_), Some(refused))) => Err(whole_row(format!(
                    "the line is valid JSON but cannot be converted exactly: {refused}"
                ))),
                Ok(_) => Err(whole_row("the line is not a JSON object".to_owned())),
                Err(reason) => Err(whole_row(format!("the line is not valid JSON ({reason})"))),
            };
            emit(row, result, &mut report)?;
        }
    }
    if report.rows == 0 {
        // Nothing is written: an empty output would pass for a converted file.
        return Err(PrepareError::NothingToConvert {
            path: input.to_owned(),
        });
    }
    writer.commit()?;
    Ok(report)
}

/// The rules a line converted from `from` is held to, with the command that applies them:
/// Vertex AI's for `--to vertex`, Bedrock's for `--to bedrock`, OpenAI's for `--from`.
fn target_rules(from: SourceFormat) -> Option<(RuleProfile, &'static str)> {
    match from {
        SourceFormat::OpenAi => Some((Provider::Vertex.dataset_rules(), "check --provider vertex")),
        SourceFormat::OpenAiForBedrock => Some((
            Provider::Bedrock.dataset_rules(),
            "check --provider bedrock",
        )),
        SourceFormat::Vertex | SourceFormat::Bedrock => {
            Some((Provider::OpenAi.dataset_rules(), "check"))
        }
        _ => None,
    }
}

/// Refuses a converted line that the target's `check` would report an error on, so that
/// convert never writes a line its target rejects.
fn passes(line: &str, (rules, command): (RuleProfile, &str)) -> Result<(), Refusal> {
    let options = CheckOptions {
        profile: rules,
        ..CheckOptions::default()
    };
    let result = lint_line(line.as_bytes(), false, &options);
    let Some(error) = result
        .findings
        .iter()
        .find(|finding| finding.rule.severity == Severity::Error)
    else {
        return Ok(());
    };
    let at = error
        .pointer
        .as_deref()
        .filter(|pointer| !pointer.is_empty())
        .map(|pointer| format!(" at {pointer} of the converted line"))
        .unwrap_or_default();
    Err(whole_row(format!(
        "the converted line would fail `{command}`: {} {}{at}",
        error.rule.code, error.message
    )))
}

/// A supervised chat line of `messages`.
fn chat_line(messages: Vec<Value>) -> Value {
    let mut line = Map::new();
    line.insert("messages".into(), Value::Array(messages));
    Value::Object(line)
}

/// A refusal of the whole row, with no value to point at.
fn whole_row(reason: String) -> Refusal {
    Refusal {
        pointer: String::new(),
        reason,
    }
}

/// Starts the example with `system` unless it has a system message (or instruction) already:
/// a chat line's first message, a preference line's first input message, a Vertex AI line's
/// `systemInstruction`, a Bedrock line's `system`.
fn add_system(line: &mut Value, system: &str) {
    let Value::Object(line) = line else {
        return;
    };
    if line.contains_key("schemaVersion") {
        line.entry("system")
            .or_insert_with(|| json!([{ "text": system }]));
        return;
    }
    if line.contains_key("contents") {
        if !SYSTEM_KEYS.iter().any(|key| line.contains_key(*key)) {
            line.insert(
                "systemInstruction".into(),
                json!({"parts": [{"text": system}]}),
            );
        }
        return;
    }
    let messages = match line.get_mut("input") {
        Some(input) => input.get_mut("messages"),
        None => line.get_mut("messages"),
    };
    if let Some(Value::Array(messages)) = messages
        && messages.first().and_then(|m| m.get("role")) != Some(&json!("system"))
    {
        messages.insert(0, json!({"role": "system", "content": system}));
    }
}

/// A system message (when non-empty), the user's prompt and the assistant's answer.
fn turns(system: Option<String>, prompt: &str, answer: &str) -> Result<Vec<Value>, String> {
    if prompt.is_empty() {
        return Err("the prompt is empty".to_owned());
    }
    if answer.is_empty() {
        return Err("the answer is empty".to_owned());
    }
    let mut messages = Vec::new();
    if let Some(system) = system.filter(|s| !s.is_empty()) {
        messages.push(json!({"role": "system", "content": system}));
    }
    messages.push(json!({"role": "user", "content": prompt}));
    messages.push(json!({"role": "assistant", "content": answer}));
    Ok(messages)
}

fn text(object: &Map<String, Value>, key: &str) -> Result<String, String> {
    match object.get(key) {
        Some(Value::String(s)) => Ok(s.trim().to_owned()),
        Some(other) => Err(format!("\"{key}\" is not a string: {other}")),
        None => Err(format!("no \"{key}\"")),
    }
}

fn convert_object(object: &Map<String, Value>, from: SourceFormat) -> Result<Vec<Value>, String> {
    match from {
        SourceFormat::PromptCompletion => {
            turns(None, &text(object, "prompt")?, &text(object, "completion")?)
        }
        SourceFormat::Alpaca => {
            let instruction = text(object, "instruction")?;
            let input = object
                .get("input")
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or_default();
            let prompt = if input.is_empty() {
                instruction
            } else {
                format!("{instruction}\n\n{input}")
            };
            let system = object
                .get("system")
                .and_then(Value::as_str)
                .map(str::to_owned);
            turns(system, &prompt, &text(object, "output")?)
        }
        SourceFormat::ShareGpt => {
            let turns = object
                .get("conversations")
                .or_else(|| object.get("messages"))
                .and_then(Value::as_array)
                .ok_or("no \"conversations\" list")?;
            let mut messages = Vec::new();
            for (i, turn) in turns.iter().enumerate() {
                let from = turn
                    .get("from")
                    .or_else(|| turn.get("role"))
                    .and_then(Value::as_str);
                let value = turn
                    .get("value")
                    .or_else(|| turn.get("content"))
                    .and_then(Value::as_str);
                let (Some(from), Some(value)) = (from, value) else {
                    return Err(format!("turn {i} has no string \"from\" and \"value\""));
                };
                let role = match from.to_lowercase().as_str() {
                    "human" | "user" | "prompter" => "user",
                    "gpt" | "assistant" | "chatgpt" | "bard" | "model" | "bot" => "assistant",
                    "system" => "system",
                    other => {
                        return Err(format!(
                            "turn {i} is from {other:?}, which has no chat role"
                        ));
                    }
                };
                messages.push(json!({"role": role, "content": value}));
            }
            if !messages.iter().any(|m| m["role"] == "assistant") {
                return Err("the conversation has no assistant turn".to_owned());
            }
            Ok(messages)
        }
        SourceFormat::Csv => Err("CSV rows are converted by their columns".to_owned()),
        SourceFormat::OpenAi
        | SourceFormat::Vertex
        | SourceFormat::OpenAiForBedrock
        | SourceFormat::Bedrock => {
            Err("Vertex AI and Bedrock lines are converted as whole lines".to_owned())
        }
    }
}
