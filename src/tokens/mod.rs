//! Token counting: model encodings, a fast exact counter, and per-example counts.
//!
//! Counts are exactly those of tiktoken for the same encoding (tests compare against
//! tiktoken-rs on a varied corpus). The hot path uses bpe-openai, which scales with cores, and
//! two shortcuts that do not change any count: a pre-tokenised piece that is one vocabulary
//! entry counts 1 without running the encoder, and long strings that repeat (system prompts,
//! tool definitions) are counted once per thread.
//!
//! Open models have tokenizers of their own: a Hugging Face `tokenizer.json` loaded with
//! [`TokenCounter::from_file`] counts their text exactly.

mod example;
mod image;
mod stats;

use std::cell::RefCell;
use std::path::Path;
use std::sync::LazyLock;

use bpe_openai::Tokenizer;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

pub use example::{ExampleTokens, count_example};
pub use image::{ESTIMATED_IMAGE_TOKENS, image_tokens};
pub use stats::{Bin, Distribution, histogram};

/// A byte-pair encoding used by OpenAI models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoding {
    /// gpt-4o, gpt-4.1, o-series.
    #[serde(rename = "o200k_base")]
    O200kBase,
    /// gpt-3.5-turbo, gpt-4.
    #[serde(rename = "cl100k_base")]
    Cl100kBase,
}

impl Encoding {
    /// The encoding's name, as tiktoken spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Encoding::O200kBase => "o200k_base",
            Encoding::Cl100kBase => "cl100k_base",
        }
    }
}

/// Strings at least this long are looked up in the per-thread cache before being counted.
const CACHED_MIN_BYTES: usize = 48;
/// The per-thread cache is emptied when it holds this many strings, so memory stays bounded.
const CACHE_CAPACITY: usize = 1 << 16;

/// Counts tokens of text for one encoding; cheap to copy and share between threads.
#[derive(Clone, Copy)]
pub struct TokenCounter {
    encoding: Encoding,
    backend: Backend,
}

#[derive(Clone, Copy)]
enum Backend {
    /// A tiktoken encoding, through bpe-openai.
    Tiktoken {
        tokenizer: &'static Tokenizer,
        single_tokens: &'static FxHashSet<&'static [u8]>,
    },
    /// A Hugging Face tokenizer loaded from a file, with that file's path.
    File {
        tokenizer: &'static tokenizers::Tokenizer,
        path: &'static str,
    },
}

impl std::fmt::Debug for TokenCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCounter")
            .field("counts", &self.name())
            .field("tokenizer", &self.tokenizer_path())
            .finish_non_exhaustive()
    }
}

/// A tokenizer file that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("could not load the tokenizer {path}: {message}")]
pub struct TokenizerError {
    /// The file.
    pub path: String,
    /// Why.
    pub message: String,
}

