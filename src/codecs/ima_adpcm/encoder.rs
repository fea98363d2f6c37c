//! The IMA ADPCM encoder: starting step index search, nearest-reconstruction greedy coding and a
//! beam search, streaming ([`ImaEncoder`]) and batch-parallel ([`encode_all`]).

use super::beam::{Beam, BeamModel};
use super::blocks::{encode_blocks_parallel, EncoderCore};
use super::{Effort, ImaParams, ImaState, MAX_STEP_INDEX, STEP_TABLE};
use crate::codecs::Encoder;
use crate::stream::{Flush, Progress};
use crate::Result;

/// How many samples after the header the starting step index search looks at.
const START_SEARCH_LEN: usize = 24;

/// The code for `target` whose reconstruction from `state` is nearest (ties to the smaller
/// magnitude, which keeps the step small), with the state and sample it decodes to.
#[inline(always)]
fn nearest_code(state: &ImaState, target: i32) -> (u8, ImaState, i32) {
    let (sign, low) = first_guess(state, target);
    let (s0, y0) = state.peek(sign | low);
    if low < 7 {
        let (s1, y1) = state.peek(sign | (low + 1));
        if (target - y1).abs() < (target - y0).abs() {
            return (sign | (low + 1), s1, y1);
        }
    }
    (sign | low, s0, y0)
}

/// Sign bit and the largest magnitude whose nominal reconstruction `(2m+1)·step/8` lies at or
/// below `|target - predictor| + step/8`: the nearest code is this one or the next.
#[inline(always)]
fn first_guess(state: &ImaState, target: i32) -> (u8, u8) {
    let step = STEP_TABLE[state.step_index as usize];
    let d = target - state.predictor;
    let sign = if d < 0 { 8 } else { 0 };
    let magnitude = ((d.unsigned_abs() << 2) / step as u32).min(7) as u8;
    (sign, magnitude)
}

/// The decoder model the beam search drives.
struct ImaModel;

impl BeamModel for ImaModel {
    type State = ImaState;
    #[inline(always)]
    fn candidates(&self, state: &ImaState, target: i32, codes: &mut [u8; 3]) -> usize {
        let (sign, m) = first_guess(state, target);
        codes[0] = sign | m;
        let mut n = 1;
        if m < 7 {
            codes[n] = sign | (m + 1);
            n += 1;
        }
        if m > 0 {
            codes[n] = sign | (m - 1);
            n += 1;
        }
        n
    }
    #[inline(always)]
    fn advance(&self, state: &ImaState, code: u8) -> (ImaState, i32) {
        state.peek(code)
    }
}

/// Greedy coding of `targets` from `state`; writes codes (if given) and returns the squared
/// error, stopping early once it exceeds `give_up`.
#[inline]
fn greedy(mut state: ImaState, targets: &[i16], mut codes: Option<&mut [u8]>, give_up: u64) -> u64 {
    let mut cost = 0u64;
    for (i, &x) in targets.iter().enumerate() {
        let (code, next, y) = nearest_code(&state, x as i32);
        let e = (x as i32 - y) as i64;
        cost += (e * e) as u64;
        state = next;
        if let Some(c) = codes.as_deref_mut() {
            c[i] = code;
        }
        if cost > give_up {
            break;
        }
    }
    cost
}

/// A step index whose step is near the mean absolute difference of the first samples.
fn estimate_start_index(samples: &[i16]) -> u8 {
    let n = samples.len().min(START_SEARCH_LEN + 1);
    if n < 2 {
        return 0;
    }
    let total: i64 = samples[..n]
        .windows(2)
        .map(|w| (w[1] as i64 - w[0] as i64).abs())
        .sum();
    let mean = (total / (n as i64 - 1)) as i32;
    STEP_TABLE
        .partition_point(|&s| s < mean)
        .min(MAX_STEP_INDEX as usize) as u8
}

/// Per-block scratch and settings, sized once for the block length.
pub(crate) struct BlockCoder {
    params: ImaParams,
    effort: Effort,
    samples: Vec<i16>,
    codes: Vec<u8>,
    beam: Option<Beam<ImaState>>,
    ranked: Vec<(u64, u8)>,
}

impl BlockCoder {
    pub(crate) fn new(params: ImaParams, effort: Effort) -> Self {
        let spb = params.samples_per_block();
        let width = effort.beam_width();
        Self {
            params,
            effort,
            samples: vec![0; spb],
            codes: vec![0; spb],
            beam: (width > 1).then(|| Beam::new(width, spb)),
            ranked: Vec::with_capacity(MAX_STEP_INDEX as usize + 1),
        }
    }

