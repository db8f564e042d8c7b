use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT110",
    name: "invalid-weight",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "an assistant message's `weight` is not 0 or 1",
    help: "use \"weight\": 0 to skip training on the message, or 1 (the default) to train on it",
    docs: r#"## What it checks
`weight` on an assistant message is the number 0 or 1.

## Why it matters
Weights are a switch, not a scale: the platform rejects any other value. `true`/`false`,
`"0"` and fractional weights are the usual causes.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0.5}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.message_objects().filter(|m| m.is("assistant")) {
        let Some(weight) = message.fields.get("weight") else {
            continue;
        };
        // 0 and 1 are exact in floating point; 1.0 is how some writers spell 1.
        #[allow(clippy::float_cmp)]
        let is_switch = matches!(weight.as_f64(), Some(w) if w == 0.0 || w == 1.0);
        if !is_switch {
            out.at(
                &RULE,
                message.pointer_to("weight"),
                format!("weight {weight} is not 0 or 1"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            &RULE,
            &[
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": 0}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": 1}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": 0.5}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": 2}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": true}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": "1"}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": null}]}"#,
            ],
        );
    }
}
