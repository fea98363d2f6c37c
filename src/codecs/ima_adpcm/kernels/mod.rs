//! Kernels of the IMA ADPCM greedy encoder: up to [`LANES`] independent chains (a channel of a
//! block, from one starting state) coded in lockstep, each sample taking the code whose decoded
//! sample is nearest ([`nearest_code`](super::encoder::nearest_code)), and of the block
//! decoder. One file per level; `scalar` is the reference that `avx2` and `avx512` match bit
//! for bit. The beam efforts' bucketed search has AVX-512 and AVX2 kernels too
//! ([`avx512::BucketBeamAvx512`], [`avx2::BucketBeamAvx2`]), each matching the scalar
//! [`BucketBeam`](super::beam::BucketBeam) bit for bit.

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

use super::ImaState;
#[cfg(target_arch = "x86_64")]
use super::{beam::Paths, MAX_STEP_INDEX};
use crate::simd::SimdLevel;

/// Chains coded per kernel call.
pub(crate) const LANES: usize = 16;

/// One kernel call: chain `l` codes `samples[offsets[l] + i]` for `i in 0..len`, starting from
/// `states[l]`; on return `states[l]` is its final state and `costs[l]` its squared error.
/// With `codes`, the code of sample `i` of chain `l` goes to `codes[i * LANES + l]`. Only the
/// first `active` chains matter (the others must still hold valid offsets and states).
pub(crate) struct Chains<'a> {
    pub samples: &'a [i16],
    pub offsets: [u32; LANES],
    pub len: usize,
    pub active: usize,
    pub states: [ImaState; LANES],
    pub costs: [u64; LANES],
    pub codes: Option<&'a mut [u8]>,
}

/// Below this many active chains the scalar kernel is about as fast as the SIMD kernels (16
/// AVX-512 lanes; 8 AVX2 lanes up to 8 active chains, else 16). Measured over 2040 samples:
/// 4 scalar chains take 0.93 times as long as 8 AVX2 lanes, 5 take 1.05 times.
const SIMD_MIN_ACTIVE: usize = 5;

/// Codes `chains` at `level` (a level this CPU lacks runs the scalar kernel). Chains whose
/// samples or codes would lie outside the buffers are not coded (zero cost, states unchanged):
/// never a panic.
pub(crate) fn greedy(level: SimdLevel, chains: &mut Chains) {
    chains.costs = [0; LANES];
    chains.active = chains.active.min(LANES);
    let reach = chains.offsets.iter().max().copied().unwrap_or(0) as usize + chains.len;
    let codes_fit = chains
        .codes
        .as_ref()
        .is_none_or(|c| c.len() >= chains.len * LANES);
    if reach > chains.samples.len() || !codes_fit {
        return;
    }
    // The SIMD kernels gather 4 bytes per sample at a signed 32-bit sample index: one sample of
    // slack past the last one, and every index below `i32::MAX`.
    let gathers_fit = reach < chains.samples.len() && reach < i32::MAX as usize;
    match level {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 if gathers_fit && chains.active >= SIMD_MIN_ACTIVE => {
            avx512::greedy(chains)
        }
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 if gathers_fit && chains.active >= SIMD_MIN_ACTIVE => avx2::greedy(chains),
        _ => scalar::greedy(chains),
    }
}

impl Chains<'_> {
    /// Stores a SIMD kernel's results: each lane's final predictor and step index, and its
    /// cost summed in 64-bit halves (lane `2 * k` in `even[k]`, lane `2 * k + 1` in `odd[k]`).
    #[cfg(target_arch = "x86_64")]
    fn finish(
        &mut self,
        pred: &[i32; LANES],
        index: &[i32; LANES],
        even: &[u64; LANES / 2],
        odd: &[u64; LANES / 2],
    ) {
        for k in 0..LANES / 2 {
            self.costs[2 * k] = even[k];
            self.costs[2 * k + 1] = odd[k];
        }
        for l in 0..LANES {
            self.states[l] = ImaState {
                predictor: pred[l],
                step_index: index[l] as u8,
            };
        }
    }

    /// Each lane's starting predictor and step index (clamped to the table) as `i32`s.
    #[cfg(target_arch = "x86_64")]
    fn start(&self) -> ([i32; LANES], [i32; LANES]) {
        (
            self.states.map(|s| s.predictor),
            self.states.map(|s| s.step_index.min(MAX_STEP_INDEX) as i32),
        )
    }
}

