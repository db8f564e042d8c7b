use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT101",
    name: "missing-messages",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "the example has no `messages` key",
    help: "write each example as {\"messages\": [{\"role\": ..., \"content\": ...}, ...]}",
    docs: r#"## What it checks
The top-level object has a `messages` key.

## Why it matters
A chat fine-tuning example is a list of messages under `messages`; the platform rejects a line
without it. Files in the legacy `prompt`/`completion` format and misspelt keys (`message`,
`Messages`) are the usual causes.

Where the platform also trains on plain-text (`{"text": …}`) and prompt/completion lines
(Together AI: `check --provider together`), such lines are checked as those formats instead
(FT119). A Vertex AI line (`contents` of `parts`) is reported here, with help naming `finetune
convert --from vertex`; `check --provider vertex` checks such lines by Vertex AI's rules.

## Example
```json
{"prompt": "Hi", "completion": "Hello"}
```
"#,
};

/// The help for a Vertex AI line checked for another platform.
pub(crate) const VERTEX_HELP: &str = "this is Vertex AI's format: convert it with `finetune convert FILE -o OUT --from vertex`, or check it for Vertex AI with --provider vertex";

pub fn check(record: &Record<'_>, out: &mut Findings) {
    // A preference line without an `input` object is reported by FT115.
    let Some(root) = record.conversation() else {
        return;
    };
    if root.contains_key("messages") {
        return;
    }
    let message = "example has no \"messages\" key".to_owned();
    let pointer = record.pointer("");
    if root.contains_key("contents") {
        out.at_with_help(
            &RULE,
            pointer,
            "example has \"contents\", Vertex AI's format, not \"messages\"".to_owned(),
            VERTEX_HELP.to_owned(),
        );
    } else if root.contains_key("prompt") || root.contains_key("completion") {
        out.at_with_help(
            &RULE,
            pointer,
            message,
            "this is the legacy prompt/completion format; rewrite it as a user message and an assistant message under \"messages\"".to_owned(),
        );
    } else if let Some(similar) = root
        .keys()
        .find(|key| key.eq_ignore_ascii_case("messages") || key.as_str() == "message")
    {
        out.at_with_help(
            &RULE,
            pointer,
            message,
            format!("rename {similar:?} to \"messages\""),
        );
    } else {
        out.at(&RULE, pointer, message);
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
            &[r#"{"messages": []}"#, r#"{"messages": 3}"#],
            &[
                "{}",
                r#"{"prompt": "a", "completion": "b"}"#,
                r#"{"Messages": []}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}"#,
            ],
        );
    }

    #[test]
    fn a_vertex_line_names_the_conversion() {
        let line = r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#;
        let result = crate::lint::checker::lint_line(
            line.as_bytes(),
            false,
            &crate::lint::CheckOptions::default(),
        );
        let finding = result
            .findings
            .iter()
            .find(|f| f.rule.code == RULE.code)
            .unwrap();
        assert!(
            finding
                .help
                .as_deref()
                .unwrap()
                .contains("finetune convert FILE -o OUT --from vertex")
        );
    }
}
