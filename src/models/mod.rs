//! Neural audio models built on [`crate::nn`].

pub mod rnnoise;
pub mod silero_vad;
