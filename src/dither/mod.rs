//! Dither: the noise added before rounding so that quantization error is independent of the
//! signal.
//!
//! Every dither value comes from a counter-based generator: the value for channel `c` at frame
//! `k` is a fixed function of `(seed, c, k mod 2^32)`. That makes dither deterministic per
//! channel, independent of how the input is chunked, and identical in the scalar and SIMD paths
//! (each SIMD lane computes its own sample's value; nothing is carried from lane to lane).
//!
//! Amplitudes are in LSBs of the target depth. At amplitude 1:
//!
//! | kind | distribution | added noise power |
//! |---|---|---|
//! | [`DitherKind::Rpdf`] | uniform on (−½, ½) LSB | Δ²/12 |
//! | [`DitherKind::Tpdf`] | triangular on (−1, 1) LSB, white | Δ²/6 |
//! | [`DitherKind::TpdfHighPass`] | triangular on (−1, 1) LSB, `u[k] − u[k−1]`: rises 6 dB/octave | Δ²/6 |
//!
//! With TPDF the total error (dither plus rounding) has mean 0 and variance Δ²/4, and its
//! power does not depend on the signal.

pub mod rng;

/// Which dither to add before rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DitherKind {
    /// No dither: plain round half to even.
    #[default]
    None,
    /// Rectangular PDF, one uniform value per sample.
    Rpdf,
    /// Triangular PDF: the sum of two independent uniforms.
    Tpdf,
    /// High-pass (sloped) TPDF: the difference of successive uniforms of a channel.
    TpdfHighPass,
}

impl DitherKind {
    /// The CLI name of this kind.
    pub fn name(self) -> &'static str {
        match self {
            DitherKind::None => "none",
            DitherKind::Rpdf => "rpdf",
            DitherKind::Tpdf => "tpdf",
            DitherKind::TpdfHighPass => "tpdf-hp",
        }
    }
}

/// Dither settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dither {
    /// The kind of dither.
    pub kind: DitherKind,
    /// Scale of the dither in LSBs of the target depth (1.0 is the standard amplitude).
    pub amplitude: f64,
    /// Seed of the per-channel generators.
    pub seed: u64,
}

impl Default for Dither {
    fn default() -> Self {
        Self::new(DitherKind::None)
    }
}

impl Dither {
    /// The given kind at amplitude 1 LSB and seed 0.
    pub fn new(kind: DitherKind) -> Self {
        Self {
            kind,
            amplitude: 1.0,
            seed: 0,
        }
    }
    /// No dither.
    pub fn none() -> Self {
        Self::new(DitherKind::None)
    }
    /// Standard TPDF dither.
    pub fn tpdf() -> Self {
        Self::new(DitherKind::Tpdf)
    }
    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the amplitude in LSBs.
    pub fn with_amplitude(mut self, amplitude: f64) -> Self {
        self.amplitude = amplitude;
        self
    }
}
