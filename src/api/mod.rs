//! The provider client: files, uploads, fine-tuning jobs, events, checkpoints and chat, with the
//! retry policy and the errors users see.
//!
//! Asynchronous (tokio + reqwest) and silent: it never prints. Progress reaches the caller
//! through callbacks; problems come back as [`ApiError`]. Responses are decoded leniently
//! (unknown fields and enum values are kept or ignored, never fatal); requests are exactly the
//! shapes of the provider's OpenAPI description.

mod client;
mod config;
mod error;
mod retry;
pub mod state;
mod together;
pub mod types;

pub use crate::provider::{AZURE_API_VERSION, Provider};
pub use crate::time::{self, format_rfc3339, parse_rfc3339};
pub use client::{Client, NewUpload, REQUEST_ID_KEY, UploadProgress};
pub use config::{ApiKey, Config, DEFAULT_BASE_URL, DEFAULT_READ_TIMEOUT};
pub use error::{ApiError, StatusError, WindDown};
pub use retry::RetryPolicy;
pub use together::{ModelLimits, PriceEstimate, TrainingType, limit_violations};
