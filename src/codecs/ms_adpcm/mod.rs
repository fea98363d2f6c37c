//! Microsoft ADPCM as WAV stores it (format tag `0x0002`): a second-order fixed predictor per
//! block, chosen from a coefficient table in the `fmt ` chunk, and a Jayant-style adaptive step
//! ("delta") that scales 4-bit signed codes.
//!
//! # Bitstream
//!
//! A block starts with, for each field in turn and each channel: the predictor index (`u8`),
//! the initial delta (`i16` LE), sample 1 and sample 0 (`i16` LE). The decoder outputs sample 0,
//! then sample 1, then one sample per 4-bit code, channels interleaved code by code, high nibble
//! first. With coefficients `(c1, c2)` the prediction is `(s1·c1 + s2·c2) >> 8` (an arithmetic
//! shift: floor, as SoX and libsndfile round; FFmpeg truncates toward zero and so differs on
//! files that use pairs 3–6). The reconstructed sample `clamp16(prediction + code·delta)`;
//! then `delta = max(16, ADAPTATION[code]·delta >> 8)`, which is the Jayant step adaptation of
//! [`crate::quant::adaptive`] with multipliers in Q8.
//!
//! The `fmt ` extension (`cbSize = 4 + 4·wNumCoef`, 32 for the standard table) holds
//! `wSamplesPerBlock`, `wNumCoef` and the coefficient pairs ([`MsParams::from_wav_fmt`],
//! [`MsParams::wav_fmt_extra`]).
//!
//! # Corrupt data
//!
//! Each event is counted in [`Decoder::warnings`](crate::codecs::Decoder::warnings) and decodes to a defined result:
//!
//! * a predictor index beyond the coefficient table uses pair 0 (as SoX does);
//! * a final block shorter than `block_align` decodes the codes it holds; one shorter than its
//!   header decodes to nothing;
//! * a delta that would exceed `i32::MAX / 768` (only reachable with hostile data; C decoders
//!   overflow there) saturates at that value.
//!
//! A header delta below 16 (even negative) is used as it stands, like SoX and libsndfile.
//!
//! # Encoding
//!
//! [`MsEncoder`] chooses, per block and channel, the predictor pair and initial delta by search
//! (every pair, with the best delta for each), then codes each sample with the nearest
//! reconstruction; higher [`Effort`]s run a beam search over code sequences and pairs jointly.
//!
//! ```
//! use aquant::codecs::ima_adpcm::Effort;
//! use aquant::codecs::ms_adpcm::{decode_all, encode_all, MsParams};
//!
//! let params = MsParams::new(1, 256).unwrap();
//! assert_eq!(params.samples_per_block(), 500);
//! let pcm: Vec<i16> = (0..1000).map(|i| ((i as f32 * 0.05).sin() * 8000.0) as i16).collect();
//! let bytes = encode_all(&params, &pcm, Effort::DEFAULT);
//! let (decoded, warnings) = decode_all(&params, &bytes, Some(1000));
//! assert_eq!((decoded.len(), warnings), (1000, 0));
//! ```

mod decoder;
pub(crate) mod encoder;
mod kernels;

pub use decoder::{decode_all, MsBlockDecoder, MsDecoder};
pub use encoder::{encode_all, MsBlockEncoder, MsEncoder};

pub use crate::codecs::ima_adpcm::Effort;
use crate::{Error, Result};

/// WAV format tag of Microsoft ADPCM.
pub const WAV_FORMAT_TAG: u16 = 0x0002;

/// The standard predictor coefficient pairs `(c1, c2)` in Q8.
pub const STANDARD_COEFFICIENTS: [[i16; 2]; 7] = [
    [256, 0],
    [512, -256],
    [0, 0],
    [192, 64],
    [240, 0],
    [460, -208],
    [392, -232],
];

/// Delta multipliers in Q8, indexed by the code's 4-bit pattern.
pub const ADAPTATION_TABLE: [i32; 16] = [
    230, 230, 230, 230, 307, 409, 512, 614, 768, 614, 512, 409, 307, 230, 230, 230,
];

