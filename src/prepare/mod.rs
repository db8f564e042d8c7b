//! From a checked file to a clean train/validation pair: exact and near-duplicate removal, and
//! a seeded split that keeps duplicates on one side.
//!
//! Inputs are never modified; the outputs of a command are written as one
//! [`output::OutputSet`]: to temporary files beside them, renamed into place only when all are
//! complete.

pub mod bedrock;
pub mod convert;
pub mod dedupe;
pub mod fix;
pub mod leakage;
pub mod near;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod split;
pub mod vertex;

use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use crate::dataset::ChunkReader;
use near::NearSketch;

/// A file that cannot be deduplicated or split.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// The input could not be read.
    #[error("could not read {}: {source}", path.display())]
    Read {
        /// The input.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A line is not a JSON object; the file needs `finetune check` first.
    #[error("{}:{line}: {reason}; run `finetune check` and fix the file first", path.display())]
    InvalidLine {
        /// The input.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// An output could not be written.
    #[error("could not write {}: {source}", path.display())]
    Write {
        /// The output.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// An output target that an output must not replace.
    #[error("will not write {}: {reason}", path.display())]
    Target {
        /// The target as named.
        path: PathBuf,
        /// Why, and what to do instead.
        reason: String,
    },
    /// The requested split leaves a side too small.
    #[error("{0}")]
    Split(String),
    /// The input holds no row to convert (it is empty, or blank lines only).
    #[error("{} has no rows to convert: it is empty", path.display())]
    NothingToConvert {
        /// The input.
        path: PathBuf,
    },
}

/// What deduplication and splitting keep of one example: hashes, not text.
#[derive(Clone, Debug)]
pub struct Sketch {
    /// 1-based line number in the input.
    pub line: u64,
    /// [`normalize::exact_fingerprint`].
    pub exact: u128,
    /// [`normalize::prompt_fingerprint`].
    pub prompt: Option<u128>,
    /// What near-copy detection keeps of the example's text.
    pub near: NearSketch,
    /// Hash of the example's stratum (the value of the `--stratify-by` key); 0 without one.
    pub stratum: u64,
}

/// The sketches of a file's examples in line order, and the numbers of its blank lines.
#[derive(Debug)]
pub struct Sketches {
    /// One per non-blank line.
    pub examples: Vec<Sketch>,
    /// Blank lines, which hold no example.
    pub blank_lines: Vec<u64>,
}

/// Reads `path` once, in parallel chunks, keeping a [`Sketch`] of every example.
///
/// Memory is proportional to the number of examples, not to their text. A line that is not a
/// JSON object stops with an error naming the first such line, unless `skip_invalid` is set
/// (for a file whose errors `check` reports anyway).
pub fn sketch_file(path: &Path, seed: u64, skip_invalid: bool) -> Result<Sketches, PrepareError> {
    sketch_file_stratified(path, seed, skip_invalid, None)
}

/// [`sketch_file`], also recording each example's stratum: the value at `stratify_by`, a
/// dotted path of keys (`metadata.source`), or `tools` for the names of the functions the
/// example calls.
pub fn sketch_file_stratified(
    path: &Path,
    seed: u64,
    skip_invalid: bool,
    stratify_by: Option<&str>,
) -> Result<Sketches, PrepareError> {
    let read_error = |source| PrepareError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut reader = ChunkReader::new(file);
    let mut sketches = Sketches {
        examples: Vec::new(),
        blank_lines: Vec::new(),
    };
    let batch_size = rayon::current_num_threads() * 4;
    loop {
        let mut batch = Vec::with_capacity(batch_size);
        while batch.len() < batch_size {
            match reader.next_chunk().map_err(read_error)? {
                Some(chunk) => batch.push(chunk),
                None => break,
            }
        }
        if batch.is_empty() {
            return Ok(sketches);
        }
        let results: Vec<Vec<LineSketch>> = batch
            .par_iter()
            .map(|chunk| {
                chunk
                    .lines()
                    .map(|line| sketch_line(line.number, line.bytes, seed, stratify_by))
                    .collect()
            })
            .collect();
        for result in results.into_iter().flatten() {
            match result {
                Ok(Sketched::Example(sketch)) => sketches.examples.push(sketch),
                Ok(Sketched::Blank(line)) => sketches.blank_lines.push(line),
                Err(_) if skip_invalid => {}
                Err((line, reason)) => {
                    return Err(PrepareError::InvalidLine {
                        path: path.to_owned(),
                        line,
                        reason,
                    });
                }
            }
        }
    }
}

/// What one line holds.
// Nearly every line is an example, so boxing the large variant would only add an allocation
// per example.
#[allow(clippy::large_enum_variant)]
enum Sketched {
    /// An example.
    Example(Sketch),
    /// Nothing: the line (this number) is blank.
    Blank(u64),
}

/// The sketch of one line, or `Err((line, reason))` for a line that is not a JSON object.
type LineSketch = Result<Sketched, (u64, String)>;

/// One line's bytes without its `\r` and, on line 1, without a byte order mark.
fn line_bytes(number: u64, bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if number == 1 {
        return bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    bytes
}

/// The sketch of one line.
fn sketch_line(number: u64, bytes: &[u8], seed: u64, stratify_by: Option<&str>) -> LineSketch {
    let bytes = line_bytes(number, bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Sketched::Blank(number));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| (number, "the line is not valid UTF-8".to_owned()))?;
    // Read as `check` reads it: valid JSON that strict parsers refuse is still an example.
    match crate::lint::syntax::read_line(text) {
        Ok((Value::Object(example), _)) => Ok(Sketched::Example(Sketch {
            line: number,
            exact: normalize::exact_fingerprint(&example),
            prompt: normalize::prompt_fingerprint(&example),
            near: near::sketch(&normalize::text_of(&example), seed),
            stratum: stratify_by.map_or(0, |key| stratum(&example, key)),
        })),
        Ok(_) => Err((number, "the line is not a JSON object".to_owned())),
        Err(reason) => Err((number, format!("the line is not valid JSON ({reason})"))),
    }
}

/// Reads the words of chosen examples again, to confirm near-copy candidates: sketches keep
/// hashes, not text.
pub trait WordSource {
    /// The [`near::word_keys`] of the examples at `lines` (ascending), in that order.
    fn words(&self, lines: &[u64]) -> Result<Vec<Vec<u32>>, PrepareError>;
}

/// The examples of a JSONL file, read again for their words.
pub struct FileWords<'a>(pub &'a Path);

impl WordSource for FileWords<'_> {
    fn words(&self, lines: &[u64]) -> Result<Vec<Vec<u32>>, PrepareError> {
        let path = self.0;
        let read_error = |source| PrepareError::Read {
            path: path.to_owned(),
            source,
        };
        let mut words = Vec::with_capacity(lines.len());
        if lines.is_empty() {
            return Ok(words);
        }
        let mut reader = ChunkReader::new(std::fs::File::open(path).map_err(read_error)?);
        let mut wanted = lines.iter().peekable();
        while let Some(chunk) = reader.next_chunk().map_err(read_error)? {
            let mut chosen = Vec::new();
            for line in chunk.lines() {
                if wanted.next_if_eq(&&line.number).is_some() {
                    chosen.push((line.number, line.bytes));
                }
            }
            let parsed: Vec<Result<Vec<u32>, PrepareError>> = chosen
                .par_iter()
                .map(|&(number, bytes)| {
                    let object = std::str::from_utf8(line_bytes(number, bytes))
                        .ok()
                        .and_then(|text| crate::lint::syntax::read_line(text).ok());
                    match object {
                        Some((Value::Object(example), _)) => {
                            Ok(near::word_keys(&normalize::text_of(&example)))
                        }
                        _ => Err(PrepareError::InvalidLine {
                            path: path.to_owned(),
                            line: number,
                            reason: "the line changed while it was being read".to_owned(),
                        }),
                    }
                })
                .collect();
            for result in parsed {
                words.push(result?);
            }
            if wanted.peek().is_none() {
                break;
            }
        }
        if let Some(line) = wanted.next() {
            return Err(PrepareError::InvalidLine {
                path: path.to_owned(),
                line: *line,
                reason: "the line is gone: the file changed while it was being read".to_owned(),
            });
        }
        Ok(words)
    }
}

