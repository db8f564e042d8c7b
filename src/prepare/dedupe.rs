//! Exact, same-prompt and near-duplicate removal.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::Sketch;
use super::minhash::{Signature, clusters, similar_pairs};

/// What to treat as a duplicate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DedupeOptions {
    /// Estimated Jaccard similarity from which examples are near duplicates; `None` turns
    /// near-duplicate detection off.
    pub near: Option<f64>,
    /// Also remove examples whose prompt (everything before the last assistant message) is the
    /// same as an earlier example's.
    pub by_prompt: bool,
}

/// A removed duplicate and the line it duplicates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    /// The removed line.
    pub line: u64,
    /// The kept line it duplicates.
    pub duplicate_of: u64,
}

/// A group of near duplicates: the first is kept, the others removed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NearCluster {
    /// The kept line.
    pub kept: u64,
    /// Removed lines with their estimated similarity to the kept one.
    pub removed: Vec<NearCopy>,
}

/// A removed near duplicate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NearCopy {
    /// The removed line.
    pub line: u64,
    /// Estimated Jaccard similarity to the kept line, from the MinHash signatures.
    pub similarity: f64,
}

/// Every decision of a deduplication; each input line is in exactly one of the lists.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DedupeReport {
    /// Lines of the input.
    pub lines_in: u64,
    /// Kept lines.
    pub kept: Vec<u64>,
    /// Blank lines, dropped.
    pub blank: Vec<u64>,
    /// Exact copies (after normalisation), removed.
    pub exact: Vec<Duplicate>,
    /// Same prompt as an earlier example, removed (with `--by prompt`).
    pub same_prompt: Vec<Duplicate>,
    /// Near-duplicate clusters.
    pub near: Vec<NearCluster>,
}

impl DedupeReport {
    /// Lines removed as near duplicates.
    pub fn near_removed(&self) -> usize {
        self.near.iter().map(|cluster| cluster.removed.len()).sum()
    }
}

/// Decides which examples to keep: the first of every group of duplicates.
pub fn dedupe(examples: &[Sketch], blank: &[u64], options: DedupeOptions) -> DedupeReport {
    let mut report = DedupeReport {
        lines_in: examples.len() as u64 + blank.len() as u64,
        blank: blank.to_vec(),
        ..DedupeReport::default()
    };
    let mut first_exact: FxHashMap<u128, u64> = FxHashMap::default();
    let mut first_prompt: FxHashMap<u128, u64> = FxHashMap::default();
    let mut survivors: Vec<&Sketch> = Vec::with_capacity(examples.len());
    for example in examples {
        if let Some(&first) = first_exact.get(&example.exact) {
            report.exact.push(Duplicate {
                line: example.line,
                duplicate_of: first,
            });
            continue;
        }
        first_exact.insert(example.exact, example.line);
        if options.by_prompt
            && let Some(prompt) = example.prompt
        {
            if let Some(&first) = first_prompt.get(&prompt) {
                report.same_prompt.push(Duplicate {
                    line: example.line,
                    duplicate_of: first,
                });
                continue;
            }
            first_prompt.insert(prompt, example.line);
        }
        survivors.push(example);
    }
    let mut removed = vec![false; survivors.len()];
    if let Some(threshold) = options.near {
        let signatures: Vec<&Signature> = survivors.iter().map(|s| &s.signature).collect();
        let pairs = similar_pairs(&signatures, threshold);
        let similarity: FxHashMap<(usize, usize), f64> =
            pairs.iter().map(|&(i, j, s)| ((i, j), s)).collect();
        for cluster in clusters(survivors.len(), &pairs)
            .into_iter()
            .filter(|c| c.len() > 1)
        {
            let kept = cluster[0];
            let removed_copies = cluster[1..]
                .iter()
                .map(|&i| {
                    removed[i] = true;
                    let estimate = similarity.get(&(kept, i)).copied().unwrap_or_else(|| {
                        super::minhash::similarity(signatures[kept], signatures[i])
                    });
                    NearCopy {
                        line: survivors[i].line,
                        similarity: (estimate * 1000.0).round() / 1000.0,
                    }
                })
                .collect();
            report.near.push(NearCluster {
                kept: survivors[kept].line,
                removed: removed_copies,
            });
        }
    }
    report.kept = survivors
        .iter()
        .zip(&removed)
        .filter(|(_, removed)| !**removed)
        .map(|(sketch, _)| sketch.line)
        .collect();
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::minhash::signature;

    fn sketch(line: u64, exact: u128, prompt: u128, text: &str) -> Sketch {
        Sketch {
            line,
            exact,
            prompt: Some(prompt),
            signature: signature(text, 42),
            stratum: 0,
        }
    }

    #[test]
    fn every_line_is_accounted_for_once() {
        let long = "one two three four five six seven eight nine ten eleven twelve thirteen";
        let examples = [
            sketch(1, 1, 10, long),
            sketch(
                2,
                2,
                20,
                "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda",
            ),
            sketch(4, 1, 10, long),
            sketch(
                5,
                3,
                20,
                "a completely different answer to the same prompt goes right here",
            ),
            sketch(6, 4, 30, &format!("{long} fourteen")),
        ];
        let report = dedupe(
            &examples,
            &[3],
            DedupeOptions {
                near: Some(0.8),
                by_prompt: true,
            },
        );
        assert_eq!(report.kept, [1, 2]);
        assert_eq!(
            report.exact,
            [Duplicate {
                line: 4,
                duplicate_of: 1
            }]
        );
        assert_eq!(
            report.same_prompt,
            [Duplicate {
                line: 5,
                duplicate_of: 2
            }]
        );
        assert_eq!(report.near.len(), 1);
        assert_eq!(report.near[0].kept, 1);
        assert_eq!(report.near[0].removed[0].line, 6);
        assert_eq!(report.blank, [3]);
        let accounted = report.kept.len()
            + report.exact.len()
            + report.same_prompt.len()
            + report.near_removed()
            + report.blank.len();
        assert_eq!(accounted as u64, report.lines_in);
    }

    #[test]
    fn near_off_and_prompt_off_keep_more() {
        let examples = [sketch(1, 1, 10, "x y z w"), sketch(2, 2, 10, "x y z w")];
        let report = dedupe(
            &examples,
            &[],
            DedupeOptions {
                near: None,
                by_prompt: false,
            },
        );
        assert_eq!(report.kept, [1, 2]);
    }
}
