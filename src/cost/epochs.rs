//! The platform's default number of epochs.

use serde::Serialize;

/// Epochs when the dataset is small: aim for this many examples seen in all.
const MIN_TARGET_EXAMPLES: u64 = 100;
/// Epochs when the dataset is large: aim for at most this many examples seen in all.
const MAX_TARGET_EXAMPLES: u64 = 25_000;
/// The default before adjustment.
const DEFAULT_EPOCHS: u64 = 3;
/// The most epochs the heuristic picks.
const MAX_AUTO_EPOCHS: u64 = 25;

/// How many epochs to estimate for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Epochs {
    /// The platform's heuristic, [`auto_epochs`].
    Auto,
    /// A number given with `--epochs`.
    Fixed(u32),
}

/// Where the estimate's epochs come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EpochSource {
    /// The platform's heuristic.
    Auto,
    /// `--epochs`.
    User,
    /// The platform picks them by a rule it does not publish; the estimate counts one pass.
    Unpublished,
}

/// The platform's heuristic: 3 epochs, raised so that small datasets are seen about 100 times
/// in all (at most 25 epochs), lowered so that large ones are seen at most about 25,000 times
/// (at least 1 epoch).
pub fn auto_epochs(examples: u64) -> u32 {
    let n = examples.max(1);
    let epochs = if n * DEFAULT_EPOCHS < MIN_TARGET_EXAMPLES {
        MAX_AUTO_EPOCHS.min(MIN_TARGET_EXAMPLES / n)
    } else if n * DEFAULT_EPOCHS > MAX_TARGET_EXAMPLES {
        1.max(MAX_TARGET_EXAMPLES / n)
    } else {
        DEFAULT_EPOCHS
    };
    epochs as u32
}

#[cfg(test)]
mod tests {
    use super::auto_epochs;

    #[test]
    fn heuristic_at_its_edges() {
        for (examples, epochs) in [
            (3, 25),
            (5, 20),
            (10, 10),
            (33, 3),
            (34, 3),
            (8_333, 3),
            (8_334, 2),
            (12_500, 2),
            (12_501, 1),
            (25_000, 1),
            (1_000_000, 1),
        ] {
            assert_eq!(auto_epochs(examples), epochs, "{examples} examples");
        }
    }
}