/// Decodes the whole blocks of `bytes` into `pcm` at `level`; returns the warnings. The
/// same as [`decode_block`](super::decode_block) on each block.
pub(crate) fn decode_blocks(
    level: SimdLevel,
    params: &super::ImaParams,
    bytes: &[u8],
    pcm: &mut [i16],
) -> u64 {
    match level {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => {
            decode_blocks_in_lanes(params, bytes, pcm, level, avx512::decode_chunk)
        }
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => decode_blocks_in_lanes(params, bytes, pcm, level, avx2::decode_chunk),
        _ => scalar::decode_blocks(params, bytes, pcm),
    }
}

/// Groups of 8 samples one call of a SIMD block decoder's kernel decodes.
#[cfg(target_arch = "x86_64")]
const DECODE_CHUNK_GROUPS: usize = 8;

/// One kernel call's samples, sample-major: row `t` holds sample `1 + 8 * first + t` of each
/// lane (the call's first group `first`).
#[cfg(target_arch = "x86_64")]
type DecodeScratch = [i16; DECODE_CHUNK_GROUPS * 8 * LANES];

/// The [`LANES`] (block, channel) lanes a SIMD block decoder decodes in lockstep: lane `l` is
/// channel `l % channels` of block `l / channels` (lanes past the active ones repeat lane 0).
#[cfg(target_arch = "x86_64")]
struct DecodeLanes {
    /// The byte offset, in the lanes' first block, of each lane's first 4-byte group word;
    /// its group `g` is at `offset + 4 * channels * g`.
    offsets: [i32; LANES],
    /// Each lane's predictor and step index after the samples decoded so far.
    pred: [i32; LANES],
    index: [i32; LANES],
}

/// A SIMD block decoder's kernel: `chunk(lanes, blocks, channels, first, n, scratch)`
/// decodes groups `first..first + n` of each of `lanes` (`channels` per block; `blocks` holds
/// the lanes' blocks) into `scratch` and advances the lanes' states.
///
/// # Safety
/// The CPU has the kernel's [`SimdLevel`], and each lane's groups `first..first + n` (4 bytes
/// each, see [`DecodeLanes::offsets`]) lie inside `blocks`.
#[cfg(target_arch = "x86_64")]
type DecodeChunk = unsafe fn(&mut DecodeLanes, &[u8], usize, usize, usize, &mut DecodeScratch);

