use crate::diagnostic::Severity;
use crate::lint::{CHAT_ROLES, Family, Findings, Record, Rule, quote};

pub static RULE: Rule = Rule {
    code: "FT103",
    name: "unknown-role",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a message's role is not one the platform knows",
    help: "use one of system, user, assistant, tool",
    docs: r#"## What it checks
Every message's `role` is one of `system`, `user`, `assistant`, `tool`, or the legacy
`function`. Roles are case-sensitive. `developer` belongs to reinforcement fine-tuning data and
is reported in supervised data.

## Why it matters
The platform rejects an example with any other role. Data exported from other tools often says
`human`/`bot`, `model` or `ai`.

## Example
```json
{"messages": [{"role": "human", "content": "Hi"}, {"role": "bot", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.message_objects() {
        let Some(role) = message.role else { continue };
        if CHAT_ROLES.contains(&role) {
            continue;
        }
        let message_text = format!("unknown role {}", quote(role));
        let pointer = message.pointer_to("role");
        match suggestion(role) {
            Some(help) => out.at_with_help(&RULE, pointer, message_text, help),
            None => out.at(&RULE, pointer, message_text),
        }
    }
}

fn suggestion(role: &str) -> Option<String> {
    let lower = role.trim().to_ascii_lowercase();
    if lower == "developer" {
        return Some(
            "developer messages belong to reinforcement fine-tuning; use \"system\" in supervised data"
                .to_owned(),
        );
    }
    let fix = match lower.as_str() {
        known if CHAT_ROLES.contains(&known) => known,
        "human" | "customer" | "prompter" => "user",
        "bot" | "ai" | "model" | "gpt" | "chatbot" | "agent" => "assistant",
        "instruction" | "context" => "system",
        "function_response" | "observation" | "ipython" => "tool",
        _ => return None,
    };
    Some(format!(
        "use \"{fix}\"; roles are one of system, user, assistant, tool"
    ))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, codes};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            &RULE,
            &[
                r#"{"messages": [{"role": "system", "content": "x"}, {"role": "function", "name": "f", "content": "x"}]}"#,
                r#"{"messages": [{"content": "x"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "bot", "content": "x"}]}"#,
                r#"{"messages": [{"role": "User", "content": "x"}]}"#,
                r#"{"messages": [{"role": "developer", "content": "x"}]}"#,
            ],
        );
    }

    #[test]
    fn unknown_roles_are_not_reported_again_by_other_rules() {
        let found = codes(
            r#"{"messages": [{"role": "human", "content": "x", "foo": 1}, {"role": "assistant", "content": "y"}]}"#,
        );
        assert_eq!(found, ["FT103"]);
    }
}
