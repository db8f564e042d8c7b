//! FT0xx: bytes and JSON syntax, checked on the raw line before anything else.

pub mod blank_line;
pub mod byte_order_mark;
pub mod invalid_json;
pub mod invalid_utf8;
pub mod lone_surrogate;
pub mod nesting_rejected;
pub mod nesting_too_deep;
pub mod not_an_object;
pub mod number_out_of_range;
pub mod unreadable_input;

use serde_json::Value;

use super::Findings;
use crate::dataset::scan::{Slot, Visitor, walk};
use crate::dataset::value;

/// A line read for the commands that take examples as they are (`dedupe`, `split`, `prepare`,
/// `convert`): its value, and what strict parsers refuse in it (a lone surrogate, a number
/// beyond a double, nesting past their limit), which [`parse_line`] read with replacements;
/// or, for a line that is not JSON at all, the parser's reason.
pub fn read_line(text: &str) -> Result<(Value, Option<String>), String> {
    let mut findings = Findings::default();
    let value = parse_line(text, &mut findings);
    let mut messages = findings
        .into_vec()
        .into_iter()
        .map(|finding| finding.message);
    match value {
        Some(value) => Ok((value, messages.next())),
        None => Err(messages.next().map_or_else(String::new, |message| {
            message
                .trim_start_matches(invalid_json::MESSAGE_PREFIX)
                .to_owned()
        })),
    }
}

/// Parses one line's text, reporting why it cannot be read. Valid JSON that strict parsers
/// refuse (a lone surrogate escape, a number beyond a double, nesting past 128 levels) gets the
/// rule of what it holds rather than FT002, and is read with each such part replaced by text of
/// the same length (U+FFFD, the largest double, 0), so the other rules still check the rest and
/// their offsets still point into the line.
pub(crate) fn parse_line(text: &str, out: &mut Findings) -> Option<Value> {
    if text.len() >= value::LONG_LINE
        && let Some(value) = value::parse_long(text)
    {
        return Some(value);
    }
    let error = match serde_json::from_str(text) {
        Ok(value) => return Some(value),
        Err(error) => error,
    };
    // Only lines the fast parser refused are walked again, so valid lines never pay for it.
    let mut refusals = Refusals::new(text.as_bytes());
    // A walk that stops at a syntax error has still found what came before it.
    let _ = walk(text, &mut refusals);
    if refusals.is_empty() {
        invalid_json::report(&error, text.as_bytes(), out);
        return None;
    }
    for &at in &refusals.surrogates {
        lone_surrogate::report(text, at, out);
    }
    for &(at, number) in &refusals.numbers {
        number_out_of_range::report(number, at, out);
    }
    if let Some(&(at, _)) = refusals.deep.first() {
        nesting_too_deep::report(refusals.deepest, at, out);
    }
    // When the rest of the line has a real syntax error, the readable text says where.
    match refusals
        .readable(text)
        .map_or(Err(error), |readable| serde_json::from_str(&readable))
    {
        Ok(value) => Some(value),
        Err(error) => {
            invalid_json::report(&error, text.as_bytes(), out);
            None
        }
    }
}

/// What a line holds that strict parsers refuse, found in one walk.
struct Refusals<'a> {
    bytes: &'a [u8],
    /// Offsets of lone surrogate escapes.
    surrogates: Vec<usize>,
    /// Numbers beyond a double, with their offsets.
    numbers: Vec<(usize, &'a str)>,
    /// Byte ranges of the arrays and objects at the first level past the limit.
    deep: Vec<(usize, usize)>,
    /// Start of the deep value open now.
    deep_start: Option<usize>,
    /// Deepest level of nesting.
    deepest: usize,
}

impl<'a> Refusals<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            surrogates: Vec::new(),
            numbers: Vec::new(),
            deep: Vec::new(),
            deep_start: None,
            deepest: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.surrogates.is_empty() && self.numbers.is_empty() && self.deep.is_empty()
    }

    /// `text` with every refused part replaced by text of the same length that parsers read:
    /// `None` if the result were not UTF-8 (it always is: every replaced range is ASCII-bounded).
    fn readable(&self, text: &str) -> Option<String> {
        let mut bytes = text.as_bytes().to_vec();
        for &at in &self.surrogates {
            bytes[at..at + lone_surrogate::ESCAPE_LEN].copy_from_slice(b"\\ufffd");
        }
        for &(at, number) in &self.numbers {
            let largest = if number.starts_with('-') {
                format!("-{}", number_out_of_range::LARGEST)
            } else {
                number_out_of_range::LARGEST.to_owned()
            };
            let range = &mut bytes[at..at + number.len()];
            range.fill(b' ');
            range
                .get_mut(..largest.len())?
                .copy_from_slice(largest.as_bytes());
        }
        for &(start, end) in &self.deep {
            bytes[start..end].fill(b' ');
            bytes[start] = b'0';
        }
        String::from_utf8(bytes).ok()
    }
}

impl<'a> Visitor<'a> for Refusals<'a> {
    fn begin(&mut self, _slot: Slot<'a>, at: usize, depth: usize) {
        if let Some(b'[' | b'{') = self.bytes.get(at) {
            self.deepest = self.deepest.max(depth + 1);
            if depth == nesting_too_deep::MAX_NESTING {
                self.deep_start = Some(at);
            }
        }
    }

    fn end(&mut self, end: usize, depth: usize) {
        if depth == nesting_too_deep::MAX_NESTING
            && let Some(start) = self.deep_start.take()
        {
            self.deep.push((start, end));
        }
    }

    fn number(&mut self, at: usize, text: &'a str) {
        if number_out_of_range::is_out_of_range(text) {
            self.numbers.push((at, text));
        }
    }

    fn lone_surrogate(&mut self, at: usize) {
        self.surrogates.push(at);
    }
}
