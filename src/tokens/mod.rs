//! Token counting: model encodings, a fast exact counter, and per-example counts.
//!
//! Counts are exactly those of tiktoken for the same encoding (tests compare against
//! tiktoken-rs on a varied corpus). The hot path uses bpe-openai, which scales with cores, and
//! two shortcuts that do not change any count: a pre-tokenised piece that is one vocabulary
//! entry counts 1 without running the encoder, and long strings that repeat (system prompts,
//! tool definitions) are counted once per thread.

mod example;
mod image;
mod stats;

use std::cell::RefCell;
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
    tokenizer: &'static Tokenizer,
    single_tokens: &'static FxHashSet<&'static [u8]>,
}

impl std::fmt::Debug for TokenCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCounter")
            .field("encoding", &self.encoding)
            .finish_non_exhaustive()
    }
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
    static CACHE: RefCell<FxHashMap<(Encoding, u128), u32>> = RefCell::new(FxHashMap::default());
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
            tokenizer,
            single_tokens,
        }
    }

    /// The encoding counted.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The number of tokens of `text`, with special tokens counted as ordinary text.
    pub fn count(&self, text: &str) -> u32 {
        if text.len() < CACHED_MIN_BYTES {
            return self.count_uncached(text);
        }
        let key = (self.encoding, xxh3_128(text.as_bytes()));
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
        self.tokenizer
            .split(text)
            .map(|piece| {
                if self.single_tokens.contains(piece.as_bytes()) {
                    1
                } else {
                    self.tokenizer.bpe.count(piece.as_bytes()) as u32
                }
            })
            .sum()
    }
}
