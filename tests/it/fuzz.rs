//! Random bytes and random mutations of valid lines never panic, and every bad line gets a
//! diagnostic at its own line.

use std::collections::BTreeSet;

use finetune::diagnostic::Diagnostic;
use finetune::lint::{CheckOptions, check_stream};
use proptest::prelude::*;
use serde_json::Value;

use crate::example;

fn lint(input: &[u8]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    check_stream(input, &CheckOptions::default(), &mut diagnostics).unwrap();
    diagnostics
}

/// Lines that are neither a JSON object nor white space... or blank: both must be reported.
fn bad_lines(input: &[u8]) -> BTreeSet<u64> {
    let mut bad = BTreeSet::new();
    let body = input.strip_suffix(b"\n").unwrap_or(input);
    if input.is_empty() {
        return bad;
    }
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        let mut line = line.strip_suffix(b"\r").unwrap_or(line);
        if i == 0 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let is_object = std::str::from_utf8(line)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .is_some_and(|value| value.is_object());
        if !is_object {
            bad.insert(i as u64 + 1);
        }
    }
    bad
}

fn assert_reported(input: &[u8]) {
    let diagnostics = lint(input);
    let reported: BTreeSet<u64> = diagnostics.iter().filter_map(|d| d.line).collect();
    for line in bad_lines(input) {
        assert!(reported.contains(&line), "line {line} not reported");
    }
    let lines: Vec<u64> = diagnostics.iter().filter_map(|d| d.line).collect();
    assert!(
        lines.windows(2).all(|w| w[0] <= w[1]),
        "diagnostics out of order"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes(input in proptest::collection::vec(
        prop_oneof![Just(b'\n'), Just(b'{'), Just(b'"'), any::<u8>()], 0..600)) {
        assert_reported(&input);
    }

    #[test]
    fn mutated_valid_lines(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..6),
        tag in 0usize..50,
    ) {
        let mut line = example(tag).into_bytes();
        line.push(b'\n');
        line.extend_from_slice(br#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#);
        for (at, kind, byte) in edits {
            let i = at.index(line.len().max(1));
            match kind {
                0 => { line.remove(i.min(line.len() - 1)); }
                1 => line.insert(i, byte),
                2 => {
                    let last = line.len() - 1;
                    line[i.min(last)] = byte;
                }
                _ => line.insert(i, b'\n'),
            }
            if line.is_empty() { line.push(b'{'); }
        }
        let mut input = crate::valid_file(3).into_bytes();
        input.extend_from_slice(&line);
        input.push(b'\n');
        assert_reported(&input);
    }
}
