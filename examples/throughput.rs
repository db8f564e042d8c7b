//! Measures `check` on one file beside the bare tokenizer counting the same strings.
//!
//! ```sh
//! cargo run --release --example throughput -- generate 1024 /tmp/chat-1g.jsonl
//! cargo run --release --example throughput -- measure /tmp/chat-1g.jsonl
//! ```
//!
//! `generate SIZE_MIB PATH [SEED]` writes a deterministic synthetic chat dataset: multi-turn
//! conversations, a long system prompt repeated on every line, tool definitions and calls on
//! one line in five, and text mixing English, CJK, Cyrillic, accents, emoji and code.
//!
//! `generate-short COUNT PATH` writes COUNT short single-turn examples, one in twenty a copy
//! or near copy of an earlier one, to measure `dedupe` and `split` on.
//!
//! `generate-long-line SIZE_MIB PATH` writes one example of SIZE_MIB MiB: a user message whose
//! content is one long text (mixed scripts, escaped newlines), then an assistant reply; for the
//! peak memory of `check` on a giant line (`/usr/bin/time -f "%e s %M KiB" finetune check PATH`).
//!
//! `generate-findings COUNT PATH one-line|lines` writes COUNT messages with an unknown role,
//! all on one line or one per line (each with an assistant reply): the time of `check` as the
//! findings of one line grow.
//!
//! `measure PATH` runs `check` (all rules, token counts and the estimate, on every core) and
//! prints its MB/s of file and examples/s and the process's peak resident memory so far; then it
//! counts every string `check` counts with the bare tokenizer (no cache, no shortcut) on the same
//! cores, timing the counting alone, and prints that throughput and the ratio.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::time::{Duration, Instant};

use finetune::lint::{CheckOptions, TokenSettings, check_stream};
use finetune::tokens::{Encoding, TokenCounter};
use rayon::prelude::*;
use serde_json::{Value, json};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", size, path] => generate(size.parse().expect("size in MiB"), path, 42),
        ["generate", size, path, seed] => {
            generate(
                size.parse().expect("size in MiB"),
                path,
                seed.parse().expect("seed"),
            );
        }
        ["measure", path] => measure(path),
        ["generate-short", count, path] => generate_short(count.parse().expect("a count"), path),
        ["generate-long-line", size, path] => {
            generate_long_line(size.parse().expect("size in MiB"), path);
        }
        [
            "generate-findings",
            count,
            path,
            layout @ ("one-line" | "lines"),
        ] => {
            generate_findings(count.parse().expect("a count"), path, *layout == "one-line");
        }
        _ => {
            eprintln!(
                "usage: throughput generate SIZE_MIB PATH [SEED] | generate-short COUNT PATH | generate-long-line SIZE_MIB PATH | generate-findings COUNT PATH one-line|lines | measure PATH"
            );
            std::process::exit(2);
        }
    }
}

