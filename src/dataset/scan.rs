//! One pass over the raw text of a JSON value, without building it.
//!
//! The span locator and the checks of valid JSON that strict readers refuse walk a line with
//! it. It keeps its own stack (one bit per level), so no nesting is too deep, and it reports
//! values by their byte ranges, so nothing of the line is copied.

/// Where a value sits in its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot<'a> {
    /// The whole text.
    Root,
    /// A member of an object: the key's raw text between its quotes (escapes not decoded).
    Member(&'a str),
    /// The next element of an array.
    Element,
}

/// What a walk reports, in text order. Every method has a default that does nothing.
pub trait Visitor<'a> {
    /// A value starts at byte `at`, inside `depth` arrays and objects.
    fn begin(&mut self, slot: Slot<'a>, at: usize, depth: usize) {
        let _ = (slot, at, depth);
    }

    /// The value that began last and has not ended ends before byte `end`; `depth` is as it
    /// was at its beginning.
    fn end(&mut self, end: usize, depth: usize) {
        let _ = (end, depth);
    }

    /// A number literal, its text starting at byte `at`.
    fn number(&mut self, at: usize, text: &'a str) {
        let _ = (at, text);
    }

    /// A `\uXXXX` escape, starting at byte `at`, of a surrogate without its other half.
    fn lone_surrogate(&mut self, at: usize) {
        let _ = at;
    }
}

/// The text is not one JSON value: the walk stopped at byte `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset of the first byte that does not fit the grammar (the length at a cut-off end).
    pub at: usize,
}

/// Open arrays and objects, one bit each: `true` for an object.
#[derive(Default)]
struct Containers {
    bits: Vec<u64>,
    len: usize,
}

impl Containers {
    fn push(&mut self, is_object: bool) {
        let (word, bit) = (self.len / 64, self.len % 64);
        if word == self.bits.len() {
            self.bits.push(0);
        }
        if is_object {
            self.bits[word] |= 1 << bit;
        } else {
            self.bits[word] &= !(1 << bit);
        }
        self.len += 1;
    }

    fn last(&self) -> Option<bool> {
        let top = self.len.checked_sub(1)?;
        Some(self.bits[top / 64] & (1 << (top % 64)) != 0)
    }

    fn pop(&mut self) {
        self.len -= 1;
    }
}

/// Walks `text`, which must hold exactly one JSON value (white space around it allowed),
/// reporting to `visitor`. Numbers of any size, escapes of lone surrogates and any nesting
/// depth are accepted: they are valid JSON.
pub fn walk<'a>(text: &'a str, visitor: &mut impl Visitor<'a>) -> Result<(), SyntaxError> {
    let bytes = text.as_bytes();
    let mut containers = Containers::default();
    let mut pos = skip_space(bytes, 0);
    let mut slot = Slot::Root;
    loop {
        let depth = containers.len;
        visitor.begin(slot, pos, depth);
        match bytes.get(pos) {
            Some(&open @ (b'{' | b'[')) => {
                let is_object = open == b'{';
                let close = if is_object { b'}' } else { b']' };
                pos = skip_space(bytes, pos + 1);
                if bytes.get(pos) == Some(&close) {
                    pos += 1;
                    visitor.end(pos, depth);
                } else {
                    containers.push(is_object);
                    (slot, pos) = next_slot(text, pos, is_object, visitor)?;
                    continue;
                }
            }
            Some(b'"') => {
                pos = string_end(bytes, pos, visitor)?;
                visitor.end(pos, depth);
            }
            Some(b'-' | b'0'..=b'9') => {
                let end = number_end(bytes, pos)?;
                visitor.number(pos, &text[pos..end]);
                pos = end;
                visitor.end(pos, depth);
            }
            Some(b't' | b'f' | b'n') => {
                let literal: &[u8] = match bytes[pos] {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                pos = literal_end(bytes, pos, literal)?;
                visitor.end(pos, depth);
            }
            _ => return Err(SyntaxError { at: pos }),
        }
        // After a value: close what it ends, or move on to the next sibling.
        loop {
            pos = skip_space(bytes, pos);
            let Some(is_object) = containers.last() else {
                return if pos == bytes.len() {
                    Ok(())
                } else {
                    Err(SyntaxError { at: pos })
                };
            };
            match bytes.get(pos) {
                Some(b',') => {
                    (slot, pos) = next_slot(text, skip_space(bytes, pos + 1), is_object, visitor)?;
                    break;
                }
                Some(b'}') if is_object => {}
                Some(b']') if !is_object => {}
                _ => return Err(SyntaxError { at: pos }),
            }
            containers.pop();
            pos += 1;
            visitor.end(pos, containers.len);
        }
    }
}

