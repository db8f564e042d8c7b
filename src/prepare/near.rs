//! What a near copy is, and how near copies are found among many examples.
//!
//! Two examples are near copies when the share of the longer one's words that the other has in
//! the same order (their longest common subsequence of words over the longer's word count) is
//! at least the threshold. At the default 0.9, every pair that differs in at most a tenth of
//! its words (replaced, inserted or deleted) is a near copy, however short the examples.
//!
//! Comparing every pair is out of the question on a million examples, so each example keeps a
//! small sketch: the [`ANCHORS`] least hashes of its word 3-shingles (its whole shingle set when
//! it has no more). Examples that share an anchor are candidates; a cheap estimate from the
//! sketches drops candidates that cannot be near copies, and the rest are confirmed on their
//! words, read again from the file. A near copy of a short example shares at least one
//! unchanged run of five words with it, hence a shingle, hence an anchor; longer near copies
//! share most of their shingles, so missing every one of them in a sketch is vanishingly rare.

use rayon::prelude::*;
use rustc_hash::FxHashSet;
use xxhash_rust::xxh3::xxh3_64;

/// Least shingle hashes kept per example.
pub const ANCHORS: usize = 32;

/// The near-copy threshold when none is given: pairs that differ in at most a tenth of their
/// words.
pub const DEFAULT_THRESHOLD: f64 = 0.9;

/// Words per shingle.
const SHINGLE_WORDS: usize = 3;

/// The largest group of examples sharing an anchor whose every pair is a candidate.
const ALL_PAIRS_UP_TO: usize = 32;

/// In a larger group (text that many examples share, such as a system prompt), the members
/// each member is compared with: its predecessors once the group is sorted so that examples
/// sharing another anchor are neighbours. This keeps the work linear in the group's size.
const NEIGHBOURS: usize = 3;

/// Examples sharing an anchor from which its text counts as common (a system prompt, a
/// template): more than this, and more than [`COMMON_SHARE`] of the examples. Common anchors
/// neither make candidates nor count as shared.
const COMMON_AT_LEAST: usize = 1000;

/// See [`COMMON_AT_LEAST`]: one example in a hundred.
const COMMON_SHARE: usize = 100;

/// Anchors two sampled sketches must share (common ones aside) to be candidates. Near copies
/// at the default threshold share about half of their shingles or more, so all but about one
/// pair in ten million share three of [`ANCHORS`] samples; examples that merely share a phrase
/// rarely do.
const MIN_SHARED_SAMPLES: usize = 3;

/// How far below its lower bound the exact shingle similarity of two complete sketches may
/// fall: repeated shingles make a set smaller than the bound assumes.
const REPEAT_SLACK: f64 = 0.1;

/// What near-copy detection keeps of one example.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NearSketch {
    /// Words in the example's text.
    pub words: u32,
    /// Distinct shingles, up to [`ANCHORS`] + 1 (more means the anchors are a sample).
    pub shingles: u32,
    /// The least shingle hashes, ascending; unused slots hold `u32::MAX` past `shingles`.
    pub anchors: [u32; ANCHORS],
}

impl NearSketch {
    fn anchors(&self) -> &[u32] {
        &self.anchors[..(self.shingles as usize).min(ANCHORS)]
    }

    /// Whether the anchors are the whole shingle set.
    fn complete(&self) -> bool {
        self.shingles as usize <= ANCHORS
    }
}

/// splitmix64's finaliser: a cheap, well-mixed permutation of 64-bit values.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Whether `c` is written without spaces between words (Han, kana, Hangul), so that each
/// character counts as a word.
fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
            | 0x20000..=0x2FFFF)
}

