use crate::diagnostic::Severity;
use crate::lint::{
    Family, Findings, REASONING_KEYS, Record, Rule, message_keys, quote, with_article,
};

pub static RULE: Rule = Rule {
    code: "FT106",
    name: "unknown-message-key",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a message has a key its role does not allow",
    help: "remove the key",
    docs: r#"## What it checks
Each message has only the keys its role allows:

| role | keys |
|---|---|
| system, user, function | role, content, name |
| assistant | role, content, name, refusal, tool_calls, function_call, weight |
| tool | role, content, tool_call_id |

`weight` on other roles is reported by FT111 instead. Where the platform trains reasoning
models on their chain of thought, an assistant message may also have `reasoning` (or
`reasoning_content`): Together AI does ([reasoning fine-tuning](https://docs.together.ai/docs/fine-tuning-reasoning));
OpenAI and Azure OpenAI reject the key.

## Why it matters
The platform validates messages strictly and rejects the example. Keys left over from other
formats (`from`, `value`, `timestamp`, `id`) are the usual cause.

## Example
```json
{"messages": [{"role": "user", "content": "Hi", "timestamp": 1700000000}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.message_objects() {
        let Some(role) = message.role.filter(|role| record.allows_role(role)) else {
            continue;
        };
        let reasoning = if role == "assistant" && record.profile().assistant_reasoning {
            REASONING_KEYS
        } else {
            &[]
        };
        let allowed = message_keys(role);
        for key in message.fields.keys() {
            if key == "weight"
                || allowed.contains(&key.as_str())
                || reasoning.contains(&key.as_str())
            {
                continue;
            }
            out.at_with_help(
                &RULE,
                message.pointer_to(key),
                format!(
                    "unknown key {} in {} message",
                    quote(key),
                    with_article(role)
                ),
                format!(
                    "remove it; {} message may have {}",
                    with_article(role),
                    allowed
                        .iter()
                        .chain(reasoning)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::RuleProfile;
    use crate::lint::testing::{assert_rule, assert_rule_under};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "x", "name": "ann"}, {"role": "assistant", "content": "y", "weight": 1}]}"#,
                r#"{"messages": [{"role": "tool", "tool_call_id": "a", "content": "x"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x", "timestamp": 1}]}"#,
                r#"{"messages": [{"role": "tool", "tool_call_id": "a", "content": "x", "name": "f"}]}"#,
                r#"{"messages": [{"role": "system", "content": "x", "tool_calls": []}]}"#,
            ],
        );
    }

    #[test]
    fn reasoning_where_the_platform_trains_on_it() {
        let with_reasoning = r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "reasoning": "r", "content": "y"}]}"#;
        assert_rule(&RULE, &[], &[with_reasoning]);
        let reasoning = RuleProfile {
            assistant_reasoning: true,
            ..RuleProfile::BASELINE
        };
        assert_rule_under(
            reasoning,
            &RULE,
            &[
                with_reasoning,
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "reasoning_content": "r", "content": "y"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x", "reasoning": "r"}, {"role": "assistant", "content": "y"}]}"#,
            ],
        );
    }
}