/// The smallest delta.
pub const MIN_DELTA: i32 = 16;

/// The largest delta: beyond it `ADAPTATION_TABLE[c] · delta` would overflow `i32`.
pub const MAX_DELTA: i32 = i32::MAX / 768;

/// Most channels the encoder and decoder accept.
pub const MAX_CHANNELS: usize = 8;

/// Most coefficient pairs a `fmt ` chunk may declare (SoX's limit).
pub const MAX_COEFFICIENTS: usize = 256;

/// One channel's decoder state: the last two samples, the delta and the coefficient pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct MsState {
    /// Last sample.
    pub sample1: i32,
    /// The sample before it.
    pub sample2: i32,
    /// Current delta.
    pub delta: i32,
    /// Coefficient for `sample1` (Q8).
    pub coef1: i32,
    /// Coefficient for `sample2` (Q8).
    pub coef2: i32,
}

impl MsState {
    /// The prediction of the next sample (floor of the Q8 product sum).
    #[inline(always)]
    pub fn prediction(&self) -> i32 {
        // i64: a custom table's pairs can reach ±32768, and two such products overflow i32.
        ((self.sample1 as i64 * self.coef1 as i64 + self.sample2 as i64 * self.coef2 as i64) >> 8)
            as i32
    }

    /// The state and sample that decoding the 4-bit `code` would give, and whether the delta
    /// saturated at [`MAX_DELTA`].
    #[inline(always)]
    pub fn peek(&self, code: u8) -> (MsState, i32, bool) {
        let signed = ((code & 15) as i32 ^ 8) - 8;
        let sample =
            (self.prediction() as i64 /* may exceed i16 */ + signed as i64 * self.delta as i64)
                .clamp(-32768, 32767) as i32;
        let mut delta = (ADAPTATION_TABLE[(code & 15) as usize] * self.delta) >> 8;
        let saturated = delta > MAX_DELTA;
        delta = delta.clamp(MIN_DELTA, MAX_DELTA);
        (
            MsState {
                sample1: sample,
                sample2: self.sample1,
                delta,
                ..*self
            },
            sample,
            saturated,
        )
    }
}

/// Block layout and coefficient table of an MS ADPCM stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MsParams {
    channels: usize,
    block_align: usize,
    samples_per_block: usize,
    coefficients: Vec<[i16; 2]>,
}

impl MsParams {
    /// The block layout, for the [block codec](crate::codecs::block) interface.
    pub fn block_layout(&self) -> crate::codecs::block::BlockLayout {
        crate::codecs::block::BlockLayout {
            channels: self.channels(),
            frames_per_block: self.samples_per_block(),
            bytes_per_block: self.block_align(),
        }
    }

    /// Blocks of `block_align` bytes (at least `7 * channels`, at most 65535) filled to
    /// capacity, with the standard coefficient table.
    pub fn new(channels: usize, block_align: usize) -> Result<Self> {
        if !(1..=MAX_CHANNELS).contains(&channels) {
            return Err(Error::invalid(
                "channels",
                format!("{channels} is not in 1..={MAX_CHANNELS}"),
            ));
        }
        if block_align < 7 * channels || block_align > 65535 {
            return Err(Error::invalid(
                "block_align",
                format!(
                    "{block_align} bytes is not in {}..=65535 (7 header bytes per channel)",
                    7 * channels
                ),
            ));
        }
        Ok(Self {
            channels,
            block_align,
            samples_per_block: 2 + (block_align - 7 * channels) * 2 / channels,
            coefficients: STANDARD_COEFFICIENTS.to_vec(),
        })
    }

    /// The customary block size: 256 bytes per channel up to 11025 Hz, doubling per octave,
    /// at most 1024 bytes per channel.
    pub fn default_block_align(channels: usize, sample_rate: u32) -> usize {
        crate::codecs::ima_adpcm::ImaParams::default_block_align(channels, sample_rate)
    }

