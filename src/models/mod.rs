//! Neural audio models built on [`crate::nn`].

pub mod silero_vad;
