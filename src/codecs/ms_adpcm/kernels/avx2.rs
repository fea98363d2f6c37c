//! AVX2 MS ADPCM encoder kernels in 32-bit lanes.
//!
//! [`greedy_lanes`] runs eight coding chains, one per lane. Each step is exactly the scalar
//! integer arithmetic: the prediction `(s1·c1 + s2·c2) >> 8` is one `vpmaddwd` of the packed
//! sample pair (`s1` low, `s2` high half) with the packed coefficients (exact: both are i16
//! and not both products reach 2^30); the nearest code counts the odd multiples
//! `(2k+1)·delta` below `2·|error|` as the scalar code does, so no division is needed; the
//! reconstruction offset `code·delta` is the sum of the passed comparisons' masks applied to
//! `delta`; the adaptation multiplier depends only on `|code|`, whose thresholds are the same
//! masks (the table is symmetric: `|code|` 0–3 → 230, 4 → 307, 5 → 409, 6 → 512, 7 → 614,
//! 8 → 768), so one multiply updates the delta. Values stay far inside i32: `|prediction|
//! < 2^23`, `15·delta ≤ 15·MAX_DELTA < 2^26`, and the squared error `< 2^32` is summed in
//! 64-bit lanes.

use std::arch::x86_64::*;

use super::{scalar, Lanes, LANES};
use crate::codecs::ms_adpcm::{MAX_DELTA, MIN_DELTA};
use crate::simd::SimdLevel;

/// See [`super::greedy_lanes`]; the caller has checked the lanes and the padding.
pub(crate) fn greedy_lanes(
    pcm: &[i16],
    channels: usize,
    first: usize,
    len: usize,
    lanes: &Lanes,
    codes: Option<&mut [u8]>,
) -> [u64; LANES] {
    if SimdLevel::detected() < SimdLevel::Avx2 {
        return scalar::greedy_lanes(pcm, channels, first, len, lanes, codes);
    }
    assert!(len == 0 || pcm.len() >= (first + len - 1) * channels + LANES);
    assert!(lanes.channel.iter().all(|&c| c < channels) && channels <= LANES);
    if let Some(c) = &codes {
        assert!(c.len() >= len * LANES);
    }
    // SAFETY: the CPU supports AVX2 (checked above); every frame read at
    // `(first + i) * channels` has LANES readable samples and `codes` holds `len * LANES`
    // bytes (asserted above).
    unsafe { greedy_lanes_avx2(pcm, channels, first, len, lanes, codes) }
}