/// The slot of the next value of an open container, at `pos`, and where that value starts.
fn next_slot<'a>(
    text: &'a str,
    pos: usize,
    is_object: bool,
    visitor: &mut impl Visitor<'a>,
) -> Result<(Slot<'a>, usize), SyntaxError> {
    if is_object {
        let (key, pos) = member_key(text, pos, visitor)?;
        Ok((Slot::Member(key), pos))
    } else {
        Ok((Slot::Element, pos))
    }
}

/// Reads `"key" :` at `pos`; returns the raw key and the position of the member's value.
fn member_key<'a>(
    text: &'a str,
    pos: usize,
    visitor: &mut impl Visitor<'a>,
) -> Result<(&'a str, usize), SyntaxError> {
    let bytes = text.as_bytes();
    if bytes.get(pos) != Some(&b'"') {
        return Err(SyntaxError { at: pos });
    }
    let end = string_end(bytes, pos, visitor)?;
    let colon = skip_space(bytes, end);
    if bytes.get(colon) != Some(&b':') {
        return Err(SyntaxError { at: colon });
    }
    Ok((&text[pos + 1..end - 1], skip_space(bytes, colon + 1)))
}

fn skip_space(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

fn literal_end(bytes: &[u8], pos: usize, literal: &[u8]) -> Result<usize, SyntaxError> {
    let end = pos + literal.len();
    if bytes.get(pos..end) == Some(literal) {
        Ok(end)
    } else {
        let matched = bytes[pos..]
            .iter()
            .zip(literal)
            .take_while(|(a, b)| a == b)
            .count();
        Err(SyntaxError { at: pos + matched })
    }
}

fn number_end(bytes: &[u8], start: usize) -> Result<usize, SyntaxError> {
    let digits = |mut pos: usize| -> Result<usize, SyntaxError> {
        let first = pos;
        while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        if pos == first {
            Err(SyntaxError { at: pos })
        } else {
            Ok(pos)
        }
    };
    let mut pos = start + usize::from(bytes[start] == b'-');
    pos = if bytes.get(pos) == Some(&b'0') {
        pos + 1
    } else {
        digits(pos)?
    };
    if bytes.get(pos) == Some(&b'.') {
        pos = digits(pos + 1)?;
    }
    if let Some(b'e' | b'E') = bytes.get(pos) {
        pos += 1;
        if let Some(b'+' | b'-') = bytes.get(pos) {
            pos += 1;
        }
        pos = digits(pos)?;
    }
    Ok(pos)
}

/// The text of a JSON string's raw content (between its quotes, as a walk found it: its escapes
/// well formed), escapes decoded. A lone surrogate escape becomes `lone`, or makes the result
/// `None` when `lone` is `None`.
pub fn unescape(raw: &str, lone: Option<char>) -> Option<std::borrow::Cow<'_, str>> {
    let bytes = raw.as_bytes();
    let Some(first) = memchr::memchr(b'\\', bytes) else {
        return Some(std::borrow::Cow::Borrowed(raw));
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(&raw[..first]);
    let mut pos = first;
    while pos < bytes.len() {
        let next = memchr::memchr(b'\\', &bytes[pos..]).map_or(bytes.len(), |at| pos + at);
        out.push_str(&raw[pos..next]);
        if next == bytes.len() {
            break;
        }
        let (c, len) = match bytes.get(next + 1)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            _ => {
                let unit = hex4(bytes, next + 2)?;
                let low = (bytes.get(next + 6..next + 8) == Some(b"\\u"))
                    .then(|| hex4(bytes, next + 8))
                    .flatten()
                    .filter(|low| LOW_SURROGATES.contains(low));
                match (char::from_u32(u32::from(unit)), low) {
                    (Some(c), _) => (c, 6),
                    (None, Some(low)) if HIGH_SURROGATES.contains(&unit) => {
                        let code = 0x10000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        (char::from_u32(code)?, 12)
                    }
                    (None, _) => (lone?, 6),
                }
            }
        };
        out.push(c);
        pos = next + len;
    }
    Some(std::borrow::Cow::Owned(out))
}

/// The value of four hex digits at `pos`.
fn hex4(bytes: &[u8], pos: usize) -> Option<u16> {
    let digits = std::str::from_utf8(bytes.get(pos..pos + 4)?).ok()?;
    if digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        u16::from_str_radix(digits, 16).ok()
    } else {
        None
    }
}

pub(crate) const HIGH_SURROGATES: std::ops::RangeInclusive<u16> = 0xD800..=0xDBFF;
pub(crate) const LOW_SURROGATES: std::ops::RangeInclusive<u16> = 0xDC00..=0xDFFF;