    /// Reads the layout from a WAV `fmt ` chunk: channels, `nBlockAlign` and the extension
    /// bytes after `cbSize` (`wSamplesPerBlock`, `wNumCoef`, then the pairs, all LE).
    /// `wSamplesPerBlock` may be below the block's capacity (the rest is ignored) but not 0
    /// or 1; the table must hold 1..=256 pairs.
    pub fn from_wav_fmt(channels: usize, block_align: usize, extra: &[u8]) -> Result<Self> {
        let mut params = Self::new(channels, block_align)?;
        if extra.len() < 4 {
            return Err(Error::invalid(
                "fmt extension",
                format!("{} bytes; MS ADPCM needs at least 4", extra.len()),
            ));
        }
        let word = |i: usize| u16::from_le_bytes([extra[i], extra[i + 1]]);
        let spb = word(0) as usize;
        if spb < 2 || spb > params.samples_per_block {
            return Err(Error::invalid(
                "wSamplesPerBlock",
                format!(
                    "{spb} is not in 2..={} for a {block_align}-byte block",
                    params.samples_per_block
                ),
            ));
        }
        let count = word(2) as usize;
        if count == 0 || count > MAX_COEFFICIENTS || extra.len() < 4 + 4 * count {
            return Err(Error::invalid(
                "wNumCoef",
                format!(
                    "{count} pairs in a {}-byte extension (1..={MAX_COEFFICIENTS} pairs, 4 bytes each)",
                    extra.len()
                ),
            ));
        }
        params.samples_per_block = spb;
        params.coefficients = (0..count)
            .map(|k| [word(4 + 4 * k) as i16, word(6 + 4 * k) as i16])
            .collect();
        Ok(params)
    }

    /// The `fmt ` extension bytes after `cbSize` (which is their length, 32 for the standard
    /// table).
    pub fn wav_fmt_extra(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 4 * self.coefficients.len());
        out.extend_from_slice(&(self.samples_per_block as u16).to_le_bytes());
        out.extend_from_slice(&(self.coefficients.len() as u16).to_le_bytes());
        for [c1, c2] in &self.coefficients {
            out.extend_from_slice(&c1.to_le_bytes());
            out.extend_from_slice(&c2.to_le_bytes());
        }
        out
    }

    /// `wBitsPerSample` of the `fmt ` chunk.
    pub fn bits_per_sample(&self) -> u16 {
        4
    }

    /// `nAvgBytesPerSec` for `sample_rate`, as SoX and libsndfile compute it.
    pub fn avg_bytes_per_sec(&self, sample_rate: u32) -> u32 {
        (sample_rate as u64 * self.block_align as u64 / self.samples_per_block as u64) as u32
    }

    /// Interleaved channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Bytes per block (`nBlockAlign`).
    pub fn block_align(&self) -> usize {
        self.block_align
    }

    /// Frames per block (`wSamplesPerBlock`).
    pub fn samples_per_block(&self) -> usize {
        self.samples_per_block
    }

    /// The coefficient pairs `(c1, c2)`, Q8.
    pub fn coefficients(&self) -> &[[i16; 2]] {
        &self.coefficients
    }

    /// Bytes needed to code `frames` frames (whole blocks).
    pub fn encoded_len(&self, frames: u64) -> u64 {
        frames.div_ceil(self.samples_per_block as u64) * self.block_align as u64
    }
}