/// In-memory texts by line, standing in for a file in tests.
#[cfg(test)]
pub(crate) struct TextWords(pub rustc_hash::FxHashMap<u64, String>);

#[cfg(test)]
impl WordSource for TextWords {
    fn words(&self, lines: &[u64]) -> Result<Vec<Vec<u32>>, PrepareError> {
        Ok(lines
            .iter()
            .map(|line| near::word_keys(&self.0[line]))
            .collect())
    }
}

/// Near copies at `threshold` among the examples of every part, indexed over the parts in
/// order, as `(i, j, similarity)` with `i < j`, sorted: the candidates of [`near::candidates`]
/// confirmed on the words each part's source reads again.
pub fn near_pairs(
    parts: &[(&dyn WordSource, &[&Sketch])],
    threshold: f64,
) -> Result<Vec<(usize, usize, f64)>, PrepareError> {
    let sketches: Vec<&NearSketch> = parts
        .iter()
        .flat_map(|(_, examples)| examples.iter().map(|example| &example.near))
        .collect();
    let candidates = near::candidates(&sketches, threshold);
    let mut needed = vec![false; sketches.len()];
    for &(i, j) in &candidates {
        needed[i] = true;
        needed[j] = true;
    }
    let mut words: Vec<Vec<u32>> = vec![Vec::new(); sketches.len()];
    let mut start = 0;
    for (source, examples) in parts {
        let chosen: Vec<usize> = (start..start + examples.len())
            .filter(|&i| needed[i])
            .collect();
        let mut lines: Vec<(u64, usize)> = chosen
            .iter()
            .map(|&i| (examples[i - start].line, i))
            .collect();
        lines.sort_unstable();
        let numbers: Vec<u64> = lines.iter().map(|&(line, _)| line).collect();
        for ((_, i), found) in lines.into_iter().zip(source.words(&numbers)?) {
            words[i] = found;
        }
        start += examples.len();
    }
    Ok(candidates
        .into_par_iter()
        .filter_map(|(i, j)| {
            near::similarity_at_least(&words[i], &words[j], threshold).map(|s| (i, j, s))
        })
        .collect())
}