/// Decodes the whole blocks of `bytes` into `pcm` with [`LANES`] (block, channel) lanes per
/// step: `LANES / channels` blocks per group of lanes, decoded by `chunk`, a kernel of `level`.
/// The blocks that do not fill a group of lanes, and all of them on a CPU without `level`, go
/// through [`decode_block`](super::decode_block). Returns the warnings; bit-identical to
/// `decode_block` on each block.
#[cfg(target_arch = "x86_64")]
fn decode_blocks_in_lanes(
    params: &super::ImaParams,
    bytes: &[u8],
    pcm: &mut [i16],
    level: SimdLevel,
    chunk: DecodeChunk,
) -> u64 {
    let simd = SimdLevel::detected() >= level;
    let (ch, align, spb) = (
        params.channels(),
        params.block_align(),
        params.samples_per_block(),
    );
    let blocks = (bytes.len() / align).min(pcm.len() / (spb * ch));
    let per_group = LANES / ch;
    let simd_blocks = if simd && per_group > 0 {
        blocks / per_group * per_group
    } else {
        0
    };
    let groups = (spb - 1) / 8;
    let active = per_group * ch;
    let mut warnings = 0;
    let mut scratch = [0i16; DECODE_CHUNK_GROUPS * 8 * LANES];
    for b0 in (0..simd_blocks).step_by(per_group.max(1)) {
        let bytes = &bytes[b0 * align..(b0 + per_group) * align];
        let pcm = &mut pcm[b0 * spb * ch..(b0 + per_group) * spb * ch];
        let mut lanes = DecodeLanes {
            offsets: [0; LANES],
            pred: [0; LANES],
            index: [0; LANES],
        };
        for l in 0..LANES {
            let lane = if l < active { l } else { 0 };
            let (b, c) = (lane / ch, lane % ch);
            let header = &bytes[b * align + 4 * c..b * align + 4 * c + 4];
            let mut index = header[2];
            if index > MAX_STEP_INDEX {
                warnings += (l < active) as u64;
                index = MAX_STEP_INDEX;
            }
            lanes.pred[l] = i16::from_le_bytes([header[0], header[1]]) as i32;
            lanes.index[l] = index as i32;
            lanes.offsets[l] = (b * align + 4 * ch + 4 * c) as i32;
            if l < active {
                pcm[b * spb * ch + c] = lanes.pred[l] as i16;
            }
        }
        for first in (0..groups).step_by(DECODE_CHUNK_GROUPS) {
            let n = (groups - first).min(DECODE_CHUNK_GROUPS);
            // SAFETY: the CPU has `level` (`simd`); `bytes` holds the group's whole blocks,
            // and group `g < groups` of a lane ends at `4 * channels * (1 + g) + 4 * channel
            // + 4 <= 4 * channels * (1 + groups)` in its block, within `block_align` as
            // `samples_per_block <= 1 + 8 * (block_align / (4 * channels) - 1)`.
            unsafe { chunk(&mut lanes, bytes, ch, first, n, &mut scratch) };
            // Transpose out: lane (b, c) sample 1 + 8 * first + t.
            for l in 0..active {
                let (b, c) = (l / ch, l % ch);
                let out = &mut pcm[b * spb * ch + (1 + 8 * first) * ch + c..];
                for t in 0..8 * n {
                    out[t * ch] = scratch[t * LANES + l];
                }
            }
        }
    }
    for b in simd_blocks..blocks {
        super::decode_block(
            params,
            &bytes[b * align..(b + 1) * align],
            &mut pcm[b * spb * ch..(b + 1) * spb * ch],
            &mut warnings,
        );
    }
    warnings
}

/// Step indices: the buckets of the SIMD bucketed searches.
#[cfg(target_arch = "x86_64")]
const BUCKETS: usize = MAX_STEP_INDEX as usize + 1;

/// Cost of an empty bucket lane and of a missing candidate: above any real cost, and a
/// positive `i64`, as AVX2 compares 64-bit lanes as signed.
#[cfg(target_arch = "x86_64")]
const EMPTY_COST: u64 = i64::MAX as u64;

/// Predictor of an empty bucket lane: never within any tolerance of a real predictor.
#[cfg(target_arch = "x86_64")]
const EMPTY_PRED: i32 = i32::MIN / 2;

/// Storage of the SIMD bucketed beam searches ([`avx2::BucketBeamAvx2`],
/// [`avx512::BucketBeamAvx512`]): one `ROW`-lane vector row per step index, and the live nodes
/// padded to whole groups of `GROUP` (the nodes one kernel pass expands). The kernels add the
/// search itself; the bookkeeping between steps is here.
#[cfg(target_arch = "x86_64")]
pub(crate) struct SimdBucketBeam<const ROW: usize, const GROUP: usize> {
    cap: usize,
    /// Bucket `b` at `b * ROW..`: costs, predictors, `parent << 8 | code`.
    bucket_cost: Vec<u64>,
    bucket_pred: Vec<i32>,
    bucket_meta: Vec<u32>,
    /// Buckets holding paths this step, in first-filled order (the scalar search's order).
    touched: Vec<u16>,
    /// The live nodes' predictors and step indices (their costs and history are in `paths`).
    pred: Vec<i32>,
    index: Vec<i32>,
    paths: Paths,
}

#[cfg(target_arch = "x86_64")]
impl<const ROW: usize, const GROUP: usize> SimdBucketBeam<ROW, GROUP> {
    /// Storage for `cap` (1..=`ROW`) paths per step index over at most `max_len` coded samples.
    pub(crate) fn new(cap: usize, max_len: usize) -> Self {
        let cap = cap.clamp(1, ROW);
        let row = cap * BUCKETS;
        let padded = row.next_multiple_of(GROUP);
        Self {
            cap,
            bucket_cost: vec![EMPTY_COST; BUCKETS * ROW],
            bucket_pred: vec![EMPTY_PRED; BUCKETS * ROW],
            bucket_meta: vec![0; BUCKETS * ROW],
            touched: vec![0; BUCKETS + 1],
            pred: vec![0; padded],
            index: vec![0; padded],
            paths: Paths::new(row, GROUP, max_len),
        }
    }

