//! Builds a [`Value`] from a reader, so a giant line is never held whole beside its value.
//!
//! A line of hundreds of megabytes costs its bytes twice when it is read into memory and then
//! parsed: once as text, once as the value. Here bytes go from the reader straight into the
//! strings of the value (escapes decoded on the way), so the line costs about its value alone.
//! It builds exactly what `serde_json::from_str` builds and gives up (`None`) wherever
//! serde_json would fail, so the caller can read the line whole and report why.

use std::io::{self, BufRead};

use serde_json::{Map, Number, Value};

use super::scan::{HIGH_SURROGATES, LOW_SURROGATES};

/// Arrays and objects the value may nest, as serde_json's default limit allows.
const MAX_NESTING: usize = 127;

/// The value of the JSON text `reader` holds; `Ok(None)` where serde_json would fail (a syntax
/// error, invalid UTF-8, a lone surrogate escape, a number beyond a double, nesting past its
/// limit).
///
/// # Errors
///
/// When reading fails.
pub fn read_value<R: BufRead>(reader: R) -> io::Result<Option<Value>> {
    let mut input = Input { reader };
    let Some(value) = value(&mut input)? else {
        return Ok(None);
    };
    input.skip_whitespace()?;
    Ok(input.peek()?.is_none().then_some(value))
}

/// An array or object being built, with the key it has in its parent.
enum Open {
    Array(Vec<Value>),
    Object(Map<String, Value>, String),
}

/// One value: scalars are read directly, containers with a stack of their own (no recursion,
/// so no nesting overflows the thread's stack).
fn value<R: BufRead>(input: &mut Input<R>) -> io::Result<Option<Value>> {
    let mut open: Vec<Open> = Vec::new();
    loop {
        input.skip_whitespace()?;
        // A value begins: a scalar, or a container pushed on the stack.
        let mut done = match input.peek()? {
            Some(b'[') => {
                input.bump();
                if open.len() >= MAX_NESTING {
                    return Ok(None);
                }
                input.skip_whitespace()?;
                if input.eat(b']')? {
                    Value::Array(Vec::new())
                } else {
                    open.push(Open::Array(Vec::new()));
                    continue;
                }
            }
            Some(b'{') => {
                input.bump();
                if open.len() >= MAX_NESTING {
                    return Ok(None);
                }
                input.skip_whitespace()?;
                if input.eat(b'}')? {
                    Value::Object(Map::new())
                } else {
                    let Some(key) = member_key(input)? else {
                        return Ok(None);
                    };
                    open.push(Open::Object(Map::new(), key));
                    continue;
                }
            }
            _ => match scalar(input)? {
                Some(value) => value,
                None => return Ok(None),
            },
        };
        // The value ends: attach it to its container, and close every container that ends
        // after it.
        loop {
            let Some(parent) = open.last_mut() else {
                return Ok(Some(done));
            };
            input.skip_whitespace()?;
            let closed = match parent {
                Open::Array(items) => {
                    items.push(done);
                    match input.next()? {
                        Some(b',') => false,
                        Some(b']') => true,
                        _ => return Ok(None),
                    }
                }
                Open::Object(members, key) => {
                    // Duplicate keys: the last one wins, as in serde_json.
                    members.insert(std::mem::take(key), done);
                    match input.next()? {
                        Some(b',') => {
                            input.skip_whitespace()?;
                            let Some(next) = member_key(input)? else {
                                return Ok(None);
                            };
                            *key = next;
                            false
                        }
                        Some(b'}') => true,
                        _ => return Ok(None),
                    }
                }
            };
            if !closed {
                break;
            }
            done = match open.pop() {
                Some(Open::Array(items)) => Value::Array(items),
                Some(Open::Object(members, _)) => Value::Object(members),
                None => return Ok(None),
            };
        }
    }
}

/// A member's key and its colon.
fn member_key<R: BufRead>(input: &mut Input<R>) -> io::Result<Option<String>> {
    if !input.eat(b'"')? {
        return Ok(None);
    }
    let Some(key) = string(input)? else {
        return Ok(None);
    };
    input.skip_whitespace()?;
    Ok(input.eat(b':')?.then_some(key))
}

fn scalar<R: BufRead>(input: &mut Input<R>) -> io::Result<Option<Value>> {
    let Some(first) = input.peek()? else {
        return Ok(None);
    };
    let literal = |input: &mut Input<R>, text: &[u8], value: Value| {
        for &expected in text {
            if input.next()? != Some(expected) {
                return Ok(None);
            }
        }
        Ok(Some(value))
    };
    match first {
        b'"' => {
            input.bump();
            Ok(string(input)?.map(Value::String))
        }
        b't' => literal(input, b"true", Value::Bool(true)),
        b'f' => literal(input, b"false", Value::Bool(false)),
        b'n' => literal(input, b"null", Value::Null),
        b'-' | b'0'..=b'9' => {
            let mut text = String::new();
            while let Some(byte) = input.peek()? {
                if !matches!(byte, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                    break;
                }
                text.push(char::from(byte));
                input.bump();
            }
            // serde_json's own number grammar and rounding, so the value is the same.
            Ok(serde_json::from_str::<Number>(&text)
                .ok()
                .map(Value::Number))
        }
        _ => Ok(None),
    }
}

