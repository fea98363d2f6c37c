//! AVX2 kernels: the AVX-512 kernels' schemes in 256-bit vectors (8 lanes of `i32`), masks in
//! vectors (compares, blends), step sizes gathered from `STEP_TABLE`. Each is bit-identical to
//! its scalar reference.
//!
//! * [`greedy`]: the 16 chains as two 8-lane halves interleaved (one half when at most 8 are
//!   active), each sample's nearest code by the AVX-512 kernel's binary search on midpoints,
//!   every code tried in the lanes where the decoder's clamp can act.
//! * [`decode_chunk`]: 16 (block, channel) lanes as two halves, behind the shared driver
//!   [`decode_blocks`](super::decode_blocks).
//! * [`BucketBeamAvx2`]: the bucketed beam search of
//!   [`BucketBeamAvx512`](super::avx512::BucketBeamAvx512), for at most [`MAX_AVX2_CAP`] paths
//!   per step index (one 4-lane row per bucket). Nodes are expanded 8 at a time; the offer's
//!   lane arithmetic is in the low bits of a byte. Bit-identical to
//!   [`BucketBeam::search`](crate::codecs::ima_adpcm::beam::BucketBeam::search) with
//!   [`ImaModel`](crate::codecs::ima_adpcm::encoder::ImaModel).

// Lane loops index several per-lane arrays by the lane number.
#![allow(clippy::needless_range_loop)]

use std::arch::x86_64::*;

use super::{
    index_adjust_table, tolerances, Chains, DecodeLanes, DecodeScratch, SimdBucketBeam, EMPTY_COST,
    LANES,
};
use crate::codecs::ima_adpcm::{ImaState, MAX_STEP_INDEX, STEP_TABLE};
use crate::simd::SimdLevel;

/// 32-bit lanes per vector.
const HALF: usize = 8;

pub(crate) fn greedy(c: &mut Chains) {
    if SimdLevel::detected() < SimdLevel::Avx2 {
        return super::scalar::greedy(c);
    }
    // SAFETY: the CPU supports AVX2 (checked above); the caller (`super::greedy`) checked that
    // every gathered 4-byte load, `samples[offsets[l] + i .. + 2]` for `i < len`, lies inside
    // `samples` at an index below `i32::MAX`, and that `codes` holds `len * LANES` bytes.
    unsafe {
        if c.active <= HALF {
            greedy_avx2::<1>(c)
        } else {
            greedy_avx2::<2>(c)
        }
    }
}

