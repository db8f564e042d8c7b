use super::repeated_roles;
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, RepeatedRoles, Rule};

pub static RULE: Rule = Rule {
    code: "FT215",
    name: "repeated-role-rejected",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "two messages in a row have a role the platform does not take twice",
    help: "merge the two messages into one, or add the missing turn between them",
    docs: r#"## What it checks
No two consecutive messages have the same role, where the platform rejects the repeat:

| provider | rejected repeats |
|---|---|
| Together AI | every one, tool messages and an image sent after its question included: "conversation roles must alternate between user/assistant/user/assistant" (`together` SDK, `lib/utils/files.py`, `_check_message_role`; [data preparation](https://docs.together.ai/docs/fine-tuning-data-preparation)) |
| Azure OpenAI | two assistant messages in a row: the file fails validation with only "contains invalid schema (20)", naming no line ([microsoft-foundry/fine-tuning#23](https://github.com/microsoft-foundry/fine-tuning/issues/23)) |
| OpenAI | none: FT204 warns about repeats instead |

## Why it matters
The platform refuses the whole file, often without saying which line is at fault. A tool call
and its answer written as two assistant messages, and a question and its image written as two
user messages, are the usual causes.

## Example
Checked for Azure OpenAI:
```json
{"messages": [{"role": "user", "content": "Price of MSFT?"}, {"role": "assistant", "content": "Let me look."}, {"role": "assistant", "content": "It is 420 dollars."}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let profile = record.profile();
    if profile.repeated_roles == RepeatedRoles::Warned {
        return;
    }
    for (_, message) in repeated_roles(record) {
        let role = message.role.unwrap_or_default();
        if !profile.rejects_repeated(role) {
            continue;
        }
        let help = if profile.repeated_roles == RepeatedRoles::Rejected {
            "roles must alternate: merge the two messages into one, or add the missing turn between them"
        } else {
            RULE.help
        };
        out.at_with_help(
            &RULE,
            message.pointer_to("role"),
            format!(
                "{role} message {} follows another {role} message, which the platform rejects",
                message.index
            ),
            help.to_owned(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, assert_rule_under};
    use crate::lint::{RepeatedRoles, RuleProfile};

    const TWO_ASSISTANTS: &str = r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}, {"role": "assistant", "content": "z"}]}"#;
    const TWO_USERS: &str = r#"{"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}, {"role": "assistant", "content": "z"}]}"#;
    const TWO_TOOLS: &str = r#"{"messages": [{"role": "tool", "tool_call_id": "a", "content": "x"}, {"role": "tool", "tool_call_id": "b", "content": "x"}]}"#;

    #[test]
    fn no_repeat_is_rejected_by_the_baseline() {
        assert_rule(&RULE, &[TWO_ASSISTANTS, TWO_USERS, TWO_TOOLS], &[]);
    }

    #[test]
    fn two_assistants_rejected() {
        let profile = RuleProfile {
            repeated_roles: RepeatedRoles::AssistantRejected,
            ..RuleProfile::BASELINE
        };
        assert_rule_under(profile, &RULE, &[TWO_USERS, TWO_TOOLS], &[TWO_ASSISTANTS]);
    }

    #[test]
    fn alternation_required() {
        let profile = RuleProfile {
            repeated_roles: RepeatedRoles::Rejected,
            ..RuleProfile::BASELINE
        };
        assert_rule_under(
            profile,
            &RULE,
            &[
                r#"{"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}"#,
            ],
            &[TWO_ASSISTANTS, TWO_USERS, TWO_TOOLS],
        );
    }
}
