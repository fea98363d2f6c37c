//! The MS ADPCM encoder: per-block search of the predictor pair and initial delta, nearest-
//! reconstruction greedy coding and a beam search, streaming ([`MsEncoder`]) and
//! batch-parallel ([`encode_all`]).

use super::{MsParams, MsState, MIN_DELTA};
use crate::codecs::ima_adpcm::beam::{Beam, BeamModel};
use crate::codecs::ima_adpcm::blocks::{encode_blocks_parallel, EncoderCore};
use crate::codecs::ima_adpcm::Effort;
use crate::codecs::Encoder;
use crate::stream::{Flush, Progress};
use crate::Result;

/// How many coded samples the initial delta search looks at.
const DELTA_SEARCH_LEN: usize = 16;

/// Initial delta candidates: 16 to 32767 in half-octave steps (the header field is `i16`).
const DELTA_CANDIDATES: [i32; 23] = [
    16, 23, 32, 45, 64, 91, 128, 181, 256, 362, 512, 724, 1024, 1448, 2048, 2896, 4096, 5793, 8192,
    11585, 16384, 23170, 32767,
];

/// The signed code (-8..=7) whose reconstruction `prediction + code·delta` is nearest `target`.
#[inline(always)]
fn nearest_signed_code(state: &MsState, target: i32) -> i32 {
    let e = target - state.prediction();
    let d = state.delta.max(1);
    let q = if e >= 0 {
        (e + d / 2) / d
    } else {
        -((-e + d / 2) / d)
    };
    q.clamp(-8, 7)
}

/// The decoder model the beam search drives.
struct MsModel;

impl BeamModel for MsModel {
    type State = MsState;
    #[inline(always)]
    fn candidates(&self, state: &MsState, target: i32, codes: &mut [u8; 3]) -> usize {
        let q = nearest_signed_code(state, target);
        codes[0] = (q & 15) as u8;
        let mut n = 1;
        if q < 7 {
            codes[n] = ((q + 1) & 15) as u8;
            n += 1;
        }
        if q > -8 {
            codes[n] = ((q - 1) & 15) as u8;
            n += 1;
        }
        n
    }
    #[inline(always)]
    fn advance(&self, state: &MsState, code: u8) -> (MsState, i32) {
        let (next, sample, _) = state.peek(code);
        (next, sample)
    }
}

