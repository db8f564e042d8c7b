//! A seeded train/validation split that keeps duplicates on one side.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::near::clusters;
use super::{PrepareError, Sketch, WordSource, near_pairs};

/// How many examples go to validation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValidationSize {
    /// A share of the examples, between 0 and 1.
    Fraction(f64),
    /// A number of examples.
    Count(u64),
}

/// How to split.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SplitOptions {
    /// The validation side's size.
    pub validation: ValidationSize,
    /// Seed of the shuffle: the same seed and input give the same split.
    pub seed: u64,
    /// Similarity from which examples count as near duplicates and stay together; `None`
    /// keeps only exact duplicates together.
    pub near: Option<f64>,
    /// The fewest examples either side may have: the platform's minimum.
    pub min_examples: u64,
    /// The most examples the validation side may have, where the platform states a number:
    /// a larger size asked for is capped at it.
    pub max_validation: Option<u64>,
}

/// The lines of each side, in input order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SplitReport {
    /// Training lines.
    pub train: Vec<u64>,
    /// Validation lines.
    pub validation: Vec<u64>,
    /// Groups of duplicates (exact or near) kept on one side.
    pub duplicate_groups: usize,
    /// The validation size asked for, where it was over the platform's maximum and the side
    /// was capped at that.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_capped_from: Option<u64>,
}

/// A deterministic generator for the shuffle (splitmix64), the same on every platform.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Splits `examples`, keeping every group of duplicates on one side; refuses a split that
/// leaves either side under the platform minimum ([`PrepareError::Split`]). Near-copy
/// candidates are confirmed on the words `source` reads again.
pub fn split(
    examples: &[Sketch],
    options: SplitOptions,
    source: &dyn WordSource,
) -> Result<SplitReport, PrepareError> {
    let n = examples.len() as u64;
    let wanted = match options.validation {
        ValidationSize::Count(count) => count,
        // The share is between 0 and 1, so the product is a non-negative count.
        #[allow(clippy::cast_sign_loss)]
        ValidationSize::Fraction(share) => (n as f64 * share).round() as u64,
    };
    let validation_capped_from = options
        .max_validation
        .filter(|maximum| wanted > *maximum)
        .map(|_| wanted);
    let wanted = options
        .max_validation
        .map_or(wanted, |maximum| wanted.min(maximum));
    let min = options.min_examples;
    let too_small = |validation: u64| {
        format!(
            "a split of {n} examples into {} for training and {validation} for validation leaves a side under the minimum of {min} examples; {}",
            n.saturating_sub(validation),
            if n < 2 * min {
                format!("the file needs at least {} examples to split", 2 * min)
            } else {
                format!("ask for between {min} and {} validation examples", n - min)
            }
        )
    };
    if wanted < min || n.saturating_sub(wanted) < min {
        return Err(PrepareError::Split(too_small(wanted)));
    }
    let groups = duplicate_groups(examples, options.near, source)?;
    let duplicate_groups = groups.iter().filter(|g| g.len() > 1).count();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    let mut rng = SplitMix(options.seed);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut quotas = quotas(examples, wanted);
    let mut in_validation = vec![false; examples.len()];
    let mut taken = 0u64;
    for group in order.into_iter().map(|g| &groups[g]) {
        let Some(quota) = quotas.get_mut(&examples[group[0]].stratum) else {
            continue;
        };
        if group.len() as u64 <= *quota {
            *quota -= group.len() as u64;
            taken += group.len() as u64;
            for &i in group {
                in_validation[i] = true;
            }
        }
    }
    if taken < min {
        return Err(PrepareError::Split(too_small(taken)));
    }
    let (mut train, mut validation) = (Vec::new(), Vec::new());
    for (example, validation_side) in examples.iter().zip(in_validation) {
        if validation_side {
            validation.push(example.line);
        } else {
            train.push(example.line);
        }
    }
    Ok(SplitReport {
        train,
        validation,
        duplicate_groups,
        validation_capped_from,
    })
}

/// Each stratum's share of the `wanted` validation examples, in proportion to its size (one
/// stratum when not stratifying); the largest strata are served first and the last takes the
/// rounding remainder.
fn quotas(examples: &[Sketch], wanted: u64) -> FxHashMap<u64, u64> {
    let mut sizes: FxHashMap<u64, u64> = FxHashMap::default();
    for example in examples {
        *sizes.entry(example.stratum).or_default() += 1;
    }
    let mut strata: Vec<(u64, u64)> = sizes.into_iter().collect();
    strata.sort_unstable_by_key(|&(key, size)| (std::cmp::Reverse(size), key));
    let total = examples.len() as u64;
    let mut remaining = wanted;
    let last = strata.len().saturating_sub(1);
    strata
        .into_iter()
        .enumerate()
        .map(|(position, (key, size))| {
            let share = if position == last {
                remaining
            } else {
                (size * wanted + total / 2) / total
            };
            let share = share.min(remaining);
            remaining -= share;
            (key, share)
        })
        .collect()
}