/// Every vocabulary entry's bytes, to count a one-token piece without running the encoder.
fn vocabulary(tokenizer: &'static Tokenizer) -> FxHashSet<&'static [u8]> {
    let bpe = &tokenizer.bpe;
    (0..bpe.num_tokens() as u32)
        .map(|id| bpe.token_bytes(id))
        .collect()
}

static O200K_VOCABULARY: LazyLock<FxHashSet<&'static [u8]>> =
    LazyLock::new(|| vocabulary(bpe_openai::o200k_base()));
static CL100K_VOCABULARY: LazyLock<FxHashSet<&'static [u8]>> =
    LazyLock::new(|| vocabulary(bpe_openai::cl100k_base()));

thread_local! {
    /// Counts of long strings, keyed by what counted them (0 and 1 the encodings, 2 a file).
    static CACHE: RefCell<FxHashMap<(u8, u128), u32>> = RefCell::new(FxHashMap::default());
}

impl TokenCounter {
    /// The counter for `encoding`. The first call per encoding loads its vocabulary.
    pub fn new(encoding: Encoding) -> Self {
        let (tokenizer, single_tokens) = match encoding {
            Encoding::O200kBase => (bpe_openai::o200k_base(), &*O200K_VOCABULARY),
            Encoding::Cl100kBase => (bpe_openai::cl100k_base(), &*CL100K_VOCABULARY),
        };
        Self {
            encoding,
            backend: Backend::Tiktoken {
                tokenizer,
                single_tokens,
            },
        }
    }

    /// A counter for the Hugging Face tokenizer in `path` (a `tokenizer.json`). It lives as
    /// long as the process, and a path is loaded once however often it is asked for.
    pub fn from_file(path: &Path) -> Result<Self, TokenizerError> {
        static LOADED: std::sync::Mutex<Vec<(std::path::PathBuf, TokenCounter)>> =
            std::sync::Mutex::new(Vec::new());
        let mut loaded = LOADED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, counter)) = loaded.iter().find(|(known, _)| known == path) {
            return Ok(*counter);
        }
        let shown = path.display().to_string();
        let tokenizer = load_tokenizer(path).map_err(|message| TokenizerError {
            path: shown.clone(),
            message,
        })?;
        let counter = Self {
            encoding: Encoding::Cl100kBase,
            backend: Backend::File {
                tokenizer: Box::leak(Box::new(tokenizer)),
                path: Box::leak(shown.into_boxed_str()),
            },
        };
        loaded.push((path.to_owned(), counter));
        Ok(counter)
    }

    /// The tiktoken encoding counted, or for a tokenizer file the closest one (what a
    /// counter without the file would have used).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// What counts: the encoding's name, or `huggingface` for a tokenizer file.
    pub fn name(&self) -> &'static str {
        match self.backend {
            Backend::Tiktoken { .. } => self.encoding.as_str(),
            Backend::File { .. } => "huggingface",
        }
    }

    /// The tokenizer file counting, if any.
    pub fn tokenizer_path(&self) -> Option<&'static str> {
        match self.backend {
            Backend::Tiktoken { .. } => None,
            Backend::File { path, .. } => Some(path),
        }
    }

    fn cache_tag(&self) -> u8 {
        match (self.backend, self.encoding) {
            (Backend::Tiktoken { .. }, Encoding::O200kBase) => 0,
            (Backend::Tiktoken { .. }, Encoding::Cl100kBase) => 1,
            (Backend::File { .. }, _) => 2,
        }
    }

    /// The number of tokens of `text`, with special tokens counted as ordinary text.
    pub fn count(&self, text: &str) -> u32 {
        if text.len() < CACHED_MIN_BYTES {
            return self.count_uncached(text);
        }
        let key = (self.cache_tag(), xxh3_128(text.as_bytes()));
        if let Some(count) = CACHE.with(|cache| cache.borrow().get(&key).copied()) {
            return count;
        }
        let count = self.count_uncached(text);
        CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(key, count);
        });
        count
    }

    /// The number of tokens of `text`, without the cache.
    pub fn count_uncached(&self, text: &str) -> u32 {
        match self.backend {
            Backend::Tiktoken {
                tokenizer,
                single_tokens,
            } => tokenizer
                .split(text)
                .map(|piece| {
                    if single_tokens.contains(piece.as_bytes()) {
                        1
                    } else {
                        tokenizer.bpe.count(piece.as_bytes()) as u32
                    }
                })
                .sum(),
            // Special tokens are not added: a message's text is counted, as for tiktoken. A
            // text the tokenizer cannot encode (none of the usual ones fails on UTF-8) falls
            // back to one token per byte rather than to none.
            Backend::File { tokenizer, .. } => tokenizer
                .encode_fast(text, false)
                .map_or(text.len(), |encoding| encoding.len())
                as u32,
        }
    }
}

