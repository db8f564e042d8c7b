//! Examples of a validation file that copy, exactly or nearly, examples of a training file.

use rustc_hash::FxHashMap;

use super::Sketch;
use super::minhash::{Signature, similar_pairs};

/// A validation example that copies a training example.
#[derive(Clone, Debug, PartialEq)]
pub struct Leak {
    /// Line in the validation file.
    pub validation_line: u64,
    /// Line in the training file.
    pub train_line: u64,
    /// Estimated similarity of a near copy; `None` for an exact copy.
    pub similarity: Option<f64>,
}

/// Every validation example that is an exact copy of a training example, or (with `near`) a
/// near copy, each with the first training example it copies; in validation line order.
pub fn leaks(train: &[Sketch], validation: &[Sketch], near: Option<f64>) -> Vec<Leak> {
    let mut first: FxHashMap<u128, u64> = FxHashMap::default();
    for example in train {
        first.entry(example.exact).or_insert(example.line);
    }
    let mut found: FxHashMap<u64, Leak> = FxHashMap::default();
    for example in validation {
        if let Some(&train_line) = first.get(&example.exact) {
            found.insert(
                example.line,
                Leak {
                    validation_line: example.line,
                    train_line,
                    similarity: None,
                },
            );
        }
    }
    if let Some(threshold) = near {
        let signatures: Vec<&Signature> = train
            .iter()
            .chain(validation)
            .map(|example| &example.signature)
            .collect();
        for (i, j, similarity) in similar_pairs(&signatures, threshold) {
            // Pairs are ordered, and training examples come first.
            if i >= train.len() || j < train.len() {
                continue;
            }
            let (train_example, validation_example) = (&train[i], &validation[j - train.len()]);
            let leak = Leak {
                validation_line: validation_example.line,
                train_line: train_example.line,
                similarity: Some((similarity * 100.0).round() / 100.0),
            };
            found
                .entry(validation_example.line)
                .and_modify(|known| {
                    if known.similarity.is_some() && leak.train_line < known.train_line {
                        *known = leak.clone();
                    }
                })
                .or_insert(leak);
        }
    }
    let mut leaks: Vec<Leak> = found.into_values().collect();
    leaks.sort_by_key(|leak| leak.validation_line);
    leaks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::minhash::signature;

    fn sketch(line: u64, exact: u128, text: &str) -> Sketch {
        Sketch {
            line,
            exact,
            prompt: None,
            signature: signature(text, 42),
            stratum: 0,
        }
    }

    #[test]
    fn finds_exact_and_near_copies_across_files_only() {
        let a = "one two three four five six seven eight nine ten eleven twelve";
        let b = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu";
        let train = [sketch(1, 1, a), sketch(2, 2, b), sketch(3, 2, b)];
        let validation = [
            sketch(
                1,
                9,
                "nothing like the others at all here in this line of words",
            ),
            sketch(2, 2, b),
            sketch(3, 7, &format!("{a} thirteen")),
        ];
        let found = leaks(&train, &validation, Some(0.8));
        assert_eq!(found.len(), 2);
        assert_eq!(
            (
                found[0].validation_line,
                found[0].train_line,
                found[0].similarity
            ),
            (2, 2, None)
        );
        assert_eq!((found[1].validation_line, found[1].train_line), (3, 1));
        assert!(found[1].similarity.unwrap() >= 0.8);
        assert_eq!(leaks(&train, &validation, None).len(), 1);
    }
}
