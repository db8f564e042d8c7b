use serde_json::{Map, Value};

use crate::dataset::fingerprint::exact_fingerprint;
use crate::diagnostic::{Diagnostic, Label, Severity, Span};
use crate::lint::{Family, Rule};

pub static RULE: Rule = Rule {
    code: "FT402",
    name: "duplicate-example",
    family: Family::Dataset,
    severity: Severity::Warning,
    summary: "the example is an exact copy of an earlier one",
    help: "remove the copy; copies weigh an example twice and leak into validation splits",
    docs: r#"## What it checks
Two lines hold the same example: the same keys and values, whatever the key order, the white
space between JSON tokens and the Unicode normal form (NFC) of the text. Each later copy is
reported with a label naming the line of the first copy.

## Why it matters
The platform trains on copies without complaint, so a copy is not an error. But it counts the
example twice, pays for it twice, and when the file is later split, a copy on each side makes
the validation loss lie.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
{"messages":[{"content":"Hi","role":"user"},{"role":"assistant","content":"Hello"}]}
```
"#,
};

/// A 128-bit identity of a parsed example that ignores key order, formatting and Unicode
/// normal form.
pub fn fingerprint(root: &Map<String, Value>) -> u128 {
    exact_fingerprint(root)
}

/// The diagnostic for a copy at `line` of the example first seen at `first`.
pub fn diagnostic(line: u64, first: u64, span: Span) -> Diagnostic {
    Diagnostic {
        code: RULE.code,
        name: RULE.name,
        severity: RULE.severity,
        line: Some(line),
        column: Some(1),
        pointer: Some(String::new()),
        span: Some(span),
        message: format!("example is a copy of line {first}"),
        help: RULE.help.to_owned(),
        labels: vec![Label {
            line: first,
            message: "first copy".to_owned(),
        }],
        snippet: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(line: &str) -> u128 {
        match serde_json::from_str::<Value>(line).unwrap() {
            Value::Object(map) => fingerprint(&map),
            _ => unreachable!(),
        }
    }

    #[test]
    fn ignores_key_order_and_formatting() {
        assert_eq!(
            print(r#"{"a": 1, "b": [1, {"x": "y", "z": null}]}"#),
            print(r#"{"b":[1,{"z":null,"x":"y"}],"a":1}"#)
        );
    }

    #[test]
    fn tells_different_examples_apart() {
        let distinct = [
            r#"{"a": 1}"#,
            r#"{"a": "1"}"#,
            r#"{"a": [1]}"#,
            r#"{"a": [[1]]}"#,
            r#"{"a": {"b": 1}}"#,
            r#"{"b": 1}"#,
            r#"{"a": 1, "b": 1}"#,
            r#"{"a": ["x", "y"]}"#,
            r#"{"a": ["xy"]}"#,
            r#"{"a": ["y", "x"]}"#,
            r#"{"a": true}"#,
            r#"{"a": null}"#,
            r#"{"ab": "c"}"#,
            r#"{"a": "bc"}"#,
        ];
        let prints: std::collections::HashSet<_> = distinct.iter().map(|l| print(l)).collect();
        assert_eq!(prints.len(), distinct.len());
    }
}
