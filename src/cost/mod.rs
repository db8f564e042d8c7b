//! Prices, limits and the cost estimate.
//!
//! Every fine-tunable model lives in one data file (`models.json`, embedded in the binary and
//! replaceable with `--pricing FILE`): its aliases, tokenizer encoding, per-example token limit,
//! training price for each method it supports, shutdown date, and where each figure comes from.

mod epochs;
mod prices;

pub use epochs::{EpochSource, Epochs, auto_epochs};
pub use prices::{Method, ModelEntry, PriceTable, PricingError, Rate, UnknownModel};

use serde::Serialize;

use crate::provider::DefaultEpochs;

/// What training a dataset will cost, before anyone pays.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// The model's canonical name.
    pub model: String,
    /// Epochs the job will run; one where the platform picks them by an unpublished rule.
    pub epochs: u32,
    /// Whether the epochs come from the platform's heuristic or from `--epochs`.
    pub epochs_source: EpochSource,
    /// Σ min(limit, tokens of the example): the tokens billed for one pass over the data.
    pub billed_tokens_per_epoch: u64,
    /// `billed_tokens_per_epoch × epochs`.
    pub billed_tokens: u64,
    /// Training price per million tokens; `None` when the price table has none for the method.
    pub price_per_million_usd: Option<f64>,
    /// `billed_tokens × price / 1e6`; `None` when the price is unknown or billing is per hour.
    pub cost_usd: Option<f64>,
    /// The hourly training price, for methods billed by training time (reinforcement).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_per_hour_usd: Option<f64>,
}

impl Estimate {
    /// The estimate for training `model` with `method` on `examples` examples billing
    /// `billed_tokens_per_epoch` tokens per pass.
    pub fn new(
        model: &ModelEntry,
        method: Method,
        examples: u64,
        billed_tokens_per_epoch: u64,
        epochs: Epochs,
    ) -> Self {
        let (epochs, epochs_source) = match epochs {
            Epochs::Fixed(n) => (n, EpochSource::User),
            // Together runs one epoch unless told otherwise; OpenAI sizes epochs to the data.
            Epochs::Auto => match model.provider.facts().default_epochs {
                DefaultEpochs::Fixed(n) => (n, EpochSource::Auto),
                DefaultEpochs::Heuristic => (auto_epochs(examples), EpochSource::Auto),
                DefaultEpochs::Unpublished => (1, EpochSource::Unpublished),
            },
        };
        let billed_tokens = billed_tokens_per_epoch * u64::from(epochs);
        let price = model.per_million_tokens(method);
        let hourly = match model.training.get(&method) {
            Some(Rate::PerHour { usd_per_hour }) => Some(*usd_per_hour),
            _ => None,
        };
        Self {
            model: model.name.clone(),
            epochs,
            epochs_source,
            billed_tokens_per_epoch,
            billed_tokens,
            price_per_million_usd: price,
            // Without the number of passes, a price per token gives no cost.
            cost_usd: price
                .filter(|_| epochs_source != EpochSource::Unpublished)
                .map(|price| billed_tokens as f64 * price / 1e6),
            price_per_hour_usd: hourly,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_billed_tokens_times_price() {
        let table = PriceTable::embedded();
        let model = table.find("gpt-4o-mini").unwrap();
        let estimate = Estimate::new(model, Method::Supervised, 12, 1234, Epochs::Auto);
        assert_eq!(estimate.epochs, 8);
        assert_eq!(estimate.epochs_source, EpochSource::Auto);
        assert_eq!(estimate.billed_tokens, 9872);
        assert_eq!(estimate.price_per_million_usd, Some(3.0));
        assert!((estimate.cost_usd.unwrap() - 0.029_616).abs() < 1e-9);
        let fixed = Estimate::new(model, Method::Supervised, 12, 1000, Epochs::Fixed(2));
        assert_eq!((fixed.epochs, fixed.billed_tokens), (2, 2000));
        assert_eq!(fixed.epochs_source, EpochSource::User);
    }

    #[test]
    fn unknown_price_gives_no_cost() {
        let table = PriceTable::embedded();
        let model = table.find("o4-mini").unwrap();
        let estimate = Estimate::new(model, Method::Reinforcement, 100, 1000, Epochs::Auto);
        assert_eq!(estimate.price_per_million_usd, None);
        assert_eq!(estimate.cost_usd, None);
        assert_eq!(estimate.price_per_hour_usd, Some(100.0));
        let gpt = table.find("gpt-4.1").unwrap();
        let dpo = Estimate::new(gpt, Method::Dpo, 100, 1000, Epochs::Auto);
        assert_eq!((dpo.price_per_million_usd, dpo.cost_usd), (None, None));
    }
}
