//! Finds where the values JSON pointers name sit in the raw text of one line.
//!
//! Only lines that have a diagnostic are scanned, so the fast path never pays for it, and all
//! of a line's pointers are found in one walk over it, so a line with thousands of diagnostics
//! costs one pass, not one per diagnostic.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::scan::{Slot, Visitor, unescape, walk};

/// The byte range `(start, length)` of the value at `pointer` (RFC 6901) within `line`, or
/// `None` when the line does not parse or the pointer names nothing. The empty pointer names
/// the whole value, without surrounding white space.
pub fn locate(line: &str, pointer: &str) -> Option<(usize, usize)> {
    locate_all(line, &[pointer]).pop().flatten()
}

/// The byte range of the value at each of `pointers` within `line`, in the same order, found
/// in one pass over the line; as [`locate`] for each. Where a key appears twice in an object,
/// the last one wins, as when the line is parsed into values.
pub fn locate_all(line: &str, pointers: &[&str]) -> Vec<Option<(usize, usize)>> {
    let mut locator = Locator {
        trie: PointerTrie::of(pointers),
        found: vec![None; pointers.len()],
        open: Vec::new(),
        unmatched: 0,
    };
    if walk(line, &mut locator).is_err() {
        return vec![None; pointers.len()];
    }
    locator.found
}

/// The wanted pointers as a tree of reference tokens; node 0 is the root.
#[derive(Default)]
struct PointerTrie {
    nodes: Vec<Node>,
}

#[derive(Default)]
struct Node {
    /// Children by reference token, as object members.
    members: FxHashMap<String, usize>,
    /// Children by reference token read as an array index.
    elements: FxHashMap<usize, usize>,
    /// Indices of the pointers that name this node.
    wanted: Vec<usize>,
    /// Indices of the pointers that name this node or one below it.
    below: Vec<usize>,
}

impl PointerTrie {
    fn of(pointers: &[&str]) -> Self {
        let mut trie = PointerTrie {
            nodes: vec![Node::default()],
        };
        for (index, pointer) in pointers.iter().enumerate() {
            let mut node = 0;
            trie.nodes[0].below.push(index);
            if !pointer.is_empty() {
                // A pointer that does not start with `/` names nothing.
                let Some(tokens) = pointer.strip_prefix('/') else {
                    continue;
                };
                for token in tokens.split('/') {
                    let token = token.replace("~1", "/").replace("~0", "~");
                    node = if let Some(&child) = trie.nodes[node].members.get(&token) {
                        child
                    } else {
                        let child = trie.nodes.len();
                        trie.nodes.push(Node::default());
                        if let Ok(at) = token.parse::<usize>() {
                            trie.nodes[node].elements.entry(at).or_insert(child);
                        }
                        trie.nodes[node].members.insert(token, child);
                        child
                    };
                    trie.nodes[node].below.push(index);
                }
            }
            trie.nodes[node].wanted.push(index);
        }
        trie
    }
}

/// A value on the path to wanted pointers, still open.
struct Open {
    node: Option<usize>,
    start: usize,
    /// Index of the next element, when the value is an array.
    next_element: usize,
}

struct Locator {
    trie: PointerTrie,
    found: Vec<Option<(usize, usize)>>,
    /// The open values down to the deepest one on a wanted path.
    open: Vec<Open>,
    /// Open values below that, which hold nothing wanted.
    unmatched: usize,
}

impl<'a> Visitor<'a> for Locator {
    fn begin(&mut self, slot: Slot<'a>, at: usize, _depth: usize) {
        if self.unmatched > 0 {
            self.unmatched += 1;
            return;
        }
        let node = match (slot, self.open.last_mut()) {
            (Slot::Root, _) => Some(0),
            (_, None | Some(Open { node: None, .. })) => None,
            (
                Slot::Member(raw),
                Some(Open {
                    node: Some(parent), ..
                }),
            ) => self.trie.nodes[*parent]
                .members
                .get(decode_key(raw).as_ref())
                .copied(),
            (Slot::Element, Some(parent)) => {
                let index = parent.next_element;
                parent.next_element += 1;
                parent
                    .node
                    .and_then(|node| self.trie.nodes[node].elements.get(&index).copied())
            }
        };
        let Some(node) = node else {
            self.unmatched += 1;
            return;
        };
        // A later duplicate key replaces everything the earlier one was found to hold.
        for &index in &self.trie.nodes[node].below {
            self.found[index] = None;
        }
        self.open.push(Open {
            node: Some(node),
            start: at,
            next_element: 0,
        });
    }

    fn end(&mut self, end: usize, _depth: usize) {
        if self.unmatched > 0 {
            self.unmatched -= 1;
            return;
        }
        if let Some(Open {
            node: Some(node),
            start,
            ..
        }) = self.open.pop()
        {
            for &index in &self.trie.nodes[node].wanted {
                self.found[index] = Some((start, end - start));
            }
        }
    }
}