/// Indices of examples grouped so that exact and near duplicates share a group.
fn duplicate_groups(
    examples: &[Sketch],
    near: Option<f64>,
    source: &dyn WordSource,
) -> Result<Vec<Vec<usize>>, PrepareError> {
    let mut pairs = Vec::new();
    let mut first: FxHashMap<u128, usize> = FxHashMap::default();
    for (i, example) in examples.iter().enumerate() {
        if let Some(&j) = first.get(&example.exact) {
            pairs.push((j, i, 1.0));
        } else {
            first.insert(example.exact, i);
        }
    }
    if let Some(threshold) = near {
        let refs: Vec<&Sketch> = examples.iter().collect();
        pairs.extend(near_pairs(&[(source, &refs)], threshold)?);
    }
    Ok(clusters(examples.len(), &pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::TextWords;
    use crate::prepare::near::sketch;

    fn text(line: u64) -> String {
        format!("example number {line} with words {}", line * 7919)
    }

    fn examples(n: u64) -> Vec<Sketch> {
        (1..=n)
            .map(|line| Sketch {
                line,
                exact: u128::from(line),
                prompt: None,
                near: sketch(&text(line), 1),
                stratum: 0,
            })
            .collect()
    }

    /// Splits with the words of [`text`] for every line.
    fn split(data: &[Sketch], options: SplitOptions) -> Result<SplitReport, PrepareError> {
        let texts = TextWords(data.iter().map(|s| (s.line, text(s.line))).collect());
        super::split(data, options, &texts)
    }

    fn options(validation: ValidationSize, seed: u64) -> SplitOptions {
        SplitOptions {
            validation,
            seed,
            near: Some(0.9),
            min_examples: crate::lint::dataset::too_few_examples::MIN_EXAMPLES,
            max_validation: None,
        }
    }

    #[test]
    fn deterministic_for_a_seed_and_different_across_seeds() {
        let data = examples(100);
        let a = split(&data, options(ValidationSize::Fraction(0.2), 42)).unwrap();
        assert_eq!(
            a,
            split(&data, options(ValidationSize::Fraction(0.2), 42)).unwrap()
        );
        assert_ne!(
            a,
            split(&data, options(ValidationSize::Fraction(0.2), 43)).unwrap()
        );
        assert_eq!(a.validation.len(), 20);
        assert_eq!(a.train.len(), 80);
    }

    #[test]
    fn duplicates_stay_on_one_side() {
        let mut data = examples(60);
        for i in 0..20 {
            // Lines 41..60 copy lines 1..20.
            data[40 + i].exact = data[i].exact;
            data[40 + i].near = data[i].near;
        }
        for seed in 0..20 {
            let report = split(&data, options(ValidationSize::Count(15), seed)).unwrap();
            for i in 0..20u64 {
                let (a, b) = (i + 1, i + 41);
                assert_eq!(
                    report.validation.contains(&a),
                    report.validation.contains(&b),
                    "seed {seed}"
                );
            }
        }
    }

    #[test]
    fn strata_get_their_share() {
        let mut data = examples(100);
        for example in &mut data[..80] {
            example.stratum = 1;
        }
        for example in &mut data[80..] {
            example.stratum = 2;
        }
        let report = split(&data, options(ValidationSize::Count(20), 3)).unwrap();
        let from_small = report.validation.iter().filter(|line| **line > 80).count();
        assert_eq!(report.validation.len(), 20);
        assert_eq!(from_small, 4);
    }

    #[test]
    fn refuses_sides_under_the_minimum() {
        let data = examples(25);
        assert!(split(&data, options(ValidationSize::Count(9), 1)).is_err());
        assert!(split(&data, options(ValidationSize::Count(16), 1)).is_err());
        assert!(split(&data, options(ValidationSize::Count(10), 1)).is_ok());
        let error = split(&examples(15), options(ValidationSize::Fraction(0.5), 1)).unwrap_err();
        assert!(
            error.to_string().contains("needs at least 20 examples"),
            "{error}"
        );
    }

    #[test]
    fn short_examples_one_word_apart_stay_on_one_side() {
        // 21 words with one replaced (a word 3-shingle Jaccard of 0.74); examples of other
        // stores differ in 5 words.
        let base = |i: u64, day: &str| {
            format!(
                "user when does store {i} open on {day} assistant store {i} opens at {i}0 and closes at {i}1 near aisle {i}2"
            )
        };
        let mut texts = rustc_hash::FxHashMap::default();
        let mut data = Vec::new();
        for i in 1..=60u64 {
            let day = if i > 30 { "saturday" } else { "sunday" };
            let store = if i > 30 { i - 30 } else { i };
            texts.insert(i, base(store, day));
            data.push(Sketch {
                line: i,
                exact: u128::from(i),
                prompt: None,
                near: sketch(&texts[&i], 1),
                stratum: 0,
            });
        }
        let texts = TextWords(texts);
        for seed in 0..10 {
            let options = options(ValidationSize::Count(20), seed);
            let report = super::split(&data, options, &texts).unwrap();
            assert_eq!(report.duplicate_groups, 30);
            for i in 1..=30u64 {
                assert_eq!(
                    report.validation.contains(&i),
                    report.validation.contains(&(i + 30)),
                    "seed {seed}, line {i}"
                );
            }
        }
    }
}
