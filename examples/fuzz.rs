//! Pushes mutated datasets, option values, price tables and tokenizer files through the built
//! `finetune` binary and checks that it never panics, never hangs, exits only with 0, 1 or 2,
//! that `check` reports an error at every line that is not valid JSON, no JSON-syntax error
//! (FT002) at any line that is, and FT007, FT008, FT009 or FT010 at a valid line holding a lone
//! surrogate escape, a number beyond f64 or nesting past 127 levels; and that `prepare`,
//! `dedupe` and `split` account for every line `check` does not call an error (kept, or listed
//! as removed or invalid in their JSON report) and call no line invalid that `check` accepts.
//!
//! ```sh
//! cargo build --release --locked
//! cargo run --release --locked --example fuzz -- --lines 1000000 --seed 1
//! ```
//!
//! Options: `--lines N` (mutated lines through each of check, check --fix, prepare, dedupe,
//! split and convert; default 1,000,000), `--seed N`, `--batch N` (lines per file, default 10,000),
//! `--timeout-secs N` (per run, default 120), `--binary PATH` (read against the current
//! directory; default: `finetune` beside the example), `--keep DIR` (where failing inputs are copied; default a folder in the temporary
//! directory). It prints every failure with the command that shows it, and exits 1 if any.
//!
//! The oracle reads lines as JSON by RFC 8259, without serde_json's limits: a valid line never
//! gets FT002, and one holding a lone surrogate escape, a number beyond the range of f64 or
//! nesting of 128 levels or more gets FT007, FT008 or FT009 (FT010 past 1,000 levels) for each.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// serde_json's nesting limit: arrays and objects this deep get FT009 rather than FT002.
const SERDE_DEPTH_LIMIT: usize = 128;
/// Lines of the small files used for option, price table and tokenizer runs.
const SMALL_LINES: usize = 200;
/// Runs with a mutated option value per batch.
const OPTION_RUNS: usize = 8;
/// Runs with a mutated price table, and with a mutated tokenizer, per batch.
const DOCUMENT_RUNS: usize = 4;
/// How many failures of one kind are shown and kept.
const SHOWN_PER_KIND: u64 = 3;
/// How many offending lines of one failure are shown.
const SHOWN_LINES: usize = 3;

struct Settings {
    lines: u64,
    seed: u64,
    batch: usize,
    timeout: Duration,
    binary: PathBuf,
    keep: PathBuf,
}

fn settings() -> Settings {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut settings = Settings {
        lines: 1_000_000,
        seed: 1,
        batch: 10_000,
        timeout: Duration::from_secs(120),
        binary: std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.parent()?.join("finetune")))
            .unwrap_or_else(|| PathBuf::from("target/release/finetune")),
        keep: PathBuf::new(),
    };
    let mut keep = None;
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).unwrap_or_else(|| usage(&args[i]));
        let number = || value.parse::<u64>().unwrap_or_else(|_| usage(&args[i]));
        match args[i].as_str() {
            "--lines" => settings.lines = number(),
            "--seed" => settings.seed = number(),
            "--batch" => settings.batch = number().max(1) as usize,
            "--timeout-secs" => settings.timeout = Duration::from_secs(number().max(1)),
            "--binary" => settings.binary = PathBuf::from(value),
            "--keep" => keep = Some(PathBuf::from(value)),
            other => usage(other),
        }
        i += 2;
    }
    settings.keep = keep.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("finetune-fuzz-{}-failures", settings.seed))
    });
    settings
}

fn usage(at: &str) -> ! {
    eprintln!(
        "fuzz: bad argument {at:?}\nusage: fuzz [--lines N] [--seed N] [--batch N] [--timeout-secs N] [--binary PATH] [--keep DIR]"
    );
    std::process::exit(2);
}

/// `path` made absolute against `base` (the runs start in a work folder, where a relative path
/// would name nothing), or why it names no binary.
fn resolve_binary(path: &Path, base: &Path) -> Result<PathBuf, String> {
    let absolute = base.join(path);
    match fs::canonicalize(&absolute) {
        Ok(resolved) if resolved.is_file() => Ok(resolved),
        Ok(_) => Err(format!("{} is not a file", absolute.display())),
        Err(error) => Err(format!("no binary at {} ({error})", absolute.display())),
    }
}

fn main() {
    let mut settings = settings();
    let here = std::env::current_dir().unwrap_or_default();
    settings.binary = resolve_binary(&settings.binary, &here).unwrap_or_else(|problem| {
        eprintln!("fuzz: {problem}; run `cargo build --release --locked` first or pass --binary");
        std::process::exit(2);
    });
    let work = tempfile::tempdir().expect("a temporary directory");
    let mut fuzz = Fuzz {
        rng: fastrand::Rng::with_seed(settings.seed),
        runner: Runner {
            binary: settings.binary.clone(),
            timeout: settings.timeout,
            work: work.path().to_owned(),
            keep: settings.keep.clone(),
            failures: Vec::new(),
            kinds: HashMap::new(),
            runs: 0,
        },
        stats: Stats::default(),
    };
    let started = Instant::now();
    let mut batch = 0_u64;
    while fuzz.stats.dataset_lines < settings.lines || fuzz.stats.convert_lines < settings.lines {
        fuzz.batch(batch, settings.batch);
        batch += 1;
        if batch.is_multiple_of(10) {
            eprintln!(
                "fuzz: {} lines, {} runs, {} failures, {:.0?}",
                fuzz.stats.dataset_lines,
                fuzz.runner.runs,
                fuzz.runner.failures.len(),
                started.elapsed()
            );
        }
    }
    let stats = &fuzz.stats;
    println!(
        "fuzz: seed {}, {} batches in {:.1?}: {} dataset lines through check (json and one other format each), check --fix, prepare (when the method is auto), dedupe and split (the file, its accepted lines, and those without parts strict readers refuse; {} JSON reports accounted for); {} lines through convert; {} option, {} price table and {} tokenizer runs; {} runs in all",
        settings.seed,
        batch,
        started.elapsed(),
        stats.dataset_lines,
        stats.accounted_runs,
        stats.convert_lines,
        stats.option_runs,
        stats.pricing_runs,
        stats.tokenizer_runs,
        fuzz.runner.runs,
    );
    println!(
        "oracle: {} lines not valid JSON (all reported as errors: {}), {} valid lines, {} valid lines strict readers refuse (lone surrogate, number beyond f64, deep nesting): {} reported FT002, {} with each matching FT007-FT009",
        stats.invalid_lines,
        stats.invalid_lines - stats.missed,
        stats.valid_lines,
        stats.special_lines,
        stats.special_ft002,
        stats.special_own_code,
    );
    if fuzz.runner.failures.is_empty() {
        println!("no failures");
    } else {
        let mut kinds: Vec<(&String, &u64)> = fuzz.runner.kinds.iter().collect();
        kinds.sort();
        println!("failures by kind:");
        for (kind, count) in kinds {
            println!("- {count} × {kind}");
        }
        println!(
            "the first of each kind (inputs kept in {}):",
            settings.keep.display()
        );
        for failure in &fuzz.runner.failures {
            println!("- {failure}");
        }
        std::process::exit(1);
    }
}

