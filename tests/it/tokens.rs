//! Token counts equal the reference (tiktoken-rs) exactly, and the report's token and cost
//! figures follow from them.

use std::fs;

use finetune::lint::Record;
use finetune::tokens::{Encoding, TokenCounter, count_example};
use proptest::prelude::*;
use serde_json::Value;
use tiktoken_rs::{ChatCompletionRequestMessage, CoreBPE};

use crate::{finetune, project_file, valid_file};

fn reference(encoding: Encoding) -> &'static CoreBPE {
    match encoding {
        Encoding::O200kBase => tiktoken_rs::o200k_base_singleton(),
        Encoding::Cl100kBase => tiktoken_rs::cl100k_base_singleton(),
    }
}

const ENCODINGS: [Encoding; 2] = [Encoding::O200kBase, Encoding::Cl100kBase];

/// Texts that stress pre-tokenisation and merging.
fn corpus() -> Vec<String> {
    let mut texts: Vec<String> = [
        "",
        " ",
        "Hello, world!",
        "東京都は日本の首都です。人口は約1400万人。",
        "안녕하세요, 세계! Привет, мир! مرحبا بالعالم",
        "emoji 😀😃😄 family 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵 skin 👍🏽",
        "fn main() {\n    let x: Vec<u8> = vec![1, 2, 3];\n    println!(\"{x:?}\");\n}\n",
        "def f(a, b):\n\treturn a ** b  # power\n\n\n",
        "<|endoftext|> <|im_start|>user <|fim_suffix|> <| endoftext |>",
        "It's they'll we've I'm you'd SHE'S DON'T",
        "1234567890 3.14159 -42 1e10 0x1F 1,000,000",
        "naïve café résumé coöperate Zürich façade",
        "https://example.com/path?query=value&other=1#frag",
        "\r\n\r\n  \t  \n",
        "a\u{0301}e\u{0301} combining marks",
        "ÀÁÂÃÄÅ ǅǆ ǲ titlecase",
    ]
    .map(String::from)
    .to_vec();
    texts.push(" ".repeat(1000));
    texts.push("\n".repeat(300) + "x" + &" \t".repeat(200));
    texts.push("word ".repeat(5000));
    texts.push("😀".repeat(500));
    texts.push("{\"key\": [1, 2, {\"nested\": true}]}".repeat(100));
    // Every string of the bundled datasets.
    for path in ["datasets/sarcastic.jsonl", "tests/fixtures/structure.jsonl"] {
        for line in fs::read_to_string(project_file(path)).unwrap().lines() {
            collect_strings(&serde_json::from_str(line).unwrap(), &mut texts);
        }
    }
    texts
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

#[test]
fn counts_equal_tiktoken_on_a_varied_corpus() {
    for encoding in ENCODINGS {
        let counter = TokenCounter::new(encoding);
        for text in corpus() {
            let expected = reference(encoding).encode_ordinary(&text).len() as u32;
            assert_eq!(
                counter.count_uncached(&text),
                expected,
                "{encoding:?}: {text:?}"
            );
            // The cached path gives the same answer, first and second time.
            assert_eq!(counter.count(&text), expected);
            assert_eq!(counter.count(&text), expected);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn counts_equal_tiktoken_on_random_text(
        text in "[a-zA-Z0-9 \\t\\n\\r'.,;:!?(){}<>|_/\\\\-]{0,80}|[\\p{Han}\\p{Hangul}\\p{Cyrillic}\\p{Arabic} ]{0,40}|[😀👍🏽🇫🇷 a\u{0301}\u{200d}]{0,30}|\\PC{0,60}"
    ) {
        for encoding in ENCODINGS {
            let expected = reference(encoding).encode_ordinary(&text).len() as u32;
            prop_assert_eq!(TokenCounter::new(encoding).count(&text), expected);
        }
    }
}

fn reference_messages(line: &str) -> Vec<ChatCompletionRequestMessage> {
    let value: Value = serde_json::from_str(line).unwrap();
    value["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| ChatCompletionRequestMessage {
            role: m["role"].as_str().unwrap().to_owned(),
            content: m["content"].as_str().map(str::to_owned),
            name: m["name"].as_str().map(str::to_owned),
            ..Default::default()
        })
        .collect()
}

#[test]
fn example_counts_equal_the_cookbook_on_plain_chat() {
    let mut lines: Vec<String> = fs::read_to_string(project_file("datasets/sarcastic.jsonl"))
        .unwrap()
        .lines()
        .filter(|line| !line.contains("tool"))
        .map(str::to_owned)
        .collect();
    lines.push(r#"{"messages": [{"role": "system", "content": "Be terse.", "name": "policy"}, {"role": "user", "content": "東京は?", "name": "ann_1"}, {"role": "assistant", "content": "A city. 😀"}]}"#.to_owned());
    assert!(lines.len() > 30);
    for (model, encoding) in [
        ("gpt-4o", Encoding::O200kBase),
        ("gpt-3.5-turbo", Encoding::Cl100kBase),
    ] {
        let counter = TokenCounter::new(encoding);
        for line in &lines {
            let value: Value = serde_json::from_str(line).unwrap();
            let ours = count_example(&Record::new(value.as_object().unwrap()), &counter).unwrap();
            let cookbook =
                tiktoken_rs::num_tokens_from_messages(model, &reference_messages(line)).unwrap();
            assert_eq!(ours.total as usize, cookbook, "{model}: {line}");
        }
    }
}

fn check_json(args: &[&str], input: String) -> (i32, Value) {
    let output = finetune()
        .args(["check", "-", "--output-format", "json"])
        .args(args)
        .write_stdin(input)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        serde_json::from_slice(&output.stdout).unwrap(),
    )
}

#[test]
fn json_has_the_tokens_and_estimate_fields() {
    let (code, report) = check_json(&[], valid_file(12));
    assert_eq!(code, 0);
    let file = &report["files"][0];
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&file["tokens"]),
        ["assistant", "encoding", "per_example", "total"]
    );
    assert_eq!(
        keys(&file["tokens"]["per_example"]),
        ["max", "mean", "median", "min", "p5", "p95"]
    );
    assert_eq!(
        keys(&file["estimate"]),
        [
            "billed_tokens",
            "billed_tokens_per_epoch",
            "cost_usd",
            "epochs",
            "epochs_source",
            "model",
            "price_per_million_usd"
        ]
    );
    assert_eq!(file["tokens"]["encoding"], "o200k_base");
    let total = file["tokens"]["total"].as_u64().unwrap();
    let estimate = &file["estimate"];
    assert_eq!(estimate["model"], "gpt-4o-mini-2024-07-18");
    assert_eq!(estimate["epochs"], 8);
    assert_eq!(estimate["epochs_source"], "auto");
    assert_eq!(estimate["billed_tokens_per_epoch"], total);
    assert_eq!(estimate["billed_tokens"], total * 8);
    assert_eq!(estimate["price_per_million_usd"], 3.0);
    let cost = estimate["cost_usd"].as_f64().unwrap();
    assert!((cost - (total * 8) as f64 * 3.0 / 1e6).abs() < 1e-12);
}