/// Greedy coding of `targets` from `state`; writes codes (if given) and returns the squared
/// error, stopping early once it exceeds `give_up`.
#[inline]
fn greedy(mut state: MsState, targets: &[i16], mut codes: Option<&mut [u8]>, give_up: u64) -> u64 {
    let mut cost = 0u64;
    for (i, &x) in targets.iter().enumerate() {
        let code = (nearest_signed_code(&state, x as i32) & 15) as u8;
        let (next, y, _) = state.peek(code);
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

/// The starting state for pair `(c1, c2)` and `delta`, given the block's first two samples.
fn root(samples: &[i16], [c1, c2]: [i16; 2], delta: i32) -> MsState {
    MsState {
        sample1: samples.get(1).copied().unwrap_or(samples[0]) as i32,
        sample2: samples[0] as i32,
        delta,
        coef1: c1 as i32,
        coef2: c2 as i32,
    }
}

/// Per-block scratch and settings, sized once for the block length.
pub(crate) struct BlockCoder {
    params: MsParams,
    effort: Effort,
    samples: Vec<i16>,
    codes: Vec<u8>,
    beam_codes: Vec<u8>,
    beam: Option<Beam<MsState>>,
    /// (greedy cost, pair index, initial delta) per pair.
    ranked: Vec<(u64, usize, i32)>,
}

impl BlockCoder {
    pub(crate) fn new(params: MsParams, effort: Effort) -> Self {
        let spb = params.samples_per_block();
        let width = effort.beam_width();
        let pairs = params.coefficients().len();
        Self {
            effort,
            samples: vec![0; spb],
            codes: vec![0; spb],
            beam_codes: vec![0; if width > 1 { spb } else { 0 }],
            beam: (width > 1).then(|| Beam::new(width, spb)),
            ranked: Vec::with_capacity(pairs),
            params,
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
            let (pair, delta) = self.code_channel();
            out[c] = pair as u8;
            let put = |out: &mut [u8], at: usize, v: i16| {
                out[at..at + 2].copy_from_slice(&v.to_le_bytes());
            };
            put(out, ch + 2 * c, delta as i16);
            put(
                out,
                3 * ch + 2 * c,
                self.samples.get(1).copied().unwrap_or(0),
            );
            put(out, 5 * ch + 2 * c, self.samples[0]);
            let body = &mut out[7 * ch..];
            for (i, &code) in self.codes[..spb.saturating_sub(2)].iter().enumerate() {
                let k = i * ch + c;
                body[k / 2] |= (code & 15) << (4 * (1 - k % 2));
            }
        }
    }

    /// Chooses the pair and initial delta and the codes for `self.samples[2..]`.
    fn code_channel(&mut self) -> (usize, i32) {
        let samples = &self.samples;
        let targets = samples.get(2..).unwrap_or(&[]);
        let pairs = self.params.coefficients();
        if self.effort.0 == 0 {
            let (pair, delta) = estimate_pair_and_delta(samples, pairs);
            greedy(
                root(samples, pairs[pair], delta),
                targets,
                Some(&mut self.codes),
                u64::MAX,
            );
            return (pair, delta);
        }
        // For each pair: the initial delta that codes the first samples best, then the
        // greedy error of the whole block (abandoned once worse than the best pair so far).
        let prefix = &targets[..targets.len().min(DELTA_SEARCH_LEN)];
        self.ranked.clear();
        let mut best = u64::MAX;
        for (p, &coefs) in pairs.iter().enumerate() {
            let mut best_delta = (u64::MAX, MIN_DELTA);
            for &delta in &DELTA_CANDIDATES {
                let cost = greedy(root(samples, coefs, delta), prefix, None, best_delta.0);
                if cost < best_delta.0 {
                    best_delta = (cost, delta);
                }
            }
            let delta = best_delta.1;
            let cost = greedy(root(samples, coefs, delta), targets, None, best);
            best = best.min(cost);
            self.ranked.push((cost, p, delta));
        }
        self.ranked.sort_unstable();
        let (greedy_cost, pair, delta) = self.ranked[0];
        greedy(
            root(samples, pairs[pair], delta),
            targets,
            Some(&mut self.codes),
            u64::MAX,
        );
        if let Some(beam) = self.beam.as_mut() {
            let mut roots = [MsState::default(); 8];
            let n = self.ranked.len().min(roots.len());
            for (r, &(_, p, d)) in roots.iter_mut().zip(&self.ranked) {
                *r = root(samples, pairs[p], d);
            }
            let (chosen, cost) = beam.search(&MsModel, &roots[..n], targets, &mut self.beam_codes);
            if cost < greedy_cost {
                let (_, p, d) = self.ranked[chosen];
                self.codes.copy_from_slice(&self.beam_codes);
                return (p, d);
            }
        }
        (pair, delta)
    }
}

/// Effort 0: the pair with the least prediction error on the input itself, and a delta of
/// half the mean absolute residual over the first samples.
fn estimate_pair_and_delta(samples: &[i16], pairs: &[[i16; 2]]) -> (usize, i32) {
    let mut best = (u64::MAX, 0usize, MIN_DELTA);
    for (p, &[c1, c2]) in pairs.iter().enumerate() {
        let (mut energy, mut head) = (0u64, 0i64);
        for (i, w) in samples.windows(3).enumerate() {
            let pred = (w[1] as i64 * c1 as i64 + w[0] as i64 * c2 as i64) >> 8;
            let e = w[2] as i64 - pred;
            energy += (e * e) as u64;
            if i < DELTA_SEARCH_LEN / 2 {
                head += e.abs();
            }
        }
        if energy < best.0 {
            let n = samples
                .len()
                .saturating_sub(2)
                .clamp(1, DELTA_SEARCH_LEN / 2) as i64;
            best = (
                energy,
                p,
                (head / n / 2).clamp(MIN_DELTA as i64, 32767) as i32,
            );
        }
    }
    (best.1, best.2)
}

/// Streaming MS ADPCM encoder: interleaved `i16` in any chunking, whole blocks out.
///
/// After [`Flush::Finish`] the last block is padded (each channel holds its last value);
/// [`frames_in`](Self::frames_in) gives the true length for the WAV `fact` chunk.
///
/// ```
/// use aquant::codecs::ms_adpcm::{Effort, MsEncoder, MsParams};
/// use aquant::codecs::Encoder;
/// use aquant::Flush;
///
/// let params = MsParams::new(1, 256).unwrap(); // 500 frames per block
/// let mut enc = MsEncoder::new(params, Effort::DEFAULT);
/// let pcm: Vec<i16> = (0..700).map(|i| (i * 37 % 2000) as i16).collect();
/// let mut out = vec![0u8; 1024];
/// let p = enc.encode(&pcm, &mut out, Flush::Finish).unwrap();
/// assert!(p.finished);
/// assert_eq!(p.produced, 512);
/// assert_eq!(enc.frames_in(), 700);
/// ```
pub struct MsEncoder {
    coder: BlockCoder,
    core: EncoderCore,
}

impl MsEncoder {
    /// An encoder for `params` searching with `effort`.
    pub fn new(params: MsParams, effort: Effort) -> Self {
        Self {
            core: EncoderCore::new(
                params.channels(),
                params.samples_per_block(),
                params.block_align(),
            ),
            coder: BlockCoder::new(params, effort),
        }
    }

    /// Frames taken in since construction or reset (the `fact` chunk's length).
    pub fn frames_in(&self) -> u64 {
        self.core.frames_in()
    }

    /// The block layout.
    pub fn params(&self) -> &MsParams {
        &self.coder.params
    }
}

impl Encoder for MsEncoder {
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
/// streaming [`MsEncoder`]'s with [`Flush::Finish`], whatever the thread count.
pub fn encode_all(params: &MsParams, pcm: &[i16], effort: Effort) -> Vec<u8> {
    encode_blocks_parallel(
        params.channels(),
        params.samples_per_block(),
        params.block_align(),
        pcm,
        || BlockCoder::new(params.clone(), effort),
        |coder, block, out| coder.encode_block(block, out),
    )
}
