//! Exact, same-prompt and near-duplicate removal.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::near::clusters;
use super::{PrepareError, Sketch, WordSource, near_pairs};

/// What to treat as a duplicate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DedupeOptions {
    /// Similarity (see [`super::near`]) from which examples are near duplicates; `None` turns
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
    /// Removed lines with their similarity to the kept one.
    pub removed: Vec<NearCopy>,
}

/// A removed near duplicate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NearCopy {
    /// The removed line.
    pub line: u64,
    /// The share of the longer example's words the other has in the same order (see
    /// [`super::near`]), with the kept line; for a line that is a near copy of the kept line
    /// only through other members of the cluster, with the member it is closest to.
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

/// Decides which examples to keep: the first of every group of duplicates. Near-copy
/// candidates are confirmed on the words `source` reads again.
pub fn dedupe(
    examples: &[Sketch],
    blank: &[u64],
    options: DedupeOptions,
    source: &dyn WordSource,
) -> Result<DedupeReport, PrepareError> {
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
        let pairs = near_pairs(&[(source, &survivors)], threshold)?;
        let clusters: Vec<Vec<usize>> = clusters(survivors.len(), &pairs)
            .into_iter()
            .filter(|c| c.len() > 1)
            .collect();
        let mut kept_of = vec![usize::MAX; survivors.len()];
        for cluster in &clusters {
            for &i in &cluster[1..] {
                kept_of[i] = cluster[0];
            }
        }
        // The similarity with the kept line where the two are near copies, else with the
        // closest member.
        let mut with_kept = vec![None; survivors.len()];
        let mut closest = vec![0.0f64; survivors.len()];
        for &(i, j, similarity) in &pairs {
            for (member, other) in [(i, j), (j, i)] {
                closest[member] = closest[member].max(similarity);
                if kept_of[member] == other {
                    with_kept[member] = Some(similarity);
                }
            }
        }
        for cluster in clusters {
            let removed_copies = cluster[1..]
                .iter()
                .map(|&i| {
                    removed[i] = true;
                    let similarity = with_kept[i].unwrap_or(closest[i]);
                    NearCopy {
                        line: survivors[i].line,
                        similarity: (similarity * 1000.0).round() / 1000.0,
                    }
                })
                .collect();
            report.near.push(NearCluster {
                kept: survivors[cluster[0]].line,
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
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::TextWords;
    use crate::prepare::near::sketch as near_sketch;

    fn sketch(line: u64, exact: u128, prompt: u128, text: &str) -> Sketch {
        Sketch {
            line,
            exact,
            prompt: Some(prompt),
            near: near_sketch(text, 42),
            stratum: 0,
        }
    }

    fn source(examples: &[(u64, &str)]) -> TextWords {
        TextWords(examples.iter().map(|&(l, t)| (l, t.to_owned())).collect())
    }

    #[test]
    fn every_line_is_accounted_for_once() {
        let long = "one two three four five six seven eight nine ten eleven twelve thirteen";
        let other = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda";
        let answer = "a completely different answer to the same prompt goes right here";
        let near = format!("{long} fourteen");
        let texts = [
            (1, long),
            (2, other),
            (4, long),
            (5, answer),
            (6, near.as_str()),
        ];
        let examples = [
            sketch(1, 1, 10, long),
            sketch(2, 2, 20, other),
            sketch(4, 1, 10, long),
            sketch(5, 3, 20, answer),
            sketch(6, 4, 30, &near),
        ];
        let options = DedupeOptions {
            near: Some(0.9),
            by_prompt: true,
        };
        let report = dedupe(&examples, &[3], options, &source(&texts)).unwrap();
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
        assert_eq!(
            report.near,
            [NearCluster {
                kept: 1,
                removed: vec![NearCopy {
                    line: 6,
                    similarity: 0.929
                }]
            }]
        );
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
        let options = DedupeOptions {
            near: None,
            by_prompt: false,
        };
        let report = dedupe(&examples, &[], options, &source(&[])).unwrap();
        assert_eq!(report.kept, [1, 2]);
    }
}
