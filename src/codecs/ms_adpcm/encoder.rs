//! The MS ADPCM encoder: per-block search of the predictor pair and initial delta, nearest-
//! reconstruction greedy coding and a beam search, streaming ([`MsEncoder`]) and
//! batch-parallel ([`encode_all`]).

use super::kernels::{greedy_lanes, pair_energy, Lanes, LANES};
use super::{MsParams, MsState, MAX_CHANNELS, MIN_DELTA};
use crate::codecs::ima_adpcm::beam::{Beam, BeamModel, MAX_CANDIDATES};
use crate::codecs::ima_adpcm::blocks::{encode_blocks_parallel, EncoderCore};
use crate::codecs::ima_adpcm::Effort;
use crate::codecs::Encoder;
use crate::simd::SimdLevel;
use crate::stream::{Flush, Progress};
use crate::Result;

/// How many residuals the initial delta estimate averages.
const DELTA_SEARCH_LEN: usize = 16;

/// `delta · factor / 128`, kept within the header's range.
fn scale_delta(delta: i32, factor: i32) -> i32 {
    (delta * factor / 128).clamp(MIN_DELTA, 32767)
}

/// How many samples the initial delta refinement codes.
const DELTA_REFINE_LEN: usize = 32;

/// Initial delta candidates relative to the estimate, in 1/128.
const DELTA_FACTORS: [i32; 5] = [64, 90, 128, 181, 256];

/// The signed code (-8..=7) whose reconstruction `prediction + code·delta` is nearest
/// `target` (before the decoder's clamp; ties toward zero). Counting the odd half-multiples of
/// delta below `2·|error|` avoids a division on the sample-to-sample dependency chain.
#[inline(always)]
pub(crate) fn nearest_signed_code(state: &MsState, target: i32) -> i32 {
    let e = target as i64 - state.prediction() as i64;
    let twice = 2 * e.abs();
    let d = state.delta.max(1) as i64;
    let mut m = 0;
    for odd in [1, 3, 5, 7, 9, 11, 13, 15] {
        m += (twice > odd * d) as i32;
    }
    if e >= 0 {
        m.min(7)
    } else {
        -m
    }
}

/// The decoder model the beam search drives.
struct MsModel;

impl BeamModel for MsModel {
    type State = MsState;
    #[inline(always)]
    fn candidates(&self, state: &MsState, target: i32, codes: &mut [u8; MAX_CANDIDATES]) -> usize {
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
    level: SimdLevel,
    /// The block, interleaved, with [`LANES`] samples of padding for the SIMD loads.
    padded: Vec<i16>,
    /// One channel of the block.
    samples: Vec<i16>,
    /// Codes of the chains of one [`greedy_lanes`] call, step-major.
    lane_codes: Vec<u8>,
    beam_codes: Vec<u8>,
    beam: Option<Beam<MsState>>,
    /// Per channel: (cost, pair index, initial delta), first by prediction error per pair,
    /// then by greedy cost per start.
    ranked: Vec<Vec<(u64, usize, i32)>>,
    /// Per channel: the chosen pair, initial delta and greedy cost.
    chosen: [(usize, i32, u64); MAX_CHANNELS],
    /// Per channel: the greedy codes of the chosen start.
    channel_codes: Vec<u8>,
}

/// Greedy starts per channel at the default effort (see [`BlockCoder::search_channels`]).
const STARTS: usize = 4;

/// Chains of delta refinement per channel: the two best pairs, each delta factor.
const REFINE_CHAINS: usize = 2 * DELTA_FACTORS.len();

impl BlockCoder {
    pub(crate) fn new(params: MsParams, effort: Effort) -> Self {
        Self::with_level(params, effort, SimdLevel::select())
    }

    /// A coder running its kernels at `level` (clamped to the CPU's).
    pub(crate) fn with_level(params: MsParams, effort: Effort, level: SimdLevel) -> Self {
        let spb = params.samples_per_block();
        let ch = params.channels();
        let width = effort.beam_width();
        let pairs = params.coefficients().len();
        Self {
            effort,
            level: level.clamp_to_cpu(),
            padded: vec![0; spb * ch + LANES],
            samples: vec![0; spb],
            lane_codes: vec![0; spb * LANES],
            beam_codes: vec![0; if width > 1 { spb } else { 0 }],
            beam: (width > 1).then(|| Beam::new(width, spb)),
            ranked: (0..ch)
                .map(|_| Vec::with_capacity(pairs.max(STARTS)))
                .collect(),
            chosen: [(0, 0, 0); MAX_CHANNELS],
            channel_codes: vec![0; spb * ch],
            params,
        }
    }

    /// The block layout.
    pub(crate) fn params(&self) -> &MsParams {
        &self.params
    }

