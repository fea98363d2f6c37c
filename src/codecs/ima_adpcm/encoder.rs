//! The IMA ADPCM encoder: starting step index search, nearest-reconstruction greedy coding and a
//! beam search, streaming ([`ImaEncoder`]) and batch-parallel ([`encode_all`]).

use super::beam::{BeamModel, BucketBeam, BucketModel, MAX_CANDIDATES};
use super::blocks::{encode_blocks_parallel, EncoderCore};
use super::kernels::{self, Chains, LANES};
use super::{Effort, ImaParams, ImaState, MAX_STEP_INDEX, STEP_TABLE};
use crate::codecs::block::{BlockEncoder, BlockLayout};
use crate::codecs::Encoder;
use crate::simd::SimdLevel;
use crate::stream::{Flush, Progress};
use crate::Result;

/// How many samples after the header the starting step index search looks at.
const START_SEARCH_LEN: usize = 16;

/// Per step index: the reconstruction magnitude of each code magnitude 0..=7 (the shift-add
/// sums of [`super::reconstruct_magnitude`]), and the midpoints between neighbours, which
/// decide the nearest code by counting.
struct Tables {
    recon: [[i32; 8]; 89],
    mid: [[i32; 8]; 89],
    next_index: [[u8; 8]; 89],
}

const fn make_tables() -> Tables {
    let mut t = Tables {
        recon: [[0; 8]; 89],
        mid: [[i32::MAX; 8]; 89],
        next_index: [[0; 8]; 89],
    };
    let mut i = 0;
    while i < 89 {
        let step = STEP_TABLE[i];
        let mut m = 0;
        while m < 8 {
            let mut diff = step >> 3;
            if m & 4 != 0 {
                diff += step;
            }
            if m & 2 != 0 {
                diff += step >> 1;
            }
            if m & 1 != 0 {
                diff += step >> 2;
            }
            t.recon[i][m] = diff;
            let next = i as i32 + super::INDEX_TABLE[m] as i32;
            t.next_index[i][m] = if next < 0 {
                0
            } else if next > 88 {
                88
            } else {
                next as u8
            };
            m += 1;
        }
        let mut m = 0;
        while m < 7 {
            // Midpoint rounded down: a distance tie goes to the smaller code.
            t.mid[i][m] = (t.recon[i][m] + t.recon[i][m + 1]) >> 1;
            m += 1;
        }
        i += 1;
    }
    t
}

static TABLES: Tables = make_tables();

/// The code magnitude whose reconstruction is nearest `magnitude` at `step_index` (ties to the
/// smaller code).
#[inline(always)]
fn nearest_magnitude(step_index: u8, magnitude: i32) -> u8 {
    let mid = &TABLES.mid[step_index as usize];
    let mut m = 0u8;
    for &edge in &mid[..7] {
        m += (magnitude > edge) as u8;
    }
    m
}

/// The code for `target` whose decoded sample from `state` is nearest (ties to the smaller
/// magnitude, which keeps the step small), with the state and sample it decodes to: the same
/// as [`ImaState::peek`] on that code. Near the 16-bit rails the decoder's clamp makes larger
/// codes toward the rail exact, so there every code is tried.
#[inline(always)]
pub(crate) fn nearest_code(state: &ImaState, target: i32) -> (u8, ImaState, i32) {
    let index = state.step_index as usize;
    let largest = TABLES.recon[index][7];
    if state.predictor + largest > 32767 || state.predictor - largest < -32768 {
        return nearest_code_clamped(state, target);
    }
    let d = target - state.predictor;
    let m = nearest_magnitude(state.step_index, d.abs());
    let diff = TABLES.recon[index][m as usize];
    let (code, predictor) = if d < 0 {
        (m | 8, state.predictor - diff)
    } else {
        (m, state.predictor + diff)
    };
    let next = ImaState {
        predictor,
        step_index: TABLES.next_index[index][m as usize],
    };
    (code, next, predictor)
}

/// [`nearest_code`] where the clamp may act: every code, exact decoded error.
#[cold]
fn nearest_code_clamped(state: &ImaState, target: i32) -> (u8, ImaState, i32) {
    let mut best = (u32::MAX, 0u8, *state, 0i32);
    // Magnitude-major order, the sign of the error first: ties keep the earlier code.
    let toward = if target < state.predictor { 8 } else { 0 };
    for m in 0..8u8 {
        for sign in [toward, toward ^ 8] {
            let (next, y) = state.peek(sign | m);
            let e = (target - y).unsigned_abs();
            if e < best.0 {
                best = (e, sign | m, next, y);
            }
        }
    }
    (best.1, best.2, best.3)
}