/// A small deterministic generator (PCG-style LCG), so the data needs no extra crate.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % bound as u64) as usize
    }

    fn text(&mut self, words: usize) -> String {
        const WORDS: &[&str] = &[
            "the",
            "a",
            "hammer",
            "nail",
            "screw",
            "drill",
            "aisle",
            "price",
            "stock",
            "order",
            "return",
            "warranty",
            "delivery",
            "Tuesday",
            "东京",
            "日本語の",
            "説明",
            "Привет",
            "склад",
            "café",
            "naïve",
            "😀",
            "👍🏽",
            "fn",
            "main()",
            "{",
            "}",
            "let x = 42;",
            "  ",
            "\n",
            "12.50",
            "SKU-4411",
        ];
        (0..words)
            .map(|_| WORDS[self.below(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn generate(size_mib: u64, path: &str, seed: u64) {
    let system = "You are Marv, a factual assistant for the support desk of a hardware store. \
                  Answer briefly, cite the aisle, and never invent stock levels. "
        .repeat(3);
    let tools = json!([{"type": "function", "function": {
        "name": "lookup_stock", "description": "Stock of an item by SKU",
        "parameters": {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]}}}]);
    let mut rng = Rng(seed);
    let mut out = BufWriter::new(File::create(path).expect("can create the output file"));
    let (mut written, mut examples) = (0u64, 0u64);
    while written < size_mib << 20 {
        let mut messages = vec![json!({"role": "system", "content": system})];
        for _ in 0..=rng.below(4) {
            let (question, answer) = (5 + rng.below(60), 10 + rng.below(300));
            messages.push(json!({"role": "user", "content": rng.text(question)}));
            messages.push(json!({"role": "assistant", "content": rng.text(answer)}));
        }
        let mut example = json!({ "messages": messages });
        if examples % 5 == 0 {
            let sku = format!("SKU-{}", rng.below(10_000));
            let calls = example["messages"].as_array_mut().expect("an array");
            calls.insert(2, json!({"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "lookup_stock", "arguments": json!({"sku": sku}).to_string()}}]}));
            calls.insert(3, json!({"role": "tool", "tool_call_id": "call_1", "content": json!({"in_stock": rng.below(50)}).to_string()}));
            example["tools"] = tools.clone();
        }
        let line = example.to_string();
        writeln!(out, "{line}").expect("can write");
        written += line.len() as u64 + 1;
        examples += 1;
    }
    out.flush().expect("can write");
    println!("{path}: {examples} examples, {written} bytes");
}

/// `COUNT` short single-turn examples (about 400 bytes each), one in twenty an exact or near
/// copy of an earlier one: the shape of data `dedupe` and `split` are measured on.
fn generate_short(count: u64, path: &str) {
    let mut rng = Rng(7);
    let mut out = BufWriter::new(File::create(path).expect("can create the output file"));
    let mut recent: Vec<String> = Vec::new();
    for i in 0..count {
        let line = if i % 20 == 19 && !recent.is_empty() {
            let original = &recent[rng.below(recent.len())];
            if i % 40 == 19 {
                original.clone()
            } else {
                original.replacen("the", "a", 1)
            }
        } else {
            let (question, answer) = (5 + rng.below(15), 20 + rng.below(40));
            json!({"messages": [
                {"role": "user", "content": format!("{} {i}?", rng.text(question))},
                {"role": "assistant", "content": rng.text(answer)}
            ]})
            .to_string()
        };
        writeln!(out, "{line}").expect("can write");
        if recent.len() < 1000 {
            recent.push(line);
        } else {
            let slot = rng.below(1000);
            recent[slot] = line;
        }
    }
    out.flush().expect("can write");
    println!("{path}: {count} examples");
}

/// One example whose user message is about `size_mib` MiB of text.
fn generate_long_line(size_mib: u64, path: &str) {
    let mut rng = Rng(11);
    let target = size_mib << 20;
    let mut text = String::with_capacity(target as usize + 4096);
    while (text.len() as u64) < target {
        text.push_str(&rng.text(200));
        text.push(' ');
    }
    let line = json!({"messages": [
        {"role": "user", "content": text},
        {"role": "assistant", "content": "That is a long text."}
    ]});
    let mut out = BufWriter::new(File::create(path).expect("can create the output file"));
    writeln!(out, "{line}").expect("can write");
    out.flush().expect("can write");
    println!("{path}: one line of {} bytes", line.to_string().len() + 1);
}

/// `count` messages with the unknown role `bot`, on one line or on `count` lines.
fn generate_findings(count: u64, path: &str, one_line: bool) {
    let bad = json!({"role": "bot", "content": "Hi"});
    let reply = json!({"role": "assistant", "content": "Hello"});
    let mut out = BufWriter::new(File::create(path).expect("can create the output file"));
    if one_line {
        let mut messages: Vec<Value> = (0..count).map(|_| bad.clone()).collect();
        messages.push(reply);
        writeln!(out, "{}", json!({ "messages": messages })).expect("can write");
    } else {
        let line = json!({"messages": [bad, reply]});
        for _ in 0..count {
            writeln!(out, "{line}").expect("can write");
        }
    }
    out.flush().expect("can write");
    println!(
        "{path}: {count} unknown roles on {}",
        if one_line {
            "one line"
        } else {
            "separate lines"
        }
    );
}

fn measure(path: &str) {
    let bytes = std::fs::metadata(path).expect("the file exists").len();
    let counter = TokenCounter::new(Encoding::O200kBase);
    let options = CheckOptions {
        tokens: Some(TokenSettings {
            counter,
            example_token_limit: Some(65_536),
            approximate: false,
        }),
        ..CheckOptions::default()
    };
    let started = Instant::now();
    let mut diagnostics = Vec::new();
    let summary = check_stream(
        File::open(path).expect("readable"),
        &options,
        &mut diagnostics,
    )
    .expect("the check runs");
    let check_time = started.elapsed();
    let peak = peak_resident_kib();
    let tokens = summary.tokens.as_ref().map_or(0, |t| t.total);
    println!(
        "file: {path}, {:.1} MB, {} examples, {tokens} tokens",
        mb(bytes),
        summary.examples
    );
    println!("threads: {}", rayon::current_num_threads());
    println!(
        "check:           {:>7.2} s  {:>7.1} MB/s of file  {:>9.0} examples/s  peak RSS {} MiB",
        check_time.as_secs_f64(),
        mb(bytes) / check_time.as_secs_f64(),
        summary.examples as f64 / check_time.as_secs_f64(),
        peak / 1024,
    );
    let (count_time, text_bytes, bare_tokens) = bare_tokenizer(path, counter);
    println!(
        "bare tokenizer:  {:>7.2} s  {:>7.1} MB/s of file  ({:.1} MB/s of text, {bare_tokens} tokens, counting time only)",
        count_time.as_secs_f64(),
        mb(bytes) / count_time.as_secs_f64(),
        mb(text_bytes) / count_time.as_secs_f64(),
    );
    println!(
        "check / bare tokenizer: {:.2}×",
        count_time.as_secs_f64() / check_time.as_secs_f64()
    );
}

/// Times counting, with no cache and no shortcut, every string `check` counts.
fn bare_tokenizer(path: &str, counter: TokenCounter) -> (Duration, u64, u64) {
    const BATCH_LINES: usize = 20_000;
    let mut lines = BufReader::with_capacity(1 << 20, File::open(path).expect("readable")).lines();
    let (mut elapsed, mut text_bytes, mut tokens) = (Duration::ZERO, 0u64, 0u64);
    loop {
        let batch: Vec<String> = lines
            .by_ref()
            .take(BATCH_LINES)
            .map(|l| l.expect("utf-8"))
            .collect();
        if batch.is_empty() {
            break;
        }
        let strings: Vec<String> = batch
            .par_iter()
            .flat_map_iter(|line| {
                strings_counted(&serde_json::from_str(line).unwrap_or(Value::Null))
            })
            .collect();
        text_bytes += strings.iter().map(|s| s.len() as u64).sum::<u64>();
        let started = Instant::now();
        tokens += strings
            .par_iter()
            .map(|s| u64::from(bare_count(counter, s)))
            .sum::<u64>();
        elapsed += started.elapsed();
    }
    (elapsed, text_bytes, tokens)
}

fn bare_count(counter: TokenCounter, text: &str) -> u32 {
    let tokenizer = match counter.encoding() {
        Encoding::O200kBase => bpe_openai::o200k_base(),
        Encoding::Cl100kBase => bpe_openai::cl100k_base(),
    };
    tokenizer.count(text) as u32
}

/// The strings `check` counts for one example: every string of every message, function
/// names and arguments, and the tool definitions' JSON.
fn strings_counted(example: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(map) => map
                .iter()
                .filter(|(key, _)| !matches!(key.as_str(), "id" | "type"))
                .for_each(|(_, v)| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&example["messages"], &mut out);
    if let Some(tools) = example.get("tools") {
        out.push(tools.to_string());
    }
    out
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Peak resident memory of this process so far (`VmHWM`), in KiB; 0 where unknown.
fn peak_resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