/// The rest of a string whose opening quote is read: runs without escapes are copied as they
/// come, escapes decoded, and the whole checked as UTF-8 once, in place.
fn string<R: BufRead>(input: &mut Input<R>) -> io::Result<Option<String>> {
    let mut out = Vec::new();
    loop {
        let buffer = input.reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(None);
        }
        let run = memchr::memchr2(b'"', b'\\', buffer).unwrap_or(buffer.len());
        if buffer[..run].iter().any(|&byte| byte < 0x20) {
            return Ok(None);
        }
        out.extend_from_slice(&buffer[..run]);
        let stop = buffer.get(run).copied();
        input.reader.consume(run);
        match stop {
            None => {}
            Some(b'"') => {
                input.bump();
                return Ok(String::from_utf8(out).ok());
            }
            Some(_) => {
                input.bump();
                let decoded = match input.next()? {
                    Some(b'"') => '"',
                    Some(b'\\') => '\\',
                    Some(b'/') => '/',
                    Some(b'b') => '\u{8}',
                    Some(b'f') => '\u{c}',
                    Some(b'n') => '\n',
                    Some(b'r') => '\r',
                    Some(b't') => '\t',
                    Some(b'u') => match unicode_escape(input)? {
                        Some(c) => c,
                        None => return Ok(None),
                    },
                    _ => return Ok(None),
                };
                out.extend_from_slice(decoded.encode_utf8(&mut [0; 4]).as_bytes());
            }
        }
    }
}

/// The character of a `\u` escape whose `\u` is read, with the low half of a surrogate pair;
/// `None` for a lone surrogate, as serde_json refuses it.
fn unicode_escape<R: BufRead>(input: &mut Input<R>) -> io::Result<Option<char>> {
    let Some(unit) = input.hex4()? else {
        return Ok(None);
    };
    if let Some(c) = char::from_u32(u32::from(unit)) {
        return Ok(Some(c));
    }
    if !HIGH_SURROGATES.contains(&unit) || !input.eat(b'\\')? || !input.eat(b'u')? {
        return Ok(None);
    }
    match input.hex4()? {
        Some(low) if LOW_SURROGATES.contains(&low) => Ok(char::from_u32(
            0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00),
        )),
        _ => Ok(None),
    }
}

/// A reader looked at a byte at a time, except inside strings.
struct Input<R> {
    reader: R,
}

impl<R: BufRead> Input<R> {
    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.reader.fill_buf()?.first().copied())
    }

    /// Moves past the byte [`Input::peek`] saw.
    fn bump(&mut self) {
        self.reader.consume(1);
    }

    fn next(&mut self) -> io::Result<Option<u8>> {
        let byte = self.peek()?;
        if byte.is_some() {
            self.bump();
        }
        Ok(byte)
    }

    /// Moves past `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> io::Result<bool> {
        let found = self.peek()? == Some(byte);
        if found {
            self.bump();
        }
        Ok(found)
    }

    fn skip_whitespace(&mut self) -> io::Result<()> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek()? {
            self.bump();
        }
        Ok(())
    }

    fn hex4(&mut self) -> io::Result<Option<u16>> {
        let mut unit = 0u16;
        for _ in 0..4 {
            let Some(digit) = self.next()?.and_then(|byte| char::from(byte).to_digit(16)) else {
                return Ok(None);
            };
            unit = unit << 4 | u16::try_from(digit).unwrap_or_default();
        }
        Ok(Some(unit))
    }
}

#[cfg(test)]
mod tests {
    use std::io::BufReader;

    use proptest::prelude::*;

    use super::*;

    /// Reads `text` through a buffer of `capacity` bytes, so escapes and runs straddle refills.
    fn read(text: &str, capacity: usize) -> Option<Value> {
        read_value(BufReader::with_capacity(capacity, text.as_bytes())).unwrap()
    }

    #[test]
    fn builds_what_serde_json_builds() {
        for text in [
            r#"{"messages": [{"role": "user", "content": "hé \"q\" \n\t\\ \/ \u00e9 \ud83d\ude00 \u0000"}], "w": -0.5e-3}"#,
            r#"[null, false, true, 0, -1, 1E+2, 12345678901234567890, -9223372036854775809, {"": []}]"#,
            r#"{"k": 1, "k": {"a": [2]}, "\u006b2": "x", "e": {}, "a": [[], [{}]]}"#,
            r#"  "just a string"  "#,
            "42",
            " [ 1 , { \"a\" : [ ] } ] \r",
        ] {
            let expected: Value = serde_json::from_str(text).unwrap();
            for capacity in [1, 2, 3, 7, 64, 8192] {
                assert_eq!(read(text, capacity), Some(expected.clone()), "{text}");
            }
        }
    }

    #[test]
    fn fails_where_serde_json_fails() {
        let deep = format!("{}{}", "[".repeat(128), "]".repeat(128));
        for text in [
            r#"{"a": "\ud800"}"#,
            r#"{"a": "\ud800\u0041"}"#,
            r#"{"a": "\udc00"}"#,
            "[1e400]",
            "{",
            "",
            "  ",
            r#"{"a": 1,}"#,
            r#"{"a" 1}"#,
            "{1: 2}",
            "[1,]",
            "[01]",
            "[1.]",
            "[-]",
            "tru",
            "nul",
            "\"tab\there\"",
            "\"unterminated",
            r#""\x""#,
            r#""\u12""#,
            "{} {}",
            "[1] x",
            deep.as_str(),
        ] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            assert_eq!(read(text, 3), None, "{text}");
        }
        let deepest_allowed = format!("{}{}", "[".repeat(127), "]".repeat(127));
        assert!(read(&deepest_allowed, 5).is_some());
        assert_eq!(
            read_value(&b"\"\xff\""[..]).unwrap(),
            None,
            "invalid UTF-8 in a string"
        );
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json_on_any_text(
            value in any::<Vec<(String, Option<f64>, Vec<bool>)>>(),
            capacity in 1usize..40,
        ) {
            let value = serde_json::to_value(&value).unwrap();
            for text in [value.to_string(), serde_json::to_string_pretty(&value).unwrap()] {
                prop_assert_eq!(read(&text, capacity), Some(serde_json::from_str::<Value>(&text).unwrap()));
            }
        }
    }
}
