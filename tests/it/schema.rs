//! The JSON Schema of a chat line and the linter agree on what is structurally valid.

use std::fs;
use std::path::Path;

use finetune::api::Provider;
use finetune::dataset::{Format, Method};
use finetune::diagnostic::Diagnostic;
use finetune::lint::{CheckOptions, check_stream};
use serde_json::Value;

use crate::{finetune, project_file, root};

/// Rules whose errors the line schemas express; every other rule checks what a schema cannot.
const STRUCTURAL: &[&str] = &[
    "FT003", "FT101", "FT102", "FT103", "FT104", "FT105", "FT106", "FT107", "FT108", "FT109",
    "FT110", "FT111", "FT113", "FT114", "FT115", "FT116", "FT117", "FT206", "FT207", "FT208",
    "FT119", "FT211", "FT303", "FT150", "FT151", "FT152", "FT153", "FT154", "FT157", "FT158",
    "FT170", "FT171", "FT172", "FT176",
];

/// Options that check every line as an example of `method`.
fn as_method(method: Method) -> CheckOptions {
    CheckOptions {
        method: Some(method),
        ..CheckOptions::default()
    }
}

/// Options that check every line as an example of the plain `format`, by the rules of a
/// platform that takes it.
fn as_plain(format: Format) -> CheckOptions {
    CheckOptions {
        format: Some(format),
        profile: Provider::Together.dataset_rules(),
        ..CheckOptions::default()
    }
}

fn lint(line: &str, options: &CheckOptions) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    check_stream(line.as_bytes(), options, &mut diagnostics).unwrap();
    diagnostics.retain(|d| d.line.is_some());
    diagnostics
}

fn schema(name: &str) -> jsonschema::Validator {
    let text = fs::read_to_string(project_file(&format!("schemas/{name}"))).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("the schema compiles")
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

fn assert_agreement(schema_file: &str, options: &CheckOptions) {
    let validator = schema(schema_file);
    let (mut valid, mut invalid) = (0, 0);
    for (origin, line) in corpus() {
        let Ok(instance) = serde_json::from_str::<Value>(line.trim_start_matches('\u{feff}'))
        else {
            continue;
        };
        let structural: Vec<_> = lint(&line, options)
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
            "{schema_file}: {origin}: schema says {}, linter found {structural:?}\n{line}",
            if schema_valid { "valid" } else { "invalid" }
        );
    }
    assert!(
        valid >= 12 && invalid > 40,
        "{schema_file}: {valid} valid, {invalid} invalid"
    );
}

#[test]
fn chat_schema_and_linter_agree_on_structure() {
    assert_agreement("chat.schema.json", &as_method(Method::Supervised));
}

#[test]
fn preference_schema_and_linter_agree_on_structure() {
    assert_agreement("preference.schema.json", &as_method(Method::Dpo));
}

#[test]
fn reinforcement_schema_and_linter_agree_on_structure() {
    assert_agreement(
        "reinforcement.schema.json",
        &as_method(Method::Reinforcement),
    );
}

#[test]
fn text_schema_and_linter_agree_on_structure() {
    assert_agreement("text.schema.json", &as_plain(Format::Text));
}

#[test]
fn prompt_completion_schema_and_linter_agree_on_structure() {
    assert_agreement(
        "prompt-completion.schema.json",
        &as_plain(Format::PromptCompletion),
    );
}

/// Options that check every line as an example of Vertex AI's `format`, by its rules.
fn as_vertex(format: Format) -> CheckOptions {
    CheckOptions {
        format: Some(format),
        profile: Provider::Vertex.dataset_rules(),
        ..CheckOptions::default()
    }
}

#[test]
fn vertex_schema_and_linter_agree_on_structure() {
    assert_agreement("vertex.schema.json", &as_vertex(Format::VertexSupervised));
}

#[test]
fn vertex_preference_schema_and_linter_agree_on_structure() {
    assert_agreement(
        "vertex-preference.schema.json",
        &as_vertex(Format::VertexPreference),
    );
}

#[test]
fn bedrock_schema_and_linter_agree_on_structure() {
    assert_agreement(
        "bedrock.schema.json",
        &CheckOptions {
            format: Some(Format::BedrockConversation),
            profile: Provider::Bedrock.dataset_rules(),
            ..CheckOptions::default()
        },
    );
}

/// Runs `finetune check --output-format json` with `args` and returns the report.
fn report(args: &[&str]) -> Value {
    let output = finetune()
        .args(["check", "--output-format", "json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).expect("one JSON document")
}

#[test]
fn every_report_matches_the_report_schema() {
    let validator = schema("report.schema.json");
    let runs: &[&[&str]] = &[
        &["datasets/sarcastic.jsonl", "datasets/broken.jsonl"],
        &[
            "datasets/preference.jsonl",
            "datasets/broken-preference.jsonl",
        ],
        &[
            "datasets/reinforcement.jsonl",
            "datasets/broken-reinforcement.jsonl",
            "--model",
            "o4-mini",
        ],
        &[
            "datasets/broken.jsonl",
            "--max-errors",
            "2",
            "--epochs",
            "4",
        ],
        &["tests/fixtures/structure.jsonl", "--model", "gpt-3.5-turbo"],
        &["datasets/sarcastic.jsonl", "--provider", "together"],
        &["no/such/file.jsonl", "datasets/sarcastic.jsonl"],
        &[
            "datasets/preference.jsonl",
            "--provider",
            "together",
            "--model",
            "acme/Unlisted-7B",
        ],
        &[
            "datasets/sarcastic.jsonl",
            "--provider",
            "together",
            "--tokenizer",
            "tests/fixtures/word-level-tokenizer.json",
        ],
        &["datasets/broken.jsonl", "--no-tokens"],
        &["datasets/plain-text.jsonl", "--provider", "together"],
        &[
            "datasets/vertex.jsonl",
            "datasets/vertex-preference.jsonl",
            "datasets/broken-vertex.jsonl",
            "--provider",
            "vertex",
        ],
        &[
            "datasets/prompt-completion.jsonl",
            "datasets/broken-together.jsonl",
            "--provider",
            "together",
        ],
    ];
    for args in runs {
        let report = report(args);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    }
    // The schema is strict: a field it does not know fails it.
    let mut drifted = report(&["datasets/sarcastic.jsonl"]);
    drifted["files"][0]["new_field"] = Value::Bool(true);
    assert!(!validator.is_valid(&drifted));
}
