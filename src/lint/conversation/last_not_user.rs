use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT214",
    name: "last-not-user",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a reinforcement example does not end with a user message",
    help: "end the conversation with the user turn the model must answer; the graders score that answer",
    docs: r#"## What it checks
The last message of a reinforcement example is from the user.

## Why it matters
Reinforcement fine-tuning samples the model's answer to the conversation and grades it; a
conversation that ends with the assistant (or a tool result) gives the model nothing to answer,
and the platform rejects it.

## Example
```json
{"messages": [{"role": "user", "content": "2 + 2?"}, {"role": "assistant", "content": "4"}], "answer": "4"}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    if let Some(last) = record.known_role_messages().last()
        && !last.is("user")
    {
        out.at(
            &RULE,
            last.pointer_to("role"),
            format!(
                "reinforcement example ends with {} message",
                crate::lint::with_article(last.role.unwrap_or_default())
            ),
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
            Method::Reinforcement,
            &RULE,
            &[
                r#"{"messages": [{"role": "developer", "content": "d"}, {"role": "user", "content": "q"}], "answer": "4"}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "4"}], "answer": "4"}"#,
                r#"{"messages": [{"role": "developer", "content": "d"}], "answer": "4"}"#,
            ],
        );
    }
}