#[derive(Default)]
struct Stats {
    dataset_lines: u64,
    convert_lines: u64,
    option_runs: u64,
    pricing_runs: u64,
    tokenizer_runs: u64,
    invalid_lines: u64,
    missed: u64,
    valid_lines: u64,
    special_lines: u64,
    special_ft002: u64,
    special_own_code: u64,
    /// Runs of prepare, dedupe and split whose JSON report was held to account.
    accounted_runs: u64,
}

struct Fuzz {
    rng: fastrand::Rng,
    runner: Runner,
    stats: Stats,
}

/// The dataset shapes `check` reads.
#[derive(Clone, Copy)]
enum Shape {
    Chat,
    Preference,
    Reinforcement,
    Mixed,
}

const FORMATS: [&str; 4] = ["human", "concise", "github", "sarif"];
const CONVERT_FROM: [&str; 4] = ["prompt-completion", "sharegpt", "alpaca", "csv"];

impl Fuzz {
    fn batch(&mut self, number: u64, lines: usize) {
        let shape = [
            Shape::Chat,
            Shape::Chat,
            Shape::Preference,
            Shape::Reinforcement,
            Shape::Mixed,
        ][self.rng.usize(..5)];
        let data = self.dataset(shape, lines);
        let path = self.runner.work.join("data.jsonl");
        fs::write(&path, &data).expect("can write the dataset");
        self.stats.dataset_lines += lines as u64;

        let method = ["auto", "auto", "auto", "supervised", "dpo", "reinforcement"]
            [self.rng.usize(..6)]
        .to_owned();
        let checked = self.check_with_oracle(&path, &data, &method);
        let format = FORMATS[(number % 4) as usize];
        self.runner.run(
            &format!("check --output-format {format}"),
            &[
                "check",
                &arg(&path),
                "--method",
                &method,
                "--output-format",
                format,
            ],
            &[&path],
        );
        let out = self.runner.work.join("out.jsonl");
        self.runner.run(
            "check --fix",
            &["check", &arg(&path), "--fix", "-o", &arg(&out)],
            &[&path],
        );
        if let Some(checked) = checked {
            self.line_runs(&path, &data, &checked, &method);
        }

        let from = CONVERT_FROM[(number % 4) as usize];
        let source = self.convert_input(from, lines);
        let source_path = self
            .runner
            .work
            .join(if from == "csv" { "in.csv" } else { "in.jsonl" });
        fs::write(&source_path, &source).expect("can write the convert input");
        self.stats.convert_lines += lines as u64;
        self.runner.run(
            &format!("convert --from {from}"),
            &[
                "convert",
                &arg(&source_path),
                "--from",
                from,
                "-o",
                &arg(&out),
                "--output-format",
                ["human", "json"][self.rng.usize(..2)],
            ],
            &[&source_path],
        );

        let small: Vec<u8> = data
            .split_inclusive(|b| *b == b'\n')
            .take(SMALL_LINES)
            .flatten()
            .copied()
            .collect();
        let small_path = self.runner.work.join("small.jsonl");
        fs::write(&small_path, &small).expect("can write the small dataset");
        for _ in 0..OPTION_RUNS {
            self.option_run(&small_path);
        }
        for _ in 0..DOCUMENT_RUNS {
            self.pricing_run(&small_path);
            self.tokenizer_run(&small_path);
        }
    }

    /// `dedupe` and `split` on the file and on its lines `check` accepts, and `prepare` on the
    /// file, each held to account for every line.
    fn line_runs(&mut self, path: &Path, data: &[u8], checked: &Checked, method: &str) {
        let near = ["0.8", "0.5", "off", "0.95"][self.rng.usize(..4)];
        let by = ["example", "prompt"][self.rng.usize(..2)];
        let validation = ["0.1", "0.5", "3", "1", "0.2"][self.rng.usize(..5)];
        let out = arg(&self.runner.work.join("out.jsonl"));
        let split_dir = self.runner.work.join("split");
        let _ = fs::create_dir_all(&split_dir);
        let split_dir = arg(&split_dir);
        // Most mutated files are refused at their first bad line; the lines `check` accepts
        // reach the accounting, with and without valid lines holding what strict readers
        // refuse (so that one such line refused does not hide the accounting of the rest).
        let accepted = self.subset(data, checked, "accepted.jsonl", |_| true);
        let strict = self.subset(data, checked, "strict.jsonl", |line| {
            !classify(line).refused.any()
        });
        let files = [
            (path.to_owned(), checked),
            (accepted.0, &accepted.1),
            (strict.0, &strict.1),
        ];
        for (file, facts) in files {
            let file = file.as_path();
            let dedupe = ["-o", out.as_str(), "--near", near, "--by", by];
            self.accounted_run("dedupe", file, &dedupe, facts);
            let split = [
                "--output-dir",
                split_dir.as_str(),
                "--near",
                near,
                "--validation",
                validation,
            ];
            self.accounted_run("split", file, &split, facts);
        }
        // prepare checks with `--method auto`; other methods call other lines errors.
        if method == "auto" {
            self.prepare_run(path, checked, validation);
        }
    }

    /// The lines of `data` that `check` accepts and `keep` keeps, written to `name` in the work
    /// folder, with what is known of them.
    fn subset(
        &self,
        data: &[u8],
        checked: &Checked,
        name: &str,
        keep: impl Fn(&[u8]) -> bool,
    ) -> (PathBuf, Checked) {
        let lines: Vec<&[u8]> = split_lines(data)
            .zip(&checked.lines)
            .filter(|(line, facts)| !facts.error && keep(line))
            .map(|(line, _)| line)
            .collect();
        let path = self.runner.work.join(name);
        let mut bytes = lines.join(&b'\n');
        bytes.push(b'\n');
        fs::write(&path, &bytes).expect("can write a subset of the dataset");
        let facts = lines
            .iter()
            .enumerate()
            .map(|(index, line)| LineFacts {
                error: false,
                valid_json: classify_line(index, line).0.valid,
            })
            .collect();
        (path, Checked { lines: facts })
    }

    // Datasets.