/// The hashes of the lower-cased words of `text`, in order: words are separated by white
/// space, and each Han, kana or Hangul character is a word of its own.
pub fn words(text: &str) -> Vec<u64> {
    let mut hashes = Vec::new();
    let mut word = String::new();
    let mut flush = |word: &mut String| {
        if !word.is_empty() {
            hashes.push(xxh3_64(word.as_bytes()));
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word);
        } else if is_unspaced(c) {
            flush(&mut word);
            word.push(c);
            flush(&mut word);
        } else if c.is_ascii() {
            word.push(c.to_ascii_lowercase());
        } else {
            word.extend(c.to_lowercase());
        }
    }
    flush(&mut word);
    hashes
}

/// [`words`] as 32-bit keys: what candidates are confirmed on, at half the memory; two words
/// share a key by chance about once in four billion pairs.
pub fn word_keys(text: &str) -> Vec<u32> {
    words(text).into_iter().map(|h| (h >> 32) as u32).collect()
}

/// The sketch of `text` for the hash family of `seed`.
pub fn sketch(text: &str, seed: u64) -> NearSketch {
    let words = words(text);
    let salt = mix(seed ^ 0x6e65_6172);
    let mut anchors = [u32::MAX; ANCHORS];
    let mut kept = 0usize;
    // Whether a distinct shingle did not fit: the anchors are then a sample.
    let mut overflow = false;
    let mut offer = |hash: u64| {
        let value = (mix(hash ^ salt) >> 32) as u32;
        if kept == ANCHORS && value >= anchors[ANCHORS - 1] {
            overflow |= value > anchors[ANCHORS - 1];
            return;
        }
        if let Err(at) = anchors[..kept].binary_search(&value) {
            if kept == ANCHORS {
                overflow = true;
            } else {
                kept += 1;
            }
            anchors.copy_within(at..kept - 1, at + 1);
            anchors[at] = value;
        }
    };
    if words.len() < SHINGLE_WORDS {
        offer(words.iter().fold(0x0053_484f_5254, |acc, w| mix(acc ^ w)));
    } else {
        for window in words.windows(SHINGLE_WORDS) {
            offer(window[0].rotate_left(1) ^ window[1].rotate_left(23) ^ window[2]);
        }
    }
    NearSketch {
        words: words.len() as u32,
        shingles: kept as u32 + u32::from(overflow),
        anchors,
    }
}

/// The fewest words in order two examples of `a` and `b` words must share to be near copies
/// at `threshold`.
fn needed_common(a: usize, b: usize, threshold: f64) -> usize {
    // The epsilon keeps 0.9 × 200 = 180 from rounding up to 181.
    (threshold * a.max(b) as f64 - 1e-9).ceil().max(0.0) as usize
}

/// Whether two sketches can belong to near copies at `threshold`: their word counts allow it,
/// and their shingles are not far below what the fewest shared words leave (for complete
/// sketches) or they share [`MIN_SHARED_SAMPLES`] anchors (for samples).
fn plausible(
    a: &NearSketch,
    b: &NearSketch,
    threshold: f64,
    common_anchors: &FxHashSet<u32>,
) -> bool {
    let (wa, wb) = (a.words as usize, b.words as usize);
    let common = needed_common(wa, wb, threshold);
    if wa.min(wb) < common {
        return false;
    }
    if !(a.complete() && b.complete()) {
        return overlap(a.anchors(), b.anchors(), common_anchors).0 >= MIN_SHARED_SAMPLES;
    }
    let (shared, union) = overlap(a.anchors(), b.anchors(), &FxHashSet::default());
    // `common` words in order fall into at most `gaps` unchanged runs, and each run of r words
    // shares r - 2 shingles: a lower bound on the shared shingles.
    let gaps = 2 * (wa.max(wb) - common) + 1;
    let shared_bound = common.saturating_sub((SHINGLE_WORDS - 1) * gaps) as f64;
    let shingles = |w: usize| w.saturating_sub(SHINGLE_WORDS - 1).max(1);
    let sizes = (shingles(wa) + shingles(wb)) as f64;
    let floor = shared_bound / (sizes - shared_bound).max(1.0);
    shared as f64 / union.max(1) as f64 + REPEAT_SLACK >= floor
}