    /// Makes `roots` the live nodes of step 0; returns how many there are.
    fn seed_roots(&mut self, roots: &[ImaState]) -> usize {
        let (pred, index) = (&mut self.pred, &mut self.index);
        self.paths.seed_roots(roots, |j, root: ImaState| {
            pred[j] = root.predictor;
            index[j] = root.step_index as i32;
        })
    }

    /// Makes the paths in the first `touched_len` touched buckets the nodes of step `t + 1`
    /// (every bucket's cheapest first, then every bucket's second...), empties those buckets
    /// and returns how many nodes are live.
    #[inline(always)]
    fn take_survivors(&mut self, t: usize, touched_len: usize) -> usize {
        let row = (t + 1) * self.paths.row();
        let mut live = 0;
        for rank in 0..self.cap {
            for &b in &self.touched[..touched_len] {
                let at = b as usize * ROW + rank;
                let cost = self.bucket_cost[at];
                let meta = self.bucket_meta[at];
                self.paths.cost[live] = cost;
                self.pred[live] = self.bucket_pred[at];
                self.index[live] = b as i32;
                self.paths.parent[row + live] = (meta >> 8) as u16;
                self.paths.code[row + live] = meta as u8;
                live += (cost != EMPTY_COST) as usize;
            }
        }
        for &b in &self.touched[..touched_len] {
            let at = b as usize * ROW;
            self.bucket_cost[at..at + ROW].fill(EMPTY_COST);
            self.bucket_pred[at..at + ROW].fill(EMPTY_PRED);
        }
        live
    }
}

/// Each step index's merge tolerance (`ImaModel::tolerance`).
#[cfg(target_arch = "x86_64")]
fn tolerances() -> [i32; BUCKETS] {
    use super::beam::BucketModel;
    std::array::from_fn(|b| super::encoder::ImaModel.tolerance(b))
}

