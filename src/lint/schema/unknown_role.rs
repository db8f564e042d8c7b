use crate::dataset::Method;
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, quote, roles};

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
        if record.allows_role(role) {
            continue;
        }
        let method = record.method();
        let text = format!("unknown role {} in {} data", quote(role), method.as_str());
        let help = suggestion(role, method)
            .unwrap_or_else(|| format!("use one of {}", roles(method).join(", ")));
        out.at_with_help(&RULE, message.pointer_to("role"), text, help);
    }
}

fn suggestion(role: &str, method: Method) -> Option<String> {
    let lower = role.trim().to_ascii_lowercase();
    if lower == "developer" && method != Method::Reinforcement {
        return Some(format!(
            "developer messages belong to reinforcement fine-tuning; use \"system\" in {} data",
            method.as_str()
        ));
    }
    if lower == "system" && method == Method::Reinforcement {
        return Some(
            "reinforcement fine-tuning data gives instructions as \"developer\" messages"
                .to_owned(),
        );
    }
    let allowed = roles(method);
    let fix = match lower.as_str() {
        known if allowed.contains(&known) => known,
        "human" | "customer" | "prompter" => "user",
        "bot" | "ai" | "model" | "gpt" | "chatbot" | "agent" => "assistant",
        "instruction" | "context" if method == Method::Reinforcement => "developer",
        "instruction" | "context" => "system",
        "function_response" | "observation" | "ipython" => "tool",
        _ => return None,
    };
    Some(format!(
        "use \"{fix}\"; roles are one of {}",
        allowed.join(", ")
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
