//! Silero VAD v6 (placeholder).
