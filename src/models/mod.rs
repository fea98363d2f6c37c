//! Neural audio models.

pub mod rnnoise;
