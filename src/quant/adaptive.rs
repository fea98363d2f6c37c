//! Backward-adaptive quantization with Jayant step multipliers, for DSP code that builds its own
//! ADPCM-style codecs.
//!
//! A uniform quantizer of `bits`-bit signed codes whose step size adapts after every sample:
//! `step ← clamp(step · M[|code|], min_step, max_step)` (N. S. Jayant, "Adaptive quantization
//! with a one-word memory", 1973). Big codes mean the step is too small, so their multipliers
//! are above 1; small codes shrink it. The decoder sees only codes, so it tracks the encoder's
//! step exactly: nothing but the codes need be sent ("backward" adaptation).
//!
//! Arithmetic is integer (multipliers in Q8, as Microsoft ADPCM has them), so an encoder and a
//! decoder built anywhere agree bit for bit. Two reconstruction rules exist:
//!
//! * [`Reconstruction::MidTread`]: `y = code · step`, codes `-2^(b-1) ..= 2^(b-1) - 1`; zero is
//!   a level. Microsoft ADPCM's delta is exactly this with [`JayantParams::ms_adpcm`] (its
//!   predictor aside); a test checks it against the MS decoder.
//! * [`Reconstruction::MidRise`]: `y = (code + ½) · step` with the code's sign bit
//!   (`code ∈ -2^(b-1) ..= 2^(b-1) - 1`, levels `±½, ±3/2, …` steps); no zero level. IMA ADPCM
//!   is a mid-rise quantizer too, but its step moves along a table by index, which a Jayant
//!   multiplier does not express simply, so aquant keeps IMA separate.
//!
//! ```
//! use aquant::quant::adaptive::{JayantParams, JayantQuantizer};
//!
//! let params = JayantParams::ms_adpcm();
//! let mut enc = JayantQuantizer::new(params.clone()).unwrap();
//! let mut dec = JayantQuantizer::new(params).unwrap();
//! for x in [0, 500, 1000, 4000, -3000, 10, 0] {
//!     let (code, y) = enc.quantize(x);
//!     assert_eq!(dec.reconstruct(code), y); // the decoder tracks the encoder from codes alone
//! }
//! ```

use crate::{Error, Result};

/// Where the quantizer's levels sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reconstruction {
    /// Levels at `code · step`; zero is a level.
    MidTread,
    /// Levels at `(code + ½) · step`; zero is a decision threshold.
    MidRise,
}

/// The settings of a [`JayantQuantizer`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JayantParams {
    /// Code width in bits, 2..=8.
    pub bits: u32,
    /// Level placement.
    pub reconstruction: Reconstruction,
    /// Step multipliers in Q8 (256 = 1.0), indexed by the code's magnitude: for mid-tread
    /// `|code|` (`2^(bits-1) + 1` entries), for mid-rise `code` or `-1 - code` for negative
    /// codes (`2^(bits-1)` entries).
    pub multipliers_q8: Vec<u16>,
    /// Smallest step (≥ 1).
    pub min_step: i32,
    /// Largest step.
    pub max_step: i32,
    /// The step after construction and [`JayantQuantizer::reset`].
    pub initial_step: i32,
}

impl JayantParams {
    /// Microsoft ADPCM's delta adaptation: 4-bit mid-tread codes, multipliers
    /// 0.9 (|code| ≤ 3), 1.2, 1.6, 2.0, 2.4, 3.0 (|code| = 8), minimum step 16.
    pub fn ms_adpcm() -> Self {
        Self {
            bits: 4,
            reconstruction: Reconstruction::MidTread,
            multipliers_q8: vec![230, 230, 230, 230, 307, 409, 512, 614, 768],
            min_step: 16,
            max_step: i32::MAX / 768,
            initial_step: 16,
        }
    }

    /// Jayant's published multipliers for a 3-bit mid-rise quantizer of speech
    /// (0.85, 1.0, 1.0, 1.5 for the four magnitudes), steps 8..=8192 (16-bit samples).
    pub fn jayant_3bit_speech() -> Self {
        Self {
            bits: 3,
            reconstruction: Reconstruction::MidRise,
            multipliers_q8: vec![218, 256, 256, 384],
            min_step: 8,
            max_step: 8192,
            initial_step: 64,
        }
    }

    fn magnitudes(&self) -> usize {
        let half = 1usize << (self.bits - 1);
        match self.reconstruction {
            Reconstruction::MidTread => half + 1,
            Reconstruction::MidRise => half,
        }
    }
}

/// A backward-adaptive uniform quantizer; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct JayantQuantizer {
    params: JayantParams,
    step: i32,
    min_code: i32,
    max_code: i32,
}

impl JayantQuantizer {
    /// Checks `params` and starts at `initial_step`.
    pub fn new(params: JayantParams) -> Result<Self> {
        if !(2..=8).contains(&params.bits) {
            return Err(Error::invalid(
                "bits",
                format!("{} is not in 2..=8", params.bits),
            ));
        }
        if params.multipliers_q8.len() != params.magnitudes() {
            return Err(Error::invalid(
                "multipliers_q8",
                format!(
                    "{} multipliers; {} bits {:?} needs {}",
                    params.multipliers_q8.len(),
                    params.bits,
                    params.reconstruction,
                    params.magnitudes()
                ),
            ));
        }
        if params.min_step < 1
            || params.max_step < params.min_step
            || !(params.min_step..=params.max_step).contains(&params.initial_step)
        {
            return Err(Error::invalid(
                "step",
                format!(
                    "need 1 <= min_step ({}) <= initial_step ({}) <= max_step ({})",
                    params.min_step, params.initial_step, params.max_step
                ),
            ));
        }
        let half = 1i32 << (params.bits - 1);
        Ok(Self {
            step: params.initial_step,
            min_code: -half,
            max_code: half - 1,
            params,
        })
    }

