//! IMA/DVI ADPCM as WAV stores it (format tag `0x0011`): 4 bits per sample, blocks of
//! `block_align` bytes that each start from a header and decode on their own.
//!
//! # Bitstream
//!
//! A block holds, per channel, a 4-byte header (the first sample as `i16` LE, the step index
//! 0..=88, a reserved zero byte), then groups of 4 bytes (8 samples) per channel in channel
//! order, low nibble first. A block of `block_align` bytes holds
//! `samples_per_block = (block_align / channels - 4) * 2 + 1` frames; the `fmt ` extension
//! (`cbSize = 2`) stores that count. Decoding uses the IMA reference shift-add reconstruction,
//! bit-exact with SoX and libsndfile (FFmpeg's decoder uses a multiply that rounds differently).
//!
//! # Corrupt data
//!
//! Every event below is counted in [`Decoder::warnings`](crate::codecs::Decoder::warnings) and decodes to a defined result:
//!
//! * a header step index above 88 is clamped to 88 (as libsndfile does);
//! * a final block shorter than `block_align` decodes the whole 8-sample groups it holds (as
//!   SoX does); one shorter than its headers decodes to nothing;
//! * a nonzero reserved header byte is ignored (not counted: some encoders write garbage there).
//!
//! # Encoding
//!
//! [`ImaEncoder`] searches each block's starting step index, then codes each sample with the
//! code whose decoded sample is nearest the input ([`Effort`] 0–1), or runs a beam search over
//! code sequences that keeps the best few per step index (effort ≥ 2). Blocks are independent, so [`encode_all`] codes them in parallel with
//! output identical to the streaming encoder.
//!
//! ```
//! use aquant::codecs::ima_adpcm::{decode_all, encode_all, Effort, ImaParams};
//!
//! let params = ImaParams::new(1, 256).unwrap();
//! assert_eq!(params.samples_per_block(), 505);
//! let pcm: Vec<i16> = (0..2000).map(|i| ((i as f32 * 0.05).sin() * 8000.0) as i16).collect();
//! let bytes = encode_all(&params, &pcm, Effort::DEFAULT);
//! assert_eq!(bytes.len(), 4 * 256); // 2000 frames need 4 blocks; the last is padded
//! let (decoded, warnings) = decode_all(&params, &bytes, Some(2000));
//! assert_eq!((decoded.len(), warnings), (2000, 0));
//! ```

pub(crate) mod beam;
pub(crate) mod blocks;
mod decoder;
pub(crate) mod encoder;
pub(crate) mod kernels;

pub use decoder::{decode_all, ImaBlockDecoder, ImaDecoder};
pub use encoder::{encode_all, ImaBlockEncoder, ImaEncoder};

use crate::{Error, Result};

/// How hard an ADPCM encoder searches (IMA and MS share the scale).
///
/// * 0: one greedy pass (each sample takes the code whose decoded sample is nearest), block
///   parameters estimated from the input;
/// * 1 ([`Effort::DEFAULT`]): greedy, with the block parameters chosen by search. IMA: the
///   starting step index that codes the first samples best, confirmed over a longer prefix,
///   and for a block coded below 20 dB SNR (a transient) whole-block codings from neighbouring
///   and spread-out starts. MS: the two pairs that predict the input best, the initial delta
///   that codes the first samples best, then four whole-block codings (the best pair with three
///   deltas, the second pair), in lockstep;
/// * 2..=9: a beam search over code sequences, started from several block parameters; its
///   result replaces effort 1's only when its squared error is lower, so an effort above 1 is
///   never worse than effort 1. IMA keeps the 1, 2, 3, 4, 6, 8, 12 or 16 cheapest sequences
///   per step index (a sequence's step index decides its future errors, so keeping a few of
///   each beats keeping the cheapest overall); MS keeps the `2^(effort - 1)` cheapest (2 to
///   256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Effort(pub u8);

impl Effort {
    /// Greedy coding with searched block parameters.
    pub const DEFAULT: Effort = Effort(1);
    /// The highest effort.
    pub const MAX: Effort = Effort(9);

    /// The MS encoder's beam width for this effort (1 for the greedy efforts).
    pub fn beam_width(self) -> usize {
        match self.0 {
            0 | 1 => 1,
            e => 1 << (e.min(Self::MAX.0) - 1),
        }
    }
}