/// Loads a `tokenizer.json`. The tokenizers crate panics on some malformed files (an unknown
/// decoder type, a `Precompiled` normalizer whose charsmap does not parse) instead of returning
/// an error, so a panic while loading is caught here and its message made the error.
fn load_tokenizer(path: &Path) -> Result<tokenizers::Tokenizer, String> {
    // The default hook would print the panic to standard error; the message goes into the
    // error instead. Loading happens once per path, before any checking starts.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let loaded = std::panic::catch_unwind(|| tokenizers::Tokenizer::from_file(path));
    std::panic::set_hook(hook);
    match loaded {
        Ok(Ok(tokenizer)) => Ok(tokenizer),
        Ok(Err(error)) => Err(error.to_string()),
        Err(panic) => {
            let reason = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("the tokenizers library gave up on it");
            Err(format!("the file is not a valid tokenizer.json: {reason}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small word-level tokenizer in the `tokenizer.json` format.
    const WORD_LEVEL: &str = r#"{
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": null, "decoder": null,
        "model": {"type": "WordLevel", "unk_token": "[UNK]",
            "vocab": {"[UNK]": 0, "hello": 1, "world": 2, "!": 3}}
    }"#;

    #[test]
    fn a_tokenizer_file_counts_with_its_own_vocabulary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        std::fs::write(&path, WORD_LEVEL).unwrap();
        let counter = TokenCounter::from_file(&path).unwrap();
        assert_eq!(counter.name(), "huggingface");
        assert_eq!(
            counter.tokenizer_path(),
            Some(path.display().to_string().as_str())
        );
        assert_eq!(counter.count("Hello world!"), 3);
        assert_eq!(counter.count("hello unknown words here"), 4);
        let long = "hello world ".repeat(10);
        assert_eq!(counter.count(&long), 20);
        assert_eq!(counter.count(&long), 20, "the cached count is the same");
        // The same long text counted by an encoding is a different entry in the cache.
        let tiktoken = TokenCounter::new(Encoding::Cl100kBase);
        assert_eq!(tiktoken.count(&long), tiktoken.count_uncached(&long));
    }

    #[test]
    fn a_broken_tokenizer_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        std::fs::write(&path, "{\"model\": 1}").unwrap();
        let error = TokenCounter::from_file(&path).unwrap_err().to_string();
        assert!(
            error.starts_with("could not load the tokenizer "),
            "{error}"
        );
        assert!(error.contains("tokenizer.json"), "{error}");
        let missing = TokenCounter::from_file(&dir.path().join("absent.json")).unwrap_err();
        assert!(missing.to_string().contains("absent.json"));
    }

    #[test]
    fn tokenizer_files_the_library_panics_on_are_errors_naming_them() {
        // Each makes the good file's normalizer a broken `Precompiled` one, which the library
        // panics on rather than returning an error (tokenizers 0.22).
        let cases = [
            r#"{"type": "Precompiled", "precompiled_charsmap": "AAAA"}"#,
            r#"{"type": "Precompiled", "precompiled_charsmap": "//////8="}"#,
            r#"{"type": "Precompiled", "precompiled_charsmap": 7}"#,
            r#"{"type": "Precompiled"}"#,
            r#"{"type": "Sequence", "normalizers": [{"type": "Precompiled", "precompiled_charsmap": ""}]}"#,
        ];
        let dir = tempfile::tempdir().unwrap();
        for (i, broken) in cases.into_iter().enumerate() {
            let text = WORD_LEVEL.replacen(r#"{"type": "Lowercase"}"#, broken, 1);
            let path = dir.path().join(format!("broken-{i}.json"));
            std::fs::write(&path, &text).unwrap();
            let error = TokenCounter::from_file(&path).unwrap_err().to_string();
            assert!(
                error.starts_with("could not load the tokenizer "),
                "{error}"
            );
            assert!(error.contains(&format!("broken-{i}.json")), "{error}");
            assert!(
                error.contains("not a valid tokenizer.json: Precompiled"),
                "{error}"
            );
        }
    }
}
