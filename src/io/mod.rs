//! File formats: the RIFF/WAVE container for any format tag, Sun/NeXT `.au`, and headerless raw.
pub mod au;
pub mod raw;
pub mod riff;