    /// Another coder with the same settings and its own scratch.
    pub(crate) fn fresh(&self) -> Self {
        Self::with_level(self.params.clone(), self.effort, self.level)
    }

    /// Codes whole interleaved blocks (`pcm` holds a multiple of the block's samples) into
    /// `out` (as many `block_align`-byte blocks).
    pub(crate) fn encode_blocks(&mut self, pcm: &[i16], out: &mut [u8]) {
        let block_samples = self.params.samples_per_block() * self.params.channels();
        for (block, bytes) in pcm
            .chunks_exact(block_samples)
            .zip(out.chunks_exact_mut(self.params.block_align()))
        {
            self.encode_block(block, bytes);
        }
    }

    /// Codes one whole interleaved block into `out` (`block_align` bytes).
    pub(crate) fn encode_block(&mut self, pcm: &[i16], out: &mut [u8]) {
        let ch = self.params.channels();
        let spb = self.params.samples_per_block();
        out.fill(0);
        self.padded[..pcm.len()].copy_from_slice(pcm);
        if self.effort.0 > 0 {
            self.search_channels();
        }
        let put = |out: &mut [u8], at: usize, v: i16| {
            out[at..at + 2].copy_from_slice(&v.to_le_bytes());
        };
        for c in 0..ch {
            if self.effort.0 == 0 || self.beam.is_some() {
                for (s, frame) in self.samples.iter_mut().zip(pcm.chunks_exact(ch)) {
                    *s = frame[c];
                }
            }
            let (pair, delta) = self.code_channel(c);
            out[c] = pair as u8;
            put(out, ch + 2 * c, delta as i16);
            put(out, 3 * ch + 2 * c, pcm[ch + c]);
            put(out, 5 * ch + 2 * c, pcm[c]);
        }
        pack_codes(&mut out[7 * ch..], &self.channel_codes, ch, spb);
    }

    /// The default effort's search for every channel of the block in `self.padded`: rank the
    /// pairs by their prediction error on the input itself; for the best two, pick the initial
    /// delta that codes the first samples best; then code the whole block greedily from four
    /// starts: the best pair with that delta and with it scaled by 1/√2 and √2 (a delta's
    /// effect outlasts any short prefix), and the second pair. All chains of all channels run
    /// [`LANES`] at a time in [`greedy_lanes`]. Fills `ranked` (the starts by cost), `chosen`
    /// and `channel_codes`.
    // `c` indexes `starts`, `ranked`, `chosen` and `channel_codes` alike.
    #[allow(clippy::needless_range_loop)]
    fn search_channels(&mut self) {
        let ch = self.params.channels();
        let spb = self.params.samples_per_block();
        let pairs = self.params.coefficients();
        let targets = spb.saturating_sub(2);
        for c in 0..ch {
            for (s, frame) in self.samples.iter_mut().zip(self.padded.chunks_exact(ch)) {
                *s = frame[c];
            }
            rank_pairs(self.level, &self.samples, pairs, &mut self.ranked[c]);
        }
        let frame = |c: usize| {
            let at = |i: usize| self.padded[i * ch + c];
            (at(0), at(1))
        };
        let start = |c: usize, p: usize, d: i32| {
            let (s0, s1) = frame(c);
            root(&[s0, s1], pairs[p], d)
        };
        // Delta refinement: chain j of channel c is pair rank j / 5, factor j % 5.
        let prefix = targets.min(DELTA_REFINE_LEN);
        let mut refine_costs = [[u64::MAX; REFINE_CHAINS]; MAX_CHANNELS];
        let chains = ch * REFINE_CHAINS;
        for group in (0..chains).step_by(LANES) {
            let mut lanes = Lanes::default();
            for l in 0..LANES {
                let chain = (group + l).min(chains - 1);
                let (c, j) = (chain / REFINE_CHAINS, chain % REFINE_CHAINS);
                let ranked = &self.ranked[c];
                let (_, p, estimate) = ranked[(j / DELTA_FACTORS.len()).min(ranked.len() - 1)];
                let d = scale_delta(estimate, DELTA_FACTORS[j % DELTA_FACTORS.len()]);
                lanes.states[l] = start(c, p, d);
                lanes.channel[l] = c;
            }
            let costs = greedy_lanes(self.level, &self.padded, ch, 2, prefix, &lanes, None);
            for (l, &cost) in costs.iter().enumerate() {
                let chain = group + l;
                if chain < chains {
                    refine_costs[chain / REFINE_CHAINS][chain % REFINE_CHAINS] = cost;
                }
            }
        }
        let mut starts = [[(0usize, 0i32); STARTS]; MAX_CHANNELS];
        for c in 0..ch {
            let ranked = &mut self.ranked[c];
            for (r, entry) in ranked.iter_mut().take(2).enumerate() {
                let costs = &refine_costs[c][r * DELTA_FACTORS.len()..][..DELTA_FACTORS.len()];
                let best = (0..costs.len()).min_by_key(|&k| (costs[k], k)).unwrap_or(0);
                entry.2 = scale_delta(entry.2, DELTA_FACTORS[best]);
            }
            let (_, p0, d0) = ranked[0];
            let (_, p1, d1) = ranked
                .get(1)
                .copied()
                .unwrap_or((0, p0, scale_delta(d0, 256)));
            starts[c] = [
                (p0, d0),
                (p0, scale_delta(d0, 90)),
                (p0, scale_delta(d0, 181)),
                (p1, d1),
            ];
        }
        // Whole-block chains: LANES / STARTS channels per call.
        let per_call = LANES / STARTS;
        for first_channel in (0..ch).step_by(per_call) {
            let mut lanes = Lanes::default();
            for l in 0..LANES {
                let c = (first_channel + l / STARTS).min(ch - 1);
                let (p, d) = starts[c][l % STARTS];
                lanes.states[l] = start(c, p, d);
                lanes.channel[l] = c;
            }
            let costs = greedy_lanes(
                self.level,
                &self.padded,
                ch,
                2,
                targets,
                &lanes,
                Some(&mut self.lane_codes),
            );
            for c in first_channel..(first_channel + per_call).min(ch) {
                let lane0 = (c - first_channel) * STARTS;
                let costs = &costs[lane0..lane0 + STARTS];
                let winner = (0..STARTS).min_by_key(|&k| (costs[k], k)).unwrap_or(0);
                let lane = lane0 + winner;
                let codes = &mut self.channel_codes[c * spb..c * spb + targets];
                for (i, code) in codes.iter_mut().enumerate() {
                    *code = self.lane_codes[i * LANES + lane];
                }
                let ranked = &mut self.ranked[c];
                ranked.clear();
                ranked.extend(
                    starts[c]
                        .iter()
                        .zip(costs)
                        .map(|(&(p, d), &cost)| (cost, p, d)),
                );
                ranked.sort_unstable();
                let (p, d) = starts[c][winner];
                self.chosen[c] = (p, d, costs[winner]);
            }
        }
    }

