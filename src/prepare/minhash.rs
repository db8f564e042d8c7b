//! MinHash signatures of example text and locality-sensitive hashing to find near duplicates.

use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// Hash functions per signature.
pub const NUM_HASHES: usize = 64;

/// A MinHash signature: for each hash function, the least hash of the example's shingles.
pub type Signature = [u32; NUM_HASHES];

/// Words per shingle.
const SHINGLE_WORDS: usize = 3;

/// splitmix64's finaliser: a cheap, well-mixed permutation of 64-bit values.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The signature of `text` over lower-cased word 3-shingles, for the hash family of `seed`.
pub fn signature(text: &str, seed: u64) -> Signature {
    let lower = text.to_lowercase();
    let words: Vec<u64> = lower
        .split_whitespace()
        .map(|w| xxh3_64(w.as_bytes()))
        .collect();
    let salts: [u64; NUM_HASHES] = std::array::from_fn(|i| mix(seed ^ (i as u64 + 1)));
    let mut signature = [u32::MAX; NUM_HASHES];
    let mut shingle = |hash: u64| {
        for (slot, salt) in signature.iter_mut().zip(salts) {
            *slot = (*slot).min((mix(hash ^ salt) >> 32) as u32);
        }
    };
    if words.len() < SHINGLE_WORDS {
        shingle(xxh3_64_with_seed(lower.as_bytes(), seed));
    } else {
        for window in words.windows(SHINGLE_WORDS) {
            shingle(window[0].rotate_left(1) ^ window[1].rotate_left(23) ^ window[2]);
        }
    }
    signature
}

/// The share of equal positions: an estimate of the Jaccard similarity of the shingle sets.
pub fn similarity(a: &Signature, b: &Signature) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / NUM_HASHES as f64
}

/// Bands × rows splits of a signature, and the similarity each starts to catch pairs at.
const BANDINGS: [(usize, usize); 6] = [(64, 1), (32, 2), (16, 4), (8, 8), (4, 16), (2, 32)];

/// The banding whose catch threshold, (1/b)^(1/r), is the highest not above `threshold`, so
/// that pairs at the threshold are very likely candidates.
fn banding(threshold: f64) -> (usize, usize) {
    BANDINGS
        .into_iter()
        .rfind(|(b, r)| (1.0 / *b as f64).powf(1.0 / *r as f64) <= threshold)
        .unwrap_or(BANDINGS[0])
}

/// Candidate pairs `(i, j)`, `i < j`, of signatures that share a band, verified to have an
/// estimated similarity of at least `threshold`, each with that similarity.
pub fn similar_pairs(signatures: &[&Signature], threshold: f64) -> Vec<(usize, usize, f64)> {
    let (bands, rows) = banding(threshold);
    let mut pairs = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    for band in 0..bands {
        let mut buckets: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
        for (index, signature) in signatures.iter().enumerate() {
            let slice = &signature[band * rows..(band + 1) * rows];
            let mut key = band as u64;
            for value in slice {
                key = mix(key ^ u64::from(*value));
            }
            buckets.entry(key).or_default().push(index);
        }
        for members in buckets.into_values().filter(|m| m.len() > 1) {
            for (n, &i) in members.iter().enumerate() {
                for &j in &members[n + 1..] {
                    if seen.insert((i, j)) {
                        let similarity = similarity(signatures[i], signatures[j]);
                        if similarity >= threshold {
                            pairs.push((i, j, similarity));
                        }
                    }
                }
            }
        }
    }
    pairs.sort_by_key(|pair| (pair.0, pair.1));
    pairs
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
    let mut groups: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for i in 0..count {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by_key(|g| g[0]);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_texts_have_similar_signatures() {
        let base = "the quick brown fox jumps over the lazy dog near the river bank on a sunny day in june";
        let near = "the quick brown fox jumps over the lazy dog near the river bank on a rainy day in june";
        let far = "completely unrelated words about hardware stores and drills and aisle numbers for screws";
        let (a, b, c) = (signature(base, 7), signature(near, 7), signature(far, 7));
        assert!(similarity(&a, &b) > 0.6, "{}", similarity(&a, &b));
        assert!(similarity(&a, &c) < 0.2);
        assert_eq!(signature(base, 7), signature(&base.to_uppercase(), 7));
        assert_ne!(signature(base, 7), signature(base, 8));
    }

    #[test]
    fn pairs_and_clusters() {
        let texts = [
            "one two three four five six seven eight nine ten",
            "alpha beta gamma delta epsilon zeta eta theta iota kappa",
            "one two three four five six seven eight nine ten",
            "one two three four five six seven eight nine ten eleven",
        ];
        let signatures: Vec<Signature> = texts.iter().map(|t| signature(t, 1)).collect();
        let refs: Vec<&Signature> = signatures.iter().collect();
        let pairs = similar_pairs(&refs, 0.8);
        assert!(pairs.iter().any(|p| (p.0, p.1) == (0, 2)));
        assert!(pairs.iter().any(|p| (p.0, p.1) == (0, 3)));
        assert!(pairs.iter().all(|p| p.0 != 1 && p.1 != 1));
        assert_eq!(clusters(4, &pairs), vec![vec![0, 2, 3], vec![1]]);
    }

    #[test]
    fn banding_catches_the_threshold() {
        assert_eq!(banding(0.8), (8, 8));
        assert_eq!(banding(0.5), (16, 4));
        assert_eq!(banding(0.95), (4, 16));
    }
}
