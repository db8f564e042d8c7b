//! The price table: one data file, embedded and overridable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::provider::{Pricing, Provider};
use crate::tokens::Encoding;

/// The encoding that counts, approximately, the tokens of a model the table does not list.
const UNLISTED_MODEL_ENCODING: Encoding = Encoding::Cl100kBase;

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
    /// Methods the model also trains with whose rate is not published, each with the pages
    /// that say the model trains with it; a job of one is created with its cost unknown.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unpriced_methods: BTreeMap<Method, Vec<String>>,
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
        self.provider.facts().approximate_tokens
    }

    /// Every method the table lists for it, priced or not.
    pub fn methods(&self) -> Vec<Method> {
        let mut methods: Vec<Method> = self
            .training
            .keys()
            .chain(self.unpriced_methods.keys())
            .copied()
            .collect();
        methods.sort_unstable();
        methods.dedup();
        methods
    }

    /// Whether `provider` trains this model with `method`. Where jobs are priced from the table,
    /// the table lists each method the model trains with, priced or not; a provider that prices
    /// each job itself, or trains models the table does not list, decides on its own side.
    pub fn trains_with(&self, method: Method, provider: Provider) -> bool {
        let facts = provider.facts();
        facts.pricing == Pricing::EstimatesEachJob
            || facts.trains_unlisted_models
            || self.training.contains_key(&method)
            || self.unpriced_methods.contains_key(&method)
    }

    /// The dates after which the model cannot be fine-tuned, with what each means, for a
    /// warning: `(date, what happens)`, `{model}` standing for the model's name.
    pub fn deadlines(&self) -> Vec<(&str, &'static str)> {
        let mut deadlines = Vec::new();
        if let Some(date) = &self.training_ends {
            deadlines.push((
                date.as_str(),
                "stops taking new fine-tuning jobs for {model}",
            ));
        }
        if let Some(date) = &self.shutdown {
            deadlines.push((date.as_str(), "retires {model} for fine-tuning"));
        }
        deadlines
    }

    /// Warnings for the deadlines (see [`Self::deadlines`]) that are past or at most 30 days
    /// from `today` (days since 1970-01-01).
    pub fn deadline_warnings(&self, today: i64) -> Vec<String> {
        self.deadlines()
            .into_iter()
            .filter_map(|(date, what)| {
                let day = crate::time::parse_rfc3339(date)?.div_euclid(86_400);
                let left = day - today;
                let when = match left {
                    ..0 => format!("since {date}"),
                    0 => format!("from today, {date}"),
                    1..=30 => format!(
                        "on {date}, in {left} day{}",
                        if left == 1 { "" } else { "s" }
                    ),
                    _ => return None,
                };
                Some(format!(
                    "{} {} {when}",
                    self.provider.label(),
                    what.replace("{model}", &self.name)
                ))
            })
            .collect()
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

impl PriceTable {
    /// The model `name` as `provider` trains it. OpenAI's models train on OpenAI and Azure
    /// OpenAI, open models on Together AI; a model the table does not list is still checked
    /// where the provider trains unlisted models (Together), with the closest tiktoken
    /// encoding, no context limit and no price.
    pub fn find_for(&self, name: &str, provider: Provider) -> Result<ModelEntry, String> {
        let facts = provider.facts();
        match self.find(name) {
            Ok(entry) if provider.trains_models_of(entry.provider) => Ok(entry.clone()),
            Ok(entry) if facts.trains_unlisted_models => Err(format!(
                "{} is {}; {} fine-tunes {} (`finetune models --provider {}` lists them)",
                entry.name,
                entry.provider.facts().models_are,
                facts.label,
                facts.models_plural,
                facts.id
            )),
            Ok(entry) => Err(format!(
                "{} is {} trained on {}: add --provider {}",
                entry.name,
                entry.provider.facts().models_are,
                entry.provider.label(),
                entry.provider.id()
            )),
            Err(_) if facts.trains_unlisted_models => Ok(ModelEntry {
                name: name.to_owned(),
                aliases: Vec::new(),
                encoding: UNLISTED_MODEL_ENCODING,
                example_token_limit: None,
                provider,
                training: BTreeMap::new(),
                unpriced_methods: BTreeMap::new(),
                shutdown: None,
                training_ends: None,
                source: "not in the price table".to_owned(),
                checked: String::new(),
            }),
            Err(error) => Err(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_warn_within_thirty_days_and_after() {
        let table = PriceTable::embedded();
        let mini = table.find("gpt-4o-mini-2024-07-18").unwrap();
        let day = |date: &str| crate::time::parse_rfc3339(date).unwrap() / 86_400;
        assert!(mini.deadline_warnings(day("2026-11-24")).is_empty());
        assert_eq!(
            mini.deadline_warnings(day("2026-12-10")),
            vec![
                "OpenAI stops taking new fine-tuning jobs for gpt-4o-mini-2024-07-18 on 2027-01-06, in 27 days"
            ]
        );
        assert_eq!(mini.deadline_warnings(day("2026-12-20")).len(), 2);
        let after = mini.deadline_warnings(day("2027-01-10"));
        assert_eq!(after.len(), 2, "{after:?}");
        assert!(after[0].ends_with("since 2027-01-06"));
        assert_eq!(
            after[1],
            "OpenAI retires gpt-4o-mini-2024-07-18 for fine-tuning on 2027-01-14, in 4 days"
        );
        let nano = table.find("gpt-4.1-nano-2025-04-14").unwrap();
        assert_eq!(nano.deadline_warnings(day("2027-01-10")).len(), 1);
    }

    #[test]
    fn models_are_found_for_the_providers_that_train_them() {
        let table = PriceTable::embedded();
        let mini = "gpt-4o-mini-2024-07-18";
        assert_eq!(table.find_for(mini, Provider::Azure).unwrap().name, mini);
        assert!(
            table
                .find_for(mini, Provider::Together)
                .unwrap_err()
                .contains("is an OpenAI model")
        );
        let llama = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";
        let entry = table.find_for(llama, Provider::Together).unwrap();
        assert_eq!(entry.example_token_limit, Some(131_072));
        assert!(entry.approximate_tokens());
        assert!(
            table
                .find_for(llama, Provider::OpenAi)
                .unwrap_err()
                .contains("--provider together")
        );
        let unlisted = table
            .find_for("acme/Some-New-Model", Provider::Together)
            .unwrap();
        assert_eq!(
            (unlisted.encoding, unlisted.example_token_limit),
            (Encoding::Cl100kBase, None)
        );
        assert!(unlisted.training.is_empty());
        assert!(table.find_for("gpt-9", Provider::OpenAi).is_err());
    }

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

    #[test]
    fn a_model_trains_with_the_methods_the_table_lists_where_jobs_are_priced_from_it() {
        let table = PriceTable::embedded();
        let mini = table.find("gpt-4o-mini-2024-07-18").unwrap();
        assert!(mini.trains_with(Method::Supervised, Provider::OpenAi));
        assert!(!mini.trains_with(Method::Dpo, Provider::OpenAi));
        assert!(!mini.trains_with(Method::Dpo, Provider::Azure));
        // A method listed without a price still trains, its cost unknown.
        let four_one = table.find("gpt-4.1-mini").unwrap();
        assert!(four_one.trains_with(Method::Dpo, Provider::OpenAi));
        assert!(four_one.trains_with(Method::Dpo, Provider::Azure));
        assert!(!four_one.trains_with(Method::Reinforcement, Provider::OpenAi));
        assert_eq!(four_one.training.get(&Method::Dpo), None);
        assert_eq!(
            four_one.methods(),
            [Method::Supervised, Method::Dpo],
            "{four_one:?}"
        );
        // Together prices each job itself and decides on its side.
        let llama = table
            .find("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")
            .unwrap();
        assert!(llama.trains_with(Method::Dpo, Provider::Together));
    }
}