/// The values two ascending lists share (those in `ignored` aside), and the size of their
/// union (exact when nothing is ignored).
fn overlap(left: &[u32], right: &[u32], ignored: &FxHashSet<u32>) -> (usize, usize) {
    let (mut at_left, mut at_right, mut shared) = (0, 0, 0);
    // Branch-free steps: this runs for every candidate pair.
    while at_left < left.len() && at_right < right.len() {
        let (x, y) = (left[at_left], right[at_right]);
        shared += usize::from(x == y && (ignored.is_empty() || !ignored.contains(&x)));
        at_left += usize::from(x <= y);
        at_right += usize::from(y <= x);
    }
    (shared, left.len() + right.len() - shared)
}

/// Candidate pairs `(i, j)`, `i < j`, of sketches that share an anchor and may be near copies
/// at `threshold`, sorted; each is still to be confirmed with [`similarity_at_least`].
pub fn candidates(sketches: &[&NearSketch], threshold: f64) -> Vec<(usize, usize)> {
    let mut entries: Vec<u64> = sketches
        .iter()
        .enumerate()
        .flat_map(|(index, sketch)| {
            sketch
                .anchors()
                .iter()
                .map(move |&anchor| (u64::from(anchor) << 32) | index as u64)
        })
        .collect();
    entries.par_sort_unstable();
    let common_size = COMMON_AT_LEAST.max(sketches.len() / COMMON_SHARE);
    let mut groups: Vec<&[u64]> = Vec::new();
    let mut common_anchors = FxHashSet::default();
    for group in entries.chunk_by(|x, y| x >> 32 == y >> 32) {
        if group.len() > common_size {
            common_anchors.insert((group[0] >> 32) as u32);
        } else if group.len() > 1 {
            groups.push(group);
        }
    }
    // Spread big groups over the threads; the order of pairs is restored by the sort below.
    groups.sort_unstable_by_key(|group| std::cmp::Reverse(group.len()));
    let mut pairs: Vec<(usize, usize)> = groups
        .into_par_iter()
        .flat_map_iter(|group| {
            let anchor = (group[0] >> 32) as u32;
            let mut members: Vec<usize> =
                group.iter().map(|e| (e & 0xffff_ffff) as usize).collect();
            let window = if members.len() <= ALL_PAIRS_UP_TO {
                ALL_PAIRS_UP_TO
            } else {
                // Neighbours by the next anchor, which near copies likely share as well.
                let mut keyed: Vec<(u32, usize)> = members
                    .iter()
                    .map(|&m| {
                        let next = sketches[m]
                            .anchors()
                            .iter()
                            .find(|&&a| a != anchor && !common_anchors.contains(&a));
                        (next.copied().unwrap_or(u32::MAX), m)
                    })
                    .collect();
                keyed.sort_unstable();
                members = keyed.into_iter().map(|(_, m)| m).collect();
                NEIGHBOURS
            };
            let mut found = Vec::new();
            for (n, &i) in members.iter().enumerate() {
                for &j in &members[n.saturating_sub(window)..n] {
                    if plausible(sketches[i], sketches[j], threshold, &common_anchors) {
                        found.push((i.min(j), i.max(j)));
                    }
                }
            }
            found
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

/// The share of the longer word sequence that the other has in the same order, when it is at
/// least `threshold`; `None` below it.
pub fn similarity_at_least(a: &[u32], b: &[u32], threshold: f64) -> Option<f64> {
    let longer = a.len().max(b.len());
    if longer == 0 {
        return Some(1.0);
    }
    let needed = needed_common(a.len(), b.len(), threshold);
    if a.len().min(b.len()) < needed {
        return None;
    }
    // Myers' O((N + M) D) difference algorithm, stopped once the edits exceed what `needed`
    // allows: common = (N + M - D) / 2.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    let limit = (a.len() + b.len() + 2 * (prefix + suffix)).saturating_sub(2 * needed);
    let distance = edit_distance(a, b, limit)?;
    let common = prefix + suffix + (a.len() + b.len() - distance) / 2;
    Some(common as f64 / longer as f64)
}

/// The fewest insertions and deletions that turn `a` into `b`, when at most `limit`.
fn edit_distance(from: &[u32], to: &[u32], limit: usize) -> Option<usize> {
    let (rows, columns) = (from.len() as isize, to.len() as isize);
    if rows == 0 || columns == 0 {
        let total = (rows + columns) as usize;
        return (total <= limit).then_some(total);
    }
    let max = limit.min((rows + columns) as usize) as isize;
    let offset = max + 1;
    // The furthest row reached on each diagonal (row - column), shifted by `offset`.
    let mut furthest = vec![0isize; 2 * offset as usize + 1];
    for edits in 0..=max {
        let mut diagonal = -edits;
        while diagonal <= edits {
            let at = (diagonal + offset) as usize;
            let mut row = if diagonal == -edits
                || (diagonal != edits && furthest[at - 1] < furthest[at + 1])
            {
                furthest[at + 1]
            } else {
                furthest[at - 1] + 1
            };
            let mut column = row - diagonal;
            while row < rows && column < columns && from[row as usize] == to[column as usize] {
                row += 1;
                column += 1;
            }
            furthest[at] = row;
            if row >= rows && column >= columns {
                return Some(edits as usize);
            }
            diagonal += 2;
        }
    }
    None
}

/// Groups of indices connected by pairs (union-find), each group sorted, groups by first index.
pub fn clusters(count: usize, pairs: &[(usize, usize, f64)]) -> Vec<Vec<usize>> {
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..count).collect();
    for &(i, j, _) in pairs {
        let (a, b) = (root(&mut parent, i), root(&mut parent, j));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); count];
    for i in 0..count {
        let r = root(&mut parent, i);
        groups[r].push(i);
    }
    groups.retain(|g| !g.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Near copies at `threshold` among `texts`, found the way the commands find them.
    fn near_pairs(texts: &[String], threshold: f64) -> Vec<(usize, usize)> {
        let sketches: Vec<NearSketch> = texts.iter().map(|t| sketch(t, 42)).collect();
        let refs: Vec<&NearSketch> = sketches.iter().collect();
        candidates(&refs, threshold)
            .into_iter()
            .filter(|&(i, j)| {
                similarity_at_least(&word_keys(&texts[i]), &word_keys(&texts[j]), threshold)
                    .is_some()
            })
            .collect()
    }

    const VOCABULARY: [&str; 40] = [
        "store", "opens", "at", "nine", "and", "closes", "six", "the", "drill", "aisle", "four",
        "screws", "are", "in", "seven", "price", "of", "a", "hammer", "is", "ten", "dollars", "we",
        "ship", "orders", "daily", "refund", "takes", "three", "days", "call", "our", "desk",
        "for", "help", "paint", "mixing", "free", "with", "purchase",
    ];

    fn sentence(seed: u64, n: usize) -> Vec<&'static str> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = mix(state.wrapping_add(0x9e37_79b9_7f4a_7c15));
                VOCABULARY[(state % VOCABULARY.len() as u64) as usize]
            })
            .collect()
    }

    #[test]
    fn one_word_replaced_in_a_short_example_is_a_near_copy() {
        let base = "user when does the store open on sunday assistant the store opens at nine \
                    and closes at six pm";
        let near = base.replace("sunday", "saturday");
        assert_eq!(words(base).len(), 19);
        let pairs = near_pairs(&[base.to_owned(), near.clone()], DEFAULT_THRESHOLD);
        assert_eq!(pairs, [(0, 1)]);
        let similarity = similarity_at_least(&word_keys(base), &word_keys(&near), 0.9).unwrap();
        assert!((similarity - 18.0 / 19.0).abs() < 1e-9, "{similarity}");
    }

    #[test]
    fn similarity_counts_words_kept_in_order() {
        let w = |s: &str| word_keys(s);
        assert_eq!(
            similarity_at_least(&w("a b c d"), &w("A  b c d"), 1.0),
            Some(1.0)
        );
        assert_eq!(
            similarity_at_least(&w("a b c d"), &w("a x c d"), 0.75),
            Some(0.75)
        );
        assert_eq!(similarity_at_least(&w("a b c d"), &w("a x c d"), 0.8), None);
        assert_eq!(
            similarity_at_least(&w("a b c d"), &w("a b c d e"), 0.8),
            Some(0.8)
        );
        assert_eq!(similarity_at_least(&w("a b c d"), &w("d c b a"), 0.5), None);
        assert_eq!(similarity_at_least(&w(""), &w(""), 0.9), Some(1.0));
        // Characters of unspaced scripts are words.
        assert_eq!(words("模型数据 ok").len(), 5);
    }

    #[test]
    fn clearly_different_examples_are_not_near_copies() {
        let texts: Vec<String> = (0..200)
            .map(|i| sentence(i, 10 + (i as usize % 50)).join(" "))
            .collect();
        assert_eq!(near_pairs(&texts, DEFAULT_THRESHOLD), []);
        // Examples that differ only in a number, over a short text, differ in too many words.
        let templated: Vec<String> = (0..50)
            .map(|i| format!("system be brief. user question {i}? assistant answer {i}."))
            .collect();
        assert_eq!(near_pairs(&templated, DEFAULT_THRESHOLD), []);
    }

    #[test]
    fn a_long_shared_system_prompt_does_not_make_the_work_quadratic() {
        let prompt = sentence(7, 60).join(" ");
        let texts: Vec<String> = (0..3000)
            .map(|i| format!("system {prompt} user {}", sentence(1000 + i, 30).join(" ")))
            .collect();
        let sketches: Vec<NearSketch> = texts.iter().map(|t| sketch(t, 42)).collect();
        let refs: Vec<&NearSketch> = sketches.iter().collect();
        let found = candidates(&refs, DEFAULT_THRESHOLD);
        assert!(found.len() < 3000 * NEIGHBOURS * ANCHORS, "{}", found.len());
    }

    #[test]
    fn clusters_join_transitively() {
        let pairs = [(0, 2, 1.0), (2, 3, 0.9)];
        assert_eq!(clusters(4, &pairs), vec![vec![0, 2, 3], vec![1]]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Every example with a tenth of its words replaced (one of them perhaps inserted or
        /// deleted instead) is found as a near copy of the original, for 10 to 200 words, and
        /// random sentences of the same words are not.
        #[test]
        fn a_tenth_of_the_words_replaced_is_always_a_near_copy(
            seed in any::<u64>(),
            n in 10usize..=200,
            positions in proptest::collection::vec(any::<prop::sample::Index>(), 20),
            kind in 0u8..3,
        ) {
            let original = sentence(seed, n);
            let mut copy = original.clone();
            let mut replaced = std::collections::BTreeSet::new();
            // One of the edits may be an insertion or a deletion instead of a replacement.
            let replacements = if kind == 0 { n / 10 } else { n / 10 - 1 };
            for index in &positions[..replacements] {
                // The next free position, so that exactly `replacements` words change.
                let mut at = index.index(n);
                while !replaced.insert(at) {
                    at = (at + 1) % n;
                }
                copy[at] = "REPLACED";
            }
            let at = positions[0].index(n);
            match kind {
                1 => copy.insert(at, "inserted"),
                2 => drop(copy.remove(at)),
                _ => {}
            }
            let noise: Vec<String> = (0..20).map(|i| sentence(seed ^ (i + 1), n).join(" ")).collect();
            let mut texts = vec![original.join(" ")];
            texts.extend(noise);
            texts.push(copy.join(" "));
            let pairs = near_pairs(&texts, DEFAULT_THRESHOLD);
            prop_assert!(pairs.contains(&(0, texts.len() - 1)), "{pairs:?}");
            prop_assert!(pairs.iter().all(|&(i, j)| (i, j) == (0, texts.len() - 1)), "{pairs:?}");
        }
    }
}