/// Codes the first `8 * HALVES` chains of `c`, the halves interleaved so their dependency
/// chains overlap.
#[target_feature(enable = "avx2")]
unsafe fn greedy_avx2<const HALVES: usize>(c: &mut Chains) {
    let index_table = index_adjust_table::<HALF>();
    let (pred0, idx0) = c.start();
    // SAFETY (whole function): loads and stores below are of local arrays of the stated sizes,
    // of `codes` rows of `LANES` bytes, and the gathers stay inside `samples` (see `greedy`)
    // and `STEP_TABLE` (step indices stay within 0..=88).
    let index_adjust = _mm256_loadu_si256(index_table.as_ptr().cast());
    let load = |lanes: &[i32], h: usize| _mm256_loadu_si256(lanes[HALF * h..].as_ptr().cast());
    let mut pred: [__m256i; HALVES] = std::array::from_fn(|h| load(&pred0, h));
    let mut idx: [__m256i; HALVES] = std::array::from_fn(|h| load(&idx0, h));
    let offsets: [__m256i; HALVES] =
        std::array::from_fn(|h| _mm256_loadu_si256(c.offsets[HALF * h..].as_ptr().cast()));
    let base = c.samples.as_ptr();
    let zero = _mm256_setzero_si256();
    let (top, bottom) = (_mm256_set1_epi32(32767), _mm256_set1_epi32(-32768));
    let (eight, max_index) = (
        _mm256_set1_epi32(8),
        _mm256_set1_epi32(MAX_STEP_INDEX as i32),
    );
    let low_half = _mm256_set1_epi64x(0xFFFF_FFFF);
    // Codes of 16 lanes as bytes: after the two packs, 32-bit word 4 holds lanes 4..8.
    let code_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    let mut cost_even = [zero; HALVES];
    let mut cost_odd = [zero; HALVES];
    for i in 0..c.len {
        let ii = _mm256_set1_epi32(i as i32);
        let mut codes = [zero; 2];
        for h in 0..HALVES {
            let raw = _mm256_i32gather_epi32::<2>(base.cast(), _mm256_add_epi32(offsets[h], ii));
            let x = _mm256_srai_epi32::<16>(_mm256_slli_epi32::<16>(raw));
            let step = _mm256_i32gather_epi32::<4>(STEP_TABLE.as_ptr(), idx[h]);
            let parts = StepParts::new(pred[h], idx[h], step);
            let clamps = parts.may_clamp(top, bottom);
            let d = _mm256_sub_epi32(x, pred[h]);
            let negative = _mm256_cmpgt_epi32(zero, d);
            let (m, diff) = parts.nearest_magnitude(_mm256_abs_epi32(d));
            let mut code = _mm256_or_si256(m, _mm256_and_si256(negative, eight));
            let mut next_pred = _mm256_blendv_epi8(
                _mm256_add_epi32(pred[h], diff),
                _mm256_sub_epi32(pred[h], diff),
                negative,
            );
            let moved = _mm256_add_epi32(idx[h], _mm256_permutevar8x32_epi32(index_adjust, m));
            let mut next_idx = _mm256_min_epi32(_mm256_max_epi32(moved, zero), max_index);
            if _mm256_movemask_ps(_mm256_castsi256_ps(clamps)) != 0 {
                // Near the rails every code is tried exactly, as the scalar kernel does.
                code = _mm256_blendv_epi8(code, nearest_code_clamped(&parts, x), clamps);
                (next_pred, next_idx) = decode(&parts, code, index_adjust);
            }
            codes[h] = code;
            // |e| <= 65535, so e * e fits 32 unsigned bits; sum in 64-bit halves.
            let e = _mm256_sub_epi32(x, next_pred);
            let square = _mm256_mullo_epi32(e, e);
            cost_even[h] = _mm256_add_epi64(cost_even[h], _mm256_and_si256(square, low_half));
            cost_odd[h] = _mm256_add_epi64(cost_odd[h], _mm256_srli_epi64::<32>(square));
            pred[h] = next_pred;
            idx[h] = next_idx;
        }
        if let Some(out) = c.codes.as_deref_mut() {
            let words = _mm256_packs_epi32(codes[0], codes[1]);
            let bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(words, words), code_order);
            _mm_storeu_si128(
                out[i * LANES..].as_mut_ptr().cast(),
                _mm256_castsi256_si128(bytes),
            );
        }
    }
    let mut p = [0i32; LANES];
    let mut s = [0i32; LANES];
    let mut even = [0u64; LANES / 2];
    let mut odd = [0u64; LANES / 2];
    for h in 0..HALVES {
        _mm256_storeu_si256(p[HALF * h..].as_mut_ptr().cast(), pred[h]);
        _mm256_storeu_si256(s[HALF * h..].as_mut_ptr().cast(), idx[h]);
        _mm256_storeu_si256(even[HALF / 2 * h..].as_mut_ptr().cast(), cost_even[h]);
        _mm256_storeu_si256(odd[HALF / 2 * h..].as_mut_ptr().cast(), cost_odd[h]);
    }
    c.finish(&p, &s, &even, &odd);
}

