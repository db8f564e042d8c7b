//! The price table: one data file, embedded and overridable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::api::Provider;
use crate::tokens::Encoding;

/// The embedded table.
const EMBEDDED: &str = include_str!("models.json");

pub use crate::dataset::Method;

/// How a method is billed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Rate {
    /// Per million training tokens.
    PerToken {
        /// US dollars per million tokens.
        usd_per_million_tokens: f64,
    },
    /// Per hour of training.
    PerHour {
        /// US dollars per hour.
        usd_per_hour: f64,
    },
}

/// One fine-tunable model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// Canonical (snapshot) name.
    pub name: String,
    /// Other names that mean this model.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The tokenizer encoding.
    pub encoding: Encoding,
    /// Tokens per example the platform trains on; longer examples are truncated.
    pub example_token_limit: Option<u32>,
    /// The provider that trains it (`openai` models also train on Azure OpenAI).
    #[serde(default)]
    pub provider: Provider,
    /// Training rates by method; empty where the provider prices each job itself.
    pub training: BTreeMap<Method, Rate>,
    /// When the base model stops being available for fine-tuning, where announced (YYYY-MM-DD).
    pub shutdown: Option<String>,
    /// When the provider stops taking new fine-tuning jobs for it, where announced (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_ends: Option<String>,
    /// Where the figures come from.
    pub source: String,
    /// When the figures were checked (YYYY-MM-DD).
    pub checked: String,
}

impl ModelEntry {
    /// Whether its token counts are approximate: open models have tokenizers of their own,
    /// counted here with the closest tiktoken encoding unless `--tokenizer` gives theirs.
    pub fn approximate_tokens(&self) -> bool {
        self.provider == Provider::Together
    }

    /// The dates after which the model cannot be fine-tuned, with what each means, for a
    /// warning: `(date, what happens)`.
    pub fn deadlines(&self) -> Vec<(&str, &'static str)> {
        let mut deadlines = Vec::new();
        if let Some(date) = &self.training_ends {
            deadlines.push((date.as_str(), "stops taking new fine-tuning jobs"));
        }
        if let Some(date) = &self.shutdown {
            deadlines.push((date.as_str(), "retires the model for fine-tuning"));
        }
        deadlines
    }

    /// The per-token price of `method`, if it is billed per token.
    pub fn per_million_tokens(&self, method: Method) -> Option<f64> {
        match self.training.get(&method)? {
            Rate::PerToken {
                usd_per_million_tokens,
            } => Some(*usd_per_million_tokens),
            Rate::PerHour { .. } => None,
        }
    }
}

/// The table of models.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    /// Format version of the file.
    pub version: u32,
    /// Every model.
    pub models: Vec<ModelEntry>,
}

/// A `--pricing` file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    /// The file could not be read.
    #[error("could not read the price table {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid price table.
    #[error("the price table {} is not valid: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why, with line and column.
        source: serde_json::Error,
    },
}

/// A model name the table does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown model {name:?}; known models: {}", known.join(", "))]
pub struct UnknownModel {
    /// The name asked for.
    pub name: String,
    /// Canonical names of every model in the table.
    pub known: Vec<String>,
}

impl PriceTable {
    /// The table embedded in the binary.
    pub fn embedded() -> Self {
        serde_json::from_str(EMBEDDED).expect("the embedded price table is valid")
    }

    /// A table read from a file in the same format.
    pub fn from_file(path: &Path) -> Result<Self, PricingError> {
        let text = std::fs::read_to_string(path).map_err(|source| PricingError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| PricingError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// The model called `name`: its canonical name, an alias, or a fine-tuned model
    /// (`ft:BASE:org:suffix:id`), which is priced and tokenised as its base.
    pub fn find(&self, name: &str) -> Result<&ModelEntry, UnknownModel> {
        let base = name
            .strip_prefix("ft:")
            .map_or(name, |rest| rest.split(':').next().unwrap_or(rest));
        self.models
            .iter()
            .find(|model| model.name == base || model.aliases.iter().any(|alias| alias == base))
            .ok_or_else(|| UnknownModel {
                name: name.to_owned(),
                known: self.models.iter().map(|model| model.name.clone()).collect(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_has_the_public_figures() {
        let table = PriceTable::embedded();
        for (name, price, limit) in [
            ("gpt-4o-2024-08-06", 25.0, 65_536),
            ("gpt-4o-mini-2024-07-18", 3.0, 65_536),
            ("gpt-4.1-2025-04-14", 25.0, 65_536),
            ("gpt-4.1-mini-2025-04-14", 5.0, 65_536),
            ("gpt-4.1-nano-2025-04-14", 1.5, 65_536),
            ("gpt-3.5-turbo-0125", 8.0, 16_385),
        ] {
            let model = table.find(name).unwrap();
            assert_eq!(
                model.per_million_tokens(Method::Supervised),
                Some(price),
                "{name}"
            );
            assert_eq!(model.example_token_limit, Some(limit), "{name}");
        }
        let o4 = table.find("o4-mini").unwrap();
        assert_eq!(
            o4.training.get(&Method::Reinforcement),
            Some(&Rate::PerHour {
                usd_per_hour: 100.0
            })
        );
    }

    #[test]
    fn encodings_are_mapped_explicitly() {
        let table = PriceTable::embedded();
        assert_eq!(table.find("gpt-4.1").unwrap().encoding, Encoding::O200kBase);
        assert_eq!(
            table.find("gpt-3.5-turbo").unwrap().encoding,
            Encoding::Cl100kBase
        );
        assert_eq!(
            table
                .find("ft:gpt-4.1-mini-2025-04-14:acme::abc123")
                .unwrap()
                .name,
            "gpt-4.1-mini-2025-04-14"
        );
        assert_eq!(
            table
                .find("ft:gpt-3.5-turbo-0125:acme:marv:xyz")
                .unwrap()
                .encoding,
            Encoding::Cl100kBase
        );
    }

    #[test]
    fn unknown_models_list_the_known_ones() {
        let error = PriceTable::embedded().find("gpt-5-turbo").unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("unknown model \"gpt-5-turbo\"; known models: gpt-4o-2024-08-06")
        );
    }
}
