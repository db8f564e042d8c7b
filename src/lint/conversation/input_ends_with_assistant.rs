use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT213",
    name: "input-ends-with-assistant",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a preference example's input ends with an assistant message",
    help: "end \"input\" with the user turn; the assistant replies belong in preferred_output and non_preferred_output",
    docs: r#"## What it checks
The last message of a preference example's `input.messages` is not from the assistant.

## Why it matters
The two outputs are the candidate next assistant turns; an input that already ends with the
assistant's reply leaves nothing to prefer, and the platform rejects it. Converting supervised
data by copying the whole conversation into `input` is the usual cause.

## Example
```json
{"input": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}, "preferred_output": [...], "non_preferred_output": [...]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    if let Some(last) = record.known_role_messages().last()
        && last.is("assistant")
    {
        out.at(
            &RULE,
            last.pointer_to("role"),
            "preference input ends with an assistant message".to_owned(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::dataset::Method;
    use crate::lint::testing::assert_rule_as;

    #[test]
    fn pass_and_fail() {
        assert_rule_as(
            Method::Dpo,
            &RULE,
            &[r#"{"input": {"messages": [{"role": "user", "content": "Hi"}]}}"#],
            &[
                r#"{"input": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}}"#,
            ],
        );
    }
}