/// The block decoder's [`DecodeChunk`](super::DecodeChunk) kernel: 16 (block, channel)
/// lanes as two 8-lane halves, interleaved.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn decode_chunk(
    lanes: &mut DecodeLanes,
    bytes: &[u8],
    ch: usize,
    first: usize,
    n: usize,
    scratch: &mut DecodeScratch,
) {
    let index_table = index_adjust_table::<HALF>();
    // SAFETY (whole function): the loads and stores are of local arrays and of `scratch` rows
    // of `LANES` samples; the gathers read 4 bytes at `offsets[l] + 4 * channels * g` for
    // `g < groups`, inside block `l / channels` of `bytes`, and `STEP_TABLE` at step indices
    // within 0..=88.
    let index_adjust = _mm256_loadu_si256(index_table.as_ptr().cast());
    let mut pred: [__m256i; 2] =
        std::array::from_fn(|h| _mm256_loadu_si256(lanes.pred[HALF * h..].as_ptr().cast()));
    let mut idx: [__m256i; 2] =
        std::array::from_fn(|h| _mm256_loadu_si256(lanes.index[HALF * h..].as_ptr().cast()));
    let offsets: [__m256i; 2] =
        std::array::from_fn(|h| _mm256_loadu_si256(lanes.offsets[HALF * h..].as_ptr().cast()));
    let nibble = _mm256_set1_epi32(15);
    let base = bytes.as_ptr();
    for g in 0..n {
        let at = _mm256_set1_epi32((4 * ch * (first + g)) as i32);
        let mut word: [__m256i; 2] = std::array::from_fn(|h| {
            _mm256_i32gather_epi32::<1>(base.cast(), _mm256_add_epi32(offsets[h], at))
        });
        for k in 0..8 {
            for h in 0..2 {
                let code = _mm256_and_si256(word[h], nibble);
                word[h] = _mm256_srli_epi32::<4>(word[h]);
                let step = _mm256_i32gather_epi32::<4>(STEP_TABLE.as_ptr(), idx[h]);
                (pred[h], idx[h]) =
                    decode(&StepParts::new(pred[h], idx[h], step), code, index_adjust);
            }
            // The samples fit `i16` (the decoder clamps); the packs interleave 4-lane
            // quarters, the permute restores lane order.
            let samples =
                _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(pred[0], pred[1]));
            _mm256_storeu_si256(scratch[(8 * g + k) * LANES..].as_mut_ptr().cast(), samples);
        }
    }
    for h in 0..2 {
        _mm256_storeu_si256(lanes.pred[HALF * h..].as_mut_ptr().cast(), pred[h]);
        _mm256_storeu_si256(lanes.index[HALF * h..].as_mut_ptr().cast(), idx[h]);
    }
}

/// Most paths per step index the AVX2 search keeps.
pub(crate) const MAX_AVX2_CAP: usize = 4;

/// Nodes expanded per group.
const GROUP: usize = 8;

/// See the [module documentation](self).
pub(crate) type BucketBeamAvx2 = SimdBucketBeam<MAX_AVX2_CAP, GROUP>;

impl BucketBeamAvx2 {
    /// As [`BucketBeam::search`](crate::codecs::ima_adpcm::beam::BucketBeam::search): codes
    /// `targets` from any of `roots`, writes the best codes to `codes_out` and returns (index of
    /// the chosen root, its squared error). Returns `(0, u64::MAX)` without coding on a CPU
    /// without AVX2 or when the buffers are too small (the encoder then keeps its greedy
    /// codes); the encoder builds this search only when the CPU has AVX2.
    pub(crate) fn search(
        &mut self,
        roots: &[ImaState],
        targets: &[i16],
        codes_out: &mut [u8],
    ) -> (usize, u64) {
        if !is_x86_feature_detected!("avx2") || !self.paths.fits(targets.len(), codes_out) {
            return (0, u64::MAX);
        }
        // SAFETY: the CPU supports AVX2 (checked above); the storage sizes were checked above
        // and at construction (see `search_avx2`).
        unsafe { self.search_avx2(roots, targets, codes_out) }
    }

