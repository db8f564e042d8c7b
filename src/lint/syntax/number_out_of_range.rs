use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Rule, quote};

pub static RULE: Rule = Rule {
    code: "FT008",
    name: "number-out-of-range",
    family: Family::Syntax,
    severity: Severity::Warning,
    summary: "a number is beyond the range of a double",
    help: "write the number within ±1.8e308, or as a string if its digits matter",
    docs: r#"## What it checks
A number literal whose value is beyond what a 64-bit float holds (about ±1.8e308), such as
`1e400` or an integer of more than 309 digits. The number is underlined. The line is valid JSON,
so the other rules still check it, reading the number as the largest double of its sign
(`weight: 1e400` is still reported as a weight that is not 0 or 1).

## Why it matters
Python's `json`, which the platform reads datasets with, turns such a number into infinity:
the line is read, but the value is not the one written, a `weight` of infinity is rejected, a
reference field a grader reads holds `inf`, and writing it back gives `Infinity`, which is not
JSON. Strict readers (Rust's serde_json, for one) reject the line. Numbers this large are
almost always a bug in the code that wrote the file.

## Example
```json
{"messages": [...], "reference_answer": 1e400}
```
"#,
};

/// Largest double, as the text the other rules read in place of a number beyond it.
pub(crate) const LARGEST: &str = "1e308";

/// Reports the number `text` at byte `at`.
pub fn report(text: &str, at: usize, out: &mut Findings) {
    out.in_range(
        &RULE,
        (at, text.len()),
        format!(
            "number {} is beyond the range of a double (±1.8e308); the platform reads it as infinity",
            quote(text).trim_matches('"')
        ),
    );
}

/// Whether the number literal `text` is beyond the range of a double.
pub(crate) fn is_out_of_range(text: &str) -> bool {
    text.parse::<f64>().is_ok_and(f64::is_infinite)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, codes};

    fn line(reference: &str) -> String {
        format!(
            r#"{{"messages": [{{"role": "user", "content": "Hi"}}, {{"role": "assistant", "content": "Yo"}}], "n": {reference}}}"#
        )
    }

    #[test]
    fn pass_and_fail() {
        let digits = "9".repeat(310);
        let pass = [
            line("1e308"),
            line("-1.7e308"),
            line("1e-400"),
            line("[0, 12345678901234567890123]"),
        ];
        let fail = [
            line("1e400"),
            line("-1E+309"),
            line(&digits),
            line("[1, 2e999]"),
        ];
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        assert_rule(&RULE, &pass, &fail);
    }

    #[test]
    fn the_line_is_still_checked() {
        let weighted = r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo", "weight": 1e400}]}"#;
        assert_eq!(codes(weighted), ["FT008", "FT110"]);
    }
}