/// The hash of an example's stratum: the value at a dotted key path, or for `tools` the sorted
/// names of the functions its assistant messages call.
fn stratum(example: &serde_json::Map<String, Value>, key: &str) -> u64 {
    let value = if key == "tools" {
        let mut names: Vec<&str> = example
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("tool_calls")?.as_array())
            .flatten()
            .filter_map(|call| call.get("function")?.get("name")?.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.join(",")
    } else {
        let mut parts = key.split('.');
        let mut current = parts.next().and_then(|first| example.get(first));
        for part in parts {
            current = current.and_then(|v| v.get(part));
        }
        current.map_or_else(String::new, Value::to_string)
    };
    xxhash_rust::xxh3::xxh3_64(value.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_invalid_lines_are_not_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.jsonl");
        let line = r#"{"messages": [{"role": "user", "content": "Hi"}]}"#;
        std::fs::write(&path, format!("{line}\nnot json\n\n{line}\n")).unwrap();
        let sketches = sketch_file(&path, 1, true).unwrap();
        assert_eq!(
            sketches.examples.iter().map(|s| s.line).collect::<Vec<_>>(),
            [1, 4]
        );
        assert_eq!(sketches.blank_lines, [3]);
        let error = sketch_file(&path, 1, false).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("data.jsonl:2: the line is not valid JSON"),
            "{error}"
        );
    }
}