/// Decodes one block (or a final partial one) into interleaved `pcm`; returns the frames
/// written and adds corrupt-data events to `warnings`.
pub(crate) fn decode_block(
    params: &MsParams,
    bytes: &[u8],
    pcm: &mut [i16],
    warnings: &mut u64,
) -> usize {
    let ch = params.channels;
    if bytes.len() < params.block_align {
        *warnings += 1;
    }
    if bytes.len() < 7 * ch {
        return 0;
    }
    let frames = (2 + (bytes.len() - 7 * ch) * 2 / ch).min(params.samples_per_block);
    let word = |i: usize| i16::from_le_bytes([bytes[i], bytes[i + 1]]) as i32;
    let mut states = [MsState::default(); MAX_CHANNELS];
    for (c, state) in states.iter_mut().enumerate().take(ch) {
        let mut index = bytes[c] as usize;
        if index >= params.coefficients.len() {
            *warnings += 1;
            index = 0;
        }
        let [c1, c2] = params.coefficients[index];
        *state = MsState {
            delta: word(ch + 2 * c),
            sample1: word(3 * ch + 2 * c),
            sample2: word(5 * ch + 2 * c),
            coef1: c1 as i32,
            coef2: c2 as i32,
        };
        pcm[c] = state.sample2 as i16;
        if frames > 1 {
            pcm[ch + c] = state.sample1 as i16;
        }
    }
    let codes = frames.saturating_sub(2) * ch;
    let body = &bytes[7 * ch..];
    let out = &mut pcm[2 * ch..2 * ch + codes];
    // With |c1| + |c2| < 2^16 the product sum of 16-bit samples fits i32 (every standard
    // pair does; a custom table's extreme pairs take the i64 path).
    let narrow = states[..ch]
        .iter()
        .all(|s| s.coef1.abs() + s.coef2.abs() < 1 << 16);
    match (ch, narrow) {
        (1, true) => decode_codes::<1, true>(&mut states, body, out, warnings),
        (2, true) => decode_codes::<2, true>(&mut states, body, out, warnings),
        (1, false) => decode_codes::<1, false>(&mut states, body, out, warnings),
        (2, false) => decode_codes::<2, false>(&mut states, body, out, warnings),
        _ => {
            for (k, sample) in out.iter_mut().enumerate() {
                let code = (body[k / 2] >> (4 * (1 - k % 2))) & 15;
                *sample = decode_step::<false>(&mut states[k % ch], code, warnings);
            }
        }
    }
    frames
}

/// Decodes `out.len()` codes of a block whose channel count is the constant `CH` (so the
/// channel states stay in registers): byte `k / 2` holds code `k` (high nibble first).
#[inline(always)]
fn decode_codes<const CH: usize, const NARROW: bool>(
    states: &mut [MsState; MAX_CHANNELS],
    body: &[u8],
    out: &mut [i16],
    warnings: &mut u64,
) {
    let mut local = [MsState::default(); CH];
    local.copy_from_slice(&states[..CH]);
    let half = out.len() / 2;
    let mut pairs = out.chunks_exact_mut(2);
    for (two, &byte) in (&mut pairs).zip(body) {
        // With an even channel count a byte holds channels (c, c+1); with one, two samples.
        two[0] = decode_step::<NARROW>(&mut local[0], byte >> 4, warnings);
        two[1] = decode_step::<NARROW>(&mut local[(CH - 1).min(1)], byte & 15, warnings);
    }
    if let ([last], Some(&byte)) = (pairs.into_remainder(), body.get(half)) {
        *last = decode_step::<NARROW>(&mut local[0], byte >> 4, warnings);
    }
    states[..CH].copy_from_slice(&local);
}

/// Decodes one 4-bit code: [`MsState::peek`] in the order the decoder's dependency chain wants
/// (the clamp and the delta saturation are rare, so they branch). `NARROW`: the prediction in
/// i32, exact when `|c1| + |c2| < 2^16` (the sum with `code·delta`, below 2^25, fits too).
#[inline(always)]
fn decode_step<const NARROW: bool>(state: &mut MsState, code: u8, warnings: &mut u64) -> i16 {
    let signed = ((code as i32) << 28) >> 28;
    let prediction = if NARROW {
        (state.sample1 * state.coef1 + state.sample2 * state.coef2) >> 8
    } else {
        state.prediction()
    };
    let mut sample = prediction as i64 + signed as i64 * state.delta as i64;
    if sample != sample as i16 as i64 {
        sample = sample.clamp(-32768, 32767);
    }
    let delta = (ADAPTATION_TABLE[(code & 15) as usize] * state.delta) >> 8;
    if delta > MAX_DELTA {
        *warnings += 1;
    }
    state.delta = delta.clamp(MIN_DELTA, MAX_DELTA);
    state.sample2 = state.sample1;
    state.sample1 = sample as i32;
    sample as i16
}

#[cfg(test)]
mod tests;
