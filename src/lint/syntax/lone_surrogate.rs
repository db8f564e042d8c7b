use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Rule};

pub static RULE: Rule = Rule {
    code: "FT007",
    name: "lone-surrogate",
    family: Family::Syntax,
    severity: Severity::Error,
    summary: "a string holds a \\u escape of half a UTF-16 surrogate pair",
    help: "remove the escape or write the whole character (an emoji outside the Basic Multilingual Plane is two escapes, such as \\ud83d\\ude00); text cut in the middle of a character is the usual cause",
    docs: r#"## What it checks
A `\uXXXX` escape in a string (or a key) naming a surrogate, `\ud800` to `\udfff`, that is not
one half of a pair: a high surrogate (`\ud800`–`\udbff`) not followed by a low one
(`\udc00`–`\udfff`), or a low one on its own. The escape is underlined. The line is valid JSON,
so the other rules still check it, reading the escape as U+FFFD.

## Why it matters
A lone surrogate is no character: text holding one cannot be written as UTF-8. Strict readers
(Rust's serde_json, for one) reject the line; Python's `json` reads it into a string that then
fails to encode (`surrogates not allowed`) when the platform tokenises or stores it, so the file
is rejected. It comes from code that cut text by UTF-16 length, in the middle of an emoji.

## Example
```json
{"messages": [{"role": "user", "content": "Nice \ud83d"}, {"role": "assistant", "content": "Thanks"}]}
```
"#,
};

/// Reports the lone surrogate escape at byte `at` of `line`.
pub fn report(line: &str, at: usize, out: &mut Findings) {
    let escape = line.get(at..at + ESCAPE_LEN).unwrap_or_default();
    out.in_range(
        &RULE,
        (at, ESCAPE_LEN),
        format!(
            "string holds the lone surrogate \"{escape}\", half of a character that cannot be written as UTF-8"
        ),
    );
}

/// Bytes of a `\uXXXX` escape.
pub(crate) const ESCAPE_LEN: usize = 6;

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, codes, messages};

    const REPLY: &str = r#"{"role": "assistant", "content": "Thanks"}"#;

    #[test]
    fn pass_and_fail() {
        let line = |content: &str| {
            format!(r#"{{"messages": [{{"role": "user", "content": "{content}"}}, {REPLY}]}}"#)
        };
        let pass = [
            line(r"\ud83d\ude00"),
            line(r"\u00e9"),
            line(r"plain \\ud800"),
        ];
        let fail = [
            line(r"Nice \ud83d"),
            line(r"\ude00 alone"),
            line(r"\ud83d\u0041"),
            line(r"\ud83d\ud83d\ude00"),
            format!(
                r#"{{"messages": [{{"role": "user", "content": "x", "\udc00": 1}}, {REPLY}]}}"#
            ),
        ];
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        assert_rule(&RULE, &pass, &fail);
    }

    #[test]
    fn the_line_is_still_checked_and_not_called_invalid_json() {
        let line = format!(r#"{{"messages": [{{"role": "bot", "content": "\ud800"}}, {REPLY}]}}"#);
        assert_eq!(codes(&line), ["FT007", "FT103"]);
        assert_eq!(
            messages(&RULE, &line),
            [
                r#"string holds the lone surrogate "\ud800", half of a character that cannot be written as UTF-8"#
            ]
        );
    }
}