    #[target_feature(enable = "avx2")]
    unsafe fn search_avx2(
        &mut self,
        roots: &[ImaState],
        targets: &[i16],
        codes_out: &mut [u8],
    ) -> (usize, u64) {
        let mut live = self.seed_roots(roots);
        let index_table = index_adjust_table::<GROUP>();
        let tolerances = tolerances();
        // SAFETY (whole function): vector loads and stores touch local arrays of 8 lanes, node
        // arrays at `j..j + 8` with `j < live <= row` (padded to whole groups of 8), bucket
        // rows at `b * 4..b * 4 + 4` with `b <= 88`, and the gathers read `STEP_TABLE` at
        // indices clamped to 0..=88.
        let index_adjust = _mm256_loadu_si256(index_table.as_ptr().cast());
        let zero = _mm256_setzero_si256();
        let (top, bottom) = (_mm256_set1_epi32(32767), _mm256_set1_epi32(-32768));
        let (one, seven, eight, fifteen) = (
            _mm256_set1_epi32(1),
            _mm256_set1_epi32(7),
            _mm256_set1_epi32(8),
            _mm256_set1_epi32(15),
        );
        let max_index = _mm256_set1_epi32(MAX_STEP_INDEX as i32);
        let cap_lanes: u8 = ((1u32 << self.cap) - 1) as u8;
        let last_lane: u8 = 1 << (self.cap - 1);
        let empty_cost = _mm256_set1_epi64x(EMPTY_COST as i64);
        let lane_bits64 = _mm256_setr_epi64x(1, 2, 4, 8);
        let lane_bits32 = _mm_setr_epi32(1, 2, 4, 8);
        let mut cand_cost = [[0u64; GROUP]; 2];
        let mut cand_pred = [[0i32; GROUP]; 2];
        let mut cand_index = [[0i32; GROUP]; 2];
        let mut cand_code = [[0i32; GROUP]; 2];
        for (t_step, &target) in targets.iter().enumerate() {
            let bucket_cost = self.bucket_cost.as_mut_ptr();
            let bucket_pred = self.bucket_pred.as_mut_ptr();
            let bucket_meta = self.bucket_meta.as_mut_ptr();
            let mut touched_len = 0usize;
            let x = _mm256_set1_epi32(target as i32);
            for first in (0..live).step_by(GROUP) {
                let active = (live - first).min(GROUP);
                let pred = _mm256_loadu_si256(self.pred[first..].as_ptr().cast());
                let idx = _mm256_min_epi32(
                    _mm256_max_epi32(
                        _mm256_loadu_si256(self.index[first..].as_ptr().cast()),
                        zero,
                    ),
                    max_index,
                );
                let step = _mm256_i32gather_epi32::<4>(STEP_TABLE.as_ptr(), idx);
                let parts = StepParts::new(pred, idx, step);
                let clamps = parts.may_clamp(top, bottom);
                let clamp_lanes =
                    _mm256_movemask_ps(_mm256_castsi256_ps(clamps)) as u32 & ((1u32 << active) - 1);
                // The nearest code, by the greedy kernels' binary search on the midpoints.
                let d = _mm256_sub_epi32(x, pred);
                let negative = _mm256_cmpgt_epi32(zero, d);
                let (m, _) = parts.nearest_magnitude(_mm256_abs_epi32(d));
                let mut code = _mm256_or_si256(m, _mm256_and_si256(negative, eight));
                if clamp_lanes != 0 {
                    // Near the rails every code is tried exactly, as the scalar search does.
                    code = _mm256_blendv_epi8(code, nearest_code_clamped(&parts, x), clamps);
                }
                let (y1, idx1) = decode(&parts, code, index_adjust);
                // The neighbour in value order on the target's other side (ranks: -7..-0 are
                // 0..=7, +0..+7 are 8..=15).
                let m1 = _mm256_and_si256(code, seven);
                let neg1 = _mm256_cmpeq_epi32(_mm256_and_si256(code, eight), eight);
                let level = _mm256_blendv_epi8(
                    _mm256_add_epi32(m1, eight),
                    _mm256_sub_epi32(seven, m1),
                    neg1,
                );
                let down = _mm256_cmpgt_epi32(y1, x);
                let other = _mm256_blendv_epi8(
                    _mm256_add_epi32(level, one),
                    _mm256_sub_epi32(level, one),
                    down,
                );
                let missing = _mm256_or_si256(
                    _mm256_cmpgt_epi32(zero, other),
                    _mm256_cmpgt_epi32(other, fifteen),
                );
                let upper = _mm256_cmpgt_epi32(other, seven);
                let code2 = _mm256_blendv_epi8(
                    _mm256_or_si256(_mm256_sub_epi32(seven, other), eight),
                    _mm256_sub_epi32(other, eight),
                    upper,
                );
                let code2 = _mm256_and_si256(code2, fifteen);
                let (y2, idx2) = decode(&parts, code2, index_adjust);
                let parent_cost = [
                    _mm256_loadu_si256(self.paths.cost[first..].as_ptr().cast()),
                    _mm256_loadu_si256(self.paths.cost[first + 4..].as_ptr().cast()),
                ];
                for (c, (y, next, code)) in [(y1, idx1, code), (y2, idx2, code2)]
                    .into_iter()
                    .enumerate()
                {
                    // |e| <= 65535, so e * e fits 32 unsigned bits.
                    let e = _mm256_sub_epi32(x, y);
                    let square = _mm256_mullo_epi32(e, e);
                    let halves = [
                        _mm256_castsi256_si128(square),
                        _mm256_extracti128_si256::<1>(square),
                    ];
                    let missing_halves = [
                        _mm256_castsi256_si128(missing),
                        _mm256_extracti128_si256::<1>(missing),
                    ];
                    for h in 0..2 {
                        let mut cost =
                            _mm256_add_epi64(parent_cost[h], _mm256_cvtepu32_epi64(halves[h]));
                        if c == 1 {
                            // No neighbour there: a cost every bucket turns away.
                            cost = _mm256_blendv_epi8(
                                cost,
                                empty_cost,
                                _mm256_cvtepi32_epi64(missing_halves[h]),
                            );
                        }
                        _mm256_storeu_si256(cand_cost[c][4 * h..].as_mut_ptr().cast(), cost);
                    }
                    _mm256_storeu_si256(cand_pred[c].as_mut_ptr().cast(), y);
                    _mm256_storeu_si256(cand_index[c].as_mut_ptr().cast(), next);
                    _mm256_storeu_si256(cand_code[c].as_mut_ptr().cast(), code);
                }
                for l in 0..active {
                    let parent = ((first + l) as u32) << 8;
                    for c in 0..2 {
                        let cost = cand_cost[c][l];
                        let pred = cand_pred[c][l];
                        let b = cand_index[c][l] as usize;
                        let meta = parent | cand_code[c][l] as u32;
                        let at = b * MAX_AVX2_CAP;
                        let costs = _mm256_loadu_si256(bucket_cost.add(at).cast());
                        let preds = _mm_loadu_si128(bucket_pred.add(at).cast());
                        let metas = _mm_loadu_si128(bucket_meta.add(at).cast());
                        // |pred - p| <= tolerance, as tolerance + 1 > |pred - p|.
                        let near = _mm_cmpgt_epi32(
                            _mm_set1_epi32(tolerances[b] + 1),
                            _mm_abs_epi32(_mm_sub_epi32(preds, _mm_set1_epi32(pred))),
                        );
                        let near = _mm_movemask_ps(_mm_castsi128_ps(near)) as u8 & cap_lanes;
                        let dearer = _mm256_cmpgt_epi64(costs, _mm256_set1_epi64x(cost as i64));
                        let cheaper =
                            !(_mm256_movemask_pd(_mm256_castsi256_pd(dearer)) as u8) & cap_lanes;
                        // The lane arithmetic of the AVX-512 search's offer.
                        let new_lane = cheaper.wrapping_add(1);
                        let freed = near | last_lane;
                        let up_to_freed = freed ^ freed.wrapping_sub(1);
                        let new_lane = new_lane & up_to_freed;
                        let moved = up_to_freed & !(cheaper | new_lane);
                        let was_empty = (_mm256_extract_epi64::<0>(costs) as u64 == EMPTY_COST)
                            & (new_lane & 1 != 0);
                        let (moved64, new64) =
                            (lanes64(moved, lane_bits64), lanes64(new_lane, lane_bits64));
                        let (moved32, new32) =
                            (lanes32(moved, lane_bits32), lanes32(new_lane, lane_bits32));
                        let costs = _mm256_blendv_epi8(
                            _mm256_blendv_epi8(
                                costs,
                                _mm256_permute4x64_epi64::<0b10_01_00_00>(costs),
                                moved64,
                            ),
                            _mm256_set1_epi64x(cost as i64),
                            new64,
                        );
                        let preds = insert32(preds, moved32, new32, pred);
                        let metas = insert32(metas, moved32, new32, meta as i32);
                        _mm256_storeu_si256(bucket_cost.add(at).cast(), costs);
                        _mm_storeu_si128(bucket_pred.add(at).cast(), preds);
                        _mm_storeu_si128(bucket_meta.add(at).cast(), metas);
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

/// A group's nodes and the parts of their step sizes (`step >> 1`, `>> 2`, `>> 3`).
#[derive(Clone, Copy)]
struct StepParts {
    pred: __m256i,
    idx: __m256i,
    step: __m256i,
    s1: __m256i,
    s2: __m256i,
    s3: __m256i,
}

impl StepParts {
    #[inline]
    #[target_feature(enable = "avx2")]
    fn new(pred: __m256i, idx: __m256i, step: __m256i) -> Self {
        Self {
            pred,
            idx,
            step,
            s1: _mm256_srai_epi32::<1>(step),
            s2: _mm256_srai_epi32::<2>(step),
            s3: _mm256_srai_epi32::<3>(step),
        }
    }

    /// The lanes (all ones) where the largest reconstruction (step + step/2 + step/4 +
    /// step/8) either way could leave `bottom..=top`: only there may the nearest code not be
    /// the best.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn may_clamp(&self, top: __m256i, bottom: __m256i) -> __m256i {
        let s12 = _mm256_add_epi32(self.s1, self.s2);
        let largest = _mm256_add_epi32(_mm256_add_epi32(self.s3, self.step), s12);
        _mm256_or_si256(
            _mm256_cmpgt_epi32(_mm256_add_epi32(self.pred, largest), top),
            _mm256_cmpgt_epi32(bottom, _mm256_sub_epi32(self.pred, largest)),
        )
    }

    /// The magnitude (0..=7) of the code whose reconstruction `step >> 3` + {`step`,
    /// `step >> 1`, `step >> 2`} lies nearest `a` (the target's distance from the predictor),
    /// by a binary search on the midpoints between reconstructions, and that reconstruction.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn nearest_magnitude(&self, a: __m256i) -> (__m256i, __m256i) {
        let Self {
            step, s1, s2, s3, ..
        } = *self;
        let s12 = _mm256_add_epi32(s1, s2);
        let edge2 = _mm256_add_epi32(s3, _mm256_srai_epi32::<1>(_mm256_add_epi32(s12, step)));
        let b2 = _mm256_cmpgt_epi32(a, edge2);
        let r = _mm256_add_epi32(s3, _mm256_and_si256(b2, step));
        let b1 = _mm256_cmpgt_epi32(a, _mm256_add_epi32(r, _mm256_srai_epi32::<1>(s12)));
        let r = _mm256_add_epi32(r, _mm256_and_si256(b1, s1));
        let b0 = _mm256_cmpgt_epi32(a, _mm256_add_epi32(r, _mm256_srai_epi32::<1>(s2)));
        let diff = _mm256_add_epi32(r, _mm256_and_si256(b0, s2));
        let m = _mm256_or_si256(
            _mm256_or_si256(
                _mm256_and_si256(b2, _mm256_set1_epi32(4)),
                _mm256_and_si256(b1, _mm256_set1_epi32(2)),
            ),
            _mm256_and_si256(b0, _mm256_set1_epi32(1)),
        );
        (m, diff)
    }
}

/// Decodes `code` from each lane's node: the sample (clamped as the decoder does) and the next
/// step index.
#[inline]
#[target_feature(enable = "avx2")]
fn decode(p: &StepParts, code: __m256i, index_adjust: __m256i) -> (__m256i, __m256i) {
    let m = _mm256_and_si256(code, _mm256_set1_epi32(7));
    let neg = bit(code, 8);
    let diff = _mm256_add_epi32(p.s3, _mm256_and_si256(bit(m, 4), p.step));
    let diff = _mm256_add_epi32(diff, _mm256_and_si256(bit(m, 2), p.s1));
    let diff = _mm256_add_epi32(diff, _mm256_and_si256(bit(m, 1), p.s2));
    let y = _mm256_blendv_epi8(
        _mm256_min_epi32(_mm256_add_epi32(p.pred, diff), _mm256_set1_epi32(32767)),
        _mm256_max_epi32(_mm256_sub_epi32(p.pred, diff), _mm256_set1_epi32(-32768)),
        neg,
    );
    let moved = _mm256_add_epi32(p.idx, _mm256_permutevar8x32_epi32(index_adjust, m));
    let next = _mm256_min_epi32(
        _mm256_max_epi32(moved, _mm256_setzero_si256()),
        _mm256_set1_epi32(MAX_STEP_INDEX as i32),
    );
    (y, next)
}

/// All ones in the lanes where `m` has bit `b` set.
#[inline]
#[target_feature(enable = "avx2")]
fn bit(m: __m256i, b: i32) -> __m256i {
    let b = _mm256_set1_epi32(b);
    _mm256_cmpeq_epi32(_mm256_and_si256(m, b), b)
}

/// The 4-bit lane `mask` as all-ones 64-bit lanes (`lane_bits`: 1, 2, 4, 8).
#[inline]
#[target_feature(enable = "avx2")]
fn lanes64(mask: u8, lane_bits: __m256i) -> __m256i {
    let bits = _mm256_set1_epi64x(mask as i64);
    _mm256_cmpeq_epi64(_mm256_and_si256(bits, lane_bits), lane_bits)
}

/// The 4-bit lane `mask` as all-ones 32-bit lanes (`lane_bits`: 1, 2, 4, 8).
#[inline]
#[target_feature(enable = "avx2")]
fn lanes32(mask: u8, lane_bits: __m128i) -> __m128i {
    let bits = _mm_set1_epi32(mask as i32);
    _mm_cmpeq_epi32(_mm_and_si128(bits, lane_bits), lane_bits)
}

/// `row` with its `moved` lanes taken from the lane below and its `new` lane set to `value`:
/// an offer's insertion into a bucket's row of predictors or parent/code words.
#[inline]
#[target_feature(enable = "avx2")]
fn insert32(row: __m128i, moved: __m128i, new: __m128i, value: i32) -> __m128i {
    let shifted = _mm_blendv_epi8(row, _mm_shuffle_epi32::<0b10_01_00_00>(row), moved);
    _mm_blendv_epi8(shifted, _mm_set1_epi32(value), new)
}

/// The code the scalar `nearest_code` picks where the decoder's clamp can act: every code tried
/// in its order (magnitude up, the sign toward the target first), the first of the least
/// absolute errors kept.
#[inline]
#[target_feature(enable = "avx2")]
fn nearest_code_clamped(p: &StepParts, x: __m256i) -> __m256i {
    let eight = _mm256_set1_epi32(8);
    let toward_minus = _mm256_cmpgt_epi32(p.pred, x);
    let toward_sign = _mm256_and_si256(toward_minus, eight);
    let away_sign = _mm256_xor_si256(toward_sign, eight);
    let mut best_error = _mm256_set1_epi32(i32::MAX);
    let mut best = _mm256_setzero_si256();
    for m in 0..8 {
        let mut diff = p.s3;
        if m & 4 != 0 {
            diff = _mm256_add_epi32(diff, p.step);
        }
        if m & 2 != 0 {
            diff = _mm256_add_epi32(diff, p.s1);
        }
        if m & 1 != 0 {
            diff = _mm256_add_epi32(diff, p.s2);
        }
        let plus = _mm256_min_epi32(_mm256_add_epi32(p.pred, diff), _mm256_set1_epi32(32767));
        let minus = _mm256_max_epi32(_mm256_sub_epi32(p.pred, diff), _mm256_set1_epi32(-32768));
        let toward = _mm256_blendv_epi8(plus, minus, toward_minus);
        let away = _mm256_blendv_epi8(minus, plus, toward_minus);
        for (y, sign) in [(toward, toward_sign), (away, away_sign)] {
            let error = _mm256_abs_epi32(_mm256_sub_epi32(x, y));
            let better = _mm256_cmpgt_epi32(best_error, error);
            best_error = _mm256_blendv_epi8(best_error, error, better);
            best = _mm256_blendv_epi8(best, _mm256_or_si256(sign, _mm256_set1_epi32(m)), better);
        }
    }
    best
}