impl Default for Effort {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The 89 quantizer step sizes of the IMA ADPCM standard.
pub const STEP_TABLE: [i32; 89] = [
    7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45, 50, 55, 60, 66,
    73, 80, 88, 97, 107, 118, 130, 143, 157, 173, 190, 209, 230, 253, 279, 307, 337, 371, 408, 449,
    494, 544, 598, 658, 724, 796, 876, 963, 1060, 1166, 1282, 1411, 1552, 1707, 1878, 2066, 2272,
    2499, 2749, 3024, 3327, 3660, 4026, 4428, 4871, 5358, 5894, 6484, 7132, 7845, 8630, 9493,
    10442, 11487, 12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794, 32767,
];

/// Step index change for each code magnitude (the sign bit does not matter).
pub const INDEX_TABLE: [i8; 8] = [-1, -1, -1, -1, 2, 4, 6, 8];

/// Largest step index.
pub const MAX_STEP_INDEX: u8 = 88;

/// WAV format tag of IMA/DVI ADPCM.
pub const WAV_FORMAT_TAG: u16 = 0x0011;

/// Most channels the encoder and decoder accept.
pub const MAX_CHANNELS: usize = 8;

/// The IMA decoder's state for one channel: the predicted sample and the step index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ImaState {
    /// Last reconstructed sample.
    pub predictor: i32,
    /// Index into [`STEP_TABLE`], 0..=88.
    pub step_index: u8,
}

impl ImaState {
    /// Decodes one 4-bit `code` (bit 3 = sign), updating the state; returns the sample.
    ///
    /// ```
    /// use aquant::codecs::ima_adpcm::ImaState;
    /// let mut s = ImaState { predictor: 0, step_index: 0 };
    /// // step 7: diff = 7>>3 + 7 (bit 2) = 7, index +2
    /// assert_eq!(s.decode(0b0100), 7);
    /// assert_eq!(s.step_index, 2);
    /// ```
    #[inline(always)]
    pub fn decode(&mut self, code: u8) -> i16 {
        let (next, sample) = self.peek(code);
        *self = next;
        sample as i16
    }

    /// The state and sample that decoding `code` would give, without changing `self`.
    #[inline(always)]
    pub fn peek(&self, code: u8) -> (ImaState, i32) {
        let step = STEP_TABLE[self.step_index as usize];
        let diff = reconstruct_magnitude(step, code & 7);
        let predictor = if code & 8 != 0 {
            (self.predictor - diff).max(-32768)
        } else {
            (self.predictor + diff).min(32767)
        };
        let index = (self.step_index as i32 + INDEX_TABLE[(code & 7) as usize] as i32).clamp(0, 88);
        (
            ImaState {
                predictor,
                step_index: index as u8,
            },
            predictor,
        )
    }
}

/// The reference shift-add reconstruction of a code magnitude `0..=7` at `step`.
#[inline(always)]
fn reconstruct_magnitude(step: i32, magnitude: u8) -> i32 {
    let mut diff = step >> 3;
    if magnitude & 4 != 0 {
        diff += step;
    }
    if magnitude & 2 != 0 {
        diff += step >> 1;
    }
    if magnitude & 1 != 0 {
        diff += step >> 2;
    }
    diff
}

/// Block layout of an IMA ADPCM stream: channels, bytes per block and frames per block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImaParams {
    channels: usize,
    block_align: usize,
    samples_per_block: usize,
}

impl ImaParams {
    /// Blocks of `block_align` bytes (a multiple of `4 * channels`, at most 65535), filled to
    /// capacity.
    pub fn new(channels: usize, block_align: usize) -> Result<Self> {
        if !(1..=MAX_CHANNELS).contains(&channels) {
            return Err(Error::invalid(
                "channels",
                format!("{channels} is not in 1..={MAX_CHANNELS}"),
            ));
        }
        let unit = 4 * channels;
        if block_align < unit || !block_align.is_multiple_of(unit) || block_align > 65535 {
            return Err(Error::invalid(
                "block_align",
                format!(
                    "{block_align} bytes is not a multiple of {unit} (4 bytes per channel) in {unit}..=65535"
                ),
            ));
        }
        Ok(Self {
            channels,
            block_align,
            samples_per_block: (block_align / channels - 4) * 2 + 1,
        })
    }

