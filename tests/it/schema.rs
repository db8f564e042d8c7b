//! The JSON Schema of a chat line and the linter agree on what is structurally valid.

use std::fs;
use std::path::Path;

use finetune::diagnostic::Diagnostic;
use finetune::lint::{CheckOptions, check_stream};
use serde_json::Value;

use crate::{project_file, root};

/// Rules whose errors the schema expresses; every other rule checks what a schema cannot.
const STRUCTURAL: &[&str] = &[
    "FT003", "FT101", "FT102", "FT103", "FT104", "FT105", "FT106", "FT107", "FT108", "FT109",
    "FT110", "FT111", "FT113", "FT114", "FT206", "FT207", "FT208", "FT211", "FT303",
];

fn lint(line: &str) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    check_stream(line.as_bytes(), &CheckOptions::default(), &mut diagnostics).unwrap();
    diagnostics.retain(|d| d.line.is_some());
    diagnostics
}

/// Every line of `datasets/` and `tests/fixtures/`, and every example line written in the
/// rules' own pass/fail tests.
fn corpus() -> Vec<(String, String)> {
    let mut lines = Vec::new();
    for dir in ["datasets", "tests/fixtures"] {
        for entry in fs::read_dir(project_file(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                let bytes = fs::read(&path).unwrap();
                for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
                    if let Ok(text) = std::str::from_utf8(line) {
                        lines.push((format!("{}:{}", path.display(), i + 1), text.to_owned()));
                    }
                }
            }
        }
    }
    collect_rule_examples(&root().join("src/lint"), &mut lines);
    lines
}

fn collect_rule_examples(dir: &Path, lines: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rule_examples(&path, lines);
            continue;
        }
        let source = fs::read_to_string(&path).unwrap();
        let mut rest = source.as_str();
        while let Some(start) = rest.find("r#\"{") {
            rest = &rest[start + 3..];
            let end = rest.find("\"#").unwrap();
            let literal = &rest[..end];
            // Format strings hold `{{`; only literal example lines are taken.
            if !literal.contains("{{") && !literal.contains('\n') {
                lines.push((path.display().to_string(), literal.to_owned()));
            }
            rest = &rest[end..];
        }
    }
}

#[test]
fn schema_and_linter_agree_on_structure() {
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(project_file("schemas/chat.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let corpus = corpus();
    assert!(corpus.len() > 150, "corpus has {} lines", corpus.len());
    let mut checked = 0;
    let (mut valid, mut invalid) = (0, 0);
    for (origin, line) in corpus {
        let Ok(instance) = serde_json::from_str::<Value>(line.trim_start_matches('\u{feff}'))
        else {
            continue;
        };
        checked += 1;
        let structural: Vec<_> = lint(&line)
            .into_iter()
            .filter(|d| d.is_error() && STRUCTURAL.contains(&d.code))
            .map(|d| d.code)
            .collect();
        let schema_valid = validator.is_valid(&instance);
        if schema_valid {
            valid += 1;
        } else {
            invalid += 1;
        }
        assert_eq!(
            schema_valid,
            structural.is_empty(),
            "{origin}: schema says {}, linter found {structural:?}\n{line}",
            if schema_valid { "valid" } else { "invalid" }
        );
    }
    assert!(
        checked > 150 && valid > 40 && invalid > 40,
        "{checked} {valid} {invalid}"
    );
}
