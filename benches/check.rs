//! Throughput of `check` on generated chat data, beside the bare JSON parsing it builds on.
//!
//! `cargo bench` prints bytes/s for each; the ratio tells what the rules cost over parsing.

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use finetune::lint::{CheckOptions, TokenSettings, check_stream};
use finetune::tokens::{Encoding, TokenCounter};

fn main() {
    divan::main();
}

/// About 8 MiB of chat examples; deterministic.
fn dataset() -> Vec<u8> {
    const SYSTEM: &str = "You are Marv, a factual assistant for the support desk of a hardware store. Answer briefly and cite the aisle.";
    const WORDS: &[&str] = &[
        "the",
        "hammer",
        "nail",
        "screw",
        "drill",
        "aisle",
        "price",
        "東京",
        "café",
        "😀",
        "{",
        "let x = 1;",
    ];
    let mut state: u64 = 42;
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    let mut out = String::new();
    while out.len() < 8 << 20 {
        let mut messages = vec![serde_json::json!({"role": "system", "content": SYSTEM})];
        for _ in 0..=next(3) {
            for role in ["user", "assistant"] {
                let words: Vec<&str> = (0..10 + next(120))
                    .map(|_| WORDS[next(WORDS.len() as u64) as usize])
                    .collect();
                messages.push(serde_json::json!({"role": role, "content": words.join(" ")}));
            }
        }
        out.push_str(&serde_json::json!({ "messages": messages }).to_string());
        out.push('\n');
    }
    out.into_bytes()
}

fn run_check(data: &[u8], options: &CheckOptions) {
    let mut diagnostics = Vec::new();
    check_stream(black_box(data), options, &mut diagnostics).unwrap();
}

/// All rules, with token counting and the estimate: what `finetune check` does.
#[divan::bench]
fn check(bencher: Bencher) {
    let data = dataset();
    let options = CheckOptions {
        tokens: Some(TokenSettings {
            counter: TokenCounter::new(Encoding::O200kBase),
            example_token_limit: Some(65_536),
            approximate: false,
        }),
        ..CheckOptions::default()
    };
    bencher
        .counter(BytesCount::of_slice(&data))
        .bench(|| run_check(&data, &options));
}

/// All rules without token counting: the structural part alone.
#[divan::bench]
fn check_without_tokens(bencher: Bencher) {
    let data = dataset();
    bencher
        .counter(BytesCount::of_slice(&data))
        .bench(|| run_check(&data, &CheckOptions::default()));
}

#[divan::bench]
fn parse_only(bencher: Bencher) {
    let data = dataset();
    bencher.counter(BytesCount::of_slice(&data)).bench(|| {
        use rayon::prelude::*;
        data.par_split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| serde_json::from_slice::<serde_json::Value>(line).map_or(0, |_| 1u64))
            .sum::<u64>()
    });
}