/// The position after the string starting at `start` (at its opening quote).
fn string_end<'a>(
    bytes: &[u8],
    start: usize,
    visitor: &mut impl Visitor<'a>,
) -> Result<usize, SyntaxError> {
    let mut pos = start + 1;
    loop {
        // Plain text runs up to the next quote, backslash or control character.
        let run = bytes[pos..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .ok_or(SyntaxError { at: bytes.len() })?;
        pos += run;
        match bytes[pos] {
            b'"' => return Ok(pos + 1),
            b'\\' => match bytes.get(pos + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => pos += 2,
                Some(b'u') => {
                    let code = hex4(bytes, pos + 2).ok_or(SyntaxError { at: pos + 2 })?;
                    let paired = HIGH_SURROGATES.contains(&code)
                        && bytes.get(pos + 6..pos + 8) == Some(b"\\u")
                        && hex4(bytes, pos + 8).is_some_and(|low| LOW_SURROGATES.contains(&low));
                    if paired {
                        pos += 12;
                    } else {
                        if HIGH_SURROGATES.contains(&code) || LOW_SURROGATES.contains(&code) {
                            visitor.lone_surrogate(pos);
                        }
                        pos += 6;
                    }
                }
                _ => return Err(SyntaxError { at: pos + 1 }),
            },
            _ => return Err(SyntaxError { at: pos }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records every event as text.
    #[derive(Default)]
    struct Events(Vec<String>);

    impl<'a> Visitor<'a> for Events {
        fn begin(&mut self, slot: Slot<'a>, at: usize, depth: usize) {
            self.0.push(format!("begin {slot:?} {at} {depth}"));
        }
        fn end(&mut self, end: usize, depth: usize) {
            self.0.push(format!("end {end} {depth}"));
        }
        fn number(&mut self, at: usize, text: &'a str) {
            self.0.push(format!("number {at} {text}"));
        }
        fn lone_surrogate(&mut self, at: usize) {
            self.0.push(format!("surrogate {at}"));
        }
    }

    fn events(text: &str) -> Result<Vec<String>, SyntaxError> {
        let mut events = Events::default();
        walk(text, &mut events).map(|()| events.0)
    }

    #[test]
    fn reports_every_value_with_its_range() {
        let found = events(r#" {"a": [1, true], "b": {}} "#).unwrap();
        assert_eq!(
            found,
            [
                "begin Root 1 0",
                "begin Member(\"a\") 7 1",
                "begin Element 8 2",
                "number 8 1",
                "end 9 2",
                "begin Element 11 2",
                "end 15 2",
                "end 16 1",
                "begin Member(\"b\") 23 1",
                "end 25 1",
                "end 26 0",
            ]
        );
    }

    #[test]
    fn accepts_what_strict_readers_refuse() {
        let found = events(r#"["\ud800", "\ud83d\ude00", "\udc00x", 1e400]"#).unwrap();
        assert!(found.contains(&"surrogate 2".to_owned()), "{found:?}");
        assert!(found.contains(&"surrogate 28".to_owned()), "{found:?}");
        assert_eq!(
            found.iter().filter(|e| e.starts_with("surrogate")).count(),
            2
        );
        assert!(found.contains(&"number 38 1e400".to_owned()));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(events(&deep).unwrap().len(), 200_000);
    }

    #[test]
    fn syntax_errors_stop_where_the_grammar_breaks() {
        for (text, at) in [
            ("", 0),
            ("{", 1),
            (r#"{"a": 1,}"#, 8),
            (r#"{"a" 1}"#, 5),
            ("[1 2]", 3),
            ("[01]", 2),
            ("[1.]", 3),
            ("[-]", 2),
            ("[tru]", 4),
            (r#"["a\x"]"#, 4),
            ("[\"\u{1}\"]", 2),
            ("{} {}", 3),
            ("[}", 1),
            (r#"["\u12"]"#, 4),
        ] {
            assert_eq!(events(text), Err(SyntaxError { at }), "{text}");
        }
    }

    #[test]
    fn agrees_with_serde_json_on_ordinary_text() {
        for text in [
            r#"{"messages": [{"role": "user", "content": "hé \"q\" \n"}], "w": -0.5e-3}"#,
            "[null, false, true, 0, -1, 1E+2, {\"\": []}]",
            "\"just a string\"",
            "  42  ",
        ] {
            assert!(serde_json::from_str::<serde_json::Value>(text).is_ok());
            assert!(events(text).is_ok(), "{text}");
        }
    }
}
