//! Examples of a validation file that copy, exactly or nearly, examples of a training file.

use rustc_hash::FxHashMap;

use super::{PrepareError, Sketch, WordSource, near_pairs};

/// A validation example that copies a training example.
#[derive(Clone, Debug, PartialEq)]
pub struct Leak {
    /// Line in the validation file.
    pub validation_line: u64,
    /// Line in the training file.
    pub train_line: u64,
    /// Similarity of a near copy (see [`super::near`]); `None` for an exact copy.
    pub similarity: Option<f64>,
}

/// Every validation example that is an exact copy of a training example, or (with `near`) a
/// near copy, each with the first training example it copies; in validation line order. Near
/// copies are confirmed on the words each file's source reads again.
pub fn leaks(
    train: (&dyn WordSource, &[Sketch]),
    validation: (&dyn WordSource, &[Sketch]),
    near: Option<f64>,
) -> Result<Vec<Leak>, PrepareError> {
    let ((train_words, train), (validation_words, validation)) = (train, validation);
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
        let train_refs: Vec<&Sketch> = train.iter().collect();
        let validation_refs: Vec<&Sketch> = validation.iter().collect();
        let parts = [
            (train_words, train_refs.as_slice()),
            (validation_words, validation_refs.as_slice()),
        ];
        for (i, j, similarity) in near_pairs(&parts, threshold)? {
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
    Ok(leaks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::TextWords;
    use crate::prepare::near::sketch as near_sketch;

    fn sketch(line: u64, exact: u128, text: &str) -> Sketch {
        Sketch {
            line,
            exact,
            prompt: None,
            near: near_sketch(text, 42),
            stratum: 0,
        }
    }

    fn source(examples: &[(u64, &str)]) -> TextWords {
        TextWords(examples.iter().map(|&(l, t)| (l, t.to_owned())).collect())
    }

    #[test]
    fn finds_exact_and_near_copies_across_files_only() {
        let a = "one two three four five six seven eight nine ten eleven twelve";
        let b = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu";
        let unlike = "nothing like the others at all here in this line of words";
        let near = format!("{a} thirteen");
        let train = [sketch(1, 1, a), sketch(2, 2, b), sketch(3, 2, b)];
        let train_words = source(&[(1, a), (2, b), (3, b)]);
        let validation = [sketch(1, 9, unlike), sketch(2, 2, b), sketch(3, 7, &near)];
        let validation_words = source(&[(1, unlike), (2, b), (3, &near)]);
        let found = leaks(
            (&train_words, &train),
            (&validation_words, &validation),
            Some(0.9),
        )
        .unwrap();
        assert_eq!(
            found
                .iter()
                .map(|l| (l.validation_line, l.train_line, l.similarity))
                .collect::<Vec<_>>(),
            [(2, 2, None), (3, 1, Some(0.92))]
        );
        let exact_only = leaks(
            (&train_words, &train),
            (&validation_words, &validation),
            None,
        )
        .unwrap();
        assert_eq!(exact_only.len(), 1);
    }
}
