use serde_json::{Map, Value};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

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
Two lines hold the same example: the same keys and values, whatever the key order and the
white space between JSON tokens. Each later copy is reported with a label naming the line of the
first copy.

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

/// A 128-bit identity of a parsed example that ignores key order and formatting.
pub fn fingerprint(root: &Map<String, Value>) -> u128 {
    let mut hasher = Xxh3::new();
    hash_object(root, &mut hasher);
    hasher.digest128()
}

fn hash_value(value: &Value, hasher: &mut Xxh3) {
    match value {
        Value::Null => hasher.update(b"n"),
        Value::Bool(b) => hasher.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => {
            hasher.update(b"#");
            hasher.update(n.to_string().as_bytes());
            hasher.update(b";");
        }
        Value::String(s) => {
            hasher.update(b"s");
            hasher.update(&(s.len() as u64).to_le_bytes());
            hasher.update(s.as_bytes());
        }
        Value::Array(items) => {
            hasher.update(b"[");
            hasher.update(&(items.len() as u64).to_le_bytes());
            for item in items {
                hash_value(item, hasher);
            }
        }
        Value::Object(map) => hash_object(map, hasher),
    }
}

/// Hashes each member on its own and adds the results, so key order does not matter.
fn hash_object(map: &Map<String, Value>, hasher: &mut Xxh3) {
    let mut sum: u128 = 0;
    for (key, value) in map {
        let mut member = Xxh3::new();
        member.update(&(key.len() as u64).to_le_bytes());
        member.update(key.as_bytes());
        hash_value(value, &mut member);
        sum = sum.wrapping_add(xxh3_128(&member.digest128().to_le_bytes()));
    }
    hasher.update(b"{");
    hasher.update(&(map.len() as u64).to_le_bytes());
    hasher.update(&sum.to_le_bytes());
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