    /// Codes one whole interleaved block into `out` (`block_align` bytes).
    pub(crate) fn encode_block(&mut self, pcm: &[i16], out: &mut [u8]) {
        let ch = self.params.channels();
        let spb = self.params.samples_per_block();
        out.fill(0);
        for c in 0..ch {
            for (i, s) in self.samples.iter_mut().enumerate() {
                *s = pcm[i * ch + c];
            }
            let start = self.code_channel();
            let first = self.samples[0].to_le_bytes();
            out[4 * c..4 * c + 4].copy_from_slice(&[first[0], first[1], start, 0]);
            // Codes for samples 1.. go in 4-byte groups of 8, channels interleaved per group.
            for (i, &code) in self.codes[..spb - 1].iter().enumerate() {
                let (group, k) = (i / 8, i % 8);
                let at = 4 * ch + group * 4 * ch + 4 * c + k / 2;
                out[at] |= (code & 15) << (4 * (k % 2));
            }
        }
    }

    /// Chooses the starting step index and the codes for `self.samples[1..]`; returns the index.
    fn code_channel(&mut self) -> u8 {
        let first = self.samples[0] as i32;
        let targets = &self.samples[1..];
        let root = |index: u8| ImaState {
            predictor: first,
            step_index: index,
        };
        if self.effort.0 == 0 {
            let start = estimate_start_index(&self.samples);
            greedy(root(start), targets, Some(&mut self.codes), u64::MAX);
            return start;
        }
        // Rank every starting index by the greedy error over the first samples.
        let prefix = &targets[..targets.len().min(START_SEARCH_LEN)];
        self.ranked.clear();
        let mut best = u64::MAX;
        for index in 0..=MAX_STEP_INDEX {
            let cost = greedy(root(index), prefix, None, best);
            best = best.min(cost);
            self.ranked.push((cost, index));
        }
        self.ranked.sort_unstable();
        match self.beam.as_mut() {
            None => {
                let start = self.ranked[0].1;
                greedy(root(start), targets, Some(&mut self.codes), u64::MAX);
                start
            }
            Some(beam) => {
                let mut roots = [ImaState::default(); 8];
                let n = roots.len().min(self.ranked.len());
                for (r, &(_, index)) in roots.iter_mut().zip(&self.ranked) {
                    *r = root(index);
                }
                let (chosen, _) = beam.search(&ImaModel, &roots[..n], targets, &mut self.codes);
                roots[chosen].step_index
            }
        }
    }
}

/// Streaming IMA ADPCM encoder: interleaved `i16` in any chunking, whole blocks out.
///
/// After [`Flush::Finish`] the last block is padded (each channel holds its last value);
/// [`frames_in`](Self::frames_in) gives the true length for the WAV `fact` chunk.
///
/// ```
/// use aquant::codecs::ima_adpcm::{Effort, ImaEncoder, ImaParams};
/// use aquant::codecs::Encoder;
/// use aquant::Flush;
///
/// let params = ImaParams::new(2, 512).unwrap();
/// let mut enc = ImaEncoder::new(params, Effort::DEFAULT);
/// let pcm = vec![100i16; 2 * 600]; // 600 stereo frames: one full block of 505 and a partial one
/// let mut out = vec![0u8; 2048];
/// let p = enc.encode(&pcm, &mut out, Flush::Finish).unwrap();
/// assert!(p.finished);
/// assert_eq!((p.consumed, p.produced), (1200, 1024));
/// assert_eq!(enc.frames_in(), 600);
/// ```
pub struct ImaEncoder {
    coder: BlockCoder,
    core: EncoderCore,
}

impl ImaEncoder {
    /// An encoder for `params` searching with `effort`.
    pub fn new(params: ImaParams, effort: Effort) -> Self {
        Self {
            coder: BlockCoder::new(params, effort),
            core: EncoderCore::new(
                params.channels(),
                params.samples_per_block(),
                params.block_align(),
            ),
        }
    }

    /// Frames taken in since construction or reset (the `fact` chunk's length).
    pub fn frames_in(&self) -> u64 {
        self.core.frames_in()
    }

    /// The block layout.
    pub fn params(&self) -> &ImaParams {
        &self.coder.params
    }
}

impl Encoder for ImaEncoder {
    fn encode(&mut self, input: &[i16], output: &mut [u8], flush: Flush) -> Result<Progress> {
        let coder = &mut self.coder;
        Ok(self.core.encode(input, output, flush, |pcm, out| {
            coder.encode_block(pcm, out)
        }))
    }

    fn reset(&mut self) {
        self.core.reset();
    }

    fn channels(&self) -> usize {
        self.coder.params.channels()
    }
}

/// Encodes a whole interleaved stream at once, blocks in parallel (rayon). The bytes equal the
/// streaming [`ImaEncoder`]'s with [`Flush::Finish`], whatever the thread count.
pub fn encode_all(params: &ImaParams, pcm: &[i16], effort: Effort) -> Vec<u8> {
    encode_blocks_parallel(
        params.channels(),
        params.samples_per_block(),
        params.block_align(),
        pcm,
        || BlockCoder::new(*params, effort),
        |coder, block, out| coder.encode_block(block, out),
    )
}