    /// The customary block size for a sample rate: 256 bytes per channel up to 11025 Hz,
    /// doubling per octave above, at most 1024 bytes per channel (the Microsoft convention;
    /// 48 kHz stereo gets 2048-byte blocks of 2041 frames).
    pub fn default_block_align(channels: usize, sample_rate: u32) -> usize {
        let mut per_channel = 256;
        let mut rate = 11025u32;
        while sample_rate > rate && per_channel < 1024 {
            per_channel *= 2;
            rate *= 2;
        }
        per_channel * channels
    }

    /// Reads the layout from a WAV `fmt ` chunk: the channel count, `nBlockAlign`, and the
    /// extension bytes after `cbSize` (`wSamplesPerBlock`, little-endian `u16`). An empty
    /// extension means a full block. `wSamplesPerBlock` may be smaller than the block holds
    /// (the rest of the block is ignored, as in SoX) but must be `8k + 1`.
    pub fn from_wav_fmt(channels: usize, block_align: usize, extra: &[u8]) -> Result<Self> {
        let mut params = Self::new(channels, block_align)?;
        if extra.len() >= 2 {
            let spb = u16::from_le_bytes([extra[0], extra[1]]) as usize;
            if spb == 0 || !(spb - 1).is_multiple_of(8) || spb > params.samples_per_block {
                return Err(Error::invalid(
                    "wSamplesPerBlock",
                    format!(
                        "{spb} is not 8k+1 and at most {} for a {block_align}-byte block",
                        params.samples_per_block
                    ),
                ));
            }
            params.samples_per_block = spb;
        }
        Ok(params)
    }

    /// The `fmt ` extension bytes after `cbSize` (which is 2): `wSamplesPerBlock`.
    pub fn wav_fmt_extra(&self) -> [u8; 2] {
        (self.samples_per_block as u16).to_le_bytes()
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

    /// The layout as the [block codec traits](crate::codecs::block) describe it.
    pub fn block_layout(&self) -> crate::codecs::block::BlockLayout {
        crate::codecs::block::BlockLayout {
            channels: self.channels,
            frames_per_block: self.samples_per_block,
            bytes_per_block: self.block_align,
        }
    }

    /// Bytes needed to code `frames` frames (whole blocks).
    pub fn encoded_len(&self, frames: u64) -> u64 {
        frames.div_ceil(self.samples_per_block as u64) * self.block_align as u64
    }
}

/// Decodes one block (or a final partial block) into interleaved `pcm`; returns the frames
/// written and adds corrupt-data events to `warnings`.
pub(crate) fn decode_block(
    params: &ImaParams,
    bytes: &[u8],
    pcm: &mut [i16],
    warnings: &mut u64,
) -> usize {
    let ch = params.channels;
    let header = 4 * ch;
    if bytes.len() < params.block_align {
        *warnings += 1;
    }
    if bytes.len() < header {
        return 0;
    }
    let groups_held = (bytes.len() - header) / header;
    let frames = (1 + 8 * groups_held).min(params.samples_per_block);
    let groups = (frames - 1) / 8;
    let mut states = [ImaState::default(); MAX_CHANNELS];
    for (c, state) in states.iter_mut().enumerate().take(ch) {
        let h = &bytes[4 * c..4 * c + 4];
        let mut index = h[2];
        if index > MAX_STEP_INDEX {
            *warnings += 1;
            index = MAX_STEP_INDEX;
        }
        *state = ImaState {
            predictor: i16::from_le_bytes([h[0], h[1]]) as i32,
            step_index: index,
        };
        pcm[c] = state.predictor as i16;
    }
    // Group by group, every channel in turn: the channels' dependency chains interleave, so
    // the CPU overlaps them.
    for g in 0..groups {
        for (c, state) in states.iter_mut().enumerate().take(ch) {
            let at = header + g * header + 4 * c;
            let group = &bytes[at..at + 4];
            let base = (1 + 8 * g) * ch + c;
            for (k, &b) in group.iter().enumerate() {
                pcm[base + 2 * k * ch] = state.decode(b & 15);
                pcm[base + (2 * k + 1) * ch] = state.decode(b >> 4);
            }
        }
    }
    frames
}

#[cfg(test)]
mod tests;
