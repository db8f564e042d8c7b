use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{
    Family, Findings, Message, Record, Rule, part_types, quote, type_name, with_article,
};

/// Values `image_url.detail` may take.
const DETAILS: &[&str] = &["auto", "low", "high"];

pub static RULE: Rule = Rule {
    code: "FT113",
    name: "invalid-content-part",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a content part is malformed or of a type its role does not allow",
    help: "write text parts as {\"type\": \"text\", \"text\": \"...\"}",
    docs: r#"## What it checks
Each entry of an array `content` is an object with a string `type` its role allows and the
field that type needs:

| role | part types |
|---|---|
| user | `text` (`text`: string), `image_url` (`image_url`: object with a string `url`, optional `detail` of auto, low, high) |
| assistant | `text`, `refusal` (`refusal`: string) |
| system, tool | `text` |

Image parts outside user messages are reported by FT303 instead.

## Why it matters
The platform rejects the example. Audio and file parts are accepted by the chat API but not in
fine-tuning data.

## Example
```json
{"messages": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.known_role_messages() {
        let Some(Value::Array(parts)) = message.fields.get("content") else {
            continue;
        };
        if message.is("function") {
            continue;
        }
        for (index, part) in parts.iter().enumerate() {
            check_part(&message, index, part, out);
        }
    }
}

fn check_part(message: &Message<'_>, index: usize, part: &Value, out: &mut Findings) {
    let role = message.role.unwrap_or_default();
    let pointer = format!("{}/content/{index}", message.pointer());
    let Some(fields) = part.as_object() else {
        out.at(
            &RULE,
            pointer,
            format!("content part {index} is {}, not an object", type_name(part)),
        );
        return;
    };
    let allowed = part_types(role);
    let kind = match fields.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(other) => {
            out.at(
                &RULE,
                format!("{pointer}/type"),
                format!("content part type is {}, not a string", type_name(other)),
            );
            return;
        }
        None => {
            out.at_with_help(
                &RULE,
                pointer,
                format!("content part {index} has no \"type\""),
                format!("add \"type\": one of {}", allowed.join(", ")),
            );
            return;
        }
    };
    if kind == "image_url" && role != "user" {
        return;
    }
    if !allowed.contains(&kind) {
        out.at_with_help(
            &RULE,
            format!("{pointer}/type"),
            format!(
                "content part type {} is not allowed in {} message",
                quote(kind),
                with_article(role)
            ),
            format!("use one of {}", allowed.join(", ")),
        );
        return;
    }
    match kind {
        "image_url" => check_image_url(fields.get("image_url"), &pointer, out),
        field => {
            let value = fields.get(field);
            if !value.is_some_and(Value::is_string) {
                let found = value.map_or("missing", type_name);
                out.at_with_help(
                    &RULE,
                    if value.is_some() {
                        format!("{pointer}/{field}")
                    } else {
                        pointer
                    },
                    format!("{field} part needs a string \"{field}\", found {found}"),
                    format!("write the part as {{\"type\": \"{field}\", \"{field}\": \"...\"}}"),
                );
            }
        }
    }
}

fn check_image_url(image: Option<&Value>, pointer: &str, out: &mut Findings) {
    let help =
        "write the part as {\"type\": \"image_url\", \"image_url\": {\"url\": \"https://...\"}}";
    let Some(image) = image.and_then(Value::as_object) else {
        out.at_with_help(
            &RULE,
            pointer,
            "image_url part needs an \"image_url\" object".to_owned(),
            help.to_owned(),
        );
        return;
    };
    if !image.get("url").is_some_and(Value::is_string) {
        out.at_with_help(
            &RULE,
            format!("{pointer}/image_url"),
            "image_url part needs a string \"url\"".to_owned(),
            help.to_owned(),
        );
    }
    if let Some(detail) = image.get("detail")
        && !detail.as_str().is_some_and(|d| DETAILS.contains(&d))
    {
        out.at_with_help(
            &RULE,
            format!("{pointer}/image_url/detail"),
            format!("image detail {detail} is not one of auto, low, high"),
            "use \"auto\", \"low\" or \"high\"".to_owned(),
        );
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
                r#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}, {"type": "image_url", "image_url": {"url": "https://a.b/c.png", "detail": "low"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}]}]}"#,
                r#"{"messages": [{"role": "system", "content": [{"type": "image_url", "image_url": {"url": "https://a.b/c.png"}}]}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": ["x"]}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"text": "x"}]}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"type": "input_text", "text": "x"}]}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"type": "text"}]}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"type": "refusal", "refusal": "x"}]}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": "https://a.b/c.png"}]}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://a.b/c.png", "detail": "max"}}]}]}"#,
                r#"{"messages": [{"role": "tool", "tool_call_id": "a", "content": [{"type": 1}]}]}"#,
            ],
        );
    }
}
