//! FT4xx: rules about the dataset as a whole, run in line order after the parallel pass.

pub mod duplicate_example;
pub mod mixed_formats;
pub mod mixed_modalities;
pub mod no_reference_fields;
pub mod too_few_examples;
pub mod too_many_examples;
pub mod train_validation_leakage;
