//! The SARIF 2.1.0 renderer, for code-scanning dashboards.

use serde_json::{Value, json};

use super::Severity;
use super::json::Report;
use crate::lint::RULES;

/// The SARIF log of a report.
pub fn to_sarif(report: &Report) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "help": {"text": rule.help},
                "defaultConfiguration": {"level": level(rule.severity)},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .files
        .iter()
        .flat_map(|file| {
            file.diagnostics.iter().map(move |d| {
                let mut region = serde_json::Map::new();
                if let Some(line) = d.line {
                    region.insert("startLine".into(), line.into());
                }
                if let Some(column) = d.column {
                    region.insert("startColumn".into(), column.into());
                }
                if let Some(span) = d.span {
                    region.insert("byteOffset".into(), span.offset.into());
                    region.insert("byteLength".into(), span.length.into());
                }
                let mut location = json!({"artifactLocation": {"uri": file.path}});
                if !region.is_empty() {
                    location["region"] = Value::Object(region);
                }
                json!({
                    "ruleId": d.code,
                    "level": level(d.severity),
                    "message": {"text": format!("{} ({})", d.message, d.help)},
                    "locations": [{"physicalLocation": location}],
                })
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "finetune",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
            "properties": {
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

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}
