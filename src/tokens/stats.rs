//! Statistics of example lengths: the distribution and a histogram.

use serde::Serialize;

/// Per-example token counts: min, mean, median, 5th and 95th percentiles, max.
///
/// Percentiles use the nearest-rank method, so every figure but the mean is the length of a
/// real example.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Distribution {
    /// Shortest example.
    pub min: u32,
    /// Mean length, rounded to one decimal.
    pub mean: f64,
    /// Median (50th percentile).
    pub median: u32,
    /// 5th percentile.
    pub p5: u32,
    /// 95th percentile.
    pub p95: u32,
    /// Longest example.
    pub max: u32,
}

/// One bar of a histogram: examples whose length is in `from..=to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Bin {
    /// Shortest length counted in the bin.
    pub from: u32,
    /// Longest length counted in the bin.
    pub to: u32,
    /// Examples in the bin.
    pub examples: u64,
}

/// Bars in a histogram of example lengths.
const BINS: u32 = 10;

impl Distribution {
    /// The distribution of `lengths`, which it sorts; `None` when empty.
    pub fn of(lengths: &mut [u32]) -> Option<Self> {
        if lengths.is_empty() {
            return None;
        }
        lengths.sort_unstable();
        let sum: u64 = lengths.iter().map(|&n| u64::from(n)).sum();
        let mean = sum as f64 / lengths.len() as f64;
        Some(Self {
            min: lengths[0],
            mean: (mean * 10.0).round() / 10.0,
            median: nearest_rank(lengths, 50),
            p5: nearest_rank(lengths, 5),
            p95: nearest_rank(lengths, 95),
            max: lengths[lengths.len() - 1],
        })
    }
}

/// The value at percentile `p` of sorted `values`: the ⌈p/100 × n⌉-th smallest.
fn nearest_rank(sorted: &[u32], p: u64) -> u32 {
    let n = sorted.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    sorted[(rank - 1) as usize]
}

/// A histogram of sorted `lengths` in up to ten equal-width bins from min to max.
pub fn histogram(sorted: &[u32]) -> Vec<Bin> {
    let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
        return Vec::new();
    };
    let width = (max - min) / BINS + 1;
    let mut bins: Vec<Bin> = (0..BINS)
        .map(|i| min + i * width)
        .take_while(|from| *from <= max)
        .map(|from| Bin {
            from,
            to: (from + width - 1).min(max),
            examples: 0,
        })
        .collect();
    for &length in sorted {
        bins[((length - min) / width) as usize].examples += 1;
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut lengths: Vec<u32> = (1..=100).rev().collect();
        let d = Distribution::of(&mut lengths).unwrap();
        assert_eq!((d.min, d.p5, d.median, d.p95, d.max), (1, 5, 50, 95, 100));
        assert!((d.mean - 50.5).abs() < 1e-9);
        let one = Distribution::of(&mut [7]).unwrap();
        assert_eq!(
            (one.min, one.p5, one.median, one.p95, one.max),
            (7, 7, 7, 7, 7)
        );
        assert!(Distribution::of(&mut []).is_none());
    }

    #[test]
    fn histogram_covers_every_example() {
        let sorted: Vec<u32> = (40..=190).collect();
        let bins = histogram(&sorted);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins[0].from, 40);
        assert_eq!(bins.last().unwrap().to, 190);
        assert_eq!(
            bins.iter().map(|b| b.examples).sum::<u64>(),
            sorted.len() as u64
        );
        assert_eq!(
            histogram(&[5, 5, 5]),
            [Bin {
                from: 5,
                to: 5,
                examples: 3
            }]
        );
    }
}
