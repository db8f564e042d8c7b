//! The training plan, before a job is created: the model's published limits, the price the
//! job will be held to (the provider's own where it prices each job, else the local
//! estimate), and `--max-cost`. What is refused comes back as a [`Refusal`] for the caller
//! to say.

use crate::api::types::JobRequest;
use crate::api::{ApiError, Client, ModelLimits, PriceEstimate};
use crate::provider::Pricing;

/// What the provider publishes about training a model.
#[derive(Clone, Debug, PartialEq)]
pub enum Limits {
    /// The provider publishes no limits.
    NotPublished,
    /// The model's limits.
    Known(ModelLimits),
    /// The provider does not fine-tune the model.
    NotFineTunable,
}

/// The model's limits, asked of providers that publish them.
pub async fn model_limits(client: &Client, model: &str) -> Result<Limits, ApiError> {
    if !client.provider().facts().publishes_model_limits {
        return Ok(Limits::NotPublished);
    }
    Ok(match client.model_limits(model).await? {
        Some(limits) => Limits::Known(limits),
        None => Limits::NotFineTunable,
    })
}

/// Why a planned job is not created.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// The request breaks the model's limits, one sentence each.
    Limits(Vec<String>),
    /// The provider says the job would exceed the account's spending limit (US dollars).
    AccountLimit(Option<f64>),
    /// The cost is above `--max-cost`.
    AboveMaxCost {
        /// The cost, US dollars.
        cost: f64,
        /// The most the user would pay.
        limit: f64,
    },
    /// The cost is unknown, so a `--max-cost` cannot be held to.
    Unpriced {
        /// The most the user would pay.
        limit: f64,
    },
}

/// Refuses a request that `limits` do not allow, as the provider of `client` reads them.
pub fn within_limits(
    client: &Client,
    request: &JobRequest,
    limits: &Limits,
) -> Result<(), Refusal> {
    let Limits::Known(limits) = limits else {
        return Ok(());
    };
    let violations = client.limit_violations(request, limits);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Limits(violations))
    }
}

/// The price a job will be held to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobCost {
    /// US dollars, when known.
    pub cost: Option<f64>,
    /// The provider's own estimate, where it prices each job.
    pub priced: Option<PriceEstimate>,
}

/// The cost of `request`: the provider's answer where it prices each job (refused when it
/// says the account's limit would be exceeded), else `local`, the price table's estimate.
pub async fn job_cost(
    client: &Client,
    request: &JobRequest,
    local: Option<f64>,
) -> Result<Result<JobCost, (JobCost, Refusal)>, ApiError> {
    if client.provider().facts().pricing != Pricing::EstimatesEachJob {
        return Ok(Ok(JobCost {
            cost: local,
            priced: None,
        }));
    }
    let priced = client.estimate_price(request).await?;
    let cost = JobCost {
        cost: priced.estimated_total_price,
        priced: Some(priced.clone()),
    };
    if priced.allowed_to_proceed == Some(false) {
        return Ok(Err((cost, Refusal::AccountLimit(priced.user_limit))));
    }
    Ok(Ok(cost))
}

/// Refuses a cost above `max_cost`, or an unknown one when there is a maximum.
pub fn within_max_cost(cost: Option<f64>, max_cost: Option<f64>) -> Result<(), Refusal> {
    match (cost, max_cost) {
        (_, None) => Ok(()),
        (Some(cost), Some(limit)) if cost <= limit => Ok(()),
        (Some(cost), Some(limit)) => Err(Refusal::AboveMaxCost { cost, limit }),
        (None, Some(limit)) => Err(Refusal::Unpriced { limit }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_cost_holds_a_known_cost_and_refuses_an_unknown_one() {
        assert_eq!(within_max_cost(None, None), Ok(()));
        assert_eq!(within_max_cost(Some(2.0), Some(2.0)), Ok(()));
        assert_eq!(
            within_max_cost(Some(2.5), Some(2.0)),
            Err(Refusal::AboveMaxCost {
                cost: 2.5,
                limit: 2.0
            })
        );
        assert_eq!(
            within_max_cost(None, Some(1.0)),
            Err(Refusal::Unpriced { limit: 1.0 })
        );
    }
}