    /// Chooses the pair and initial delta of channel `c` and writes its codes to
    /// `channel_codes` (at efforts above 0 after [`Self::search_channels`]; `self.samples`
    /// holds the channel at effort 0 and with a beam).
    fn code_channel(&mut self, c: usize) -> (usize, i32) {
        let samples = &self.samples;
        let targets = samples.get(2..).unwrap_or(&[]);
        let pairs = self.params.coefficients();
        let spb = self.params.samples_per_block();
        let codes = &mut self.channel_codes[c * spb..(c + 1) * spb];
        if self.effort.0 == 0 {
            rank_pairs(self.level, samples, pairs, &mut self.ranked[c]);
            let (_, pair, delta) = self.ranked[c][0];
            greedy(
                root(samples, pairs[pair], delta),
                targets,
                Some(codes),
                u64::MAX,
            );
            return (pair, delta);
        }
        // The winner of the greedy starts (the lowest cost, the earliest start on a tie).
        let (pair, delta, greedy_cost) = self.chosen[c];
        if let Some(beam) = self.beam.as_mut() {
            let ranked = &self.ranked[c];
            let mut roots = [MsState::default(); 8];
            let n = ranked.len().min(roots.len());
            for (r, &(_, p, d)) in roots.iter_mut().zip(ranked) {
                *r = root(samples, pairs[p], d);
            }
            let (chosen, cost) = beam.search(&MsModel, &roots[..n], targets, &mut self.beam_codes);
            if cost < greedy_cost {
                let (_, p, d) = ranked[chosen];
                codes.copy_from_slice(&self.beam_codes);
                return (p, d);
            }
        }
        (pair, delta)
    }
}

/// Packs the codes (`codes[c * spb + i]` for channel `c`, step `i`) into the block body:
/// code `k = i·channels + c` in byte `k / 2`, high nibble first.
fn pack_codes(body: &mut [u8], codes: &[u8], channels: usize, spb: usize) {
    let steps = spb.saturating_sub(2);
    match channels {
        1 => {
            for (byte, two) in body.iter_mut().zip(codes[..steps].chunks(2)) {
                *byte = (two[0] << 4) | (two.get(1).copied().unwrap_or(0) & 15);
            }
        }
        2 => {
            let (left, right) = (&codes[..steps], &codes[spb..spb + steps]);
            for ((byte, &l), &r) in body.iter_mut().zip(left).zip(right) {
                *byte = (l << 4) | (r & 15);
            }
        }
        _ => {
            for c in 0..channels {
                for (i, &code) in codes[c * spb..c * spb + steps].iter().enumerate() {
                    let k = i * channels + c;
                    body[k / 2] |= (code & 15) << (4 * (1 - k % 2));
                }
            }
        }
    }
}

/// Fills `ranked` with (prediction error energy on the input itself, pair, initial delta
/// estimate) for every pair, least error first. The delta estimate is half the mean absolute
/// residual over the first samples (codes then start near ±2, where the step holds steady).
/// Every other residual ranks the pairs as well as all of them, at half the cost.
fn rank_pairs(
    level: SimdLevel,
    samples: &[i16],
    pairs: &[[i16; 2]],
    ranked: &mut Vec<(u64, usize, i32)>,
) {
    ranked.clear();
    let head_len = samples.len().saturating_sub(2).min(DELTA_SEARCH_LEN);
    let residual = |w: &[i16], c1: i64, c2: i64| {
        // In i64: a custom table's coefficients can reach ±32768.
        w[2] as i64 - ((w[1] as i64 * c1 + w[0] as i64 * c2) >> 8)
    };
    for (p, &[c1, c2]) in pairs.iter().enumerate() {
        let energy = pair_energy(level, samples, [c1, c2]);
        let (c1, c2) = (c1 as i64, c2 as i64);
        let head: i64 = samples
            .windows(3)
            .take(head_len)
            .map(|w| residual(w, c1, c2).abs())
            .sum();
        let delta = head / (2 * head_len.max(1) as i64);
        ranked.push((energy, p, delta.clamp(MIN_DELTA as i64, 32767) as i32));
    }
    ranked.sort_unstable();
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

/// MS ADPCM as a block codec: codes any number of whole blocks at once, each from its own
/// samples only, with the bytes of the streaming [`MsEncoder`]. One per thread (make more
/// with [`Clone`]); scratch is sized at construction, so encoding never allocates.
///
/// ```
/// use aquant::codecs::ms_adpcm::{encode_all, Effort, MsBlockEncoder, MsParams};
///
/// let params = MsParams::new(2, 64).unwrap(); // 52 frames per block
/// let pcm: Vec<i16> = (0..3 * 52 * 2).map(|i| (i * 91 % 4000) as i16).collect();
/// let mut enc = MsBlockEncoder::new(params.clone(), Effort::DEFAULT);
/// let mut bytes = vec![0u8; 3 * 64];
/// enc.encode_blocks(&pcm, &mut bytes);
/// assert_eq!(bytes, encode_all(&params, &pcm, Effort::DEFAULT));
/// ```
pub struct MsBlockEncoder {
    coder: BlockCoder,
}

impl MsBlockEncoder {
    /// A block encoder for `params` searching with `effort`, its kernels at
    /// [`SimdLevel::select`].
    pub fn new(params: MsParams, effort: Effort) -> Self {
        Self {
            coder: BlockCoder::new(params, effort),
        }
    }

    /// The block layout.
    pub fn params(&self) -> &MsParams {
        self.coder.params()
    }

    /// Encodes `n` whole blocks: `pcm` holds `n · samples_per_block · channels` samples and
    /// `out` `n · block_align` bytes (extra input or output beyond whole blocks is left alone).
    pub fn encode_blocks(&mut self, pcm: &[i16], out: &mut [u8]) {
        self.coder.encode_blocks(pcm, out);
    }
}

impl crate::codecs::block::BlockEncoder for MsBlockEncoder {
    fn layout(&self) -> crate::codecs::block::BlockLayout {
        self.params().block_layout()
    }

    fn encode_blocks(&mut self, pcm: &[i16], out: &mut [u8]) {
        MsBlockEncoder::encode_blocks(self, pcm, out);
    }

    fn boxed_clone(&self) -> Box<dyn crate::codecs::block::BlockEncoder> {
        Box::new(self.clone())
    }
}

impl Clone for MsBlockEncoder {
    fn clone(&self) -> Self {
        Self {
            coder: self.coder.fresh(),
        }
    }
}

/// Encodes a whole interleaved stream at once, blocks in parallel (rayon). The bytes equal the
/// streaming [`MsEncoder`]'s with [`Flush::Finish`], whatever the thread count.
pub fn encode_all(params: &MsParams, pcm: &[i16], effort: Effort) -> Vec<u8> {
    encode_blocks_parallel(
        params.channels(),
        params.samples_per_block(),
        params.block_align(),
        1,
        pcm,
        || BlockCoder::new(params.clone(), effort),
        |coder, block, out| coder.encode_block(block, out),
    )
}
