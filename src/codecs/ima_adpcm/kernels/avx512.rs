//! AVX-512 greedy kernel: 16 chains in 32-bit lanes. The nearest code magnitude is found by a
//! three-level binary search on the midpoints between reconstructions (the reconstructions grow
//! with the magnitude, so this equals the scalar kernel's count of midpoints below the target);
//! in the lanes where the decoder's clamp can act every code is tried, in the scalar
//! [`nearest_code`](crate::codecs::ima_adpcm::encoder::nearest_code)'s order. Bit-identical to
//! `scalar::greedy`.
//!
//! Also the bucketed beam search of the beam efforts ([`BucketBeamAvx512`]), which finds each
//! node's nearest code the same way.

// Lane loops index several per-lane arrays by the lane number.
#![allow(clippy::needless_range_loop)]

use std::arch::x86_64::*;

use super::{
    index_adjust_table, tolerances, Chains, DecodeLanes, DecodeScratch, SimdBucketBeam, EMPTY_COST,
    LANES,
};
use crate::codecs::ima_adpcm::{ImaState, MAX_STEP_INDEX, STEP_TABLE};
use crate::simd::SimdLevel;

pub(crate) fn greedy(c: &mut Chains) {
    if SimdLevel::detected() < SimdLevel::Avx512 {
        return super::scalar::greedy(c);
    }
    // SAFETY: the CPU supports AVX-512 F/BW/DQ/VL (checked above); the caller (`super::greedy`)
    // checked that every gathered 4-byte load, `samples[offsets[l] + i .. + 2]` for
    // `i < len`, lies inside `samples`, and that `codes` holds `len * LANES` bytes.
    unsafe { greedy_avx512(c) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn greedy_avx512(c: &mut Chains) {
    let table = step_table();
    let index_table = index_adjust_table::<16>();
    // SAFETY (whole function): loads and stores below are of local arrays of the stated sizes,
    // and the gathers stay inside `samples` (see `greedy`).
    let t: [__m512i; 6] =
        std::array::from_fn(|k| _mm512_loadu_si512(table[16 * k..].as_ptr().cast()));
    let index_adjust = _mm512_loadu_si512(index_table.as_ptr().cast());
    let (pred0, idx0) = c.start();
    let mut pred = _mm512_loadu_si512(pred0.as_ptr().cast());
    let mut idx = _mm512_loadu_si512(idx0.as_ptr().cast());
    let offsets = _mm512_loadu_si512(c.offsets.as_ptr().cast());
    let base = c.samples.as_ptr().cast::<u8>();
    let (zero, max_index) = (_mm512_setzero_si512(), _mm512_set1_epi32(88));
    let (top, bottom) = (_mm512_set1_epi32(32767), _mm512_set1_epi32(-32768));
    let sign_bit = _mm512_set1_epi32(8);
    let low_half = _mm512_set1_epi64(0xFFFF_FFFF);
    let (mut cost_even, mut cost_odd) = (zero, zero);
    for i in 0..c.len {
        let at = _mm512_add_epi32(offsets, _mm512_set1_epi32(i as i32));
        let raw = _mm512_i32gather_epi32::<2>(at, base.cast());
        let x = _mm512_srai_epi32::<16>(_mm512_slli_epi32::<16>(raw));
        let parts = StepParts::new(pred, idx, step_of(&t, idx));
        let StepParts {
            step, s1, s2, s3, ..
        } = parts;
        let clamp_lanes = parts.may_clamp(top, bottom);
        let d = _mm512_sub_epi32(x, pred);
        let a = _mm512_abs_epi32(d);
        let negative = _mm512_cmplt_epi32_mask(d, zero);
        // Binary search over the 8 reconstructions s3 + {0, s2, s1, s1+s2} (+ step).
        let (m, diff) = nearest_magnitude(a, step, s1, s2, s3);
        let mut code = _mm512_mask_or_epi32(m, negative, m, sign_bit);
        let mut next_pred =
            _mm512_mask_sub_epi32(_mm512_add_epi32(pred, diff), negative, pred, diff);
        let moved = _mm512_add_epi32(idx, _mm512_permutexvar_epi32(m, index_adjust));
        let mut next_idx = _mm512_min_epi32(_mm512_max_epi32(moved, zero), max_index);
        if clamp_lanes != 0 {
            // Near the rails every code is tried exactly, as the scalar kernel does.
            code = _mm512_mask_mov_epi32(code, clamp_lanes, nearest_code_clamped(&parts, x));
            (next_pred, next_idx) = decode(&parts, code, index_adjust);
        }
        if let Some(codes) = c.codes.as_deref_mut() {
            _mm_storeu_si128(
                codes[i * LANES..].as_mut_ptr().cast(),
                _mm512_cvtepi32_epi8(code),
            );
        }
        // |e| <= 65535, so e * e fits 32 unsigned bits; sum in 64-bit halves.
        let e = _mm512_sub_epi32(x, next_pred);
        let square = _mm512_mullo_epi32(e, e);
        cost_even = _mm512_add_epi64(cost_even, _mm512_and_si512(square, low_half));
        cost_odd = _mm512_add_epi64(cost_odd, _mm512_srli_epi64::<32>(square));
        pred = next_pred;
        idx = next_idx;
    }
    let mut even = [0u64; 8];
    let mut odd = [0u64; 8];
    _mm512_storeu_si512(even.as_mut_ptr().cast(), cost_even);
    _mm512_storeu_si512(odd.as_mut_ptr().cast(), cost_odd);
    let mut p = [0i32; LANES];
    let mut s = [0i32; LANES];
    _mm512_storeu_si512(p.as_mut_ptr().cast(), pred);
    _mm512_storeu_si512(s.as_mut_ptr().cast(), idx);
    c.finish(&p, &s, &even, &odd);
}

/// The block decoder's [`DecodeChunk`](super::DecodeChunk) kernel: 16 (block, channel)
/// lanes in one vector.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
pub(super) unsafe fn decode_chunk(
    lanes: &mut DecodeLanes,
    bytes: &[u8],
    ch: usize,
    first: usize,
    n: usize,
    scratch: &mut DecodeScratch,
) {
    let table = step_table();
    let index_table = index_adjust_table::<16>();
    // SAFETY (whole function): the loads and stores are of local arrays of the sizes stated;
    // the gathers read 4 bytes at `offsets[l] + 4 * channels * g` for `g < groups`, inside
    // block `l / channels` (a group's 4 bytes per channel end before the block does).
    let t: [__m512i; 6] =
        std::array::from_fn(|k| _mm512_loadu_si512(table[16 * k..].as_ptr().cast()));
    let index_adjust = _mm512_loadu_si512(index_table.as_ptr().cast());
    let mut pred = _mm512_loadu_si512(lanes.pred.as_ptr().cast());
    let mut idx = _mm512_loadu_si512(lanes.index.as_ptr().cast());
    let offsets = _mm512_loadu_si512(lanes.offsets.as_ptr().cast());
    let (zero, max_index) = (_mm512_setzero_si512(), _mm512_set1_epi32(88));
    let (top, bottom) = (_mm512_set1_epi32(32767), _mm512_set1_epi32(-32768));
    let (nibble, sign, four, two, one) = (
        _mm512_set1_epi32(15),
        _mm512_set1_epi32(8),
        _mm512_set1_epi32(4),
        _mm512_set1_epi32(2),
        _mm512_set1_epi32(1),
    );
    let base = bytes.as_ptr();
    for g in 0..n {
        let at = _mm512_add_epi32(offsets, _mm512_set1_epi32((4 * ch * (first + g)) as i32));
        let mut word = _mm512_i32gather_epi32::<1>(at, base.cast());
        for k in 0..8 {
            let code = _mm512_and_si512(word, nibble);
            word = _mm512_srli_epi32::<4>(word);
            let step = step_of(&t, idx);
            let mut diff = _mm512_srai_epi32::<3>(step);
            diff = _mm512_mask_add_epi32(diff, _mm512_test_epi32_mask(code, four), diff, step);
            diff = _mm512_mask_add_epi32(
                diff,
                _mm512_test_epi32_mask(code, two),
                diff,
                _mm512_srai_epi32::<1>(step),
            );
            diff = _mm512_mask_add_epi32(
                diff,
                _mm512_test_epi32_mask(code, one),
                diff,
                _mm512_srai_epi32::<2>(step),
            );
            let up = _mm512_min_epi32(_mm512_add_epi32(pred, diff), top);
            let down = _mm512_max_epi32(_mm512_sub_epi32(pred, diff), bottom);
            pred = _mm512_mask_mov_epi32(up, _mm512_test_epi32_mask(code, sign), down);
            let moved = _mm512_add_epi32(idx, _mm512_permutexvar_epi32(code, index_adjust));
            idx = _mm512_min_epi32(_mm512_max_epi32(moved, zero), max_index);
            _mm256_storeu_si256(
                scratch[(8 * g + k) * LANES..].as_mut_ptr().cast(),
                _mm512_cvtepi32_epi16(pred),
            );
        }
    }
    _mm512_storeu_si512(lanes.pred.as_mut_ptr().cast(), pred);
    _mm512_storeu_si512(lanes.index.as_mut_ptr().cast(), idx);
}

/// The AVX-512 bucketed beam search over IMA codes: the same search as
/// [`BucketBeam::search`](crate::codecs::ima_adpcm::beam::BucketBeam::search) with
/// [`ImaModel`](crate::codecs::ima_adpcm::encoder::ImaModel), bit for bit, for at most
/// [`MAX_SIMD_CAP`] paths per step index.
///
/// Each step expands 16 nodes at once into their two candidates (cost, predictor, step index),
/// then offers the candidates one by one to their step index's bucket. A bucket is one
/// 8-lane row of costs (empty lanes `EMPTY_COST`, cheapest first), predictors and
/// parent/code words, so an offer is a few mask compares (merge, rank, reject), one permute and
/// a masked store: no data-dependent branch, where the scalar search mispredicts a few times
/// per offer.
pub(crate) type BucketBeamAvx512 = SimdBucketBeam<MAX_SIMD_CAP, LANES>;

/// Most paths per step index the AVX-512 search keeps (one 8-lane row per bucket).
pub(crate) const MAX_SIMD_CAP: usize = 8;

impl BucketBeamAvx512 {
    /// As [`BucketBeam::search`](crate::codecs::ima_adpcm::beam::BucketBeam::search): codes
    /// `targets` from any of `roots`, writes the best codes to `codes_out` and returns (index of
    /// the chosen root, its squared error). Returns `(0, u64::MAX)` without coding on a CPU
    /// without AVX-512 or when the buffers are too small (the encoder then keeps its greedy
    /// codes); the encoder builds this search only when the CPU has AVX-512.
    pub(crate) fn search(
        &mut self,
        roots: &[ImaState],
        targets: &[i16],
        codes_out: &mut [u8],
    ) -> (usize, u64) {
        if SimdLevel::detected() < SimdLevel::Avx512 || !self.paths.fits(targets.len(), codes_out) {
            return (0, u64::MAX);
        }
        // SAFETY: the CPU supports AVX-512 F/BW/DQ/VL (checked above); the storage sizes
        // were checked above and at construction (see `search_avx512`).
        unsafe { self.search_avx512(roots, targets, codes_out) }
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
    unsafe fn search_avx512(
        &mut self,
        roots: &[ImaState],
        targets: &[i16],
        codes_out: &mut [u8],
    ) -> (usize, u64) {
        let mut live = self.seed_roots(roots);
        let table = step_table();
        let index_table = index_adjust_table::<LANES>();
        let tolerances = tolerances();
        // SAFETY (whole function): vector loads and stores touch local arrays of 16 lanes,
        // node arrays at `j..j + 16` with `j < live <= row` (padded to whole groups of 16)
        // and bucket rows at `b * 8..b * 8 + 8` with `b <= 88`.
        let t: [__m512i; 6] =
            std::array::from_fn(|k| _mm512_loadu_si512(table[16 * k..].as_ptr().cast()));
        let index_adjust = _mm512_loadu_si512(index_table.as_ptr().cast());
        let zero = _mm512_setzero_si512();
        let (top, bottom) = (_mm512_set1_epi32(32767), _mm512_set1_epi32(-32768));
        let (sign_bit, seven, eight) = (
            _mm512_set1_epi32(8),
            _mm512_set1_epi32(7),
            _mm512_set1_epi32(8),
        );
        let (one, fifteen) = (_mm512_set1_epi32(1), _mm512_set1_epi32(15));
        // Each lane's left neighbour (lane 0 its own).
        let up_one = _mm512_setr_epi64(0, 0, 1, 2, 3, 4, 5, 6);
        let up_one32 = _mm256_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6);
        let cap_lanes: u8 = (((1u32 << self.cap) - 1) & 0xFF) as u8;
        let last_lane: u8 = 1 << (self.cap - 1);
        let empty_cost = _mm512_set1_epi64(EMPTY_COST as i64);
        // Candidates of one 16-node group: (cost, predictor, step index, code) per candidate.
        let mut cand_cost = [[0u64; LANES]; 2];
        let mut cand_pred = [[0i32; LANES]; 2];
        let mut cand_index = [[0i32; LANES]; 2];
        let mut cand_code = [[0i32; LANES]; 2];
        for (t_step, &target) in targets.iter().enumerate() {
            let bucket_cost = self.bucket_cost.as_mut_ptr();
            let bucket_pred = self.bucket_pred.as_mut_ptr();
            let bucket_meta = self.bucket_meta.as_mut_ptr();
            let mut touched_len = 0usize;
            let x = _mm512_set1_epi32(target as i32);
            for first in (0..live).step_by(LANES) {
                let active = (live - first).min(LANES);
                let pred = _mm512_loadu_si512(self.pred[first..].as_ptr().cast());
                let idx = _mm512_loadu_si512(self.index[first..].as_ptr().cast());
                let parts = StepParts::new(pred, idx, step_of(&t, idx));
                let StepParts {
                    step, s1, s2, s3, ..
                } = parts;
                let active_lanes = ((1u32 << active) - 1) as u16;
                let clamp_lanes = parts.may_clamp(top, bottom) & active_lanes;
                // The nearest code, as the greedy kernel finds it.
                let d = _mm512_sub_epi32(x, pred);
                let a = _mm512_abs_epi32(d);
                let negative = _mm512_cmplt_epi32_mask(d, zero);
                let (m, _) = nearest_magnitude(a, step, s1, s2, s3);
                let mut code = _mm512_mask_or_epi32(m, negative, m, sign_bit);
                if clamp_lanes != 0 {
                    // Near the rails every code is tried exactly, as the scalar search does.
                    code =
                        _mm512_mask_mov_epi32(code, clamp_lanes, nearest_code_clamped(&parts, x));
                }
                let (y1, idx1) = decode(&parts, code, index_adjust);
                // The neighbour in value order on the target's other side (ranks: -7..-0 are
                // 0..=7, +0..+7 are 8..=15).
                let m1 = _mm512_and_epi32(code, seven);
                let neg1 = _mm512_test_epi32_mask(code, sign_bit);
                let level = _mm512_mask_sub_epi32(_mm512_add_epi32(m1, eight), neg1, seven, m1);
                let up = _mm512_cmpge_epi32_mask(x, y1);
                let other = _mm512_mask_add_epi32(_mm512_sub_epi32(level, one), up, level, one);
                let valid =
                    _mm512_cmpge_epi32_mask(other, zero) & _mm512_cmple_epi32_mask(other, fifteen);
                let upper = _mm512_cmpge_epi32_mask(other, eight);
                let code2 = _mm512_mask_sub_epi32(
                    _mm512_or_epi32(_mm512_sub_epi32(seven, other), sign_bit),
                    upper,
                    other,
                    eight,
                );
                let code2 = _mm512_and_epi32(code2, fifteen);
                let (y2, idx2) = decode(&parts, code2, index_adjust);
                let parent_cost = [
                    _mm512_loadu_si512(self.paths.cost[first..].as_ptr().cast()),
                    _mm512_loadu_si512(self.paths.cost[first + 8..].as_ptr().cast()),
                ];
                for (c, (y, next, code)) in [(y1, idx1, code), (y2, idx2, code2)]
                    .into_iter()
                    .enumerate()
                {
                    // |e| <= 65535, so e * e fits 32 unsigned bits.
                    let e = _mm512_sub_epi32(x, y);
                    let square = _mm512_mullo_epi32(e, e);
                    let halves = [
                        _mm512_cvtepu32_epi64(_mm512_castsi512_si256(square)),
                        _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64::<1>(square)),
                    ];
                    for h in 0..2 {
                        let mut cost = _mm512_add_epi64(parent_cost[h], halves[h]);
                        if c == 1 {
                            // No neighbour there: a cost every bucket turns away.
                            cost =
                                _mm512_mask_mov_epi64(empty_cost, (valid >> (8 * h)) as u8, cost);
                        }
                        _mm512_storeu_si512(cand_cost[c][8 * h..].as_mut_ptr().cast(), cost);
                    }
                    _mm512_storeu_si512(cand_pred[c].as_mut_ptr().cast(), y);
                    _mm512_storeu_si512(cand_index[c].as_mut_ptr().cast(), next);
                    _mm512_storeu_si512(cand_code[c].as_mut_ptr().cast(), code);
                }
                for l in 0..active {
                    let parent = ((first + l) as u32) << 8;
                    for c in 0..2 {
                        let cost = cand_cost[c][l];
                        let pred = cand_pred[c][l];
                        let b = cand_index[c][l] as usize;
                        let meta = parent | cand_code[c][l] as u32;
                        let at = b * MAX_SIMD_CAP;
                        let costs = _mm512_loadu_si512(bucket_cost.add(at).cast());
                        let preds = _mm256_loadu_si256(bucket_pred.add(at).cast());
                        let metas = _mm256_loadu_si256(bucket_meta.add(at).cast());
                        let tolerance = _mm256_set1_epi32(tolerances[b]);
                        let near = _mm256_cmple_epi32_mask(
                            _mm256_abs_epi32(_mm256_sub_epi32(preds, _mm256_set1_epi32(pred))),
                            tolerance,
                        ) & cap_lanes;
                        let cheaper =
                            _mm512_cmple_epu64_mask(costs, _mm512_set1_epi64(cost as i64))
                                & cap_lanes;
                        // Turned away by a near path at most as dear, or by a full bucket's
                        // dearest path (an empty lane is dearer than any real cost).
                        // The new path's lane: after the paths at most as dear (`cheaper` is a
                        // prefix: a bucket is sorted). It frees the first near path's lane,
                        // else the last; lanes between move up one. It is turned away when a
                        // near path or a full bucket's dearest is no dearer, i.e. when its lane
                        // would lie past the freed one. Mask arithmetic, no branch.
                        let new_lane = cheaper.wrapping_add(1);
                        let freed = near | last_lane;
                        let up_to_freed = freed ^ freed.wrapping_sub(1);
                        let new_lane = new_lane & up_to_freed;
                        let moved = up_to_freed & !(cheaper | new_lane);
                        let was_empty = _mm512_cmpeq_epi64_mask(costs, empty_cost) & new_lane & 1;
                        let costs = _mm512_mask_mov_epi64(
                            _mm512_mask_mov_epi64(
                                costs,
                                moved,
                                _mm512_permutexvar_epi64(up_one, costs),
                            ),
                            new_lane,
                            _mm512_set1_epi64(cost as i64),
                        );
                        let preds = insert32(preds, moved, new_lane, up_one32, pred);
                        let metas = insert32(metas, moved, new_lane, up_one32, meta as i32);
                        // Whole-row stores (a turned-away offer stores the row unchanged): a
                        // masked store would not forward to the next offer's loads.
                        _mm512_storeu_si512(bucket_cost.add(at).cast(), costs);
                        _mm256_storeu_si256(bucket_pred.add(at).cast(), preds);
                        _mm256_storeu_si256(bucket_meta.add(at).cast(), metas);
                        self.touched[touched_len] = b as u16;
                        touched_len += was_empty as usize;
                    }
                }
            }
            live = self.take_survivors(t_step, touched_len);
        }
        self.paths.backtrack(live, targets.len(), codes_out)
    }
}

/// `STEP_TABLE` padded to six 16-lane vectors (for [`step_of`]).
fn step_table() -> [i32; 96] {
    let mut table = [0i32; 96];
    table[..STEP_TABLE.len()].copy_from_slice(&STEP_TABLE);
    table
}

/// The step size of each lane's step index (0..=88): three 32-entry permutes, then a select.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
fn step_of(t: &[__m512i; 6], idx: __m512i) -> __m512i {
    let low = _mm512_permutex2var_epi32(t[0], idx, t[1]);
    let mid = _mm512_permutex2var_epi32(t[2], idx, t[3]);
    let high = _mm512_permutex2var_epi32(t[4], idx, t[5]);
    let step = _mm512_mask_mov_epi32(
        low,
        _mm512_cmpge_epi32_mask(idx, _mm512_set1_epi32(32)),
        mid,
    );
    _mm512_mask_mov_epi32(
        step,
        _mm512_cmpge_epi32_mask(idx, _mm512_set1_epi32(64)),
        high,
    )
}

/// The magnitude (0..=7) of the code whose reconstruction `step >> 3` + {`step`, `step >> 1`,
/// `step >> 2`} lies nearest `a` (the target's distance from the predictor), by a binary search
/// on the midpoints between reconstructions, and that reconstruction's offset.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
fn nearest_magnitude(
    a: __m512i,
    step: __m512i,
    s1: __m512i,
    s2: __m512i,
    s3: __m512i,
) -> (__m512i, __m512i) {
    let s12 = _mm512_add_epi32(s1, s2);
    let edge2 = _mm512_add_epi32(s3, _mm512_srai_epi32::<1>(_mm512_add_epi32(s12, step)));
    let b2 = _mm512_cmpgt_epi32_mask(a, edge2);
    let r = _mm512_mask_add_epi32(s3, b2, s3, step);
    let b1 = _mm512_cmpgt_epi32_mask(a, _mm512_add_epi32(r, _mm512_srai_epi32::<1>(s12)));
    let r = _mm512_mask_add_epi32(r, b1, r, s1);
    let b0 = _mm512_cmpgt_epi32_mask(a, _mm512_add_epi32(r, _mm512_srai_epi32::<1>(s2)));
    let diff = _mm512_mask_add_epi32(r, b0, r, s2);
    let m = _mm512_or_epi32(
        _mm512_or_epi32(
            _mm512_maskz_mov_epi32(b2, _mm512_set1_epi32(4)),
            _mm512_maskz_mov_epi32(b1, _mm512_set1_epi32(2)),
        ),
        _mm512_maskz_mov_epi32(b0, _mm512_set1_epi32(1)),
    );
    (m, diff)
}

/// `row` with its `moved` lanes taken from the lane below (`up_one`: each lane's left
/// neighbour) and its `new` lane set to `value`: an offer's insertion into a bucket's row of
/// predictors or parent/code words.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
fn insert32(row: __m256i, moved: u8, new: u8, up_one: __m256i, value: i32) -> __m256i {
    let shifted = _mm256_mask_mov_epi32(row, moved, _mm256_permutevar8x32_epi32(row, up_one));
    _mm256_mask_mov_epi32(shifted, new, _mm256_set1_epi32(value))
}

/// A group's nodes and the parts of their step sizes (`step >> 1`, `>> 2`, `>> 3`).
struct StepParts {
    pred: __m512i,
    idx: __m512i,
    step: __m512i,
    s1: __m512i,
    s2: __m512i,
    s3: __m512i,
}

impl StepParts {
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
    fn new(pred: __m512i, idx: __m512i, step: __m512i) -> Self {
        Self {
            pred,
            idx,
            step,
            s1: _mm512_srai_epi32::<1>(step),
            s2: _mm512_srai_epi32::<2>(step),
            s3: _mm512_srai_epi32::<3>(step),
        }
    }

    /// The lanes where the largest reconstruction (step + step/2 + step/4 + step/8) either
    /// way could leave `bottom..=top`: only there may the nearest code not be the best.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
    fn may_clamp(&self, top: __m512i, bottom: __m512i) -> __mmask16 {
        let s12 = _mm512_add_epi32(self.s1, self.s2);
        let largest = _mm512_add_epi32(_mm512_add_epi32(self.s3, self.step), s12);
        _mm512_cmpgt_epi32_mask(_mm512_add_epi32(self.pred, largest), top)
            | _mm512_cmplt_epi32_mask(_mm512_sub_epi32(self.pred, largest), bottom)
    }
}

/// Decodes `code` from each lane's node: the sample (clamped as the decoder does) and the next
/// step index.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
fn decode(p: &StepParts, code: __m512i, index_adjust: __m512i) -> (__m512i, __m512i) {
    let (one, two, four) = (
        _mm512_set1_epi32(1),
        _mm512_set1_epi32(2),
        _mm512_set1_epi32(4),
    );
    let m = _mm512_and_epi32(code, _mm512_set1_epi32(7));
    let neg = _mm512_test_epi32_mask(code, _mm512_set1_epi32(8));
    let diff = _mm512_mask_add_epi32(p.s3, _mm512_test_epi32_mask(m, four), p.s3, p.step);
    let diff = _mm512_mask_add_epi32(diff, _mm512_test_epi32_mask(m, two), diff, p.s1);
    let diff = _mm512_mask_add_epi32(diff, _mm512_test_epi32_mask(m, one), diff, p.s2);
    let y = _mm512_mask_blend_epi32(
        neg,
        _mm512_min_epi32(_mm512_add_epi32(p.pred, diff), _mm512_set1_epi32(32767)),
        _mm512_max_epi32(_mm512_sub_epi32(p.pred, diff), _mm512_set1_epi32(-32768)),
    );
    let moved = _mm512_add_epi32(p.idx, _mm512_permutexvar_epi32(m, index_adjust));
    let next = _mm512_min_epi32(
        _mm512_max_epi32(moved, _mm512_setzero_si512()),
        _mm512_set1_epi32(MAX_STEP_INDEX as i32),
    );
    (y, next)
}

/// The code [`nearest_code`](crate::codecs::ima_adpcm::encoder::nearest_code) picks where the
/// decoder's clamp can act: every code tried in the scalar search's order (magnitude up, the
/// sign toward the target first), the first of the least absolute errors kept.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
fn nearest_code_clamped(p: &StepParts, x: __m512i) -> __m512i {
    let eight = _mm512_set1_epi32(8);
    let toward_minus = _mm512_cmplt_epi32_mask(x, p.pred);
    let toward_sign = _mm512_maskz_mov_epi32(toward_minus, eight);
    let away_sign = _mm512_xor_si512(toward_sign, eight);
    let mut best_error = _mm512_set1_epi32(i32::MAX);
    let mut best = _mm512_setzero_si512();
    for m in 0..8 {
        let mut diff = p.s3;
        if m & 4 != 0 {
            diff = _mm512_add_epi32(diff, p.step);
        }
        if m & 2 != 0 {
            diff = _mm512_add_epi32(diff, p.s1);
        }
        if m & 1 != 0 {
            diff = _mm512_add_epi32(diff, p.s2);
        }
        let plus = _mm512_min_epi32(_mm512_add_epi32(p.pred, diff), _mm512_set1_epi32(32767));
        let minus = _mm512_max_epi32(_mm512_sub_epi32(p.pred, diff), _mm512_set1_epi32(-32768));
        let toward = _mm512_mask_blend_epi32(toward_minus, plus, minus);
        let away = _mm512_mask_blend_epi32(toward_minus, minus, plus);
        for (y, sign) in [(toward, toward_sign), (away, away_sign)] {
            let error = _mm512_abs_epi32(_mm512_sub_epi32(x, y));
            let better = _mm512_cmplt_epi32_mask(error, best_error);
            best_error = _mm512_mask_mov_epi32(best_error, better, error);
            best = _mm512_mask_mov_epi32(best, better, _mm512_or_si512(sign, _mm512_set1_epi32(m)));
        }
    }
    best
}