/// Rank of `code` among the 16 reconstructions from one state, in value order: -7..-0 are
/// 0..=7, +0..+7 are 8..=15.
#[inline(always)]
fn level(code: u8) -> i32 {
    if code & 8 != 0 {
        7 - (code & 7) as i32
    } else {
        8 + (code & 7) as i32
    }
}

/// The code of value rank `level` (0..=15), the inverse of [`level`].
#[inline(always)]
fn code_at(level: i32) -> u8 {
    if level >= 8 {
        (level - 8) as u8
    } else {
        8 | (7 - level) as u8
    }
}

/// The decoder model the beam search drives.
pub(super) struct ImaModel;

impl BeamModel for ImaModel {
    type State = ImaState;
    #[inline(always)]
    fn candidates(&self, state: &ImaState, target: i32, codes: &mut [u8; MAX_CANDIDATES]) -> usize {
        // The two reconstructions either side of the target, nearest first: the neighbour in
        // value order may have the other sign (-0 next to +0), which keeps the step as small.
        let (code, _, y) = nearest_code(state, target);
        let l = level(code);
        codes[0] = code;
        let other = if target >= y { l + 1 } else { l - 1 };
        if (0..16).contains(&other) {
            codes[1] = code_at(other);
            2
        } else {
            1
        }
    }
    /// [`ImaState::peek`] from the tables.
    #[inline(always)]
    fn advance(&self, state: &ImaState, code: u8) -> (ImaState, i32) {
        let index = state.step_index as usize;
        let m = (code & 7) as usize;
        let diff = TABLES.recon[index][m];
        let predictor = if code & 8 != 0 {
            (state.predictor - diff).max(-32768)
        } else {
            (state.predictor + diff).min(32767)
        };
        let next = ImaState {
            predictor,
            step_index: TABLES.next_index[index][m],
        };
        (next, predictor)
    }
}

impl BucketModel for ImaModel {
    const BUCKETS: usize = MAX_STEP_INDEX as usize + 1;
    /// Paths are kept apart by step index: the step a path has adapted to decides its future
    /// errors far more than the few units of error it is ahead or behind.
    #[inline(always)]
    fn bucket(&self, state: &ImaState) -> usize {
        state.step_index as usize
    }
    #[inline(always)]
    fn position(&self, state: &ImaState) -> i32 {
        state.predictor
    }
    /// Paths at one step index whose predictors differ by at most 1/32 of the step merge: their
    /// futures differ by less than the finest decision they will face, and keeping both would
    /// spend a slot of the bucket on near copies (measured: +0.1 dB on speech at 2-4 paths
    /// per step index over exact merging).
    #[inline(always)]
    fn tolerance(&self, bucket: usize) -> i32 {
        STEP_TABLE[bucket] >> 5
    }
}

/// The bucketed beam search at the best level this encoder may use: all match the scalar
/// [`BucketBeam`] bit for bit.
enum LaneBeam {
    Scalar(BucketBeam<ImaState>),
    #[cfg(target_arch = "x86_64")]
    Avx2(kernels::avx2::BucketBeamAvx2),
    #[cfg(target_arch = "x86_64")]
    Avx512(kernels::avx512::BucketBeamAvx512),
}

impl LaneBeam {
    /// A search keeping `cap` paths per step index over blocks of `spb` samples, at `level`
    /// (which this CPU has) if a kernel there takes `cap`.
    fn new(cap: usize, spb: usize, level: SimdLevel) -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            use kernels::{avx2, avx512};
            if level >= SimdLevel::Avx512 && cap <= avx512::MAX_SIMD_CAP {
                return Self::Avx512(avx512::BucketBeamAvx512::new(cap, spb));
            }
            if level == SimdLevel::Avx2 && cap <= avx2::MAX_AVX2_CAP {
                return Self::Avx2(avx2::BucketBeamAvx2::new(cap, spb));
            }
        }
        let _ = level;
        Self::Scalar(BucketBeam::new(cap, ImaModel::BUCKETS, spb))
    }

    /// See [`BucketBeam::search`].
    fn search(&mut self, roots: &[ImaState], targets: &[i16], codes: &mut [u8]) -> (usize, u64) {
        match self {
            Self::Scalar(beam) => beam.search(&ImaModel, roots, targets, codes),
            #[cfg(target_arch = "x86_64")]
            Self::Avx2(beam) => beam.search(roots, targets, codes),
            #[cfg(target_arch = "x86_64")]
            Self::Avx512(beam) => beam.search(roots, targets, codes),
        }
    }
}