    fn dataset(&mut self, shape: Shape, lines: usize) -> Vec<u8> {
        let mut data = Vec::new();
        if self.rng.usize(..20) == 0 {
            data.extend_from_slice("\u{feff}".as_bytes());
        }
        let crlf = self.rng.usize(..5) == 0;
        for i in 0..lines {
            let shape = match shape {
                Shape::Mixed => {
                    [Shape::Chat, Shape::Preference, Shape::Reinforcement][self.rng.usize(..3)]
                }
                other => other,
            };
            let mut line = match shape {
                Shape::Chat | Shape::Mixed => self.chat_line(i),
                Shape::Preference => self.preference_line(i),
                Shape::Reinforcement => self.reinforcement_line(i),
            }
            .into_bytes();
            // Two in five lines stay valid; a copy now and then feeds dedupe and split.
            if self.rng.usize(..5) >= 2 {
                for _ in 0..=self.rng.usize(..3) {
                    self.mutate(&mut line);
                }
            }
            data.extend_from_slice(&line);
            if i + 1 < lines || self.rng.usize(..4) != 0 {
                data.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
        }
        data
    }

    fn text(&mut self) -> String {
        const WORDS: &[&str] = &[
            "the",
            "hammer",
            "price",
            "Paris",
            "日本語",
            "ёлка",
            "café",
            "🙂",
            "x = 1;",
            "<|endoftext|>",
            "  ",
            "\\n",
            "\"quoted\"",
            "tab\there",
            "naïve",
            "über",
            "0",
        ];
        let n = self.rng.usize(0..12);
        let mut text = String::new();
        for i in 0..n {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(WORDS[self.rng.usize(..WORDS.len())]);
        }
        text
    }

    fn message(&mut self, role: &str) -> Value {
        json!({"role": role, "content": self.text()})
    }

    fn chat_line(&mut self, i: usize) -> String {
        let mut messages = Vec::new();
        if self.rng.bool() {
            messages.push(self.message("system"));
        }
        for _ in 0..=self.rng.usize(..3) {
            messages.push(self.message("user"));
            let mut reply = self.message("assistant");
            match self.rng.usize(..6) {
                0 => reply["weight"] = json!(self.rng.usize(..2)),
                1 => {
                    reply = json!({"role": "assistant", "tool_calls": [{"id": format!("call_{i}"), "type": "function", "function": {"name": "lookup", "arguments": "{\"q\": 1}"}}]});
                    messages.push(reply);
                    reply = json!({"role": "tool", "tool_call_id": format!("call_{i}"), "content": self.text()});
                    messages.push(reply);
                    reply = self.message("assistant");
                }
                2 => reply["name"] = json!("bot"),
                _ => {}
            }
            messages.push(reply);
        }
        let mut line = json!({"messages": messages});
        if self.rng.usize(..8) == 0 {
            line["tools"] = json!([{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"q": {"type": "integer"}}}}}]);
        }
        line.to_string()
    }

    fn preference_line(&mut self, _: usize) -> String {
        json!({
            "input": {"messages": [self.message("system"), self.message("user")]},
            "preferred_output": [self.message("assistant")],
            "non_preferred_output": [self.message("assistant")],
        })
        .to_string()
    }

    fn reinforcement_line(&mut self, i: usize) -> String {
        json!({
            "messages": [self.message("developer"), self.message("user")],
            "correct_answer": format!("{i}"),
            "reference": {"score": self.rng.f64(), "tags": [self.text()]},
        })
        .to_string()
    }

    fn convert_input(&mut self, from: &str, lines: usize) -> Vec<u8> {
        let mut data = Vec::new();
        if from == "csv" {
            data.extend_from_slice(b"prompt,completion,system\n");
        }
        for _ in 0..lines {
            let mut line = match from {
                "prompt-completion" => {
                    json!({"prompt": self.text(), "completion": self.text()}).to_string()
                }
                "sharegpt" => json!({"conversations": [
                    {"from": "system", "value": self.text()},
                    {"from": "human", "value": self.text()},
                    {"from": "gpt", "value": self.text()},
                ]})
                .to_string(),
                "alpaca" => {
                    json!({"instruction": self.text(), "input": self.text(), "output": self.text()})
                        .to_string()
                }
                _ => format!(
                    "\"{}\",\"{}\",{}",
                    self.text().replace('"', "\"\""),
                    self.text().replace('"', "\"\""),
                    self.text().replace([',', '"', '\n'], " ")
                ),
            }
            .into_bytes();
            if self.rng.usize(..5) >= 2 {
                self.mutate(&mut line);
            }
            data.extend_from_slice(&line);
            data.push(b'\n');
        }
        data
    }

    // Mutations.

    fn mutate(&mut self, line: &mut Vec<u8>) {
        const FRAGMENTS: &[&str] = &[
            ",",
            ":",
            "{",
            "}",
            "[",
            "]",
            "\"",
            "null",
            "true",
            "false",
            "1e400",
            "-1e999",
            "-0",
            "\\ud800",
            "\"\\udfff\"",
            "\\u",
            "\\",
            "{\"a\":",
            "[[[[",
            "\"x\": 1,",
            " ",
            "\t",
            "0x1F",
            "NaN",
            "Infinity",
            "\u{feff}",
            "\r",
            "\r\n",
            "\n",
            "\u{2028}",
            "\u{0}",
            "\"messages\"",
            "\"role\": \"bot\"",
            "1.5",
            "01",
            "1e",
            "\"\\u0000\"",
            "//",
        ];
        let at = self.rng.usize(..=line.len());
        match self.rng.usize(..13) {
            0 if !line.is_empty() => {
                let i = self.rng.usize(..line.len());
                line[i] ^= 1 << self.rng.u8(..8);
            }
            1 if !line.is_empty() => {
                let i = self.rng.usize(..line.len());
                line[i] = self.rng.u8(..);
            }
            2 => line.truncate(at),
            3 | 4 => {
                let fragment = FRAGMENTS[self.rng.usize(..FRAGMENTS.len())];
                line.splice(at..at, fragment.bytes());
            }
            5 => {
                // Nesting around serde_json's limit, or far beyond it.
                let depth = [
                    SERDE_DEPTH_LIMIT - 1,
                    SERDE_DEPTH_LIMIT,
                    SERDE_DEPTH_LIMIT + 1,
                    self.rng.usize(1..3000),
                ][self.rng.usize(..4)];
                let open = if self.rng.bool() { "[" } else { "{\"k\":" };
                let close = if open == "[" { "]" } else { "}" };
                let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
                *line = replace_content(line, &nested);
            }
            6 => {
                let number = [
                    "1e400".to_owned(),
                    "-1e309".to_owned(),
                    format!("1{}", "0".repeat(self.rng.usize(300..400))),
                    "123456789012345678901234567890".to_owned(),
                    "1e-400".to_owned(),
                    "18446744073709551616".to_owned(),
                    "-9223372036854775809".to_owned(),
                    "1.7976931348623157e308".to_owned(),
                ][self.rng.usize(..8)]
                .clone();
                *line = replace_content(line, &number);
            }
            7 => {
                // A lone surrogate escape inside a string.
                let escape =
                    ["\\ud800", "\\udbff", "\\udc00", "\\ud83d\\u0041"][self.rng.usize(..4)];
                let content =
                    find(line, b"\"content\": \"").or_else(|| find(line, b"\"content\":\""));
                match content {
                    Some(i) => {
                        let after = i + line[i..].iter().position(|b| *b == b':').unwrap_or(0) + 3;
                        let after = after.min(line.len());
                        line.splice(after..after, escape.bytes());
                    }
                    None => line.splice(at..at, escape.bytes()).for_each(drop),
                }
            }
            8 => {
                let bytes: &[u8] = [
                    &[0xff][..],
                    &[0xc3],
                    &[0xed, 0xa0, 0x80],
                    &[0xf8, 0x88, 0x80, 0x80],
                    &[0xe2, 0x82],
                    &[0xc0, 0xaf],
                ][self.rng.usize(..6)];
                line.splice(at..at, bytes.iter().copied());
            }
            9 => {
                let start = if self.rng.bool() { 0 } else { at };
                line.splice(start..start, "\u{feff}".bytes());
            }
            11 if line.first() == Some(&b'{') => {
                // What strict readers refuse, under a key the platform ignores: the line stays
                // free of errors, so prepare, dedupe and split must keep it.
                let depth = self.rng.usize(SERDE_DEPTH_LIMIT..400);
                let value = [
                    "1e400".to_owned(),
                    "\"\\ud800\"".to_owned(),
                    format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
                ][self.rng.usize(..3)]
                .clone();
                line.splice(1..1, format!("\"metadata\": {value}, ").bytes());
            }
            10 if line.len() > 2 => {
                let i = self.rng.usize(..line.len() - 1);
                line.swap(i, i + 1);
            }
            _ if !line.is_empty() => {
                let i = self.rng.usize(..line.len());
                line.remove(i);
            }
            _ => line.extend_from_slice(b"{"),
        }
    }

    // The check and its oracle.

    /// Runs `check --output-format json` and holds it to the oracle; what it found per line
    /// when it ran.
    fn check_with_oracle(&mut self, path: &Path, data: &[u8], method: &str) -> Option<Checked> {
        let shown_path = arg(path);
        let args = [
            "check",
            &shown_path,
            "--method",
            method,
            "--output-format",
            "json",
        ];
        let output = self
            .runner
            .run("check --output-format json", &args, &[path])?;
        let report: Value = match serde_json::from_slice(&output.stdout) {
            Ok(report) => report,
            Err(error) => {
                self.runner.fail(
                    &format!("check --output-format json printed no JSON report ({error})"),
                    &args,
                    &[path],
                );
                return None;
            }
        };
        let mut seen: HashMap<u64, Found> = HashMap::new();
        for diagnostic in report["files"][0]["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(line) = diagnostic["line"].as_u64() else {
                continue;
            };
            let entry = seen.entry(line).or_default();
            entry.error |= diagnostic["severity"] == "error";
            match diagnostic["code"].as_str().unwrap_or_default() {
                "FT002" => entry.ft002 = true,
                "FT007" => entry.refused.surrogate = true,
                "FT008" => entry.refused.number = true,
                "FT009" | "FT010" => entry.refused.deep = true,
                _ => {}
            }
        }
        let mut missed = Vec::new();
        let mut wrong = Vec::new();
        let mut unnamed = Vec::new();
        let mut checked = Checked::default();
        for (index, raw) in split_lines(data).enumerate() {
            let number = index as u64 + 1;
            let found = seen.get(&number).copied().unwrap_or_default();
            let (verdict, bom) = classify_line(index, raw);
            checked.lines.push(LineFacts {
                error: found.error,
                valid_json: verdict.valid,
            });
            if !verdict.valid || bom {
                if verdict.valid {
                    self.stats.valid_lines += 1;
                } else {
                    self.stats.invalid_lines += 1;
                }
                if !found.error {
                    self.stats.missed += 1;
                    missed.push((number, raw));
                }
            } else if verdict.refused.any() {
                self.stats.special_lines += 1;
                self.stats.special_ft002 += u64::from(found.ft002);
                self.stats.special_own_code += u64::from(found.refused == verdict.refused);
            } else {
                self.stats.valid_lines += 1;
            }
            let judged = judge(verdict, found);
            if judged.ft002_at_valid {
                wrong.push((number, raw));
            }
            if judged.refusal_unnamed {
                unnamed.push((number, raw));
            }
        }
        let problems = [
            (
                missed,
                "check reports no error at lines that are not valid JSON",
            ),
            (wrong, "check reports FT002 at lines that are valid JSON"),
            (
                unnamed,
                "check misses FT007/FT008/FT009 at valid lines with a lone surrogate, a number beyond f64 or nesting past 127 levels",
            ),
        ];
        for (lines, what) in problems {
            if !lines.is_empty() {
                let message = format!("{what} ({} of them), e.g. {}", lines.len(), shown(&lines));
                self.runner.fail(&message, &args, &[path]);
            }
        }
        Some(checked)
    }

    // Prepare, dedupe and split: every line accounted for.

    /// `dedupe` or `split` (`command`, with `args` after the file) with its JSON report, on
    /// `path` whose lines `checked` describes.
    fn accounted_run(&mut self, command: &str, path: &Path, extra: &[&str], checked: &Checked) {
        let file = arg(path);
        let mut args = vec![command, file.as_str()];
        args.extend_from_slice(extra);
        args.extend(["--output-format", "json"]);
        let label = format!("{command} --output-format json");
        let Some(output) = self.runner.run(&label, &args, &[path]) else {
            return;
        };
        if output.code != 0 {
            self.refusal_holds(&label, &output, &args, path, checked);
            return;
        }
        let Ok(report) = serde_json::from_slice::<Value>(&output.stdout) else {
            self.runner
                .fail(&format!("{label} printed no JSON report"), &args, &[path]);
            return;
        };
        self.stats.accounted_runs += 1;
        let mut outputs: Vec<(PathBuf, Vec<u64>)> = Vec::new();
        let mut removed = Vec::new();
        if command == "dedupe" {
            let out = PathBuf::from(extra[1]);
            outputs.push((out, listed(&report["kept"], None)));
            removed = duplicate_lines(&report);
        } else {
            for side in ["train", "validation"] {
                let out = PathBuf::from(report[format!("{side}_file")].as_str().unwrap_or(""));
                outputs.push((self.runner.work.join(out), listed(&report[side], None)));
            }
        }
        let mut accounted: HashSet<u64> = removed.into_iter().collect();
        for (out, kept) in &outputs {
            let written = fs::read(out).map_or(0, |bytes| split_lines(&bytes).count());
            if written != kept.len() {
                let message = format!(
                    "{label} lists {} kept lines for {} but wrote {written}",
                    kept.len(),
                    out.display()
                );
                self.runner.fail(&message, &args, &[path]);
            }
            accounted.extend(kept);
        }
        self.all_accounted(&label, checked, &accounted, false, &args, path);
    }

    /// A refusal names a line `check` calls an error, and calls it not valid JSON only when
    /// it is not.
    fn refusal_holds(
        &mut self,
        label: &str,
        output: &Output,
        args: &[&str],
        path: &Path,
        checked: &Checked,
    ) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let Some((line, reason)) = refused_line(&stderr, &arg(path)) else {
            return;
        };
        let index = usize::try_from(line).unwrap_or(usize::MAX).wrapping_sub(1);
        let Some(facts) = checked.lines.get(index) else {
            let message = format!("{label} refuses line {line}, which the file does not have");
            self.runner.fail(&message, args, &[path]);
            return;
        };
        if let Some(problem) = refusal_problem(&reason, *facts) {
            let message = format!("{label} {problem} (line {line}), e.g. {reason}");
            self.runner.fail(&message, args, &[path]);
        }
    }

    /// Fails when a line is neither kept nor listed in a report; `every` also holds lines
    /// `check` calls errors to it.
    fn all_accounted(
        &mut self,
        label: &str,
        checked: &Checked,
        accounted: &HashSet<u64>,
        every: bool,
        args: &[&str],
        path: &Path,
    ) {
        let lost = lost_lines(checked, accounted, every);
        if !lost.is_empty() {
            let shown: Vec<String> = lost.iter().take(SHOWN_LINES).map(u64::to_string).collect();
            let message = format!(
                "{label} neither keeps nor lists lines {} ({} of them), e.g. lines {}",
                if every {
                    "of its input"
                } else {
                    "check accepts"
                },
                lost.len(),
                shown.join(", ")
            );
            self.runner.fail(&message, args, &[path]);
        }
    }

    /// `prepare --drop-invalid` with its JSON report: every line is kept, removed as a copy or
    /// listed invalid, and only lines `check` (with `--method auto`) calls errors are invalid.
    fn prepare_run(&mut self, path: &Path, checked: &Checked, validation: &str) {
        let file = arg(path);
        let dir = self.runner.work.join("prepared");
        let _ = fs::create_dir_all(&dir);
        let dir = arg(&dir);
        let args = [
            "prepare",
            file.as_str(),
            "--drop-invalid",
            "--output-dir",
            dir.as_str(),
            "--validation",
            validation,
            "--output-format",
            "json",
        ];
        let label = "prepare --drop-invalid --output-format json";
        let Some(output) = self.runner.run(label, &args, &[path]) else {
            return;
        };
        // Exit 2 is a split too small or a file-level error; exit 1 without a report a
        // refusal for the file as a whole: neither writes an output to account for.
        let Ok(report) = serde_json::from_slice::<Value>(&output.stdout) else {
            return;
        };
        self.stats.accounted_runs += 1;
        let invalid = listed(&report["invalid"], Some("line"));
        let mut accounted: HashSet<u64> = duplicate_lines(&report["duplicates"])
            .into_iter()
            .chain(invalid.iter().copied())
            .collect();
        accounted.extend(listed(&report["train"]["lines"], None));
        accounted.extend(listed(&report["validation"]["lines"], None));
        self.all_accounted(label, checked, &accounted, true, &args, path);
        let accepted: Vec<String> = invalid
            .iter()
            .filter(|n| {
                usize::try_from(**n)
                    .ok()
                    .and_then(|n| checked.lines.get(n.wrapping_sub(1)))
                    .is_some_and(|facts| !facts.error)
            })
            .take(SHOWN_LINES)
            .map(u64::to_string)
            .collect();
        if !accepted.is_empty() {
            let message = format!(
                "{label} lists as invalid lines at which check reports no error, e.g. lines {}",
                accepted.join(", ")
            );
            self.runner.fail(&message, &args, &[path]);
        }
    }

    // Options, price tables and tokenizers.

    fn option_run(&mut self, small: &Path) {
        // (command, arguments after the file, with OUT and DIR for outputs, the flag mutated)
        const OPTIONS: &[(&str, &[&str], &str)] = &[
            ("check", &[], "--epochs"),
            ("check", &[], "--max-errors"),
            ("check", &[], "--model"),
            ("check", &[], "--select"),
            ("dedupe", &["-o", "OUT"], "--near"),
            ("dedupe", &["-o", "OUT"], "--seed"),
            ("split", &["--output-dir", "DIR"], "--validation"),
            ("split", &["--output-dir", "DIR"], "--seed"),
            ("split", &["--output-dir", "DIR"], "--near"),
            ("split", &["--output-dir", "DIR"], "--stratify-by"),
            (
                "prepare",
                &["--drop-invalid", "--output-dir", "DIR"],
                "--validation",
            ),
            (
                "prepare",
                &["--drop-invalid", "--output-dir", "DIR"],
                "--epochs",
            ),
        ];
        let (command, fixed, flag) = OPTIONS[self.rng.usize(..OPTIONS.len())];
        let value = self.option_value();
        let out = arg(&self.runner.work.join("opt-out.jsonl"));
        let dir = arg(&self.runner.work.join("opt-split"));
        let file = arg(small);
        let mut args = vec![command, file.as_str()];
        args.extend(fixed.iter().map(|a| match *a {
            "OUT" => out.as_str(),
            "DIR" => dir.as_str(),
            other => other,
        }));
        args.extend([flag, value.as_str()]);
        self.runner
            .run(&format!("{command} {flag}"), &args, &[small]);
        self.stats.option_runs += 1;
    }

    fn option_value(&mut self) -> String {
        const VALUES: &[&str] = &[
            "0",
            "-1",
            "1",
            "2",
            "1e400",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "",
            " ",
            "18446744073709551616",
            "18446744073709551615",
            "4294967296",
            "99999999999999999999",
            "0.5",
            "1.5",
            "-0",
            "1_000",
            " 3",
            "0x10",
            "auto",
            "off",
            "0.0000001",
            "1e-320",
            "100%",
            "1,5",
            "٣",
            "gpt-4o-mini",
            "ft:gpt-4o-mini:x::y",
            "FT0",
            "FT999,",
            "messages",
            "/messages/0",
        ];
        match self.rng.usize(..4) {
            0 => format!("{}", self.rng.i64(..)),
            1 => format!("{}", f64::from_bits(self.rng.u64(..))),
            _ => VALUES[self.rng.usize(..VALUES.len())].to_owned(),
        }
    }

    fn pricing_run(&mut self, small: &Path) {
        let table =
            fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cost/models.json"))
                .expect("the price table");
        let mutated = self.mutate_document(&table);
        let path = self.runner.work.join("pricing.json");
        fs::write(&path, &mutated).expect("can write the price table");
        let model = [
            "gpt-4o-mini-2024-07-18",
            "gpt-4.1-2025-04-14",
            "gpt-3.5-turbo-0125",
            "nope",
        ][self.rng.usize(..4)];
        self.runner.run(
            "check --pricing",
            &[
                "check",
                &arg(small),
                "--pricing",
                &arg(&path),
                "--model",
                model,
                "--epochs",
                ["auto", "3"][self.rng.usize(..2)],
            ],
            &[small, &path],
        );
        self.runner.run(
            "models --pricing",
            &[
                "models",
                "--pricing",
                &arg(&path),
                "--output-format",
                ["human", "json"][self.rng.usize(..2)],
            ],
            &[&path],
        );
        self.stats.pricing_runs += 2;
    }

    fn tokenizer_run(&mut self, small: &Path) {
        let tokenizer = fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/word-level-tokenizer.json"),
        )
        .expect("the tokenizer fixture");
        let mutated = self.mutate_document(&tokenizer);
        let path = self.runner.work.join("tokenizer.json");
        fs::write(&path, &mutated).expect("can write the tokenizer");
        self.runner.run(
            "check --tokenizer",
            &[
                "check",
                &arg(small),
                "--provider",
                "together",
                "--tokenizer",
                &arg(&path),
                "--output-format",
                "json",
            ],
            &[small, &path],
        );
        self.stats.tokenizer_runs += 1;
    }

    /// A JSON document with one value replaced, a key removed, or its bytes mutated.
    fn mutate_document(&mut self, text: &str) -> Vec<u8> {
        if self.rng.usize(..4) == 0 {
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..=self.rng.usize(..3) {
                self.mutate(&mut bytes);
            }
            return bytes;
        }
        let mut document: Value = serde_json::from_str(text).expect("the document is JSON");
        for _ in 0..=self.rng.usize(..3) {
            let replacement = self.weird_value();
            let remove = self.rng.usize(..4) == 0;
            let mut paths = Vec::new();
            collect_paths(&document, &mut String::new(), &mut paths);
            let target = paths[self.rng.usize(..paths.len())].clone();
            if remove && let Some((parent, key)) = target.rsplit_once('/') {
                let parent = document.pointer_mut(parent);
                match parent {
                    Some(Value::Object(map)) => {
                        map.remove(key);
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(i) = key.parse::<usize>()
                            && i < items.len()
                        {
                            items.remove(i);
                        }
                    }
                    _ => {}
                }
            } else if let Some(slot) = document.pointer_mut(&target) {
                *slot = replacement;
            }
        }
        let mut text = document.to_string();
        // Numbers serde_json cannot hold, written as text.
        if self.rng.usize(..4) == 0 {
            text = text.replacen(
                "25.0",
                ["1e400", "-1e400", "1e-400", "-0.0"][self.rng.usize(..4)],
                1,
            );
        }
        // A value that is not JSON, right after one key: each part of a document is read by
        // its own code, and each must refuse bad input without panicking.
        if self.rng.usize(..4) == 0 {
            let keys: Vec<usize> = text.match_indices("\":").map(|(i, _)| i + 2).collect();
            if !keys.is_empty() {
                let at = keys[self.rng.usize(..keys.len())];
                let junk = [
                    "x", "\\udbff", "}", "[", "\"", "nul", "-", "1e", ",", "\u{feff}",
                ][self.rng.usize(..10)];
                text.insert_str(at, junk);
            }
        }
        text.into_bytes()
    }

    fn weird_value(&mut self) -> Value {
        match self.rng.usize(..14) {
            0 => json!(-1),
            1 => json!(0),
            2 => json!(u64::MAX),
            3 => json!(i64::MIN),
            4 => json!(1e308),
            5 => json!(-0.5),
            6 => json!(""),
            7 => json!("NaN"),
            8 => Value::Null,
            9 => json!([]),
            10 => json!({}),
            11 => json!(true),
            12 => json!("x".repeat(self.rng.usize(..5000))),
            _ => json!(4_294_967_296_u64),
        }
    }
}