/// The text of a key as written between its quotes, with escapes decoded; a lone surrogate
/// becomes U+FFFD, as the checks read it.
fn decode_key(raw: &str) -> Cow<'_, str> {
    unescape(raw, Some(char::REPLACEMENT_CHARACTER)).unwrap_or(Cow::Borrowed(raw))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde_json::Value;
    use serde_json::value::RawValue;

    use super::{locate, locate_all};
    use crate::lint::escape_pointer_token;

    /// The locator this module had before the one-pass walk: it parses the line again for
    /// every level of every pointer. The one-pass locator must find exactly what it found.
    fn locate_by_parsing(line: &str, pointer: &str) -> Option<(usize, usize)> {
        let mut current: &RawValue = serde_json::from_str(line).ok()?;
        if !pointer.is_empty() {
            for token in pointer.strip_prefix('/')?.split('/') {
                let token = token.replace("~1", "/").replace("~0", "~");
                let text = current.get();
                current = if text.starts_with('{') {
                    let mut members: BTreeMap<String, &RawValue> =
                        serde_json::from_str(text).ok()?;
                    members.remove(&token)?
                } else if text.starts_with('[') {
                    let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
                    items.get(token.parse::<usize>().ok()?).copied()?
                } else {
                    return None;
                };
            }
        }
        let text = current.get();
        let start = (text.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
        Some((start, text.len()))
    }

    /// Every pointer of `value`, and for each container one pointer that names nothing.
    fn pointers_of(value: &Value, prefix: &str, out: &mut Vec<String>) {
        out.push(prefix.to_owned());
        match value {
            Value::Object(members) => {
                out.push(format!("{prefix}/absent"));
                for (key, member) in members {
                    pointers_of(
                        member,
                        &format!("{prefix}/{}", escape_pointer_token(key)),
                        out,
                    );
                }
            }
            Value::Array(items) => {
                out.push(format!("{prefix}/{}", items.len()));
                out.push(format!("{prefix}/x"));
                for (i, item) in items.iter().enumerate() {
                    pointers_of(item, &format!("{prefix}/{i}"), out);
                }
            }
            _ => out.push(format!("{prefix}/0")),
        }
    }

    /// JSON values with keys that need escaping in text and in pointers.
    fn values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z é\\\"/~\n日]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-c/~\"é]{0,3}", inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    /// `value` as text with white space after every comma and colon, and around the whole.
    fn spaced(value: &Value, space: &str) -> String {
        let compact = value.to_string();
        let mut out = String::from(space);
        let mut in_string = false;
        let mut escaped = false;
        for c in compact.chars() {
            out.push(c);
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            } else if c == ',' || c == ':' {
                out.push_str(space);
            }
        }
        out.push_str(space);
        out
    }

    proptest! {
        #[test]
        fn one_pass_finds_what_parsing_per_pointer_found(
            value in values(),
            space in prop_oneof![Just(""), Just(" "), Just("\t "), Just("\r\n ")],
        ) {
            let line = spaced(&value, space);
            let mut pointers = Vec::new();
            pointers_of(&value, "", &mut pointers);
            pointers.push("nope".to_owned());
            let wanted: Vec<&str> = pointers.iter().map(String::as_str).collect();
            let found = locate_all(&line, &wanted);
            for (pointer, span) in wanted.iter().zip(found) {
                prop_assert_eq!(span, locate_by_parsing(&line, pointer), "{} in {}", pointer, line);
            }
        }
    }

    #[test]
    fn thousands_of_pointers_on_one_line() {
        let items: Vec<String> = (0..20_000).map(|i| format!("{{\"v\": {i}}}")).collect();
        let line = format!("{{\"messages\": [{}]}}", items.join(", "));
        let pointers: Vec<String> = (0..20_000).map(|i| format!("/messages/{i}/v")).collect();
        let wanted: Vec<&str> = pointers.iter().map(String::as_str).collect();
        let found = locate_all(&line, &wanted);
        for (i, span) in found.into_iter().enumerate() {
            let (at, len) = span.unwrap();
            assert_eq!(&line[at..at + len], i.to_string());
        }
    }

    #[test]
    fn lines_strict_readers_refuse_are_located_too() {
        let line = r#"{"a": "\ud800", "b": [1e400, {"c": true}]}"#;
        assert_eq!(
            locate(line, "/b/1/c"),
            Some((line.find("true").unwrap(), 4))
        );
        assert_eq!(locate(line, "/b/0"), Some((line.find("1e400").unwrap(), 5)));
        let escaped_key = r#"{"\u0061\n": 1, "\udc00": 2}"#;
        assert_eq!(locate(escaped_key, "/a\n"), Some((13, 1)));
        assert_eq!(locate(escaped_key, "/\u{fffd}"), Some((26, 1)));
    }

    fn located<'a>(line: &'a str, pointer: &str) -> Option<&'a str> {
        locate(line, pointer).map(|(start, len)| &line[start..start + len])
    }

    #[test]
    fn finds_nested_values() {
        let line = r#" {"messages": [{"role": "bot", "content": "hi"}, {"role":"user"}], "a/b": {"~": 1}}"#;
        assert_eq!(located(line, "/messages/0/role"), Some(r#""bot""#));
        assert_eq!(located(line, "/messages/1"), Some(r#"{"role":"user"}"#));
        assert_eq!(located(line, "/a~1b/~0"), Some("1"));
        assert_eq!(located(line, ""), Some(line.trim()));
    }

    #[test]
    fn missing_targets_and_bad_lines_give_none() {
        let line = r#"{"messages": [1, 2]}"#;
        assert_eq!(located(line, "/messages/5"), None);
        assert_eq!(located(line, "/nope"), None);
        assert_eq!(located(line, "/messages/x"), None);
        assert_eq!(located("{", ""), None);
    }

    #[test]
    fn offsets_count_bytes_of_multibyte_text() {
        let line = r#"{"é": "日本", "k": true}"#;
        assert_eq!(locate(line, "/k"), Some((line.find("true").unwrap(), 4)));
    }

    #[test]
    fn duplicate_keys_resolve_to_the_last() {
        let line = r#"{"k": 1, "k": 22}"#;
        assert_eq!(located(line, "/k"), Some("22"));
    }
}