/// Paths the bucketed beam keeps per step index at `effort` (0 below effort 2: greedy).
fn bucket_cap(effort: Effort) -> usize {
    match effort.0 {
        0 | 1 => 0,
        2 => 1,
        3 => 2,
        4 => 3,
        5 => 4,
        6 => 6,
        7 => 8,
        8 => 12,
        _ => 16,
    }
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

/// Most lanes (channel-blocks) the batch encoder codes in one group: one kernel call's worth.
const GROUP_LANES: usize = LANES;

/// Blocks per group for `channels` channels (at least one).
pub(crate) fn group_blocks(channels: usize) -> usize {
    (GROUP_LANES / channels.max(1)).max(1)
}

/// How many of the best starts on the first samples are compared over a longer prefix.
const FINALISTS: usize = 4;

/// The longer prefix.
const CONFIRM_LEN: usize = 128;

/// Starting indices a badly coded block is also coded from in full, spread over the table.
/// A block whose greedy error exceeds 1/`RETRY_BELOW` of its energy (SNR below 20 dB)
/// is coded again from more starts.
const RETRY_BELOW: u64 = 100;

/// Chains a retry runs: 4 neighbours and the spread starts.
const RETRY_STARTS: usize = 4 + SPREAD_STARTS.len();
const SPREAD_STARTS: [u8; 6] = [8, 24, 40, 56, 72, 88];

/// Coarse starting indices tried first: every fourth (0, 4, ..., 88).
const COARSE_STARTS: usize = 23;

/// Most neighbours of the best coarse start tried next (3 each side, minus the coarse one).
const NEAR_STARTS: usize = 6;

/// Greedy squared error over `targets` from each of `states`, all in lockstep.
fn greedy_costs(states: &mut [ImaState], targets: &[i16], costs: &mut [u64]) {
    costs.fill(0);
    for &x in targets {
        for (state, cost) in states.iter_mut().zip(costs.iter_mut()) {
            let (_, next, y) = nearest_code(state, x as i32);
            let e = (x as i32 - y) as i64;
            *cost += (e * e) as u64;
            *state = next;
        }
    }
}

/// Per-block scratch and settings, sized once for a group of blocks.
pub(crate) struct BlockCoder {
    params: ImaParams,
    effort: Effort,
    level: SimdLevel,
    /// Blocks one `encode_blocks` call codes at most.
    group: usize,
    /// Lane-major samples: lane `b * channels + c` is channel `c` of block `b` (plus one
    /// sample of slack for the SIMD kernel's 4-byte loads).
    samples: Vec<i16>,
    codes: Vec<u8>,
    /// Codes of one kernel call, sample-major (`i * LANES + chain`).
    chain_codes: Vec<u8>,
    starts: Vec<u8>,
    costs: Vec<u64>,
    beam_codes: Vec<u8>,
    beam: Option<LaneBeam>,
}

impl BlockCoder {
    pub(crate) fn new(params: ImaParams, effort: Effort, group: usize, level: SimdLevel) -> Self {
        let spb = params.samples_per_block();
        let cap = bucket_cap(effort);
        let group = group.max(1);
        let lanes = params.channels() * group;
        Self {
            params,
            effort,
            level,
            group,
            samples: vec![0; lanes * spb + 1],
            codes: vec![0; lanes * spb],
            chain_codes: vec![0; LANES * spb],
            starts: vec![0; lanes],
            costs: vec![0; lanes],
            beam_codes: vec![0; if cap > 0 { spb } else { 0 }],
            beam: (cap > 0).then(|| LaneBeam::new(cap, spb, level.clamp_to_cpu())),
        }
    }

    /// Runs the greedy kernel on `chains` of `(offset, start index)`: each codes `len`
    /// samples from `offset` on, starting from the sample before it (the block's first, which
    /// the header stores) at that step index. At most [`LANES`] chains, at least one.
    fn run_chains(&mut self, chains: &[(usize, u8)], len: usize, keep_codes: bool) -> [u64; LANES] {
        let first = chains.first().copied().unwrap_or((1, 0));
        let pick = |l: usize| chains.get(l).copied().unwrap_or(first);
        let mut c = Chains {
            samples: &self.samples,
            offsets: std::array::from_fn(|l| pick(l).0 as u32),
            len,
            active: chains.len(),
            states: std::array::from_fn(|l| ImaState {
                predictor: self.samples[pick(l).0 - 1] as i32,
                step_index: pick(l).1,
            }),
            costs: [0; LANES],
            codes: keep_codes.then_some(&mut self.chain_codes[..]),
        };
        kernels::greedy(self.level, &mut c);
        c.costs
    }

    /// Codes whole interleaved blocks (at most the group size), `pcm` holding them one after
    /// the other, into `out` (`block_align` bytes each).
    pub(crate) fn encode_blocks(&mut self, pcm: &[i16], out: &mut [u8]) {
        let ch = self.params.channels();
        let spb = self.params.samples_per_block();
        let blocks = (out.len() / self.params.block_align()).min(self.group);
        let lanes = blocks * ch;
        for (b, block) in pcm.chunks_exact(spb * ch).take(blocks).enumerate() {
            for c in 0..ch {
                let lane = &mut self.samples[(b * ch + c) * spb..][..spb];
                for (s, frame) in lane.iter_mut().zip(block.chunks_exact(ch)) {
                    *s = frame[c];
                }
            }
        }
        // Every lane from the start that codes its first samples best, LANES lanes per
        // kernel call.
        for first in (0..lanes).step_by(LANES) {
            let n = (lanes - first).min(LANES);
            self.choose_starts(first, n);
            let chains: [(usize, u8); LANES] = std::array::from_fn(|l| {
                let lane = first + l.min(n - 1);
                (lane * spb + 1, self.starts[lane])
            });
            let costs = self.run_chains(&chains[..n], spb - 1, true);
            for (l, &cost) in costs.iter().enumerate().take(n) {
                let lane = first + l;
                self.costs[lane] = cost;
                let codes = &mut self.codes[lane * spb..lane * spb + spb - 1];
                for (i, code) in codes.iter_mut().enumerate() {
                    *code = self.chain_codes[i * LANES + l];
                }
            }
        }
        if self.effort.0 >= 1 {
            for lane in 0..lanes {
                self.retry_from_spread_starts(lane, self.costs[lane]);
            }
        }
        if self.beam.is_some() {
            for lane in 0..lanes {
                self.beam_lane(lane);
            }
        }
        out.fill(0);
        for (b, out) in out
            .chunks_exact_mut(self.params.block_align())
            .take(blocks)
            .enumerate()
        {
            for c in 0..ch {
                let lane = b * ch + c;
                let first = self.samples[lane * spb].to_le_bytes();
                out[4 * c..4 * c + 4].copy_from_slice(&[first[0], first[1], self.starts[lane], 0]);
                // Codes for samples 1.. go in 4-byte groups of 8, channels interleaved per
                // group, low nibble first.
                let body = &mut out[4 * ch..];
                let codes = &self.codes[lane * spb..lane * spb + spb - 1];
                for (g, codes) in codes.chunks_exact(8).enumerate() {
                    let at = g * 4 * ch + 4 * c;
                    for (k, pair) in codes.chunks_exact(2).enumerate() {
                        body[at + k] = (pair[0] & 15) | (pair[1] << 4);
                    }
                }
            }
        }
    }

    /// A lane coded below 20 dB SNR is in a transient (a jump of half the range, a burst of
    /// noise) where the whole trajectory hinges on the starting step, far beyond the prefix
    /// that chose it: code it again from starts spread over the table (in lockstep) and keep
    /// the best. Elsewhere trajectories converge within a few samples and this costs nothing.
    fn retry_from_spread_starts(&mut self, lane: usize, cost: u64) {
        let spb = self.params.samples_per_block();
        let samples = &self.samples[lane * spb..(lane + 1) * spb];
        let energy: u64 = samples[1..]
            .iter()
            .map(|&x| (x as i64 * x as i64) as u64)
            .sum();
        if cost.saturating_mul(RETRY_BELOW) <= energy {
            return;
        }
        // The neighbours of the chosen start (the prefix that chose it is short) and starts
        // spread over the whole table.
        let start = self.starts[lane] as i32;
        let mut indices = [0u8; RETRY_STARTS];
        for (slot, delta) in indices.iter_mut().zip([-2, -1, 1, 2]) {
            *slot = (start + delta).clamp(0, MAX_STEP_INDEX as i32) as u8;
        }
        indices[4..].copy_from_slice(&SPREAD_STARTS);
        let chains = indices.map(|index| (lane * spb + 1, index));
        let costs = self.run_chains(&chains, spb - 1, true);
        let k = (0..RETRY_STARTS)
            .min_by_key(|&k| (costs[k], k))
            .unwrap_or(0);
        if costs[k] < cost {
            self.starts[lane] = indices[k];
            for (i, code) in self.codes[lane * spb..lane * spb + spb - 1]
                .iter_mut()
                .enumerate()
            {
                *code = self.chain_codes[i * LANES + k];
            }
        }
    }

    /// The starting step index of lanes `first..first + n` (`1 <= n <= LANES`), into
    /// `self.starts`.
    // Lane loops index several per-lane arrays by the lane number.
    #[allow(clippy::needless_range_loop)]
    fn choose_starts(&mut self, first: usize, n: usize) {
        let spb = self.params.samples_per_block();
        if self.effort.0 == 0 {
            for lane in first..first + n {
                self.starts[lane] =
                    estimate_start_index(&self.samples[lane * spb..(lane + 1) * spb]);
            }
            return;
        }
        let offset = |l: usize| (first + l.min(n - 1)) * spb + 1;
        // Rank starting indices by the greedy error over the first samples: every fourth
        // index, then the neighbours of the best (the error is smooth in the index).
        let prefix = spb.min(START_SEARCH_LEN + 1) - 1;
        let mut ranked = [[(0u64, 0u8); COARSE_STARTS + NEAR_STARTS]; LANES];
        for k in 0..COARSE_STARTS {
            let index = 4 * k as u8;
            let chains: [(usize, u8); LANES] = std::array::from_fn(|l| (offset(l), index));
            let costs = self.run_chains(&chains[..n], prefix, false);
            for l in 0..n {
                ranked[l][k] = (costs[l], index);
            }
        }
        let mut near = [[0u8; NEAR_STARTS]; LANES];
        let mut near_len = [0usize; LANES];
        for l in 0..n {
            let centre = ranked[l][..COARSE_STARTS].iter().min().map_or(0, |r| r.1);
            for index in centre.saturating_sub(3)..=(centre + 3).min(MAX_STEP_INDEX) {
                if index % 4 != 0 {
                    near[l][near_len[l]] = index;
                    near_len[l] += 1;
                }
            }
        }
        for j in 0..NEAR_STARTS {
            // A lane with fewer neighbours repeats its first (that cost is not used).
            let chains: [(usize, u8); LANES] = std::array::from_fn(|l| {
                let m = l.min(n - 1);
                (offset(l), near[m][if j < near_len[m] { j } else { 0 }])
            });
            let costs = self.run_chains(&chains[..n], prefix, false);
            for l in 0..n {
                if j < near_len[l] {
                    ranked[l][COARSE_STARTS + j] = (costs[l], near[l][j]);
                }
            }
        }
        for l in 0..n {
            ranked[l][..COARSE_STARTS + near_len[l]].sort_unstable();
        }
        // The best few again over a longer prefix: a start's effect outlasts 16 samples.
        let longer = spb.min(CONFIRM_LEN + 1) - 1;
        let mut best = [(u64::MAX, 0u8); LANES];
        for f in 0..FINALISTS {
            let chains: [(usize, u8); LANES] =
                std::array::from_fn(|l| (offset(l), ranked[l.min(n - 1)][f].1));
            let costs = self.run_chains(&chains[..n], longer, false);
            for l in 0..n {
                if costs[l] < best[l].0 {
                    best[l] = (costs[l], ranked[l][f].1);
                }
            }
        }
        for l in 0..n {
            self.starts[first + l] = best[l].1;
        }
    }

    /// Replaces `lane`'s greedy codes with a beam search's when that codes it better.
    fn beam_lane(&mut self, lane: usize) {
        let spb = self.params.samples_per_block();
        let samples = &self.samples[lane * spb..(lane + 1) * spb];
        let Some(beam) = self.beam.as_mut() else {
            return;
        };
        // Re-rank this lane's starting indices (choose_start left the last lane's ranking).
        let start = self.starts[lane];
        let mut state = ImaState {
            predictor: samples[0] as i32,
            step_index: start,
        };
        let mut greedy_cost = [0u64];
        greedy_costs(
            std::slice::from_mut(&mut state),
            &samples[1..],
            &mut greedy_cost,
        );
        let mut roots = [ImaState::default(); 8];
        let mut n = 0;
        // The chosen start and its neighbours, then coarser alternatives.
        for delta in [0i32, -1, 1, -2, 2, -4, 4, 8] {
            let index = start as i32 + delta;
            if (0..=MAX_STEP_INDEX as i32).contains(&index) {
                roots[n] = ImaState {
                    predictor: samples[0] as i32,
                    step_index: index as u8,
                };
                n += 1;
            }
        }
        let (chosen, cost) = beam.search(&roots[..n], &samples[1..], &mut self.beam_codes);
        if cost < greedy_cost[0] {
            self.codes[lane * spb..lane * spb + spb - 1]
                .copy_from_slice(&self.beam_codes[..spb - 1]);
            self.starts[lane] = roots[chosen].step_index;
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
    coder: ImaBlockEncoder,
    core: EncoderCore,
}

impl ImaEncoder {
    /// An encoder for `params` searching with `effort`.
    pub fn new(params: ImaParams, effort: Effort) -> Self {
        Self {
            coder: ImaBlockEncoder {
                coder: BlockCoder::new(params, effort, 1, SimdLevel::select()),
            },
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
        &self.coder.coder.params
    }
}

impl Encoder for ImaEncoder {
    fn encode(&mut self, input: &[i16], output: &mut [u8], flush: Flush) -> Result<Progress> {
        let coder = &mut self.coder;
        Ok(self.core.encode(input, output, flush, |pcm, out| {
            coder.encode_blocks(pcm, out)
        }))
    }

    fn reset(&mut self) {
        self.core.reset();
    }

    fn channels(&self) -> usize {
        self.coder.coder.params.channels()
    }
}

/// Encodes a whole interleaved stream at once, blocks in parallel (rayon). The bytes equal the
/// streaming [`ImaEncoder`]'s with [`Flush::Finish`], whatever the thread count.
pub fn encode_all(params: &ImaParams, pcm: &[i16], effort: Effort) -> Vec<u8> {
    encode_blocks_parallel(
        params.channels(),
        params.samples_per_block(),
        params.block_align(),
        group_blocks(params.channels()),
        pcm,
        || {
            BlockCoder::new(
                *params,
                effort,
                group_blocks(params.channels()),
                SimdLevel::select(),
            )
        },
        |coder, blocks, out| coder.encode_blocks(blocks, out),
    )
}

/// The IMA [`BlockEncoder`]: codes any number of whole blocks, as many at a time in lockstep as
/// fill the SIMD kernel's lanes. Bytes equal the streaming [`ImaEncoder`]'s for the same blocks.
pub struct ImaBlockEncoder {
    coder: BlockCoder,
}

impl ImaBlockEncoder {
    /// A block encoder for `params` searching with `effort`.
    pub fn new(params: ImaParams, effort: Effort) -> Self {
        Self::with_level(params, effort, SimdLevel::select())
    }

    /// As [`new`](Self::new), with the kernels at `level` (clamped to this CPU).
    pub fn with_level(params: ImaParams, effort: Effort, level: SimdLevel) -> Self {
        let group = group_blocks(params.channels());
        Self {
            coder: BlockCoder::new(params, effort, group, level.clamp_to_cpu()),
        }
    }
}

impl BlockEncoder for ImaBlockEncoder {
    fn layout(&self) -> BlockLayout {
        self.coder.params.block_layout()
    }

    fn encode_blocks(&mut self, pcm: &[i16], out: &mut [u8]) {
        let layout = self.layout();
        let group_samples = self.coder.group * layout.samples_per_block();
        let group_bytes = self.coder.group * layout.bytes_per_block;
        for (pcm, out) in pcm.chunks(group_samples).zip(out.chunks_mut(group_bytes)) {
            self.coder.encode_blocks(pcm, out);
        }
    }

    fn boxed_clone(&self) -> Box<dyn BlockEncoder> {
        Box::new(Self::with_level(
            self.coder.params,
            self.coder.effort,
            self.coder.level,
        ))
    }
}
