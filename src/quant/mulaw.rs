//! The mu-law of neural vocoders (WaveNet, WaveRNN, LPCNet-class targets): continuous
//! companding `F(x) = sign(x)·ln(1 + mu·|x|)/ln(1 + mu)` of `x ∈ [-1, 1]`, then a uniform
//! quantizer on `F(x)`. Not G.711 (see [`crate::codecs::g711`] for that): here `mu` and the
//! number of levels are parameters.
//!
//! Three conventions, each its own function, because the popular packages bin differently
//! (torchaudio's and librosa's codes disagree by one on about half of all inputs):
//!
//! | function | convention | codes | out of range |
//! |---|---|---|---|
//! | [`MuLaw`] | ours: `round((F(x)+1)/2·(levels−1))`, `f32` | `0..levels` | clipped to ±1, NaN → 0 |
//! | [`torchaudio_mu_law_encoding`] | `trunc((F(x)+1)/2·mu + 0.5)`, `f32`, `mu = channels − 1` | `0..channels` in range | not clipped |
//! | [`librosa_mu_compress`] | `digitize(F(x), linspace(−1, 1, ⌊1+mu⌋), right) − ⌊1+mu⌋/2`, `f64` | `−⌊1+mu⌋/2 ..` | error |
//!
//! The functions follow `torchaudio.functional.mu_law_encoding`/`mu_law_decoding` (float32
//! tensors) and `librosa.mu_compress`/`mu_expand` with `quantize=True` (float64 arrays)
//! operation for operation, with correctly rounded `log1p`, `exp` and `pow`; they are tested
//! against vectors those packages produced (`scripts/gen_mulaw_vectors.py`). The packages'
//! own `log1p`/`exp`/`pow` are vectorized implementations (torch's CPU kernels, numpy's SIMD
//! loops) that are off by one ulp on ~0.1–1% of arguments, which no portable code reproduces.
//! So, measured on those vectors:
//!
//! * **Encoders**: bit-exact on every ramp, random, tiny and out-of-range input (64 000 for
//!   torchaudio, 64 000 for librosa). Only inputs within a few ulps of a decision edge can land
//!   one code away: torchaudio 0 of 2295 edge inputs for 256 channels, 3 of 9207 for 1024;
//!   librosa 22 of 2304 for mu = 255, 97 of 9216 for mu = 1023. Never more than one code.
//! * **Decoders**: see each function (bit-exact for some parameters, one ulp of `exp`/`pow`
//!   off on a few percent of codes for others). Where the packages have no defined result
//!   (NaN, ±∞; torchaudio's `int64` cast of those is undefined behaviour) we return
//!   [`Error::OutOfRange`] before writing anything.
//!
//! ```
//! use aquant::quant::mulaw::{librosa_mu_compress, torchaudio_mu_law_encoding, MuLaw};
//!
//! let x = [-1.0f32, -0.5, 0.0, 0.001, 1.0];
//! let mut torch = [0i32; 5];
//! torchaudio_mu_law_encoding(&x, 256, &mut torch)?;
//! assert_eq!(torch, [0, 16, 128, 133, 255]);
//!
//! let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
//! let mut librosa = [0i32; 5];
//! librosa_mu_compress(&x64, 255.0, &mut librosa)?;
//! assert_eq!(librosa, [-128, -112, 0, 5, 127]);
//! assert!(librosa_mu_compress(&[1.5], 255.0, &mut librosa[..1]).is_err());
//!
//! // Our own: any mu and any number of levels, clipping, infallible per sample.
//! let law = MuLaw::new(255.0, 256)?;
//! assert_eq!(law.encode(1.0), 255);
//! assert_eq!(law.encode(7.0), 255);
//! assert_eq!(law.decode(255), 1.0);
//! # Ok::<(), aquant::Error>(())
//! ```

use crate::{Error, Result};