#[test]
fn epochs_flag_and_cl100k_models() {
    let (_, report) = check_json(
        &["--epochs", "2", "--model", "gpt-3.5-turbo"],
        valid_file(12),
    );
    let file = &report["files"][0];
    assert_eq!(file["tokens"]["encoding"], "cl100k_base");
    assert_eq!(file["estimate"]["epochs"], 2);
    assert_eq!(file["estimate"]["epochs_source"], "user");
    assert_eq!(file["estimate"]["model"], "gpt-3.5-turbo-0125");
    assert_eq!(file["estimate"]["price_per_million_usd"], 8.0);
}

#[test]
fn examples_over_the_limit_are_warned_and_billed_at_the_limit() {
    let long = "word ".repeat(20_000);
    let mut input = valid_file(10);
    input.push_str(r#"{"messages": [{"role": "user", "content": ""#);
    input.push_str(&long);
    input.push_str(r#""}, {"role": "assistant", "content": "ok"}]}"#);
    input.push('\n');
    let (code, report) = check_json(&["--model", "gpt-3.5-turbo-0125"], input.clone());
    assert_eq!(code, 0, "a truncated example is a warning");
    let file = &report["files"][0];
    let warning = &file["diagnostics"][0];
    assert_eq!(warning["code"], "FT308");
    assert_eq!(warning["line"], 11);
    let total = file["tokens"]["total"].as_u64().unwrap();
    let max = file["tokens"]["per_example"]["max"].as_u64().unwrap();
    assert!(max > 16_385);
    assert_eq!(
        warning["message"],
        format!("example has {max} tokens; only the first 16385 are trained on")
    );
    assert_eq!(
        file["estimate"]["billed_tokens_per_epoch"],
        total - max + 16_385
    );
    // Under a model with a larger limit the same file bills every token.
    let (_, report) = check_json(&["--model", "gpt-4o-mini"], input);
    let file = &report["files"][0];
    assert_eq!(file["diagnostics"].as_array().unwrap().len(), 0);
    assert_eq!(
        file["estimate"]["billed_tokens_per_epoch"],
        file["tokens"]["total"]
    );
}

#[test]
fn unknown_models_are_a_usage_error_listing_the_known_ones() {
    let output = finetune()
        .args(["check", "datasets/sarcastic.jsonl", "--model", "gpt-9"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("unknown model \"gpt-9\"; known models: gpt-4o-2024-08-06"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_price_table_file_replaces_the_built_in_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prices.json");
    let table = finetune()
        .args(["models", "--output-format", "json"])
        .output()
        .unwrap()
        .stdout;
    let table = String::from_utf8(table).unwrap().replace(
        "\"usd_per_million_tokens\": 3.0",
        "\"usd_per_million_tokens\": 30.0",
    );
    fs::write(&path, table).unwrap();
    let (_, report) = check_json(&["--pricing", path.to_str().unwrap()], valid_file(12));
    assert_eq!(
        report["files"][0]["estimate"]["price_per_million_usd"],
        30.0
    );
    fs::write(&path, "{\"version\": 1, \"models\": [").unwrap();
    let output = finetune()
        .args(["check", "datasets/sarcastic.jsonl", "--pricing"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("is not valid")
    );
}

#[test]
fn models_lists_every_model() {
    let output = finetune().arg("models").output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    for name in [
        "gpt-4o-2024-08-06",
        "gpt-4.1-nano-2025-04-14",
        "gpt-3.5-turbo-0125",
        "o4-mini-2025-04-16",
    ] {
        assert!(text.contains(name), "{text}");
    }
    assert!(text.contains("reinforcement $100"));
    // A method the model trains with whose price is not published is listed as such.
    let four_one = text
        .lines()
        .find(|line| line.starts_with("gpt-4.1-mini-2025-04-14"))
        .unwrap();
    assert!(
        four_one.contains("supervised $5.00/1M tokens, dpo (price not published)"),
        "{four_one}"
    );
}

#[test]
fn preference_tokens_are_reported_by_part_and_priced_only_when_known() {
    let output = finetune()
        .args([
            "check",
            "datasets/preference.jsonl",
            "--output-format",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let file = &report["files"][0];
    let parts = &file["tokens"]["parts"];
    let sum = parts["input"].as_u64().unwrap()
        + parts["preferred_output"].as_u64().unwrap()
        + parts["non_preferred_output"].as_u64().unwrap();
    assert_eq!(file["tokens"]["total"], sum);
    assert_eq!(
        file["tokens"]["assistant"],
        parts["preferred_output"].as_u64().unwrap()
            + parts["non_preferred_output"].as_u64().unwrap()
    );
    // The price table has no DPO price: no made-up number.
    assert_eq!(file["estimate"]["price_per_million_usd"], Value::Null);
    assert_eq!(file["estimate"]["cost_usd"], Value::Null);
    let human = finetune()
        .args(["check", "datasets/preference.jsonl"])
        .output()
        .unwrap();
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(human.contains("tokens by part: input"), "{human}");
    assert!(human.contains("no per-token dpo training price"), "{human}");
}

#[test]
fn reinforcement_cost_is_quoted_per_hour() {
    let output = finetune()
        .args([
            "check",
            "datasets/reinforcement.jsonl",
            "--model",
            "o4-mini",
            "--output-format",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let estimate = &report["files"][0]["estimate"];
    assert_eq!(estimate["price_per_hour_usd"], 100.0);
    assert_eq!(estimate["cost_usd"], Value::Null);
    let human = finetune()
        .args([
            "check",
            "datasets/reinforcement.jsonl",
            "--model",
            "o4-mini",
        ])
        .output()
        .unwrap();
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(
        human.contains(
            "billed by the hour ($100.00 per hour), so the cost depends on training time"
        ),
        "{human}"
    );
}

#[test]
fn a_tokenizer_file_the_library_panics_on_is_a_clear_error() {
    let good =
        fs::read_to_string(project_file("tests/fixtures/word-level-tokenizer.json")).unwrap();
    let mut value: Value = serde_json::from_str(&good).unwrap();
    value["normalizer"] =
        serde_json::json!({"type": "Precompiled", "precompiled_charsmap": "AAAA"});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokenizer.json");
    fs::write(&path, value.to_string()).unwrap();
    let output = finetune()
        .args([
            "check",
            "datasets/sarcastic.jsonl",
            "--provider",
            "together",
        ])
        .arg("--tokenizer")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("not a valid tokenizer.json: Precompiled"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
