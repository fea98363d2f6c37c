//! # aquant
//!
//! Audio quantization and compression: uniform quantizers at any depth with dither, G.711,
//! adaptive (ADPCM) quantizers, and the streaming shape they all share.
//!
//! Every processor follows the rules in [`stream`]: interleaved buffers with a channel count,
//! state kept between calls, `reset()`, no allocation after construction, and bit-identical
//! output however the input is split into calls.
//!
//! ```
//! use aquant::{Dither, DitherKind, Processor, UniformQuantizer};
//!
//! // A stereo stream of f32 samples to 16-bit with TPDF dither, processed in two chunks of any
//! // size (even mid-frame): the result is the same as in one call.
//! let input: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.01).sin() * 0.5).collect();
//! let mut whole = vec![0i16; input.len()];
//! UniformQuantizer::new(2, None, Dither::tpdf()).unwrap().process(&input, &mut whole).unwrap();
//!
//! let mut q = UniformQuantizer::new(2, None, Dither::tpdf()).unwrap();
//! let mut chunked = vec![0i16; input.len()];
//! let (a, b) = chunked.split_at_mut(333);
//! q.process(&input[..333], a).unwrap();
//! q.process(&input[333..], b).unwrap();
//! assert_eq!(whole, chunked);
//! ```

#![warn(missing_docs)]

pub mod analysis;
pub mod batch;
pub mod chain;
pub mod codec_io;
pub mod codecs;
pub mod convert;
pub mod dither;
mod error;
pub mod io;
pub mod models;
pub mod nn;
#[cfg(feature = "playback")]
pub mod playback;
pub mod quant;
pub mod resample;
pub mod sample;
pub mod shaping;
pub mod signal;
pub mod simd;
pub mod stream;

pub use dither::{Dither, DitherKind};
pub use error::{Error, Result};
pub use quant::{QuantStats, UniformQuantizer};
pub use sample::{AudioSample, SampleKind, I24};
pub use simd::SimdLevel;
pub use stream::{Flush, Processor, Progress, Stream};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
