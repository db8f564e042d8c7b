//! The SARIF 2.1.0 renderer, for code-scanning dashboards such as GitHub's.
//!
//! What GitHub code scanning requires is checked by Microsoft's SARIF validator
//! (`sarif-multitool validate --rule-kind "Gh;Sarif"`, run by `.ci/run`): every rule has a full
//! description and help, artifact URIs are valid URI references, and the run tells whether it
//! did its job.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use super::json::Report;
use super::{Diagnostic, Severity};
use crate::lint::syntax::unreadable_input;
use crate::lint::{RULES, Rule};

/// Where the crate's documentation lives, by the convention of crates.io (the package names no
/// home page of its own); each rule's page is under it.
const DOCS_URL: &str = "https://docs.rs/finetune";

/// The SARIF log of a report. `problems` are failures of the run that no diagnostic tells
/// (an unreadable input is its FT006 diagnostic); with any of either, the run did not succeed.
pub fn to_sarif(report: &Report, problems: &[String]) -> Value {
    let rules: Vec<Value> = RULES.iter().map(|rule| rule_descriptor(rule)).collect();
    let results: Vec<Value> = report
        .files
        .iter()
        .flat_map(|file| {
            file.diagnostics.iter().map(move |d| {
                json!({
                    "ruleId": d.code,
                    "ruleIndex": RULES.iter().position(|rule| rule.code == d.code),
                    "level": level(d.severity),
                    "message": {"text": format!("{} ({})", d.message, d.help)},
                    "locations": [location(&file.path, d)],
                })
            })
        })
        .collect();
    let mut notifications: Vec<Value> = report
        .files
        .iter()
        .flat_map(|file| {
            file.diagnostics
                .iter()
                .filter(|d| d.code == unreadable_input::RULE.code)
                .map(move |d| {
                    json!({
                        "level": "error",
                        "message": {"text": d.message},
                        "descriptor": {"id": d.code},
                        "locations": [location(&file.path, d)],
                    })
                })
        })
        .collect();
    notifications.extend(
        problems
            .iter()
            .map(|problem| json!({"level": "error", "message": {"text": problem}})),
    );
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "finetune",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": DOCS_URL,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            // Columns count characters, as in every other output, not UTF-16 code units.
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "provider": report.provider,
                "files": report.files.iter().map(|file| json!({
                    "path": file.path,
                    "method": file.method,
                    "examples": file.examples,
                    "valid_examples": file.valid_examples,
                })).collect::<Vec<_>>(),
            },
        }],
    })
}

/// A rule's `reportingDescriptor`, with the descriptions and help GitHub shows on an alert.
fn rule_descriptor(rule: &Rule) -> Value {
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": what_it_checks(rule)},
        "help": {
            "text": rule.help,
            "markdown": format!("{}\n## Fix\n{}\n", rule.docs, rule.help),
        },
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {"tags": [rule.family.as_str()]},
    })
}

/// The first paragraph of a rule's "What it checks", on one line.
fn what_it_checks(rule: &Rule) -> String {
    let section = rule
        .docs
        .split_once("## What it checks\n")
        .map_or(rule.docs, |(_, rest)| rest);
    let paragraph = section.split("\n\n").next().unwrap_or_default();
    let text = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        rule.summary.to_owned()
    } else {
        text
    }
}

/// The page of a rule's module in the crate's documentation: a rule is the file
/// `src/lint/FAMILY/NAME.rs`, its name in snake case.
fn help_uri(rule: &Rule) -> String {
    format!(
        "{DOCS_URL}/{}/finetune/lint/{}/{}/index.html",
        env!("CARGO_PKG_VERSION"),
        rule.family.as_str(),
        rule.name.replace('-', "_")
    )
}

/// The `physicalLocation` of a diagnostic in the file `path`; a file-level one is placed at
/// its first line, where code scanning shows an alert about a whole file.
fn location(path: &str, d: &Diagnostic) -> Value {
    let mut region = serde_json::Map::new();
    region.insert("startLine".into(), d.line.unwrap_or(1).into());
    if let Some(line) = d.line {
        if let Some(column) = d.column {
            region.insert("startColumn".into(), column.into());
        }
        if let Some(end) = d.end_column() {
            region.insert("endLine".into(), line.into());
            region.insert("endColumn".into(), end.into());
        }
    }
    if let Some(span) = d.span {
        region.insert("byteOffset".into(), span.offset.into());
        region.insert("byteLength".into(), span.length.into());
    }
    json!({"physicalLocation": {
        "artifactLocation": {"uri": artifact_uri(path)},
        "region": region,
    }})
}

/// A path as a URI reference (RFC 3986): a relative path stays relative, so code scanning
/// resolves it against the repository, and an absolute one becomes a `file:` URI. Every byte
/// but the unreserved ones and the separators is percent-encoded (spaces, `#`, `%`, `:`,
/// non-ASCII).
pub fn artifact_uri(path: &str) -> String {
    let separated = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_owned()
    };
    let mut rest = separated.as_str();
    let mut uri = String::with_capacity(rest.len());
    if Path::new(path).is_absolute() {
        uri.push_str("file://");
        if let Some((drive, tail)) = rest.split_at_checked(2)
            && drive.ends_with(':')
        {
            // `C:/data` is `file:///C:/data`: the drive keeps its `:`.
            uri.push('/');
            uri.push_str(drive);
            rest = tail;
        }
    }
    for byte in rest.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(char::from(byte));
        } else {
            let _ = write!(uri, "%{byte:02X}");
        }
    }
    uri
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            artifact_uri("datasets/broken.jsonl"),
            "datasets/broken.jsonl"
        );
        assert_eq!(artifact_uri("./a/../b~c.jsonl"), "./a/../b~c.jsonl");
        assert_eq!(
            artifact_uri("my data #1 é.jsonl"),
            "my%20data%20%231%20%C3%A9.jsonl"
        );
        // A `:` in the first segment would read as a scheme; `%` must not read as an escape.
        assert_eq!(artifact_uri("a:b 100%.jsonl"), "a%3Ab%20100%25.jsonl");
        assert_eq!(artifact_uri("-"), "-");
        if cfg!(unix) {
            assert_eq!(
                artifact_uri("/tmp/odd dir/é.jsonl"),
                "file:///tmp/odd%20dir/%C3%A9.jsonl"
            );
        }
    }

    #[test]
    fn every_rule_has_the_descriptions_github_requires() {
        for rule in RULES {
            let descriptor = rule_descriptor(rule);
            let full = descriptor["fullDescription"]["text"].as_str().unwrap();
            assert!(full.len() > rule.summary.len() / 2, "{}: {full}", rule.code);
            assert!(!full.contains("##"), "{}: {full}", rule.code);
            assert!(
                descriptor["help"]["markdown"]
                    .as_str()
                    .unwrap()
                    .contains("## Fix")
            );
            // The help page is the rule's module: its file must exist under that name.
            let file = format!(
                "{}/src/lint/{}/{}.rs",
                env!("CARGO_MANIFEST_DIR"),
                rule.family.as_str(),
                rule.name.replace('-', "_")
            );
            assert!(Path::new(&file).is_file(), "{}: no {file}", rule.code);
            assert!(help_uri(rule).starts_with("https://docs.rs/finetune/"));
        }
    }
}
