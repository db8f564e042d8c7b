//! The provider client: files, uploads, fine-tuning jobs, events, checkpoints and chat, with the
//! retry policy and the errors users see.
//!
//! One trait ([`FineTuningApi`]) with one implementation module per provider (`openai`, with
//! Azure OpenAI as its dialect; `together`; `fireworks`), all on one HTTP transport (`transport`) that owns
//! retries, error decoding, key redaction and the exactly-once reconciliation of creating
//! requests. [`Client`] picks the module for the configured provider.
//!
//! Asynchronous (tokio + reqwest) and silent: it never prints. Progress reaches the caller
//! through callbacks; problems come back as [`ApiError`]. Responses are decoded leniently
//! (unknown fields and enum values are kept or ignored, never fatal); requests are exactly the
//! shapes of the provider's OpenAPI description.

mod client;
mod config;
mod error;
mod fine_tuning;
mod fireworks;
mod openai;
mod retry;
pub mod state;
mod together;
mod transport;
pub mod types;

pub use crate::provider::{AZURE_API_VERSION, FIREWORKS_ACCOUNT_ENV, Provider};
pub use crate::time::{self, format_rfc3339, parse_rfc3339};
pub use client::Client;
pub use config::{ApiKey, Config, DEFAULT_BASE_URL, DEFAULT_READ_TIMEOUT};
pub use error::{ApiError, StatusError, WindDown};
pub use fine_tuning::{ApiFuture, FineTuningApi};
pub use fireworks::DIRECT_UPLOAD_LIMIT as FIREWORKS_DIRECT_UPLOAD_LIMIT;
pub use retry::RetryPolicy;
pub use transport::{REQUEST_ID_KEY, UploadProgress};
pub use types::{ModelLimits, NewUpload, PriceEstimate};
pub use types::{TrainingType, TuningOptions};
