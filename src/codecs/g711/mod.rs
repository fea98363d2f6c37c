//! G.711: mu-law and A-law companding, one byte per sample.
//!
//! # Conventions
//!
//! * **Encoding, [`Rule::Itu`]** (the default) is ITU-T G.711 exactly as the G.191 reference
//!   (`g711.c`) realises it, bit-exact on all 65536 16-bit inputs: the 16-bit sample is
//!   reduced to the law's uniform input, 14 bits for mu-law and 13 for A-law, by truncating its
//!   one's complement magnitude, with no dither. This is what telephony expects. (sox,
//!   ffmpeg, libsndfile, spandsp and audioop each differ from it on some inputs; libsndfile
//!   even maps −32768 to the largest *positive* code. We do not.)
//! * **Encoding, [`Rule::Nearest`]** picks the code whose reconstruction level is nearest to
//!   the 14-bit input `4·(x >> 2)`, ties to the larger magnitude: identical to ffmpeg's
//!   `pcm_mulaw`/`pcm_alaw` encoders, not the G.711 decision rule. It has the lower error
//!   against that 14-bit input; against the 16-bit input it is slightly better for loud
//!   signals (a 1004 Hz sine: +0.06 dB SNR at −3 dBFS) and worse for quiet ones (−1 dB at
//!   −40 dBFS), because the 14-bit input is floored, not rounded.
//! * **Decoding** returns the middle of each quantisation interval in 16-bit scale (every tool
//!   agrees): mu-law ±32124 at most and two codes for 0 (0xFF, 0x7F); A-law ±32256, ±8 nearest
//!   zero. A-law codes are the transmitted ones, with the even bits inverted (+8 is 0xD5).
//! * **Other input**: [`G711Quantizer`] takes any [sample type](crate::AudioSample). Integer
//!   input without dither is floored to 16 bits and encoded as above; float input (or integer
//!   input with dither) goes through the [uniform quantizer](crate::UniformQuantizer) to 14
//!   bits (mu-law) or 13 bits (A-law), G.711's own input, with the dither chosen, then is
//!   encoded.
//! * Every SIMD level ([`SimdLevel`]) gives bit-identical results; the nearest-level encoder is
//!   a 16 KiB table at every level.
//!
//! # Example
//!
//! ```
//! use aquant::codecs::g711::{decode, encode, Law, Rule};
//!
//! let pcm = [0i16, -1, 1000, -32768, 32767];
//! let mut codes = [0u8; 5];
//! encode(Law::MuLaw, Rule::Itu, &pcm, &mut codes)?;
//! assert_eq!(codes, [0xFF, 0x7F, 0xCE, 0x00, 0x80]);
//! let mut back = [0i16; 5];
//! decode(Law::MuLaw, &codes, &mut back)?;
//! assert_eq!(back, [0, 0, 988, -32124, 32124]);
//!
//! encode(Law::ALaw, Rule::Itu, &pcm, &mut codes)?;
//! assert_eq!(codes, [0xD5, 0x55, 0xFA, 0x2A, 0xAA]);
//! # Ok::<(), aquant::Error>(())
//! ```

mod kernels;

use kernels::{scalar, Op};

use crate::codecs::{Decoder, Encoder};
use crate::sample::{AudioSample, SampleKind};
use crate::simd::SimdLevel;
use crate::stream::{Flush, Processor, Progress};
use crate::{Dither, DitherKind, Error, QuantStats, Result, UniformQuantizer};

/// The companding law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// mu-law (North America, Japan): 14-bit input, 255 levels.
    MuLaw,
    /// A-law (Europe, international): 13-bit input, 256 levels.
    ALaw,
}

impl Law {
    /// `"mulaw"` or `"alaw"`.
    pub fn name(self) -> &'static str {
        match self {
            Law::MuLaw => "mulaw",
            Law::ALaw => "alaw",
        }
    }

    /// Bits of the uniform input G.711 defines for this law (14 or 13).
    pub fn input_bits(self) -> u32 {
        match self {
            Law::MuLaw => 14,
            Law::ALaw => 13,
        }
    }
}

/// How the encoder chooses a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rule {
    /// ITU-T G.711 / G.191 decision rule (bit-exact with the reference). The default.
    #[default]
    Itu,
    /// The code with the reconstruction level nearest to the 14-bit input (ffmpeg's encoder);
    /// see the [module docs](self) for when that lowers the error.
    Nearest,
}

impl Rule {
    /// `"itu"` or `"nearest"` (the CLI's `--g711` values).
    pub fn name(self) -> &'static str {
        match self {
            Rule::Itu => "itu",
            Rule::Nearest => "nearest",
        }
    }

    /// Parses `"itu"` or `"nearest"`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "itu" => Some(Rule::Itu),
            "nearest" => Some(Rule::Nearest),
            _ => None,
        }
    }
}