#[target_feature(enable = "avx2")]
unsafe fn greedy_lanes_avx2(
    pcm: &[i16],
    channels: usize,
    first: usize,
    len: usize,
    lanes: &Lanes,
    mut codes: Option<&mut [u8]>,
) -> [u64; LANES] {
    let field = |f: fn(&super::MsState) -> i32| {
        let mut a = [0i32; LANES];
        for (v, s) in a.iter_mut().zip(&lanes.states) {
            *v = f(s);
        }
        _mm256_loadu_si256(a.as_ptr() as *const __m256i)
    };
    let low16 = _mm256_set1_epi32(0xFFFF);
    let coefs = _mm256_or_si256(
        _mm256_and_si256(field(|s| s.coef1), low16),
        _mm256_slli_epi32(field(|s| s.coef2), 16),
    );
    // Low half: the last sample; high half: the one before.
    let mut pair = _mm256_or_si256(
        _mm256_and_si256(field(|s| s.sample1), low16),
        _mm256_slli_epi32(field(|s| s.sample2), 16),
    );
    let mut delta = field(|s| s.delta);
    let mut channel = [0i32; LANES];
    for (c, &l) in channel.iter_mut().zip(&lanes.channel) {
        *c = l as i32;
    }
    let channel = _mm256_loadu_si256(channel.as_ptr() as *const __m256i);
    let zero = _mm256_setzero_si256();
    let (min16, max16) = (_mm256_set1_epi32(-32768), _mm256_set1_epi32(32767));
    let (min_delta, max_delta) = (_mm256_set1_epi32(MIN_DELTA), _mm256_set1_epi32(MAX_DELTA));
    let fifteen = _mm256_set1_epi32(15);
    // Adaptation multiplier steps at |code| = 4, 5, 6, 7, 8 (230 → 307 → 409 → 512 → 614 → 768).
    let (step4, step5, step6, step7, step8) = (
        _mm256_set1_epi32(307 - 230),
        _mm256_set1_epi32(409 - 307),
        _mm256_set1_epi32(512 - 409),
        _mm256_set1_epi32(614 - 512),
        _mm256_set1_epi32(768 - 614),
    );
    let base_multiplier = _mm256_set1_epi32(230);
    // Byte 0 of each 32-bit lane, gathered into the low 8 bytes.
    let low_bytes = _mm256_setr_epi8(
        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1,
    );
    let gather_low = _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0);
    let (mut cost_even, mut cost_odd) = (zero, zero);
    let base = pcm.as_ptr();
    for i in 0..len {
        let frame = base.add((first + i) * channels) as *const __m128i;
        let target =
            _mm256_permutevar8x32_epi32(_mm256_cvtepi16_epi32(_mm_loadu_si128(frame)), channel);
        let prediction = _mm256_srai_epi32(_mm256_madd_epi16(pair, coefs), 8);
        let error = _mm256_sub_epi32(target, prediction);
        let negative = _mm256_cmpgt_epi32(zero, error);
        let twice = _mm256_slli_epi32(_mm256_abs_epi32(error), 1);
        // The odd multiples of delta: m_k = (2|e| > (2k+1)·delta).
        let d2 = _mm256_add_epi32(delta, delta);
        let d3 = _mm256_add_epi32(d2, delta);
        let d4 = _mm256_add_epi32(d2, d2);
        let d5 = _mm256_add_epi32(d4, delta);
        let d8 = _mm256_add_epi32(d4, d4);
        let d7 = _mm256_sub_epi32(d8, delta);
        let m0 = _mm256_cmpgt_epi32(twice, delta);
        let m1 = _mm256_cmpgt_epi32(twice, d3);
        let m2 = _mm256_cmpgt_epi32(twice, d5);
        let m3 = _mm256_cmpgt_epi32(twice, d7);
        let m4 = _mm256_cmpgt_epi32(twice, _mm256_add_epi32(d8, delta));
        let m5 = _mm256_cmpgt_epi32(twice, _mm256_add_epi32(d8, d3));
        let m6 = _mm256_cmpgt_epi32(twice, _mm256_add_epi32(d8, d5));
        let m7 = _mm256_cmpgt_epi32(twice, _mm256_add_epi32(d8, d7));
        let and_d = |m| _mm256_and_si256(m, delta);
        // min(m, 7)·delta and m·delta, m being the count of passed thresholds.
        let offset7 = _mm256_add_epi32(
            _mm256_add_epi32(
                _mm256_add_epi32(and_d(m0), and_d(m1)),
                _mm256_add_epi32(and_d(m2), and_d(m3)),
            ),
            _mm256_add_epi32(_mm256_add_epi32(and_d(m4), and_d(m5)), and_d(m6)),
        );
        let offset8 = _mm256_add_epi32(offset7, and_d(m7));
        let offset = _mm256_blendv_epi8(offset7, _mm256_sub_epi32(zero, offset8), negative);
        let sample = _mm256_min_epi32(
            _mm256_max_epi32(_mm256_add_epi32(prediction, offset), min16),
            max16,
        );
        // Masks are -1: their sums are -min(m, 7) and -m.
        let minus7 = _mm256_add_epi32(
            _mm256_add_epi32(_mm256_add_epi32(m0, m1), _mm256_add_epi32(m2, m3)),
            _mm256_add_epi32(_mm256_add_epi32(m4, m5), m6),
        );
        let minus8 = _mm256_add_epi32(minus7, m7);
        let code = _mm256_blendv_epi8(
            _mm256_sub_epi32(zero, minus7),
            _mm256_and_si256(minus8, fifteen),
            negative,
        );
        let multiplier = _mm256_add_epi32(
            _mm256_add_epi32(
                _mm256_add_epi32(base_multiplier, _mm256_and_si256(m3, step4)),
                _mm256_add_epi32(_mm256_and_si256(m4, step5), _mm256_and_si256(m5, step6)),
            ),
            _mm256_add_epi32(
                _mm256_and_si256(m6, step7),
                _mm256_and_si256(_mm256_and_si256(m7, negative), step8),
            ),
        );
        delta = _mm256_min_epi32(
            _mm256_max_epi32(
                _mm256_srai_epi32(_mm256_mullo_epi32(multiplier, delta), 8),
                min_delta,
            ),
            max_delta,
        );
        pair = _mm256_blend_epi16::<0b0101_0101>(_mm256_slli_epi32(pair, 16), sample);
        // Squared error in 64-bit lanes: even lanes, then odd lanes moved down.
        let miss = _mm256_sub_epi32(target, sample);
        cost_even = _mm256_add_epi64(cost_even, _mm256_mul_epi32(miss, miss));
        let miss_odd = _mm256_srli_epi64(miss, 32);
        cost_odd = _mm256_add_epi64(cost_odd, _mm256_mul_epi32(miss_odd, miss_odd));
        if let Some(out) = codes.as_deref_mut() {
            let bytes =
                _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(code, low_bytes), gather_low);
            _mm_storel_epi64(
                out.as_mut_ptr().add(i * LANES) as *mut __m128i,
                _mm256_castsi256_si128(bytes),
            );
        }
    }
    let (mut even, mut odd) = ([0u64; 4], [0u64; 4]);
    _mm256_storeu_si256(even.as_mut_ptr() as *mut __m256i, cost_even);
    _mm256_storeu_si256(odd.as_mut_ptr() as *mut __m256i, cost_odd);
    let mut costs = [0u64; LANES];
    for k in 0..4 {
        costs[2 * k] = even[k];
        costs[2 * k + 1] = odd[k];
    }
    costs
}