/// `INDEX_TABLE` repeated over `N` lanes: the step index change of code magnitude `lane & 7`.
#[cfg(target_arch = "x86_64")]
fn index_adjust_table<const N: usize>() -> [i32; N] {
    std::array::from_fn(|k| super::INDEX_TABLE[k & 7] as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Samples that reach the rails often (where the clamp path runs) and small steps.
    fn sample() -> impl Strategy<Value = i16> {
        prop_oneof![
            any::<i16>(),
            Just(i16::MAX),
            Just(i16::MIN),
            -300i16..300,
            (i16::MAX - 2000)..=i16::MAX,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Every level this CPU has codes exactly as the scalar reference: the dispatch and
        /// each SIMD kernel itself (the dispatch sends a few chains to the scalar kernel), at
        /// every active count, with and without codes.
        #[test]
        fn simd_equals_scalar(
            samples in prop::collection::vec(sample(), 1..600),
            starts in prop::collection::vec((any::<i16>(), 0u8..=88, any::<u32>()), LANES),
            len_seed in any::<usize>(),
            active in 1usize..=LANES,
            keep_codes in any::<bool>(),
        ) {
            // Offsets below `room`: one sample of slack past every chain, as the SIMD kernels
            // need.
            let len = len_seed % samples.len();
            let room = (samples.len() - len) as u32;
            let offsets: [u32; LANES] = std::array::from_fn(|l| starts[l].2 % room);
            let run = |kernel: &dyn Fn(&mut Chains)| {
                let mut codes = vec![0u8; if keep_codes { len * LANES } else { 0 }];
                let mut c = Chains {
                    samples: &samples,
                    offsets,
                    len,
                    active,
                    states: std::array::from_fn(|l| ImaState {
                        predictor: starts[l].0 as i32,
                        step_index: starts[l].1,
                    }),
                    costs: [0; LANES],
                    codes: keep_codes.then_some(&mut codes[..]),
                };
                kernel(&mut c);
                let (states, costs) = (c.states, c.costs);
                // Only the active chains are defined.
                let codes: Vec<u8> = codes
                    .chunks_exact(LANES)
                    .flat_map(|row| row[..active].to_vec())
                    .collect();
                (codes, costs[..active].to_vec(), states[..active].to_vec())
            };
            let reference = run(&scalar::greedy);
            for level in SimdLevel::available() {
                prop_assert_eq!(&run(&|c| greedy(level, c)), &reference, "level {:?}", level);
            }
            #[cfg(target_arch = "x86_64")]
            for (level, kernel) in [
                (SimdLevel::Avx2, avx2::greedy as fn(&mut Chains)),
                (SimdLevel::Avx512, avx512::greedy),
            ] {
                if SimdLevel::detected() >= level {
                    prop_assert_eq!(&run(&kernel), &reference, "{:?} kernel", level);
                }
            }
        }
    }

    /// Targets that swing across the whole range (the clamp), or stay small, or sit still.
    fn beam_targets() -> impl Strategy<Value = Vec<i16>> {
        prop_oneof![
            prop::collection::vec(sample(), 0..120),
            prop::collection::vec(-2000i16..2000, 0..120),
            (any::<i16>(), 0usize..120).prop_map(|(x, n)| vec![x; n]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The AVX2 bucketed beam codes exactly as the scalar `BucketBeam` at every cap it
        /// takes: the same codes, chosen root and cost.
        #[cfg(target_arch = "x86_64")]
        #[test]
        fn avx2_bucket_beam_equals_scalar(
            targets in beam_targets(),
            roots in prop::collection::vec((any::<i16>(), 0u8..=88), 1..9),
            cap in 1usize..=avx2::MAX_AVX2_CAP,
        ) {
            if SimdLevel::detected() >= SimdLevel::Avx2 {
                let mut fast = avx2::BucketBeamAvx2::new(cap, targets.len());
                check_bucket_beam(&targets, &roots, cap, |r, t, c| fast.search(r, t, c))?;
            }
        }

        /// As `avx2_bucket_beam_equals_scalar`, for the AVX-512 search.
        #[cfg(target_arch = "x86_64")]
        #[test]
        fn avx512_bucket_beam_equals_scalar(
            targets in beam_targets(),
            roots in prop::collection::vec((any::<i16>(), 0u8..=88), 1..9),
            cap in 1usize..=avx512::MAX_SIMD_CAP,
        ) {
            if SimdLevel::detected() >= SimdLevel::Avx512 {
                let mut fast = avx512::BucketBeamAvx512::new(cap, targets.len());
                check_bucket_beam(&targets, &roots, cap, |r, t, c| fast.search(r, t, c))?;
            }
        }
    }

    /// Checks that `search` (a SIMD bucketed beam built for `cap` and `targets`) codes
    /// `targets` from `roots` exactly as the scalar `BucketBeam`: the same codes, chosen root and
    /// cost, twice over (a search leaves no state behind that changes the next).
    #[cfg(target_arch = "x86_64")]
    fn check_bucket_beam(
        targets: &[i16],
        roots: &[(i16, u8)],
        cap: usize,
        mut search: impl FnMut(&[ImaState], &[i16], &mut [u8]) -> (usize, u64),
    ) -> Result<(), TestCaseError> {
        use crate::codecs::ima_adpcm::beam::{BucketBeam, BucketModel};
        use crate::codecs::ima_adpcm::encoder::ImaModel;
        let roots: Vec<ImaState> = roots
            .iter()
            .map(|&(p, i)| ImaState {
                predictor: p as i32,
                step_index: i,
            })
            .collect();
        let mut scalar = BucketBeam::new(cap, ImaModel::BUCKETS, targets.len());
        let mut codes = vec![0u8; targets.len()];
        let reference = scalar.search(&ImaModel, &roots, targets, &mut codes);
        let mut fast_codes = vec![0u8; targets.len()];
        for _ in 0..2 {
            prop_assert_eq!(search(&roots, targets, &mut fast_codes), reference);
            prop_assert_eq!(&fast_codes, &codes);
        }
        Ok(())
    }
}