fn op(law: Law, rule: Rule) -> Op {
    match (law, rule) {
        (Law::MuLaw, Rule::Itu) => Op::Ulaw,
        (Law::ALaw, Rule::Itu) => Op::Alaw,
        (Law::MuLaw, Rule::Nearest) => Op::UlawNearest,
        (Law::ALaw, Rule::Nearest) => Op::AlawNearest,
    }
}

/// The code of one 16-bit sample.
#[inline]
pub fn encode_sample(law: Law, rule: Rule, x: i16) -> u8 {
    match op(law, rule) {
        Op::Ulaw => scalar::ulaw_encode(x),
        Op::Alaw => scalar::alaw_encode(x),
        Op::UlawNearest => scalar::ulaw_encode_nearest(x),
        Op::AlawNearest => scalar::alaw_encode_nearest(x),
    }
}

/// The 16-bit value of one code.
#[inline]
pub fn decode_sample(law: Law, code: u8) -> i16 {
    match law {
        Law::MuLaw => scalar::ulaw_decode(code),
        Law::ALaw => scalar::alaw_decode(code),
    }
}

fn check_lengths(input: usize, output: usize) -> Result<()> {
    if input != output {
        return Err(Error::LengthMismatch { input, output });
    }
    Ok(())
}

/// [`SimdLevel::select`], read once (it consults the environment, which allocates).
fn default_level() -> SimdLevel {
    static LEVEL: std::sync::OnceLock<SimdLevel> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(SimdLevel::select)
}

/// Encodes `input` into `output` (equal lengths) at the best SIMD level ([`SimdLevel::select`]).
pub fn encode(law: Law, rule: Rule, input: &[i16], output: &mut [u8]) -> Result<()> {
    encode_at(default_level(), law, rule, input, output)
}

/// [`encode`] at a given SIMD level (lowered to what this CPU supports).
pub fn encode_at(
    level: SimdLevel,
    law: Law,
    rule: Rule,
    input: &[i16],
    output: &mut [u8],
) -> Result<()> {
    check_lengths(input.len(), output.len())?;
    kernels::encode(level.clamp_to_cpu(), op(law, rule), input, output);
    Ok(())
}

/// Decodes `input` into `output` (equal lengths) at the best SIMD level.
pub fn decode(law: Law, input: &[u8], output: &mut [i16]) -> Result<()> {
    decode_at(default_level(), law, input, output)
}

/// [`decode`] at a given SIMD level (lowered to what this CPU supports).
pub fn decode_at(level: SimdLevel, law: Law, input: &[u8], output: &mut [i16]) -> Result<()> {
    check_lengths(input.len(), output.len())?;
    kernels::decode(level.clamp_to_cpu(), law == Law::ALaw, input, output);
    Ok(())
}

/// Most interleaved channels a G.711 stream may have (as the WAV format's limit).
pub const MAX_CHANNELS: usize = crate::quant::MAX_CHANNELS;

use super::check_channels;

/// Samples-per-call [`Progress`] of a 1:1 codec.
fn progress(n: usize, input_len: usize, flush: Flush, finished: &mut bool) -> Progress {
    if flush == Flush::Finish && n == input_len {
        *finished = true;
    }
    Progress {
        consumed: n,
        produced: n,
        finished: *finished,
    }
}

/// The G.711 [`Encoder`]: 16-bit PCM in, one code byte per sample out. Stateless apart from
/// the end-of-stream flag, so any split of the input gives the same bytes.
///
/// ```
/// use aquant::codecs::g711::{G711Encoder, Law, Rule};
/// use aquant::codecs::Encoder;
/// use aquant::Flush;
///
/// let mut enc = G711Encoder::new(Law::ALaw, Rule::Itu, 2)?;
/// let mut out = [0u8; 4];
/// let p = enc.encode(&[0, -1, 32767, -32768], &mut out, Flush::Finish)?;
/// assert_eq!((p.consumed, p.produced, p.finished), (4, 4, true));
/// assert_eq!(out, [0xD5, 0x55, 0xAA, 0x2A]);
/// # Ok::<(), aquant::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct G711Encoder {
    law: Law,
    rule: Rule,
    channels: usize,
    level: SimdLevel,
    finished: bool,
}

impl G711Encoder {
    /// An encoder for `channels` interleaved channels.
    pub fn new(law: Law, rule: Rule, channels: usize) -> Result<Self> {
        check_channels(channels)?;
        Ok(Self {
            law,
            rule,
            channels,
            level: SimdLevel::select(),
            finished: false,
        })
    }

    /// Forces a SIMD level (lowered to what this CPU supports).
    pub fn with_simd(mut self, level: SimdLevel) -> Self {
        self.level = level.clamp_to_cpu();
        self
    }

