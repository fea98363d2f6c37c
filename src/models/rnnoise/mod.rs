//! RNNoise v0.1 (Valin, 2017): a real-time speech denoiser for 48 kHz mono audio, 10 ms
//! frames. A small recurrent network (87,503 int8 weights) predicts gains for 22 frequency
//! bands from 42 features (band cepstrum with deltas, pitch correlation, pitch period,
//! spectral variability); the gains and a pitch comb filter are applied to the spectrum.
//!
//! This port matches the reference C implementation (xiph/rnnoise tag v0.1) frame by frame:
//! the network and the feature arithmetic follow the C code's float operation order (the
//! network is bit-exact); the transforms use `realfft` instead of kiss-fft, so features and
//! audio differ from the reference by rounding only. The weights ship in the repository under
//! `models/rnnoise-v0.1/` with their BSD-3-Clause licence.
//!
//! ```
//! use aquant::models::rnnoise::Denoiser;
//! use aquant::stream::drive_stream;
//!
//! // One second of a noisy tone at 48 kHz, ±1.0 scale.
//! let input: Vec<f32> = (0..48_000)
//!     .map(|i| 0.3 * (i as f32 * 0.03).sin() + 0.01 * ((i * 7919 % 101) as f32 / 50.0 - 1.0))
//!     .collect();
//! let mut denoised = Vec::new();
//! drive_stream(&mut Denoiser::new(), &input, &mut [0.0; 4096], &mut denoised).unwrap();
//! assert_eq!(denoised.len(), input.len());
//! ```

mod denoise;
mod features;
mod kernels;
mod network;
mod pitch;

pub use denoise::{Denoiser, FrameInfo, INPUT_LIMIT, INT16_SCALE};
pub use features::{FRAME_SIZE, FREQ_SIZE, WINDOW_SIZE};
pub use network::{Network, NetworkState, RnnoiseModel, BUILTIN_WEIGHTS, NB_BANDS, NB_FEATURES};
pub use pitch::{PITCH_MAX_PERIOD, PITCH_MIN_PERIOD};

/// Sample rate the model works at.
pub const SAMPLE_RATE: u32 = 48_000;