/// Every JSON pointer in `value`, the root included.
fn collect_paths(value: &Value, prefix: &mut String, out: &mut Vec<String>) {
    out.push(prefix.clone());
    let len = prefix.len();
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let _ = write!(prefix, "/{}", key.replace('~', "~0").replace('/', "~1"));
                collect_paths(child, prefix, out);
                prefix.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let _ = write!(prefix, "/{i}");
                collect_paths(child, prefix, out);
                prefix.truncate(len);
            }
        }
        _ => {}
    }
}

/// The line with its first `"content"` value (or, without one, the whole line) replaced.
fn replace_content(line: &[u8], value: &str) -> Vec<u8> {
    let Some(start) = find(line, b"\"content\"") else {
        return format!("{{\"messages\": [{{\"role\": \"user\", \"content\": {value}}}]}}")
            .into_bytes();
    };
    let Some(colon) = line[start..].iter().position(|b| *b == b':') else {
        return line.to_vec();
    };
    let value_start = start + colon + 1;
    // The old value ends at the next `,` or `}` outside a string (good enough for our lines).
    let mut end = value_start;
    let mut in_string = false;
    let mut escaped = false;
    while end < line.len() {
        let b = line[end];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b',' || b == b'}' {
            break;
        }
        end += 1;
    }
    let mut out = line[..value_start].to_vec();
    out.push(b' ');
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(&line[end..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn shown(lines: &[(u64, &[u8])]) -> String {
    lines
        .iter()
        .take(SHOWN_LINES)
        .map(|(number, raw)| {
            let text = String::from_utf8_lossy(&raw[..raw.len().min(300)]).into_owned();
            format!("line {number}: {text:?}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// What is wrong with `check`'s report at one valid line.
#[derive(Debug, Default, PartialEq)]
struct Judged {
    /// FT002 at a line that is valid JSON.
    ft002_at_valid: bool,
    /// A part strict readers refuse without its own rule (FT007 to FT009).
    refusal_unnamed: bool,
}

fn judge(verdict: Verdict, found: Found) -> Judged {
    let owed = verdict.refused;
    Judged {
        ft002_at_valid: verdict.valid && found.ft002,
        refusal_unnamed: (owed.surrogate && !found.refused.surrogate)
            || (owed.number && !found.refused.number)
            || (owed.deep && !found.refused.deep),
    }
}

/// What is wrong with `dedupe` or `split` refusing a line for `reason`.
fn refusal_problem(reason: &str, facts: LineFacts) -> Option<&'static str> {
    if reason.contains("not valid JSON") && facts.valid_json {
        Some("calls a line not valid JSON that is valid JSON")
    } else if !facts.error {
        Some("refuses a line at which check reports no error")
    } else {
        None
    }
}

/// Lines neither kept nor listed: those `check` accepts, or with `every` all of them.
fn lost_lines(checked: &Checked, accounted: &HashSet<u64>, every: bool) -> Vec<u64> {
    (1_u64..)
        .zip(&checked.lines)
        .filter(|(n, facts)| (every || !facts.error) && !accounted.contains(n))
        .map(|(n, _)| n)
        .collect()
}

/// What `check` reported at one line.
#[derive(Clone, Copy, Default)]
struct Found {
    error: bool,
    ft002: bool,
    refused: Refused,
}

/// What `check` and the oracle say of each line of a file, in order.
#[derive(Default)]
struct Checked {
    lines: Vec<LineFacts>,
}

#[derive(Clone, Copy)]
struct LineFacts {
    /// `check` reports an error at the line.
    error: bool,
    /// The oracle reads it as JSON.
    valid_json: bool,
}

/// The lines of a file as `check` numbers them (a last line without a newline included).
fn split_lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    body.split(|b| *b == b'\n')
        .take(if data.is_empty() { 0 } else { usize::MAX })
}

/// The oracle's verdict on line `index` (0-based), and whether a byte order mark began it.
fn classify_line(index: usize, raw: &[u8]) -> (Verdict, bool) {
    if index == 0
        && let Some(rest) = raw.strip_prefix("\u{feff}".as_bytes())
    {
        return (classify(rest), true);
    }
    (classify(raw), false)
}

/// The line numbers in a report's array: each item, or its `key` field.
fn listed(items: &Value, key: Option<&str>) -> Vec<u64> {
    items
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| key.map_or(item, |key| &item[key]).as_u64())
        .collect()
}

/// The lines a dedupe report removes: blank lines, exact and same-prompt copies, near copies.
fn duplicate_lines(report: &Value) -> Vec<u64> {
    let mut lines = listed(&report["blank"], None);
    lines.extend(listed(&report["exact"], Some("line")));
    lines.extend(listed(&report["same_prompt"], Some("line")));
    for cluster in report["near"].as_array().into_iter().flatten() {
        lines.extend(listed(&cluster["removed"], Some("line")));
    }
    lines
}

/// The line and reason of a refusal `finetune: PATH:LINE: REASON; run ...` on standard error.
fn refused_line(stderr: &str, path: &str) -> Option<(u64, String)> {
    let prefix = format!("{path}:");
    let rest = stderr.lines().find_map(|l| {
        let at = l.find(&prefix)?;
        Some(&l[at + prefix.len()..])
    })?;
    let (line, reason) = rest.split_once(": ")?;
    Some((line.parse().ok()?, reason.to_owned()))
}

// The oracle: JSON by RFC 8259, with no depth or number limits.

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Verdict {
    /// The line is one JSON text (surrounded by white space at most).
    valid: bool,
    /// What serde_json refuses although the grammar allows it, each owed its own rule (only
    /// set on a valid line).
    refused: Refused,
}

/// Parts of a valid line that serde_json refuses.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Refused {
    /// A lone surrogate escape: FT007.
    surrogate: bool,
    /// A number beyond the range of f64: FT008.
    number: bool,
    /// Nesting of [`SERDE_DEPTH_LIMIT`] levels or more: FT009.
    deep: bool,
}

impl Refused {
    fn any(self) -> bool {
        self.surrogate || self.number || self.deep
    }
}

fn classify(line: &[u8]) -> Verdict {
    let Ok(text) = std::str::from_utf8(line) else {
        return Verdict::default();
    };
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        refused: Refused::default(),
    };
    let valid = scanner.document();
    Verdict {
        valid,
        refused: if valid {
            scanner.refused
        } else {
            Refused::default()
        },
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    refused: Refused,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn white_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// One value and nothing else but white space; containers kept on a stack, not recursed.
    fn document(&mut self) -> bool {
        let mut stack: Vec<u8> = Vec::new();
        'value: loop {
            self.white_space();
            match self.peek() {
                Some(b'{') => {
                    self.at += 1;
                    stack.push(b'}');
                    self.note_depth(stack.len());
                    self.white_space();
                    if !self.eat(b'}') {
                        if !self.member_key() {
                            return false;
                        }
                        continue 'value;
                    }
                    stack.pop();
                }
                Some(b'[') => {
                    self.at += 1;
                    stack.push(b']');
                    self.note_depth(stack.len());
                    self.white_space();
                    if !self.eat(b']') {
                        continue 'value;
                    }
                    stack.pop();
                }
                Some(b'"') => {
                    if !self.string() {
                        return false;
                    }
                }
                Some(b't') => {
                    if !self.literal(b"true") {
                        return false;
                    }
                }
                Some(b'f') => {
                    if !self.literal(b"false") {
                        return false;
                    }
                }
                Some(b'n') => {
                    if !self.literal(b"null") {
                        return false;
                    }
                }
                Some(b'-' | b'0'..=b'9') => {
                    if !self.number() {
                        return false;
                    }
                }
                _ => return false,
            }
            // After a value: close containers, or go on after a comma.
            loop {
                self.white_space();
                let Some(&close) = stack.last() else {
                    return self.at == self.bytes.len();
                };
                if self.eat(b',') {
                    if close == b'}' {
                        self.white_space();
                        if !self.member_key() {
                            return false;
                        }
                    }
                    continue 'value;
                }
                if !self.eat(close) {
                    return false;
                }
                stack.pop();
            }
        }
    }

    fn note_depth(&mut self, depth: usize) {
        if depth >= SERDE_DEPTH_LIMIT {
            self.refused.deep = true;
        }
    }

    fn member_key(&mut self) -> bool {
        if self.peek() != Some(b'"') || !self.string() {
            return false;
        }
        self.white_space();
        self.eat(b':')
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.at += 4;
        u32::from_str_radix(text, 16).ok()
    }

    fn string(&mut self) -> bool {
        self.at += 1;
        loop {
            let Some(byte) = self.peek() else {
                return false;
            };
            self.at += 1;
            match byte {
                b'"' => return true,
                0..=0x1f => return false,
                b'\\' => {
                    let Some(escape) = self.peek() else {
                        return false;
                    };
                    self.at += 1;
                    match escape {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            let Some(unit) = self.hex4() else {
                                return false;
                            };
                            if (0xD800..0xDC00).contains(&unit) {
                                let paired = self.bytes[self.at..].starts_with(b"\\u") && {
                                    self.at += 2;
                                    match self.hex4() {
                                        Some(low) => (0xDC00..0xE000).contains(&low),
                                        None => return false,
                                    }
                                };
                                if !paired {
                                    self.refused.surrogate = true;
                                }
                            } else if (0xDC00..0xE000).contains(&unit) {
                                self.refused.surrogate = true;
                            }
                        }
                        _ => return false,
                    }
                }
                _ => {}
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> bool {
        let start = self.at;
        self.eat(b'-');
        if !self.eat(b'0') && self.digits() == 0 {
            return false;
        }
        if self.eat(b'.') && self.digits() == 0 {
            return false;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return false;
            }
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or("0");
        if text.parse::<f64>().map_or(true, f64::is_infinite) {
            self.refused.number = true;
        }
        true
    }
}

// Running the binary.

struct Output {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    code: i32,
}

struct Runner {
    binary: PathBuf,
    timeout: Duration,
    work: PathBuf,
    keep: PathBuf,
    failures: Vec<String>,
    /// How often each kind of failure happened.
    kinds: HashMap<String, u64>,
    runs: u64,
}

/// What makes failures the same: the command and the panic site, or the message without its
/// counts and examples.
fn failure_kind(problem: &str) -> String {
    let (label, rest) = problem.split_once(": ").unwrap_or((problem, ""));
    if let Some(at) = rest.find("panicked at ") {
        let site: Vec<&str> = rest[at..].split_whitespace().take(3).collect();
        return format!("{label}: {}", site.join(" "));
    }
    let head = problem.split(", e.g.").next().unwrap_or(problem);
    head.split(" (").next().unwrap_or(head).to_owned()
}

impl Runner {
    /// Runs the binary with `args`; its output when it neither panicked, hung nor exited with a
    /// code other than 0, 1 or 2 (else the failure is recorded with copies of `inputs`).
    fn run(&mut self, label: &str, args: &[&str], inputs: &[&Path]) -> Option<Output> {
        self.runs += 1;
        let stdout_path = self.work.join("stdout");
        let stderr_path = self.work.join("stderr");
        let mut child = Command::new(&self.binary)
            .arg("--color")
            .arg("never")
            .args(args)
            .env_clear()
            .env("NO_COLOR", "1")
            .current_dir(&self.work)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&stdout_path).expect("can write stdout"))
            .stderr(fs::File::create(&stderr_path).expect("can write stderr"))
            .spawn()
            .expect("the binary runs");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("can wait") {
                break Some(status);
            }
            if started.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let stdout = fs::read(&stdout_path).unwrap_or_default();
        let stderr_bytes = fs::read(&stderr_path).unwrap_or_default();
        let stderr = String::from_utf8_lossy(&stderr_bytes).into_owned();
        let problem = match status.map(|s| s.code()) {
            None => Some(format!(
                "{label}: no answer within {:?} (killed)",
                self.timeout
            )),
            Some(None) => Some(format!("{label}: killed by a signal")),
            Some(Some(101)) => Some(format!("{label}: panicked: {}", first_line(&stderr))),
            Some(Some(_)) if stderr.contains("panicked") => {
                Some(format!("{label}: panicked: {}", first_line(&stderr)))
            }
            Some(Some(0..=2)) => None,
            Some(Some(code)) => Some(format!("{label}: exit code {code}")),
        };
        match problem {
            Some(problem) => {
                self.fail(&problem, args, inputs);
                None
            }
            None => Some(Output {
                stdout,
                stderr: stderr_bytes,
                code: status.and_then(|s| s.code()).unwrap_or_default(),
            }),
        }
    }

    /// Records a failure, copying the inputs into the keep folder with the command to rerun;
    /// failures of one kind (the same panic site, the same wrong verdict) are only counted once
    /// [`SHOWN_PER_KIND`] of them are kept.
    fn fail(&mut self, problem: &str, args: &[&str], inputs: &[&Path]) {
        let seen = self.kinds.entry(failure_kind(problem)).or_default();
        *seen += 1;
        if *seen > SHOWN_PER_KIND {
            return;
        }
        let folder = self
            .keep
            .join(format!("failure-{}", self.failures.len() + 1));
        let _ = fs::create_dir_all(&folder);
        let mut command: Vec<OsString> = vec!["finetune".into()];
        for a in args {
            let mut shown = OsString::from(*a);
            for input in inputs {
                if Path::new(a) == *input
                    && let Some(name) = input.file_name()
                {
                    let copy = folder.join(name);
                    let _ = fs::copy(input, &copy);
                    shown = copy.into_os_string();
                }
            }
            command.push(shown);
        }
        let command: Vec<String> = command
            .iter()
            .map(|a| {
                let a = a.to_string_lossy();
                if a.is_empty() || a.contains([' ', '"', '\'']) {
                    format!("{a:?}")
                } else {
                    a.into_owned()
                }
            })
            .collect();
        let command = command.join(" ");
        let _ = fs::write(
            folder.join("command.txt"),
            format!("{command}\n{problem}\n"),
        );
        self.failures
            .push(format!("{problem}\n  reproduce: {command}"));
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .find(|l| l.contains("panicked"))
        .unwrap_or_else(|| text.lines().next().unwrap_or_default())
        .chars()
        .take(300)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_with(value: &str) -> String {
        format!(r#"{{"metadata": {value}, "messages": [{{"role": "user", "content": "hi"}}]}}"#)
    }

    #[test]
    fn a_relative_binary_is_found_from_the_current_directory() {
        let base = tempfile::tempdir().unwrap();
        fs::create_dir(base.path().join("bin")).unwrap();
        fs::write(base.path().join("bin/finetune"), b"").unwrap();
        let resolved = resolve_binary(Path::new("bin/finetune"), base.path()).unwrap();
        assert!(resolved.is_absolute());
        assert_eq!(
            resolved,
            fs::canonicalize(base.path().join("bin/finetune")).unwrap()
        );
        let missing = resolve_binary(Path::new("bin/nothing"), base.path()).unwrap_err();
        assert!(missing.contains("bin/nothing"), "{missing}");
        let folder = resolve_binary(Path::new("bin"), base.path()).unwrap_err();
        assert!(folder.contains("not a file"), "{folder}");
    }

    #[test]
    fn each_part_strict_readers_refuse_is_owed_its_rule() {
        let deep = |depth: usize| line_with(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
        let refused = |line: &str| {
            let verdict = classify(line.as_bytes());
            assert!(verdict.valid, "{line}");
            verdict.refused
        };
        assert_eq!(
            refused(&line_with(r#""\ud800""#)),
            Refused {
                surrogate: true,
                ..Refused::default()
            }
        );
        assert_eq!(refused(&line_with(r#""\ud83d\ude00""#)), Refused::default());
        assert_eq!(
            refused(&line_with("1e400")),
            Refused {
                number: true,
                ..Refused::default()
            }
        );
        assert_eq!(refused(&line_with("1e-400")), Refused::default());
        // The object itself is one level: 127 more make 128, where serde_json stops.
        assert_eq!(
            refused(&deep(127)),
            Refused {
                deep: true,
                ..Refused::default()
            }
        );
        assert_eq!(refused(&deep(126)), Refused::default());
        assert!(!classify(line_with("1e").as_bytes()).valid);
    }

    #[test]
    fn ft002_at_a_valid_line_is_wrong_even_when_strict_readers_refuse_it() {
        for value in [
            r#""\ud800""#,
            "1e400",
            &format!("{}{}", "[".repeat(200), "]".repeat(200)),
        ] {
            let verdict = classify(line_with(value).as_bytes());
            let ft002 = Found {
                error: true,
                ft002: true,
                refused: Refused::default(),
            };
            assert_eq!(
                judge(verdict, ft002),
                Judged {
                    ft002_at_valid: true,
                    refusal_unnamed: true
                },
                "{value}"
            );
            let named = Found {
                error: true,
                ft002: false,
                refused: verdict.refused,
            };
            assert_eq!(judge(verdict, named), Judged::default(), "{value}");
        }
        let broken = classify(b"{\"a\": 1e400");
        let ft002 = Found {
            error: true,
            ft002: true,
            refused: Refused::default(),
        };
        assert_eq!(judge(broken, ft002), Judged::default());
    }

    #[test]
    fn a_line_dropped_without_a_listing_is_lost() {
        let facts = |error| LineFacts {
            error,
            valid_json: true,
        };
        let checked = Checked {
            lines: vec![facts(false), facts(true), facts(false)],
        };
        let accounted: HashSet<u64> = [1].into_iter().collect();
        assert_eq!(lost_lines(&checked, &accounted, false), [3]);
        assert_eq!(lost_lines(&checked, &accounted, true), [2, 3]);
        let report = json!({
            "blank": [4], "exact": [{"line": 5, "duplicate_of": 1}], "same_prompt": [],
            "near": [{"kept": 1, "removed": [{"line": 6, "similarity": 0.9}]}],
        });
        assert_eq!(duplicate_lines(&report), [4, 5, 6]);
    }

    #[test]
    fn a_refusal_must_name_a_line_check_calls_an_error_and_not_valid_json_only_if_so() {
        let stderr = "finetune: /w/accepted.jsonl:14: the line is not valid JSON (number out of range at line 1 column 18); run `finetune check` and fix the file first\n";
        let (line, reason) = refused_line(stderr, "/w/accepted.jsonl").unwrap();
        assert_eq!(line, 14);
        let warned = LineFacts {
            error: false,
            valid_json: true,
        };
        assert!(
            refusal_problem(&reason, warned)
                .unwrap()
                .contains("valid JSON")
        );
        let broken = LineFacts {
            error: true,
            valid_json: false,
        };
        assert_eq!(refusal_problem(&reason, broken), None);
        let accepted = LineFacts {
            error: false,
            valid_json: false,
        };
        assert!(
            refusal_problem("not an object", accepted)
                .unwrap()
                .contains("no error")
        );
    }
}