    /// The law.
    pub fn law(&self) -> Law {
        self.law
    }

    /// The encoding rule.
    pub fn rule(&self) -> Rule {
        self.rule
    }
}

impl Encoder for G711Encoder {
    fn encode(&mut self, input: &[i16], output: &mut [u8], flush: Flush) -> Result<Progress> {
        if self.finished {
            return Ok(Progress {
                finished: true,
                ..Progress::default()
            });
        }
        let n = input.len().min(output.len());
        kernels::encode(
            self.level,
            op(self.law, self.rule),
            &input[..n],
            &mut output[..n],
        );
        Ok(progress(n, input.len(), flush, &mut self.finished))
    }

    fn reset(&mut self) {
        self.finished = false;
    }

    fn channels(&self) -> usize {
        self.channels
    }
}

/// The G.711 [`Decoder`]: one code byte per sample in, 16-bit PCM out. Every byte is a valid
/// code, so there is no corrupt input and [`Decoder::warnings`] stays 0.
///
/// ```
/// use aquant::codecs::g711::{G711Decoder, Law};
/// use aquant::codecs::Decoder;
/// use aquant::Flush;
///
/// let mut dec = G711Decoder::new(Law::MuLaw, 1)?;
/// let mut out = [0i16; 3];
/// dec.decode(&[0xFF, 0x80, 0x00], &mut out, Flush::Finish)?;
/// assert_eq!(out, [0, 32124, -32124]);
/// # Ok::<(), aquant::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct G711Decoder {
    law: Law,
    channels: usize,
    level: SimdLevel,
    finished: bool,
}

impl G711Decoder {
    /// A decoder for `channels` interleaved channels.
    pub fn new(law: Law, channels: usize) -> Result<Self> {
        check_channels(channels)?;
        Ok(Self {
            law,
            channels,
            level: SimdLevel::select(),
            finished: false,
        })
    }

    /// Forces a SIMD level (lowered to what this CPU supports).
    pub fn with_simd(mut self, level: SimdLevel) -> Self {
        self.level = level.clamp_to_cpu();
        self
    }

    /// The law.
    pub fn law(&self) -> Law {
        self.law
    }
}

impl Decoder for G711Decoder {
    fn decode(&mut self, input: &[u8], output: &mut [i16], flush: Flush) -> Result<Progress> {
        if self.finished {
            return Ok(Progress {
                finished: true,
                ..Progress::default()
            });
        }
        let n = input.len().min(output.len());
        kernels::decode(
            self.level,
            self.law == Law::ALaw,
            &input[..n],
            &mut output[..n],
        );
        Ok(progress(n, input.len(), flush, &mut self.finished))
    }

    fn reset(&mut self) {
        self.finished = false;
    }

    fn channels(&self) -> usize {
        self.channels
    }
}

/// Samples quantized per inner step of [`G711Quantizer`] (its scratch size).
const SCRATCH: usize = 256;

/// G.711 from any sample type, as a [`Processor`]: one code per input sample.
///
/// Integer input without dither is floored to 16 bits and encoded with the rule chosen (the
/// standard's own mapping for [`Rule::Itu`]); float input, or integer input with dither, goes
/// through the [`UniformQuantizer`] to [`Law::input_bits`] bits first. Allocation-free after
/// construction; streaming-invariant (the dither continues across calls).
///
/// ```
/// use aquant::codecs::g711::{G711Quantizer, Law, Rule};
/// use aquant::{Dither, Processor};
///
/// // Float to mu-law, without dither: 0.5 is 16384 in 16-bit scale, on the 14-bit grid.
/// let mut q = G711Quantizer::new(Law::MuLaw, Rule::Itu, 1, Dither::none())?;
/// let mut codes = [0u8; 3];
/// q.process(&[0.5f32, -0.5, f32::NAN], &mut codes)?;
/// assert_eq!(codes, [0x8F, 0x0F, 0xFF]);
/// assert_eq!(q.stats().nan, 1);
/// # Ok::<(), aquant::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct G711Quantizer {
    law: Law,
    rule: Rule,
    level: SimdLevel,
    quantizer: UniformQuantizer,
    scratch: Vec<i16>,
}

impl G711Quantizer {
    /// A quantizer to `law` for `channels` interleaved channels with `dither` (used for float
    /// input always, for integer input only when its kind is not [`DitherKind::None`]).
    pub fn new(law: Law, rule: Rule, channels: usize, dither: Dither) -> Result<Self> {
        check_channels(channels)?;
        Ok(Self {
            law,
            rule,
            level: SimdLevel::select(),
            quantizer: UniformQuantizer::new(channels, Some(law.input_bits()), dither)?,
            scratch: vec![0; SCRATCH],
        })
    }

