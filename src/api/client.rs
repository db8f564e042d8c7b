//! The client commands hold: one provider's [`FineTuningApi`], chosen from the configuration.

use std::ops::Deref;
use std::sync::Arc;

use super::Config;
use super::error::ApiError;
use super::fine_tuning::FineTuningApi;
use super::fireworks::Fireworks;
use super::openai::{Dialect, OpenAi};
use super::together::Together;
use super::transport::{matching_start, new_request_id};
use super::types::{Job, JobRequest};
use crate::provider::Provider;

/// A client for one API endpoint and key. It derefs to the provider's [`FineTuningApi`], so
/// every endpoint is a method call on it.
#[derive(Clone, Debug)]
pub struct Client {
    api: Arc<dyn FineTuningApi>,
}

impl Client {
    /// A client for `config`, speaking its provider's API.
    pub fn new(config: Config) -> Result<Self, ApiError> {
        // The one place a provider is mapped to the module that speaks its API.
        let api: Arc<dyn FineTuningApi> = match config.provider {
            Provider::OpenAi => Arc::new(OpenAi::new(config, Dialect::OpenAi)?),
            Provider::Azure => Arc::new(OpenAi::new(config, Dialect::Azure)?),
            Provider::Together => Arc::new(Together::new(config)?),
            Provider::Fireworks => Arc::new(Fireworks::new(config)?),
            Provider::OpenAiCompatible => Arc::new(OpenAi::new(config, Dialect::Compatible)?),
            // No module speaks its tuning API yet; the commands refuse before they get here.
            provider @ (Provider::Vertex | Provider::Bedrock) => {
                return Err(ApiError::Other(provider.api_refusal().unwrap_or_default()));
            }
        };
        Ok(Self { api })
    }

    /// The provider this client talks to.
    pub fn provider(&self) -> Provider {
        self.api.config().provider
    }

    /// Creates a fine-tuning job exactly once. After an ambiguous failure (timeout, cut
    /// connection, gateway error) the request is sent again only if the job is not found:
    /// through the client id in its metadata where the provider keeps metadata, else as the job
    /// on the same training file and model created since this call began.
    pub async fn create_job(&self, request: &JobRequest) -> Result<Job, ApiError> {
        self.api
            .create_job_since(request, Self::matching_start())
            .await
    }

    /// Unix seconds from which something a request sent now made is looked for by its
    /// creation time: now, less what the server's clock may be behind.
    pub fn matching_start() -> i64 {
        matching_start()
    }

    /// A new client id for a job request: what makes its creation safe to retry.
    pub fn new_request_id() -> String {
        new_request_id()
    }
}

impl Deref for Client {
    type Target = dyn FineTuningApi;

    fn deref(&self) -> &Self::Target {
        &*self.api
    }
}