/// See [`super::pair_energy`]; the caller has checked that `c1` and `c2` are not both -32768.
pub(crate) fn pair_energy(samples: &[i16], coefficients: [i16; 2]) -> u64 {
    if SimdLevel::detected() < SimdLevel::Avx2 {
        return scalar::pair_energy(samples, coefficients, 0);
    }
    // SAFETY: the CPU supports AVX2 (checked above).
    unsafe { pair_energy_avx2(samples, coefficients) }
}

/// Eight windows per step: a 32-bit lane holds `(s[i], s[i+1])`, which `vpmaddwd` with
/// `(c2, c1)` turns into the product sum; the target `s[i+2]` is the low half of the lane one
/// further on. Residuals stay below 2^24, so their squares are exact in 64-bit lanes.
#[target_feature(enable = "avx2")]
unsafe fn pair_energy_avx2(samples: &[i16], [c1, c2]: [i16; 2]) -> u64 {
    let coefs = _mm256_set1_epi32((c2 as u16 as i32) | ((c1 as i32) << 16));
    let (mut sum_even, mut sum_odd) = (_mm256_setzero_si256(), _mm256_setzero_si256());
    let mut i = 0;
    let p = samples.as_ptr();
    while i + 18 <= samples.len() {
        // SAFETY: i + 18 <= len, so both 16-sample loads are inside `samples`.
        let window = _mm256_loadu_si256(p.add(i) as *const __m256i);
        let ahead = _mm256_loadu_si256(p.add(i + 2) as *const __m256i);
        let prediction = _mm256_srai_epi32(_mm256_madd_epi16(window, coefs), 8);
        let target = _mm256_srai_epi32(_mm256_slli_epi32(ahead, 16), 16);
        let r = _mm256_sub_epi32(target, prediction);
        sum_even = _mm256_add_epi64(sum_even, _mm256_mul_epi32(r, r));
        let r_odd = _mm256_srli_epi64(r, 32);
        sum_odd = _mm256_add_epi64(sum_odd, _mm256_mul_epi32(r_odd, r_odd));
        i += 16;
    }
    let mut lanes = [0u64; 4];
    _mm256_storeu_si256(
        lanes.as_mut_ptr() as *mut __m256i,
        _mm256_add_epi64(sum_even, sum_odd),
    );
    lanes
        .iter()
        .fold(scalar::pair_energy(samples, [c1, c2], i), |a, &b| {
            a.wrapping_add(b)
        })
}