    /// Forces a SIMD level (lowered to what this CPU supports).
    pub fn with_simd(mut self, level: SimdLevel) -> Self {
        self.level = level.clamp_to_cpu();
        self.quantizer = self.quantizer.with_simd(level);
        self
    }

    /// Clipped and NaN counts of the uniform quantizer (float input only).
    pub fn stats(&self) -> QuantStats {
        self.quantizer.stats()
    }

    /// Returns to the state right after construction (restarts the dither sequence), whatever
    /// the input type.
    pub fn reset(&mut self) {
        Processor::<f32, i16>::reset(&mut self.quantizer);
    }
}

impl<I: AudioSample> Processor<I, u8> for G711Quantizer {
    fn channels(&self) -> usize {
        Processor::<f32, i16>::channels(&self.quantizer)
    }

    fn process(&mut self, input: &[I], output: &mut [u8]) -> Result<()> {
        check_lengths(input.len(), output.len())?;
        let op = op(self.law, self.rule);
        let integer = matches!(I::KIND, SampleKind::Int { .. });
        if integer && self.quantizer.dither().kind == DitherKind::None {
            for (x, o) in input.chunks(SCRATCH).zip(output.chunks_mut(SCRATCH)) {
                let s = &mut self.scratch[..x.len()];
                for (v, d) in x.iter().zip(s.iter_mut()) {
                    // Exact: every integer sample is code / 2^(bits-1) in f64.
                    *d = (v.to_f64() * 32768.0).floor() as i16;
                }
                kernels::encode(self.level, op, s, o);
            }
            return Ok(());
        }
        for (x, o) in input.chunks(SCRATCH).zip(output.chunks_mut(SCRATCH)) {
            let s = &mut self.scratch[..x.len()];
            self.quantizer.process(x, s)?;
            kernels::encode(self.level, op, s, o);
        }
        Ok(())
    }

    fn reset(&mut self) {
        G711Quantizer::reset(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spot_values_from_the_reference_readme() {
        use Law::*;
        let e = |law, x| encode_sample(law, Rule::Itu, x);
        assert_eq!(
            [e(MuLaw, 0), e(MuLaw, -1), e(MuLaw, 32767), e(MuLaw, -32768)],
            [0xFF, 0x7F, 0x80, 0x00]
        );
        assert_eq!(
            [e(ALaw, 0), e(ALaw, -1), e(ALaw, 32767), e(ALaw, -32768)],
            [0xD5, 0x55, 0xAA, 0x2A]
        );
        let d = decode_sample;
        assert_eq!(
            [d(MuLaw, 0), d(MuLaw, 0x80), d(MuLaw, 0x7F), d(MuLaw, 0xFF)],
            [-32124, 32124, 0, 0]
        );
        assert_eq!(
            [d(ALaw, 0x55), d(ALaw, 0xD5), d(ALaw, 0x2A), d(ALaw, 0xAA)],
            [-8, 8, -32256, 32256]
        );
    }

    #[test]
    fn every_level_matches_scalar_on_all_inputs_and_odd_lengths() {
        let all: Vec<i16> = (i16::MIN..=i16::MAX).collect();
        let codes: Vec<u8> = (0..=255).collect();
        for law in [Law::MuLaw, Law::ALaw] {
            for rule in [Rule::Itu, Rule::Nearest] {
                let mut reference = vec![0u8; all.len()];
                encode_at(SimdLevel::Scalar, law, rule, &all, &mut reference).unwrap();
                for level in SimdLevel::available() {
                    for skip in [0usize, 1, 7, 31] {
                        let mut out = vec![0u8; all.len() - skip];
                        encode_at(level, law, rule, &all[skip..], &mut out).unwrap();
                        assert_eq!(out, reference[skip..], "{level:?} {law:?} {rule:?}");
                    }
                }
            }
            let mut reference = vec![0i16; 256];
            decode_at(SimdLevel::Scalar, law, &codes, &mut reference).unwrap();
            for level in SimdLevel::available() {
                for skip in [0usize, 1, 7, 31, 200, 255] {
                    let mut out = vec![0i16; 256 - skip];
                    decode_at(level, law, &codes[skip..], &mut out).unwrap();
                    assert_eq!(out, reference[skip..], "{level:?} {law:?}");
                }
            }
        }
    }

    #[test]
    fn length_mismatch_and_bad_channels_are_errors() {
        assert!(encode(Law::MuLaw, Rule::Itu, &[0; 3], &mut [0; 2]).is_err());
        assert!(decode(Law::ALaw, &[0; 3], &mut [0; 4]).is_err());
        assert!(G711Encoder::new(Law::MuLaw, Rule::Itu, 0).is_err());
        assert!(G711Decoder::new(Law::MuLaw, MAX_CHANNELS + 1).is_err());
        assert!(encode(Law::MuLaw, Rule::Itu, &[], &mut []).is_ok());
    }
}