/// `sign(x)` as numpy and torch define it: 0 for ±0 (unlike `f32::signum`).
#[inline]
fn sign32(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

#[inline]
fn sign64(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// `log1p` in `f32`, correctly rounded (through `f64`), as torch's kernels give it.
#[inline]
fn log1p32(x: f32) -> f32 {
    (x as f64).ln_1p() as f32
}

/// `exp` in `f32`, correctly rounded (through `f64`).
#[inline]
fn exp32(x: f32) -> f32 {
    (x as f64).exp() as f32
}

fn check_lengths(input: usize, output: usize) -> Result<()> {
    if input != output {
        return Err(Error::LengthMismatch { input, output });
    }
    Ok(())
}

/// Largest `quantization_channels` accepted (every code is exact in `f32`).
pub const MAX_TORCH_CHANNELS: u32 = 1 << 24;

fn torch_mu(quantization_channels: u32) -> Result<f32> {
    if !(2..=MAX_TORCH_CHANNELS).contains(&quantization_channels) {
        return Err(Error::invalid(
            "quantization_channels",
            format!("{quantization_channels} is not in 2..={MAX_TORCH_CHANNELS}"),
        ));
    }
    Ok((quantization_channels - 1) as f32)
}

/// `torchaudio.functional.mu_law_encoding(x, quantization_channels)` for float32 input
/// (bit-exact but at decision edges, see the [module docs](self)): `mu = channels − 1`,
/// `y = sign(x)·log1p(mu·|x|)/log1p(mu)` and the code
/// `trunc((y + 1)/2·mu + 0.5)`, all in `f32`. Input beyond ±1 is **not** clipped (codes
/// outside `0..channels` result, exactly as torchaudio's). NaN, ±∞ and inputs so large that
/// `mu·|x|` overflows are [`Error::OutOfRange`] (torchaudio's result there is undefined).
pub fn torchaudio_mu_law_encoding(
    x: &[f32],
    quantization_channels: u32,
    output: &mut [i32],
) -> Result<()> {
    check_lengths(x.len(), output.len())?;
    let mu = torch_mu(quantization_channels)?;
    if let Some(i) = x.iter().position(|v| !(mu * v.abs()).is_finite()) {
        return Err(Error::OutOfRange {
            index: i,
            value: x[i] as f64,
            expected: "a finite value with mu·|x| finite in float32",
        });
    }
    let log1p_mu = log1p32(mu);
    for (v, o) in x.iter().zip(output.iter_mut()) {
        let y = sign32(*v) * log1p32(mu * v.abs()) / log1p_mu;
        *o = ((y + 1.0) / 2.0 * mu + 0.5) as i32;
    }
    Ok(())
}

/// `torchaudio.functional.mu_law_decoding(codes, quantization_channels)`:
/// `x = code/mu·2 − 1`, then `sign(x)·(exp(|x|·log1p(mu)) − 1)/mu`, in `f32`, with a
/// correctly rounded `exp`. torch's vectorized CPU `exp` kernel is not
/// correctly rounded: it is one ulp off on about 1% of arguments, so about 1% of the decoded
/// values differ from torch's by that one ulp of `exp` (after `− 1` and `/ mu`, a few ulps of
/// a small result); never more (tested on every code for 256, 1024 and 65536 channels; for 16
/// channels every code is bit-exact). Any code is accepted (as torchaudio does); those outside
/// `0..channels` decode beyond ±1.
pub fn torchaudio_mu_law_decoding(
    codes: &[i32],
    quantization_channels: u32,
    output: &mut [f32],
) -> Result<()> {
    check_lengths(codes.len(), output.len())?;
    let mu = torch_mu(quantization_channels)?;
    let log1p_mu = log1p32(mu);
    for (c, o) in codes.iter().zip(output.iter_mut()) {
        let x = *c as f32 / mu * 2.0 - 1.0;
        *o = sign32(x) * (exp32(x.abs() * log1p_mu) - 1.0) / mu;
    }
    Ok(())
}

/// The bins of librosa's quantizer: `np.linspace(-1, 1, num)` element `i`.
#[inline]
fn linspace_bin(i: usize, num: usize, step: f64) -> f64 {
    if i == num - 1 {
        1.0
    } else {
        i as f64 * step + -1.0
    }
}

fn librosa_levels(mu: f64) -> Result<usize> {
    if !(mu.is_finite() && (1.0..=16_777_215.0).contains(&mu)) {
        return Err(Error::invalid(
            "mu",
            format!("{mu} is not in 1..=2^24-1 (librosa's quantizer needs at least 2 levels)"),
        ));
    }
    Ok((1.0 + mu) as usize)
}

/// `librosa.mu_compress(x, mu=mu, quantize=True)` for float64 arrays, numpy's default dtype
/// (bit-exact but at decision edges, see the [module docs](self)):
/// `y = sign(x)·log1p(mu·|x|)/log1p(mu)` in `f64`, then the index of `y`
/// among the `⌊1 + mu⌋` bins `linspace(−1, 1)` (`np.digitize(.., right=True)`) minus
/// `⌊1 + mu⌋ // 2`: codes `−128..=127` for `mu = 255`. Input outside `[−1, 1]`, and NaN, is
/// [`Error::OutOfRange`] (librosa raises `ParameterError` for the former; it lets NaN through
/// to an out-of-range code). `mu` must be in `1..2^24` (librosa also takes `0 < mu < 1`,
/// where its bins degenerate).
pub fn librosa_mu_compress(x: &[f64], mu: f64, output: &mut [i32]) -> Result<()> {
    check_lengths(x.len(), output.len())?;
    let num = librosa_levels(mu)?;
    if let Some(i) = x.iter().position(|v| !(-1.0..=1.0).contains(v)) {
        return Err(Error::OutOfRange {
            index: i,
            value: x[i],
            expected: "a value in [-1, 1] (librosa.mu_compress raises otherwise)",
        });
    }
    let step = 2.0 / (num - 1) as f64;
    let half = (num / 2) as i32;
    let log1p_mu = mu.ln_1p();
    for (v, o) in x.iter().zip(output.iter_mut()) {
        let y = sign64(*v) * (mu * v.abs()).ln_1p() / log1p_mu;
        // Number of bins strictly below y (np.searchsorted side="left").
        let (mut lo, mut hi) = (0usize, num);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if linspace_bin(mid, num, step) < y {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        *o = lo as i32 - half;
    }
    Ok(())
}

/// `librosa.mu_expand(codes, mu=mu, quantize=True)`: `x = code·2/(1 + mu)`, which must lie
/// in `[−1, 1]` (else [`Error::OutOfRange`], as librosa raises), then
/// `sign(x)/mu·((1 + mu)^|x| − 1)` in `f64` with the C library's `pow` (correctly rounded in
/// practice). Bit-exact with librosa for `mu` = 255 and 15 (every code); for other `mu`,
/// numpy's vectorized `pow` (numpy 2.4 on an AVX-512 CPU) is one ulp off on some arguments,
/// so up to ~6% of the values differ from librosa's by that one ulp of `pow` (never more;
/// tested).
pub fn librosa_mu_expand(codes: &[i32], mu: f64, output: &mut [f64]) -> Result<()> {
    check_lengths(codes.len(), output.len())?;
    librosa_levels(mu)?;
    let scaled = |c: i32| c as f64 * 2.0 / (1.0 + mu);
    if let Some(i) = codes
        .iter()
        .position(|&c| !(-1.0..=1.0).contains(&scaled(c)))
    {
        return Err(Error::OutOfRange {
            index: i,
            value: codes[i] as f64,
            expected: "a code with |code·2/(1+mu)| <= 1 (librosa.mu_expand raises otherwise)",
        });
    }
    for (c, o) in codes.iter().zip(output.iter_mut()) {
        let x = scaled(*c);
        *o = sign64(x) / mu * ((1.0 + mu).powf(x.abs()) - 1.0);
    }
    Ok(())
}

/// A vocoder mu-law quantizer with any `mu` and any number of levels (WaveRNN's 9- or
/// 10-bit targets, LPCNet's 256 levels, ...): codes `0..levels`, `code =
/// round((F(x) + 1)/2·(levels − 1))` with halves rounded up, in `f32`. Input is clipped to
/// `[−1, 1]` and NaN encodes as 0.0 would, so [`encode`](Self::encode) is infallible and
/// allocation-free. With `levels = mu + 1` and input in range it equals
/// [`torchaudio_mu_law_encoding`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MuLaw {
    mu: f32,
    levels: u32,
    log1p_mu: f32,
}

impl MuLaw {
    /// `mu > 0` (finite) and `levels` in `2..=2^24`.
    pub fn new(mu: f32, levels: u32) -> Result<Self> {
        if !(mu.is_finite() && mu > 0.0) {
            return Err(Error::invalid(
                "mu",
                format!("{mu} is not a positive number"),
            ));
        }
        if !(2..=MAX_TORCH_CHANNELS).contains(&levels) {
            return Err(Error::invalid(
                "levels",
                format!("{levels} is not in 2..={MAX_TORCH_CHANNELS}"),
            ));
        }
        Ok(Self {
            mu,
            levels,
            log1p_mu: log1p32(mu),
        })
    }

    /// The compression parameter.
    pub fn mu(&self) -> f32 {
        self.mu
    }

    /// The number of codes.
    pub fn levels(&self) -> u32 {
        self.levels
    }

    /// The companded value `F(x)` of `x` clipped to `[−1, 1]` (NaN → 0).
    pub fn compress(&self, x: f32) -> f32 {
        let x = if x.is_nan() { 0.0 } else { x.clamp(-1.0, 1.0) };
        sign32(x) * log1p32(self.mu * x.abs()) / self.log1p_mu
    }

    /// The code of `x`.
    pub fn encode(&self, x: f32) -> u32 {
        let top = (self.levels - 1) as f32;
        let code = ((self.compress(x) + 1.0) / 2.0 * top + 0.5) as u32;
        code.min(self.levels - 1)
    }

    /// The value of `code` (codes beyond the top are taken as the top).
    pub fn decode(&self, code: u32) -> f32 {
        let top = (self.levels - 1) as f32;
        let y = code.min(self.levels - 1) as f32 / top * 2.0 - 1.0;
        sign32(y) * (exp32(y.abs() * self.log1p_mu) - 1.0) / self.mu
    }

    /// Encodes a slice (equal lengths).
    pub fn encode_slice(&self, x: &[f32], output: &mut [u32]) -> Result<()> {
        check_lengths(x.len(), output.len())?;
        for (v, o) in x.iter().zip(output.iter_mut()) {
            *o = self.encode(*v);
        }
        Ok(())
    }

    /// Decodes a slice (equal lengths).
    pub fn decode_slice(&self, codes: &[u32], output: &mut [f32]) -> Result<()> {
        check_lengths(codes.len(), output.len())?;
        for (c, o) in codes.iter().zip(output.iter_mut()) {
            *o = self.decode(*c);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_law_clips_and_matches_first_principles() {
        let law = MuLaw::new(255.0, 256).unwrap();
        assert_eq!(law.encode(-1.0), 0);
        assert_eq!(law.encode(-5.0), 0);
        assert_eq!(law.encode(f32::NAN), law.encode(0.0));
        assert_eq!(law.encode(0.0), 128); // (0 + 1)/2·255 + 0.5 = 128
        assert_eq!(law.decode(0), -1.0);
        assert_eq!(law.decode(1000), 1.0);
        // Every code decodes to a value that encodes back to it.
        for levels in [2u32, 16, 256, 512, 1024] {
            let law = MuLaw::new((levels - 1) as f32, levels).unwrap();
            for c in 0..levels {
                assert_eq!(law.encode(law.decode(c)), c, "levels {levels} code {c}");
            }
        }
        assert!(MuLaw::new(0.0, 256).is_err());
        assert!(MuLaw::new(255.0, 1).is_err());
    }
}
