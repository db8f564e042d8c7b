//! Builds a [`Value`] from a long line with one walk and no scratch buffer.
//!
//! serde_json decodes a string with escapes into a scratch buffer and then copies it into the
//! value, and keeps the scratch until the parse ends: a line holding one 200 MB text peaks at
//! three times its size. Here each string is decoded straight into its own `String`, so a long
//! line costs its own bytes plus the value. Only long lines take this path; serde_json is
//! faster on the rest.

use serde_json::{Map, Number, Value};

use super::scan::{Slot, Visitor, unescape, walk};

/// Lines at least this long are built here rather than by serde_json.
pub const LONG_LINE: usize = 1 << 20;

/// Arrays and objects the value may nest, as serde_json's default limit allows.
const MAX_NESTING: usize = 127;

/// The value of `text`, exactly as `serde_json::from_str` gives it; `None` where serde_json
/// would fail (a syntax error, a lone surrogate escape, a number beyond a double, nesting past
/// its limit), so the caller can report why.
pub fn parse_long(text: &str) -> Option<Value> {
    let mut builder = Builder {
        text,
        open: Vec::new(),
        scalar: None,
        root: None,
        failed: false,
    };
    walk(text, &mut builder).ok()?;
    if builder.failed {
        return None;
    }
    builder.root
}

/// An array or object being built, with the key it has in its parent.
struct Open {
    value: Value,
    key: Option<String>,
}

struct Builder<'a> {
    text: &'a str,
    open: Vec<Open>,
    /// Start and key of the scalar that began last.
    scalar: Option<(usize, Option<String>)>,
    root: Option<Value>,
    failed: bool,
}

impl Builder<'_> {
    fn attach(&mut self, value: Value, key: Option<String>) {
        match self.open.last_mut() {
            None => self.root = Some(value),
            Some(Open {
                value: Value::Array(items),
                ..
            }) => items.push(value),
            Some(Open {
                value: Value::Object(members),
                ..
            }) => {
                // Duplicate keys: the last one wins, as in serde_json.
                members.insert(key.unwrap_or_default(), value);
            }
            Some(_) => self.failed = true,
        }
    }
}

/// The value of one scalar's raw text; `None` for a number beyond a double.
fn scalar(raw: &str) -> Option<Value> {
    match raw.as_bytes().first()? {
        b'"' => unescape(&raw[1..raw.len() - 1], None).map(|text| Value::String(text.into_owned())),
        b't' => Some(Value::Bool(true)),
        b'f' => Some(Value::Bool(false)),
        b'n' => Some(Value::Null),
        _ => serde_json::from_str::<Number>(raw).ok().map(Value::Number),
    }
}

impl<'a> Visitor<'a> for Builder<'a> {
    fn begin(&mut self, slot: Slot<'a>, at: usize, depth: usize) {
        let key = if let Slot::Member(raw) = slot {
            let key = unescape(raw, None).map(std::borrow::Cow::into_owned);
            self.failed |= key.is_none();
            key
        } else {
            None
        };
        match self.text.as_bytes().get(at) {
            Some(b'[' | b'{') if depth >= MAX_NESTING => self.failed = true,
            Some(b'[') => self.open.push(Open {
                value: Value::Array(Vec::new()),
                key,
            }),
            Some(b'{') => self.open.push(Open {
                value: Value::Object(Map::new()),
                key,
            }),
            _ => self.scalar = Some((at, key)),
        }
    }

    fn end(&mut self, end: usize, _depth: usize) {
        if self.failed {
            return;
        }
        if let Some((start, key)) = self.scalar.take() {
            match scalar(&self.text[start..end]) {
                Some(value) => self.attach(value, key),
                None => self.failed = true,
            }
        } else if let Some(Open { value, key }) = self.open.pop() {
            self.attach(value, key);
        }
    }

    fn lone_surrogate(&mut self, _at: usize) {
        self.failed = true;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn builds_what_serde_json_builds() {
        for text in [
            r#"{"messages": [{"role": "user", "content": "hé \"q\" \n\t\\ \/ \u00e9 \ud83d\ude00 \u0000"}], "w": -0.5e-3}"#,
            r#"[null, false, true, 0, -1, 1E+2, 12345678901234567890, -9223372036854775809, {"": []}]"#,
            r#"{"k": 1, "k": {"a": [2]}, "\u006b2": "x"}"#,
            r#"  "just a string"  "#,
            "42",
        ] {
            let expected: Value = serde_json::from_str(text).unwrap();
            assert_eq!(parse_long(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn fails_where_serde_json_fails() {
        let deep = format!("{}{}", "[".repeat(128), "]".repeat(128));
        for text in [
            r#"{"a": "\ud800"}"#,
            "[1e400]",
            "{",
            r#"{"a": 1,}"#,
            deep.as_str(),
        ] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            assert_eq!(parse_long(text), None, "{text}");
        }
        let deepest_allowed = format!("{}{}", "[".repeat(127), "]".repeat(127));
        assert!(parse_long(&deepest_allowed).is_some());
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json_on_any_text(value in any::<Vec<(String, Option<f64>)>>()) {
            let value = serde_json::to_value(&value).unwrap();
            for text in [value.to_string(), serde_json::to_string_pretty(&value).unwrap()] {
                prop_assert_eq!(parse_long(&text), Some(serde_json::from_str::<Value>(&text).unwrap()));
            }
        }
    }
}