    /// The current step.
    pub fn step(&self) -> i32 {
        self.step
    }

    /// Sets the current step (clamped to the limits), e.g. from a block header.
    pub fn set_step(&mut self, step: i32) {
        self.step = step.clamp(self.params.min_step, self.params.max_step);
    }

    /// Back to `initial_step`.
    pub fn reset(&mut self) {
        self.step = self.params.initial_step;
    }

    /// The settings.
    pub fn params(&self) -> &JayantParams {
        &self.params
    }

    /// The level of `code` at the current step (no adaptation).
    #[inline]
    pub fn level(&self, code: i32) -> i64 {
        let step = self.step as i64;
        match self.params.reconstruction {
            Reconstruction::MidTread => code as i64 * step,
            // (code + 1/2) · step, rounded toward zero like the codes' symmetric partner
            Reconstruction::MidRise => (2 * code as i64 + 1) * step / 2,
        }
    }

    /// Quantizes `x` to the code whose level is nearest (ties toward zero), adapts the step, and
    /// returns the code and its level (the decoder's output for it).
    #[inline]
    pub fn quantize(&mut self, x: i32) -> (i32, i64) {
        let step = self.step as i64;
        let x = x as i64;
        let code = match self.params.reconstruction {
            // round(x / step), ties toward zero
            Reconstruction::MidTread => {
                let q = (2 * x.abs() - 1).max(0) / (2 * step);
                let q = q + i64::from(2 * x.abs() > (2 * q + 1) * step);
                if x < 0 {
                    -q
                } else {
                    q
                }
            }
            // floor(x / step): the level (code + ½)·step nearest x
            Reconstruction::MidRise => x.div_euclid(step),
        };
        let code = code.clamp(self.min_code as i64, self.max_code as i64) as i32;
        (code, self.reconstruct(code))
    }

    /// The decoder's side: the level of `code` (clamped to the code range), then the step
    /// adapts exactly as [`quantize`](Self::quantize) adapted it.
    #[inline]
    pub fn reconstruct(&mut self, code: i32) -> i64 {
        let code = code.clamp(self.min_code, self.max_code);
        let y = self.level(code);
        let magnitude = match self.params.reconstruction {
            Reconstruction::MidTread => code.unsigned_abs() as usize,
            Reconstruction::MidRise => (if code < 0 { -1 - code } else { code }) as usize,
        };
        let next = (self.step as i64 * self.params.multipliers_q8[magnitude] as i64) >> 8;
        self.step = next.clamp(self.params.min_step as i64, self.params.max_step as i64) as i32;
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codecs::ms_adpcm::MsState;

    /// MS ADPCM with the (0, 0) pair predicts 0, so its samples are the Jayant quantizer's
    /// levels (clamped to 16 bits) and its delta is the Jayant step, code for code.
    #[test]
    fn ms_adpcm_delta_is_a_jayant_step() {
        let mut jayant = JayantQuantizer::new(JayantParams::ms_adpcm()).unwrap();
        jayant.set_step(300);
        let mut ms = MsState {
            sample1: 0,
            sample2: 0,
            delta: 300,
            coef1: 0,
            coef2: 0,
        };
        let mut seed = 3u32;
        for _ in 0..5000 {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            let code = (seed >> 28) as u8; // any 4-bit pattern
            let signed = ((code as i32) ^ 8) - 8;
            let (next, sample, _) = ms.peek(code);
            let y = jayant.reconstruct(signed);
            assert_eq!(sample as i64, y.clamp(-32768, 32767));
            assert_eq!(next.delta, jayant.step());
            ms = MsState {
                sample1: 0,
                sample2: 0,
                ..next
            };
        }
    }

    #[test]
    fn codes_are_nearest_levels_and_in_range() {
        for params in [JayantParams::ms_adpcm(), JayantParams::jayant_3bit_speech()] {
            for step in [8, 16, 100, 999] {
                for x in (-20000..20000).step_by(37) {
                    let mut q = JayantQuantizer::new(params.clone()).unwrap();
                    q.set_step(step);
                    let probe = q.clone();
                    let (code, y) = q.quantize(x);
                    assert!((probe.min_code..=probe.max_code).contains(&code));
                    assert_eq!(y, probe.level(code));
                    let best = (probe.min_code..=probe.max_code)
                        .map(|c| (x as i64 - probe.level(c)).abs())
                        .min()
                        .unwrap();
                    assert_eq!((x as i64 - y).abs(), best, "{params:?} step {step} x {x}");
                }
            }
        }
    }

    #[test]
    fn step_grows_on_overload_and_shrinks_on_silence_within_limits() {
        let mut q = JayantQuantizer::new(JayantParams::jayant_3bit_speech()).unwrap();
        for _ in 0..50 {
            q.quantize(30000);
        }
        assert_eq!(q.step(), 8192);
        for _ in 0..200 {
            q.quantize(0);
        }
        assert_eq!(q.step(), 8);
        q.reset();
        assert_eq!(q.step(), 64);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let mut p = JayantParams::ms_adpcm();
        p.multipliers_q8.pop();
        assert!(JayantQuantizer::new(p).is_err());
        let mut p = JayantParams::ms_adpcm();
        p.bits = 9;
        assert!(JayantQuantizer::new(p).is_err());
        let mut p = JayantParams::ms_adpcm();
        p.initial_step = 1;
        assert!(JayantQuantizer::new(p).is_err());
    }
}
